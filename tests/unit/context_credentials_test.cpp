// Context's certificates: the trust anchors it verifies peers against
// (files, directories, in-memory data, partial chains) and its own
// certificate, key and chain (PEM and DER files, encrypted keys and their
// passwords, extra chain certificates), checked by handshakes in memory.
#include <sslpp/context.hpp>

#include <gtest/gtest.h>

#include <any>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <openssl/x509.h>

#include <sslpp/connection.hpp>

#include "support/oracle.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using test::connect;
using test::handshake;
using test::pki;

// leaf_under_intermediate issues an intermediate CA under the test root and
// a localhost certificate under that intermediate.
std::pair<CertificateAuthority, Credential> leaf_under_intermediate() {
  CertificateRequest inter_req;
  inter_req.common_name = "sslpp intermediate";
  inter_req.is_ca = true;
  auto inter = CertificateAuthority::from_credential(pki().ca.issue(inter_req));
  CertificateRequest leaf_req;
  leaf_req.common_name = "localhost";
  leaf_req.dns_names = {"localhost"};
  Credential leaf = inter.issue(leaf_req);
  return {std::move(inter), std::move(leaf)};
}

// -- Trust anchors --------------------------------------------------------------

TEST(Context, LoadVerifyLocationsFromEachSource) {
  Context server = test::server_context();
  {
    Context c(PROTOCOL_TLS_CLIENT);
    EXPECT_FALSE(connect(c, server).ok);
    c.load_verify_locations(pki().ca_file);
    EXPECT_TRUE(connect(c, server).ok);
  }
  {
    Context c(PROTOCOL_TLS_CLIENT);
    const auto der = pki().ca.certificate().der();
    VerifyLocations l;
    l.cadata_der = der;
    c.load_verify_locations(l);
    EXPECT_TRUE(connect(c, server).ok);
  }
  {
    Context c(PROTOCOL_TLS_CLIENT);
    const std::string pem = pki().ca.certificate().pem();
    VerifyLocations l;
    l.cadata_pem = pem;
    c.load_verify_locations(l);
    c.load_verify_locations(l);  // adding the same CA twice is fine
    EXPECT_TRUE(connect(c, server).ok);
  }
}

TEST(Context, LoadVerifyLocationsFromACapathDirectory) {
  // A c_rehash'ed directory: the CA under "<subject hash>.0".
  const auto dir = pki().dir / "capath";
  std::filesystem::create_directories(dir);
  char name[16];
  std::snprintf(name, sizeof name, "%08lx.0", ::X509_subject_name_hash(pki().ca.certificate().native_handle()));
  test::write_text(dir / name, pki().ca.certificate().pem());
  Context server = test::server_context();
  Context c(PROTOCOL_TLS_CLIENT);
  c.load_verify_locations({}, dir);
  EXPECT_TRUE(connect(c, server).ok);
}

TEST(Context, LoadVerifyLocationsBadInput) {
  Context c(PROTOCOL_TLS_CLIENT);
  EXPECT_THROW(c.load_verify_locations(VerifyLocations{}), ValueError);
  EXPECT_THROW(c.load_verify_locations("/nonexistent/ca.pem"), OSError);
  VerifyLocations junk;
  junk.cadata_pem = "not a certificate";
  EXPECT_THROW(c.load_verify_locations(junk), SSLError);
  EXPECT_THROW(c.load_verify_locations(pki().server.key), SSLError);
  c.load_default_certs();
  c.set_default_verify_paths();
}

TEST(Context, DefaultVerifyPathsMatchPython) {
  const DefaultVerifyPaths p = get_default_verify_paths();
  const std::string ours = (p.cafile.empty() ? "None" : p.cafile) + "|" + (p.capath.empty() ? "None" : p.capath) +
                           "|" + p.openssl_cafile_env + "|" + p.openssl_cafile + "|" + p.openssl_capath_env + "|" +
                           p.openssl_capath;
  const std::string python = test::python_ssl("print(\"|\".join(str(x) for x in ssl.get_default_verify_paths()))");
  EXPECT_EQ(ours, python);
}

TEST(Context, PartialChainAndStrictFlagsPassThrough) {
  const auto [inter, leaf] = leaf_under_intermediate();
  // The client trusts only the intermediate, not the root above it.
  Context client(PROTOCOL_TLS_CLIENT);
  client.get_cert_store().add_cert(inter.certificate());
  Context server(PROTOCOL_TLS_SERVER);
  server.use_certificate(leaf.certificate);
  server.use_privatekey(leaf.key);
  const test::Outcome without = connect(client, server);
  EXPECT_FALSE(without.ok);
  EXPECT_EQ(without.verify_code, 2);  // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
  client.set_verify_flags(client.verify_flags() | VERIFY_X509_PARTIAL_CHAIN);
  EXPECT_TRUE(connect(client, server).ok);
  // Strict mode accepts the well-formed certificates sslpp mints.
  client.set_verify_flags(client.verify_flags() | VERIFY_X509_STRICT);
  EXPECT_TRUE(connect(client, server).ok);
}

// -- Own certificate and key ------------------------------------------------------

TEST(Context, LoadCertChainVariants) {
  Context client = test::client_context();
  {
    Context s(PROTOCOL_TLS_SERVER);
    s.load_cert_chain(pki().server.chain);  // key in the same file
    EXPECT_TRUE(connect(client, s).ok);
  }
  {
    Context s(PROTOCOL_TLS_SERVER);
    s.load_cert_chain(pki().server.cert, pki().encrypted_key, pki().key_password);
    EXPECT_TRUE(connect(client, s).ok);
  }
  {
    Context s(PROTOCOL_TLS_SERVER);
    int asked = 0;
    s.load_cert_chain(pki().server.cert, pki().encrypted_key, [&] {
      ++asked;
      return pki().key_password;
    });
    EXPECT_EQ(asked, 1);
    EXPECT_TRUE(connect(client, s).ok);
  }
}

TEST(Context, LoadCertChainBadInput) {
  Context s(PROTOCOL_TLS_SERVER);
  EXPECT_THROW(s.load_cert_chain("/nonexistent.pem"), OSError);
  EXPECT_THROW(s.load_cert_chain(pki().dir), OSError);
  EXPECT_THROW(s.load_cert_chain(pki().server.key), SSLError);  // no certificate in it
  try {
    s.load_cert_chain(pki().server.cert, pki().encrypted_key, "wrong");
    ADD_FAILURE() << "no exception";
  } catch (const SSLError& e) {
    EXPECT_FALSE(e.library().empty());
    EXPECT_FALSE(e.reason().empty());
  }
  EXPECT_THROW(s.load_cert_chain(pki().server.cert, pki().client.key), SSLError);  // key does not match
  EXPECT_THROW(s.load_cert_chain(pki().server.cert, pki().encrypted_key,
                                 [] () -> std::string { throw std::runtime_error("no tty"); }),
               std::runtime_error);
}

// SSLv23_METHOD, a name Python deprecates, must keep working, so the
// pyOpenSSL-style tests use it on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

TEST(Context, PyOpenSSLStyleCertificateAndKey) {
  Context client = test::client_context();
  Context s(SSLv23_METHOD);
  s.use_certificate(pki().server.credential.certificate);
  s.use_privatekey(pki().server.credential.key);
  s.check_privatekey();
  EXPECT_TRUE(connect(client, s).ok);

  Context f(SSLv23_METHOD);
  f.use_certificate_file(pki().server.cert);
  f.use_privatekey_file(pki().server.key);
  f.check_privatekey();
  EXPECT_THROW(f.use_privatekey(pki().client.credential.key), SSLError);  // does not match the certificate
  Context mismatched(SSLv23_METHOD);
  mismatched.use_privatekey(pki().client.credential.key);
  mismatched.use_certificate(pki().server.credential.certificate);
  EXPECT_THROW(mismatched.check_privatekey(), SSLError);

  // DER files (FILETYPE_ASN1).
  const auto der_path = pki().dir / "server-cert.der";
  const auto der = pki().server.credential.certificate.der();
  test::write_text(der_path, std::string(reinterpret_cast<const char*>(der.data()), der.size()));
  Context d(SSLv23_METHOD);
  d.use_certificate_file(der_path, FILETYPE_ASN1);
  d.use_privatekey(pki().server.credential.key);
  EXPECT_TRUE(connect(client, d).ok);
}

TEST(Context, PasswordCallbackWrongThenRight) {
  Context s(SSLv23_METHOD);
  std::vector<std::string> answers = {"wrong", pki().key_password};
  int maxlen_seen = 0;
  s.set_passwd_cb(
      [&](int maxlen, bool verify, const std::any& userdata) {
        maxlen_seen = maxlen;
        EXPECT_FALSE(verify);
        EXPECT_EQ(std::any_cast<int>(userdata), 42);
        std::string a = answers.front();
        answers.erase(answers.begin());
        return a;
      },
      42);
  EXPECT_THROW(s.use_privatekey_file(pki().encrypted_key), SSLError);
  s.use_privatekey_file(pki().encrypted_key);
  EXPECT_GT(maxlen_seen, 0);
  s.use_certificate_file(pki().server.cert);
  s.check_privatekey();
}

#pragma GCC diagnostic pop

TEST(Context, ChainFileAndExtraChainCert) {
  const auto [inter, leaf] = leaf_under_intermediate();
  Context client = test::client_context();

  Context without(PROTOCOL_TLS_SERVER);
  without.use_certificate(leaf.certificate);
  without.use_privatekey(leaf.key);
  EXPECT_FALSE(connect(client, without).ok);  // the client cannot build the chain

  Context with(PROTOCOL_TLS_SERVER);
  with.use_certificate(leaf.certificate);
  with.use_privatekey(leaf.key);
  with.add_extra_chain_cert(inter.certificate());
  EXPECT_TRUE(connect(client, with).ok);

  const auto chain = pki().dir / "leaf-chain.pem";
  test::write_text(chain, leaf.certificate.pem() + inter.certificate().pem());
  Context file(PROTOCOL_TLS_SERVER);
  file.use_certificate_chain_file(chain);
  file.use_privatekey(leaf.key);
  Connection cl = client.wrap_bio({.server_hostname = "localhost"});
  Connection sv = file.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(cl, sv).ok());
  EXPECT_EQ(cl.get_peer_cert_chain().size(), 2u);
}

TEST(Context, ExtraChainCertWorksInAnyOrder) {
  const auto [inter, leaf] = leaf_under_intermediate();
  Context client = test::client_context();
  Context server(PROTOCOL_TLS_SERVER);
  server.add_extra_chain_cert(inter.certificate());  // before the leaf
  server.use_certificate(leaf.certificate);
  server.use_privatekey(leaf.key);
  EXPECT_TRUE(connect(client, server).ok);
}

}  // namespace
}  // namespace sslpp
