// Hostile files and bytes given to the loading API (issue 11, item 5): every
// kind of broken PEM, truncated DER, DER with trailing bytes, absurd lengths,
// deep nesting, a key that does not match, wrong / missing / over-long
// passwords. Each must end in sslpp's typed exception (SSLError, ValueError,
// or OSError for a file that cannot be read) whose message says what is
// wrong, within a bounded time; never a crash, a hang or another type.
#include <sslpp/cert_store.hpp>
#include <sslpp/certificate.hpp>
#include <sslpp/context.hpp>
#include <sslpp/keys.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/der.hpp"
#include "support/hostile_inputs.hpp"
#include "support/pki.hpp"

namespace sslpp {
namespace {

using namespace test;  // NOLINT: pki, Case, Kind, expect_typed, run and the PEM helpers
using Bytes = der::Bytes;

// -- Broken PEM --------------------------------------------------------------

TEST(HostileFiles, BrokenPemCertificate) {
  run(pem_cases(
      "Certificate::from_pem", pki().server.credential.certificate.pem(),
      [](const std::string& s) { (void)Certificate::from_pem(s); }, "no certificate could be read"));
}

TEST(HostileFiles, BrokenPemCadata) {
  std::vector<Case> cases = pem_cases(
      "load_verify_locations(cadata_pem)", pki().ca.certificate().pem(),
      [](const std::string& s) {
        Context ctx;
        ctx.load_verify_locations(VerifyLocations{.cadata_pem = s});
      },
      "no certificate could be read");
  // Empty cadata is no cadata at all: Python's ValueError.
  cases.front().kind = Kind::value_error;
  cases.front().fragments = {"cafile, capath and cadata cannot be all omitted"};
  // A good certificate followed by a broken one: the whole load fails, it
  // does not quietly keep the first.
  const std::string good = pki().ca.certificate().pem();
  const Pem p = split(pki().other_ca.certificate().pem());
  cases.push_back({"cadata: good then truncated",
                   [good, p] {
                     Context ctx;
                     ctx.load_verify_locations(
                         VerifyLocations{.cadata_pem = good + p.begin() + p.body.substr(0, 130) + p.end()});
                   },
                   Kind::ssl_error,
                   {"no certificate could be read", "ASN1 lib"}});
  run(cases);
}

TEST(HostileFiles, BrokenPemPrivateKey) {
  run(pem_cases(
      "PrivateKey::from_pem", pki().server.credential.key.pem(),
      [](const std::string& s) { (void)PrivateKey::from_pem(s); }, "cannot load private key", false));
}

TEST(HostileFiles, BrokenPemPublicKey) {
  run(pem_cases(
      "PublicKey::from_pem", pki().server.credential.key.public_key().pem(),
      [](const std::string& s) { (void)PublicKey::from_pem(s); }, "cannot load public key", false));
}

TEST(HostileFiles, BrokenPemCrl) {
  const std::string crl = pki().ca.crl_pem({pki().expired.credential.certificate});
  std::vector<Case> cases = pem_cases(
      "CertStore::add_crl", crl, [](const std::string& s) { CertStore().add_crl(s); }, "no CRL could be read");
  cases.push_back({"add_crl: a certificate, not a CRL",
                   [] { CertStore().add_crl(pki().server.credential.certificate.pem()); },
                   Kind::ssl_error,
                   {"no CRL could be read", "no start line"}});
  cases.push_back({"add_crl: good CRL then a truncated one",
                   [crl] {
                     const Pem p = split(crl);
                     CertStore().add_crl(crl + p.begin() + p.body.substr(0, 65) + p.end());
                   },
                   Kind::ssl_error,
                   {"no CRL could be read", "ASN1 lib"}});
  run(cases);
}

TEST(HostileFiles, BrokenPemToDer) {
  // Python's PEM_cert_to_DER_cert only checks the markers and the base64:
  // the breaks it can see are ValueError, as in Python.
  const Pem p = split(pki().server.credential.certificate.pem());
  const auto call = [](std::string s) { return [s] { (void)PEM_cert_to_DER_cert(s); }; };
  run({
      {"empty", call(""), Kind::value_error, {"must start with -----BEGIN CERTIFICATE-----"}},
      {"no BEGIN", call(p.body + p.end()), Kind::value_error, {"must start with"}},
      {"no END", call(p.begin() + p.body), Kind::value_error, {"must end with -----END CERTIFICATE-----"}},
      {"END of another label",
       call(p.begin() + p.body + "-----END X509 CRL-----\n"),
       Kind::value_error,
       {"must end with"}},
      {"not ASCII", call(p.begin() + "\xc3\xa9" + p.body + p.end()), Kind::value_error, {"not ASCII"}},
      {"5 base64 characters",
       call(p.begin() + "QUJDR\n" + p.end()),
       Kind::value_error,
       {"1 more than a multiple of 4"}},
  });
}

// -- DER: truncated, trailing bytes, absurd lengths, deep nesting -------------

// DerTarget is a call that takes DER bytes and the words its failures start with.
struct DerTarget {
  std::string name;
  std::function<void(const Bytes&)> call;
  std::string prefix;
};

std::vector<DerTarget> certificate_der_targets() {
  return {
      {"Certificate::from_der", [](const Bytes& b) { (void)Certificate::from_der(b); }, "not a DER certificate"},
      {"load_verify_locations(cadata_der)",
       [](const Bytes& b) {
         Context ctx;
         ctx.load_verify_locations(VerifyLocations{.cadata_der = b});
       },
       "no certificate could be read"},
  };
}

const DerTarget kPrivateKeyDer{"PrivateKey::from_der", [](const Bytes& b) { (void)PrivateKey::from_der(b); },
                               "cannot load private key"};
const DerTarget kPublicKeyDer{"PublicKey::from_der", [](const Bytes& b) { (void)PublicKey::from_der(b); },
                              "cannot load public key"};

// expect_refused_der: `target` refuses `input` with an SSLError in its words.
void expect_refused_der(const DerTarget& target, const std::string& name, const Bytes& input) {
  expect_typed({target.name + ": " + name, [&] { target.call(input); }, Kind::ssl_error, {target.prefix}});
}

// expect_every_cut_refused: every proper prefix of `der`, the empty one
// included, is refused.
void expect_every_cut_refused(const DerTarget& target, const Bytes& der) {
  for (std::size_t n = 0; n < der.size(); ++n) {
    expect_refused_der(target, "cut to " + std::to_string(n) + " bytes", prefix(der, n));
  }
}

TEST(HostileFiles, TruncatedCertificateDerAtEveryOffset) {
  const Bytes cert = pki().server.credential.certificate.der();
  expect_every_cut_refused(certificate_der_targets()[0], cert);
  // For cadata, no bytes at all is no cadata (Python's ValueError); every
  // other cut is a broken certificate.
  const DerTarget cadata = certificate_der_targets()[1];
  expect_typed({"cadata_der: empty", [&] { cadata.call({}); }, Kind::value_error, {"cannot be all omitted"}});
  for (std::size_t n = 1; n < cert.size(); ++n) {
    expect_refused_der(cadata, "cut to " + std::to_string(n) + " bytes", prefix(cert, n));
  }
}

TEST(HostileFiles, TruncatedPublicKeyDerAtEveryOffset) {
  expect_every_cut_refused(kPublicKeyDer, pki().server.credential.key.public_key().der());
  expect_every_cut_refused(kPublicKeyDer, pki().server_rsa.credential.key.public_key().der());
}

TEST(HostileFiles, TruncatedPrivateKeyDerAtEveryOffset) {
  const Bytes pkcs8 = der_of_pem(pki().server.credential.key.pem());
  ASSERT_NO_THROW((void)PrivateKey::from_der(pkcs8));
  expect_every_cut_refused(kPrivateKeyDer, pkcs8);
}

// with_outer_length is `cert` with its outer SEQUENCE's length octets
// replaced by `length` (the content left as it is).
Bytes with_outer_length(const Bytes& cert, const Bytes& length) {
  const der::Element outer = der::read(cert);
  return der::concat({der::bytes({0x30}), length, outer.content});
}

// absurd_lengths are a certificate whose length octets lie.
std::vector<std::pair<std::string, Bytes>> absurd_lengths(const Bytes& cert) {
  const der::Element outer = der::read(cert);
  const auto parts = der::children(outer.content);  // tbsCertificate, signatureAlgorithm, signature
  // tbsCertificate claiming one byte more than the certificate holds.
  const Bytes long_tbs = der::concat({der::bytes({0x30}), der::length(parts[0].content.size() + 1), parts[0].content});
  return {
      {"length 2^32-1", with_outer_length(cert, der::bytes({0x84, 0xFF, 0xFF, 0xFF, 0xFF}))},
      {"length 2^64-1 (8 length octets)",
       with_outer_length(cert, der::bytes({0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}))},
      {"127 length octets", with_outer_length(cert, der::concat({der::bytes({0xFF}), Bytes(127, std::byte{0xFF})}))},
      {"length one more than the content", with_outer_length(cert, der::length(outer.content.size() + 1))},
      {"indefinite length, no end-of-contents", with_outer_length(cert, der::bytes({0x80}))},
      {"inner length past the outer end", der::tlv(0x30, der::concat({long_tbs, parts[1].whole, parts[2].whole}))},
  };
}

// deep_nesting are inputs nested `depth` levels deep: a recursive decoder
// without a limit would run out of stack on them.
std::vector<std::pair<std::string, Bytes>> deep_nesting(const Bytes& cert, std::size_t depth) {
  const auto parts = der::children(der::read(cert).content);
  const std::string d = std::to_string(depth);
  return {
      {d + " nested SEQUENCEs", der::nested_definite(depth)},
      {d + " nested indefinite SEQUENCEs, closed", der::nested_indefinite(depth, true)},
      {d + " nested indefinite SEQUENCEs, unclosed", der::nested_indefinite(depth, false)},
      {d + " nested constructed OCTET STRINGs", der::nested_indefinite(depth, true, 0x24)},
      {"tbsCertificate of " + d + " nested SEQUENCEs",
       der::tlv(0x30, der::concat({der::nested_definite(depth), parts[1].whole, parts[2].whole}))},
  };
}

TEST(HostileFiles, AbsurdLengthsAndDeepNesting) {
  const Bytes cert = pki().server.credential.certificate.der();
  std::vector<std::pair<std::string, Bytes>> inputs = absurd_lengths(cert);
  for (auto& nested : deep_nesting(cert, 100000)) {
    inputs.push_back(std::move(nested));
  }
  for (const auto& [name, input] : inputs) {
    for (const DerTarget& target : certificate_der_targets()) {
      expect_refused_der(target, name, input);
    }
    expect_refused_der(kPublicKeyDer, name, input);
    const std::string pem = "-----BEGIN CERTIFICATE-----\n" + base64_lines(input) + "-----END CERTIFICATE-----\n";
    expect_typed({"Certificate::from_pem: " + name,
                  [&] { (void)Certificate::from_pem(pem); },
                  Kind::ssl_error,
                  {"no certificate could be read"}});
  }
}

TEST(HostileFiles, PrivateKeyAbsurdLengthsAndDeepNesting) {
  // OpenSSL 3's key decoder spends about 20 us per level of nesting (linear,
  // but slow: 100000 levels take 2 s), so the nesting here is shallower.
  const Bytes cert = pki().server.credential.certificate.der();
  std::vector<std::pair<std::string, Bytes>> inputs = absurd_lengths(cert);
  for (auto& nested : deep_nesting(cert, 10000)) {
    inputs.push_back(std::move(nested));
  }
  for (const auto& [name, input] : inputs) {
    expect_refused_der(kPrivateKeyDer, name, input);
  }
}

// kTails follow a whole DER object in the trailing-bytes tests.
std::vector<std::pair<std::string, Bytes>> tails(const Bytes& cert) {
  return {
      {"a zero byte", der::bytes({0x00})},
      {"an empty SEQUENCE", der::bytes({0x30, 0x00})},
      {"the first 10 bytes of a certificate", prefix(cert, 10)},
      {"text", bytes_of("trailing garbage")},
  };
}

TEST(HostileFiles, DerWithTrailingBytes) {
  // One object and then something else: the input is not one object, so
  // it is refused rather than silently cut short (cadata_der, which reads
  // a sequence of certificates, already does).
  const Bytes cert = pki().server.credential.certificate.der();
  const Bytes pub = pki().server.credential.key.public_key().der();
  const Bytes priv = der_of_pem(pki().server.credential.key.pem());
  // The message says what is wrong: bytes after the object, and how many.
  const auto refused = [](const DerTarget& target, const std::string& name, const Bytes& input) {
    expect_typed({target.name + ": " + name, [&] { target.call(input); }, Kind::ssl_error, {"bytes after the DER"}});
  };
  for (const auto& [name, tail] : tails(cert)) {
    for (const DerTarget& target : certificate_der_targets()) {
      refused(target, "+ " + name, der::concat({cert, tail}));
    }
    refused(kPublicKeyDer, "+ " + name, der::concat({pub, tail}));
    refused(kPrivateKeyDer, "+ " + name, der::concat({priv, tail}));
  }
  const std::filesystem::path file = pki().dir / "hostile-trailing.der";
  test::write_text(file, text(cert) + "trailing");
  expect_typed({"Certificate::load(FILETYPE_ASN1) + text",
                [&] { (void)Certificate::load(file, FILETYPE_ASN1); },
                Kind::ssl_error,
                {"8 bytes after the DER certificate"}});
}

// -- Keys that do not match, passwords ---------------------------------------

TEST(HostileFiles, KeyThatDoesNotMatch) {
  run({
      {"load_cert_chain: another EC key",
       [] { Context(PROTOCOL_TLS_SERVER).load_cert_chain(pki().server.cert, pki().client.key); },
       Kind::ssl_error,
       {"use_privatekey", "key values mismatch"}},
      // A key of another type lands in another of OpenSSL's slots, which
      // holds no certificate: OpenSSL's words, as Python's load_cert_chain
      // reports them too.
      {"load_cert_chain: an RSA key for an EC certificate",
       [] { Context(PROTOCOL_TLS_SERVER).load_cert_chain(pki().server.cert, pki().server_rsa.key); },
       Kind::ssl_error,
       {"check_privatekey", "no certificate assigned"}},
      {"use_certificate then use_privatekey of another key",
       [] {
         Context ctx(PROTOCOL_TLS_SERVER);
         ctx.use_certificate(pki().server.credential.certificate);
         ctx.use_privatekey(pki().client.credential.key);
       },
       Kind::ssl_error,
       {"key values mismatch"}},
  });
}

TEST(HostileFiles, Passwords) {
  const auto& p = pki();
  const std::string enc = read_text(p.encrypted_key);
  const std::string too_long(1025, 'x');  // PEM_BUFSIZE is 1024
  const std::string at_limit(1024, 'x');
  const auto chain = [&p](std::optional<std::string> pw) {
    return [&p, pw] {
      Context ctx(PROTOCOL_TLS_SERVER);
      if (pw) {
        ctx.load_cert_chain(p.server.cert, p.encrypted_key, std::string_view(*pw));
      } else {
        ctx.load_cert_chain(p.server.cert, p.encrypted_key);
      }
    };
  };
  const auto chain_cb = [&p](std::string pw) {
    return
        [&p, pw] { Context(PROTOCOL_TLS_SERVER).load_cert_chain(p.server.cert, p.encrypted_key, [pw] { return pw; }); };
  };
  const std::vector<std::string> wrong = {"cannot load private key", "maybe wrong password"};
  const std::vector<std::string> empty = {"cannot load private key", "empty password"};
  const std::vector<std::string> over = {"password cannot be longer than 1024 bytes"};
  run({
      {"load_cert_chain: wrong password", chain("wrong"), Kind::ssl_error, wrong},
      {"load_cert_chain: empty password", chain(""), Kind::ssl_error, empty},
      // No password at all: OpenSSL's default would prompt on the terminal;
      // sslpp refuses instead.
      {"load_cert_chain: no password",
       chain(std::nullopt),
       Kind::ssl_error,
       {"cannot load private key", "bad password read"}},
      {"load_cert_chain: 1024-byte wrong password", chain(at_limit), Kind::ssl_error, wrong},
      {"load_cert_chain: 1025-byte password", chain(too_long), Kind::value_error, over},
      {"load_cert_chain: 1 MiB password", chain(std::string(1 << 20, 'x')), Kind::value_error, over},
      {"load_cert_chain: callback, wrong", chain_cb("wrong"), Kind::ssl_error, wrong},
      {"load_cert_chain: callback, empty", chain_cb(""), Kind::ssl_error, empty},
      {"load_cert_chain: callback, over-long", chain_cb(too_long), Kind::value_error, over},
      {"set_passwd_cb over-long, use_privatekey_file",
       [&] {
         Context ctx(PROTOCOL_TLS_SERVER);
         ctx.set_passwd_cb([&](int, bool, const std::any&) { return too_long; });
         ctx.use_privatekey_file(p.encrypted_key);
       },
       Kind::value_error, over},
      {"set_passwd_cb wrong, use_privatekey_file",
       [&] {
         Context ctx(PROTOCOL_TLS_SERVER);
         ctx.set_passwd_cb([](int, bool, const std::any&) { return std::string("wrong"); });
         ctx.use_privatekey_file(p.encrypted_key);
       },
       Kind::ssl_error, wrong},
      {"PrivateKey::from_pem: wrong", [&] { (void)PrivateKey::from_pem(enc, "wrong"); }, Kind::ssl_error, wrong},
      {"PrivateKey::from_pem: none", [&] { (void)PrivateKey::from_pem(enc); }, Kind::ssl_error, empty},
      {"PrivateKey::from_pem: over-long", [&] { (void)PrivateKey::from_pem(enc, too_long); }, Kind::value_error, over},
      {"PrivateKey::load: wrong", [&] { (void)PrivateKey::load(p.encrypted_key, FILETYPE_PEM, "wrong"); },
       Kind::ssl_error, wrong},
      {"PrivateKey::from_pem: encrypted body truncated, right password",
       [&] {
         const Pem e = split(enc);
         (void)PrivateKey::from_pem(e.begin() + e.body.substr(0, 130) + e.end(), p.key_password);
       },
       Kind::ssl_error,
       {"cannot load private key"}},
  });
  // A callback that throws: its own exception reaches the caller (the
  // documented contract), not a translated or swallowed one.
  EXPECT_THROW(Context(PROTOCOL_TLS_SERVER)
                   .load_cert_chain(p.server.cert, p.encrypted_key,
                                    []() -> std::string { throw std::runtime_error("vault unavailable"); }),
               std::runtime_error);
}

// -- Files -------------------------------------------------------------------

TEST(HostileFiles, Files) {
  const auto& p = pki();
  const std::filesystem::path dir = p.dir / "hostile-files";
  std::filesystem::create_directories(dir);
  const Bytes cert = p.server.credential.certificate.der();
  const auto file = [&dir](const std::string& name, const std::string& content) {
    test::write_text(dir / name, content);
    return dir / name;
  };
  const auto empty = file("empty.pem", "");
  const auto der_file = file("cert.der", text(cert));
  const Pem c = split(p.server.credential.certificate.pem());
  const auto chain_broken = file("chain-broken.pem", c.whole() + c.begin() + c.body.substr(0, 130) + c.end());
  const Pem k = split(p.server.credential.key.pem());
  const auto key_truncated = file("key-truncated.pem", k.begin() + k.body.substr(0, 65) + k.end());
  const std::string no_cert = "no certificate could be read";
  run({
      {"Certificate::load: missing",
       [&] { (void)Certificate::load(dir / "missing.pem"); },
       Kind::os_error,
       {"[Errno 2] No such file or directory", "missing.pem"}},
      {"Certificate::load: a directory",
       [&] { (void)Certificate::load(dir); },
       Kind::os_error,
       {"[Errno 21] Is a directory"}},
      {"Certificate::load: empty",
       [&] { (void)Certificate::load(empty); },
       Kind::ssl_error,
       {no_cert, "no start line"}},
      {"Certificate::load: DER read as PEM",
       [&] { (void)Certificate::load(der_file); },
       Kind::ssl_error,
       {no_cert, "no start line"}},
      {"Certificate::load: PEM read as DER",
       [&] { (void)Certificate::load(p.server.cert, FILETYPE_ASN1); },
       Kind::ssl_error,
       {no_cert}},
      {"load_verify_locations: empty cafile",
       [&] { Context().load_verify_locations(empty); },
       Kind::ssl_error,
       {"load_verify_locations", "no certificate or crl found"}},
      {"load_verify_locations: DER cafile",
       [&] { Context().load_verify_locations(der_file); },
       Kind::ssl_error,
       {"load_verify_locations", "no certificate or crl found"}},
      // OpenSSL's file loader reports only its outer "PEM lib" (Python shows
      // the same); the cause is in SSLError::errors().
      {"load_verify_locations: good then truncated block",
       [&] { Context().load_verify_locations(chain_broken); },
       Kind::ssl_error,
       {"load_verify_locations", "PEM lib"}},
      {"load_cert_chain: chain with a truncated second block",
       [&] { Context(PROTOCOL_TLS_SERVER).load_cert_chain(chain_broken, p.server.key); },
       Kind::ssl_error,
       {"use_certificate_chain_file"}},
      {"load_cert_chain: certfile holds only a key",
       [&] { Context(PROTOCOL_TLS_SERVER).load_cert_chain(p.server.key, p.server.key); },
       Kind::ssl_error,
       {"use_certificate_chain_file", "PEM lib"}},
      {"load_cert_chain: keyfile holds only a certificate",
       [&] { Context(PROTOCOL_TLS_SERVER).load_cert_chain(p.server.cert, p.server.cert); },
       Kind::ssl_error,
       {"cannot load private key"}},
      {"load_cert_chain: truncated key",
       [&] { Context(PROTOCOL_TLS_SERVER).load_cert_chain(p.server.cert, key_truncated); },
       Kind::ssl_error,
       {"cannot load private key"}},
      {"use_privatekey_file: PEM read as DER",
       [&] { Context(PROTOCOL_TLS_SERVER).use_privatekey_file(p.server.key, FILETYPE_ASN1); },
       Kind::ssl_error,
       {"cannot load private key"}},
  });
}

}  // namespace
}  // namespace sslpp
