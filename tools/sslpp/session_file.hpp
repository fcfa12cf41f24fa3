// --sess-out / --sess-in: a TLS session kept in a file between runs, as the
// PEM block `openssl s_client -sess_out` writes (either reads the other's).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <sslpp/sslpp.hpp>

#include "output.hpp"

namespace sslpp::cli {

/// use_session_files gives `ctx` the session id context that sessions
/// read by read_session_file carry, so that OpenSSL lets them resume.
void use_session_files(Context& ctx);

/// read_session_file loads --sess-in FILE for a connection to
/// `server_hostname`. A session made for another server name is refused:
/// a resumed session is not verified again. Throws (the caller reports it
/// as bad input) when the file is unreadable, not a session, or not for
/// this server.
Session read_session_file(const std::string& path, std::string_view server_hostname);

/// check_writable fails (OSError) when --sess-out FILE could not be
/// written, so that a bad path is bad input before any connection.
void check_writable(const std::string& path);

/// await_session reads for at most `bound` after a TLS 1.3 handshake until
/// the server's session ticket has made the session resumable (TLS 1.3
/// sends tickets after the handshake). What else arrives is recorded in
/// `facts` as --send's reply would be.
void await_session(SSLSocket& tls, std::chrono::duration<double> bound, SessionFacts& facts);

/// write_session_file writes the connection's session to `path` (mode
/// 0600: it holds the master secret). False, writing nothing, when the
/// server gave no resumable session.
bool write_session_file(const std::string& path, const SSLSocket& tls);

}  // namespace sslpp::cli
