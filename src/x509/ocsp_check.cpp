#include "x509/ocsp_check.hpp"

#include <climits>
#include <cstdint>
#include <new>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "internal/error_queue.hpp"
#include "internal/handle.hpp"

namespace sslpp::detail {

namespace {

// RFC 6960 leaves clock skew to the client; five minutes is what OpenSSL's
// own `ocsp -validity_period` suggests ("a few minutes") and what the
// header promises. A response with nextUpdate is good until then.
constexpr long kLeewaySeconds = 300;
// The oldest a response without nextUpdate may be: a week, as CAs that
// staple renew theirs daily to weekly (CA/Browser Forum Baseline Requirements).
constexpr long kMaxAgeWithoutNextUpdate = 7L * 24 * 3600;

// parse decodes `der` as one DER OCSPResponse that fills it exactly;
// null otherwise, with the error queue left empty.
unique_handle<OCSP_RESPONSE> parse(std::span<const std::byte> der) noexcept {
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return nullptr;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  unique_handle<OCSP_RESPONSE> response(::d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
  if (!response || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    ::ERR_clear_error();
    return nullptr;
  }
  return response;
}

ocsp_verdict fail(long code, std::string reason) { return {code, std::move(reason)}; }

// openssl_reason is what OpenSSL queued about the step that just failed,
// drained, in parentheses; empty when it queued nothing.
std::string openssl_reason() {
  if (::ERR_peek_error() == 0) {
    return {};
  }
  return " (" + take_error_queue().message + ")";
}

// issuer_of finds the certificate that issued `leaf`: in the chain
// OpenSSL verified (which holds the trust anchor from the store), else in
// the chain the server sent (under CERT_NONE, when verification stopped
// short), else `leaf` itself when it is self-issued. Borrowed; nullptr
// when none is known.
X509* issuer_of(const SSL* ssl, X509* leaf) noexcept {
  for (const STACK_OF(X509)* chain : {::SSL_get0_verified_chain(ssl), ::SSL_get_peer_cert_chain(ssl)}) {
    for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
      X509* candidate = sk_X509_value(chain, i);
      if (::X509_cmp(candidate, leaf) != 0 && ::X509_check_issued(candidate, leaf) == X509_V_OK) {
        return candidate;
      }
    }
  }
  return ::X509_check_issued(leaf, leaf) == X509_V_OK ? leaf : nullptr;
}

// status_of finds the single response about `leaf`, comparing CertIDs made
// with the hash each single response uses (SHA-1 by default, but a
// responder may use another), as OCSP_resp_find_status would for one.
// nullptr when the response does not speak of `leaf`.
OCSP_SINGLERESP* status_of(OCSP_BASICRESP* basic, X509* leaf, X509* issuer) {
  for (int i = 0; i < ::OCSP_resp_count(basic); ++i) {
    OCSP_SINGLERESP* single = ::OCSP_resp_get0(basic, i);
    // OCSP_id_get0_info takes a non-const CertID but only reads it.
    auto* id = const_cast<OCSP_CERTID*>(::OCSP_SINGLERESP_get0_id(single));
    ASN1_OBJECT* hash = nullptr;
    if (::OCSP_id_get0_info(nullptr, &hash, nullptr, nullptr, id) != 1) {
      continue;
    }
    const EVP_MD* md = ::EVP_get_digestbyobj(hash);
    if (md == nullptr) {
      continue;  // a hash OpenSSL does not know cannot be about our certificate
    }
    const unique_handle<OCSP_CERTID> ours(::OCSP_cert_to_id(md, leaf, issuer));
    if (!ours) {
      throw std::bad_alloc();
    }
    if (::OCSP_id_cmp(ours.get(), id) == 0) {
      return single;
    }
  }
  return nullptr;
}

// out_of_window describes why OCSP_check_validity refused, from the first
// reason it queued (the documented two; anything else in OpenSSL's words).
std::string out_of_window() {
  const int reason = ERR_GET_REASON(::ERR_peek_error());
  if (reason == OCSP_R_STATUS_EXPIRED) {
    ::ERR_clear_error();
    return "the stapled OCSP response has expired (its nextUpdate has passed): the server must fetch a fresh one";
  }
  if (reason == OCSP_R_STATUS_NOT_YET_VALID) {
    ::ERR_clear_error();
    return "the stapled OCSP response is not yet valid (its thisUpdate is in the future): check both clocks";
  }
  return "the stapled OCSP response has no valid validity window" + openssl_reason();
}

ocsp_verdict check_parsed(const SSL* ssl, X509_STORE* store, OCSP_RESPONSE* response) {
  const long status = ::OCSP_response_status(response);
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return fail(X509_V_ERR_OCSP_VERIFY_FAILED, std::string("the stapled OCSP response says '") +
                                                   ::OCSP_response_status_str(status) + "', not 'successful'");
  }
  const unique_handle<OCSP_BASICRESP> basic(::OCSP_response_get1_basic(response));
  if (!basic) {
    return fail(X509_V_ERR_OCSP_VERIFY_FAILED, "the stapled OCSP response is not a basic OCSP response" + openssl_reason());
  }
  X509* leaf = ::SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) {
    return fail(X509_V_ERR_OCSP_VERIFY_FAILED, "the server sent no certificate for the OCSP response to speak of");
  }
  // The peer's chain as untrusted certificates: a delegated responder's
  // certificate may come in the response or there. OpenSSL checks that the
  // signer chains to `store` and is the issuer, or carries the OCSP-signing
  // EKU and was issued by the issuer.
  if (::OCSP_basic_verify(basic.get(), ::SSL_get_peer_cert_chain(ssl), store, 0) != 1) {
    return fail(X509_V_ERR_OCSP_VERIFY_FAILED,
                "the stapled OCSP response is not signed by the certificate's issuer or a responder it delegated to" +
                    openssl_reason());
  }
  X509* issuer = issuer_of(ssl, leaf);
  if (issuer == nullptr) {
    return fail(X509_V_ERR_OCSP_VERIFY_FAILED,
                "the issuer of the server's certificate is unknown, so the stapled OCSP response cannot be matched to "
                "it");
  }
  OCSP_SINGLERESP* single = status_of(basic.get(), leaf, issuer);
  if (single == nullptr) {
    return fail(X509_V_ERR_OCSP_VERIFY_FAILED, "the stapled OCSP response does not speak of the server's certificate");
  }
  int reason = -1;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  const int cert_status = ::OCSP_single_get0_status(single, &reason, nullptr, &this_update, &next_update);
  // Revocation is for good: a stale "revoked" still says revoked.
  if (cert_status == V_OCSP_CERTSTATUS_REVOKED) {
    std::string why = "the stapled OCSP response says the server's certificate was revoked";
    if (reason >= 0) {
      why += std::string(" (reason: ") + ::OCSP_crl_reason_str(reason) + ")";
    }
    return fail(X509_V_ERR_CERT_REVOKED, std::move(why));
  }
  // A response without nextUpdate never goes stale by its own account: hold
  // it to an age limit instead, or an old "good" could be stapled forever.
  const long max_age = next_update == nullptr ? kMaxAgeWithoutNextUpdate : -1;
  if (::OCSP_check_validity(this_update, next_update, kLeewaySeconds, max_age) != 1) {
    return fail(X509_V_ERR_OCSP_VERIFY_FAILED, out_of_window());
  }
  if (cert_status != V_OCSP_CERTSTATUS_GOOD) {
    return fail(X509_V_ERR_OCSP_CERT_UNKNOWN, "the OCSP responder does not know the server's certificate ('unknown')");
  }
  return {};
}

}  // namespace

unique_handle<OCSP_RESPONSE> parse_ocsp_response(std::span<const std::byte> der) noexcept { return parse(der); }

bool is_ocsp_response(std::span<const std::byte> der) noexcept { return parse(der) != nullptr; }

ocsp_verdict check_ocsp_response(const SSL* ssl, X509_STORE* store, std::span<const std::byte> response,
                                 bool required) {
  if (response.empty()) {
    if (required) {
      return fail(X509_V_ERR_OCSP_VERIFY_NEEDED,
                  "the server stapled no OCSP response, and OcspCheck::required asks for one");
    }
    return {};
  }
  clear_stale_errors();
  const unique_handle<OCSP_RESPONSE> parsed = parse(response);
  if (!parsed) {
    return fail(X509_V_ERR_OCSP_VERIFY_FAILED, "the stapled OCSP response is not a DER OCSP response");
  }
  ocsp_verdict verdict = check_parsed(ssl, store, parsed.get());
  ::ERR_clear_error();
  return verdict;
}

namespace {
int session_mark_index() noexcept {
  static const int index = ::SSL_SESSION_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}
}  // namespace

void mark_session(SSL_SESSION* session, ocsp_mark mark) noexcept {
  if (session != nullptr && session_mark_index() >= 0) {
    // The value itself is stored: nothing to allocate or free.
    ::SSL_SESSION_set_ex_data(session, session_mark_index(),
                              reinterpret_cast<void*>(static_cast<std::intptr_t>(mark)));
  }
}

ocsp_mark session_mark(const SSL_SESSION* session) noexcept {
  if (session == nullptr || session_mark_index() < 0) {
    return ocsp_mark::none;
  }
  return static_cast<ocsp_mark>(reinterpret_cast<std::intptr_t>(::SSL_SESSION_get_ex_data(session, session_mark_index())));
}

}  // namespace sslpp::detail
