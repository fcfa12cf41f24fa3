// A failed verification, explained (verify_failure.hpp): the capture taken
// inside OpenSSL, the summaries built from it afterwards, and the two
// renderings (`sslpp connect`'s marked chain and its JSON). The hints
// themselves are in verify_hints.cpp.
#include "x509/verify_explain.hpp"

#include <sslpp/verify_failure.hpp>

#include <algorithm>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace sslpp {

namespace detail {

namespace {

constexpr std::size_t max_sent = 16;   // summaries of the sent chain
constexpr std::size_t max_names = 100;  // subjectAltName entries per summary, as getpeercert

// push_ref appends one more reference to `x` to `sk`.
bool push_ref(STACK_OF(X509)* sk, X509* x) noexcept {
  if (::X509_up_ref(x) != 1) {
    return false;
  }
  if (sk_X509_push(sk, x) <= 0) {
    ::X509_free(x);
    return false;
  }
  return true;
}

// sent_chain is what the verifier was given: the certificate under test,
// then the untrusted ones (which in a handshake already start with it).
unique_handle<STACK_OF(X509)> sent_chain(X509_STORE_CTX* store) noexcept {
  unique_handle<STACK_OF(X509)> out(sk_X509_new_null());
  X509* leaf = ::X509_STORE_CTX_get0_cert(store);
  if (!out || (leaf != nullptr && !push_ref(out.get(), leaf))) {
    return nullptr;
  }
  const STACK_OF(X509)* untrusted = ::X509_STORE_CTX_get0_untrusted(store);
  for (int i = 0; untrusted != nullptr && i < sk_X509_num(untrusted); ++i) {
    X509* x = sk_X509_value(untrusted, i);
    if (i == 0 && leaf != nullptr && ::X509_cmp(x, leaf) == 0) {
      continue;  // the handshake's list starts with the leaf itself
    }
    if (!push_ref(out.get(), x)) {
      return nullptr;
    }
  }
  return out;
}

bool missing_issuer_code(long code) noexcept {
  return code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT || code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
         code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

std::chrono::sys_seconds from_time_t(std::time_t t) { return std::chrono::sys_seconds(std::chrono::seconds(t)); }

// summarize describes one certificate. Only allocation failures escape:
// a field OpenSSL cannot decode is left empty.
CertSummary summarize(X509* x) {
  CertSummary s{.certificate = Certificate::from_native(x)};
  const Certificate& c = s.certificate;
  s.subject = c.subject_name();
  s.issuer = c.issuer_name();
  s.serial = c.serial_number();
  s.sha256 = c.sha256_fingerprint();
  try {
    s.not_before = c.not_before();
  } catch (const SSLError&) {
  }
  try {
    s.not_after = c.not_after();
  } catch (const SSLError&) {
  }
  try {
    const PublicKey key = c.public_key();
    s.key = key.type_name() + " " + std::to_string(key.bits());
  } catch (const SSLError&) {
  }
  try {
    s.signature_algorithm = c.signature_algorithm();
    CertInfo info = c.decode();
    if (info.subjectAltName) {
      std::vector<GeneralName>& names = *info.subjectAltName;
      s.san_omitted = names.size() > max_names ? names.size() - max_names : 0;
      names.resize(std::min(names.size(), max_names));
      s.subject_alt_names = std::move(names);
    }
    if (info.caIssuers) {
      s.ca_issuers = std::move(*info.caIssuers);
    }
  } catch (const SSLError&) {
  }
  const std::uint32_t flags = ::X509_get_extension_flags(x);
  s.ca = (flags & EXFLAG_CA) != 0;
  s.self_issued = (flags & EXFLAG_SI) != 0;
  if (const long len = ::X509_get_pathlen(x); len >= 0) {
    s.path_len = len;
  }
  if ((flags & EXFLAG_XKUSAGE) != 0) {
    static constexpr std::pair<std::uint32_t, const char*> purposes[] = {
        {XKU_SSL_SERVER, "serverAuth"},   {XKU_SSL_CLIENT, "clientAuth"},   {XKU_SMIME, "emailProtection"},
        {XKU_CODE_SIGN, "codeSigning"},   {XKU_OCSP_SIGN, "OCSPSigning"},   {XKU_TIMESTAMP, "timeStamping"},
        {XKU_DVCS, "DVCS"},               {XKU_ANYEKU, "anyExtendedKeyUsage"}};
    const std::uint32_t xku = ::X509_get_extended_key_usage(x);
    for (const auto& [bit, name] : purposes) {
      if ((xku & bit) != 0) {
        s.ext_key_usage.emplace_back(name);
      }
    }
  }
  return s;
}

bool contains(const STACK_OF(X509)* sk, X509* x) noexcept {
  for (int i = 0; sk != nullptr && i < sk_X509_num(sk); ++i) {
    if (::X509_cmp(sk_X509_value(sk, i), x) == 0) {
      return true;
    }
  }
  return false;
}

// revocation reads what `crl` says about `x`, if it lists it.
std::optional<VerifyFailure::Revocation> revocation_of(X509_CRL* crl, X509* x) {
  X509_REVOKED* entry = nullptr;
  if (crl == nullptr || x == nullptr || ::X509_CRL_get0_by_cert(crl, &entry, x) != 1 || entry == nullptr) {
    return std::nullopt;
  }
  VerifyFailure::Revocation r;
  std::tm tm{};
  if (::ASN1_TIME_to_tm(::X509_REVOKED_get0_revocationDate(entry), &tm) == 1) {
    r.when = from_time_t(::timegm(&tm));
  }
  int critical = 0;
  if (auto* reason = static_cast<ASN1_ENUMERATED*>(
          ::X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, &critical, nullptr))) {
    static constexpr const char* names[] = {"unspecified",          "keyCompromise",  "cACompromise",
                                            "affiliationChanged",   "superseded",     "cessationOfOperation",
                                            "certificateHold",      "(unused)",       "removeFromCRL",
                                            "privilegeWithdrawn",   "aACompromise"};
    const long code = ::ASN1_ENUMERATED_get(reason);
    ::ASN1_ENUMERATED_free(reason);
    if (code >= 0 && code < static_cast<long>(std::size(names))) {
      r.reason = names[code];
    }
  }
  if (const X509_NAME* issuer = ::X509_CRL_get_issuer(crl)) {
    r.source = Name::from_native(issuer).to_string();
  }
  return r;
}

}  // namespace

std::unique_ptr<verify_capture> capture_failure(X509_STORE_CTX* store, bool preverify_ok,
                                                bool callback_refused) noexcept {
  std::unique_ptr<verify_capture> c(new (std::nothrow) verify_capture);
  if (!c) {
    return nullptr;
  }
  c->code = ::X509_STORE_CTX_get_error(store);
  c->depth = ::X509_STORE_CTX_get_error_depth(store);
  c->num_untrusted = ::X509_STORE_CTX_get_num_untrusted(store);
  c->preverify_ok = preverify_ok;
  c->callback_refused = callback_refused;
  const X509_VERIFY_PARAM* param = ::X509_STORE_CTX_get0_param(store);
  c->time_given = (::X509_VERIFY_PARAM_get_flags(param) & X509_V_FLAG_USE_CHECK_TIME) != 0;
  c->checked_at = c->time_given ? ::X509_VERIFY_PARAM_get_time(param) : std::time(nullptr);
  c->security_level = ::X509_VERIFY_PARAM_get_auth_level(param);
  c->host_flags = ::X509_VERIFY_PARAM_get_hostflags(param);
  c->sent = sent_chain(store);
  c->built = unique_handle<STACK_OF(X509)>(::X509_STORE_CTX_get1_chain(store));
  c->crl = up_ref(::X509_STORE_CTX_get0_current_crl(store));
  // For a missing issuer: does the trust store hold a CA of that name (with
  // another key)? Looked up now, while the store context is alive.
  const int top = c->built ? sk_X509_num(c->built.get()) - 1 : -1;
  if (missing_issuer_code(c->code) || c->code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN) {
    if (top >= 0) {
      X509* x = sk_X509_value(c->built.get(), top);
      const X509_NAME* wanted = c->code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ? ::X509_get_subject_name(x)
                                                                                : ::X509_get_issuer_name(x);
      // "No certificate of that name" is an answer, not an error: leave
      // the queue as OpenSSL had it.
      ::ERR_set_mark();
      c->same_name_anchors.reset(::X509_STORE_CTX_get1_certs(store, const_cast<X509_NAME*>(wanted)));
      ::ERR_pop_to_mark();
    }
  }
  return c;
}

std::shared_ptr<const VerifyFailure> explain(const explain_input& in) {
  auto f = std::make_shared<VerifyFailure>();
  const verify_capture* cap = in.capture != nullptr && in.capture->code == in.code ? in.capture : nullptr;
  f->code = in.code;
  f->peer = in.peer;
  f->resumed = in.resumed;
  f->checked_name = in.checked_name;
  f->security_level = cap != nullptr ? cap->security_level : in.security_level;
  f->checked_at = from_time_t(cap != nullptr ? cap->checked_at : std::time(nullptr));
  const STACK_OF(X509)* sent = cap != nullptr && cap->sent ? cap->sent.get() : in.sent;
  const STACK_OF(X509)* built = cap != nullptr && cap->built ? cap->built.get() : in.built;
  const int num_sent = sent != nullptr ? sk_X509_num(sent) : 0;
  const int num_built = built != nullptr ? sk_X509_num(built) : 0;

  for (int i = 0; i < num_sent; ++i) {
    if (static_cast<std::size_t>(i) >= max_sent) {
      f->sent_omitted = static_cast<std::size_t>(num_sent - i);
      break;
    }
    CertSummary s = summarize(sk_X509_value(sent, i));
    s.from_peer = true;
    s.from_trust_store = contains(built, sk_X509_value(sent, i)) && cap != nullptr && i >= cap->num_untrusted;
    f->chain_sent.push_back(std::move(s));
  }
  for (int i = 0; i < num_built; ++i) {
    X509* x = sk_X509_value(built, i);
    CertSummary s = summarize(x);
    s.from_peer = contains(sent, x);
    s.from_trust_store = cap != nullptr ? i >= cap->num_untrusted : !s.from_peer && num_sent > 0;
    f->chain_built.push_back(std::move(s));
  }

  // The depth: the capture's, else where OpenSSL is known to report it.
  if (cap != nullptr) {
    f->depth = cap->depth;
  } else if (in.resumed) {
    f->depth = -1;
  } else if (in.code == X509_V_ERR_HOSTNAME_MISMATCH || in.code == X509_V_ERR_IP_ADDRESS_MISMATCH ||
             in.code == X509_V_ERR_EMAIL_MISMATCH || !in.extra.empty()) {
    f->depth = 0;
  } else if (missing_issuer_code(in.code) || in.code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
             in.code == X509_V_ERR_CERT_CHAIN_TOO_LONG) {
    f->depth = num_built - 1;
  } else if (in.code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
    f->depth = 0;
  }
  if (f->depth >= num_built) {
    f->depth = num_built > 0 ? num_built - 1 : -1;
  }
  if (missing_issuer_code(in.code) && f->depth >= 0) {
    f->missing_issuer = f->chain_built[static_cast<std::size_t>(f->depth)].issuer;
  }
  if (in.code == X509_V_ERR_CERT_REVOKED && cap != nullptr && f->depth >= 0) {
    f->revocation = revocation_of(cap->crl.get(), sk_X509_value(built, f->depth));
  }
  write_hint(*f, in);
  return f;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// SSLCertVerificationError's accessors (error.hpp), which need the type

int SSLCertVerificationError::depth() const noexcept {
  const VerifyFailure* f = verify_failure();
  return f != nullptr ? f->depth : -1;
}

const std::string& SSLCertVerificationError::hint() const noexcept {
  static const std::string none;
  const VerifyFailure* f = verify_failure();
  return f != nullptr ? f->hint : none;
}

}  // namespace sslpp
