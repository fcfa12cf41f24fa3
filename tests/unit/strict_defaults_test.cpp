// Strict by default (issue 11): no commonName fallback, create_default_context's
// strict chain flags, a close without close_notify is an error, host names go
// to OpenSSL as A-labels, a peer's reset is ConnectionResetError, and a
// peer's fatal alert arrives as that alert rather than as a reset.
#include <sslpp/cert_store.hpp>
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/ssl_socket.hpp>

#include <gtest/gtest.h>

#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>

#include "support/pki.hpp"
#include "support/pump.hpp"
#include "support/socket_driver.hpp"

namespace sslpp {
namespace {

using namespace std::chrono_literals;
using test::pki;

// cn_only is a certificate for "localhost" in the subject commonName only.
const test::CredentialFiles& cn_only() {
  static const test::CredentialFiles files =
      test::write_credential(pki().dir, "cn-only", pki().ca.issue({.common_name = "localhost"}));
  return files;
}

// idn_server is a certificate for the A-label of "könig.example".
const test::CredentialFiles& idn_server() {
  static const test::CredentialFiles files = test::write_credential(
      pki().dir, "idn", pki().ca.issue({.common_name = "idn", .dns_names = {"xn--knig-5qa.example"}}));
  return files;
}

Context default_client() {
  return create_default_context(Purpose::SERVER_AUTH, {.cadata_pem = pki().ca.certificate().pem()});
}

// accept_server wraps the next connection on `listener` as a TLS server of
// `ctx` (handshake not run yet), with a 5 s timeout.
SSLSocket accept_server(const Context& ctx, const test::Listener& listener) {
  test::Fd fd = test::tcp_accept(listener, 5000ms);
  if (!fd.valid()) {
    throw std::runtime_error("no client connected");
  }
  Socket sock = Socket::from_fd(fd.release());
  sock.settimeout(5s);
  return ctx.wrap_socket(std::move(sock), {.server_side = true, .do_handshake_on_connect = false});
}

SSLSocket connect_client(const Context& ctx, std::uint16_t port, SSLSocketOptions options = {.server_hostname = "localhost"}) {
  return ctx.wrap_socket(create_connection("127.0.0.1", port, 5s), options);
}

// reset_now closes `fd` with a TCP reset (SO_LINGER 0) instead of a FIN.
void reset_now(int fd) {
  const linger abort{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  ::close(fd);
}

// -- No commonName fallback --------------------------------------------------

TEST(StrictDefaults, HandshakeNeverFallsBackToTheCommonName) {
  Context server_ctx = test::server_context(&cn_only());
  Context client_ctx = test::client_context();
  EXPECT_FALSE(client_ctx.hostname_checks_common_name());
  const test::Outcome refused = test::connect(client_ctx, server_ctx);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.verify_code, X509_V_ERR_HOSTNAME_MISMATCH) << refused.message;

  Context default_ctx = default_client();
  EXPECT_FALSE(default_ctx.hostname_checks_common_name());
  EXPECT_EQ(test::connect(default_ctx, server_ctx).verify_code, X509_V_ERR_HOSTNAME_MISMATCH);

  // The named way back to Python 3.11's behaviour, for the next handshake.
  client_ctx.set_hostname_checks_common_name(true);
  EXPECT_TRUE(client_ctx.hostname_checks_common_name());
  EXPECT_TRUE(test::connect(client_ctx, server_ctx).ok);
  client_ctx.set_hostname_checks_common_name(false);
  EXPECT_FALSE(test::connect(client_ctx, server_ctx).ok);
}

TEST(StrictDefaults, CertStoreVerifyNeverFallsBackToTheCommonName) {
  CertStore store;
  store.add_cert(pki().ca.certificate());
  try {
    static_cast<void>(store.verify(cn_only().credential.certificate, {.hostname = "localhost"}));
    ADD_FAILURE() << "a commonName-only certificate matched";
  } catch (const SSLCertVerificationError& e) {
    EXPECT_EQ(e.verify_code(), X509_V_ERR_HOSTNAME_MISMATCH);
  }
}

// -- create_default_context: Python 3.13's strict chain flags ----------------

TEST(StrictDefaults, DefaultContextVerifiesPartialChainsStrictly) {
  for (const Purpose purpose : {Purpose::SERVER_AUTH, Purpose::CLIENT_AUTH}) {
    const Context ctx = create_default_context(purpose, {.cadata_pem = pki().ca.certificate().pem()});
    EXPECT_TRUE(has_any(ctx.verify_flags(), VERIFY_X509_STRICT));
    EXPECT_TRUE(has_any(ctx.verify_flags(), VERIFY_X509_PARTIAL_CHAIN));
  }
  // The test PKI is strict-clean: a default context connects.
  Context client_ctx = default_client();
  Context server_ctx = test::server_context();
  EXPECT_TRUE(test::connect(client_ctx, server_ctx).ok);
  // PARTIAL_CHAIN: an intermediate trusted on its own is an anchor.
  const CertificateAuthority intermediate = CertificateAuthority::from_credential(
      pki().ca.issue({.common_name = "sslpp test intermediate", .is_ca = true}));
  const test::CredentialFiles leaf = test::write_credential(
      pki().dir, "under-intermediate", intermediate.issue({.common_name = "localhost", .dns_names = {"localhost"}}));
  Context anchored = create_default_context(Purpose::SERVER_AUTH, {.cadata_pem = intermediate.certificate().pem()});
  Context leaf_server = test::server_context(&leaf);
  const test::Outcome partial = test::connect(anchored, leaf_server);
  EXPECT_TRUE(partial.ok) << partial.message;
}

// -- A close without close_notify is an error by default ----------------------

TEST(StrictDefaults, RaggedEofIsAnErrorUnlessSuppressed) {
  EXPECT_FALSE(SSLSocketOptions{}.suppress_ragged_eofs);
  for (const bool suppress : {false, true}) {
    SCOPED_TRACE(suppress ? "suppress_ragged_eofs" : "default");
    const test::Listener listener = test::tcp_listen();
    Context server_ctx = test::server_context();
    auto served = std::async(std::launch::async, [&] {
      SSLSocket server = accept_server(server_ctx, listener);
      server.do_handshake();
      server.sendall(std::string_view("partial reply"));
      ::shutdown(server.fileno(), SHUT_RDWR);  // a FIN, no close_notify
    });
    Context client_ctx = test::client_context();
    SSLSocket client = suppress ? connect_client(client_ctx, listener.port,
                                                 {.server_hostname = "localhost", .suppress_ragged_eofs = true})
                                : connect_client(client_ctx, listener.port);
    EXPECT_EQ(client.suppress_ragged_eofs(), suppress);
    served.get();
    EXPECT_EQ(client.recv(100), "partial reply");
    if (suppress) {
      EXPECT_EQ(client.recv(100), "");
    } else {
      EXPECT_THROW(static_cast<void>(client.recv(100)), SSLEOFError);
    }
  }
}

TEST(StrictDefaults, MemoryConnectionReportsTruncation) {
  test::MemoryPair pair;
  ASSERT_TRUE(test::handshake(pair.client, pair.server).ok());
  pair.client.write("cut");
  test::transfer(pair.client, pair.server);
  pair.server.bio_shutdown();  // the transport ended, no close_notify
  EXPECT_EQ(pair.server.recv(10), "cut");
  EXPECT_THROW(static_cast<void>(pair.server.recv(10)), SSLEOFError);
}

// -- Internationalised names: A-labels only -----------------------------------

TEST(StrictDefaults, UnicodeServerHostnameIsMatchedAsItsALabel) {
  Context server_ctx = test::server_context(&idn_server());
  std::optional<std::string> sni;
  server_ctx.set_sni_callback([&sni](Connection&, std::optional<std::string_view> name, const Context&) {
    sni = name ? std::optional<std::string>(*name) : std::nullopt;
    return std::optional<AlertDescription>();
  });
  Context client_ctx = test::client_context();
  // Precomposed and decomposed (o + U+0308) spellings are one name.
  for (const char* name : {"k\xc3\xb6nig.example", "ko\xcc\x88nig.example", "xn--knig-5qa.example"}) {
    SCOPED_TRACE(name);
    Connection client = client_ctx.wrap_bio({.server_hostname = name});
    EXPECT_EQ(client.server_hostname(), "xn--knig-5qa.example");
    Connection server = server_ctx.wrap_bio({.server_side = true});
    const test::HandshakeResult r = test::handshake(client, server);
    EXPECT_TRUE(r.ok()) << client.last_error().message;
    EXPECT_EQ(sni, "xn--knig-5qa.example");
  }
  // A different U-label does not match.
  EXPECT_EQ(test::connect(client_ctx, server_ctx, "k\xc3\xa4nig.example").verify_code, X509_V_ERR_HOSTNAME_MISMATCH);
  // CertStore::verify takes U-labels the same way.
  CertStore store;
  store.add_cert(pki().ca.certificate());
  EXPECT_NO_THROW(static_cast<void>(
      store.verify(idn_server().credential.certificate, {.hostname = "k\xc3\xb6nig.example"})));
}

TEST(StrictDefaults, InvalidInternationalisedNamesAreValueErrors) {
  Context ctx = test::client_context();
  for (const char* bad : {"\xff\xfe.example", "\xcc\x88" "a.example" /* a label that starts with a combining mark */}) {
    SCOPED_TRACE(bad);
    try {
      static_cast<void>(ctx.wrap_bio({.server_hostname = bad}));
      ADD_FAILURE() << "accepted";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("internationalised domain name"), std::string::npos) << e.what();
    }
  }
}

// -- Resets are ConnectionResetError; alerts arrive as alerts ------------------

TEST(StrictDefaults, ResetDuringHandshakeIsConnectionResetError) {
  const test::Listener listener = test::tcp_listen();
  auto peer = std::async(std::launch::async, [&] {
    test::Fd fd = test::tcp_accept(listener, 5000ms);
    char hello[512];
    static_cast<void>(::recv(fd.get(), hello, sizeof hello, 0));  // the ClientHello, or part of it
    reset_now(fd.release());
  });
  Context ctx = test::client_context();
  try {
    SSLSocket client = connect_client(ctx, listener.port);
    ADD_FAILURE() << "handshake succeeded against a reset";
  } catch (const ConnectionResetError& e) {
    EXPECT_EQ(e.code(), std::error_code(ECONNRESET, std::system_category())) << e.what();
    EXPECT_EQ(dynamic_cast<const SSLError*>(&e), nullptr) << "an OSError, as Python raises";
  }
  peer.get();
}

TEST(StrictDefaults, ResetAfterHandshakeIsConnectionResetError) {
  const test::Listener listener = test::tcp_listen();
  Context server_ctx = test::server_context();
  auto served = std::async(std::launch::async, [&] {
    SSLSocket server = accept_server(server_ctx, listener);
    server.do_handshake();
    reset_now(server.detach());
  });
  Context client_ctx = test::client_context();
  SSLSocket client = connect_client(client_ctx, listener.port);
  served.get();
  EXPECT_THROW(static_cast<void>(client.recv(10)), ConnectionResetError);
}

// A TLS 1.3 client finishes its handshake before the server has checked its
// certificate. The server refuses it (no certificate), alerts and closes,
// with the client's request unread: a plain close would send a reset that
// can destroy the alert. The client must read the alert, every time.
TEST(StrictDefaults, ClientReadsTheServersAlertNotAReset) {
  Context server_ctx = test::server_context();
  server_ctx.set_verify_mode(CERT_REQUIRED);
  server_ctx.load_verify_locations({.cafile = pki().ca_file});
  Context client_ctx = test::client_context();
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE(round);
    const test::Listener listener = test::tcp_listen();
    auto served = std::async(std::launch::async, [&] {
      SSLSocket server = accept_server(server_ctx, listener);
      EXPECT_THROW(server.do_handshake(), SSLError);
    });  // the SSLSocket closes here
    SSLSocket client = connect_client(client_ctx, listener.port);
    client.sendall(std::string_view("GET / HTTP/1.0\r\n\r\n"));
    try {
      static_cast<void>(client.recv(100));
      ADD_FAILURE() << "read data from a server that refused us";
    } catch (const SSLError& e) {
      EXPECT_EQ(e.reason(), "TLSV13_ALERT_CERTIFICATE_REQUIRED") << e.what();
    }
    client.close();  // the server, lingering for our close, may go
    served.get();
  }
}

// After the handshake: the peer sends a record the server cannot accept
// (a ChangeCipherSpec after Finished in TLS 1.3), then more bytes; the
// server's read fails with an alert, and the peer receives it.
TEST(StrictDefaults, ClientReadsTheAlertForABadRecordAfterTheHandshake) {
  Context server_ctx = test::server_context();
  Context client_ctx = test::client_context();
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    const test::Listener listener = test::tcp_listen();
    auto served = std::async(std::launch::async, [&] {
      SSLSocket server = accept_server(server_ctx, listener);
      server.do_handshake();
      EXPECT_THROW(static_cast<void>(server.recv(100)), SSLError);
    });
    SSLSocket client = connect_client(client_ctx, listener.port);
    EXPECT_EQ(test::send_bad_record_and_read(client), "SSLV3_ALERT_UNEXPECTED_MESSAGE");
    client.close();
    served.get();
  }
}

}  // namespace
}  // namespace sslpp
