// sslpp decode's readable form (every field and extension, every member of
// a bundle, certificate requests and CRLs), its JSON forms, its errors that
// name the bad member, and the small CLI items of issue 15: `sslpp help
// SUBCOMMAND` and `sslpp --version`. Inputs are made at test time with the
// openssl command (the independent implementation) and, for hostile names,
// with tests/support/cert_builder.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/cli_support.hpp"
#include "support/cert_builder.hpp"

namespace sslpp::cli_test {
namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// openssl runs the openssl command; a failure fails the test.
std::string openssl(std::vector<std::string> args) {
  args.insert(args.begin(), SSLPP_OPENSSL);
  const Outcome r = run_program(args);
  EXPECT_EQ(r.status, 0) << r.describe();
  return r.out;
}

std::filesystem::path test_dir(const std::string& name) {
  const auto dir = pki().dir / ("cli-decode-text-" + name);
  std::filesystem::create_directories(dir);
  return dir;
}

// new_cert makes a self-signed certificate with the openssl command.
std::filesystem::path new_cert(const std::filesystem::path& dir, const std::string& name,
                               std::vector<std::string> extra) {
  const auto pem = dir / (name + ".pem");
  std::vector<std::string> args{
      "req", "-x509", "-new", "-nodes", "-days", "3", "-keyout", path(dir / (name + "-key.pem")), "-out", path(pem)};
  args.insert(args.end(), extra.begin(), extra.end());
  openssl(args);
  return pem;
}

std::filesystem::path ec_cert(const std::filesystem::path& dir, const std::string& name, const std::string& subject) {
  return new_cert(dir, name, {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", subject});
}

// sct_list is a SignedCertificateTimestampList with `n` SCTs (RFC 6962,
// 3.3), in an OCTET STRING as the extension carries it, in openssl.cnf's
// DER: form. The signatures are not real: decode counts, it does not verify.
std::string sct_list_der(int n) {
  std::string sct = "00" + std::string(64, 'a') + "0000018c00000000" + "0000" + "0403" + "0004" + "01020304";
  const std::size_t sct_len = sct.size() / 2;
  std::string list;
  for (int i = 0; i < n; ++i) {
    char len[32];
    std::snprintf(len, sizeof len, "%04zx", sct_len);
    list += len + sct;
  }
  char head[48];
  std::snprintf(head, sizeof head, "04%02zx%04zx", list.size() / 2 + 2, list.size() / 2);
  return "DER:" + std::string(head) + list;
}

// rich_cert has every extension decode lays out, on an RSA-2048 key.
std::filesystem::path rich_cert() {
  const auto dir = test_dir("rich");
  test::write_text(dir / "rich.cnf",
                   "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = ext\n"
                   "[dn]\nC = GB\nO = sslpp tests\nCN = rich.example\n"
                   "[ext]\nbasicConstraints = critical,CA:FALSE\n"
                   "keyUsage = critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage = serverAuth,clientAuth\n"
                   "subjectAltName = DNS:rich.example,DNS:*.rich.example,IP:192.0.2.7,IP:2001:db8::7,"
                   "email:ops@rich.example\n"
                   "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n"
                   "certificatePolicies = 2.23.140.1.2.1,@cps\n"
                   "crlDistributionPoints = URI:http://crl.rich.example/ca.crl\n"
                   "authorityInfoAccess = OCSP;URI:http://ocsp.rich.example/,caIssuers;URI:http://rich.example/ca.der\n"
                   "nameConstraints = permitted;DNS:rich.example,excluded;IP:10.0.0.0/255.0.0.0\n"
                   "1.3.6.1.4.1.11129.2.4.2 = " +
                       sct_list_der(2) +
                       "\n"
                       "1.2.3.4.5.6.7 = critical,ASN1:UTF8String:opaque\n"
                       "[cps]\npolicyIdentifier = 1.3.6.1.4.1.99999.1\nCPS.1 = https://rich.example/cps\n");
  return new_cert(dir, "rich", {"-newkey", "rsa:2048", "-config", path(dir / "rich.cnf"), "-set_serial", "0x1234abcd"});
}

// fingerprint is `openssl x509 -fingerprint -DIGEST`'s value ("AB:CD:...").
std::string fingerprint(const std::filesystem::path& pem, const std::string& digest) {
  std::string out = openssl({"x509", "-in", path(pem), "-noout", "-fingerprint", "-" + digest});
  out = out.substr(out.find('=') + 1);
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

std::string der_of(const std::filesystem::path& pem, const std::string& kind) {
  const auto der = pem.string() + ".der";
  openssl({kind, "-in", path(pem), "-outform", "DER", "-out", der});
  return read_text(der);
}

// line_of is the 1-based line of the `n`th (1-based) "-----BEGIN" in `text`.
std::size_t line_of_begin(const std::string& text, int n) {
  std::size_t pos = 0;
  for (int i = 0; i < n; ++i) {
    pos = text.find("-----BEGIN", i == 0 ? 0 : pos + 1);
  }
  return static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n')) + 1;
}

// ===========================================================================
// Certificates

TEST(CliDecodeText, ShowsEveryFieldAndExtensionOfACertificate) {
  const auto pem = rich_cert();
  const Outcome r = sslpp({"decode", "--text", path(pem)});
  ASSERT_EQ(r.status, 0) << r.describe();
  EXPECT_TRUE(r.err.empty()) << r.err;
  for (const std::string expected : {
           "member 1 (CERTIFICATE at line 1):\nCertificate:\n  Version: 3 (0x2)\n  Serial Number: 1234ABCD\n",
           "  Signature Algorithm: sha256WithRSAEncryption\n",
           "  Issuer: C = GB, O = sslpp tests, CN = rich.example\n",
           "  Subject: C = GB, O = sslpp tests, CN = rich.example\n",
           "  Public Key:\n    Algorithm: rsaEncryption\n    Key: RSA, 2048 bits, exponent 65537\n",
           "    X509v3 Basic Constraints: critical\n      CA:FALSE\n",
           "    X509v3 Key Usage: critical\n      Digital Signature, Key Encipherment\n",
           "    X509v3 Extended Key Usage:\n      TLS Web Server Authentication\n      TLS Web Client Authentication\n",
           "    X509v3 Subject Alternative Name:\n      DNS:rich.example\n      DNS:*.rich.example\n"
           "      IP Address:192.0.2.7\n      IP Address:2001:db8::7\n      email:ops@rich.example\n",
           "    X509v3 Certificate Policies:\n      Policy: 2.23.140.1.2.1\n      Policy: 1.3.6.1.4.1.99999.1\n"
           "        CPS: https://rich.example/cps\n",
           "    X509v3 CRL Distribution Points:\n      Full Name: URI:http://crl.rich.example/ca.crl\n",
           "    Authority Information Access:\n      OCSP - URI:http://ocsp.rich.example/\n"
           "      CA Issuers - URI:http://rich.example/ca.der\n",
           "    X509v3 Name Constraints:\n      Permitted: DNS:rich.example\n      Excluded: IP "
           "Address:10.0.0.0/255.0.0.0\n",
           "    CT Precertificate SCTs:\n      2 signed certificate timestamps\n",
           "    1.2.3.4.5.6.7: critical\n      (unknown to OpenSSL, 8 bytes: 0C:06:6F:70:61:71:75:65)\n",
       }) {
    EXPECT_TRUE(contains(r.out, expected)) << "missing:\n" << expected << "\nin:\n" << r.out;
  }
  // Key identifiers are the ones openssl computed: the SKI and the AKI agree
  // on a self-signed certificate.
  const std::string ski = r.out.substr(r.out.find("X509v3 Subject Key Identifier:\n      ") + 37, 59);
  EXPECT_TRUE(contains(r.out, "X509v3 Authority Key Identifier:\n      keyid:" + ski + "\n")) << r.out;
  // Validity in UTC, as openssl reads the dates.
  const std::string end = openssl({"x509", "-in", path(pem), "-noout", "-enddate", "-dateopt", "iso_8601"});
  // "notAfter=2026-12-09 22:11:38Z\n"
  EXPECT_TRUE(contains(r.out, "    Not After:  " + end.substr(9, 19) + " UTC\n")) << end << r.out;
  EXPECT_TRUE(contains(r.out, "  Fingerprints:\n    SHA-256: " + fingerprint(pem, "sha256") +
                                  "\n    SHA-1:   " + fingerprint(pem, "sha1") + "\n"))
      << r.out;
}

TEST(CliDecodeText, NamesEcAndEd25519Keys) {
  const auto dir = test_dir("keys");
  const Outcome ec = sslpp({"decode", "--text", path(ec_cert(dir, "ec", "/CN=ec"))});
  EXPECT_TRUE(contains(ec.out, "    Algorithm: id-ecPublicKey\n    Key: EC, 256 bits, curve prime256v1\n"))
      << ec.describe();
  const Outcome ed = sslpp({"decode", "--text", path(new_cert(dir, "ed", {"-newkey", "ed25519", "-subj", "/CN=ed"}))});
  EXPECT_TRUE(contains(ed.out, "    Algorithm: ED25519\n    Key: ED25519, 256 bits\n")) << ed.describe();
  EXPECT_TRUE(contains(ed.out, "  Signature Algorithm: ED25519\n")) << ed.out;
}

TEST(CliDecodeText, ALongSerialIsFullHexInJsonAndText) {
  // 40 bytes: OpenSSL's own printer (and so Python's dict) breaks the hex
  // with a backslash and a newline after 35 bytes.
  const std::string hex = "7F" + std::string(76, 'A') + "01";
  const auto pem = ec_cert(test_dir("serial"), "long", "/CN=long");
  const auto long_pem = new_cert(
      test_dir("serial"), "long2",
      {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=long", "-set_serial", "0x" + hex});
  EXPECT_TRUE(contains(python_decode(long_pem), "\\\\\\n")) << "Python's serial is no longer broken";
  const Outcome json = sslpp({"decode", "--json", path(long_pem)});
  ASSERT_EQ(json.status, 0) << json.describe();
  EXPECT_EQ(nlohmann::json::parse(json.out)["serialNumber"], hex) << json.out;
  const Outcome text = sslpp({"decode", "--text", path(long_pem)});
  EXPECT_TRUE(contains(text.out, "  Serial Number: " + hex + "\n")) << text.describe();
  // And the library's own accessor.
  EXPECT_EQ(Certificate::load(long_pem).serial_number(), hex);
  // Short and negative serials keep Python's form.
  EXPECT_EQ(nlohmann::json::parse(sslpp({"decode", "--json", path(pem)}).out)["serialNumber"],
            nlohmann::json::parse(python_decode(pem))["serialNumber"]);
}

TEST(CliDecodeText, EscapesControlBytesFromTheCertificate) {
  // A CN and a DNS name with ESC sequences and newlines that, printed raw,
  // would recolour the terminal and forge a line of output.
  const test::Issued evil =
      test::issue({.common_name = "evil\x1b[31m\nIssuer: CN = forged", .dns_names = {"a\x1b]0;title\x07\nDNS:forged"}});
  const auto file = test_dir("hostile") / "evil.pem";
  test::write_text(file, evil.cert.pem());
  const Outcome r = sslpp({"decode", "--text", path(file)});
  ASSERT_EQ(r.status, 0) << r.describe();
  for (const char c : r.out) {
    EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << "raw control byte " << int(c) << " in\n"
                                                                    << r.out;
  }
  EXPECT_FALSE(contains(r.out, "\nIssuer: CN = forged")) << r.out;
  EXPECT_FALSE(contains(r.out, "\nDNS:forged")) << r.out;
  EXPECT_TRUE(contains(r.out, "      DNS:a\\x1b]0;title\\x07\\x0aDNS:forged\n")) << r.out;
  // UTF-8 text stays readable; a C1 control (U+009B, CSI) does not pass.
  const test::Issued utf8 = test::issue({.common_name = "\xc3\x9cml\xc3\xa4ut",
                                         .dns_names = {"x\xc2\x9b"
                                                       "31m"}});
  test::write_text(file, utf8.cert.pem());
  const Outcome u = sslpp({"decode", "--text", path(file)});
  EXPECT_TRUE(contains(u.out, "CN = \xc3\x9cml\xc3\xa4ut")) << u.describe();
  EXPECT_TRUE(contains(u.out, "DNS:x\\xc2\\x9b31m\n")) << u.out;
}

// ===========================================================================
// Bundles

TEST(CliDecodeText, ShowsEveryMemberOfABundleInOrder) {
  const auto dir = test_dir("bundle");
  const std::string a = read_text(ec_cert(dir, "a", "/CN=first"));
  const std::string b = read_text(ec_cert(dir, "b", "/CN=second"));
  const std::string c = read_text(ec_cert(dir, "c", "/CN=third"));
  const std::string bundle = "leading text\n" + a + b + "between\n" + c;
  test::write_text(dir / "bundle.pem", bundle);
  const Outcome r = sslpp({"decode", "--text", path(dir / "bundle.pem")});
  ASSERT_EQ(r.status, 0) << r.describe();
  const std::size_t first = r.out.find("member 1 (CERTIFICATE at line 2):\nCertificate:");
  const std::size_t second =
      r.out.find("\nmember 2 (CERTIFICATE at line " + std::to_string(line_of_begin(bundle, 2)) + "):");
  const std::size_t third =
      r.out.find("\nmember 3 (CERTIFICATE at line " + std::to_string(line_of_begin(bundle, 3)) + "):");
  ASSERT_TRUE(first == 0 && second != std::string::npos && third != std::string::npos) << r.out;
  EXPECT_TRUE(first < second && second < third) << r.out;
  EXPECT_TRUE(contains(r.out.substr(second, third - second), "Subject: CN = second\n")) << r.out;
  EXPECT_TRUE(contains(r.out.substr(third), "Subject: CN = third\n")) << r.out;
  // --json keeps today's answer, the first certificate's dict; --json --all
  // is every certificate's, each equal to Python's.
  const Outcome one = sslpp({"decode", "--json", path(dir / "bundle.pem")});
  EXPECT_EQ(one.out, python_decode(dir / "a.pem") + "\n") << one.describe();
  const Outcome all = sslpp({"decode", "--json", "--all", path(dir / "bundle.pem")});
  ASSERT_EQ(all.status, 0) << all.describe();
  const auto array = nlohmann::json::parse(all.out);
  ASSERT_EQ(array.size(), 3u) << all.out;
  EXPECT_EQ(array[0], nlohmann::json::parse(python_decode(dir / "a.pem")));
  EXPECT_EQ(array[1], nlohmann::json::parse(python_decode(dir / "b.pem")));
  EXPECT_EQ(array[2], nlohmann::json::parse(python_decode(dir / "c.pem")));
}

TEST(CliDecodeText, AMalformedMemberIsAValueErrorNamingIt) {
  const auto dir = test_dir("malformed");
  const std::string a = read_text(ec_cert(dir, "a", "/CN=first"));
  std::string b = read_text(ec_cert(dir, "b", "/CN=second"));
  // Valid base64 whose DER is no certificate: the body's first line replaced.
  const std::size_t body = b.find('\n') + 1;
  b.replace(body, 64, std::string(64, 'A'));
  const std::string c = read_text(ec_cert(dir, "c", "/CN=third"));
  const std::string bundle = a + b + c;
  test::write_text(dir / "bundle.pem", bundle);
  const std::string where = "member 2 (CERTIFICATE at line " + std::to_string(line_of_begin(bundle, 2)) + "): ";
  for (const std::vector<std::string>& mode : {std::vector<std::string>{"--text"}, {"--json", "--all"}}) {
    std::vector<std::string> args{"decode"};
    args.insert(args.end(), mode.begin(), mode.end());
    args.push_back(path(dir / "bundle.pem"));
    const Outcome r = sslpp(args);
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(r.one_error_line("ValueError")) << r.describe();
    EXPECT_TRUE(contains(r.err, path(dir / "bundle.pem") + ": " + where + "not a valid CERTIFICATE (")) << r.err;
    if (mode[0] == "--text") {
      EXPECT_TRUE(r.out.empty()) << "printed before the error:\n" << r.out;
    }
  }
  // A block without its END line, and a file without any member.
  test::write_text(dir / "cut.pem", a + c.substr(0, c.size() / 2));
  const Outcome cut = sslpp({"decode", "--text", path(dir / "cut.pem")});
  EXPECT_EQ(cut.status, 2) << cut.describe();
  EXPECT_TRUE(contains(cut.err, "member 2 (CERTIFICATE at line " + std::to_string(line_of_begin(a + c, 2)) +
                                    "): no -----END CERTIFICATE----- line"))
      << cut.err;
  // Lines are read once: 200,000 BEGIN lines without END lines (a search
  // for each one's END line would read 3.6 MB 200,000 times) end quickly.
  std::string begins;
  for (int i = 0; i < 200000; ++i) {
    begins += "-----BEGIN X" + std::to_string(i % 10) + "-----\n";
  }
  test::write_text(dir / "begins.pem", begins + a);
  const Outcome many = sslpp({"decode", "--text", path(dir / "begins.pem")});
  EXPECT_EQ(many.status, 2) << many.describe();
  EXPECT_TRUE(many.one_error_line("ValueError")) << many.describe();
  const Outcome none = sslpp({"decode", "--text", path(pki().server.key)});
  EXPECT_EQ(none.status, 2) << none.describe();
  EXPECT_TRUE(none.one_error_line("ValueError")) << none.describe();
  EXPECT_TRUE(contains(none.err, "no CERTIFICATE, CERTIFICATE REQUEST or X509 CRL block")) << none.err;
}

// ===========================================================================
// Requests and CRLs

TEST(CliDecodeText, ShowsACertificateRequestAndWhetherItsSignatureVerifies) {
  const auto dir = test_dir("csr");
  const auto csr = dir / "req.pem";
  openssl({"req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-keyout",
           path(dir / "req-key.pem"), "-subj", "/O=Req Org/CN=csr.example", "-addext",
           "subjectAltName=DNS:csr.example,DNS:www.csr.example", "-addext", "extendedKeyUsage=serverAuth", "-out",
           path(csr)});
  const Outcome r = sslpp({"decode", "--text", path(csr)});
  ASSERT_EQ(r.status, 0) << r.describe();
  for (const std::string expected : {
           "member 1 (CERTIFICATE REQUEST at line 1):\nCertificate Request:\n  Version: 1 (0x0)\n"
           "  Subject: O = Req Org, CN = csr.example\n",
           "    Key: EC, 384 bits, curve secp384r1\n",
           "  Requested Extensions:\n    X509v3 Subject Alternative Name:\n      DNS:csr.example\n"
           "      DNS:www.csr.example\n    X509v3 Extended Key Usage:\n      TLS Web Server Authentication\n",
           "  Signature: valid (made with the request's key)\n",
       }) {
    EXPECT_TRUE(contains(r.out, expected)) << "missing:\n" << expected << "\nin:\n" << r.out;
  }
  // The same request as DER with its signature's last byte changed: found
  // to be a request by parsing, and its signature refused.
  std::string der = der_of(csr, "req");
  der.back() = static_cast<char>(der.back() ^ 0x01);
  test::write_text(dir / "bad-sig.der", der);
  const Outcome bad = sslpp({"decode", "--text", "--der", path(dir / "bad-sig.der")});
  ASSERT_EQ(bad.status, 0) << bad.describe();
  EXPECT_TRUE(contains(bad.out, "member 1 (DER at byte 0):\nCertificate Request:\n")) << bad.out;
  EXPECT_TRUE(contains(bad.out, "  Signature: INVALID: does not verify with the request's key\n")) << bad.out;
}

// revoking_ca makes a CA with `openssl ca`'s files and a CRL revoking two
// serials, one with a reason code.
std::filesystem::path crl_with_two_entries(const std::filesystem::path& dir) {
  const auto ca = ec_cert(dir, "ca", "/CN=Revoking CA");
  test::write_text(dir / "index.txt",
                   "R\t301231235959Z\t261201120000Z,keyCompromise\t1001\tunknown\t/CN=one\n"
                   "R\t301231235959Z\t261202130000Z\t10FF\tunknown\t/CN=two\n"
                   "V\t301231235959Z\t\t1002\tunknown\t/CN=valid\n");
  test::write_text(dir / "crlnumber", "2A\n");
  test::write_text(dir / "ca.cnf", "[ca]\ndefault_ca = d\n[d]\ndatabase = " + path(dir / "index.txt") +
                                       "\ncrlnumber = " + path(dir / "crlnumber") +
                                       "\ndefault_md = sha256\ndefault_crl_days = 7\ncrl_extensions = crl_ext\n"
                                       "[crl_ext]\nauthorityKeyIdentifier = keyid\n");
  const auto crl = dir / "ca.crl";
  openssl({"ca", "-gencrl", "-batch", "-config", path(dir / "ca.cnf"), "-cert", path(ca), "-keyfile",
           path(dir / "ca-key.pem"), "-out", path(crl)});
  return crl;
}

TEST(CliDecodeText, ShowsACrlWithEachRevokedSerialDateAndReason) {
  const auto dir = test_dir("crl");
  const auto crl = crl_with_two_entries(dir);
  const Outcome r = sslpp({"decode", "--text", path(crl)});
  ASSERT_EQ(r.status, 0) << r.describe();
  for (const std::string expected : {
           "member 1 (X509 CRL at line 1):\nCertificate Revocation List:\n  Version: 2 (0x1)\n"
           "  Signature Algorithm: ecdsa-with-SHA256\n  Issuer: CN = Revoking CA\n",
           "    X509v3 CRL Number:\n      42\n",
           "  Revoked Certificates: 2\n"
           "    Serial Number: 1001\n      Revocation Date: 2026-12-01 12:00:00 UTC\n"
           "      Entry Extensions:\n        X509v3 CRL Reason Code:\n          Key Compromise\n"
           "    Serial Number: 10FF\n      Revocation Date: 2026-12-02 13:00:00 UTC\n",
       }) {
    EXPECT_TRUE(contains(r.out, expected)) << "missing:\n" << expected << "\nin:\n" << r.out;
  }
  const std::string last = openssl({"crl", "-in", path(crl), "-noout", "-lastupdate", "-dateopt", "iso_8601"});
  EXPECT_TRUE(contains(r.out, "  Last Update: " + last.substr(11, 19) + " UTC\n")) << last << r.out;
  // In a bundle after a certificate; and as concatenated DER.
  const std::string ca_pem = read_text(dir / "ca.pem");
  test::write_text(dir / "mixed.pem", ca_pem + read_text(crl));
  const Outcome mixed = sslpp({"decode", "--text", path(dir / "mixed.pem")});
  EXPECT_TRUE(contains(mixed.out, "\nmember 2 (X509 CRL at line " +
                                      std::to_string(line_of_begin(ca_pem + read_text(crl), 2)) +
                                      "):\nCertificate Revocation List:\n"))
      << mixed.describe();
  const std::string cert_der = der_of(dir / "ca.pem", "x509");
  test::write_text(dir / "mixed.der", cert_der + der_of(crl, "crl"));
  const Outcome der = sslpp({"decode", "--text", "--der", path(dir / "mixed.der")});
  EXPECT_TRUE(contains(der.out, "member 1 (DER at byte 0):\nCertificate:\n")) << der.describe();
  EXPECT_TRUE(contains(
      der.out, "\nmember 2 (DER at byte " + std::to_string(cert_der.size()) + "):\nCertificate Revocation List:\n"))
      << der.out;
  // Garbage after them is a third member that does not parse.
  test::write_text(dir / "trailing.der", cert_der + "\x30\x03\x02\x01");
  const Outcome trailing = sslpp({"decode", "--text", "--der", path(dir / "trailing.der")});
  EXPECT_EQ(trailing.status, 2) << trailing.describe();
  EXPECT_TRUE(contains(trailing.err, "member 2 (DER at byte " + std::to_string(cert_der.size()) +
                                         "): not a DER certificate, certificate request or CRL"))
      << trailing.err;
  // JSON has no form for a CRL: refused, naming it.
  const Outcome json = sslpp({"decode", "--json", "--all", path(dir / "mixed.pem")});
  EXPECT_EQ(json.status, 2) << json.describe();
  EXPECT_TRUE(json.one_error_line("ValueError")) << json.describe();
  EXPECT_TRUE(contains(json.err, "member 2 (X509 CRL at line")) << json.err;
}

// ===========================================================================
// Which form, options, help and --version

// on_terminal runs sslpp with `args` and its stdout on a pseudo-terminal
// (python3's pty module), and returns what it printed there.
std::string on_terminal(std::vector<std::string> args) {
  args.insert(args.begin(), SSLPP_CLI);
  return python(
      "import os, pty, sys\n"
      "pid, fd = pty.fork()\n"
      "if pid == 0:\n"
      "    os.execv(sys.argv[1], sys.argv[1:])\n"
      "out = b''\n"
      "while True:\n"
      "    try:\n"
      "        chunk = os.read(fd, 65536)\n"
      "    except OSError:\n"
      "        break\n"
      "    if not chunk:\n"
      "        break\n"
      "    out += chunk\n"
      "os.waitpid(pid, 0)\n"
      "sys.stdout.write(out.decode('utf-8', 'replace'))\n",
      args);
}

TEST(CliDecodeText, TextOnATerminalJsonIntoAPipe) {
  const auto pem = pki().server.cert;
  // Into a pipe (as every run_program): today's JSON, unchanged.
  EXPECT_EQ(sslpp({"decode", path(pem)}).out, python_decode(pem) + "\n");
  // On a terminal: the readable form.
  const std::string on_tty = on_terminal({"decode", path(pem)});
  EXPECT_TRUE(on_tty.starts_with("member 1 (CERTIFICATE at line 1):")) << on_tty;
  const std::string json_on_tty = on_terminal({"decode", "--json", path(pem)});
  EXPECT_TRUE(json_on_tty.starts_with("{\"subject\": ")) << json_on_tty;
}

TEST(CliDecodeText, ConflictingFormsAreAUsageError) {
  const Outcome r = sslpp({"decode", "--text", "--json", path(pki().server.cert)});
  EXPECT_EQ(r.status, 2) << r.describe();
  EXPECT_TRUE(r.one_error_line("UsageError")) << r.describe();
  EXPECT_TRUE(contains(r.err, "--text and --json exclude each other")) << r.err;
  const Outcome flag = sslpp({"decode", "--all=yes", path(pki().server.cert)});
  EXPECT_EQ(flag.status, 2) << flag.describe();
  EXPECT_TRUE(flag.one_error_line("UsageError")) << flag.describe();
}

TEST(CliHelpSubcommand, PrintsThatSubcommandsHelp) {
  for (const char* name : {"decode", "connect", "serve", "version"}) {
    const Outcome help = sslpp({"help", name});
    EXPECT_EQ(help.status, 0) << help.describe();
    EXPECT_EQ(help.out, sslpp({name, "--help"}).out) << name;
    EXPECT_TRUE(help.out.starts_with(std::string("usage: sslpp ") + name)) << help.out;
  }
  EXPECT_TRUE(contains(sslpp({"help"}).out, "subcommands:\n")) << "bare help is the overview";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"help", "frobnicate"}, {"help", "decode", "extra"}}) {
    const Outcome r = sslpp(args);
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(r.one_error_line("UsageError")) << r.describe();
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_TRUE(contains(sslpp({"help", "frobnicate"}).err, "unknown subcommand 'frobnicate'"));
}

TEST(CliVersion, PrintsSslppsVersionAndOpenSsls) {
  const Outcome r = sslpp({"--version"});
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "sslpp " + std::string(sslpp::version().text) + " (" + openssl_version() + ")\n");
  EXPECT_TRUE(contains(r.out, "OpenSSL 3.")) << r.out;
}

}  // namespace
}  // namespace sslpp::cli_test
