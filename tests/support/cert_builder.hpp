// Test certificates built on the raw OpenSSL API, field by field, for the
// tests that need a defect no real CA would issue (an expired intermediate, a
// NUL byte in a name, an MD5 signature, a CA without keyCertSign, a revoked
// serial): sslpp's CertificateAuthority only issues well-formed certificates,
// on purpose. Everything is made in memory when the tests run.
//
//     const Issued root = issue(ca_spec("root"));
//     const Issued leaf = issue({.common_name = "localhost", .dns_names = {"localhost"}}, &root);
//     const std::string crl = issue_crl({.revoked = {leaf.serial}}, root);
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sslpp/certificate.hpp>
#include <sslpp/keys.hpp>

namespace sslpp::test {

// KeyKind is the subject's key: P-256 is the default because it is fast to
// generate; RSA-1024 is below security level 2 (112 bits).
enum class KeyKind { ec_p256, rsa2048, rsa1024 };

// Digest is what the issuer signs with. OpenSSL 3.0's default provider still
// signs with SHA-1 and MD5 (only verification applies the security level),
// but there is no ECDSA-with-MD5 algorithm: an MD5 signature needs an RSA
// issuer key, and issue() throws for an EC one.
enum class Digest { sha256, sha1, md5 };

// BasicConstraints is the extension's form: absent, CA:FALSE or CA:TRUE
// (with CertSpec::path_len), always critical when present.
enum class BasicConstraints { absent, end_entity, ca };

// CertSpec describes one certificate; the defaults are a well-formed
// TLS server leaf valid from an hour ago for thirty days. Every member has a
// default, so designated initialisers name only what they change.
struct CertSpec {
  // common_name is the subject CN, raw bytes (a NUL byte is kept); empty:
  // an empty subject.
  std::string common_name{};
  // dns_names are dNSName SANs, raw bytes: a NUL byte or an IP literal is
  // written as given, which is the point of some tests.
  std::vector<std::string> dns_names{};
  // ip_addresses are iPAddress SANs in text form ("127.0.0.1", "::1").
  std::vector<std::string> ip_addresses{};
  // not_before / not_after are offsets from now.
  std::chrono::seconds not_before = std::chrono::hours(-1);
  std::chrono::seconds not_after = std::chrono::hours(24 * 30);
  KeyKind key = KeyKind::ec_p256;
  Digest digest = Digest::sha256;
  BasicConstraints basic = BasicConstraints::end_entity;
  // path_len is the pathLenConstraint of a CA:TRUE certificate.
  std::optional<int> path_len{};
  // key_usage, ext_key_usage and name_constraints are in OpenSSL's
  // configuration syntax (x509v3_config(5)), so a spec reads like an
  // openssl.cnf section; empty: no such extension.
  std::string key_usage = "critical,digitalSignature";
  std::string ext_key_usage = "serverAuth";
  std::string name_constraints{};  // e.g. "critical,permitted;DNS:example.test"
  // authority_info_access is where the issuer is published, e.g.
  // "caIssuers;URI:http://ca.example.test/issuing.der"; empty: none.
  std::string authority_info_access{};
  // unknown_critical_oid, when set, adds a critical extension under this
  // OID (one OpenSSL does not know, e.g. from a private arc), value NULL.
  std::string unknown_critical_oid{};
  // key_ids adds subjectKeyIdentifier and authorityKeyIdentifier, which
  // X509_STRICT requires of every certificate but a root's AKID.
  bool key_ids = true;
};

// ca_spec is a well-formed CA: CA:TRUE, keyCertSign and cRLSign (cRLSign
// because X509_STRICT wants it of a CRL's issuer), no extendedKeyUsage.
CertSpec ca_spec(const std::string& common_name);

// Issued is a certificate with its private key and serial number.
struct Issued {
  Certificate cert;
  PrivateKey key;
  long serial = 0;
};

// issue builds `spec` and signs it with `issuer`'s key, or self-signs it
// when `issuer` is null. Serial numbers are unique within the process.
// Throws std::runtime_error with OpenSSL's reason when a step fails.
Issued issue(const CertSpec& spec, const Issued* issuer = nullptr);

// CrlSpec describes a CRL (v2, with AKID and cRLNumber, as RFC 5280 asks).
struct CrlSpec {
  std::vector<long> revoked{};  // serial numbers
  std::chrono::seconds this_update = std::chrono::hours(-1);
  std::chrono::seconds next_update = std::chrono::hours(24 * 7);
  Digest digest = Digest::sha256;
};

// issue_crl is `issuer`'s CRL for `spec`, as PEM.
std::string issue_crl(const CrlSpec& spec, const Issued& issuer);

}  // namespace sslpp::test
