#include <sslpp/cert_store.hpp>

#include <gtest/gtest.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <memory>
#include <string>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using test::pki;

bool connects(Context& client) {
  Context server = test::server_context();
  Connection c = client.wrap_bio(false, "localhost");
  Connection s = server.wrap_bio(true);
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
  const std::string cmd = std::string(SSLPP_PYTHON3) +
                          " -c 'import ssl, json, sys; c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); "
                          "c.load_verify_locations(sys.argv[1]); print(json.dumps(c.get_ca_certs()[0]))' " +
                          pki().ca_file.string();
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), &::pclose);
  char buf[8192] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, pipe.get()), nullptr);
  std::string python = buf;
  python.pop_back();
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
  Connection c = client.wrap_bio(false, "localhost");
  Connection s = server.wrap_bio(true);
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

}  // namespace
}  // namespace sslpp
