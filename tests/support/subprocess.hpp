// Bounded child processes for the interop tests: the independent TLS peers
// (openssl s_server / s_client, python3) run as children with pipes on
// stdin, stdout and stderr. Every wait takes a deadline, and the destructor
// kills the child's whole process group, so a stuck peer fails a test
// instead of hanging it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace sslpp::test {

using namespace std::chrono_literals;

// The default time any single wait on a peer may take. Generous for a loaded
// two-core machine running sanitizers (a handshake takes milliseconds),
// short enough to fail fast.
inline constexpr std::chrono::milliseconds peer_timeout = 5s;

class Subprocess {
 public:
  // Subprocess starts `argv[0]` (a path; no PATH search) with `argv` in its
  // own process group. Throws std::runtime_error when it cannot be started.
  explicit Subprocess(std::vector<std::string> argv);
  // The destructor kills the process group with SIGKILL and reaps the child.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  // read_line returns the next line of the child's stdout without its '\n',
  // or nullopt on end of output or when `timeout` passes first.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = peer_timeout);
  // wait_for_line reads lines until one contains `needle` and returns it;
  // nullopt on end of output or timeout. Lines passed over are kept in
  // stdout_seen().
  std::optional<std::string> wait_for_line(std::string_view needle, std::chrono::milliseconds timeout = peer_timeout);
  // read_all reads stdout until the child closes it (or `timeout` passes)
  // and returns everything not yet returned by read_line.
  std::string read_all(std::chrono::milliseconds timeout = peer_timeout);

  // stdout_closed is true once the child's stdout has ended and every
  // line of it has been read.
  [[nodiscard]] bool stdout_closed() const noexcept { return out_eof_ && out_buf_.empty(); }

  // write_stdin writes all of `data` to the child's stdin; false when the
  // pipe is closed or `timeout` passes.
  bool write_stdin(std::string_view data, std::chrono::milliseconds timeout = peer_timeout);
  // close_stdin signals end of input to the child.
  void close_stdin() noexcept;

  // wait waits for the child to exit and returns its exit status (128 + the
  // signal number when a signal ended it), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = peer_timeout);
  // kill sends `signal` to the process group (no-op once the child is reaped).
  void kill(int signal) noexcept;

  // stderr_text is what the child wrote to stderr so far (collected while
  // waiting on the other pipes), for failure messages.
  std::string stderr_text();
  // stdout_seen is every stdout line read so far, for failure messages.
  [[nodiscard]] const std::string& stdout_seen() const noexcept { return seen_; }
  // describe is a one-line summary for test failure output.
  std::string describe();

 private:
  using Clock = std::chrono::steady_clock;
  // pump waits until stdout has data (or closes) or the deadline passes,
  // draining stderr meanwhile so the child never blocks on a full pipe.
  // Returns false on timeout.
  bool pump_stdout(Clock::time_point deadline);
  void drain_stderr() noexcept;
  void reap_if_exited() noexcept;

  std::string command_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_status_ = -1;
  int in_ = -1;   // our end of the child's stdin
  int out_ = -1;  // our end of the child's stdout
  int err_ = -1;  // our end of the child's stderr
  bool out_eof_ = false;
  std::string out_buf_;  // stdout bytes not yet returned
  std::string err_buf_;
  std::string seen_;
};

}  // namespace sslpp::test
