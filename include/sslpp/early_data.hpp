/// \file
/// TLS 1.3 early data (0-RTT), beyond Python's ssl and pyOpenSSL: what a
/// client sends with its first flight on a resumed session, before the
/// handshake completes.
///
/// Early data can be replayed by an attacker who recorded it, so a server
/// takes it only when Context::set_max_early_data allows some, and then
/// accepts each session ticket once (OpenSSL's anti-replay, on unless
/// OP_NO_ANTI_REPLAY is set). Send early only what is safe to run twice
/// (RFC 8446 section 8, RFC 8470).
#pragma once

namespace sslpp {

/// EarlyDataStatus says what became of a connection's early data
/// (SSL_get_early_data_status).
enum class EarlyDataStatus {
  /// None was sent (client), or none came (server).
  not_sent,
  /// The server refused it: the client must send it again as ordinary data.
  rejected,
  /// The server took it.
  accepted,
};

}  // namespace sslpp
