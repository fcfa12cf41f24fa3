// --trace: one line per TLS handshake message and alert as it passes, from
// OpenSSL's message callback: ">>> TLS 1.3 Handshake ClientHello (242 bytes)",
// "<<< TLS 1.3 Alert fatal unknown CA". The lines go to stderr, so that
// stdout keeps only the report (one JSON object with --json) or, in
// interactive mode, only the server's bytes.
#pragma once

#include <iosfwd>

#include <sslpp/sslpp.hpp>

namespace sslpp::cli {

/// trace_messages makes every connection `ctx` makes from now on write its
/// handshake messages and alerts to `out`, which must outlive them. Sets
/// the SSL_CTX's message callback through native_handle(): the library
/// has no hook of its own for it, and the callback only reads.
void trace_messages(const Context& ctx, std::ostream& out);

}  // namespace sslpp::cli
