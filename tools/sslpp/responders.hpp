// What a served connection speaks over TLS once its handshake is done: the
// echo (the default of `sslpp serve`) or a small HTTP/1.1 server (--http).
#pragma once

#include <memory>
#include <span>
#include <string>

#include <sslpp/connection.hpp>

#include "server_log.hpp"

namespace sslpp::cli {

/// Responder turns one connection's plaintext into the server's replies.
class Responder {
 public:
  virtual ~Responder() = default;
  /// handshake_done is called once, when the connection's handshake has
  /// completed and before any consume: what the replies say about the
  /// connection is read from `tls` then. It does not change afterwards:
  /// serve neither renegotiates nor asks for a certificate after the
  /// handshake, and OpenSSL 3 refuses a client's renegotiation.
  virtual void handshake_done(const Connection& tls) { static_cast<void>(tls); }
  /// consume takes plaintext the client sent (any amount: part of a
  /// request, several requests) and appends the reply to `reply`. Returns
  /// false when the connection is to be closed once the reply is sent.
  virtual bool consume(std::span<const std::byte> plaintext, std::string& reply) = 0;
  /// ends_cleanly_without_close_notify is true when the client may close
  /// the TCP connection now without a close_notify and lose nothing: its
  /// protocol frames its own messages and none is half received (HTTP
  /// between requests). Otherwise such a close is reported as truncation.
  [[nodiscard]] virtual bool ends_cleanly_without_close_notify() const noexcept { return false; }
};

enum class AppProtocol {
  echo,  // send back every byte
  http,  // answer each HTTP/1.1 request with a small page
};

/// make_responder makes one connection's responder. `log` receives the
/// HTTP "request" events and must outlive it.
std::unique_ptr<Responder> make_responder(AppProtocol protocol, const ServerLog& log);

}  // namespace sslpp::cli
