// sslpp's check of a stapled OCSP response (OcspCheck, ocsp.hpp), and the
// one test of "is this a DER OCSP response" that set_ocsp_response, the
// server's callback and the check share. OpenSSL parses and verifies
// everything; this file only decides which of its answers fail the
// handshake, and says why in words.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "internal/handle.hpp"

namespace sslpp::detail {

// is_ocsp_response is true when `der` is one DER OCSPResponse and nothing
// more (d2i_OCSP_RESPONSE consumes every byte). Leaves no error queued.
bool is_ocsp_response(std::span<const std::byte> der) noexcept;

// parse_ocsp_response decodes `der` as one DER OCSPResponse that fills it
// exactly; null otherwise, with the error queue left empty.
unique_handle<OCSP_RESPONSE> parse_ocsp_response(std::span<const std::byte> der) noexcept;

// ocsp_verdict is the check's answer: X509_V_OK, or the verification
// result that fails the handshake and a reason a person can act on.
struct ocsp_verdict {
  long verify_code = X509_V_OK;
  std::string reason;
  [[nodiscard]] bool good() const noexcept { return verify_code == X509_V_OK; }
};

// check_ocsp_response checks `response`, stapled by the server of client
// `ssl`, against the trust store `store`: a successful basic response,
// signed by the leaf's issuer or by a responder it delegated to
// (OCSP_basic_verify, the peer's chain as untrusted certificates), that
// says "good" for the leaf (its issuer taken from the verified chain, else
// from the peer's) and is inside its validity window (five minutes of
// leeway; a week's age when it has no nextUpdate). An empty `response` means none was stapled:
// good unless `required`. Leaves no error queued. Throws std::bad_alloc.
ocsp_verdict check_ocsp_response(const SSL* ssl, X509_STORE* store, std::span<const std::byte> response,
                                 bool required);

// A session remembers what the check found in the handshake that made it,
// since a resumption brings no staple to check: a session made while the
// check was off, or passed with no staple, must not resume into a
// connection that requires one. The mark travels with the session's copies
// (OpenSSL duplicates ex_data with it, as for a TLS 1.3 ticket).
enum class ocsp_mark : int {
  none = 0,        // not checked
  unstapled = 1,   // checked under OcspCheck::if_stapled, no staple
  good = 2,        // a good staple checked
};
void mark_session(SSL_SESSION* session, ocsp_mark mark) noexcept;
[[nodiscard]] ocsp_mark session_mark(const SSL_SESSION* session) noexcept;

}  // namespace sslpp::detail
