#include <sslpp/certificate.hpp>

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "support/oracle.hpp"
#include "support/pki.hpp"

namespace sslpp {
namespace {

using test::pki;

using test::python_decode_json;
using test::command_output;

TEST(Certificate, DecodeMatchesPython) {
  for (const auto* c : {&pki().server, &pki().client, &pki().wrong_name, &pki().server_rsa}) {
    const std::string expected = python_decode_json(c->cert);
    EXPECT_EQ(c->credential.certificate.decode().to_json(), expected) << c->cert;
  }
}

TEST(Certificate, PemAndDerRoundTrip) {
  const Certificate& cert = pki().server.credential.certificate;
  const auto der = cert.der();
  EXPECT_EQ(Certificate::from_der(der), cert);
  EXPECT_EQ(Certificate::from_pem(cert.pem()), cert);
  EXPECT_EQ(PEM_cert_to_DER_cert(DER_cert_to_PEM_cert(der)), der);
  EXPECT_EQ(DER_cert_to_PEM_cert(der), cert.pem());
  EXPECT_EQ(Certificate::load(pki().server.cert), cert);
  EXPECT_EQ(cert.sha256_fingerprint().size(), 64u);
  EXPECT_EQ(cert.subject_name(), "CN=localhost");
  EXPECT_EQ(cert.issuer_name(), "CN=sslpp test CA");
}

TEST(Certificate, DerToPemMatchesPython) {
  const std::string expected = command_output(std::string(SSLPP_PYTHON3) +
                                   " -c 'import ssl, sys; sys.stdout.write(ssl.DER_cert_to_PEM_cert("
                                   "ssl.PEM_cert_to_DER_cert(open(sys.argv[1]).read())))' " +
                                   pki().server.cert.string());
  EXPECT_EQ(DER_cert_to_PEM_cert(pki().server.credential.certificate.der()), expected + "\n");
}

TEST(Certificate, BadInputIsATypedError) {
  EXPECT_THROW(Certificate::from_pem("not a certificate"), SSLError);
  EXPECT_THROW(Certificate::from_pem(""), SSLError);
  const std::string pem = pki().server.credential.certificate.pem();
  EXPECT_THROW(Certificate::from_pem(pem.substr(0, pem.size() / 2)), SSLError);
  const std::byte junk[] = {std::byte{0x30}, std::byte{0x82}, std::byte{0xff}};
  EXPECT_THROW(Certificate::from_der(junk), SSLError);
  EXPECT_THROW(Certificate::load("/nonexistent/cert.pem"), OSError);
  EXPECT_THROW(Certificate::load("/tmp"), OSError);
  EXPECT_THROW(Certificate::load(pki().server.key), SSLError);  // a PEM with no certificate
  EXPECT_THROW(PEM_cert_to_DER_cert("garbage"), ValueError);
}

TEST(PrivateKey, LoadsWithAndWithoutPassword) {
  const PrivateKey key = PrivateKey::load(pki().encrypted_key, FILETYPE_PEM, pki().key_password);
  EXPECT_EQ(key.type_name(), "EC");
  EXPECT_EQ(key.bits(), 256);
  EXPECT_EQ(PrivateKey::load(pki().server_rsa.key).bits(), 2048);
  EXPECT_THROW(PrivateKey::load(pki().encrypted_key, FILETYPE_PEM, "wrong"), SSLError);
  EXPECT_THROW(PrivateKey::load(pki().encrypted_key), SSLError);
  EXPECT_THROW(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), SSLError);
}

TEST(Certificate, LongUnregisteredOidIsDecodedWhole) {
  // A subject attribute whose OID text is far longer than any fixed buffer.
  std::string oid = "1.3.6.1.4.1";
  for (int i = 0; i < 60; ++i) {
    oid += ".123456";
  }
  X509* raw = ::X509_new();
  ASSERT_NE(raw, nullptr);
  const Certificate holder = Certificate::from_native(raw);
  ::X509_free(raw);  // `holder` keeps its own reference
  ::X509_set_version(raw, X509_VERSION_3);
  ASN1_OBJECT* obj = ::OBJ_txt2obj(oid.c_str(), 1);
  ASSERT_NE(obj, nullptr);
  X509_NAME* name = ::X509_get_subject_name(raw);
  ASSERT_EQ(::X509_NAME_add_entry_by_OBJ(name, obj, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("v"), -1,
                                         -1, 0),
            1);
  ::ASN1_OBJECT_free(obj);
  ::X509_set_issuer_name(raw, name);
  ::X509_gmtime_adj(::X509_getm_notBefore(raw), 0);
  ::X509_gmtime_adj(::X509_getm_notAfter(raw), 60);
  const PrivateKey& key = pki().server.credential.key;
  ::X509_set_pubkey(raw, key.native_handle());
  ASSERT_GT(::X509_sign(raw, key.native_handle(), ::EVP_sha256()), 0);
  const CertInfo info = holder.decode();
  ASSERT_EQ(info.subject.size(), 1u);
  EXPECT_EQ(info.subject[0][0], (NameAttribute{oid, "v"}));
}

TEST(Certificate, EncryptedCertificateBlockFailsWithoutPrompting) {
  const std::string pem =
      "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"
      "AAAAAAAAAAAAAAAAAAAAAA==\n-----END CERTIFICATE-----\n";
  EXPECT_THROW(Certificate::from_pem(pem), SSLError);
}

TEST(Certificate, PemToDerDecidesLikePython) {
  const std::string header = "-----BEGIN CERTIFICATE-----\n";
  const std::string footer = "\n-----END CERTIFICATE-----\n";
  const std::vector<std::string> bodies = {"AAAA", "AA==", "AA==AAAA", "AA=A", "A===", "====", "A", "AAA", "QUJD\nREVG",
                                           "  QU JD  ", "QUJD!!", ""};
  for (const auto& body : bodies) {
    const std::string pem = header + body + footer;
    const std::string python = command_output(std::string(SSLPP_PYTHON3) +
                                   " -c 'import ssl, sys\ntry:\n print(ssl.PEM_cert_to_DER_cert(sys.argv[1]).hex())\n"
                                   "except ValueError:\n print(\"ValueError\")' '" +
                                   pem + "'");
    std::string ours;
    try {
      static constexpr char hex[] = "0123456789abcdef";
      for (const std::byte b : PEM_cert_to_DER_cert(pem)) {
        ours += hex[std::to_integer<int>(b) >> 4];
        ours += hex[std::to_integer<int>(b) & 0xF];
      }
    } catch (const ValueError&) {
      ours = "ValueError";
    }
    EXPECT_EQ(ours, python) << "body: " << body;
  }
  EXPECT_THROW(PEM_cert_to_DER_cert(" " + header + "AAAA" + footer), ValueError);  // leading space, as Python
}

// A certificate with every kind of name and extension Python decodes: all
// SAN kinds, AIA, CRL distribution points, UTF-8 and BMP strings, a long serial.
constexpr const char* kEverythingConfig =
    "[req]\n"
    "distinguished_name = dn\n"
    "prompt = no\n"
    "string_mask = default\n"
    "x509_extensions = ext\n"
    "[dn]\n"
    "C = GB\n"
    "ST = Nörth\n"
    "L = 日本\n"
    "O = sslpp\n"
    "1.OU = one\n"
    "2.OU = two\n"
    "CN = everything.example\n"
    "emailAddress = admin@example.com\n"
    "[ext]\n"
    "subjectAltName = @san\n"
    "authorityInfoAccess = OCSP;URI:http://ocsp.example/,caIssuers;URI:http://ca.example/ca.der\n"
    "crlDistributionPoints = URI:http://crl.example/a.crl,URI:http://crl.example/b.crl\n"
    "[san]\n"
    "DNS.1 = everything.example\n"
    "DNS.2 = *.wild.example\n"
    "IP.1 = 192.0.2.1\n"
    "IP.2 = 2001:db8::1\n"
    "email.1 = someone@example.com\n"
    "URI.1 = https://uri.example/path\n"
    "RID.1 = 1.2.3.4.5\n"
    "dirName.1 = dir_sect\n"
    "otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:upn@example.com\n"
    "[dir_sect]\n"
    "C = US\n"
    "O = Dir Org\n"
    "CN = Dir Name\n"
    "";

std::filesystem::path decode_dir() {
  const auto dir = pki().dir / "decode";
  std::filesystem::create_directories(dir);
  return dir;
}

// openssl_cert makes a self-signed certificate NAME.pem with `openssl req
// -x509 ARGS` and returns its path.
std::filesystem::path openssl_cert(const std::string& name, const std::string& args) {
  const auto dir = decode_dir();
  const auto pem = dir / (name + ".pem");
  const std::string cmd = std::string(SSLPP_OPENSSL) +
                          " req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 " + args +
                          " -keyout " + (dir / (name + "-key.pem")).string() + " -out " + pem.string() +
                          " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return pem;
}

// GeneralNames{dNSName "bad\0.example", rfc822Name "a\0b@x.example"}: the
// bytes after a NUL must survive (a C-string API would cut them off).
constexpr const char* kNulSan = "-subj '/CN=nul' -addext "
                                "'subjectAltName=DER:301d820c626164002e6578616d706c65810d61006240782e6578616d706c65'";

TEST(Certificate, DecodeMatchesPythonOnEveryKindOfField) {
  const auto dir = decode_dir();
  test::write_text(dir / "everything.cnf", kEverythingConfig);
  struct Case {
    const char* name;
    std::string args;
  };
  const std::vector<Case> cases = {
      {"nul-in-san", kNulSan},
      {"ca-issuers-only", "-subj '/CN=aia' -addext 'authorityInfoAccess=caIssuers;URI:http://ca.example/ca.der'"},
      {"ocsp-only", "-subj '/CN=ocsp' -addext 'authorityInfoAccess=OCSP;URI:http://ocsp.example/'"},
      {"empty-subject", "-subj '/' -addext 'subjectAltName=DNS:only-san.example'"},
      {"everything", "-utf8 -config " + (dir / "everything.cnf").string() +
                         " -set_serial 0x00c0ffee0102030405060708090a0b0c0d0e0f10"},
      {"multivalued", "-subj '/C=US/O=Org+OU=Unit+CN=multi' -multivalue-rdn"},
      {"negative-serial", "-subj '/CN=neg' -set_serial -0x1234"},
      {"no-extensions", "-subj '/CN=bare' -addext basicConstraints=CA:FALSE"},
      {"unknown-oid", "-subj '/CN=oid/1.2.3.4.5.6.7=custom value'"},
  };
  for (const auto& c : cases) {
    const auto pem = openssl_cert(c.name, c.args);
    const std::string expected = python_decode_json(pem);
    EXPECT_EQ(Certificate::load(pem).decode().to_json(), expected) << c.name;
  }
  // A version 1 certificate (no extensions at all): signed from a request,
  // since `req -x509` always writes version 3.
  const auto csr = dir / "v1.csr";
  const auto key = dir / "v1-key.pem";
  const auto v1 = dir / "v1.pem";
  const std::string cmd = std::string(SSLPP_OPENSSL) +
                          " req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=v1 -keyout " +
                          key.string() + " -out " + csr.string() + " >/dev/null 2>&1 && " + SSLPP_OPENSSL +
                          " x509 -req -days 3 -in " + csr.string() + " -signkey " + key.string() + " -out " +
                          v1.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const Certificate cert = Certificate::load(v1);
  EXPECT_EQ(cert.version(), 1);
  EXPECT_TRUE(cert.extensions().empty());
  const std::string expected = python_decode_json(v1);
  EXPECT_EQ(cert.decode().to_json(), expected);
}

TEST(Certificate, EmbeddedNulInSanIsKept) {
  const CertInfo info = Certificate::load(openssl_cert("nul-in-san", kNulSan)).decode();
  ASSERT_TRUE(info.subjectAltName.has_value());
  ASSERT_EQ(info.subjectAltName->size(), 2u);
  EXPECT_EQ((*info.subjectAltName)[0].value, std::string_view("bad\0.example", 12));
  EXPECT_EQ((*info.subjectAltName)[1].value, std::string_view("a\0b@x.example", 13));
}

TEST(Certificate, JsonKeepsEveryByteAndStaysValid) {
  EXPECT_EQ(json_quote("plain"), "\"plain\"");
  EXPECT_EQ(json_quote("q\"b\\n\n\t"), "\"q\\\"b\\\\n\\n\\t\"");
  EXPECT_EQ(json_quote(std::string_view("nul\0byte", 8)), "\"nul\\u0000byte\"");
  EXPECT_EQ(json_quote("\x7f"), "\"\x7f\"");                    // as Python's json: not escaped
  EXPECT_EQ(json_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");      // UTF-8 stays UTF-8
  EXPECT_EQ(json_quote("bad\xff\xc3"), "\"bad\\udcff\\udcc3\"");  // not UTF-8: surrogateescape
}

}  // namespace
}  // namespace sslpp
