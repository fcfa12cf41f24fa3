// Connection introspection and control (pyOpenSSL's half of Connection),
// in memory with both ends sslpp, for symmetry: the state string, randoms,
// secrets, Finished messages, exporters, cipher lists, SNI and client CA
// names. Renegotiation and post-handshake authentication are in
// connection_info_post_handshake_test.cpp; the values against independent
// peers in connection_info_interop_test.cpp.
#include <sslpp/connection.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/hex.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using test::expect_data_flows;
using test::handshake;
using test::pki;
using test::upper;
using test::upper_hex;

using Bytes = std::vector<std::byte>;
using Pair = test::MemoryPair;

Bytes bytes_of(std::string_view s) {
  const auto b = std::as_bytes(std::span(s));
  return {b.begin(), b.end()};
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
    // tls-unique is the client's Finished on a full TLS 1.2 handshake (RFC
    // 5929); RFC 9266 leaves it undefined for TLS 1.3.
    if (tls12) {
      EXPECT_EQ(p.client.get_channel_binding(), client_finished);
    } else {
      EXPECT_THROW(static_cast<void>(p.client.get_channel_binding()), ValueError);
    }
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

}  // namespace
}  // namespace sslpp
