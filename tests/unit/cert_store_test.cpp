#include <sslpp/cert_store.hpp>

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include "support/oracle.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using test::pki;

bool connects(Context& client) {
  Context server = test::server_context();
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = server.wrap_bio({.server_side = true});
  return test::handshake(c, s).ok();
}

TEST(CertStore, TheContextsStoreIsLive) {
  Context client(PROTOCOL_TLS_CLIENT);
  EXPECT_FALSE(connects(client));
  CertStore store = client.get_cert_store();
  EXPECT_EQ(store.native_handle(), ::SSL_CTX_get_cert_store(client.native_handle()));
  store.add_cert(pki().ca.certificate());
  store.add_cert(pki().ca.certificate());  // twice is fine
  EXPECT_TRUE(connects(client));
}

TEST(CertStore, CaCertsAndStatsMatchPython) {
  Context ctx(PROTOCOL_TLS_CLIENT);
  EXPECT_EQ(ctx.cert_store_stats(), (Context::CertStoreStats{0, 0, 0}));
  ctx.load_verify_locations(pki().ca_file);
  ctx.get_cert_store().add_cert(pki().server.credential.certificate);  // not a CA
  EXPECT_EQ(ctx.cert_store_stats(), (Context::CertStoreStats{2, 1, 0}));
  const auto cas = ctx.get_ca_certs();
  ASSERT_EQ(cas.size(), 1u);
  EXPECT_EQ(ctx.get_ca_certs_der(), std::vector<std::vector<std::byte>>{pki().ca.certificate().der()});
  // Python's SSLContext.get_ca_certs() on the same file is the oracle.
  const std::string python = test::python_ssl(
      "c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.load_verify_locations(sys.argv[1]); "
      "print(json.dumps(c.get_ca_certs()[0]))",
      pki().ca_file.string());
  EXPECT_EQ(cas[0].to_json(), python);
}

TEST(CertStore, FlagsAndDepth) {
  CertStore store;
  store.set_flags(VERIFY_X509_STRICT | VERIFY_X509_PARTIAL_CHAIN);
  EXPECT_TRUE(::X509_VERIFY_PARAM_get_flags(::X509_STORE_get0_param(store.native_handle())) &
              X509_V_FLAG_PARTIAL_CHAIN);
  store.set_depth(3);
  EXPECT_EQ(::X509_VERIFY_PARAM_get_depth(::X509_STORE_get0_param(store.native_handle())), 3);
  EXPECT_THROW(store.set_depth(-1), ValueError);
  const CertStore copy = store;
  EXPECT_EQ(copy.native_handle(), store.native_handle());
}

// verify_code_with checks the test server with `flags`, trusting the CA
// and, when given, the CRL text; 0 when verification passed.
long verify_code_with(VerifyFlags flags, const std::string& crl, bool crl_in_cafile = false) {
  Context client = test::client_context();
  client.set_verify_flags(client.verify_flags() | flags);
  if (!crl.empty()) {
    if (crl_in_cafile) {
      const auto path = pki().dir / "ca-with-crl.pem";
      test::write_text(path, pki().ca.certificate().pem() + crl);
      client.load_verify_locations(path);
    } else {
      client.get_cert_store().add_crl(crl);
    }
  }
  Context server = test::server_context();
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = server.wrap_bio({.server_side = true});
  return test::handshake(c, s).ok() ? 0 : c.last_error().verify_code;
}

TEST(CertStore, RevocationChecksFollowTheSeed) {
  const std::string clean = pki().ca.crl_pem({});
  const std::string revoking = pki().ca.crl_pem({pki().server.credential.certificate});
  EXPECT_EQ(verify_code_with(VERIFY_DEFAULT, ""), 0);              // CRLs are not checked by default
  EXPECT_EQ(verify_code_with(VERIFY_DEFAULT, revoking), 0);        // ... even when one is loaded
  EXPECT_EQ(verify_code_with(VERIFY_CRL_CHECK_LEAF, ""), 3);       // X509_V_ERR_UNABLE_TO_GET_CRL
  EXPECT_EQ(verify_code_with(VERIFY_CRL_CHECK_LEAF, clean), 0);
  EXPECT_EQ(verify_code_with(VERIFY_CRL_CHECK_LEAF, revoking), 23);  // X509_V_ERR_CERT_REVOKED
  EXPECT_EQ(verify_code_with(VERIFY_CRL_CHECK_CHAIN, revoking), 23);
  EXPECT_EQ(verify_code_with(VERIFY_CRL_CHECK_CHAIN, clean), 0);
  // load_verify_locations reads CRLs from a cafile, as OpenSSL and Python do.
  EXPECT_EQ(verify_code_with(VERIFY_CRL_CHECK_LEAF, revoking, true), 23);
  Context ctx(PROTOCOL_TLS_CLIENT);
  ctx.get_cert_store().add_crl(clean);
  EXPECT_EQ(ctx.cert_store_stats().crl, 1);
}

TEST(CertStore, BadCrlInputIsATypedError) {
  CertStore store;
  EXPECT_THROW(store.add_crl(""), SSLError);
  EXPECT_THROW(store.add_crl("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"), SSLError);
  EXPECT_THROW(store.add_crl(pki().ca.certificate().pem()), SSLError);  // a certificate, not a CRL
}

// ---------------------------------------------------------------------------
// verify

using std::chrono::hours;
using std::chrono::system_clock;

// verify_code runs store.verify and returns the verification error's code
// (0 when it verified). Any other exception fails the test.
long verify_code(const CertStore& store, const Certificate& leaf, const VerifyOptions& options = {}) {
  try {
    (void)store.verify(leaf, options);
    return 0;
  } catch (const SSLCertVerificationError& e) {
    return e.verify_code();
  }
}

CertStore trusting_ca() {
  CertStore store;
  store.add_cert(pki().ca.certificate());
  return store;
}

// A CA -> intermediate -> leaf chain, made once.
struct Chain {
  Credential intermediate;
  Credential leaf;
};

const Chain& chain() {
  static const Chain c = [] {
    CertificateRequest inter;
    inter.common_name = "sslpp test intermediate";
    inter.is_ca = true;
    Credential intermediate = pki().ca.issue(inter);
    CertificateRequest leaf;
    leaf.common_name = "leaf.example";
    leaf.dns_names = {"leaf.example"};
    Credential issued = CertificateAuthority::from_credential(intermediate).issue(leaf);
    return Chain{std::move(intermediate), std::move(issued)};
  }();
  return c;
}

// with_server_only_eku is `cert` re-signed by the test CA with
// extendedKeyUsage serverAuth alone (the factory always adds clientAuth).
Certificate with_server_only_eku(const Certificate& cert) {
  const std::unique_ptr<X509, decltype(&::X509_free)> x(::X509_dup(cert.native_handle()), &::X509_free);
  ::X509_EXTENSION_free(::X509_delete_ext(x.get(), ::X509_get_ext_by_NID(x.get(), NID_ext_key_usage, -1)));
  const std::unique_ptr<X509_EXTENSION, decltype(&::X509_EXTENSION_free)> eku(
      ::X509V3_EXT_conf_nid(nullptr, nullptr, NID_ext_key_usage, "serverAuth"), &::X509_EXTENSION_free);
  EXPECT_EQ(::X509_add_ext(x.get(), eku.get(), -1), 1);
  EXPECT_NE(::X509_sign(x.get(), pki().ca.credential().key.native_handle(), ::EVP_sha256()), 0);
  return Certificate::from_native(x.get());
}

TEST(CertStoreVerify, ReturnsTheChainLeafFirstAnchorLast) {
  const CertStore store = trusting_ca();
  const std::vector<Certificate> got = store.verify(
      chain().leaf.certificate, {.untrusted = {chain().intermediate.certificate}, .hostname = "leaf.example"});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].der(), chain().leaf.certificate.der());
  EXPECT_EQ(got[1].der(), chain().intermediate.certificate.der());
  EXPECT_EQ(got[2].der(), pki().ca.certificate().der());
  // Directly issued: leaf and anchor.
  EXPECT_EQ(store.verify(pki().server.credential.certificate).size(), 2u);
}

TEST(CertStoreVerify, MissingIntermediateIs20) {
  EXPECT_EQ(verify_code(trusting_ca(), chain().leaf.certificate), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_EQ(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 20);
  // An unrelated root does not help.
  EXPECT_EQ(verify_code(trusting_ca(), pki().untrusted.credential.certificate), 20);
}

TEST(CertStoreVerify, ValidityFollowsTheGivenTime) {
  const CertStore store = trusting_ca();
  const Certificate& server = pki().server.credential.certificate;  // valid from 1 h ago for 30 days
  EXPECT_EQ(verify_code(store, server, {.time = system_clock::now() + hours(24 * 31)}), X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(verify_code(store, server, {.time = system_clock::now() - hours(2)}), X509_V_ERR_CERT_NOT_YET_VALID);
  EXPECT_EQ(verify_code(store, server, {.time = system_clock::now() + hours(24)}), 0);
  EXPECT_EQ(X509_V_ERR_CERT_HAS_EXPIRED, 10);
  EXPECT_EQ(X509_V_ERR_CERT_NOT_YET_VALID, 9);
  // Without a time: now.
  EXPECT_EQ(verify_code(store, pki().expired.credential.certificate), 10);
  EXPECT_EQ(verify_code(store, pki().not_yet_valid.credential.certificate), 9);
}

TEST(CertStoreVerify, NamesAreCheckedAsTheHandshakeChecksThem) {
  const CertStore store = trusting_ca();
  const Certificate& server = pki().server.credential.certificate;  // localhost, 127.0.0.1, ::1
  EXPECT_EQ(verify_code(store, server, {.hostname = "localhost"}), 0);
  EXPECT_EQ(verify_code(store, server, {.hostname = "LOCALHOST"}), 0);
  EXPECT_EQ(verify_code(store, server, {.hostname = "127.0.0.1"}), 0);
  EXPECT_EQ(verify_code(store, server, {.hostname = "::1"}), 0);
  EXPECT_EQ(verify_code(store, server, {.hostname = "example.com"}), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify_code(store, server, {.hostname = "127.0.0.2"}), X509_V_ERR_IP_ADDRESS_MISMATCH);
  EXPECT_EQ(verify_code(store, server, {.hostname = "::2"}), 64);
  // Strict inet_pton: not an address, so a DNS name, which does not match.
  EXPECT_EQ(verify_code(store, server, {.hostname = "0127.0.0.1"}), 62);
  EXPECT_EQ(verify_code(store, pki().wrong_name.credential.certificate, {.hostname = "localhost"}), 62);
  EXPECT_THROW((void)store.verify(server, {.hostname = ".localhost"}), ValueError);
  EXPECT_THROW((void)store.verify(server, {.hostname = std::string("local\0host", 10)}), ValueError);
}

TEST(CertStoreVerify, PartialWildcardsAreRefused) {
  CertificateRequest r;
  r.dns_names = {"f*.example.com", "*.example.org"};
  const Credential wild = pki().ca.issue(r);
  const CertStore store = trusting_ca();
  EXPECT_EQ(verify_code(store, wild.certificate, {.hostname = "foo.example.com"}), 62);
  EXPECT_EQ(verify_code(store, wild.certificate, {.hostname = "www.example.org"}), 0);
}

TEST(CertStoreVerify, PurposeIsChecked) {
  const CertStore store = trusting_ca();
  const Certificate server_only = with_server_only_eku(pki().server.credential.certificate);
  EXPECT_EQ(verify_code(store, server_only), 0);
  EXPECT_EQ(verify_code(store, server_only, {.purpose = Purpose::CLIENT_AUTH}), X509_V_ERR_INVALID_PURPOSE);
  EXPECT_EQ(X509_V_ERR_INVALID_PURPOSE, 26);
  // The factory's certificates are fit for both.
  EXPECT_EQ(verify_code(store, pki().client.credential.certificate, {.purpose = Purpose::CLIENT_AUTH}), 0);
}

TEST(CertStoreVerify, FailuresLookLikeTheHandshakes) {
  // The same failure through a handshake and through verify: one error.
  Context client = test::client_context();
  Context server = test::server_context(&pki().wrong_name);
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = server.wrap_bio({.server_side = true});
  ASSERT_FALSE(test::handshake(c, s).ok());
  const ErrorInfo& handshake = c.last_error();
  try {
    (void)trusting_ca().verify(pki().wrong_name.credential.certificate, {.hostname = "localhost"});
    FAIL() << "verified";
  } catch (const SSLCertVerificationError& e) {
    EXPECT_EQ(e.verify_code(), handshake.verify_code);
    EXPECT_EQ(e.verify_message(), handshake.verify_message);
    EXPECT_EQ(e.verify_message(), "Hostname mismatch, certificate is not valid for 'localhost'.");
    EXPECT_EQ(e.code(), handshake.code);
    EXPECT_EQ(e.library(), "SSL");
    EXPECT_EQ(e.reason(), "CERTIFICATE_VERIFY_FAILED");
    EXPECT_STREQ(e.what(), handshake.message.c_str());
    EXPECT_STREQ(e.what(),
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not "
                 "valid for 'localhost'.");
  }
  // Nothing is left on the thread's error queue either way.
  EXPECT_EQ(::ERR_peek_error(), 0u);
  (void)trusting_ca().verify(pki().server.credential.certificate);
  EXPECT_EQ(::ERR_peek_error(), 0u);
}

TEST(CertStoreVerify, OptionsApplyToOneCallOnly) {
  CertStore store;
  store.add_cert(chain().intermediate.certificate);  // an intermediate as the only anchor
  const Certificate& leaf = chain().leaf.certificate;
  EXPECT_EQ(verify_code(store, leaf), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT);
  const std::vector<Certificate> partial = store.verify(leaf, {.flags = VERIFY_X509_PARTIAL_CHAIN});
  ASSERT_EQ(partial.size(), 2u);
  EXPECT_EQ(partial[1].der(), chain().intermediate.certificate.der());
  // Neither the flag nor the name nor the depth stuck to the store.
  const X509_VERIFY_PARAM* param = ::X509_STORE_get0_param(store.native_handle());
  EXPECT_EQ(::X509_VERIFY_PARAM_get_flags(param) & X509_V_FLAG_PARTIAL_CHAIN, 0ul);
  EXPECT_EQ(::X509_VERIFY_PARAM_get_depth(param), -1);
  EXPECT_EQ(::X509_VERIFY_PARAM_get0_host(const_cast<X509_VERIFY_PARAM*>(param), 0), nullptr);
  EXPECT_EQ(verify_code(store, leaf), 2);
}

TEST(CertStoreVerify, DepthLimitsIntermediates) {
  const CertStore store = trusting_ca();
  VerifyOptions options{.untrusted = {chain().intermediate.certificate}};
  options.depth = 1;
  EXPECT_EQ(verify_code(store, chain().leaf.certificate, options), 0);
  options.depth = 0;
  EXPECT_EQ(verify_code(store, chain().leaf.certificate, options), X509_V_ERR_CERT_CHAIN_TOO_LONG);
  options.depth = -1;
  EXPECT_THROW((void)store.verify(chain().leaf.certificate, options), ValueError);
  // The store's own depth applies when the call gives none.
  CertStore shallow = trusting_ca();
  shallow.set_depth(0);
  EXPECT_EQ(verify_code(shallow, chain().leaf.certificate, {.untrusted = {chain().intermediate.certificate}}), 22);
}

TEST(CertStoreVerify, RevocationFlagsPerCall) {
  CertStore store = trusting_ca();
  store.add_crl(pki().ca.crl_pem({pki().server.credential.certificate}));
  const Certificate& server = pki().server.credential.certificate;
  EXPECT_EQ(verify_code(store, server), 0);
  EXPECT_EQ(verify_code(store, server, {.flags = VERIFY_CRL_CHECK_LEAF}), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(verify_code(store, pki().client.credential.certificate, {.flags = VERIFY_CRL_CHECK_LEAF}), 0);
}

TEST(CertStoreVerify, AContextsVerifyFlagsStayWithTheContext) {
  // As documented: verify_flags live on the SSL_CTX, not on its store.
  Context ctx = test::client_context();
  ctx.set_verify_flags(ctx.verify_flags() | VERIFY_CRL_CHECK_LEAF);
  const CertStore store = ctx.get_cert_store();
  const Certificate& server = pki().server.credential.certificate;
  EXPECT_EQ(verify_code(store, server), 0);
  EXPECT_EQ(verify_code(store, server, {.flags = ctx.verify_flags()}), X509_V_ERR_UNABLE_TO_GET_CRL);
}

TEST(CertStoreVerify, AnEmptyStoreTrustsNothing) {
  EXPECT_EQ(verify_code(CertStore{}, pki().server.credential.certificate), 20);
  EXPECT_EQ(verify_code(CertStore{}, pki().ca.certificate()), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

}  // namespace
}  // namespace sslpp
