// What a handshake settled beyond version and cipher (Python 3.13 - 3.15):
// key exchange groups, signature algorithms and the peer's chains; channel
// binding (tls-exporter, RFC 9266); and the small server conveniences
// (automatic DH parameters, the ALPN mismatch alert, the server name of a
// resumed TLS 1.2 session). In memory with sslpp at both ends, then against
// openssl s_server / s_client.
#include <sslpp/connection.hpp>
#include <sslpp/ssl_socket.hpp>

#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/hex.hpp"
#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"
#include "support/socket_driver.hpp"

namespace sslpp {
namespace {

using test::handshake;
using test::pki;
using Pair = test::MemoryPair;

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// pair_for makes a client of `client_ctx` and a server of `server_ctx`.
struct Fresh {
  Connection client;
  Connection server;
  Fresh(const Context& client_ctx, const Context& server_ctx)
      : client(client_ctx.wrap_bio({.server_hostname = "localhost"})),
        server(server_ctx.wrap_bio({.server_side = true})) {}
};

// -- Groups ------------------------------------------------------------------------

TEST(Groups, SetGroupsDecidesTheKeyExchange) {
  for (const char* group : {"x25519", "secp256r1", "secp384r1", "ffdhe2048"}) {
    SCOPED_TRACE(group);
    Pair p;
    p.client_ctx.set_groups(group);
    Fresh f(p.client_ctx, p.server_ctx);
    ASSERT_TRUE(handshake(f.client, f.server).ok());
    const std::optional<std::string> g = f.client.group();
    ASSERT_TRUE(g);
    EXPECT_EQ(*g, f.server.group());
    // OpenSSL names X25519 in capitals.
    std::string lower = *g;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_EQ(lower, group);
  }
}

TEST(Groups, GroupIsNulloptBeforeTheHandshake) {
  Pair p;
  EXPECT_EQ(p.client.group(), std::nullopt);
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_TRUE(p.client.group());
}

TEST(Groups, UnknownGroupNamesAreRefusedByName) {
  Context ctx;
  try {
    ctx.set_groups("x25519:no-such-group:secp384r1");
    FAIL() << "accepted an unknown group";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("'no-such-group'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ctx.set_groups(""), ValueError);
  EXPECT_THROW(ctx.set_groups("x25519::secp256r1"), ValueError);
  EXPECT_THROW(ctx.set_groups(std::string_view("x25519\0secp256r1", 16)), ValueError);
  // The context is unchanged by the refusals: it still negotiates.
  Pair p;
  EXPECT_THROW(p.client_ctx.set_groups("bogus"), ValueError);
  Fresh f(p.client_ctx, p.server_ctx);
  EXPECT_TRUE(handshake(f.client, f.server).ok());
}

TEST(Groups, GetGroupsListsWhatThisOpenSSLImplements) {
  Context ctx;
  const std::vector<std::string> groups = ctx.get_groups();
  EXPECT_TRUE(contains(groups, "x25519")) << ::testing::PrintToString(groups);
  EXPECT_TRUE(contains(groups, "secp256r1"));
  EXPECT_TRUE(contains(groups, "ffdhe2048"));  // TLS 1.3 is within the default bounds
  EXPECT_FALSE(contains(groups, "P-256"));     // an alias
  const std::vector<std::string> with_aliases = ctx.get_groups(/*include_aliases=*/true);
  EXPECT_TRUE(contains(with_aliases, "P-256"));
  EXPECT_GT(with_aliases.size(), groups.size());
  // Every name listed is one set_groups takes.
  for (const std::string& g : groups) {
    EXPECT_NO_THROW(ctx.set_groups(g)) << g;
  }
  // The ffdhe groups are TLS 1.3's in OpenSSL 3.0: capped at TLS 1.2, gone.
  Context tls12;
  tls12.set_maximum_version(TLSVersion::TLSv1_2);
  EXPECT_FALSE(contains(tls12.get_groups(), "ffdhe2048"));
  EXPECT_TRUE(contains(tls12.get_groups(), "secp256r1"));
}

// -- Signature algorithms ------------------------------------------------------------

TEST(Sigalgs, EachSideReportsWhatItAndItsPeerSignedWith) {
  struct Case {
    const test::CredentialFiles* server;
    const char* server_sigalgs;
    const char* expected;
  };
  const Case cases[] = {
      {&pki().server, nullptr, "ecdsa_secp256r1_sha256"},
      {&pki().server_rsa, nullptr, "rsa_pss_rsae_sha256"},
      {&pki().server_rsa, "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha384"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    Context server_ctx = test::server_context(c.server);
    if (c.server_sigalgs != nullptr) {
      server_ctx.set_server_sigalgs(c.server_sigalgs);
    }
    Context client_ctx = test::client_context();
    Fresh f(client_ctx, server_ctx);
    EXPECT_EQ(f.client.server_sigalg(), std::nullopt);
    ASSERT_TRUE(handshake(f.client, f.server).ok());
    EXPECT_EQ(f.client.server_sigalg(), c.expected);
    EXPECT_EQ(f.server.server_sigalg(), c.expected);
    // The client sent no certificate, so signed nothing.
    EXPECT_EQ(f.client.client_sigalg(), std::nullopt);
    EXPECT_EQ(f.server.client_sigalg(), std::nullopt);
  }
}

TEST(Sigalgs, ClientSigalgsGovernClientCertificates) {
  Pair p;
  p.server_ctx.load_verify_locations(pki().ca_file);
  p.server_ctx.set_verify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
  p.client_ctx.load_cert_chain(pki().client.cert, pki().client.key);  // an EC P-256 key
  Fresh f(p.client_ctx, p.server_ctx);
  ASSERT_TRUE(handshake(f.client, f.server).ok());
  EXPECT_EQ(f.client.client_sigalg(), "ecdsa_secp256r1_sha256");
  EXPECT_EQ(f.server.client_sigalg(), "ecdsa_secp256r1_sha256");
  // A server that accepts only RSA signatures from clients refuses this one.
  p.server_ctx.set_client_sigalgs("rsa_pss_rsae_sha256:rsa_pkcs1_sha256");
  Fresh g(p.client_ctx, p.server_ctx);
  EXPECT_FALSE(handshake(g.client, g.server).ok());
}

TEST(Sigalgs, ResumptionSignsNothing) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  test::exchange(p.client, p.server);  // the ticket
  const std::optional<Session> s = p.client.session();
  ASSERT_TRUE(s);
  Connection client = p.client_ctx.wrap_bio({.server_hostname = "localhost", .session = *s});
  Connection server = p.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(client, server).ok());
  ASSERT_TRUE(client.session_reused());
  EXPECT_EQ(client.server_sigalg(), std::nullopt);
}

TEST(Sigalgs, GetSigalgsListsTheNamesTheSettersTake) {
  const std::vector<std::string> names = get_sigalgs();
  for (const char* expected : {"ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256", "rsa_pkcs1_sha256", "ed25519"}) {
    EXPECT_TRUE(contains(names, expected)) << expected;
  }
  Context ctx;
  for (const std::string& name : names) {
    EXPECT_NO_THROW(ctx.set_server_sigalgs(name)) << name;
    EXPECT_NO_THROW(ctx.set_client_sigalgs(name)) << name;
  }
  try {
    ctx.set_server_sigalgs("rsa_pss_rsae_sha256:rsa_md5");
    FAIL() << "accepted an unknown signature algorithm";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("'rsa_md5'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ctx.set_client_sigalgs(""), ValueError);
}

// -- Chains ----------------------------------------------------------------------------

TEST(Chains, VerifiedChainEndsAtTheTrustAnchor) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  const std::vector<Certificate> verified = p.client.get_verified_chain();
  ASSERT_EQ(verified.size(), 2u);
  EXPECT_EQ(verified[0].der(), pki().server.credential.certificate.der());
  EXPECT_EQ(verified[1].der(), pki().ca.certificate().der());
  const std::vector<Certificate> sent = p.client.get_unverified_chain();
  ASSERT_EQ(sent.size(), 1u);  // the server sends its leaf only
  EXPECT_EQ(sent[0].der(), pki().server.credential.certificate.der());
}

// Automatic chain building: a server whose trust store holds its issuer
// builds and sends the chain at every handshake unless auto_chain is off.
TEST(Chains, AutoChainSendsWhatTheServersStoreFindsUnlessTurnedOff) {
  for (const bool on : {true, false}) {
    Pair p;
    EXPECT_TRUE(p.server_ctx.auto_chain());  // OpenSSL's default
    p.server_ctx.load_verify_locations(pki().ca_file);
    p.server_ctx.set_auto_chain(on);
    EXPECT_EQ(p.server_ctx.auto_chain(), on);
    p.server = p.server_ctx.wrap_bio({.server_side = true});  // modes are copied at SSL_new
    ASSERT_TRUE(handshake(p.client, p.server).ok());
    const std::vector<Certificate> sent = p.client.get_unverified_chain();
    ASSERT_EQ(sent.size(), on ? 2u : 1u) << "auto_chain " << on;
    EXPECT_EQ(sent[0].der(), pki().server.credential.certificate.der());
  }
}

TEST(Chains, AServerSeesTheClientsLeafInBothChains) {
  Pair p;
  p.server_ctx.load_verify_locations(pki().ca_file);
  p.server_ctx.set_verify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
  p.client_ctx.load_cert_chain(pki().client.cert, pki().client.key);
  Fresh f(p.client_ctx, p.server_ctx);
  EXPECT_TRUE(f.server.get_unverified_chain().empty());
  ASSERT_TRUE(handshake(f.client, f.server).ok());
  const std::vector<Certificate> sent = f.server.get_unverified_chain();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent[0].der(), pki().client.credential.certificate.der());
  // OpenSSL's own view of what a client sent leaves the leaf out.
  const std::vector<Certificate> without_leaf = f.server.get_peer_cert_chain();
  ASSERT_EQ(without_leaf.size() + 1, sent.size());
  EXPECT_TRUE(std::equal(without_leaf.begin(), without_leaf.end(), sent.begin() + 1));
  const std::vector<Certificate> verified = f.server.get_verified_chain();
  ASSERT_EQ(verified.size(), 2u);
  EXPECT_EQ(verified[0].der(), pki().client.credential.certificate.der());
}

TEST(Chains, AnUnverifiedChainIsNeverCalledVerified) {
  Pair p;
  p.client_ctx.set_check_hostname(false);
  p.client_ctx.set_verify_mode(CERT_NONE);
  Fresh f(p.client_ctx, p.server_ctx);
  ASSERT_TRUE(handshake(f.client, f.server).ok());
  EXPECT_TRUE(f.client.get_verified_chain().empty());
  EXPECT_EQ(f.client.get_unverified_chain().size(), 1u);
}

TEST(Chains, SSLSocketAndAsioReachTheSameCalls) {
  test::SServer s = test::start_s_server(pki().server, {"-tls1_3", "-groups", "secp384r1"});
  Context ctx = test::client_context();
  SSLSocket sock = test::connect_tls(ctx, s.port, {.server_hostname = "localhost"});
  test::SocketDriver driver{sock};
  ASSERT_TRUE(driver.handshake().ok()) << s.proc->describe();
  EXPECT_EQ(sock.group(), "secp384r1");
  EXPECT_EQ(sock.server_sigalg(), "ecdsa_secp256r1_sha256");
  EXPECT_EQ(sock.client_sigalg(), std::nullopt);
  EXPECT_EQ(sock.get_verified_chain().size(), 2u);
  EXPECT_EQ(sock.get_unverified_chain().size(), 1u);
}

// -- Channel binding ---------------------------------------------------------------------

TEST(ChannelBinding, TlsExporterIsTheSameAtBothEnds) {
  for (const bool tls12 : {false, true}) {
    SCOPED_TRACE(tls12 ? "TLS 1.2" : "TLS 1.3");
    Pair p(tls12);
    EXPECT_EQ(p.client.get_channel_binding("tls-exporter"), std::nullopt);
    ASSERT_TRUE(handshake(p.client, p.server).ok());
    const auto a = p.client.get_channel_binding("tls-exporter");
    const auto b = p.server.get_channel_binding("tls-exporter");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->size(), 32u);
    EXPECT_EQ(a, b);
    // RFC 9266: the exporter with its label and no context.
    const SecureBytes direct = p.client.export_keying_material("EXPORTER-Channel-Binding", 32);
    EXPECT_TRUE(std::equal(a->begin(), a->end(), direct.begin(), direct.end()));
    // Another connection binds to other bytes.
    Fresh f(p.client_ctx, p.server_ctx);
    ASSERT_TRUE(handshake(f.client, f.server).ok());
    EXPECT_NE(f.client.get_channel_binding("tls-exporter"), a);
  }
  EXPECT_EQ(CHANNEL_BINDING_TYPES.size(), 2u);
}

TEST(ChannelBinding, TlsUniqueIsRefusedOnTls13) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  try {
    static_cast<void>(p.client.get_channel_binding("tls-unique"));
    FAIL() << "tls-unique on TLS 1.3";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("RFC 9266"), std::string::npos) << e.what();
  }
  // TLS 1.2 still has it.
  Pair q(/*tls12=*/true);
  ASSERT_TRUE(handshake(q.client, q.server).ok());
  EXPECT_EQ(q.client.get_channel_binding("tls-unique"), q.server.get_channel_binding("tls-unique"));
  EXPECT_THROW(static_cast<void>(q.client.get_channel_binding("tls-server-end-point")), ValueError);
}

TEST(ChannelBinding, TlsExporterOnTls12NeedsTheExtendedMasterSecret) {
  Pair p(/*tls12=*/true);
  p.client_ctx.set_options(Options::OP_NO_EXTENDED_MASTER_SECRET);
  Fresh f(p.client_ctx, p.server_ctx);
  ASSERT_TRUE(handshake(f.client, f.server).ok());
  EXPECT_THROW(static_cast<void>(f.client.get_channel_binding("tls-exporter")), ValueError);
  EXPECT_THROW(static_cast<void>(f.server.get_channel_binding("tls-exporter")), ValueError);
}

TEST(ChannelBindingInterop, TlsExporterMatchesOpenSSLClient) {
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    SCOPED_TRACE(version);
    test::SClient c(test::server_context(),
                    {version, "-keymatexport", "EXPORTER-Channel-Binding", "-keymatexportlen", "32", "-noservername"});
    ASSERT_TRUE(c.driver.handshake().ok()) << c.proc->describe();
    const auto line = c.proc->wait_for_line("Keying material:");
    ASSERT_TRUE(line) << c.proc->describe();
    std::string theirs = line->substr(line->find(':') + 1);
    theirs = test::upper(theirs.substr(theirs.find_first_not_of(' ')));
    const auto ours = c.conn.get_channel_binding("tls-exporter");
    ASSERT_TRUE(ours);
    EXPECT_EQ(theirs, test::upper_hex(*ours));
  }
}

// -- Server conveniences -------------------------------------------------------------------

TEST(ServerConveniences, DhAutoMakesDheWorkWithoutAFile) {
  Context server_ctx = test::server_context(&pki().server_rsa);
  Context client_ctx = test::client_context();
  client_ctx.set_maximum_version(TLSVersion::TLSv1_2);
  client_ctx.set_ciphers("DHE-RSA-AES128-GCM-SHA256");
  EXPECT_FALSE(server_ctx.dh_auto());
  {
    Fresh f(client_ctx, server_ctx);
    EXPECT_FALSE(handshake(f.client, f.server).ok());  // no parameters: no DHE
  }
  server_ctx.set_dh_auto(true);
  EXPECT_TRUE(server_ctx.dh_auto());
  Fresh f(client_ctx, server_ctx);
  ASSERT_TRUE(handshake(f.client, f.server).ok());
  EXPECT_EQ(f.client.cipher()->name, "DHE-RSA-AES128-GCM-SHA256");
  server_ctx.set_dh_auto(false);
  EXPECT_FALSE(server_ctx.dh_auto());
}

TEST(ServerConveniences, AlpnMismatchAlertIsOptIn) {
  Pair p;
  p.server_ctx.set_alpn_protocols({"h2"});
  p.client_ctx.set_alpn_protocols({"http/1.1"});
  {
    // Python's behaviour by default: no ALPN, no alert.
    Fresh f(p.client_ctx, p.server_ctx);
    ASSERT_TRUE(handshake(f.client, f.server).ok());
    EXPECT_EQ(f.client.selected_alpn_protocol(), std::nullopt);
  }
  EXPECT_FALSE(p.server_ctx.alpn_no_overlap_alert());
  p.server_ctx.set_alpn_no_overlap_alert(true);
  EXPECT_TRUE(p.server_ctx.alpn_no_overlap_alert());
  {
    Fresh f(p.client_ctx, p.server_ctx);
    const test::HandshakeResult r = handshake(f.client, f.server);
    EXPECT_FALSE(r.client.ok());
    EXPECT_EQ(f.client.last_error().reason, "TLSV1_ALERT_NO_APPLICATION_PROTOCOL") << f.client.last_error().message;
  }
  {
    // A select callback answering NO_OVERLAPPING_PROTOCOLS is a mismatch too.
    p.server_ctx.set_alpn_select_callback(
        [](Connection&, const std::vector<std::string>&) -> std::optional<std::string> {
          return NO_OVERLAPPING_PROTOCOLS;
        });
    Fresh f(p.client_ctx, p.server_ctx);
    EXPECT_FALSE(handshake(f.client, f.server).ok());
    EXPECT_EQ(f.client.last_error().reason, "TLSV1_ALERT_NO_APPLICATION_PROTOCOL");
  }
  {
    // A client offering no ALPN at all is not refused.
    Context plain = test::client_context();
    Fresh f(plain, p.server_ctx);
    EXPECT_TRUE(handshake(f.client, f.server).ok());
  }
}

TEST(ServerConveniences, ResumedTls12SessionReportsTheServerName) {
  Pair p(/*tls12=*/true);
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_EQ(p.server.get_servername(), "localhost");
  const std::optional<Session> s = p.client.session();
  ASSERT_TRUE(s);
  Connection client = p.client_ctx.wrap_bio({.server_hostname = "localhost", .session = *s});
  Connection server = p.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(client, server).ok());
  ASSERT_TRUE(server.session_reused());
  // OpenSSL alone reports none here unless a servername hook answered OK in
  // the full handshake; sslpp installs one on every context.
  EXPECT_EQ(server.get_servername(), "localhost");
}

}  // namespace
}  // namespace sslpp
