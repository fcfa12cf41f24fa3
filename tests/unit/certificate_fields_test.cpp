// The parts of a certificate one at a time: Name, version, serial, validity,
// extensions, public key; and certificates and keys that are malformed or
// strange on purpose.
#include <sslpp/certificate.hpp>

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdint>
#include <climits>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "support/oracle.hpp"
#include "support/pki.hpp"

namespace sslpp {
namespace {

using namespace std::chrono_literals;
using test::pki;

using test::command_output;

std::string python_decode_json(const Certificate& cert, const std::string& name) {
  const auto path = pki().dir / (name + ".pem");
  test::write_text(path, cert.pem());
  return test::python_decode_json(path);
}

// RawCert builds a certificate field by field with OpenSSL, for shapes no
// well-behaved issuer produces. `cert` owns it.
struct RawCert {
  X509* raw = ::X509_new();
  Certificate cert = Certificate::from_native(raw);
  RawCert() {
    ::X509_free(raw);  // `cert` holds its own reference
    ::X509_set_version(raw, X509_VERSION_3);
    X509_NAME* name = ::X509_get_subject_name(raw);
    ::X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("raw"), -1, -1, 0);
    ::X509_set_issuer_name(raw, name);
    ::X509_gmtime_adj(::X509_getm_notBefore(raw), 0);
    ::X509_gmtime_adj(::X509_getm_notAfter(raw), 60);
    ::X509_set_pubkey(raw, pki().server.credential.key.native_handle());
  }
  // sign re-encodes the certificate, as a real issuer would have.
  const Certificate& sign() {
    EXPECT_GT(::X509_sign(raw, pki().server.credential.key.native_handle(), ::EVP_sha256()), 0);
    return cert;
  }
};

TEST(Name, EntriesNameEveryAttributeEveryWay) {
  const Certificate cert = Certificate::load(pki().server.cert);
  const Name subject = cert.subject();
  ASSERT_EQ(subject.size(), 1u);
  const NameEntry cn = subject.entries().at(0);
  EXPECT_EQ(cn.oid, "2.5.4.3");
  EXPECT_EQ(cn.short_name, "CN");
  EXPECT_EQ(cn.long_name, "commonName");
  EXPECT_EQ(cn.value, "localhost");
  EXPECT_EQ(subject.get("CN"), "localhost");
  EXPECT_EQ(subject.get("commonName"), "localhost");
  EXPECT_EQ(subject.get("2.5.4.3"), "localhost");
  EXPECT_EQ(subject.get("O"), std::nullopt);
  EXPECT_THROW((void)subject.get("noSuchAttribute"), ValueError);
  EXPECT_EQ(subject.to_string(), "CN=localhost");
  EXPECT_EQ(subject.oneline(), "/CN=localhost");
  EXPECT_EQ(subject.get_components(), (std::vector<std::pair<std::string, std::string>>{{"CN", "localhost"}}));
  EXPECT_EQ(subject.rdns(), cert.decode().subject);
  EXPECT_EQ(cert.issuer(), pki().ca.certificate().subject());
  EXPECT_NE(cert.subject(), cert.issuer());
  EXPECT_EQ(Name::from_der(subject.der()), subject);
  EXPECT_EQ(cert.issuer().hash(), ::X509_subject_name_hash(pki().ca.certificate().native_handle()));
}

TEST(Name, MultiValuedRdnsAndUnicodeKeepTheirShape) {
  X509_NAME* raw = ::X509_NAME_new();
  ASSERT_NE(raw, nullptr);
  const auto add = [raw](const char* field, const char* value, int set) {
    ASSERT_EQ(::X509_NAME_add_entry_by_txt(raw, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value), -1,
                                           -1, set),
              1);
  };
  add("C", "GB", 0);
  add("O", "Org", 0);
  add("OU", "Unit", -1);  // joins O's RDN
  add("CN", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", 0);
  const Name name = Name::from_native(raw);
  ::X509_NAME_free(raw);
  const auto entries = name.entries();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[1].rdn, entries[2].rdn);
  EXPECT_NE(entries[0].rdn, entries[1].rdn);
  const DistinguishedName dn = name.rdns();
  ASSERT_EQ(dn.size(), 3u);
  EXPECT_EQ(dn[1], (RDN{{"organizationName", "Org"}, {"organizationalUnitName", "Unit"}}));
  EXPECT_EQ(name.get("CN"), "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
  EXPECT_EQ(name.to_string(), "CN=caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac,OU=Unit+O=Org,C=GB");
}

TEST(Name, MalformedDerIsATypedError) {
  const std::byte junk[] = {std::byte{0x30}, std::byte{0x05}, std::byte{0x31}};
  EXPECT_THROW(Name::from_der(junk), SSLError);
  EXPECT_THROW(Name::from_der({}), SSLError);
}

TEST(Certificate, AccessorsAgreeWithTheDecodedForm) {
  const Certificate cert = Certificate::load(pki().server.cert);
  const CertInfo info = cert.decode();
  EXPECT_EQ(cert.version(), 3);
  EXPECT_EQ(cert.serial_number(), info.serialNumber);
  const auto now = std::chrono::system_clock::now();
  EXPECT_LT(cert.not_before(), now);
  EXPECT_GT(cert.not_after(), now);
  EXPECT_FALSE(cert.has_expired());
  EXPECT_TRUE(Certificate::load(pki().expired.cert).has_expired());
  // The validity Python prints and the one we return are the same instant.
  EXPECT_EQ(cert.not_before().time_since_epoch().count(),
            std::stol(command_output(std::string(SSLPP_PYTHON3) + " -c 'import ssl, sys; print(ssl.cert_time_to_seconds(sys.argv[1]))' '" +
                          info.notBefore + "'")));
  EXPECT_EQ(cert.signature_algorithm(), "ecdsa-with-SHA256");
}

// with_version rewrites a v3 certificate's version field ([0] INTEGER 2) as
// an 8-byte INTEGER (so `version` must need all 8: DER refuses leading
// zeros), fixing the two enclosing lengths (both long-form, two
// bytes, in the test PKI's certificates). The signature no longer matches,
// which parsing does not check.
std::vector<std::byte> with_version(std::vector<std::byte> der, std::uint64_t version) {
  const std::array<std::byte, 5> v3{std::byte{0xa0}, std::byte{0x03}, std::byte{0x02}, std::byte{0x01},
                                    std::byte{0x02}};
  const auto at = std::search(der.begin(), der.end(), v3.begin(), v3.end());
  EXPECT_NE(at, der.end());
  std::vector<std::byte> field{std::byte{0xa0}, std::byte{0x0a}, std::byte{0x02}, std::byte{0x08}};
  for (int shift = 56; shift >= 0; shift -= 8) {
    field.push_back(static_cast<std::byte>((version >> shift) & 0xff));
  }
  const std::size_t grow = field.size() - v3.size();
  const auto pos = static_cast<std::size_t>(at - der.begin());
  const auto first = der.begin() + static_cast<std::ptrdiff_t>(pos);
  der.insert(der.erase(first, first + static_cast<std::ptrdiff_t>(v3.size())), field.begin(), field.end());
  for (const std::size_t len_at : {std::size_t{2}, std::size_t{6}}) {  // Certificate, then tbsCertificate
    EXPECT_EQ(der[len_at - 1], std::byte{0x82});
    const std::size_t len =
        (std::to_integer<std::size_t>(der[len_at]) << 8) + std::to_integer<std::size_t>(der[len_at + 1]) + grow;
    der[len_at] = static_cast<std::byte>(len >> 8);
    der[len_at + 1] = static_cast<std::byte>(len & 0xff);
  }
  return der;
}

// A certificate whose version field is huge (a fuzzer's find) reports it
// without overflowing, and decodes.
TEST(Certificate, HugeVersionFieldSaturates) {
  const std::vector<std::byte> der = pki().server.credential.certificate.der();
  const Certificate huge = Certificate::from_der(with_version(der, 0x7fffffffffffffffULL));
  EXPECT_EQ(huge.version(), LONG_MAX);
  EXPECT_EQ(huge.decode().version, LONG_MAX);
  // One below: the usual +1.
  EXPECT_EQ(Certificate::from_der(with_version(der, 0x7ffffffffffffffeULL)).version(), LONG_MAX);
}

TEST(Certificate, ExtensionsAreListedWithTheirText) {
  const Certificate cert = Certificate::load(pki().server.cert);
  const auto exts = cert.extensions();
  const auto san = std::find_if(exts.begin(), exts.end(), [](const Extension& e) { return e.short_name == "subjectAltName"; });
  ASSERT_NE(san, exts.end());
  EXPECT_EQ(san->oid, "2.5.29.17");
  EXPECT_FALSE(san->critical);
  EXPECT_NE(san->text.find("DNS:localhost"), std::string::npos) << san->text;
  EXPECT_NE(san->text.find("IP Address:127.0.0.1"), std::string::npos) << san->text;
  EXPECT_FALSE(san->value.empty());
  EXPECT_EQ(static_cast<unsigned char>(san->value.front()), 0x30);  // the GeneralNames SEQUENCE

  RawCert raw;
  ASN1_OBJECT* obj = ::OBJ_txt2obj("1.2.3.4.5", 1);
  ASN1_OCTET_STRING* data = ::ASN1_OCTET_STRING_new();
  ::ASN1_OCTET_STRING_set(data, reinterpret_cast<const unsigned char*>("\x04\x02hi"), 4);
  X509_EXTENSION* ext = ::X509_EXTENSION_create_by_OBJ(nullptr, obj, 1, data);
  ::X509_add_ext(raw.raw, ext, -1);
  ::X509_EXTENSION_free(ext);
  ::ASN1_OCTET_STRING_free(data);
  ::ASN1_OBJECT_free(obj);
  const auto raw_exts = raw.sign().extensions();
  ASSERT_EQ(raw_exts.size(), 1u);
  EXPECT_EQ(raw_exts[0].oid, "1.2.3.4.5");
  EXPECT_EQ(raw_exts[0].short_name, "1.2.3.4.5");
  EXPECT_TRUE(raw_exts[0].critical);
  EXPECT_EQ(raw_exts[0].value.size(), 4u);
  EXPECT_FALSE(raw_exts[0].text.empty());
}

TEST(PublicKey, CertificateKeyMatchesTheCredentialKey) {
  const Certificate cert = Certificate::load(pki().server_rsa.cert);
  const PublicKey pub = cert.public_key();
  EXPECT_EQ(pub.type_name(), "RSA");
  EXPECT_EQ(pub.bits(), 2048);
  EXPECT_EQ(pub, pki().server_rsa.credential.key.public_key());
  EXPECT_FALSE(pub == pki().server.credential.key.public_key());
  const std::string pem = pub.pem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PUBLIC KEY-----\n")) << pem;
  EXPECT_EQ(PublicKey::from_pem(pem), pub);
  EXPECT_EQ(PublicKey::from_der(pub.der()), pub);
  // A public key never carries the private half.
  EXPECT_THROW(PrivateKey::from_pem(pem), SSLError);
}

TEST(Certificate, AbsurdDatesDecodeFaithfully) {
  RawCert raw;
  ASSERT_EQ(::ASN1_TIME_set_string(::X509_getm_notBefore(raw.raw), "500101000000Z"), 1);     // UTCTime's first year
  ASSERT_EQ(::ASN1_TIME_set_string(::X509_getm_notAfter(raw.raw), "99991231235959Z"), 1);  // GeneralizedTime's last
  const Certificate& cert = raw.sign();
  EXPECT_EQ(cert.decode().to_json(), python_decode_json(cert, "absurd-dates"));
  EXPECT_EQ(cert.not_before().time_since_epoch(), -631152000s);
  EXPECT_EQ(cert.not_after().time_since_epoch(), 253402300799s);
  EXPECT_FALSE(cert.has_expired());

  RawCert inverted;  // notAfter before notBefore: decoded as it is, not "fixed"
  ::X509_gmtime_adj(::X509_getm_notBefore(inverted.raw), 3600);
  ::X509_gmtime_adj(::X509_getm_notAfter(inverted.raw), -3600);
  const Certificate& inv = inverted.sign();
  EXPECT_GT(inv.not_before(), inv.not_after());
  EXPECT_EQ(inv.decode().to_json(), python_decode_json(inv, "inverted-dates"));
}

TEST(Certificate, MalformedTimeIsATypedErrorNotAWrongDate) {
  RawCert raw;
  // A UTCTime whose content is not a time at all.
  ASSERT_EQ(::ASN1_STRING_set(::X509_getm_notAfter(raw.raw), "2x01010000Z", 11), 1);
  const Certificate& cert = raw.sign();
  EXPECT_THROW((void)cert.not_after(), SSLError);
  EXPECT_THROW((void)cert.has_expired(), SSLError);
  // decode() prints what OpenSSL prints, as Python does.
  EXPECT_EQ(cert.decode().to_json(), python_decode_json(cert, "malformed-time"));
}

TEST(Certificate, WrongPemLabelsAndTruncationsAreTypedErrors) {
  const std::string pem = pki().server.credential.certificate.pem();
  std::string relabelled = pem;
  relabelled.replace(relabelled.find("CERTIFICATE"), 11, "X509 CRL");
  relabelled.replace(relabelled.rfind("CERTIFICATE"), 11, "X509 CRL");
  EXPECT_THROW(Certificate::from_pem(relabelled), SSLError);
  EXPECT_THROW(Certificate::from_pem(pki().server.credential.key.pem()), SSLError);
  EXPECT_THROW(PrivateKey::from_pem(pem), SSLError);  // a certificate is no key
  EXPECT_THROW(PublicKey::from_pem(pem), SSLError);

  const auto der = pki().server.credential.certificate.der();
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, der.size() / 2, der.size() - 1}) {
    EXPECT_THROW(Certificate::from_der(std::span(der).first(n)), SSLError) << n;
  }
  auto flipped = der;
  flipped[der.size() / 3] ^= std::byte{0xff};
  // A flipped byte either breaks the DER or changes a field; it must not crash.
  try {
    (void)Certificate::from_der(flipped).decode();
  } catch (const SSLError&) {
  }

  const auto key_der = PrivateKey::from_pem(pki().server_rsa.credential.key.pem()).public_key().der();
  for (std::size_t n : {std::size_t{0}, key_der.size() / 2, key_der.size() - 1}) {
    EXPECT_THROW(PublicKey::from_der(std::span(key_der).first(n)), SSLError) << n;
  }
  EXPECT_THROW(PrivateKey::from_der(std::span(key_der).first(key_der.size() / 2)), SSLError);
}

TEST(Certificate, EmptyFilesAndDirectoriesAreTypedErrors) {
  const auto empty = pki().dir / "empty.pem";
  test::write_text(empty, "");
  EXPECT_THROW(Certificate::load(empty), SSLError);
  EXPECT_THROW(Certificate::load(empty, FILETYPE_ASN1), SSLError);
  EXPECT_THROW(PrivateKey::load(empty), SSLError);
  EXPECT_THROW(PrivateKey::load(pki().dir), OSError);
  EXPECT_THROW(Certificate::load(pki().dir, FILETYPE_ASN1), OSError);
}

}  // namespace
}  // namespace sslpp
