// Context: construction and defaults, verification settings, protocol
// settings, and the connections a Context makes, over in-memory pairs.
// Trust anchors and the context's own certificate and key are in
// context_credentials_test.cpp.
#include <sslpp/context.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <sslpp/connection.hpp>

#include "support/pki.hpp"
#include "support/pump.hpp"

// Tests of the seed's names that Python deprecates (PROTOCOL_TLS, OP_NO_TLSv1,
// match_hostname, RAND_pseudo_bytes): they must keep working, so they are
// used here on purpose.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace sslpp {
namespace {

using test::connect;
using test::handshake;
using test::Outcome;
using test::pki;

// -- Construction and defaults ---------------------------------------------

TEST(Context, ProtocolDefaultsFollowPython) {
  Context client(PROTOCOL_TLS_CLIENT);
  EXPECT_EQ(client.verify_mode(), CERT_REQUIRED);
  EXPECT_TRUE(client.check_hostname());
  EXPECT_EQ(client.protocol(), PROTOCOL_TLS_CLIENT);
  Context server(PROTOCOL_TLS_SERVER);
  EXPECT_EQ(server.verify_mode(), CERT_NONE);
  EXPECT_FALSE(server.check_hostname());
  Context any(SSLv23_METHOD);
  EXPECT_EQ(any.verify_mode(), CERT_NONE);
  EXPECT_EQ(any.get_verify_mode(), VERIFY_NONE);
  for (const Context* c : {&client, &server, &any}) {
    EXPECT_EQ(c->minimum_version(), TLSVersion::TLSv1_2);
    EXPECT_EQ(c->maximum_version(), TLSVersion::MAXIMUM_SUPPORTED);
    EXPECT_TRUE(has_all(c->options(), OP_ALL | OP_NO_COMPRESSION | OP_CIPHER_SERVER_PREFERENCE | OP_NO_SSLv3));
    EXPECT_FALSE(has_any(c->options(), OP_IGNORE_UNEXPECTED_EOF));
    EXPECT_TRUE(has_all(c->verify_flags(), VERIFY_X509_TRUSTED_FIRST));
  }
}

TEST(Context, WeakCiphersAreNotOffered) {
  Context ctx(PROTOCOL_TLS_CLIENT);
  for (const auto& c : ctx.get_ciphers()) {
    EXPECT_EQ(c.name.find("RC4"), std::string::npos) << c.name;
    EXPECT_EQ(c.name.find("NULL"), std::string::npos) << c.name;
    EXPECT_EQ(c.name.find("ADH"), std::string::npos) << c.name;
    EXPECT_EQ(c.name.find("DES-CBC3"), std::string::npos) << c.name;
    EXPECT_GE(c.secret_bits, 128) << c.name;
  }
  EXPECT_FALSE(ctx.get_ciphers().empty());
}

TEST(Context, LegacyMethods) {
  EXPECT_THROW(Context{SSLv2_METHOD}, NotSupportedError);
  EXPECT_THROW(Context{SSLv3_METHOD}, NotSupportedError);
  try {
    Context ctx(SSLv2_METHOD);
  } catch (const NotSupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("SSL 2.0"), std::string::npos);
    EXPECT_EQ(e.code(), make_error_code(errc::not_supported));
  }
  Context tls1(TLSv1_METHOD);
  EXPECT_EQ(tls1.minimum_version(), TLSVersion::TLSv1);
  EXPECT_EQ(tls1.maximum_version(), TLSVersion::TLSv1);
}

TEST(Context, CreateDefaultContext) {
  Context ctx = create_default_context();
  EXPECT_EQ(ctx.verify_mode(), CERT_REQUIRED);
  EXPECT_TRUE(ctx.check_hostname());
  Context server = create_default_context(Purpose::CLIENT_AUTH);
  EXPECT_EQ(server.verify_mode(), CERT_NONE);
  EXPECT_EQ(server.protocol(), PROTOCOL_TLS_SERVER);

  // With the test CA as cadata it verifies the test server.
  const std::string ca_pem = pki().ca.certificate().pem();
  VerifyLocations locations;
  locations.cadata_pem = ca_pem;
  Context client = create_default_context(Purpose::SERVER_AUTH, locations);
  Context srv = test::server_context();
  EXPECT_TRUE(connect(client, srv).ok);
}

TEST(Context, KeylogFileFromEnvironment) {
  const auto path = pki().dir / "keylog.txt";
  ::setenv("SSLKEYLOGFILE", path.c_str(), 1);
  VerifyLocations locations;
  locations.cafile = pki().ca_file;
  Context client = create_default_context(Purpose::SERVER_AUTH, locations);
  ::unsetenv("SSLKEYLOGFILE");
  EXPECT_EQ(client.keylog_filename(), path);
  Context server = test::server_context();
  ASSERT_TRUE(connect(client, server).ok);
  std::ifstream in(path);
  std::string line;
  int secrets = 0;
  while (std::getline(in, line)) {
    secrets += line.rfind("CLIENT_HANDSHAKE_TRAFFIC_SECRET ", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(secrets, 1);
  client.set_keylog_filename({});
  EXPECT_TRUE(client.keylog_filename().empty());
  EXPECT_THROW(client.set_keylog_filename("/nonexistent/dir/keylog"), OSError);
}

// -- Verification settings ----------------------------------------------------

TEST(Context, VerifyModeAndCheckHostnameInteract) {
  Context ctx(PROTOCOL_TLS);
  ctx.set_check_hostname(true);  // raises verify_mode, as Python does
  EXPECT_EQ(ctx.verify_mode(), CERT_REQUIRED);
  EXPECT_THROW(ctx.set_verify_mode(CERT_NONE), ValueError);
  ctx.set_check_hostname(false);
  ctx.set_verify_mode(CERT_NONE);
  EXPECT_EQ(ctx.verify_mode(), CERT_NONE);
  ctx.set_verify_mode(CERT_OPTIONAL);
  EXPECT_EQ(ctx.get_verify_mode(), VERIFY_PEER);
  ctx.set_verify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT | VERIFY_CLIENT_ONCE);
  EXPECT_EQ(ctx.get_verify_mode(), VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT | VERIFY_CLIENT_ONCE);
  EXPECT_EQ(ctx.verify_mode(), CERT_REQUIRED);
  ctx.set_verify_depth(3);
  EXPECT_EQ(ctx.get_verify_depth(), 3);
  EXPECT_THROW(ctx.set_verify_depth(-1), ValueError);
  ctx.set_verify_flags(VERIFY_CRL_CHECK_LEAF | VERIFY_X509_STRICT);
  EXPECT_EQ(ctx.verify_flags(), VERIFY_CRL_CHECK_LEAF | VERIFY_X509_STRICT);
  ctx.set_verify_flags(VERIFY_DEFAULT);
  EXPECT_EQ(ctx.verify_flags(), VERIFY_DEFAULT);
}

TEST(Context, VerificationFailuresCarryTheirCode) {
  Context client = test::client_context();
  struct Case {
    const test::CredentialFiles* creds;
    const char* hostname;
    long code;
    const char* words;
  };
  const Case cases[] = {
      {&pki().untrusted, "localhost", 20, "unable to get local issuer certificate"},
      {&pki().wrong_name, "localhost", 62, "Hostname mismatch, certificate is not valid for 'localhost'."},
      {&pki().server, "127.0.0.2", 64, "IP address mismatch, certificate is not valid for '127.0.0.2'."},
      {&pki().expired, "localhost", 10, "certificate has expired"},
      {&pki().not_yet_valid, "localhost", 9, "certificate is not yet valid"},
  };
  for (const auto& c : cases) {
    Context server = test::server_context(c.creds);
    Connection cl = client.wrap_bio({.server_hostname = c.hostname});
    Connection sv = server.wrap_bio({.server_side = true});
    const auto r = handshake(cl, sv);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(cl.last_error().verify_code, c.code) << c.hostname;
    EXPECT_EQ(cl.last_error().verify_message, c.words);
    EXPECT_EQ(cl.last_error().reason, "CERTIFICATE_VERIFY_FAILED");
    try {
      cl.do_handshake();
      ADD_FAILURE() << "no exception";
    } catch (const SSLCertVerificationError& e) {
      EXPECT_EQ(e.verify_code(), c.code);
      EXPECT_EQ(e.library(), "SSL");
      EXPECT_NE(std::string(e.what()).find(c.words), std::string::npos) << e.what();
    }
  }
}

TEST(Context, HostnameCheckCanBeTurnedOffButVerificationStays) {
  Context client = test::client_context();
  client.set_check_hostname(false);
  Context wrong = test::server_context(&pki().wrong_name);
  EXPECT_TRUE(connect(client, wrong).ok);
  Context untrusted = test::server_context(&pki().untrusted);
  EXPECT_FALSE(connect(client, untrusted).ok);
  client.set_verify_mode(CERT_NONE);
  EXPECT_TRUE(connect(client, untrusted).ok);
}

TEST(Context, VerifyCallbackCanOverrideOrReject) {
  Context client = test::client_context();
  int calls = 0;
  client.set_verify(VERIFY_PEER, [&](Connection&, const Certificate& cert, int errnum, int depth, bool ok) {
    ++calls;
    EXPECT_GE(depth, 0);
    if (!ok) {
      // No issuer found (20), then, once overridden, no way to check the signature (21).
      EXPECT_TRUE(errnum == 20 || errnum == 21) << errnum;
      EXPECT_EQ(cert.subject_name(), "CN=localhost");
    }
    return true;  // accept whatever OpenSSL said
  });
  Context untrusted = test::server_context(&pki().untrusted);
  EXPECT_TRUE(connect(client, untrusted).ok);
  EXPECT_GE(calls, 1);

  client.set_verify(VERIFY_PEER, [](Connection&, const Certificate&, int, int, bool) { return false; });
  Context good = test::server_context();
  const Outcome o = connect(client, good);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.verify_code, 50);  // X509_V_ERR_APPLICATION_VERIFICATION
}

TEST(Context, VerifyCallbackExceptionReachesTheCaller) {
  Context client = test::client_context();
  client.set_verify(VERIFY_PEER, [](Connection& conn, const Certificate&, int, int, bool) -> bool {
    EXPECT_EQ(conn.server_hostname(), "localhost");
    throw std::runtime_error("callback says no");
  });
  Context server = test::server_context();
  Connection cl = client.wrap_bio({.server_hostname = "localhost"});
  Connection sv = server.wrap_bio({.server_side = true});
  std::error_code ec;
  cl.do_handshake(ec);
  test::transfer(cl, sv);
  sv.do_handshake(ec);
  test::transfer(sv, cl);
  EXPECT_THROW(
      try { cl.do_handshake(); } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "callback says no");
        throw;
      },
      std::runtime_error);
  // The status form reports callback_failed afterwards (sticky).
  EXPECT_EQ(cl.do_handshake(ec).status, io_status::error);
  EXPECT_EQ(ec, make_error_code(errc::callback_failed));
}

// -- Protocol settings -------------------------------------------------------------

TEST(Context, SetOptionsAddsAndClearOptionsRemoves) {
  Context ctx(PROTOCOL_TLS);
  const Options before = ctx.options();
  const Options after = ctx.set_options(OP_NO_TICKET);
  EXPECT_EQ(after, before | OP_NO_TICKET);
  EXPECT_EQ(ctx.options(), after);
  EXPECT_EQ(ctx.clear_options(OP_NO_TICKET), before);
  EXPECT_EQ(ctx.set_options(OP_SINGLE_DH_USE | OP_EPHEMERAL_RSA | OP_NO_SSLv2), before);  // obsolete, zero bits
}

TEST(Context, VersionBounds) {
  Context client = test::client_context();
  Context server = test::server_context();
  server.set_maximum_version(TLSVersion::TLSv1_2);
  EXPECT_EQ(server.maximum_version(), TLSVersion::TLSv1_2);
  Connection cl = client.wrap_bio({.server_hostname = "localhost"});
  Connection sv = server.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(cl, sv).ok());
  EXPECT_EQ(cl.version(), "TLSv1.2");

  client.set_minimum_version(TLSVersion::TLSv1_3);
  EXPECT_FALSE(connect(client, server).ok);  // no common version

  EXPECT_THROW(client.set_minimum_version(TLSVersion::SSLv3), NotSupportedError);
  client.set_minimum_version(TLSVersion::MINIMUM_SUPPORTED);
  EXPECT_EQ(client.minimum_version(), TLSVersion::MINIMUM_SUPPORTED);
  EXPECT_THROW(client.set_minimum_version(static_cast<TLSVersion>(0x999)), ValueError);
}

TEST(Context, CipherListsAndErrors) {
  Context ctx(PROTOCOL_TLS);
  ctx.set_ciphers("ECDHE+AESGCM");
  for (const auto& c : ctx.get_ciphers()) {
    if (c.protocol != "TLSv1.3") {
      EXPECT_NE(c.name.find("GCM"), std::string::npos) << c.name;
    }
  }
  ctx.set_cipher_list("ECDHE+CHACHA20");
  try {
    ctx.set_ciphers("NO-SUCH-CIPHER");
    ADD_FAILURE() << "no exception";
  } catch (const SSLError& e) {
    EXPECT_EQ(e.library(), "SSL");
    EXPECT_EQ(e.reason(), "NO_CIPHER_MATCH");
    EXPECT_NE(std::string(e.what()).find("NO-SUCH-CIPHER"), std::string::npos);
  }
  ctx.set_ciphersuites("TLS_AES_128_GCM_SHA256");
  EXPECT_THROW(ctx.set_ciphersuites("NOPE"), SSLError);
}

TEST(Context, AlpnNegotiation) {
  Context client = test::client_context();
  Context server = test::server_context();
  client.set_alpn_protocols({"h2", "http/1.1"});
  server.set_alpn_protocols({"http/1.1", "h2"});  // the server's preference wins
  Connection cl = client.wrap_bio({.server_hostname = "localhost"});
  Connection sv = server.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(cl, sv).ok());
  EXPECT_EQ(cl.selected_alpn_protocol(), "http/1.1");
  EXPECT_EQ(sv.selected_alpn_protocol(), "http/1.1");

  server.set_alpn_protocols({"imap"});  // nothing in common: no ALPN, no failure
  Connection cl2 = client.wrap_bio({.server_hostname = "localhost"});
  Connection sv2 = server.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(cl2, sv2).ok());
  EXPECT_FALSE(cl2.selected_alpn_protocol());
  EXPECT_THROW(client.set_alpn_protocols({""}), ValueError);
  EXPECT_THROW(client.set_alpn_protocols({std::string(256, 'a')}), ValueError);
}

TEST(Context, ClientCertificates) {
  Context server = test::server_context();
  server.set_verify_mode(CERT_REQUIRED);
  server.load_verify_locations(pki().ca_file);
  Context anonymous = test::client_context();
  {
    Connection cl = anonymous.wrap_bio({.server_hostname = "localhost"});
    Connection sv = server.wrap_bio({.server_side = true});
    EXPECT_FALSE(handshake(cl, sv).ok());
    EXPECT_EQ(sv.last_error().reason, "PEER_DID_NOT_RETURN_A_CERTIFICATE");
  }
  Context with_cert = test::client_context();
  with_cert.load_cert_chain(pki().client.cert, pki().client.key);
  Connection cl = with_cert.wrap_bio({.server_hostname = "localhost"});
  Connection sv = server.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(cl, sv).ok());
  const auto peer = sv.getpeercert();
  ASSERT_TRUE(peer);
  EXPECT_EQ(peer->subject, (DistinguishedName{{{"commonName", "client"}}}));
  EXPECT_EQ(sv.get_peer_certificate(), pki().client.credential.certificate);
}

TEST(Context, ReleaseBuffersIsOnByDefaultAndCanBeTurnedOff) {
  Context ctx(PROTOCOL_TLS);
  EXPECT_TRUE(ctx.release_buffers());
  ctx.set_release_buffers(false);
  EXPECT_FALSE(ctx.release_buffers());
  ctx.set_release_buffers(true);
  EXPECT_TRUE(ctx.release_buffers());
}

TEST(Context, AppData) {
  Context ctx(PROTOCOL_TLS);
  EXPECT_FALSE(ctx.get_app_data().has_value());
  ctx.set_app_data(std::string("mine"));
  EXPECT_EQ(std::any_cast<std::string>(ctx.get_app_data()), "mine");
  const Context copy = ctx.share();  // a shared handle, by name
  EXPECT_EQ(std::any_cast<std::string>(copy.get_app_data()), "mine");
  EXPECT_TRUE(copy == ctx);
  EXPECT_NE(ctx.native_handle(), nullptr);
}

// -- Making connections ----------------------------------------------------------------

TEST(Context, WrapBioRefusesMisuse) {
  Context client(PROTOCOL_TLS_CLIENT);
  Context server(PROTOCOL_TLS_SERVER);
  EXPECT_THROW((void)client.wrap_bio({.server_side = true}), ValueError);
  EXPECT_THROW((void)server.wrap_bio(), ValueError);
  EXPECT_THROW((void)client.wrap_bio(), ValueError);  // check_hostname requires server_hostname
  EXPECT_THROW((void)client.wrap_bio({.server_hostname = ""}), ValueError);
  EXPECT_THROW((void)client.wrap_bio({.server_hostname = ".example.com"}), ValueError);
  EXPECT_THROW((void)client.wrap_bio({.server_hostname = std::string_view("a\0b", 3)}), ValueError);
  EXPECT_THROW((void)server.wrap_bio({.server_side = true, .server_hostname = "name"}), ValueError);
}

TEST(Context, HostnameCheckCannotBeSkippedByForgettingTheName) {
  // pyOpenSSL style: Connection(ctx) then set_connect_state, no name given.
  Context client = test::client_context();
  Connection conn(client);
  conn.set_connect_state();
  std::error_code ec;
  EXPECT_EQ(conn.do_handshake(ec).status, io_status::error);
  EXPECT_EQ(ec, make_error_code(errc::invalid_argument));
  EXPECT_THROW(conn.write("x"), ValueError);
  conn.set_server_hostname("localhost");  // now it may proceed
  EXPECT_EQ(conn.do_handshake(ec).status, io_status::want_read);
}

TEST(Context, SessionsResume) {
  for (const TLSVersion v : {TLSVersion::TLSv1_2, TLSVersion::TLSv1_3}) {
    Context client = test::client_context();
    client.set_maximum_version(v);
    Context server = test::server_context();
    Connection c1 = client.wrap_bio({.server_hostname = "localhost"});
    Connection s1 = server.wrap_bio({.server_side = true});
    ASSERT_TRUE(handshake(c1, s1).ok());
    EXPECT_FALSE(c1.session_reused());
    std::error_code ec;
    std::byte buf[16];
    c1.read(buf, ec);  // TLS 1.3 tickets arrive after the handshake
    const auto session = c1.session();
    ASSERT_TRUE(session);
    EXPECT_TRUE(session->is_resumable());
    EXPECT_GT(session->timeout(), 0);

    Connection c2 = client.wrap_bio({.server_hostname = "localhost", .session = session});
    Connection s2 = server.wrap_bio({.server_side = true});
    ASSERT_TRUE(handshake(c2, s2).ok());
    EXPECT_TRUE(c2.session_reused()) << to_string(v);
    EXPECT_TRUE(s2.session_reused()) << to_string(v);
    EXPECT_THROW(s2.set_session(*session), ValueError);
  }
}

TEST(Context, VerifyCallbackCannotUndoHostnameChecking) {
  Context client = test::client_context();
  client.set_verify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT,
                    [](Connection&, const Certificate&, int, int, bool) { return true; });
  Context wrong = test::server_context(&pki().wrong_name);
  const Outcome o = connect(client, wrong);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.verify_code, 62);
  client.set_check_hostname(false);  // the explicit way
  EXPECT_TRUE(connect(client, wrong).ok);
}

TEST(Context, ThrowingCallbackFailsEvenWhenVerificationIsOff) {
  Context client(PROTOCOL_TLS);
  client.set_verify(VERIFY_NONE, [](Connection&, const Certificate&, int, int, bool) -> bool {
    throw std::runtime_error("late");
  });
  Context server = test::server_context();
  Connection cl = client.wrap_bio();
  Connection sv = server.wrap_bio({.server_side = true});
  const auto r = handshake(cl, sv);
  EXPECT_EQ(r.client_ec, make_error_code(errc::callback_failed));
  EXPECT_TRUE(cl.take_callback_exception());
}

TEST(Context, ConnectionsFromOneContextRunOnManyThreads) {
  Context client = test::client_context();
  Context server = test::server_context();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        Connection cl = client.wrap_bio({.server_hostname = "localhost"});
        Connection sv = server.wrap_bio({.server_side = true});
        if (handshake(cl, sv).ok() && cl.write("ping") == 4) {
          test::transfer(cl, sv);
          ok += sv.read(16) == "ping" ? 1 : 0;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 40);
}

TEST(Context, ServerHostnameCanBeReplacedBeforeTheHandshake) {
  Context client = test::client_context();
  Context server = test::server_context();
  Connection cl(client);
  cl.set_connect_state();
  cl.set_server_hostname("wrong.example");
  cl.set_server_hostname("127.0.0.1");  // replaces the name, does not add to it
  Connection sv = server.wrap_bio({.server_side = true});
  EXPECT_TRUE(handshake(cl, sv).ok());
  EXPECT_EQ(cl.server_hostname(), "127.0.0.1");
  Connection s2 = server.wrap_bio({.server_side = true});
  EXPECT_THROW(s2.set_server_hostname("x"), ValueError);
}

}  // namespace
}  // namespace sslpp
