// The TLS echo server behind `sslpp serve` and `sslpp demo`: accepts
// clients on a listening socket, runs each on its own thread (a bounded
// number at a time), reports each connection as one JSON line, and echoes
// what the client sends until it closes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <sslpp/sslpp.hpp>

namespace sslpp::cli {

/// EventSink receives each connection's JSON line. It is called from the
/// connections' threads, possibly at the same time: it must be thread-safe.
using EventSink = std::function<void(const std::string& json_line)>;

class EchoServer {
 public:
  /// kMaxConcurrent bounds the connections served at once; more clients
  /// wait in the listen backlog.
  static constexpr std::size_t kMaxConcurrent = 64;

  /// EchoServer listens on host:port (port 0: any free port) with TLS
  /// settings from `ctx` (server side). Throws OSError when it cannot bind.
  EchoServer(Context ctx, const std::string& host, std::uint16_t port);

  /// address is where it listens, with the actual port.
  [[nodiscard]] Address address() const { return listener_.getsockname(); }

  /// run serves clients until `max_connections` connections have ended
  /// (forever when nullopt) or stop() is called, then waits for the
  /// connections in progress to end. A failing client never ends it.
  void run(std::optional<std::size_t> max_connections, const EventSink& emit);

  /// stop makes run() stop accepting within a fraction of a second. Any thread.
  void stop() noexcept { stop_ = true; }

 private:
  Context ctx_;
  Socket listener_;
  std::atomic<bool> stop_ = false;
};

/// serve_connection is one connection's life on the server: handshake
/// (bounded by a timeout), then one event line ("handshake" or "error"),
/// then echo until the client closes. Never throws.
void serve_connection(const Context& ctx, Socket client, const EventSink& emit) noexcept;

}  // namespace sslpp::cli
