// The names today's Python ssl (3.7 - 3.15) and pyOpenSSL (20 - 25) have
// beyond the seeds (docs/modern-map.md), over memory with sslpp at both
// ends: constants, the pyOpenSSL spellings, and a connection's own settings
// in place of its context's. Groups, signature algorithms, chains and
// channel binding are in negotiated_test.cpp; PSK, OCSP and early data in
// files of their own.
#include <sslpp/connection.hpp>
#include <sslpp/ssl_socket.hpp>

#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/hex.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using test::handshake;
using test::pki;
using Pair = test::MemoryPair;

// -- Constants -----------------------------------------------------------------

TEST(ModernNames, HasFlagsSayWhatThisOpenSSLOffers) {
  EXPECT_TRUE(HAS_PSK);
  EXPECT_TRUE(HAS_PSK_TLS13);
  EXPECT_TRUE(HAS_PHA);
}

TEST(ModernNames, MethodNamesMakeTheContextsTheyName) {
  EXPECT_EQ(Context(TLS_CLIENT_METHOD).protocol(), PROTOCOL_TLS_CLIENT);
  EXPECT_EQ(Context(TLS_SERVER_METHOD).protocol(), PROTOCOL_TLS_SERVER);
  // TLS_METHOD is pyOpenSSL's either-side method: it verifies nothing until told.
  const Context either(TLS_METHOD);
  EXPECT_EQ(either.protocol(), Protocol::PROTOCOL_TLS);
  EXPECT_EQ(either.get_verify_mode(), VERIFY_NONE);
  // A client method verifies by default.
  EXPECT_EQ(Context(TLS_CLIENT_METHOD).verify_mode(), CERT_REQUIRED);
}

TEST(ModernNames, VersionNumbersAreOpenSSLsAndTLSVersionsValues) {
  // SSL3_VERSION ... TLS1_3_VERSION are OpenSSL's macros; pyOpenSSL's
  // set_min_proto_version takes them, and TLSVersion has the same values.
  EXPECT_EQ(SSL3_VERSION, to_underlying(TLSVersion::SSLv3));
  EXPECT_EQ(TLS1_VERSION, to_underlying(TLSVersion::TLSv1));
  EXPECT_EQ(TLS1_1_VERSION, to_underlying(TLSVersion::TLSv1_1));
  EXPECT_EQ(TLS1_2_VERSION, to_underlying(TLSVersion::TLSv1_2));
  EXPECT_EQ(TLS1_3_VERSION, to_underlying(TLSVersion::TLSv1_3));
}

TEST(ModernNames, DtlsVersionNumbersAndOptionsAreOpenSSLs) {
  EXPECT_EQ(DTLS1_VERSION, to_underlying(TLSVersion::DTLSv1));
  EXPECT_EQ(DTLS1_2_VERSION, to_underlying(TLSVersion::DTLSv1_2));
  EXPECT_EQ(to_underlying(OP_NO_QUERY_MTU), SSL_OP_NO_QUERY_MTU);
  EXPECT_EQ(to_underlying(OP_COOKIE_EXCHANGE), SSL_OP_COOKIE_EXCHANGE);
  // pyOpenSSL's set_min_proto_version takes the DTLS numbers on a DTLS
  // context, and refuses a TLS one there.
  Context dtls(DTLS_METHOD);
  dtls.set_min_proto_version(DTLS1_VERSION);
  EXPECT_EQ(dtls.minimum_version(), TLSVersion::DTLSv1);
  EXPECT_THROW(dtls.set_max_proto_version(TLS1_3_VERSION), ValueError);
  EXPECT_EQ(to_string(TLSVersion::DTLSv1_2), "DTLSv1_2");
  EXPECT_TRUE(has_any(Context(DTLS_SERVER_METHOD).options(), OP_COOKIE_EXCHANGE));
}

TEST(ModernNames, InfoCallbackBitsAreOpenSSLs) {
  EXPECT_EQ(to_underlying(InfoWhere::alert), SSL_CB_ALERT);
  EXPECT_EQ(to_underlying(InfoWhere::read_alert), SSL_CB_READ_ALERT);
  EXPECT_EQ(to_underlying(InfoWhere::write_alert), SSL_CB_WRITE_ALERT);
  EXPECT_EQ(to_underlying(InfoWhere::handshake_start), SSL_CB_HANDSHAKE_START);
  EXPECT_EQ(to_underlying(InfoWhere::handshake_done), SSL_CB_HANDSHAKE_DONE);
  // And they arrive: a handshake reports its start and end.
  Pair p;
  int starts = 0;
  int dones = 0;
  p.server_ctx.set_info_callback([&](Connection&, InfoWhere where, int) {
    starts += has_any(where, InfoWhere::handshake_start) ? 1 : 0;
    dones += has_any(where, InfoWhere::handshake_done) ? 1 : 0;
  });
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_EQ(starts, 1);
  EXPECT_GE(dones, 1);
}

TEST(ModernNames, OptionsArePythonsAndOpenSSLs) {
  EXPECT_EQ(to_underlying(OP_LEGACY_SERVER_CONNECT), SSL_OP_LEGACY_SERVER_CONNECT);
  EXPECT_EQ(to_underlying(OP_IGNORE_UNEXPECTED_EOF), SSL_OP_IGNORE_UNEXPECTED_EOF);
  EXPECT_EQ(to_underlying(OP_ENABLE_MIDDLEBOX_COMPAT), SSL_OP_ENABLE_MIDDLEBOX_COMPAT);
  EXPECT_EQ(to_underlying(OP_NO_RENEGOTIATION), SSL_OP_NO_RENEGOTIATION);
  Context ctx;
  // OpenSSL turns middlebox compatibility on by default; sslpp leaves it.
  EXPECT_TRUE(has_any(ctx.options(), OP_ENABLE_MIDDLEBOX_COMPAT));
  // sslpp never ignores an unexpected EOF by itself (truncation is an error).
  EXPECT_FALSE(has_any(ctx.options(), OP_IGNORE_UNEXPECTED_EOF));
  EXPECT_FALSE(has_any(ctx.options(), OP_LEGACY_SERVER_CONNECT));
  ctx.set_options(OP_NO_RENEGOTIATION | OP_LEGACY_SERVER_CONNECT);
  EXPECT_TRUE(has_any(ctx.options(), OP_NO_RENEGOTIATION));
  EXPECT_TRUE(has_any(ctx.options(), OP_LEGACY_SERVER_CONNECT));
}

// -- Context settings ------------------------------------------------------------

TEST(ModernContext, ProtoVersionNumbersSetTheBounds) {
  Context ctx;
  ctx.set_min_proto_version(TLS1_3_VERSION);
  EXPECT_EQ(ctx.minimum_version(), TLSVersion::TLSv1_3);
  ctx.set_max_proto_version(TLS1_3_VERSION);
  EXPECT_EQ(ctx.maximum_version(), TLSVersion::TLSv1_3);
  ctx.set_max_proto_version(0);
  EXPECT_EQ(ctx.maximum_version(), TLSVersion::MAXIMUM_SUPPORTED);
  ctx.set_min_proto_version(TLS1_2_VERSION);
  EXPECT_EQ(ctx.minimum_version(), TLSVersion::TLSv1_2);
  EXPECT_THROW(ctx.set_min_proto_version(0x0305), ValueError);
  EXPECT_THROW(ctx.set_max_proto_version(-1), ValueError);
  EXPECT_EQ(ctx.minimum_version(), TLSVersion::TLSv1_2);  // unchanged by the refusals

  // And the bound holds in a handshake.
  Pair p;
  p.client_ctx.set_max_proto_version(TLS1_2_VERSION);
  Connection client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  ASSERT_TRUE(handshake(client, p.server).ok());
  EXPECT_EQ(client.get_protocol_version(), TLS1_2_VERSION);
  EXPECT_EQ(client.get_protocol_version_name(), "TLSv1.2");
  EXPECT_EQ(client.protocol_version(), TLSVersion::TLSv1_2);
}

TEST(ModernContext, SessionCacheModeIsOpenSSLs) {
  Context ctx(PROTOCOL_TLS_SERVER);
  EXPECT_EQ(ctx.get_session_cache_mode(), SESS_CACHE_SERVER);
  EXPECT_EQ(ctx.set_session_cache_mode(SESS_CACHE_BOTH), SESS_CACHE_SERVER);
  EXPECT_EQ(ctx.get_session_cache_mode(), SESS_CACHE_BOTH);
  EXPECT_EQ(ctx.set_session_cache_mode(SESS_CACHE_OFF), SESS_CACHE_BOTH);
  EXPECT_EQ(ctx.get_session_cache_mode(), SESS_CACHE_OFF);
  ctx.set_session_cache_mode(SESS_CACHE_CLIENT);
  EXPECT_EQ(ctx.get_session_cache_mode(), SESS_CACHE_CLIENT);
  EXPECT_EQ(to_underlying(SESS_CACHE_SERVER | SESS_CACHE_NO_INTERNAL), SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);

  // With the server's cache off, a TLS 1.2 session id resumes nothing.
  Pair p(/*tls12=*/true);
  p.server_ctx.set_options(OP_NO_TICKET);
  p.server_ctx.set_session_cache_mode(SESS_CACHE_OFF);
  Connection first = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server1 = p.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(first, server1).ok());
  const std::optional<Session> session = first.session();
  ASSERT_TRUE(session);
  Connection second = p.client_ctx.wrap_bio({.server_hostname = "localhost", .session = *session});
  Connection server2 = p.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(second, server2).ok());
  EXPECT_FALSE(second.session_reused());
}

TEST(ModernContext, SecurityLevelIsOpenSSLs) {
  Context ctx;
  EXPECT_EQ(ctx.security_level(), SSL_CTX_get_security_level(ctx.native_handle()));
  EXPECT_GE(ctx.security_level(), 1);
  ctx.set_ciphers("DEFAULT:@SECLEVEL=3");
  EXPECT_EQ(ctx.security_level(), 3);
  ctx.set_ciphers("DEFAULT:@SECLEVEL=0");
  EXPECT_EQ(ctx.security_level(), 0);
}

TEST(ModernContext, HostnameChecksCommonNameIsOffByDefault) {
  Context ctx;
  EXPECT_FALSE(ctx.hostname_checks_common_name());
  ctx.set_hostname_checks_common_name(true);
  EXPECT_TRUE(ctx.hostname_checks_common_name());
}

TEST(ModernContext, KeylogCallbackGetsEveryLineOfBothEnds) {
  Pair p;
  std::vector<std::string> client_lines;
  std::vector<std::string> server_lines;
  p.client_ctx.set_keylog_callback([&](Connection& c, std::string_view line) {
    EXPECT_FALSE(c.server_side());
    client_lines.emplace_back(line);
  });
  p.server_ctx.set_keylog_callback([&](Connection&, std::string_view line) { server_lines.emplace_back(line); });
  Connection client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = p.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(client, server).ok());
  // TLS 1.3: five secrets each side (in each side's order), in NSS key log
  // format "LABEL CLIENT_RANDOM SECRET", without a newline.
  ASSERT_EQ(client_lines.size(), 5u);
  std::sort(client_lines.begin(), client_lines.end());
  std::sort(server_lines.begin(), server_lines.end());
  EXPECT_EQ(client_lines, server_lines);
  const auto random = client.client_random();
  ASSERT_TRUE(random);
  for (const std::string& line : client_lines) {
    EXPECT_EQ(line.find('\n'), std::string::npos);
    const std::size_t first = line.find(' ');
    const std::size_t second = line.find(' ', first + 1);
    ASSERT_NE(second, std::string::npos) << line;
    // This connection's client random, in every line.
    EXPECT_EQ(test::upper(line.substr(first + 1, second - first - 1)), test::upper_hex(*random)) << line;
  }

  // A throwing callback fails the handshake and reaches its caller.
  p.client_ctx.set_keylog_callback([](Connection&, std::string_view) { throw std::runtime_error("keylog broke"); });
  Connection c2 = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection s2 = p.server_ctx.wrap_bio({.server_side = true});
  const test::HandshakeResult r = handshake(c2, s2);
  EXPECT_FALSE(r.client.ok());
  EXPECT_EQ(r.client_ec, make_error_code(errc::callback_failed));
  EXPECT_TRUE(c2.take_callback_exception());

  // Removed: no more lines.
  p.client_ctx.set_keylog_callback({});
  client_lines.clear();
  Connection c3 = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection s3 = p.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(c3, s3).ok());
  EXPECT_TRUE(client_lines.empty());
}

TEST(ModernContext, TmpEcdhAndAlpnProtosAreTheSameSettings) {
  Pair p;
  p.server_ctx.set_tmp_ecdh("secp384r1");
  p.server_ctx.set_alpn_protos({"h2", "http/1.1"});
  p.client_ctx.set_alpn_protos({"http/1.1"});
  EXPECT_THROW(p.server_ctx.set_tmp_ecdh("no-such-curve"), ValueError);
  Connection client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = p.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(client, server).ok());
  EXPECT_EQ(client.group(), "secp384r1");
  EXPECT_EQ(client.get_alpn_proto_negotiated(), "http/1.1");
  EXPECT_EQ(server.get_alpn_proto_negotiated(), "http/1.1");
}

// -- A connection's own settings ---------------------------------------------------

TEST(ConnectionSettings, SetVerifyOnAConnectionReplacesTheContexts) {
  Pair p;
  // The server's context verifies nobody; this one connection requires a
  // client certificate, with a callback of its own.
  p.server_ctx.load_verify_locations(pki().ca_file);
  Connection server = p.server_ctx.wrap_bio({.server_side = true});
  int calls = 0;
  server.set_verify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT, [&](Connection&, const Certificate&, int, int, bool ok) {
    ++calls;
    return ok;
  });
  EXPECT_EQ(server.get_verify_mode(), VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
  EXPECT_EQ(p.server_ctx.get_verify_mode(), VERIFY_NONE);
  // A client without a certificate is refused by this connection...
  const test::HandshakeResult refused = handshake(p.client, server);
  EXPECT_FALSE(refused.server.ok());
  // ...and one with a certificate is accepted, the callback asked.
  p.client_ctx.load_cert_chain(pki().client.cert, pki().client.key);
  Connection client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server2 = p.server_ctx.wrap_bio({.server_side = true});
  server2.set_verify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT, [&](Connection&, const Certificate&, int, int, bool ok) {
    ++calls;
    return ok;
  });
  ASSERT_TRUE(handshake(client, server2).ok());
  EXPECT_GE(calls, 2);  // the client's certificate and its CA
  ASSERT_TRUE(server2.get_peer_certificate());
  // Another connection of the same context still asks nothing.
  Connection client3 = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server3 = p.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(client3, server3).ok());
  EXPECT_FALSE(server3.get_peer_certificate());
}

TEST(ConnectionSettings, SetVerifyCannotTurnOffAClientsHostnameCheck) {
  Pair p;
  EXPECT_THROW(p.client.set_verify(VERIFY_NONE), ValueError);
  EXPECT_EQ(p.client.get_verify_mode(), VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
  // With the name check off (an explicit call), a client may stop verifying.
  p.client_ctx.set_check_hostname(false);
  Connection client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  client.set_verify(VERIFY_NONE);
  // A server whose CA the client does not trust.
  Context stranger = test::server_context(&pki().untrusted);
  Connection server = stranger.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(client, server).ok());
  ASSERT_TRUE(client.getpeercert());
  EXPECT_TRUE(client.getpeercert()->is_empty);  // unverified: Python's empty dict
  EXPECT_EQ(client.get_verify_mode(), VERIFY_NONE);
  // And after the handshake started, no change.
  EXPECT_THROW(client.set_verify(VERIFY_PEER), ValueError);
}

// The refusal holds whatever the order of the calls: a VERIFY_NONE set
// while the context did not check names, then the check turned on; or set
// on a connection that only becomes a client later.
TEST(ConnectionSettings, OwnVerifyNoneNeverMeetsAHostnameCheck) {
  Pair p;
  Context stranger = test::server_context(&pki().untrusted);
  {
    p.client_ctx.set_check_hostname(false);
    Connection client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
    client.set_verify(VERIFY_NONE);
    p.client_ctx.set_check_hostname(true);
    Connection server = stranger.wrap_bio({.server_side = true});
    const test::HandshakeResult r = handshake(client, server);
    EXPECT_FALSE(r.client.ok());
    EXPECT_EQ(r.client_ec, make_error_code(errc::invalid_argument)) << client.last_error().message;
    EXPECT_NE(client.last_error().message.find("check_hostname requires verification"), std::string::npos);
    EXPECT_FALSE(client.is_handshake_done());
  }
  {
    Context either(TLS_METHOD);  // OpenSSL counts its connections servers until told
    either.set_check_hostname(true);
    either.load_verify_locations(pki().ca_file);
    Connection client(either);
    client.set_verify(VERIFY_NONE);  // not refused: no role yet
    client.set_connect_state();
    client.set_server_hostname("localhost");
    Connection server = stranger.wrap_bio({.server_side = true});
    const test::HandshakeResult r = handshake(client, server);
    EXPECT_FALSE(r.client.ok());
    EXPECT_EQ(r.client_ec, make_error_code(errc::invalid_argument)) << client.last_error().message;
  }
}

TEST(ConnectionSettings, UseCertificateAndKeyServeThisConnection) {
  Context bare(PROTOCOL_TLS_SERVER);  // no certificate of its own
  Context client_ctx = test::client_context();
  const test::CredentialFiles& rsa = pki().server_rsa;
  Connection server = bare.wrap_bio({.server_side = true});
  EXPECT_FALSE(server.get_certificate());
  server.use_certificate(rsa.credential.certificate);
  server.use_privatekey(rsa.credential.key);
  ASSERT_TRUE(server.get_certificate());
  EXPECT_EQ(server.get_certificate()->der(), rsa.credential.certificate.der());
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  ASSERT_TRUE(handshake(client, server).ok());
  EXPECT_EQ(client.get_peer_certificate()->der(), rsa.credential.certificate.der());
  // A client sees no certificate of its own.
  EXPECT_FALSE(client.get_certificate());
  // Key first, then a certificate of the same type it does not match.
  Connection other = bare.wrap_bio({.server_side = true});
  other.use_privatekey(pki().server.credential.key);
  EXPECT_THROW(other.use_certificate(pki().client.credential.certificate), SSLError);
  // An RSA pair beside an EC pair is two slots, not a mismatch.
  other.use_certificate(pki().server.credential.certificate);
  EXPECT_NO_THROW(other.use_certificate(rsa.credential.certificate));
  EXPECT_NO_THROW(other.use_privatekey(rsa.credential.key));
}

TEST(ConnectionSettings, AlpnProtocolsPerConnection) {
  Pair p;
  p.server_ctx.set_alpn_protocols({"h2", "http/1.1"});
  p.client_ctx.set_alpn_protocols({"h2"});
  Connection client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  client.set_alpn_protos({"http/1.1"});  // this connection offers another
  Connection server = p.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(client, server).ok());
  EXPECT_EQ(client.selected_alpn_protocol(), "http/1.1");
  // A server connection with its own list.
  Connection client2 = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server2 = p.server_ctx.wrap_bio({.server_side = true});
  server2.set_alpn_protocols({"spdy/1"});
  ASSERT_TRUE(handshake(client2, server2).ok());
  EXPECT_EQ(client2.get_alpn_proto_negotiated(), "");  // nothing in common: no ALPN
  EXPECT_THROW(client2.set_alpn_protocols({"h2"}), ValueError);  // after the handshake
  EXPECT_THROW(p.client.set_alpn_protocols({""}), ValueError);
}

TEST(ConnectionSettings, ProtocolVersionBeforeAndAfterTheHandshake) {
  Pair p;
  EXPECT_EQ(p.client.protocol_version(), std::nullopt);
  EXPECT_EQ(p.client.get_protocol_version(), 0);
  EXPECT_EQ(p.client.get_protocol_version_name(), "Unknown");
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_EQ(p.client.protocol_version(), TLSVersion::TLSv1_3);
  EXPECT_EQ(p.server.get_protocol_version(), TLS1_3_VERSION);
  EXPECT_EQ(p.server.get_protocol_version_name(), "TLSv1.3");
}

}  // namespace
}  // namespace sslpp
