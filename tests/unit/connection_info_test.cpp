// Connection introspection and control (pyOpenSSL's half of Connection):
// randoms, secrets, Finished messages, exporters, cipher lists,
// renegotiation, post-handshake authentication, SNI and client CA names.
// In memory (both ends sslpp) for symmetry, and against independent peers
// (openssl s_server / s_client, the NSS key log) for the values themselves.
#include <sslpp/connection.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"
#include "support/socket_driver.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::DriveResult;
using test::Fd;
using test::handshake;
using test::pki;
using test::SocketDriver;
using test::Subprocess;
using test::transfer;

using Bytes = std::vector<std::byte>;

std::string path(const std::filesystem::path& p) { return p.string(); }

// upper_hex is the form s_client and the NSS key log print (case aside).
std::string upper_hex(std::span<const std::byte> bytes) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const std::byte b : bytes) {
    out += digits[std::to_integer<unsigned>(b) >> 4];
    out += digits[std::to_integer<unsigned>(b) & 0xF];
  }
  return out;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

Bytes bytes_of(std::string_view s) {
  const auto b = std::as_bytes(std::span(s));
  return {b.begin(), b.end()};
}

// Pair is an sslpp client and server over memory; `tls12` caps the server
// at TLS 1.2.
struct Pair {
  Context client_ctx = test::client_context();
  Context server_ctx = test::server_context();
  Connection client;
  Connection server;

  explicit Pair(bool tls12 = false) : client(make_client(client_ctx)), server(make_server(server_ctx, tls12)) {}

  static Connection make_client(const Context& ctx) { return ctx.wrap_bio({.server_hostname = "localhost"}); }
  static Connection make_server(Context& ctx, bool tls12) {
    if (tls12) {
      ctx.set_maximum_version(TLSVersion::TLSv1_2);
    }
    return ctx.wrap_bio({.server_side = true});
  }
};

// exchange reads on both ends and moves the ciphertext until nothing moves,
// which is how a post-handshake message (HelloRequest, CertificateRequest,
// a renegotiation) gets driven by ordinary reads. Returns the plaintext
// each end read. Fails the test on a hard error.
struct Exchanged {
  std::string at_client;
  std::string at_server;
};
Exchanged exchange(Connection& client, Connection& server) {
  Exchanged got;
  std::array<std::byte, 4096> buf{};
  const auto drain = [&buf](Connection& c, std::string& into) {
    std::error_code ec;
    for (;;) {
      const io_result r = c.read(buf, ec);
      if (r.ok()) {
        into.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
        continue;
      }
      EXPECT_EQ(r.status, io_status::want_read) << ec.message() << ": " << c.last_error().message;
      return;
    }
  };
  for (int round = 0; round < 50; ++round) {
    drain(client, got.at_client);
    const std::size_t a = transfer(client, server);
    drain(server, got.at_server);
    const std::size_t b = transfer(server, client);
    if (a == 0 && b == 0) {
      break;
    }
  }
  return got;
}

// roundtrip proves the connection still carries data both ways.
void expect_data_flows(Connection& client, Connection& server, const std::string& tag) {
  client.sendall("ping " + tag);
  server.sendall("pong " + tag);
  const Exchanged got = exchange(client, server);
  EXPECT_EQ(got.at_server, "ping " + tag);
  EXPECT_EQ(got.at_client, "pong " + tag);
}

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

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

// ---------------------------------------------------------------------------
// State string, randoms, secrets, Finished

TEST(ConnectionInfo, StateStringFollowsTheHandshake) {
  Pair p;
  EXPECT_EQ(p.client.state_string(), "before SSL initialization");
  EXPECT_EQ(p.server.state_string(), "before SSL initialization");
  std::error_code ec;
  ASSERT_EQ(p.client.do_handshake(ec).status, io_status::want_read);
  // The client has written its hello and waits for the server's.
  EXPECT_EQ(p.client.state_string(), "SSLv3/TLS write client hello");
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_EQ(p.client.state_string(), "SSL negotiation finished successfully");
  EXPECT_EQ(p.server.state_string(), "SSL negotiation finished successfully");
}

TEST(ConnectionInfo, RandomsAreThirtyTwoBytesAndTheSameOnBothEnds) {
  for (const bool tls12 : {false, true}) {
    SCOPED_TRACE(tls12 ? "TLS 1.2" : "TLS 1.3");
    Pair p(tls12);
    EXPECT_EQ(p.client.client_random(), std::nullopt);
    EXPECT_EQ(p.client.server_random(), std::nullopt);
    EXPECT_EQ(p.server.client_random(), std::nullopt);
    std::error_code ec;
    ASSERT_EQ(p.client.do_handshake(ec).status, io_status::want_read);
    // The ClientHello exists, the ServerHello does not yet.
    const auto sent = p.client.client_random();
    ASSERT_TRUE(sent);
    EXPECT_EQ(p.client.server_random(), std::nullopt);
    ASSERT_TRUE(handshake(p.client, p.server).ok());

    const auto client_random = p.client.client_random();
    const auto server_random = p.client.server_random();
    ASSERT_TRUE(client_random);
    ASSERT_TRUE(server_random);
    EXPECT_EQ(client_random->size(), 32u);
    EXPECT_EQ(server_random->size(), 32u);
    EXPECT_EQ(client_random, sent);
    EXPECT_EQ(p.server.client_random(), client_random);
    EXPECT_EQ(p.server.server_random(), server_random);
    EXPECT_NE(client_random, server_random);
  }
  // A second connection gets fresh randoms.
  Pair a;
  Pair b;
  ASSERT_TRUE(handshake(a.client, a.server).ok());
  ASSERT_TRUE(handshake(b.client, b.server).ok());
  EXPECT_NE(a.client.client_random(), b.client.client_random());
  EXPECT_NE(a.server.server_random(), b.server.server_random());
}

TEST(ConnectionInfo, MasterKeyMatchesBothEndsAndTheKeyLog) {
  const auto keylog = pki().dir / ("conninfo-" + test_name() + ".keylog");
  std::filesystem::remove(keylog);
  Pair p(true);
  p.client_ctx.set_keylog_filename(keylog);
  EXPECT_EQ(p.client.master_key(), std::nullopt);
  EXPECT_EQ(p.server.master_key(), std::nullopt);
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  ASSERT_EQ(p.client.version(), "TLSv1.2");

  const auto client_key = p.client.master_key();
  ASSERT_TRUE(client_key);
  EXPECT_EQ(client_key->size(), 48u);  // RFC 5246 section 8.1
  EXPECT_EQ(p.server.master_key(), client_key);

  // OpenSSL's key log callback writes NSS's format, which Wireshark reads:
  // "CLIENT_RANDOM <client random> <master secret>", in hex.
  std::ifstream in(keylog);
  ASSERT_TRUE(in) << keylog;
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) {
    lines.push_back(upper(line));
  }
  const std::string expected = "CLIENT_RANDOM " + upper_hex(*p.client.client_random()) + " " + upper_hex(*client_key);
  EXPECT_NE(std::find(lines.begin(), lines.end(), expected), lines.end()) << "expected " << expected;
  p.client_ctx.set_keylog_filename({});
}

TEST(ConnectionInfo, MasterKeyOnTls13IsNotSupported) {
  Pair p;
  EXPECT_EQ(p.client.master_key(), std::nullopt);  // not known yet which version
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  ASSERT_EQ(p.client.version(), "TLSv1.3");
  for (Connection* c : {&p.client, &p.server}) {
    try {
      static_cast<void>(c->master_key());
      ADD_FAILURE() << "master_key did not throw on TLS 1.3";
    } catch (const NotSupportedError& e) {
      EXPECT_EQ(e.code(), make_error_code(errc::not_supported));
      EXPECT_NE(std::string(e.what()).find("export_keying_material"), std::string::npos) << e.what();
    }
  }
  expect_data_flows(p.client, p.server, "after master_key");
}

TEST(ConnectionInfo, FinishedOnOneEndIsPeerFinishedOnTheOther) {
  for (const bool tls12 : {false, true}) {
    SCOPED_TRACE(tls12 ? "TLS 1.2" : "TLS 1.3");
    Pair p(tls12);
    EXPECT_EQ(p.client.get_finished(), std::nullopt);
    EXPECT_EQ(p.client.get_peer_finished(), std::nullopt);
    EXPECT_EQ(p.server.get_finished(), std::nullopt);
    ASSERT_TRUE(handshake(p.client, p.server).ok());
    const auto client_finished = p.client.get_finished();
    const auto server_finished = p.server.get_finished();
    ASSERT_TRUE(client_finished);
    ASSERT_TRUE(server_finished);
    EXPECT_EQ(p.server.get_peer_finished(), client_finished);
    EXPECT_EQ(p.client.get_peer_finished(), server_finished);
    EXPECT_NE(client_finished, server_finished);
    // TLS 1.2 verify_data is 12 bytes (RFC 5246 7.4.9); TLS 1.3's is the
    // transcript hash: SHA-256 or SHA-384.
    if (tls12) {
      EXPECT_EQ(client_finished->size(), 12u);
    } else {
      EXPECT_TRUE(client_finished->size() == 32u || client_finished->size() == 48u) << client_finished->size();
    }
    // tls-unique is the client's Finished on a full handshake (RFC 5929).
    EXPECT_EQ(p.client.get_channel_binding(), client_finished);
  }
}

// ---------------------------------------------------------------------------
// Exporter

TEST(ConnectionInfo, ExportKeyingMaterialAgreesAndDependsOnItsInputs) {
  for (const bool tls12 : {false, true}) {
    SCOPED_TRACE(tls12 ? "TLS 1.2" : "TLS 1.3");
    Pair p(tls12);
    try {
      static_cast<void>(p.client.export_keying_material("EXPERIMENTAL-sslpp", 32));
      ADD_FAILURE() << "no ValueError before the handshake";
    } catch (const ValueError& e) {
      EXPECT_EQ(e.code(), make_error_code(errc::handshake_required));
    }
    ASSERT_TRUE(handshake(p.client, p.server).ok());

    const SecureBytes km = p.client.export_keying_material("EXPERIMENTAL-sslpp", 32);
    EXPECT_EQ(km.size(), 32u);
    EXPECT_EQ(p.server.export_keying_material("EXPERIMENTAL-sslpp", 32), km);
    EXPECT_NE(p.client.export_keying_material("EXPERIMENTAL-other", 32), km);
    const SecureBytes long_km = p.client.export_keying_material("EXPERIMENTAL-sslpp", 100);
    EXPECT_EQ(long_km.size(), 100u);
    EXPECT_EQ(p.server.export_keying_material("EXPERIMENTAL-sslpp", 100), long_km);

    const Bytes ctx_a = bytes_of("context a");
    const Bytes ctx_b = bytes_of("context b");
    const SecureBytes with_a = p.client.export_keying_material("EXPERIMENTAL-sslpp", 32, std::span(ctx_a));
    EXPECT_EQ(p.server.export_keying_material("EXPERIMENTAL-sslpp", 32, std::span(ctx_a)), with_a);
    EXPECT_NE(with_a, km);
    EXPECT_NE(p.client.export_keying_material("EXPERIMENTAL-sslpp", 32, std::span(ctx_b)), with_a);

    // RFC 5705 (TLS 1.2) tells an empty context from none; RFC 8446 7.5
    // (TLS 1.3) defines no context as the empty one.
    const SecureBytes empty_ctx = p.client.export_keying_material("EXPERIMENTAL-sslpp", 32, std::span<const std::byte>());
    EXPECT_EQ(p.server.export_keying_material("EXPERIMENTAL-sslpp", 32, std::span<const std::byte>()), empty_ctx);
    if (tls12) {
      EXPECT_NE(empty_ctx, km);
    } else {
      EXPECT_EQ(empty_ctx, km);
    }

    EXPECT_THROW(static_cast<void>(p.client.export_keying_material("EXPERIMENTAL-sslpp", 0)), ValueError);
    // An empty label is allowed and still agreed.
    EXPECT_EQ(p.client.export_keying_material("", 16), p.server.export_keying_material("", 16));
    // Labels the TLS 1.2 key schedule uses itself are refused (RFC 5705 4).
    if (tls12) {
      EXPECT_THROW(static_cast<void>(p.client.export_keying_material("master secret", 32)), SSLError);
    }
    expect_data_flows(p.client, p.server, "after export");
  }
}

// ---------------------------------------------------------------------------
// Cipher list

TEST(ConnectionInfo, CipherListFollowsSetCiphers) {
  Context ctx = test::client_context();
  const std::vector<std::string> defaults = ctx.wrap_bio({.server_hostname = "localhost"}).get_cipher_list();
  ASSERT_FALSE(defaults.empty());
  EXPECT_NE(std::find(defaults.begin(), defaults.end(), "TLS_AES_256_GCM_SHA384"), defaults.end());

  ctx.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256");
  const std::vector<std::string> list = ctx.wrap_bio({.server_hostname = "localhost"}).get_cipher_list();
  // The TLS 1.3 suites (set_ciphersuites) come first, then our two in our order.
  std::vector<std::string> tls12;
  std::copy_if(list.begin(), list.end(), std::back_inserter(tls12),
               [](const std::string& n) { return n.rfind("TLS_", 0) != 0; });
  EXPECT_EQ(tls12, (std::vector<std::string>{"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256"}));
  EXPECT_EQ(list.back(), "ECDHE-ECDSA-AES128-GCM-SHA256");

  ctx.set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(ctx.wrap_bio({.server_hostname = "localhost"}).get_cipher_list(),
            (std::vector<std::string>{"TLS_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                                      "ECDHE-ECDSA-AES128-GCM-SHA256"}));
}

TEST(ConnectionInfo, NegotiatedCipherIsInBothLists) {
  Pair p(true);
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  const std::string name = p.client.cipher()->name;
  for (Connection* c : {&p.client, &p.server}) {
    const std::vector<std::string> list = c->get_cipher_list();
    EXPECT_NE(std::find(list.begin(), list.end(), name), list.end()) << name;
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
// authentication; request_client_certs_later makes a server verify client
// certificates but ask for them only after the handshake.
void offer_pha(Context& client_ctx) { client_ctx.set_post_handshake_auth(true); }

void request_client_certs_later(Context& server_ctx) {
  server_ctx.load_verify_locations(pki().ca_file);
  server_ctx.set_verify(VERIFY_PEER | VERIFY_POST_HANDSHAKE);
}

TEST(ConnectionInfo, VerifyClientPostHandshakeFetchesTheCertificate) {
  Pair p;
  p.client_ctx.load_cert_chain(pki().client.cert, pki().client.key);
  offer_pha(p.client_ctx);
  request_client_certs_later(p.server_ctx);
  p.client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  p.server = p.server_ctx.wrap_bio({.server_side = true});
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
    Pair p(true);
    // VERIFY_POST_HANDSHAKE means nothing to TLS 1.2: the server asks in
    // the handshake, so the client needs a certificate to get through.
    p.client_ctx.load_cert_chain(pki().client.cert, pki().client.key);
    offer_pha(p.client_ctx);
    request_client_certs_later(p.server_ctx);
    p.client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
    p.server = p.server_ctx.wrap_bio({.server_side = true});
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

// ---------------------------------------------------------------------------
// SNI

// sni_client is a client that verifies the certificate but not the name, so
// set_tlsext_host_name can send any name.
Connection sni_client(Context& ctx) {
  ctx.set_check_hostname(false);
  Connection c = ctx.wrap_bio();
  return c;
}

TEST(ConnectionInfo, ServerSeesTheNameFromSetTlsextHostName) {
  Pair p;
  p.client = sni_client(p.client_ctx);
  EXPECT_EQ(p.client.get_servername(), std::nullopt);
  p.client.set_tlsext_host_name("example.org");
  p.client.set_tlsext_host_name("www.example.org");  // replaces, not appends
  EXPECT_EQ(p.client.get_servername(), "www.example.org");
  EXPECT_EQ(p.client.server_hostname(), std::nullopt);  // SNI only: nothing to verify
  EXPECT_EQ(p.server.get_servername(), std::nullopt);
  ASSERT_TRUE(handshake(p.client, p.server).ok()) << "the name was not checked";
  EXPECT_EQ(p.server.get_servername(), "www.example.org");
  EXPECT_EQ(p.client.get_servername(), "www.example.org");
}

TEST(ConnectionInfo, ServerSeesTheNameFromWrapBio) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_EQ(p.server.get_servername(), "localhost");
  EXPECT_EQ(p.client.get_servername(), "localhost");
}

TEST(ConnectionInfo, IpAddressesSendNoServerName) {
  for (const char* ip : {"127.0.0.1", "::1"}) {
    SCOPED_TRACE(ip);
    Pair p;
    p.client = p.client_ctx.wrap_bio({.server_hostname = ip});
    ASSERT_TRUE(handshake(p.client, p.server).ok());  // verified against the IP SAN
    EXPECT_EQ(p.client.get_servername(), std::nullopt);
    EXPECT_EQ(p.server.get_servername(), std::nullopt);
  }
}

TEST(ConnectionInfo, SetTlsextHostNameRefusesWhatSniCannotCarry) {
  Pair p;
  p.client = sni_client(p.client_ctx);
  for (const std::string_view bad :
       {std::string_view(""), std::string_view(".example.org"), std::string_view("127.0.0.1"),
        std::string_view("::1"), std::string_view("2001:db8::1"), std::string_view("a\0b", 3)}) {
    EXPECT_THROW(p.client.set_tlsext_host_name(bad), ValueError) << bad;
  }
  EXPECT_THROW(p.client.set_tlsext_host_name(std::string(256, 'a')), ValueError);
  EXPECT_NO_THROW(p.client.set_tlsext_host_name(std::string(63, 'a') + ".example"));
  EXPECT_THROW(p.server.set_tlsext_host_name("example.org"), ValueError);
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_THROW(p.client.set_tlsext_host_name("late.example"), ValueError);
  EXPECT_EQ(p.server.get_servername(), std::string(63, 'a') + ".example");
}

// ---------------------------------------------------------------------------
// Client CA names

// set_client_cas names `cas` in the certificate requests of `ctx`.
void set_client_cas(Context& ctx, const std::vector<Certificate>& cas) {
  ctx.set_client_ca_list({});
  for (const Certificate& ca : cas) {
    ctx.add_client_ca(ca);
  }
}

TEST(ConnectionInfo, ClientReceivesTheServersCaNames) {
  for (const bool tls12 : {false, true}) {
    SCOPED_TRACE(tls12 ? "TLS 1.2" : "TLS 1.3");
    Pair p(tls12);
    p.client_ctx.load_cert_chain(pki().client.cert, pki().client.key);
    p.client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
    p.server_ctx.set_verify_mode(CERT_REQUIRED);
    p.server_ctx.load_verify_locations(pki().ca_file);
    set_client_cas(p.server_ctx, {pki().ca.certificate(), pki().other_ca.certificate()});
    p.server = p.server_ctx.wrap_bio({.server_side = true});

    const std::vector<Name> sent = p.server.get_client_ca_list();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0], pki().ca.certificate().subject());
    EXPECT_EQ(sent[1], pki().other_ca.certificate().subject());
    EXPECT_TRUE(p.client.get_client_ca_list().empty());
    ASSERT_TRUE(handshake(p.client, p.server).ok()) << "client certificate refused";
    EXPECT_EQ(p.client.get_client_ca_list(), sent);
    EXPECT_EQ(p.server.get_client_ca_list(), sent);
    EXPECT_TRUE(p.server.get_peer_certificate());
  }
}

TEST(ConnectionInfo, NoCertificateRequestMeansNoCaNames) {
  Pair p;
  p.server_ctx.load_client_ca(pki().ca_file);
  p.server = p.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_EQ(p.server.get_client_ca_list(), std::vector<Name>{pki().ca.certificate().subject()});
  EXPECT_TRUE(p.client.get_client_ca_list().empty());  // CERT_NONE: no request sent
}

// ---------------------------------------------------------------------------
// Independent peers

// start_s_server runs s_server with the test server's certificate.
test::SServer start_s_server(const std::vector<std::string>& extra) {
  return test::start_s_server(pki().server, extra);
}

// ClientSide is an sslpp client connected to a peer server.
struct ClientSide {
  Context ctx;
  SSLSocket sock;
  Connection& conn = sock.connection();
  SocketDriver driver{sock};

  ClientSide(Context context, std::uint16_t port, SSLSocketOptions options)
      : ctx(std::move(context)), sock(test::connect_tls(ctx, port, std::move(options))) {}
};

const SSLSocketOptions localhost_client{.server_hostname = "localhost"};

using test::SClient;

std::string explain(const DriveResult& r, const Connection& conn, Subprocess& peer) {
  return "status=" + std::to_string(static_cast<int>(r.status)) + " timed_out=" + std::to_string(r.timed_out) +
         " ec=" + r.ec.message() + " error=" + conn.last_error().message + "\n" + peer.describe();
}

TEST(ConnectionInfoInterop, ExportedKeyingMaterialMatchesOpenSSLClient) {
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    SCOPED_TRACE(version);
    SClient c(test::server_context(), {version, "-keymatexport", "EXPERIMENTAL-sslpp-interop", "-keymatexportlen",
                                       "40", "-noservername"});
    const DriveResult hs = c.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
    // s_client prints "    Keying material: <HEX>" after its handshake.
    const auto line = c.proc->wait_for_line("Keying material:");
    ASSERT_TRUE(line) << c.proc->describe();
    const std::string theirs = line->substr(line->find(':') + 1);
    const std::string ours = upper_hex(c.conn.export_keying_material("EXPERIMENTAL-sslpp-interop", 40));
    EXPECT_EQ(upper(std::string(theirs.substr(theirs.find_first_not_of(' ')))), ours);
  }
}

TEST(ConnectionInfoInterop, ClientRenegotiatesWithOpenSSLServer) {
  // OpenSSL 3 servers refuse client-initiated renegotiation unless told.
  test::SServer s = start_s_server({"-tls1_2", "-client_renegotiation", "-rev"});
  ClientSide c(test::client_context(), s.port, localhost_client);
  ASSERT_TRUE(c.driver.handshake().ok());
  ASSERT_TRUE(c.driver.write_all("one\n").ok());
  ASSERT_EQ(c.driver.read(4).data, "eno\n");
  const auto first_random = c.conn.client_random();

  c.conn.renegotiate();
  EXPECT_TRUE(c.conn.renegotiate_pending());
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  EXPECT_FALSE(c.conn.renegotiate_pending());
  EXPECT_EQ(c.conn.total_renegotiations(), 1);
  EXPECT_NE(c.conn.client_random(), first_random);
  ASSERT_TRUE(c.driver.write_all("two\n").ok());
  const DriveResult r = c.driver.read(4);
  ASSERT_TRUE(r.ok()) << explain(r, c.conn, *s.proc);
  EXPECT_EQ(r.data, "owt\n");
}

TEST(ConnectionInfoInterop, OpenSSLServerRefusingRenegotiationEndsTheConnection) {
  // Without -client_renegotiation an OpenSSL 3 server answers the new
  // ClientHello with a no_renegotiation alert, which OpenSSL's client
  // treats as fatal: our side must report it, not hang.
  test::SServer s = start_s_server({"-tls1_2", "-rev"});
  ClientSide c(test::client_context(), s.port, localhost_client);
  ASSERT_TRUE(c.driver.handshake().ok());
  c.conn.renegotiate();
  const DriveResult hs = c.driver.handshake();
  EXPECT_EQ(hs.status, io_status::error) << explain(hs, c.conn, *s.proc);
  EXPECT_EQ(c.conn.last_error().reason, "NO_RENEGOTIATION") << c.conn.last_error().message;
}

// A Python client (blocking, so every step completes before the next) that
// reads one line, sends one back (the write that carries its side of a
// renegotiation the server asked for), and reports how it ended.
constexpr const char* python_line_client = R"(
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(sys.argv[2])
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        line = b""
        while not line.endswith(b"\n"):
            line += s.recv(64)
        print("got", line.decode().strip(), flush=True)
        s.sendall(b"after\n")
        print("sent", flush=True)
        s.recv(1)
)";

TEST(ConnectionInfoInterop, PythonClientFollowsOurRenegotiation) {
  Context ctx = test::server_context();
  ctx.set_maximum_version(TLSVersion::TLSv1_2);
  const test::Listener listener = test::tcp_listen();
  Subprocess py({SSLPP_PYTHON3, "-c", python_line_client, std::to_string(listener.port), path(pki().ca_file)});
  SSLSocket sock = test::accept_tls(ctx, listener, py);
  Connection& conn = sock.connection();
  SocketDriver driver(sock);
  ASSERT_TRUE(driver.handshake().ok()) << py.describe();
  const auto first_random = conn.server_random();

  conn.renegotiate();
  EXPECT_TRUE(conn.renegotiate_pending());
  // The HelloRequest goes out ahead of the line; the client renegotiates
  // when it next writes, and our read carries the new handshake through.
  ASSERT_TRUE(driver.write_all("reneg\n").ok());
  ASSERT_EQ(py.wait_for_line("got"), "got reneg") << py.describe();
  const DriveResult r = driver.read(6);
  ASSERT_TRUE(r.ok()) << explain(r, conn, py);
  EXPECT_EQ(r.data, "after\n");
  EXPECT_EQ(conn.total_renegotiations(), 1);
  EXPECT_FALSE(conn.renegotiate_pending());
  EXPECT_NE(conn.server_random(), first_random);
  ASSERT_TRUE(py.wait_for_line("sent")) << py.describe();
}

TEST(ConnectionInfoInterop, OpenSSLServerSeesOurSniName) {
  // s_server with a second certificate runs a servername callback that
  // prints the name the client sent.
  test::SServer s = start_s_server({"-servername", "sni.example", "-cert2", path(pki().server_rsa.cert), "-key2",
                              path(pki().server_rsa.key), "-rev"});
  Context ctx = test::client_context();
  ctx.set_check_hostname(false);  // verifies the certificate, not the name: any SNI name may be sent
  ClientSide c(std::move(ctx), s.port, {});
  c.conn.set_tlsext_host_name("sni.example");
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  // s_server switched to the second certificate, which it does only for
  // the name given as -servername.
  EXPECT_EQ(c.conn.get_peer_certificate(), pki().server_rsa.credential.certificate);
  // Its stdout is block-buffered on a pipe: "CLOSE" ends the session and,
  // with -naccept 1, the process, which flushes what its callback printed.
  ASSERT_TRUE(c.driver.write_all("CLOSE\n").ok());
  EXPECT_EQ(c.driver.read_to_end().status, io_status::closed);
  static_cast<void>(c.driver.shutdown(false));  // s_server waits for our close_notify
  EXPECT_EQ(s.proc->wait(), 0) << s.proc->describe();
  const std::string out = s.proc->stdout_seen() + s.proc->read_all();
  EXPECT_NE(out.find("Hostname in TLS extension: \"sni.example\""), std::string::npos) << out;
}

TEST(ConnectionInfoInterop, WeSeeOpenSSLClientsSniName) {
  {
    SClient c(test::server_context(), {"-servername", "from-s-client.example"});
    const DriveResult hs = c.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
    EXPECT_EQ(c.conn.get_servername(), "from-s-client.example");
  }
  {
    SClient c(test::server_context(), {"-noservername"});
    const DriveResult hs = c.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
    EXPECT_EQ(c.conn.get_servername(), std::nullopt);
  }
}

TEST(ConnectionInfoInterop, CaNamesFromOpenSSLServer) {
  // s_server names the CAs of its -CAfile in its certificate request.
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    SCOPED_TRACE(version);
    test::SServer s = start_s_server({version, "-Verify", "1", "-CAfile", path(pki().ca_file), "-rev"});
    Context ctx = test::client_context();
    ctx.load_cert_chain(pki().client.cert, pki().client.key);
    ClientSide c(ctx.share(), s.port, localhost_client);
    EXPECT_TRUE(c.conn.get_client_ca_list().empty());
    const DriveResult hs = c.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
    const std::vector<Name> names = c.conn.get_client_ca_list();
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0], pki().ca.certificate().subject());
    EXPECT_EQ(names[0].to_string(), "CN=sslpp test CA");
  }
}

TEST(ConnectionInfoInterop, OpenSSLClientAnswersPostHandshakeAuth) {
  Context ctx = test::server_context();
  request_client_certs_later(ctx);
  SClient c(ctx.share(), {"-tls1_3", "-enable_pha", "-cert", path(pki().client.cert), "-key", path(pki().client.key),
                  "-noservername"});
  ASSERT_TRUE(c.driver.handshake().ok());
  EXPECT_EQ(c.conn.get_peer_certificate(), std::nullopt);
  c.conn.verify_client_post_handshake();
  ASSERT_TRUE(c.driver.write_all("cert please\n").ok());
  ASSERT_TRUE(c.proc->wait_for_line("cert please")) << c.proc->describe();
  ASSERT_TRUE(c.proc->write_stdin("here\n"));
  const DriveResult r = c.driver.read(5);
  ASSERT_TRUE(r.ok()) << explain(r, c.conn, *c.proc);
  EXPECT_EQ(r.data, "here\n");
  EXPECT_EQ(c.conn.get_peer_certificate(), pki().client.credential.certificate);
}

}  // namespace
}  // namespace sslpp
