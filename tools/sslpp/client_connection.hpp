// One client of the event-loop server, from accept to close: a state
// machine over a non-blocking socket and a Connection over memory buffers.
// The server calls it when the socket is ready or its deadline comes; each
// call goes as far as it can without blocking and leaves the connection
// saying what to wait for next (interest) and until when (due).
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>

#include <sslpp/sslpp.hpp>

#include "responders.hpp"
#include "server_log.hpp"

namespace sslpp::cli {

/// ConnectionPolicy is what every connection of a server shares.
struct ConnectionPolicy {
  std::chrono::steady_clock::duration handshake_timeout;
  std::chrono::steady_clock::duration idle_timeout;
  const ServerLog* log = nullptr;
};

/// Buffers are the server's scratch space, shared by all its connections
/// (one thread): no connection keeps a buffer of its own while idle.
struct Buffers {
  std::span<std::byte> scratch;  // for reading ciphertext and plaintext
  std::string reply;             // a responder's reply, before it is encrypted
};

class ClientConnection {
 public:
  using Clock = std::chrono::steady_clock;

  /// ClientConnection takes an accepted non-blocking socket and a server
  /// Connection for it; the handshake deadline starts at `now`.
  ClientConnection(Socket sock, Connection tls, std::unique_ptr<Responder> responder, const ConnectionPolicy& policy,
                   Clock::time_point now);

  [[nodiscard]] int fd() const noexcept { return sock_.fileno(); }

  /// on_ready handles the epoll events reported for the socket.
  void on_ready(std::uint32_t events, Clock::time_point now, Buffers& buffers) noexcept;
  /// on_deadline handles the deadline passing: a handshake too slow, a
  /// client idle too long, a close that takes too long.
  void on_deadline(Clock::time_point now, Buffers& buffers) noexcept;

  /// interest is the epoll events to wait for (0 once done).
  [[nodiscard]] std::uint32_t interest() const noexcept;
  /// due is when on_deadline must be called.
  [[nodiscard]] Clock::time_point due() const noexcept;
  /// done is true once the connection has ended: destroy it (closes the socket).
  [[nodiscard]] bool done() const noexcept { return phase_ == Phase::done; }

 private:
  enum class Phase {
    handshaking,  // until the handshake completes; deadline: handshake_timeout after accept
    serving,      // the responder answers; deadline: idle_timeout after the last progress
    finishing,    // our last TLS bytes (close_notify or an alert) go out; then shut down writing
    lingering,    // writing shut down: read and drop until the client closes, briefly
    done,
  };

  // Where serve() stopped.
  enum class ServeStop {
    input,   // it took every byte at hand and waits for the client's next ones
    output,  // its output must go out first (kOutputHighWater reached)
    end,     // the connection is ending: close_notify, an error
  };

  void receive(Clock::time_point now, Buffers& buffers);
  void advance(Clock::time_point now, Buffers& buffers);
  void handshake(Clock::time_point now);
  ServeStop serve(Clock::time_point now, Buffers& buffers);
  bool flush(Clock::time_point now);
  void close_tls(Clock::time_point now);
  void fail_tls(Clock::time_point now);
  void fail_socket(int err);
  void abandon(const std::exception_ptr& error) noexcept;
  void report(const ErrorReport& report) const noexcept;

  Socket sock_;
  Connection tls_;
  std::unique_ptr<Responder> responder_;
  const ConnectionPolicy& policy_;
  Phase phase_ = Phase::handshaking;
  bool eof_ = false;          // the client has closed its side
  bool after_error_ = false;  // finishing because of a fatal error (an alert goes out)
  bool holds_buffers_ = false;  // serving, waiting on the client, record buffers not yet given back
  Clock::time_point since_;   // accept, the last progress, or the start of lingering
};

}  // namespace sslpp::cli
