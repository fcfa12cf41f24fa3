#include "client_connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <optional>

#include "socket_pump.hpp"

namespace sslpp::cli {

namespace {

// Per wakeup, one client moves at most this much in: epoll is
// level-triggered, so it is called again, and the others get their turn
// meanwhile.
constexpr std::size_t kReceiveBudget = 64 * 1024;
// While this much ciphertext waits for a client that does not read, the
// server reads nothing more from it, so its echo cannot grow without bound.
constexpr std::size_t kOutputHighWater = 256 * 1024;
// After our last byte, the client gets this long to close its side; the
// bound SSLSocket::close uses after an alert (docs/defaults.md).
constexpr std::chrono::seconds kLinger{1};
// kIdleGrace is how long a connection waiting on its client keeps its
// record buffers: a keep-alive client's next request finds them in place
// (allocating them again per request cost 1-1.5 us of 36 against nginx),
// an idle one gives them back (about 34 KB) soon after.
constexpr std::chrono::milliseconds kIdleGrace{50};

constexpr std::uint32_t kIn = EPOLLIN;
constexpr std::uint32_t kOut = EPOLLOUT;

ErrorReport timeout_report(const std::string& operation) {
  return report_of(error_info(errc::timed_out, "The " + operation + " operation timed out"));
}

}  // namespace

ClientConnection::ClientConnection(Socket sock, Connection tls, std::unique_ptr<Responder> responder,
                                   const ConnectionPolicy& policy, Clock::time_point now)
    : sock_(std::move(sock)), tls_(std::move(tls)), responder_(std::move(responder)), policy_(policy), since_(now) {}

void ClientConnection::on_ready(std::uint32_t events, Clock::time_point now, Buffers& buffers) noexcept {
  try {
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
      receive(now, buffers);
    }
    advance(now, buffers);
  } catch (...) {
    abandon(std::current_exception());
  }
}

void ClientConnection::on_deadline(Clock::time_point now, Buffers& buffers) noexcept {
  try {
    switch (phase_) {
      case Phase::handshaking:
        report(timeout_report("handshake"));
        phase_ = Phase::done;
        return;
      case Phase::serving:
        if (holds_buffers_ && now < since_ + policy_.idle_timeout) {
          // Idle past the grace, not yet past the idle timeout.
          holds_buffers_ = false;
          if (tls_.bio_pending() == 0) {
            tls_.release_buffers();
          }
          return;
        }
        if (tls_.bio_pending() > 0) {
          // It does not read: nothing more would reach it, close_notify included.
          report(timeout_report("write"));
          phase_ = Phase::done;
          return;
        }
        report(timeout_report("read"));
        close_tls(now);
        advance(now, buffers);
        return;
      case Phase::finishing:
      case Phase::lingering:
      case Phase::done:
        phase_ = Phase::done;
        return;
    }
  } catch (...) {
    abandon(std::current_exception());
  }
}

std::uint32_t ClientConnection::interest() const noexcept {
  const std::size_t pending = tls_.bio_pending();
  const std::uint32_t out = pending > 0 ? kOut : 0;
  switch (phase_) {
    case Phase::handshaking:
      return (eof_ ? 0 : kIn) | out;
    case Phase::serving:
      return (!eof_ && pending < kOutputHighWater ? kIn : 0) | out;
    case Phase::finishing:
      return (eof_ ? 0 : kIn) | out;
    case Phase::lingering:
      return kIn;
    case Phase::done:
      return 0;
  }
  return 0;
}

ClientConnection::Clock::time_point ClientConnection::due() const noexcept {
  switch (phase_) {
    case Phase::handshaking:
      return since_ + policy_.handshake_timeout;
    case Phase::serving:
      return since_ + (holds_buffers_ ? std::min<Clock::duration>(kIdleGrace, policy_.idle_timeout)
                                      : policy_.idle_timeout);
    case Phase::finishing:
      return since_ + (after_error_ ? Clock::duration(kLinger) : policy_.idle_timeout);
    case Phase::lingering:
      return since_ + kLinger;
    case Phase::done:
      return since_;
  }
  return since_;
}

// receive takes in what the socket has: ciphertext for the connection, or,
// once our last TLS byte is out, bytes to drop.
void ClientConnection::receive(Clock::time_point now, Buffers& buffers) {
  if (phase_ == Phase::handshaking || phase_ == Phase::serving) {
    if (eof_) {
      return;
    }
    const PumpResult r = cli::receive(tls_, fd(), buffers.scratch, kReceiveBudget);
    if (r.bytes > 0 && phase_ == Phase::serving) {
      since_ = now;
    }
    if (r.error != 0) {
      fail_socket(r.error);
    } else if (r.eof) {
      eof_ = true;
      tls_.bio_shutdown();  // the next TLS call reports closed or truncated
    }
    return;
  }
  if (phase_ == Phase::finishing || phase_ == Phase::lingering) {
    const PumpResult r = discard(fd(), buffers.scratch, kReceiveBudget);
    if (r.error != 0) {
      phase_ = Phase::done;  // the client is gone; nothing more can reach it
    } else if (r.eof) {
      eof_ = true;
      if (phase_ == Phase::lingering) {
        phase_ = Phase::done;  // it read everything and closed: a clean end
      }
    }
  }
}

// advance runs the TLS and the responder as far as the bytes at hand go,
// and sends what they produce. One pass does it all (no new bytes can come
// in meanwhile), unless serving stopped at kOutputHighWater and sending
// made room: then it goes on.
void ClientConnection::advance(Clock::time_point now, Buffers& buffers) {
  for (;;) {
    if (phase_ == Phase::handshaking) {
      handshake(now);
    }
    std::optional<ServeStop> stop;
    if (phase_ == Phase::serving) {
      stop = serve(now, buffers);
    }
    const bool sent =
        (phase_ == Phase::handshaking || phase_ == Phase::serving || phase_ == Phase::finishing) && flush(now);
    if (phase_ == Phase::finishing && tls_.bio_pending() == 0) {
      if (eof_) {
        phase_ = Phase::done;
      } else {
        // A FIN after our last byte, then a wait for the client's: closing
        // with its bytes unread would make the kernel send a reset, which
        // can destroy our alert or close_notify before the client reads it.
        ::shutdown(fd(), SHUT_WR);
        phase_ = Phase::lingering;
        since_ = now;
      }
    }
    if (phase_ != Phase::serving) {
      return;
    }
    if (stop == ServeStop::input && tls_.bio_pending() == 0) {
      // Waiting on the client with nothing left to send: its record buffers
      // go back if it stays idle past kIdleGrace (on_deadline).
      holds_buffers_ = true;
    }
    if (stop != ServeStop::output || !sent) {
      return;
    }
  }
}

void ClientConnection::handshake(Clock::time_point now) {
  std::error_code ec;
  const io_result r = tls_.do_handshake(ec);
  if (r.ok()) {
    policy_.log->report_event(handshake_event(tls_));
    responder_->handshake_done(tls_);
    phase_ = Phase::serving;
    since_ = now;
    return;
  }
  if (r.status == io_status::want_read || r.status == io_status::want_write) {
    return;
  }
  report(tls_failure(tls_, r.status));
  fail_tls(now);
}

ClientConnection::ServeStop ClientConnection::serve(Clock::time_point now, Buffers& buffers) {
  while (tls_.bio_pending() < kOutputHighWater) {  // bio_pending: a look that pins nothing
    std::error_code ec;
    const io_result r = tls_.read(buffers.scratch, ec);
    if (r.ok()) {
      since_ = now;
      buffers.reply.clear();
      const bool keep_open = responder_->consume(buffers.scratch.first(r.bytes), buffers.reply);
      if (!buffers.reply.empty()) {
        const io_result w = tls_.write(std::as_bytes(std::span(buffers.reply)), ec);
        if (!w.ok()) {
          report(tls_failure(tls_, w.status));
          fail_tls(now);
          return ServeStop::end;
        }
      }
      if (!keep_open) {
        close_tls(now);
        return ServeStop::end;
      }
      continue;
    }
    if (r.status == io_status::want_read) {
      return ServeStop::input;
    }
    if (r.status == io_status::want_write) {
      return ServeStop::output;
    }
    if (r.status == io_status::closed) {
      close_tls(now);  // the client's close_notify: ours answers it
      return ServeStop::end;
    }
    if (r.status != io_status::truncated || !responder_->ends_cleanly_without_close_notify()) {
      report(tls_failure(tls_, r.status));
    }
    fail_tls(now);
    return ServeStop::end;
  }
  return ServeStop::output;
}

bool ClientConnection::flush(Clock::time_point now) {
  if (tls_.bio_pending() == 0) {
    return false;
  }
  const PumpResult r = send_pending(tls_, fd());
  if (r.bytes > 0 && phase_ != Phase::handshaking) {
    since_ = now;
  }
  if (r.error != 0) {
    if (phase_ == Phase::finishing) {
      phase_ = Phase::done;  // the client is gone: nothing left to tell it
    } else {
      fail_socket(r.error);
    }
    return true;
  }
  return r.bytes > 0;
}

// close_tls queues our close_notify; the connection ends once it is sent
// and the client has closed.
void ClientConnection::close_tls(Clock::time_point now) {
  std::error_code ec;
  static_cast<void>(tls_.shutdown(ec));  // want_read: the client's close_notify may follow; not awaited
  phase_ = Phase::finishing;
  after_error_ = false;
  since_ = now;
}

// fail_tls ends the connection after a fatal TLS error: the alert OpenSSL
// queued, if any, is sent first.
void ClientConnection::fail_tls(Clock::time_point now) {
  after_error_ = true;
  since_ = now;
  phase_ = tls_.bio_pending() == 0 ? Phase::done : Phase::finishing;
}

// abandon ends the connection after an exception (out of memory, most
// likely: every TLS and socket failure is a status here).
void ClientConnection::abandon(const std::exception_ptr& error) noexcept {
  try {
    report(describe_exception(error));
  } catch (...) {
  }
  phase_ = Phase::done;
}

void ClientConnection::fail_socket(int err) {
  report(report_of(os_error_info(err)));
  phase_ = Phase::done;
}

// report says why the connection failed: an event line while handshaking,
// a failure (stderr for serve) after.
void ClientConnection::report(const ErrorReport& r) const noexcept {
  try {
    if (phase_ == Phase::handshaking) {
      policy_.log->report_event(error_event(r));
    } else {
      policy_.log->report_failure(r);
    }
  } catch (...) {
  }
}

}  // namespace sslpp::cli
