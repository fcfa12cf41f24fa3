// sslpp serve's stdout and its stop signals. The event lines are held in
// memory and written together each time the event loop is about to wait,
// instead of one flushed write(2) per line: with --http there is a line per
// request, and its write cost 2.8 us of the 36 a request took against
// nginx's 24 (docs/performance.md). So that holding them loses none, SIGINT
// and SIGTERM stop the loop, the lines held are written, and serve then ends
// by the signal, as it did before. (SIGHUP reloads the certificate:
// serve_reload.hpp.)
#pragma once

#include <string>
#include <string_view>

#include "stoppable.hpp"

namespace sslpp::cli {

/// HeldLines collects text lines for a descriptor and writes them in one go.
class HeldLines {
 public:
  explicit HeldLines(int fd) noexcept : fd_(fd) {}
  HeldLines(const HeldLines&) = delete;
  HeldLines& operator=(const HeldLines&) = delete;
  /// The destructor writes what is still held (when an exception ends serve).
  ~HeldLines() { write_out(); }

  /// add holds `line` and a newline; when a long turn of the loop has
  /// held 64 KiB, it writes them out first.
  void add(std::string_view line);

  /// write_out writes what is held, waiting while the reader does not read,
  /// as a blocking write does. Once a stop signal has come it writes
  /// nothing more, and a write the signal interrupts ends with the rest
  /// held: the lines then wait for end_by_signal, whose wait is bounded.
  /// After a write error (the reader has gone), what is held and every
  /// later line are dropped, as std::cout drops its output once a write
  /// has failed.
  void write_out() noexcept;

  /// write_out_after_stop writes what is held after a stop signal too,
  /// until a signal (end_by_signal's alarm) interrupts a write.
  void write_out_after_stop() noexcept;

 private:
  int fd_;
  std::string held_;
  bool failed_ = false;
};

/// StopSignals makes SIGINT and SIGTERM call server.stop() (an
/// EventLoopServer, or serve --dtls's loop) while
/// it lives, each of them that was not ignored when serve started (a shell
/// starts background jobs with SIGINT ignored). Each handler is good for
/// one signal: a second one has the default action and ends serve at once,
/// even while it waits on a reader that does not read.
class StopSignals {
 public:
  explicit StopSignals(Stoppable& server) noexcept;
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  /// The destructor puts the previous handlers back.
  ~StopSignals();

  /// received is the signal that stopped the server, or 0.
  [[nodiscard]] static int received() noexcept;
};

/// end_by_signal writes `lines` out, a second at most (a reader that does
/// not read holds serve up no longer), and ends the process by the default
/// action of signal `signo`, so that its parent sees what it saw before the
/// lines were held: killed by that signal.
[[noreturn]] void end_by_signal(int signo, HeldLines& lines) noexcept;

}  // namespace sslpp::cli
