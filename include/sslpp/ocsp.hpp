/// \file
/// OCSP stapling (pyOpenSSL's set_ocsp_server_callback,
/// set_ocsp_client_callback and request_ocsp) and sslpp's own check of a
/// stapled response.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace sslpp {

class Connection;

/// OcspServerCallback gives the DER OCSP response a server staples for this
/// connection (called only when the client asked for one), or nullopt to
/// staple none. Bytes that are not a DER OCSP response fail the handshake
/// with ValueError rather than reach the client.
using OcspServerCallback = std::function<std::optional<std::vector<std::byte>>(Connection& connection)>;

/// OcspClientCallback receives the response the server stapled (empty when
/// it stapled none) after Connection::request_ocsp. Return false to fail
/// the handshake (SSLError, "OCSP response rejected by the callback").
using OcspClientCallback = std::function<bool(Connection& connection, std::span<const std::byte> response)>;

/// OcspCheck is sslpp's built-in check of a stapled response, beyond what
/// pyOpenSSL offers (which hands the bytes to a callback and checks
/// nothing). With it on, a client asks for a staple itself, then verifies
/// the response's signature (by the certificate's issuer or a responder it
/// delegated to), that it speaks of the server's certificate, and its
/// validity window (thisUpdate/nextUpdate, five minutes of leeway). A
/// response that fails any of these, or says "revoked" or "unknown", fails
/// the handshake with SSLCertVerificationError.
enum class OcspCheck {
  /// No check (the default): a response, if any, goes to the callback only.
  off,
  /// Check a response when the server staples one; go on without one.
  if_stapled,
  /// Require a good response: a server that staples none fails the
  /// handshake too.
  required,
};

}  // namespace sslpp
