// Connection's post-handshake messages, in memory with both ends sslpp:
// renegotiation (TLS 1.2, asked for by either end, and refused where it
// cannot run) and post-handshake authentication (TLS 1.3), each driven by
// ordinary reads, with data still flowing afterwards.
#include <sslpp/connection.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <system_error>

#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using test::exchange;
using test::Exchanged;
using test::expect_data_flows;
using test::handshake;
using test::pki;
using test::request_client_certs_later;

using Pair = test::MemoryPair;

// expect_ssl_error runs `f`, which must throw SSLError with OpenSSL reason
// `reason` and a message that contains `hint` (what the caller should do).
template <typename F>
void expect_ssl_error(F&& f, std::string_view reason, std::string_view hint) {
  try {
    f();
    ADD_FAILURE() << "no SSLError thrown";
  } catch (const SSLError& e) {
    EXPECT_EQ(e.reason(), reason) << e.what();
    EXPECT_NE(std::string_view(e.what()).find(hint), std::string_view::npos) << e.what();
  }
}

// ---------------------------------------------------------------------------
// Renegotiation

TEST(ConnectionInfo, ServerRenegotiatesTls12InMemory) {
  Pair p(true);
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  ASSERT_EQ(p.client.version(), "TLSv1.2");
  EXPECT_EQ(p.server.total_renegotiations(), 0);
  EXPECT_FALSE(p.server.renegotiate_pending());
  const auto first_finished = p.client.get_finished();
  const auto first_random = p.client.client_random();

  p.server.renegotiate();
  EXPECT_TRUE(p.server.renegotiate_pending());
  // The HelloRequest goes out with the next write; the new handshake then
  // runs inside ordinary reads on both ends.
  p.server.sendall("before");
  const Exchanged got = exchange(p.client, p.server);
  EXPECT_EQ(got.at_client, "before");
  EXPECT_FALSE(p.server.renegotiate_pending());
  EXPECT_EQ(p.server.total_renegotiations(), 1);
  EXPECT_EQ(p.client.total_renegotiations(), 1);  // the client answered the request
  EXPECT_TRUE(p.client.is_handshake_done());
  // A new handshake: new randoms and new Finished messages, still agreed.
  EXPECT_NE(p.client.client_random(), first_random);
  EXPECT_NE(p.client.get_finished(), first_finished);
  EXPECT_EQ(p.server.get_peer_finished(), p.client.get_finished());
  EXPECT_EQ(p.client.master_key(), p.server.master_key());
  expect_data_flows(p.client, p.server, "after renegotiation");
}

TEST(ConnectionInfo, ServerFollowsAClientRenegotiationWhenAllowed) {
  Context client_ctx = test::client_context();
  Context server_ctx = test::server_context();
  server_ctx.set_maximum_version(TLSVersion::TLSv1_2);
  server_ctx.set_options(OP_ALLOW_CLIENT_RENEGOTIATION);
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(client, server).ok());
  const auto first_random = client.client_random();
  client.renegotiate();
  std::error_code ec;
  EXPECT_EQ(client.do_handshake(ec).status, io_status::want_read);  // the new ClientHello is out
  (void)exchange(client, server);
  EXPECT_TRUE(client.is_handshake_done());
  EXPECT_EQ(client.total_renegotiations(), 1);
  EXPECT_FALSE(client.renegotiate_pending());
  EXPECT_NE(client.client_random(), first_random);  // a new handshake ran
  EXPECT_EQ(server.get_peer_finished(), client.get_finished());
  expect_data_flows(client, server, "after a client renegotiation");
}

TEST(ConnectionInfo, RenegotiateIsRefusedOnTls13) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  for (Connection* c : {&p.client, &p.server}) {
    expect_ssl_error([&] { c->renegotiate(); }, "WRONG_SSL_VERSION", "TLS 1.3 has no renegotiation");
    EXPECT_FALSE(c->renegotiate_pending());
    EXPECT_EQ(c->total_renegotiations(), 0);
  }
  expect_data_flows(p.client, p.server, "after refusal");
}

TEST(ConnectionInfo, RenegotiateIsRefusedWithOpNoRenegotiation) {
  Pair p(true);
  p.server_ctx.set_options(OP_NO_RENEGOTIATION);
  p.server = p.server_ctx.wrap_bio({.server_side = true});  // options are copied at SSL_new
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  ASSERT_EQ(p.server.version(), "TLSv1.2");
  expect_ssl_error([&] { p.server.renegotiate(); }, "NO_RENEGOTIATION", "OP_NO_RENEGOTIATION");
  EXPECT_FALSE(p.server.renegotiate_pending());
  expect_data_flows(p.client, p.server, "after refusal");
  EXPECT_EQ(p.server.total_renegotiations(), 0);
}

TEST(ConnectionInfo, RenegotiateIsRefusedBeforeTheHandshake) {
  Pair p(true);
  for (Connection* c : {&p.client, &p.server}) {
    try {
      c->renegotiate();
      ADD_FAILURE() << "renegotiate did not throw before the handshake";
    } catch (const SSLError& e) {
      EXPECT_EQ(e.code(), make_error_code(errc::handshake_required));
      EXPECT_NE(std::string(e.what()).find("after do_handshake"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(c->renegotiate_pending());
  }
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  // Nothing was queued for after the handshake either.
  expect_data_flows(p.client, p.server, "first");
  EXPECT_EQ(p.client.total_renegotiations(), 0);
  EXPECT_EQ(p.server.total_renegotiations(), 0);
}

// ---------------------------------------------------------------------------
// Post-handshake authentication

// offer_pha makes clients of `client_ctx` offer post-handshake
// authentication.
void offer_pha(Context& client_ctx) { client_ctx.set_post_handshake_auth(true); }

// pha_pair is a pair whose client has a certificate (and offers
// post-handshake authentication when `offer`) and whose server asks for
// client certificates only after the handshake; both connections are made
// after the settings, since a certificate is copied when a connection is.
Pair pha_pair(bool tls12, bool offer) {
  Pair p(tls12);
  p.client_ctx.load_cert_chain(pki().client.cert, pki().client.key);
  if (offer) {
    offer_pha(p.client_ctx);
  }
  request_client_certs_later(p.server_ctx);
  p.client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  p.server = p.server_ctx.wrap_bio({.server_side = true});
  return p;
}

TEST(ConnectionInfo, VerifyClientPostHandshakeFetchesTheCertificate) {
  Pair p = pha_pair(false, true);
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  ASSERT_EQ(p.server.version(), "TLSv1.3");
  // VERIFY_POST_HANDSHAKE: nothing was asked during the handshake.
  EXPECT_EQ(p.server.get_peer_certificate(), std::nullopt);

  p.server.verify_client_post_handshake();
  // A second request is refused while the first is queued, then while it
  // awaits the client's answer.
  expect_ssl_error([&] { p.server.verify_client_post_handshake(); }, "STILL_IN_INIT", "still in progress");
  // The CertificateRequest goes out with the next write; the client answers
  // inside its read, and the server takes the answer inside its read.
  p.server.sendall("request");
  expect_ssl_error([&] { p.server.verify_client_post_handshake(); }, "REQUEST_SENT", "already outstanding");
  const Exchanged got = exchange(p.client, p.server);
  EXPECT_EQ(got.at_client, "request");
  const auto peer = p.server.get_peer_certificate();
  ASSERT_TRUE(peer);
  EXPECT_EQ(*peer, pki().client.credential.certificate);
  EXPECT_EQ(p.server.verify_result(), 0);
  // A second request is allowed once the first was answered.
  EXPECT_NO_THROW(p.server.verify_client_post_handshake());
  expect_data_flows(p.client, p.server, "after pha");
}

TEST(ConnectionInfo, VerifyClientPostHandshakeRefusals) {
  {
    SCOPED_TRACE("client did not offer");
    Pair p;
    p.client_ctx.load_cert_chain(pki().client.cert, pki().client.key);
    request_client_certs_later(p.server_ctx);
    p.server = p.server_ctx.wrap_bio({.server_side = true});
    ASSERT_TRUE(handshake(p.client, p.server).ok());
    expect_ssl_error([&] { p.server.verify_client_post_handshake(); }, "EXTENSION_NOT_RECEIVED",
                     "set_post_handshake_auth");
    expect_data_flows(p.client, p.server, "after refusal");
    EXPECT_EQ(p.server.get_peer_certificate(), std::nullopt);
  }
  {
    SCOPED_TRACE("TLS 1.2");
    // VERIFY_POST_HANDSHAKE means nothing to TLS 1.2: the server asks in
    // the handshake, so the client needs a certificate to get through.
    Pair p = pha_pair(true, true);
    ASSERT_TRUE(handshake(p.client, p.server).ok());
    expect_ssl_error([&] { p.server.verify_client_post_handshake(); }, "WRONG_SSL_VERSION", "only in TLS 1.3");
    expect_data_flows(p.client, p.server, "after refusal");
  }
  {
    SCOPED_TRACE("on the client, and before the handshake");
    Pair p;
    offer_pha(p.client_ctx);
    p.client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
    try {
      p.server.verify_client_post_handshake();
      ADD_FAILURE() << "no throw";
    } catch (const SSLError& e) {
      EXPECT_NE(std::string(e.what()).find("handshake has not completed"), std::string::npos) << e.what();
    }
    ASSERT_TRUE(handshake(p.client, p.server).ok());
    try {
      p.client.verify_client_post_handshake();
      ADD_FAILURE() << "no throw";
    } catch (const SSLError& e) {
      EXPECT_NE(std::string(e.what()).find("only a server"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace sslpp
