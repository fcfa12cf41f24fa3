#include "support/subprocess.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <unistd.h>

#if __has_include(<linux/close_range.h>)
#include <linux/close_range.h>
#endif

namespace sslpp::test {

namespace {

// remaining_ms is the poll timeout left until `deadline` (0 once past it).
int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    return 0;
  }
  // Round up so a sub-millisecond remainder still waits instead of spinning.
  return static_cast<int>(std::min<long long>(left.count() + 1, 1000 * 60));
}

void close_fd(int& fd) noexcept {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    throw std::runtime_error(std::string("fcntl: ") + std::strerror(errno));
  }
}

// read_some appends what `fd` has to `out`; returns false at end of file.
// The fd is non-blocking, so this never waits.
bool read_some(int fd, std::string& out) noexcept {
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n > 0) {
      out.append(buf.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) {
      return false;
    }
    if (errno == EINTR) {
      continue;
    }
    // EAGAIN: nothing more for now. Any other error: treat as the end.
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

}  // namespace

Subprocess::Subprocess(std::vector<std::string> argv) {
  if (argv.empty()) {
    throw std::invalid_argument("Subprocess: empty argv");
  }
  for (const std::string& a : argv) {
    command_ += (command_.empty() ? "" : " ") + a;
  }
  // Everything the child needs is prepared before fork: after fork in a
  // possibly multi-threaded process only async-signal-safe calls are allowed.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (std::string& a : argv) {
    args.push_back(a.data());
  }
  args.push_back(nullptr);

  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  int exec_status[2] = {-1, -1};  // reports exec's errno; closes on success
  auto close_all = [&] {
    for (int* p : {in, out, err, exec_status}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
  };
  // The child's stdin is a socket, not a pipe: we write it with
  // MSG_NOSIGNAL, so a peer that dies while we write fails the test instead
  // of killing the test process with SIGPIPE (which the tests do not ignore:
  // the library must never raise it).
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
      ::pipe2(exec_status, O_CLOEXEC) != 0) {
    const int e = errno;
    close_all();
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(e));
  }

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    close_all();
    throw std::runtime_error(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    // Child. Own process group, so the destructor can kill everything the
    // peer may have started.
    ::setpgid(0, 0);
    // Whatever the test runner did with SIGPIPE, the peer gets the default.
    struct sigaction dfl{};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    if (::dup2(in[0], STDIN_FILENO) < 0 || ::dup2(out[1], STDOUT_FILENO) < 0 || ::dup2(err[1], STDERR_FILENO) < 0) {
      const int e = errno;
      (void)!::write(exec_status[1], &e, sizeof e);
      ::_exit(127);
    }
#ifdef CLOSE_RANGE_CLOEXEC
    // Descriptors the test process opened without O_CLOEXEC (a socket, say)
    // must not leak into the peer, or closing them in the test would not
    // close the connection. Failure (an old kernel) is harmless here.
    (void)::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
    ::execv(args[0], args.data());
    const int e = errno;
    (void)!::write(exec_status[1], &e, sizeof e);
    ::_exit(127);
  }

  // Parent. Set the group here too: whichever runs first wins the race.
  ::setpgid(pid, pid);
  pid_ = pid;
  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  close_fd(exec_status[1]);
  in_ = in[1];
  out_ = out[0];
  err_ = err[0];

  // exec either succeeds (the pipe closes, read returns 0) or the child
  // writes errno and exits at once: this read cannot block for long.
  int child_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(exec_status[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close_fd(exec_status[0]);
  if (n > 0) {
    ::waitpid(pid_, nullptr, 0);
    reaped_ = true;
    close_fd(in_);
    close_fd(out_);
    close_fd(err_);
    throw std::runtime_error("cannot run " + command_ + ": " + std::strerror(child_errno));
  }
  set_nonblocking(in_);
  set_nonblocking(out_);
  set_nonblocking(err_);
}

Subprocess::~Subprocess() {
  close_fd(in_);
  close_fd(out_);
  close_fd(err_);
  if (!reaped_ && pid_ > 0) {
    // SIGKILL cannot be caught or ignored, so this waitpid returns promptly.
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
}

void Subprocess::drain_stderr() noexcept {
  if (err_ >= 0 && !read_some(err_, err_buf_)) {
    close_fd(err_);
  }
}

bool Subprocess::pump_stdout(Clock::time_point deadline) {
  for (;;) {
    if (out_eof_) {
      return true;
    }
    std::array<pollfd, 2> fds{};
    fds[0] = {out_, POLLIN, 0};
    fds[1] = {err_, POLLIN, 0};  // a negative fd is ignored by poll
    const int ready = ::poll(fds.data(), fds.size(), remaining_ms(deadline));
    if (ready < 0 && errno != EINTR) {
      return false;
    }
    if (fds[1].revents != 0) {
      drain_stderr();
    }
    if (fds[0].revents != 0) {
      const std::size_t before = out_buf_.size();
      if (!read_some(out_, out_buf_)) {
        out_eof_ = true;
        close_fd(out_);
        return true;
      }
      if (out_buf_.size() > before) {
        return true;
      }
    }
    if (Clock::now() >= deadline) {
      return false;
    }
  }
}

std::optional<std::string> Subprocess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const std::size_t nl = out_buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = out_buf_.substr(0, nl);
      out_buf_.erase(0, nl + 1);
      seen_ += line + '\n';
      return line;
    }
    if (out_eof_) {
      // A last line without '\n' still counts; after it, end of output.
      if (out_buf_.empty()) {
        return std::nullopt;
      }
      std::string line = std::move(out_buf_);
      out_buf_.clear();
      seen_ += line + '\n';
      return line;
    }
    if (!pump_stdout(deadline)) {
      return std::nullopt;
    }
  }
}

std::optional<std::string> Subprocess::wait_for_line(std::string_view needle, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto line = read_line(std::max(left, std::chrono::milliseconds(0)));
    if (!line) {
      return std::nullopt;
    }
    if (line->find(needle) != std::string::npos) {
      return line;
    }
  }
}

std::string Subprocess::read_all(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!out_eof_ && pump_stdout(deadline)) {
  }
  std::string all = std::move(out_buf_);
  out_buf_.clear();
  seen_ += all;
  return all;
}

bool Subprocess::write_stdin(std::string_view data, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!data.empty()) {
    if (in_ < 0) {
      return false;
    }
    const ssize_t n = ::send(in_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return false;  // EPIPE: the child is gone or closed its stdin
    }
    // The pipe is full: wait for room, reading the child's output meanwhile
    // so a child blocked on writing cannot deadlock with us.
    std::array<pollfd, 3> fds{};
    fds[0] = {in_, POLLOUT, 0};
    fds[1] = {out_, POLLIN, 0};
    fds[2] = {err_, POLLIN, 0};
    if (::poll(fds.data(), fds.size(), remaining_ms(deadline)) < 0 && errno != EINTR) {
      return false;
    }
    if (fds[1].revents != 0 && !read_some(out_, out_buf_)) {
      out_eof_ = true;
      close_fd(out_);
    }
    if (fds[2].revents != 0) {
      drain_stderr();
    }
    if (Clock::now() >= deadline) {
      return false;
    }
  }
  return true;
}

void Subprocess::close_stdin() noexcept { close_fd(in_); }

void Subprocess::reap_if_exited() noexcept {
  if (reaped_ || pid_ <= 0) {
    return;
  }
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    reap_if_exited();
    if (reaped_) {
      drain_stderr();
      return exit_status_;
    }
    if (Clock::now() >= deadline) {
      return std::nullopt;
    }
    // No portable way to poll for a child's exit; check often, and keep
    // the pipes drained so the child is never stuck writing.
    std::array<pollfd, 2> fds{};
    fds[0] = {out_, POLLIN, 0};
    fds[1] = {err_, POLLIN, 0};
    (void)::poll(fds.data(), fds.size(), std::min(remaining_ms(deadline), 10));
    if (fds[0].revents != 0 && !read_some(out_, out_buf_)) {
      out_eof_ = true;
      close_fd(out_);
    }
    if (fds[1].revents != 0) {
      drain_stderr();
    }
  }
}

void Subprocess::kill(int signal) noexcept {
  reap_if_exited();
  if (!reaped_ && pid_ > 0) {
    ::kill(-pid_, signal);
  }
}

std::string Subprocess::stderr_text() {
  drain_stderr();
  return err_buf_;
}

std::string Subprocess::describe() {
  reap_if_exited();
  std::string s = "[" + command_ + "] ";
  s += reaped_ ? "exited with " + std::to_string(exit_status_) : std::string("still running");
  s += "\n--- stdout ---\n" + seen_ + out_buf_;
  s += "\n--- stderr ---\n" + stderr_text();
  return s;
}

}  // namespace sslpp::test
