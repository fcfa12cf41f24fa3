#include "support/cert_builder.hpp"
#include "support/owned.hpp"

#include <atomic>
#include <memory>
#include <stdexcept>

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace sslpp::test {

namespace {

// -- Owning handles: one unique_ptr per OpenSSL type, freed by its _free. ----

using X509Ptr = owned<X509, X509_free>;
using PKeyPtr = owned<EVP_PKEY, EVP_PKEY_free>;
using CrlPtr = owned<X509_CRL, X509_CRL_free>;
using ExtPtr = owned<X509_EXTENSION, X509_EXTENSION_free>;
using NamesPtr = owned<GENERAL_NAMES, GENERAL_NAMES_free>;
using NamePtr = owned<GENERAL_NAME, GENERAL_NAME_free>;
using ObjPtr = owned<ASN1_OBJECT, ASN1_OBJECT_free>;
using OctetsPtr = owned<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using Ia5Ptr = owned<ASN1_IA5STRING, ASN1_IA5STRING_free>;
using IntPtr = owned<ASN1_INTEGER, ASN1_INTEGER_free>;
using TimePtr = owned<ASN1_TIME, ASN1_TIME_free>;
using RevokedPtr = owned<X509_REVOKED, X509_REVOKED_free>;
using BioPtr = owned<BIO, BIO_free>;

// check throws, with OpenSSL's first queued reason, when a step failed: a
// builder that silently left an extension out would make a test prove
// nothing.
void check(bool ok, const std::string& what) {
  if (ok) {
    return;
  }
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  char reason[256] = "no OpenSSL error queued";
  if (e != 0) {
    ERR_error_string_n(e, reason, sizeof reason);
  }
  throw std::runtime_error("cert_builder: " + what + ": " + reason);
}

template <typename T>
T* checked(T* p, const std::string& what) {
  check(p != nullptr, what);
  return p;
}

PKeyPtr make_key(KeyKind kind) {
  switch (kind) {
    case KeyKind::ec_p256:
      return PKeyPtr(checked(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), "EC P-256 key"));
    case KeyKind::rsa2048:
      return PKeyPtr(checked(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}), "RSA-2048 key"));
    case KeyKind::rsa1024:
      return PKeyPtr(checked(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024}), "RSA-1024 key"));
  }
  throw std::logic_error("cert_builder: unknown KeyKind");
}

// message_digest is the legacy EVP_MD for `d`. X509_sign and X509_CRL_sign
// fetch the implementation from the default provider, which in OpenSSL 3.0
// still offers MD5 and SHA-1 for signing.
const EVP_MD* message_digest(Digest d) {
  switch (d) {
    case Digest::sha256:
      return EVP_sha256();
    case Digest::sha1:
      return EVP_sha1();
    case Digest::md5:
      return EVP_md5();
  }
  throw std::logic_error("cert_builder: unknown Digest");
}

void require_signable(Digest d, EVP_PKEY* key) {
  if (d == Digest::md5 && EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    throw std::invalid_argument("cert_builder: an MD5 signature needs an RSA issuer key (there is no ECDSA-with-MD5)");
  }
}

long next_serial() {
  // Distinct serials per process: a CRL revokes by serial, and two
  // certificates from one issuer with one serial would confuse the test.
  static std::atomic<long> serial{0x1000};
  return serial++;
}

// set_time sets `t` to now + `offset`.
void set_time(ASN1_TIME* t, std::chrono::seconds offset, const char* what) {
  check(X509_gmtime_adj(t, static_cast<long>(offset.count())) != nullptr, what);
}

// add_conf_ext adds one extension written in x509v3_config(5) syntax.
void add_conf_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  if (value.empty()) {
    return;
  }
  const std::string name = OBJ_nid2sn(nid);
  const ExtPtr ext(checked(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()), name + "=" + value));
  check(X509_add_ext(x, ext.get(), -1) == 1, "add " + name);
}

std::string basic_constraints(const CertSpec& spec) {
  switch (spec.basic) {
    case BasicConstraints::absent:
      return {};
    case BasicConstraints::end_entity:
      return "critical,CA:FALSE";
    case BasicConstraints::ca:
      return spec.path_len ? "critical,CA:TRUE,pathlen:" + std::to_string(*spec.path_len) : "critical,CA:TRUE";
  }
  return {};
}

// add_san builds subjectAltName by hand rather than from config text, which
// cannot carry a NUL byte and would parse "DNS:127.0.0.1" as intended.
void add_san(X509* x, const CertSpec& spec) {
  if (spec.dns_names.empty() && spec.ip_addresses.empty()) {
    return;
  }
  const NamesPtr names(checked(GENERAL_NAMES_new(), "GENERAL_NAMES_new"));
  for (const std::string& dns : spec.dns_names) {
    Ia5Ptr text(checked(ASN1_IA5STRING_new(), "ASN1_IA5STRING_new"));
    check(ASN1_STRING_set(text.get(), dns.data(), static_cast<int>(dns.size())) == 1, "dNSName bytes");
    NamePtr name(checked(GENERAL_NAME_new(), "GENERAL_NAME_new"));
    GENERAL_NAME_set0_value(name.get(), GEN_DNS, text.release());
    check(sk_GENERAL_NAME_push(names.get(), name.get()) > 0, "push dNSName");
    name.release();  // the stack owns it now
  }
  for (const std::string& ip : spec.ip_addresses) {
    unsigned char raw[16];
    const bool v6 = ip.find(':') != std::string::npos;
    check(inet_pton(v6 ? AF_INET6 : AF_INET, ip.c_str(), raw) == 1, "IP address text " + ip);
    OctetsPtr bytes(checked(ASN1_OCTET_STRING_new(), "ASN1_OCTET_STRING_new"));
    check(ASN1_OCTET_STRING_set(bytes.get(), raw, v6 ? 16 : 4) == 1, "iPAddress bytes");
    NamePtr name(checked(GENERAL_NAME_new(), "GENERAL_NAME_new"));
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, bytes.release());
    check(sk_GENERAL_NAME_push(names.get(), name.get()) > 0, "push iPAddress");
    name.release();
  }
  // Critical when the subject is empty, as RFC 5280 4.2.1.6 requires.
  check(X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), spec.common_name.empty() ? 1 : 0,
                          X509V3_ADD_DEFAULT) == 1,
        "add subjectAltName");
}

// add_unknown_critical adds a critical extension whose OID OpenSSL does not
// know; its value is an ASN.1 NULL, since only the OID and the flag matter.
void add_unknown_critical(X509* x, const std::string& oid) {
  if (oid.empty()) {
    return;
  }
  const ObjPtr obj(checked(OBJ_txt2obj(oid.c_str(), 1), "OID " + oid));
  const OctetsPtr value(checked(ASN1_OCTET_STRING_new(), "ASN1_OCTET_STRING_new"));
  static constexpr unsigned char asn1_null[] = {0x05, 0x00};
  check(ASN1_OCTET_STRING_set(value.get(), asn1_null, sizeof asn1_null) == 1, "extension value");
  const ExtPtr ext(checked(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 1, value.get()), "extension " + oid));
  check(X509_add_ext(x, ext.get(), -1) == 1, "add extension " + oid);
}

}  // namespace

CertSpec ca_spec(const std::string& common_name) {
  return {
      .common_name = common_name,
      .basic = BasicConstraints::ca,
      .key_usage = "critical,keyCertSign,cRLSign",
      .ext_key_usage = "",
  };
}

Issued issue(const CertSpec& spec, const Issued* issuer) {
  PKeyPtr key = make_key(spec.key);
  const X509Ptr x(checked(X509_new(), "X509_new"));
  check(X509_set_version(x.get(), X509_VERSION_3) == 1, "version");
  const long serial = next_serial();
  check(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial) == 1, "serial");
  set_time(X509_getm_notBefore(x.get()), spec.not_before, "notBefore");
  set_time(X509_getm_notAfter(x.get()), spec.not_after, "notAfter");

  X509_NAME* subject = X509_get_subject_name(x.get());
  if (!spec.common_name.empty()) {
    // An explicit length keeps a NUL byte; MBSTRING_UTF8 stores a UTF8String.
    check(X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(spec.common_name.data()),
                                     static_cast<int>(spec.common_name.size()), -1, 0) == 1,
          "subject CN");
  }
  X509* const issuer_cert = issuer != nullptr ? issuer->cert.native_handle() : x.get();
  EVP_PKEY* const signing_key = issuer != nullptr ? issuer->key.native_handle() : key.get();
  check(X509_set_issuer_name(x.get(), X509_get_subject_name(issuer_cert)) == 1, "issuer name");
  check(X509_set_pubkey(x.get(), key.get()) == 1, "public key");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, x.get(), nullptr, nullptr, 0);
  add_conf_ext(x.get(), &ctx, NID_basic_constraints, basic_constraints(spec));
  add_conf_ext(x.get(), &ctx, NID_key_usage, spec.key_usage);
  add_conf_ext(x.get(), &ctx, NID_ext_key_usage, spec.ext_key_usage);
  add_conf_ext(x.get(), &ctx, NID_name_constraints, spec.name_constraints);
  add_conf_ext(x.get(), &ctx, NID_info_access, spec.authority_info_access);
  if (spec.key_ids) {
    // SKID first: a self-signed certificate's AKID is copied from it.
    add_conf_ext(x.get(), &ctx, NID_subject_key_identifier, "hash");
    add_conf_ext(x.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  }
  add_san(x.get(), spec);
  add_unknown_critical(x.get(), spec.unknown_critical_oid);

  require_signable(spec.digest, signing_key);
  check(X509_sign(x.get(), signing_key, message_digest(spec.digest)) > 0, "sign");
  return {Certificate::from_native(x.get()), PrivateKey::from_native(key.get()), serial};
}

std::string issue_crl(const CrlSpec& spec, const Issued& issuer) {
  X509* const issuer_cert = issuer.cert.native_handle();
  EVP_PKEY* const key = issuer.key.native_handle();
  const CrlPtr crl(checked(X509_CRL_new(), "X509_CRL_new"));
  check(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1, "CRL version");
  check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer_cert)) == 1, "CRL issuer");

  const TimePtr this_update(checked(ASN1_TIME_new(), "ASN1_TIME_new"));
  const TimePtr next_update(checked(ASN1_TIME_new(), "ASN1_TIME_new"));
  set_time(this_update.get(), spec.this_update, "thisUpdate");
  set_time(next_update.get(), spec.next_update, "nextUpdate");
  check(X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) == 1, "CRL thisUpdate");
  check(X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) == 1, "CRL nextUpdate");

  for (const long serial : spec.revoked) {
    RevokedPtr entry(checked(X509_REVOKED_new(), "X509_REVOKED_new"));
    const IntPtr number(checked(ASN1_INTEGER_new(), "ASN1_INTEGER_new"));
    check(ASN1_INTEGER_set(number.get(), serial) == 1, "revoked serial");
    check(X509_REVOKED_set_serialNumber(entry.get(), number.get()) == 1, "revoked serial");
    check(X509_REVOKED_set_revocationDate(entry.get(), this_update.get()) == 1, "revocation date");
    check(X509_CRL_add0_revoked(crl.get(), entry.get()) == 1, "add revoked");
    entry.release();  // the CRL owns it now
  }
  check(X509_CRL_sort(crl.get()) == 1, "sort CRL");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, nullptr, nullptr, crl.get(), 0);
  const ExtPtr akid(checked(X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"),
                            "CRL authorityKeyIdentifier"));
  check(X509_CRL_add_ext(crl.get(), akid.get(), -1) == 1, "add CRL AKID");
  const IntPtr crl_number(checked(ASN1_INTEGER_new(), "ASN1_INTEGER_new"));
  check(ASN1_INTEGER_set(crl_number.get(), next_serial()) == 1, "cRLNumber");
  check(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, crl_number.get(), 0, X509V3_ADD_DEFAULT) == 1,
        "add cRLNumber");

  require_signable(spec.digest, key);
  check(X509_CRL_sign(crl.get(), key, message_digest(spec.digest)) > 0, "sign CRL");

  const BioPtr out(checked(BIO_new(BIO_s_mem()), "BIO_new"));
  check(PEM_write_bio_X509_CRL(out.get(), crl.get()) == 1, "CRL to PEM");
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace sslpp::test
