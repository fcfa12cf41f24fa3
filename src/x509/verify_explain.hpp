// Explaining a failed verification (verify_failure.hpp): the raw facts are
// captured inside OpenSSL's verification, where the depth and the chain as
// built are known (the verify trampoline; CertStore::verify), and turned
// into a VerifyFailure afterwards, outside OpenSSL's C frames, where
// allocating strings and throwing are allowed.
#pragma once

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/x509_vfy.h>

#include <sslpp/verify_failure.hpp>

#include "internal/handle.hpp"

namespace sslpp::detail {

// verify_capture is what one failing verification leaves behind: references
// to OpenSSL's objects and a few numbers, nothing that needs a string.
struct verify_capture {
  long code = 0;
  int depth = -1;
  int num_untrusted = 0;  // built[0 .. num_untrusted) came from the peer (or the caller)
  bool preverify_ok = false;  // OpenSSL found nothing wrong: only a callback refused (50)
  bool callback_refused = false;  // an application callback was asked and said no
  bool time_given = false;        // checked_at is a time set by the caller, not the clock
  std::time_t checked_at = 0;
  int security_level = 0;
  unsigned int host_flags = 0;  // X509_CHECK_FLAG_*: is the commonName read?
  unique_handle<STACK_OF(X509)> sent;   // the peer's list (leaf first), or leaf + untrusted
  unique_handle<STACK_OF(X509)> built;  // the chain as far as it was built
  unique_handle<X509_CRL> crl;          // the CRL under check (revocation codes)
  unique_handle<STACK_OF(X509)> same_name_anchors;  // trusted certs named like the missing issuer
};

// capture_failure takes the facts of `store`'s failure. Runs inside OpenSSL
// (a verify callback) or just after X509_verify_cert: C calls and a nothrow
// new only. Null when memory runs out; a partial capture only degrades the
// explanation.
std::unique_ptr<verify_capture> capture_failure(X509_STORE_CTX* store, bool preverify_ok,
                                                bool callback_refused) noexcept;

// explain_input is everything explain reads. `capture` is used only when
// its code is `code` (a callback set through native_handle() may have
// changed the verdict after the capture); otherwise the SSL-level
// fallbacks (`sent`, `built`, borrowed) give what they can.
struct explain_input {
  long code = 0;
  const verify_capture* capture = nullptr;
  PeerRole peer = PeerRole::none;
  int security_level = 0;
  bool resumed = false;
  std::optional<std::string> checked_name{};  // only when a name was checked
  const STACK_OF(X509)* sent = nullptr;     // fallback: SSL_get_peer_cert_chain
  const STACK_OF(X509)* built = nullptr;    // fallback: SSL_get0_verified_chain
  std::string extra{};                      // a hook's own reason (OCSP), added to the hint
};

// explain builds the explanation. Throws std::bad_alloc; callers catch and
// keep the error without one.
std::shared_ptr<const VerifyFailure> explain(const explain_input& in);

// -- verify_hints.cpp ---------------------------------------------------------

// write_hint fills `f.kind` and `f.hint` from the rest of `f` (and the
// capture's callback flag).
void write_hint(VerifyFailure& f, const explain_input& in);

// escape_text renders peer-supplied bytes as printable ASCII: control bytes,
// DEL and every non-ASCII byte (so bidi controls too) become \xNN; cut to
// about `limit` bytes, with "..." when cut. Backslashes stay: the RFC 2253
// names OpenSSL prints already escape their own control bytes ("\0D").
std::string escape_text(std::string_view s, std::size_t limit);

// format_utc is "YYYY-MM-DD HH:MM:SS UTC".
std::string format_utc(std::chrono::sys_seconds t);

}  // namespace sslpp::detail
