#include "pki.hpp"

#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "deterministic.hpp"

namespace sslpp_fuzz {
namespace {

// Fixed validity: two years either side of pinned_time, give or take.
constexpr const char* not_before = "20250101000000Z";
constexpr const char* not_after = "20280101000000Z";

template <typename T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using crl_ptr = std::unique_ptr<X509_CRL, deleter<X509_CRL, X509_CRL_free>>;

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("harness PKI: ") + what);
  }
}

sslpp::PrivateKey new_key() {
  EVP_PKEY* key = ::EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  check(key != nullptr, "EC key generation");
  sslpp::PrivateKey result = sslpp::PrivateKey::from_native(key);
  ::EVP_PKEY_free(key);  // from_native took its own reference
  return result;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = ::X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr && ::X509_add_ext(cert, ext, -1) == 1, "extension");
  ::X509_EXTENSION_free(ext);
}

struct spec {
  const char* common_name;
  long serial;
  bool ca;
  const char* san;  // nullptr for none
  const char* eku;  // nullptr for none
};

// issue signs `s` for `subject_key` with `issuer` (itself when null).
sslpp::Certificate issue(const spec& s, const sslpp::PrivateKey& subject_key, const credential* issuer) {
  x509_ptr cert(::X509_new());
  check(cert != nullptr, "X509_new");
  X509_NAME* name = ::X509_get_subject_name(cert.get());
  check(::X509_set_version(cert.get(), 2) == 1 && ::ASN1_INTEGER_set(::X509_get_serialNumber(cert.get()), s.serial) == 1 &&
            ::X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                         reinterpret_cast<const unsigned char*>("sslpp fuzz"), -1, -1, 0) == 1 &&
            ::X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                         reinterpret_cast<const unsigned char*>(s.common_name), -1, -1, 0) == 1,
        "subject");
  X509* issuer_cert = issuer != nullptr ? issuer->certificate.native_handle() : cert.get();
  check(::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(issuer_cert)) == 1 &&
            ::ASN1_TIME_set_string_X509(::X509_getm_notBefore(cert.get()), not_before) == 1 &&
            ::ASN1_TIME_set_string_X509(::X509_getm_notAfter(cert.get()), not_after) == 1 &&
            ::X509_set_pubkey(cert.get(), subject_key.native_handle()) == 1,
        "fields");
  add_extension(cert.get(), issuer_cert, NID_basic_constraints, s.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(cert.get(), issuer_cert, NID_key_usage,
                s.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) {
    add_extension(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid");
  }
  if (s.san != nullptr) {
    add_extension(cert.get(), issuer_cert, NID_subject_alt_name, s.san);
  }
  if (s.eku != nullptr) {
    add_extension(cert.get(), issuer_cert, NID_ext_key_usage, s.eku);
  }
  const sslpp::PrivateKey& signer = issuer != nullptr ? issuer->key : subject_key;
  check(::X509_sign(cert.get(), signer.native_handle(), ::EVP_sha256()) > 0, "signature");
  return sslpp::Certificate::from_native(cert.get());
}

credential make(const spec& s, const credential* issuer) {
  sslpp::PrivateKey key = new_key();
  sslpp::Certificate cert = issue(s, key, issuer);
  return credential{std::move(cert), std::move(key)};
}

std::string make_crl(const credential& ca, const sslpp::Certificate& revoked) {
  crl_ptr crl(::X509_CRL_new());
  check(crl != nullptr, "X509_CRL_new");
  ASN1_TIME* last = ::ASN1_TIME_new();
  ASN1_TIME* next = ::ASN1_TIME_new();
  X509_REVOKED* entry = ::X509_REVOKED_new();
  check(last != nullptr && next != nullptr && entry != nullptr &&
            ::ASN1_TIME_set_string_X509(last, not_before) == 1 && ::ASN1_TIME_set_string_X509(next, not_after) == 1 &&
            ::X509_CRL_set_version(crl.get(), 1) == 1 &&
            ::X509_CRL_set_issuer_name(crl.get(), ::X509_get_subject_name(ca.certificate.native_handle())) == 1 &&
            ::X509_CRL_set1_lastUpdate(crl.get(), last) == 1 && ::X509_CRL_set1_nextUpdate(crl.get(), next) == 1 &&
            ::X509_REVOKED_set_serialNumber(entry, ::X509_get_serialNumber(revoked.native_handle())) == 1 &&
            ::X509_REVOKED_set_revocationDate(entry, last) == 1 && ::X509_CRL_add0_revoked(crl.get(), entry) == 1,
        "CRL fields");
  ::ASN1_TIME_free(last);
  ::ASN1_TIME_free(next);
  check(::X509_CRL_sort(crl.get()) == 1 && ::X509_CRL_sign(crl.get(), ca.key.native_handle(), ::EVP_sha256()) > 0,
        "CRL signature");
  BIO* bio = ::BIO_new(::BIO_s_mem());
  check(bio != nullptr && ::PEM_write_bio_X509_CRL(bio, crl.get()) == 1, "CRL PEM");
  char* data = nullptr;
  const long n = ::BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(n));
  ::BIO_free(bio);
  return pem;
}

// make_ocsp is the root's OCSP response saying `cert` is good. sslpp
// checks a response's validity window against the real clock (OpenSSL's
// OCSP_check_validity has no time parameter), not pinned_time, so it runs
// until 2099: recordings that complete must go on completing.
std::vector<std::byte> make_ocsp(const credential& ca, const sslpp::Certificate& cert) {
  OCSP_CERTID* id = ::OCSP_cert_to_id(::EVP_sha1(), cert.native_handle(), ca.certificate.native_handle());
  OCSP_BASICRESP* basic = ::OCSP_BASICRESP_new();
  ASN1_TIME* this_update = ::ASN1_TIME_new();
  ASN1_TIME* next_update = ::ASN1_TIME_new();
  check(id != nullptr && basic != nullptr && this_update != nullptr && next_update != nullptr &&
            ::ASN1_TIME_set_string_X509(this_update, not_before) == 1 &&
            ::ASN1_TIME_set_string_X509(next_update, "20991231000000Z") == 1 &&
            ::OCSP_basic_add1_status(basic, id, V_OCSP_CERTSTATUS_GOOD, 0, nullptr, this_update, next_update) !=
                nullptr &&
            ::OCSP_basic_sign(basic, ca.certificate.native_handle(), ca.key.native_handle(), ::EVP_sha256(), nullptr,
                              OCSP_NOCERTS) == 1,
        "OCSP response");
  OCSP_RESPONSE* response = ::OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic);
  unsigned char* der = nullptr;
  const int n = response != nullptr ? ::i2d_OCSP_RESPONSE(response, &der) : -1;
  check(n > 0, "OCSP response DER");
  std::vector<std::byte> out(reinterpret_cast<std::byte*>(der), reinterpret_cast<std::byte*>(der) + n);
  ::OPENSSL_free(der);
  ::OCSP_RESPONSE_free(response);
  ::ASN1_TIME_free(this_update);
  ::ASN1_TIME_free(next_update);
  ::OCSP_BASICRESP_free(basic);
  ::OCSP_CERTID_free(id);
  return out;
}

test_pki build() {
  reset();
  credential root = make({"sslpp fuzz root", 1, true, nullptr, nullptr}, nullptr);
  credential server = make({"localhost", 2, false, "DNS:localhost,DNS:*.example.test,IP:127.0.0.1", "serverAuth"}, &root);
  credential other = make({"other.example.test", 3, false, "DNS:other.example.test", "serverAuth"}, &root);
  credential client = make({"fuzz client", 4, false, "email:client@example.test", "clientAuth"}, &root);
  credential revoked = make({"revoked.example.test", 5, false, "DNS:revoked.example.test", "serverAuth"}, &root);
  std::string crl = make_crl(root, revoked.certificate);
  std::string encrypted = server.key.pem(password);
  std::vector<std::byte> ocsp = make_ocsp(root, server.certificate);
  return test_pki{std::move(root),    std::move(server), std::move(other),     std::move(client),
                  std::move(revoked), std::move(crl),    std::move(encrypted), std::move(ocsp)};
}

}  // namespace

const test_pki& the_pki() {
  static const test_pki pki = build();
  return pki;
}

}  // namespace sslpp_fuzz
