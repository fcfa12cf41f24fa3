#include "server_process.hpp"

#include <csignal>
#include <memory>
#include <stdexcept>
#include <vector>

#include "support/pki.hpp"

namespace sslpp::soak {

using namespace std::chrono_literals;

// ServerReaper kills the server's process group if Ctrl-C or a SIGTERM
// ends the soak: the server runs in a process group of its own (so the
// terminal's signal misses it) and never exits by itself. A normal exit
// kills it through ~Subprocess.
class ServerReaper {
 public:
  explicit ServerReaper(pid_t server) {
    group_ = server;
    struct sigaction sa {};
    sa.sa_handler = &reap;
    sa.sa_flags = SA_RESETHAND;  // the second delivery (re-raised) terminates us
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~ServerReaper() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    group_ = 0;
  }
  ServerReaper(const ServerReaper&) = delete;
  ServerReaper& operator=(const ServerReaper&) = delete;

 private:
  static void reap(int signal) {
    if (group_ > 0) {
      ::kill(-group_, SIGKILL);
    }
    ::raise(signal);
  }
  static inline volatile std::sig_atomic_t group_ = 0;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

namespace {

std::vector<std::string> argv(const ServerCommand& c) {
  const test::Pki& pki = test::pki();
  if (c.kind == ServerKind::serve) {
    // Idle connections are the point of some runs: the default idle
    // timeout (300 s) must not cut a long hold short.
    return {c.path, "serve", "--cert", pki.server.cert.string(), "--key", pki.server.key.string(), "--idle-timeout",
            "86400"};
  }
  return {c.path, pki.server.cert.string(), pki.server.key.string()};
}

}  // namespace

ServerProcess::ServerProcess(const ServerCommand& command)
    : kind_(command.kind), proc_(argv(command)), reaper_(std::make_unique<ServerReaper>(proc_.pid())) {
  const auto line = proc_.wait_for_line("listening on", 30s);
  if (!line) {
    throw std::runtime_error("the server did not start: " + proc_.describe());
  }
  port_ = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  reader_ = std::thread([this] { drain(); });
}

ServerProcess::~ServerProcess() {
  stop_ = true;
  reader_.join();
}

std::size_t ServerProcess::wait_for_handshake_events(std::size_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (handshakes_ < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  return handshakes_;
}

std::size_t ServerProcess::settled_handshake_events() const {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::size_t last = handshakes_;
  for (;;) {
    std::this_thread::sleep_for(250ms);
    const std::size_t now = handshakes_;
    if (now == last || std::chrono::steady_clock::now() >= deadline) {
      return now;
    }
    last = now;
  }
}

// drain reads the server's lines until the soak ends or the server's
// stdout does (it exited). Only this thread touches proc_'s pipes while it
// runs.
void ServerProcess::drain() noexcept {
  try {
    while (!stop_ && !proc_.stdout_closed()) {
      const auto line = proc_.read_line(100ms);
      if (!line) {
        continue;
      }
      if (line->find("\"event\": \"handshake\"") != std::string::npos) {
        ++handshakes_;
      } else if (line->find("\"event\": \"error\"") != std::string::npos) {
        ++errors_;
      }
    }
  } catch (...) {
    // Out of memory for a line: the counts stop; the run's other checks remain.
  }
}

}  // namespace sslpp::soak
