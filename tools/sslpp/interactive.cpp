#include "interactive.hpp"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "files.hpp"
#include "output.hpp"

namespace sslpp::cli {

namespace {

constexpr std::size_t kChunk = 16384;

// for_terminal escapes what a terminal would act on; lines stay lines.
std::string for_terminal(std::string_view data) { return escape_control_bytes(data, "\t\n\r"); }

// wait_for_either waits for the network socket `net` or, while `in` >= 0,
// the user's input; once input has ended, for `idle` at most. nullopt: the
// wait ran out (the server stayed quiet); true: input is ready to read.
// POLLNVAL (stdin not open at all) counts as ready too: the read then fails
// with EBADF instead of poll() answering at once for ever.
std::optional<bool> wait_for_either(int net, int in, std::chrono::duration<double> idle) {
  std::array<pollfd, 2> fds{{{net, POLLIN, 0}, {in, POLLIN, 0}}};
  const int wait_ms = in >= 0 ? -1 : static_cast<int>(std::ceil(idle.count() * 1000));
  const int ready = ::poll(fds.data(), fds.size(), wait_ms);
  if (ready < 0) {
    if (errno == EINTR) {
      return false;
    }
    throw OSError(os_error_info(errno, "poll"));
  }
  if (ready == 0) {
    return std::nullopt;
  }
  return in >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

// read_input reads what the user typed into `buf`: the bytes, empty at the
// end of input; nullopt when nothing came after all (EINTR, EAGAIN).
std::optional<std::string_view> read_input(int in, std::span<char> buf) {
  const ssize_t n = ::read(in, buf.data(), buf.size());
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) {
      return std::nullopt;
    }
    throw OSError(os_error_info(errno, "<stdin>"));
  }
  return std::string_view(buf.data(), static_cast<std::size_t>(n));
}

// bounded runs a write of `stream` blocking, bounded by `idle`, and puts the
// stream back to non-blocking (its reads are polled): a server that does
// not read cannot stall the relay for ever.
template <typename Stream, typename Write>
void bounded(Stream& stream, std::chrono::duration<double> idle, Write&& write) {
  stream.settimeout(idle);
  try {
    write();
  } catch (...) {
    stream.settimeout(std::chrono::duration<double>(0));
    throw;
  }
  stream.settimeout(std::chrono::duration<double>(0));
}

// Relay holds the two ends and how the server's side ended, once it has.
class Relay {
 public:
  Relay(SSLSocket& tls, int in, int out, std::chrono::duration<double> idle)
      : tls_(tls), in_(in), out_(out), escape_(::isatty(out) == 1), idle_(idle) {}

  std::string run() {
    // Non-blocking: poll() decides when to read, and a read that finds
    // only a partial record (or a TLS 1.3 ticket) just returns to poll.
    tls_.settimeout(std::chrono::duration<double>(0));
    for (;;) {
      drain_server();
      if (!end_.empty()) {
        break;
      }
      if (!wait_and_forward()) {
        end_ = "idle";
        break;
      }
    }
    write_all(out_, for_terminal(held_), "<stdout>");  // a lone 0xc2 at the very end
    return end_;
  }

 private:
  // drain_server reads every byte the server has sent so far; it sets end_
  // when the server's stream has ended.
  void drain_server() {
    for (;;) {
      std::string part;
      try {
        part = tls_.recv(kChunk);
      } catch (const SSLWantReadError&) {
        return;
      } catch (const SSLWantWriteError&) {
        return;
      } catch (const SSLEOFError&) {
        end_ = "truncated";
        return;
      }
      if (part.empty()) {
        end_ = "close_notify";
        return;
      }
      show(std::move(part));
    }
  }

  // show writes the server's bytes to out_. For a terminal, a UTF-8
  // sequence cut at the end of a part waits for the rest: escaping judges
  // whole characters (a C1 control is two bytes; a character cut in two
  // would be shown as invalid bytes).
  void show(std::string part) {
    if (!escape_) {
      write_all(out_, part, "<stdout>");
      return;
    }
    std::string text = std::exchange(held_, {}) + part;
    const std::size_t cut = incomplete_tail(text);
    held_ = text.substr(text.size() - cut);
    text.resize(text.size() - cut);
    write_all(out_, for_terminal(text), "<stdout>");
  }

  // incomplete_tail is how many bytes at the end of `text` begin a UTF-8
  // sequence that the next part may complete (0 to 3).
  static std::size_t incomplete_tail(std::string_view text) {
    for (std::size_t back = 1; back <= 3 && back <= text.size(); ++back) {
      const auto c = static_cast<unsigned char>(text[text.size() - back]);
      if ((c & 0xC0) == 0x80) {
        continue;  // a continuation byte: look further back for the lead
      }
      const std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 1;
      return len > back ? back : 0;
    }
    return 0;
  }

  // wait_and_forward waits for either side and sends what the user typed;
  // false when the server stayed quiet for idle_ after our close_notify.
  bool wait_and_forward() {
    const std::optional<bool> input = wait_for_either(tls_.fileno(), in_open_ ? in_ : -1, idle_);
    if (input && *input) {
      forward_input();
    }
    return input.has_value();
  }

  void forward_input() {
    std::array<char, kChunk> buf{};
    const std::optional<std::string_view> typed = read_input(in_, buf);
    if (!typed) {
      return;
    }
    if (typed->empty()) {
      // Our side is done: say so, and hear the server out.
      in_open_ = false;
      std::error_code ec;
      bounded(tls_, idle_, [&] { tls_.shutdown_tls(ec); });
      return;
    }
    try {
      bounded(tls_, idle_, [&] { tls_.sendall(*typed); });
    } catch (const BrokenPipeError&) {
      in_open_ = false;  // the server has gone: how it went is in what is left to read
    } catch (const ConnectionResetError&) {
      in_open_ = false;
    }
  }

  SSLSocket& tls_;
  int in_;
  int out_;
  bool escape_;
  std::chrono::duration<double> idle_;
  bool in_open_ = true;
  std::string held_;
  std::string end_;
};

// RecordRelay is Relay over DTLS: lines to records, records to `out`.
class RecordRelay {
 public:
  RecordRelay(DTLSSocket& dtls, int in, int out, std::chrono::duration<double> idle)
      : dtls_(dtls), in_(in), out_(out), escape_(::isatty(out) == 1), idle_(idle) {}

  std::string run() {
    dtls_.settimeout(std::chrono::duration<double>(0));  // poll() decides when to read
    for (;;) {
      if (drain_server()) {
        return "close_notify";
      }
      if (!wait_and_forward()) {
        return "idle";
      }
    }
  }

 private:
  // drain_server writes out every record that has come; true once the
  // server has sent close_notify.
  bool drain_server() {
    for (;;) {
      std::string record;
      try {
        record = dtls_.recv(kChunk);
      } catch (const SSLWantReadError&) {
        return false;
      }
      if (record.empty()) {
        return true;
      }
      write_all(out_, escape_ ? for_terminal(record) : record, "<stdout>");
    }
  }

  // wait_and_forward waits for either side and sends the lines typed;
  // false when the server stayed quiet for idle_ after the end of `in`.
  bool wait_and_forward() {
    const std::optional<bool> input = wait_for_either(dtls_.fileno(), in_open_ ? in_ : -1, idle_);
    if (input && *input) {
      forward_input();
    }
    return input.has_value();
  }

  void forward_input() {
    std::array<char, kChunk> buf{};
    const std::optional<std::string_view> typed = read_input(in_, buf);
    if (!typed) {
      return;
    }
    if (typed->empty()) {
      in_open_ = false;
      if (!line_.empty()) {
        send(std::exchange(line_, {}));
      }
      return;
    }
    line_.append(*typed);
    for (std::size_t eol = line_.find('\n'); eol != std::string::npos; eol = line_.find('\n')) {
      send(line_.substr(0, eol + 1));
      line_.erase(0, eol + 1);
    }
  }

  // send sends one record, bounded by the idle time as Relay's writes are.
  void send(const std::string& record) {
    bounded(dtls_, idle_, [&] { dtls_.send(record); });
  }

  DTLSSocket& dtls_;
  int in_;
  int out_;
  bool escape_;
  std::chrono::duration<double> idle_;
  bool in_open_ = true;
  std::string line_;  // what has been read of a line not yet ended
};

}  // namespace

std::string relay(SSLSocket& tls, int in, int out, std::chrono::duration<double> idle) {
  return Relay(tls, in, out, idle).run();
}

std::string relay(DTLSSocket& dtls, int in, int out, std::chrono::duration<double> idle) {
  return RecordRelay(dtls, in, out, idle).run();
}

}  // namespace sslpp::cli
