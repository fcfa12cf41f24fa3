// Issue 11 item 4: every certificate-validation failure class is rejected by
// default, in the handshake itself. Each row of cert_failures_cases.cpp runs
// twice through a real in-memory handshake: without its defect (the control,
// which must succeed, or the row would prove nothing) and with it, where the
// verifying side's throwing do_handshake must raise SSLCertVerificationError
// carrying the X509_V_ERR_* OpenSSL gives for that class.
//
// The verifier is exactly what an application gets from
// create_default_context with only the test root as cadata; CRL rows add
// CRL checking through Context::set_verify_flags and the context's
// CertStore, and one host-name row turns the commonName fallback on. The
// peer presenting the chain is a fixture at security level 0, so it can load
// and send the weak keys and digests whose rejection is under test.
//
// A row that fails here with "FAIL (finding)" means sslpp accepted what it
// must reject: report it, do not weaken the row.
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/error.hpp>

#include <gtest/gtest.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <string>

#include <sslpp/verify_failure.hpp>

#include "cert_failures_cases.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp::test::cert_failures {
namespace {

// Verdict is how the verifying side's handshake ended.
struct Verdict {
  bool ok = false;     // its do_handshake completed
  std::string thrown;  // the class of what do_handshake threw, if it threw
  long verify_code = 0;
  std::string message;
  long verify_result = X509_V_OK;  // OpenSSL's own verdict, for failure output
  std::shared_ptr<const VerifyFailure> failure{};  // the exception's explanation
};

std::string describe(const Verdict& v) {
  if (v.ok) {
    return "handshake completed (OpenSSL verify result " + std::to_string(v.verify_result) + ": " +
           X509_verify_cert_error_string(v.verify_result) + ")";
  }
  if (v.thrown.empty()) {
    return "handshake neither completed nor threw";
  }
  return v.thrown + " (verify code " + std::to_string(v.verify_code) + "): " + v.message;
}

// verifier is the context under test: create_default_context with only the
// row's root trusted, plus the row's CRL settings.
Context verifier(Side side, const Chain& chain) {
  const bool client = side == Side::client_verifies_server;
  Context ctx = create_default_context(client ? Purpose::SERVER_AUTH : Purpose::CLIENT_AUTH,
                                       {.cadata_pem = chain.trusted_pem});
  if (!client) {
    ctx.set_verify_mode(CERT_REQUIRED);
    ctx.load_cert_chain(pki().server.cert, pki().server.key);
  }
  if (chain.cn_fallback) {
    ctx.set_hostname_checks_common_name(true);
  }
  if (chain.crl_flags != VERIFY_DEFAULT) {
    ctx.set_verify_flags(ctx.verify_flags() | chain.crl_flags);
  }
  for (const std::string& crl : chain.crls) {
    ctx.get_cert_store().add_crl(crl);
  }
  return ctx;
}

// presenter is the peer: it sends the row's chain and accepts anything.
Context presenter(Side side, const Chain& chain) {
  const bool server = side == Side::client_verifies_server;
  Context ctx(server ? PROTOCOL_TLS_SERVER : PROTOCOL_TLS_CLIENT);
  // Level 0 before loading: at sslpp's level 2, use_certificate itself
  // refuses an RSA-1024 key or a SHA-1 signature.
  SSL_CTX_set_security_level(ctx.native_handle(), 0);
  if (!server) {
    ctx.set_check_hostname(false);
    ctx.set_verify_mode(CERT_NONE);
  }
  ctx.use_certificate(chain.presented.front().cert);
  ctx.use_privatekey(chain.presented.front().key);
  for (std::size_t i = 1; i < chain.presented.size(); ++i) {
    ctx.add_extra_chain_cert(chain.presented[i].cert);
  }
  return ctx;
}

// run handshakes a verifier with a presenter of `chain`, which caps the
// protocol at `version`. The verifying side uses the throwing do_handshake,
// as an application would, so the exception checked is the one the failing
// call raised; the presenter uses the status form.
Verdict run(Side side, const Chain& chain, TLSVersion version) {
  const bool client_tested = side == Side::client_verifies_server;
  const Context tested_ctx = verifier(side, chain);
  Context peer_ctx = presenter(side, chain);
  peer_ctx.set_maximum_version(version);
  Connection client = client_tested ? tested_ctx.wrap_bio({.server_hostname = chain.hostname}) : peer_ctx.wrap_bio();
  Connection server = (client_tested ? peer_ctx : tested_ctx).wrap_bio({.server_side = true});
  Connection& tested = client_tested ? client : server;
  Connection& peer = client_tested ? server : client;

  Verdict v;
  bool tested_done = false;
  bool peer_done = false;
  const auto step_tested = [&] {
    if (tested_done) {
      return;
    }
    try {
      tested.do_handshake();
      v.ok = true;
      tested_done = true;
    } catch (const SSLWantReadError&) {
    } catch (const SSLWantWriteError&) {
    } catch (const SSLCertVerificationError& e) {
      v = {false, e.class_name(), e.verify_code(), e.what(), X509_V_OK, e.info().verify_failure};
      tested_done = true;
    } catch (const OSError& e) {
      v = {false, e.class_name(), 0, e.what()};
      tested_done = true;
    }
  };
  const auto step_peer = [&] {
    if (!peer_done) {
      std::error_code ec;
      const io_status s = peer.do_handshake(ec).status;
      peer_done = s != io_status::want_read && s != io_status::want_write;
    }
  };
  const auto step = [&](Connection& conn) { &conn == &tested ? step_tested() : step_peer(); };
  for (int round = 0; round < 100; ++round) {
    step(client);
    const std::size_t a = transfer(client, server);
    step(server);
    const std::size_t b = transfer(server, client);
    if (a == 0 && b == 0 && (tested_done || peer_done)) {
      break;
    }
  }
  v.verify_result = tested.verify_result();
  return v;
}

// expect_explained checks the explanation of `v` against the row: the
// depth and kind it names, the facts its hint must state, the hint's form
// (one printable line, bounded), and the chains it records.
void expect_explained(Side side, const Case& c, const Chain& chain, const Verdict& v) {
  ASSERT_NE(v.failure, nullptr) << "no explanation for " << c.name;
  const VerifyFailure& f = *v.failure;
  EXPECT_EQ(f.code, c.expected);
  EXPECT_EQ(f.depth, c.depth) << f.hint;
  EXPECT_EQ(to_string(f.kind), to_string(c.hint)) << f.hint;
  EXPECT_EQ(f.peer, side == Side::client_verifies_server ? PeerRole::server : PeerRole::client);
  if (c.facts != nullptr) {
    for (const std::string& fact : c.facts(chain)) {
      EXPECT_NE(f.hint.find(fact), std::string::npos) << "the hint lacks '" << fact << "': " << f.hint;
    }
  }
  EXPECT_LE(f.hint.size(), 512U);
  for (const char ch : f.hint) {
    const auto b = static_cast<unsigned char>(ch);
    ASSERT_TRUE(b >= 0x20 && b < 0x7f) << "a byte " << int(b) << " in the hint: " << f.hint;
  }
  ASSERT_EQ(f.chain_sent.size(), chain.presented.size());
  for (std::size_t i = 0; i < chain.presented.size(); ++i) {
    EXPECT_EQ(f.chain_sent[i].sha256, chain.presented[i].cert.sha256_fingerprint()) << "sent[" << i << "]";
    EXPECT_TRUE(f.chain_sent[i].from_peer);
  }
  ASSERT_FALSE(f.chain_built.empty());
  EXPECT_EQ(f.chain_built[0].sha256, chain.presented[0].cert.sha256_fingerprint());
  EXPECT_TRUE(f.chain_built[0].from_peer);
  ASSERT_GE(f.depth, 0);
  ASSERT_LT(static_cast<std::size_t>(f.depth), f.chain_built.size());
}

// expect_rejected runs `c` under TLS 1.3 and 1.2: the certificate messages
// and the point where verification runs differ between the two. The chains
// are built once (RSA key generation is the slow part).
void expect_rejected(Side side, const Case& c) {
  const Chain without_defect = c.build(side, false);
  const Chain with_defect = c.build(side, true);
  for (const TLSVersion version : {TLSVersion::TLSv1_3, TLSVersion::TLSv1_2}) {
    SCOPED_TRACE(to_string(version));
    const Verdict control = run(side, without_defect, version);
    ASSERT_TRUE(control.ok) << "the control (" << c.name << " without its defect) must complete, or the row "
                            << "proves nothing: " << describe(control);

    const Verdict v = run(side, with_defect, version);
    if (v.ok) {
      ADD_FAILURE() << "FAIL (finding): sslpp accepted " << c.name << ", expected verify code " << c.expected << " ("
                    << X509_verify_cert_error_string(c.expected) << "): " << describe(v);
      continue;
    }
    EXPECT_EQ(v.thrown, "SSLCertVerificationError") << describe(v);
    EXPECT_EQ(v.verify_code, c.expected) << "got " << X509_verify_cert_error_string(v.verify_code) << ", expected "
                                         << X509_verify_cert_error_string(c.expected) << "; " << describe(v);
    EXPECT_EQ(v.verify_result, c.expected) << "OpenSSL's own verdict differs from the exception's";
    expect_explained(side, c, with_defect, v);
  }
}

std::string row_name(const testing::TestParamInfo<Case>& info) { return info.param.name; }

// -- A client verifying the server -------------------------------------------

class ClientVerifiesServer : public testing::TestWithParam<Case> {};

TEST_P(ClientVerifiesServer, HandshakeFails) { expect_rejected(Side::client_verifies_server, GetParam()); }

INSTANTIATE_TEST_SUITE_P(CertFailure, ClientVerifiesServer, testing::ValuesIn(cases(Side::client_verifies_server)),
                         row_name);

// -- A server verifying client certificates ----------------------------------
// The same rows except the host-name ones: OpenSSL checks no name in a
// client's certificate, and neither does Python or sslpp.

class ServerVerifiesClient : public testing::TestWithParam<Case> {};

TEST_P(ServerVerifiesClient, HandshakeFails) { expect_rejected(Side::server_verifies_client, GetParam()); }

INSTANTIATE_TEST_SUITE_P(CertFailure, ServerVerifiesClient, testing::ValuesIn(cases(Side::server_verifies_client)),
                         row_name);

}  // namespace

}  // namespace sslpp::test::cert_failures
