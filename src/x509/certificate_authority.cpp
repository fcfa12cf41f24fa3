#include <sslpp/certificate_authority.hpp>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "internal/error_queue.hpp"
#include "internal/handle.hpp"

namespace sslpp {

namespace {

using detail::unique_handle;

void check(int ok, const char* what) {
  if (ok != 1) {
    detail::throw_openssl_error(what);
  }
}

unique_handle<EVP_PKEY> generate_key(KeyType type) {
  detail::clear_stale_errors();
  unique_handle<EVP_PKEY> key(type == KeyType::rsa2048 ? ::EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                                       : ::EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    detail::throw_openssl_error("key generation");
  }
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  ::X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  unique_handle<X509_EXTENSION> ext(::X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) {
    detail::throw_openssl_error("certificate extension");
  }
  check(::X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

std::string join_alt_names(const CertificateRequest& r) {
  std::string out;
  for (const auto& dns : r.dns_names) {
    out += (out.empty() ? "DNS:" : ",DNS:") + dns;
  }
  for (const auto& ip : r.ip_addresses) {
    out += (out.empty() ? "IP:" : ",IP:") + ip;
  }
  return out;
}

// make_certificate builds and signs one certificate. With `issuer` null it
// is self-signed by `key`.
Credential make_certificate(const CertificateRequest& r, const Credential* issuer) {
  unique_handle<EVP_PKEY> key = generate_key(r.key_type);
  unique_handle<X509> cert(::X509_new());
  if (!cert) {
    detail::throw_openssl_error("X509_new");
  }
  check(::X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");

  // A random positive 127-bit serial, so two runs never collide.
  unsigned char serial_bytes[16];
  check(::RAND_bytes(serial_bytes, sizeof serial_bytes), "RAND_bytes");
  serial_bytes[0] &= 0x7F;
  unique_handle<BIGNUM> bn(::BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!bn || ::BN_to_ASN1_INTEGER(bn.get(), ::X509_get_serialNumber(cert.get())) == nullptr) {
    detail::throw_openssl_error("serial number");
  }

  X509_NAME* name = ::X509_get_subject_name(cert.get());
  if (!r.common_name.empty()) {
    check(::X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(r.common_name.c_str()), -1, -1, 0),
          "X509_NAME_add_entry_by_txt");
  }
  X509* issuer_cert = issuer != nullptr ? issuer->certificate.native_handle() : cert.get();
  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.native_handle() : key.get();
  check(::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(issuer_cert)), "X509_set_issuer_name");
  if (::X509_gmtime_adj(::X509_getm_notBefore(cert.get()), static_cast<long>(r.not_before_offset.count())) == nullptr ||
      ::X509_gmtime_adj(::X509_getm_notAfter(cert.get()), static_cast<long>(r.not_after_offset.count())) == nullptr) {
    detail::throw_openssl_error("validity");
  }
  check(::X509_set_pubkey(cert.get(), key.get()), "X509_set_pubkey");

  add_extension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) {
    add_extension(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
  }
  if (r.is_ca) {
    add_extension(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), issuer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_extension(cert.get(), issuer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  if (const std::string alt = join_alt_names(r); !alt.empty()) {
    add_extension(cert.get(), issuer_cert, NID_subject_alt_name, alt);
  }
  if (::X509_sign(cert.get(), signing_key, ::EVP_sha256()) == 0) {
    detail::throw_openssl_error("X509_sign");
  }
  return Credential{Certificate::from_native(cert.get()), PrivateKey::from_native(key.get())};
}

}  // namespace

CertificateAuthority CertificateAuthority::create(const std::string& common_name, KeyType key_type) {
  CertificateRequest r;
  r.common_name = common_name;
  r.is_ca = true;
  r.key_type = key_type;
  r.not_after_offset = std::chrono::hours(24 * 365);
  return CertificateAuthority(make_certificate(r, nullptr));
}

Credential CertificateAuthority::self_signed(const CertificateRequest& request) {
  return make_certificate(request, nullptr);
}

std::string CertificateAuthority::crl_pem(const std::vector<Certificate>& revoked, std::chrono::seconds validity) const {
  unique_handle<X509_CRL> crl(::X509_CRL_new());
  if (!crl) {
    detail::throw_openssl_error("X509_CRL_new");
  }
  X509* issuer = root_.certificate.native_handle();
  check(::X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2), "X509_CRL_set_version");
  check(::X509_CRL_set_issuer_name(crl.get(), ::X509_get_subject_name(issuer)), "X509_CRL_set_issuer_name");
  unique_handle<ASN1_TIME> now(::X509_gmtime_adj(nullptr, 0));
  unique_handle<ASN1_TIME> next(::X509_gmtime_adj(nullptr, static_cast<long>(validity.count())));
  if (!now || !next) {
    detail::throw_openssl_error("X509_gmtime_adj");
  }
  check(::X509_CRL_set1_lastUpdate(crl.get(), now.get()), "X509_CRL_set1_lastUpdate");
  check(::X509_CRL_set1_nextUpdate(crl.get(), next.get()), "X509_CRL_set1_nextUpdate");
  for (const Certificate& cert : revoked) {
    X509_REVOKED* entry = ::X509_REVOKED_new();
    if (entry == nullptr || ::X509_REVOKED_set_serialNumber(entry, ::X509_get_serialNumber(cert.native_handle())) != 1 ||
        ::X509_REVOKED_set_revocationDate(entry, now.get()) != 1) {
      ::X509_REVOKED_free(entry);
      detail::throw_openssl_error("X509_REVOKED");
    }
    // X509_CRL_add0_revoked takes ownership of the entry.
    if (::X509_CRL_add0_revoked(crl.get(), entry) != 1) {
      ::X509_REVOKED_free(entry);
      detail::throw_openssl_error("X509_CRL_add0_revoked");
    }
  }
  ::X509_CRL_sort(crl.get());
  if (::X509_CRL_sign(crl.get(), root_.key.native_handle(), ::EVP_sha256()) == 0) {
    detail::throw_openssl_error("X509_CRL_sign");
  }
  unique_handle<BIO> bio(::BIO_new(::BIO_s_mem()));
  if (!bio || ::PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1) {
    detail::throw_openssl_error("PEM_write_bio_X509_CRL");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Credential CertificateAuthority::issue(const CertificateRequest& request) const {
  return make_certificate(request, &root_);
}

}  // namespace sslpp
