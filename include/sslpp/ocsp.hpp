/// \file
/// OCSP stapling (pyOpenSSL's set_ocsp_server_callback,
/// set_ocsp_client_callback and request_ocsp) and sslpp's own check of a
/// stapled response.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <sslpp/export.hpp>

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

/// OcspCertStatus is one certificate's entry in an OCSP response. Times
/// read as CertInfo's do ("Jan  1 00:00:00 2027 GMT").
struct OcspCertStatus {
  /// serial_number is the certificate's serial number, upper-case hex.
  std::string serial_number;
  /// status is "good", "revoked" or "unknown".
  std::string status;
  /// this_update is when the responder vouched for the status.
  std::string this_update;
  /// next_update is when a newer status will be available, if it says.
  std::optional<std::string> next_update;
  /// revocation_time is set for a revoked certificate.
  std::optional<std::string> revocation_time;
  /// revocation_reason ("keyCompromise", ...) is set for a revoked
  /// certificate when the response gives a reason.
  std::optional<std::string> revocation_reason;
};

/// OcspResponseInfo is what an OCSP response says, decoded but not checked
/// (OcspCheck checks): for showing a staple to a person.
struct OcspResponseInfo {
  /// response_status is "successful", or the responder's refusal
  /// ("malformedrequest", "internalerror", "trylater", "sigrequired",
  /// "unauthorized"), which carries no certificate statuses.
  std::string response_status;
  /// produced_at is when the responder signed the response (successful only).
  std::optional<std::string> produced_at;
  /// certificates are the statuses the response gives, in its order.
  std::vector<OcspCertStatus> certificates;
};

/// describe_ocsp_response decodes a DER OCSP response (what
/// Connection::ocsp_response() returns). ValueError when `der` is not one.
SSLPP_API OcspResponseInfo describe_ocsp_response(std::span<const std::byte> der);

}  // namespace sslpp
