/// \file
/// TLS 1.3 early data (0-RTT), beyond Python's ssl and pyOpenSSL: what a
/// client sends with its first flight on a resumed session, before the
/// handshake completes.
///
/// Early data can be replayed by an attacker who recorded it, so a server
/// takes it only when Context::set_max_early_data allows some, and then
/// accepts each session ticket once (OpenSSL's anti-replay, on unless
/// OP_NO_ANTI_REPLAY is set). Send early only what is safe to run twice
/// (RFC 8446 section 8, RFC 8470). It is not forward secret either: it is
/// sealed with the resumed session's key.
///
/// Anti-replay and the session cache: while a server allows early data and
/// OP_NO_ANTI_REPLAY is not set, its TLS 1.3 tickets name sessions kept in
/// its session cache (the default, SESS_CACHE_SERVER), and each is taken out
/// of the cache when it is used, so a ticket resumes once, with or without
/// early data; a replayed one gets a full handshake and its early data is
/// rejected. Such tickets resume only on the process (and Context) that
/// issued them, and not at all when its internal cache is off or bypassed
/// (SESS_CACHE_OFF, SESS_CACHE_NO_INTERNAL*). OP_NO_ANTI_REPLAY goes back to
/// self-contained tickets, any number of times each: the application must
/// then stop replays itself. With anti-replay on, a server connection freed
/// without shutdown() takes its last ticket's session out of the cache, so
/// that ticket no longer resumes (and a client's Session is only resumable
/// when its own connection was shut down).
///
/// The flow, client then server:
/// \code
/// // client: a Session from an earlier connection to this server
/// Connection c = ctx.wrap_bio({.server_hostname = "example.com", .session = session});
/// c.write_early_data(request);       // before any other I/O call
/// c.do_handshake();                  // (driven until ok)
/// if (c.early_data_status() != EarlyDataStatus::accepted) {
///   c.sendall(request);              // rejected: send it again
/// }
/// // server: Context::set_max_early_data(16384)
/// while ((n = s.read_early_data(buf)) > 0) { ... }  // (SSLWantReadError: feed input, repeat)
/// s.do_handshake();
/// \endcode
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
