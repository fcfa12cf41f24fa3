// The server under load: examples/epoll_server or `sslpp serve`, run as a
// child in a process group of its own, killed when the soak ends (normally,
// on a failure, on Ctrl-C or SIGTERM). A thread reads its stdout all along,
// so that serve's event lines never fill the pipe (which would stop its
// event loop), and counts them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "support/subprocess.hpp"

namespace sslpp::soak {

class ServerReaper;

enum class ServerKind {
  example,  // examples/epoll_server CERT KEY
  serve,    // sslpp serve --cert CERT --key KEY
};

struct ServerCommand {
  ServerKind kind = ServerKind::example;
  std::string path;  // the epoll_server or the sslpp binary
};

class ServerProcess {
 public:
  /// ServerProcess starts the server with the test PKI's server
  /// certificate and waits (30 s at most) for its "listening on" line.
  /// Throws std::runtime_error when it does not start.
  explicit ServerProcess(const ServerCommand& command);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return proc_.pid(); }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] ServerKind kind() const noexcept { return kind_; }

  /// handshake_events and error_events count serve's event lines read so
  /// far (the example prints none).
  [[nodiscard]] std::size_t handshake_events() const noexcept { return handshakes_; }
  [[nodiscard]] std::size_t error_events() const noexcept { return errors_; }
  /// wait_for_handshake_events waits until `n` handshake lines have been
  /// read or `timeout` passes (the lines trail the handshakes a little);
  /// returns the count.
  std::size_t wait_for_handshake_events(std::size_t n, std::chrono::milliseconds timeout) const;
  /// settled_handshake_events waits until the count holds still for a
  /// quarter of a second (5 s at most) and returns it.
  std::size_t settled_handshake_events() const;

 private:
  void drain() noexcept;

  ServerKind kind_;
  test::Subprocess proc_;
  std::unique_ptr<ServerReaper> reaper_;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> handshakes_ = 0;
  std::atomic<std::size_t> errors_ = 0;
  std::atomic<bool> stop_ = false;
  std::thread reader_;  // last: starts once the rest exists
};

}  // namespace sslpp::soak
