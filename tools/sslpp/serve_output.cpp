#include "serve_output.hpp"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>

namespace sslpp::cli {

namespace {

// Past this much held within one turn of the loop, the lines are written
// out at once: the memory stays bounded, and a write this size still
// shares its system call among hundreds of lines.
constexpr std::size_t kMaxHeld = 64 * 1024;
// How long the lines held at a stop signal may take to go out.
constexpr unsigned kFinalWriteSeconds = 1;
// SIGHUP reloads the certificate instead (serve_reload.hpp).
constexpr std::array kStopSignals{SIGINT, SIGTERM};

std::atomic<Stoppable*> g_server{nullptr};
volatile std::sig_atomic_t g_received = 0;
// The handlers StopSignals replaced, and which it did replace.
std::array<struct sigaction, kStopSignals.size()> g_previous{};
std::array<bool, kStopSignals.size()> g_installed{};

static_assert(std::atomic<Stoppable*>::is_always_lock_free, "read in a signal handler");

void on_stop_signal(int signo) {
  const int saved = errno;  // the code the signal interrupted may be about to read it
  g_received = signo;
  if (Stoppable* server = g_server.load()) {
    server->stop();  // an atomic store and a write(2) to an eventfd: async-signal-safe
  }
  errno = saved;
}

// on_alarm does nothing: the alarm is there to interrupt the final write.
void on_alarm(int) {}

// stop_requested is true once a stop signal has come: an interrupted write
// then gives up instead of waiting on.
bool stop_requested() noexcept { return g_received != 0; }

}  // namespace

void HeldLines::add(std::string_view line) {
  if (failed_) {
    return;
  }
  if (!held_.empty() && held_.size() + line.size() + 1 > kMaxHeld) {
    write_out();
  }
  held_ += line;
  held_ += '\n';
}

void HeldLines::write_out() noexcept {
  // After a stop signal, a write would block for good on a reader that
  // does not read. (A signal that comes between this test and the write
  // interrupts no write; the handler's SA_RESETHAND lets a second one end
  // serve.)
  if (!stop_requested()) {
    write_out_after_stop();
  }
}

void HeldLines::write_out_after_stop() noexcept {
  std::size_t done = 0;
  while (done < held_.size() && !failed_) {
    const ssize_t n = ::write(fd_, held_.data() + done, held_.size() - done);
    bool interrupted = false;
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      interrupted = done < held_.size();  // a blocking write comes back short when a signal interrupts it
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Someone sharing the descriptor made it non-blocking: wait as a
      // blocking write would.
      pollfd writable{.fd = fd_, .events = POLLOUT, .revents = 0};
      interrupted = ::poll(&writable, 1, -1) < 0;
      failed_ = interrupted && errno != EINTR;
    } else {
      interrupted = n < 0 && errno == EINTR;
      failed_ = !interrupted;  // EPIPE (the reader has gone), ENOSPC, ...
    }
    if (interrupted && stop_requested()) {
      break;
    }
  }
  if (failed_) {
    held_.clear();
  } else {
    held_.erase(0, done);
  }
}

StopSignals::StopSignals(Stoppable& server) noexcept {
  g_received = 0;
  g_server = &server;
  struct sigaction handler{};
  handler.sa_handler = on_stop_signal;
  // No SA_RESTART: a write blocked on stdout returns, so it can give up.
  handler.sa_flags = SA_RESETHAND;
  sigemptyset(&handler.sa_mask);
  for (const int signo : kStopSignals) {
    sigaddset(&handler.sa_mask, signo);
  }
  for (std::size_t i = 0; i < kStopSignals.size(); ++i) {
    struct sigaction current{};
    g_installed[i] = ::sigaction(kStopSignals[i], nullptr, &current) == 0 && current.sa_handler != SIG_IGN &&
                     ::sigaction(kStopSignals[i], &handler, &g_previous[i]) == 0;
  }
}

StopSignals::~StopSignals() {
  for (std::size_t i = 0; i < kStopSignals.size(); ++i) {
    if (g_installed[i]) {
      ::sigaction(kStopSignals[i], &g_previous[i], nullptr);
      g_installed[i] = false;
    }
  }
  g_server = nullptr;
}

int StopSignals::received() noexcept { return g_received; }

void end_by_signal(int signo, HeldLines& lines) noexcept {
  struct sigaction interrupt{};
  interrupt.sa_handler = on_alarm;  // no SA_RESTART: the write returns, and gives up
  sigemptyset(&interrupt.sa_mask);
  ::sigaction(SIGALRM, &interrupt, nullptr);
  ::alarm(kFinalWriteSeconds);
  lines.write_out_after_stop();
  ::alarm(0);
  std::signal(signo, SIG_DFL);
  std::raise(signo);
  std::_Exit(128 + signo);  // not reached: a stop signal's default action ends the process
}

}  // namespace sslpp::cli
