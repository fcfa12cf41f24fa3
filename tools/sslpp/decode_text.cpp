#include "decode_text.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ostream>
#include <type_traits>
#include <variant>

#include "decode_extensions.hpp"
#include "decode_values.hpp"

namespace sslpp::cli {

namespace {

// Text writes lines at a depth; every line passes through terminal_text.
class Text {
 public:
  explicit Text(std::ostream& out) : out_(out) {}
  void line(int depth, std::string_view text) {
    out_ << std::string(static_cast<std::size_t>(depth) * 2, ' ') << terminal_text(text) << '\n';
  }
  void lines(int depth, const Lines& items) {
    for (const std::string& item : items) {
      line(depth, item);
    }
  }

 private:
  std::ostream& out_;
};

// ---------------------------------------------------------------------------
// Keys

std::string key_text(EVP_PKEY* key) {
  if (key == nullptr) {
    ::ERR_clear_error();
    return "(not decodable by OpenSSL)";
  }
  const char* type = ::EVP_PKEY_get0_type_name(key);
  std::string out =
      std::string(type != nullptr ? type : "unknown type") + ", " + std::to_string(::EVP_PKEY_get_bits(key)) + " bits";
  char group[80];
  std::size_t group_len = 0;
  if (::EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_len) == 1) {
    out += ", curve " + std::string(group, group_len);
  }
  BIGNUM* e = nullptr;
  if (::EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
    const owned<BIGNUM, BN_free> exponent(e);
    out += ", exponent " + number_text(exponent.get());
  }
  ::ERR_clear_error();
  return out;
}

void print_key(Text& t, int depth, const X509_PUBKEY* pub, EVP_PKEY* key) {
  ASN1_OBJECT* alg = nullptr;
  if (pub != nullptr) {
    ::X509_PUBKEY_get0_param(&alg, nullptr, nullptr, nullptr, pub);
  }
  t.line(depth, "Public Key:");
  t.line(depth + 1, "Algorithm: " + (alg != nullptr ? object_name(alg) : std::string("(none)")));
  t.line(depth + 1, "Key: " + key_text(key));
}

void print_extensions(Text& t, int depth, std::string_view title, const STACK_OF(X509_EXTENSION) * exts) {
  const int n = sk_X509_EXTENSION_num(exts);
  if (n <= 0) {
    t.line(depth, std::string(title) + ": none");
    return;
  }
  t.line(depth, std::string(title) + ":");
  for (int i = 0; i < n; ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    const bool critical = ::X509_EXTENSION_get_critical(ext) != 0;
    t.line(depth + 1, object_name(::X509_EXTENSION_get_object(ext)) + ":" + (critical ? " critical" : ""));
    t.lines(depth + 2, extension_value(ext));
  }
  ::ERR_clear_error();
}

// ---------------------------------------------------------------------------
// The three kinds of member

std::string fingerprint(const X509* x, const EVP_MD* md) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (::X509_digest(x, md, buf, &len) != 1) {
    ::ERR_clear_error();
    return "(cannot be computed)";
  }
  return colon_hex(buf, len);
}

void print_certificate(Text& t, X509* x) {
  const X509_ALGOR* sig_alg = nullptr;
  ::X509_get0_signature(nullptr, &sig_alg, x);
  t.line(0, "Certificate:");
  t.line(1, "Version: " + version_text(::X509_get_version(x)));
  t.line(1, "Serial Number: " + serial_hex(::X509_get0_serialNumber(x)));
  t.line(1, "Signature Algorithm: " + algorithm_text(sig_alg));
  t.line(1, "Issuer: " + name_text(::X509_get_issuer_name(x)));
  t.line(1, "Validity:");
  t.line(2, "Not Before: " + utc_text(::X509_get0_notBefore(x)));
  t.line(2, "Not After:  " + utc_text(::X509_get0_notAfter(x)));
  t.line(1, "Subject: " + name_text(::X509_get_subject_name(x)));
  print_key(t, 1, ::X509_get_X509_PUBKEY(x), ::X509_get0_pubkey(x));
  print_extensions(t, 1, "Extensions", ::X509_get0_extensions(x));
  t.line(1, "Fingerprints:");
  t.line(2, "SHA-256: " + fingerprint(x, ::EVP_sha256()));
  t.line(2, "SHA-1:   " + fingerprint(x, ::EVP_sha1()));
}

void free_extensions(STACK_OF(X509_EXTENSION) * exts) { sk_X509_EXTENSION_pop_free(exts, ::X509_EXTENSION_free); }

void print_request(Text& t, X509_REQ* req) {
  const X509_ALGOR* sig_alg = nullptr;
  ::X509_REQ_get0_signature(req, nullptr, &sig_alg);
  t.line(0, "Certificate Request:");
  t.line(1, "Version: " + version_text(::X509_REQ_get_version(req)));
  t.line(1, "Subject: " + name_text(::X509_REQ_get_subject_name(req)));
  EVP_PKEY* key = ::X509_REQ_get0_pubkey(req);
  print_key(t, 1, ::X509_REQ_get_X509_PUBKEY(req), key);
  const owned<STACK_OF(X509_EXTENSION), free_extensions> exts(::X509_REQ_get_extensions(req));
  ::ERR_clear_error();
  if (!exts && ::X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) >= 0) {
    t.line(1, "Requested Extensions: (malformed)");
  } else {
    print_extensions(t, 1, "Requested Extensions", exts.get());
  }
  std::string attributes;
  for (int i = 0; i < ::X509_REQ_get_attr_count(req); ++i) {
    const ASN1_OBJECT* obj = ::X509_ATTRIBUTE_get0_object(::X509_REQ_get_attr(req, i));
    if (::OBJ_obj2nid(obj) != NID_ext_req) {
      attributes += (attributes.empty() ? "" : ", ") + object_name(obj);
    }
  }
  if (!attributes.empty()) {
    // Their values may be secrets (challengePassword): named, not shown.
    t.line(1, "Other Attributes (values not shown): " + attributes);
  }
  t.line(1, "Signature Algorithm: " + algorithm_text(sig_alg));
  const int verified = key != nullptr ? ::X509_REQ_verify(req, key) : -1;
  ::ERR_clear_error();
  t.line(1, std::string("Signature: ") + (verified == 1 ? "valid (made with the request's key)"
                                                        : "INVALID: does not verify with the request's key"));
}

void print_crl(Text& t, X509_CRL* crl) {
  const X509_ALGOR* sig_alg = nullptr;
  ::X509_CRL_get0_signature(crl, nullptr, &sig_alg);
  t.line(0, "Certificate Revocation List:");
  t.line(1, "Version: " + version_text(::X509_CRL_get_version(crl)));
  t.line(1, "Signature Algorithm: " + algorithm_text(sig_alg));
  t.line(1, "Issuer: " + name_text(::X509_CRL_get_issuer(crl)));
  t.line(1, "Last Update: " + utc_text(::X509_CRL_get0_lastUpdate(crl)));
  t.line(1, "Next Update: " + utc_text(::X509_CRL_get0_nextUpdate(crl)));
  print_extensions(t, 1, "Extensions", ::X509_CRL_get0_extensions(crl));
  const STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl);
  const int n = sk_X509_REVOKED_num(revoked);
  t.line(1, "Revoked Certificates: " + std::to_string(std::max(n, 0)));
  for (int i = 0; i < n; ++i) {
    const X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    t.line(2, "Serial Number: " + serial_hex(::X509_REVOKED_get0_serialNumber(r)));
    t.line(3, "Revocation Date: " + utc_text(::X509_REVOKED_get0_revocationDate(r)));
    const STACK_OF(X509_EXTENSION)* exts = ::X509_REVOKED_get0_extensions(r);
    if (sk_X509_EXTENSION_num(exts) > 0) {
      print_extensions(t, 3, "Entry Extensions", exts);
    }
  }
}

}  // namespace

void print_member(std::ostream& out, const Member& member) {
  Text t(out);
  t.line(0, member.position() + ":");
  std::visit(
      [&](const auto& object) {
        using T = std::decay_t<decltype(object)>;
        if constexpr (std::is_same_v<T, owned_x509>) {
          print_certificate(t, object.get());
        } else if constexpr (std::is_same_v<T, owned_request>) {
          print_request(t, object.get());
        } else {
          print_crl(t, object.get());
        }
      },
      member.object);
}

}  // namespace sslpp::cli
