#include <sslpp/connection.hpp>

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/x509err.h>

#include <array>
#include <string>

#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using test::handshake;
using test::pki;
using test::transfer;

using Pair = test::MemoryPair;

std::string read_all(Connection& conn) {
  std::string out;
  std::array<std::byte, 4096> buf{};
  std::error_code ec;
  for (;;) {
    const io_result r = conn.read(buf, ec);
    if (!r.ok()) {
      break;
    }
    out.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
  }
  return out;
}

TEST(Connection, HandshakeVerifiesAndReportsTheSession) {
  Pair p;
  const auto r = handshake(p.client, p.server);
  ASSERT_TRUE(r.ok()) << r.client_ec.message() << " / " << r.server_ec.message();
  EXPECT_EQ(p.client.version(), "TLSv1.3");
  EXPECT_EQ(p.server.version(), "TLSv1.3");
  ASSERT_TRUE(p.client.cipher());
  EXPECT_EQ(p.client.cipher()->protocol, "TLSv1.3");
  EXPECT_GT(p.client.cipher()->secret_bits, 0);
  EXPECT_EQ(p.client.cipher(), p.server.cipher());
  EXPECT_FALSE(p.client.compression());
  EXPECT_TRUE(p.client.is_handshake_done());
  EXPECT_FALSE(p.client.server_side());
  EXPECT_TRUE(p.server.server_side());
  EXPECT_EQ(p.client.server_hostname(), "localhost");

  const auto cert = p.client.getpeercert();
  ASSERT_TRUE(cert);
  ASSERT_FALSE(cert->empty());
  EXPECT_EQ(cert->subject, (DistinguishedName{{{"commonName", "localhost"}}}));
  EXPECT_EQ(cert->issuer, (DistinguishedName{{{"commonName", "sslpp test CA"}}}));
  ASSERT_TRUE(cert->subjectAltName);
  EXPECT_EQ((*cert->subjectAltName)[0], (GeneralName{"DNS", "localhost", {}}));
  EXPECT_EQ((*cert->subjectAltName)[1], (GeneralName{"IP Address", "127.0.0.1", {}}));
  EXPECT_EQ((*cert->subjectAltName)[2], (GeneralName{"IP Address", "0:0:0:0:0:0:0:1", {}}));
  EXPECT_EQ(cert->version, 3);

  const auto der = p.client.getpeercert_der();
  ASSERT_TRUE(der);
  EXPECT_EQ(*der, pki().server.credential.certificate.der());
  // The server did not ask for a client certificate.
  EXPECT_FALSE(p.server.getpeercert());
}

TEST(Connection, DataFlowsBothWaysAndCloseIsClean) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_EQ(p.client.write("hello server"), 12u);
  transfer(p.client, p.server);
  EXPECT_EQ(p.server.read(1024), "hello server");
  p.server.sendall(std::string_view("hello client"));
  transfer(p.server, p.client);
  EXPECT_EQ(read_all(p.client), "hello client");

  EXPECT_FALSE(p.client.shutdown());  // our close_notify sent, theirs awaited
  transfer(p.client, p.server);
  std::array<std::byte, 16> buf{};
  std::error_code ec;
  EXPECT_EQ(p.server.read(buf, ec).status, io_status::closed);
  EXPECT_EQ(p.server.read(buf), 0u);  // the throwing form reads a clean close as 0
  EXPECT_TRUE(p.server.shutdown());
  transfer(p.server, p.client);
  EXPECT_TRUE(p.client.shutdown());
  EXPECT_EQ(p.client.get_shutdown(), SENT_SHUTDOWN | RECEIVED_SHUTDOWN);
}

TEST(Connection, WantReadIsAStatusAndAnException) {
  Pair p;
  std::error_code ec;
  const io_result r = p.client.do_handshake(ec);
  EXPECT_EQ(r.status, io_status::want_read);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(p.client.want_read());
  EXPECT_GT(p.client.bio_pending(), 0u);
  EXPECT_THROW(p.server.do_handshake(), SSLWantReadError);
  // A read before any data: want_read, not an error, in both forms.
  std::array<std::byte, 16> buf{};
  EXPECT_EQ(p.server.read(buf, ec).status, io_status::want_read);
  EXPECT_THROW(p.server.read(buf), WantReadError);
}

TEST(Connection, StarvedTransportCompletesOneByteAtATime) {
  Pair p;
  const auto r = handshake(p.client, p.server, 1);
  ASSERT_TRUE(r.ok());
  const std::string big(100000, 'x');
  p.client.sendall(big);
  std::string got;
  std::array<std::byte, 1000> buf{};
  std::error_code ec;
  int wants = 0;
  for (;;) {
    const io_result rr = p.server.read(buf, ec);
    if (rr.ok()) {
      got.append(reinterpret_cast<const char*>(buf.data()), rr.bytes);
      continue;
    }
    ASSERT_EQ(rr.status, io_status::want_read);
    ++wants;
    std::array<std::byte, 7> chunk{};
    const std::size_t n = p.client.bio_read(chunk);
    if (n == 0) {
      break;
    }
    p.server.bio_write(std::span(chunk.data(), n));
  }
  EXPECT_EQ(got, big);
  EXPECT_GT(wants, 1000);
}

TEST(Connection, TruncationIsNotACleanClose) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.write("partial");
  transfer(p.client, p.server);
  EXPECT_EQ(p.server.read(100), "partial");
  p.server.bio_shutdown();  // the transport ends with no close_notify
  std::array<std::byte, 16> buf{};
  std::error_code ec;
  EXPECT_EQ(p.server.read(buf, ec).status, io_status::truncated);
  EXPECT_TRUE(ec);
  // Sticky: the same answer again, and the throwing form raises SSLEOFError.
  EXPECT_EQ(p.server.read(buf, ec).status, io_status::truncated);
  EXPECT_THROW(p.server.read(buf), SSLEOFError);
}

TEST(Connection, PeerClosingMidRecordIsTruncation) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.write(std::string(1000, 'y'));
  std::array<std::byte, 100> half{};
  const std::size_t n = p.client.bio_read(half);
  p.server.bio_write(std::span(half.data(), n));
  p.server.bio_shutdown();
  std::error_code ec;
  std::array<std::byte, 2000> buf{};
  EXPECT_EQ(p.server.read(buf, ec).status, io_status::truncated);
}

TEST(Connection, GarbageFromThePeerIsASSLError) {
  Pair p;
  p.server.bio_write(std::string_view("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::error_code ec;
  const io_result r = p.server.do_handshake(ec);
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(ec.category(), ssl_category());
  EXPECT_EQ(p.server.last_error().library, "SSL");
  EXPECT_FALSE(p.server.last_error().reason.empty());
  try {
    p.server.do_handshake();
    FAIL() << "no exception";
  } catch (const SSLError& e) {
    EXPECT_EQ(e.library(), "SSL");
    EXPECT_FALSE(e.errors().empty());
    EXPECT_NE(std::string(e.what()).find("[SSL: "), std::string::npos);
  }
  // Sticky: the connection stays failed with the same error.
  std::error_code again;
  EXPECT_EQ(p.server.do_handshake(again).status, io_status::error);
  EXPECT_EQ(again, ec);
}

TEST(Connection, CallsNeedingAHandshakeSayHandshakeNotDone) {
  Pair p;
  EXPECT_THROW((void)p.client.getpeercert(), ValueError);
  EXPECT_FALSE(p.client.version());
  EXPECT_FALSE(p.client.get_channel_binding());
  EXPECT_THROW((void)p.client.get_channel_binding("tls-server-end-point"), ValueError);
}

TEST(Connection, ChannelBindingMatchesOnBothEnds) {
  // tls-unique (Python's default cb_type) on TLS 1.2, tls-exporter on 1.3.
  for (const bool tls12 : {true, false}) {
    Pair p(tls12);
    ASSERT_TRUE(handshake(p.client, p.server).ok());
    const char* type = tls12 ? "tls-unique" : "tls-exporter";
    const auto a = p.client.get_channel_binding(type);
    const auto b = p.server.get_channel_binding(type);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ(*a, *b);
    EXPECT_FALSE(a->empty());
  }
}


TEST(Connection, PyOpenSSLStyleMemoryConnection) {
  // pyOpenSSL: Connection(ctx, None), then choose the role.
  Context client_ctx(SSLv23_METHOD);
  client_ctx.set_verify(VERIFY_PEER);
  client_ctx.load_verify_locations(test::pki().ca_file);
  Context server_ctx(SSLv23_METHOD);
  server_ctx.use_certificate_file(test::pki().server.cert);
  server_ctx.use_privatekey_file(test::pki().server.key);
  Connection client(client_ctx);
  Connection server(server_ctx);
  client.set_connect_state();
  server.set_accept_state();
  client.set_app_data(7);
  EXPECT_EQ(std::any_cast<int>(client.get_app_data()), 7);
  EXPECT_TRUE(client.get_context() == client_ctx);
  EXPECT_FALSE(client.want_write());
  std::error_code ec;
  client.do_handshake(ec);
  EXPECT_TRUE(client.want_write());  // the ClientHello waits for bio_read
  ASSERT_TRUE(test::handshake(client, server).ok());
  client.send(std::string_view("0123456789"));
  test::transfer(client, server);
  EXPECT_EQ(server.recv(4), "0123");
  EXPECT_EQ(server.pending(), 6u);
  std::array<std::byte, 6> rest{};
  EXPECT_EQ(server.recv_into(rest), 6u);
  // Moving a connection keeps it working.
  Connection moved = std::move(client);
  moved.write("after move");
  test::transfer(moved, server);
  EXPECT_EQ(server.read(100), "after move");
  server.set_shutdown(RECEIVED_SHUTDOWN);
  EXPECT_EQ(server.get_shutdown(), RECEIVED_SHUTDOWN);
  EXPECT_EQ(server.read(100), "");  // as if the peer had closed
}

TEST(Connection, SharedCiphersOnTheServerOnly) {
  Context client_ctx = test::client_context();
  Context server_ctx = test::server_context();
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  EXPECT_FALSE(server.shared_ciphers());
  ASSERT_TRUE(test::handshake(client, server).ok());
  EXPECT_FALSE(client.shared_ciphers());
  const auto shared = server.shared_ciphers();
  ASSERT_TRUE(shared);
  EXPECT_FALSE(shared->empty());
  bool found = false;
  for (const auto& c : *shared) {
    found = found || c == *server.cipher();
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace sslpp


namespace sslpp {
namespace {

TEST(Connection, ErrorQueueNeverLeaksBetweenCalls) {
  Context client_ctx = test::client_context();
  Context server_ctx = test::server_context(&test::pki().untrusted);
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  // A stale entry left by unrelated code on this thread is not blamed on sslpp.
  ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);
  std::error_code ec;
  EXPECT_EQ(client.do_handshake(ec).status, io_status::want_read);
  EXPECT_FALSE(ec);
  EXPECT_EQ(::ERR_peek_error(), 0u);
  const auto r = test::handshake(client, server);
  EXPECT_FALSE(r.ok());
  // The failure was described, then the queue was emptied.
  EXPECT_EQ(client.last_error().reason, "CERTIFICATE_VERIFY_FAILED");
  EXPECT_FALSE(client.last_error().queue.empty());
  EXPECT_EQ(::ERR_peek_error(), 0u);
  // Configuration failures drain the queue too.
  EXPECT_THROW(client_ctx.set_ciphers("NOPE"), SSLError);
  EXPECT_EQ(::ERR_peek_error(), 0u);
  EXPECT_THROW(Certificate::from_pem("junk"), SSLError);
  EXPECT_EQ(::ERR_peek_error(), 0u);
}

TEST(Connection, ServerReportsTheClientsAlert) {
  Context client_ctx = test::client_context();
  Context server_ctx = test::server_context(&test::pki().wrong_name);
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  const auto r = test::handshake(client, server);
  EXPECT_EQ(r.client.status, io_status::error);
  EXPECT_EQ(r.server.status, io_status::error);
  // The client told the server why (a bad_certificate alert).
  EXPECT_NE(server.last_error().reason.find("ALERT"), std::string::npos) << server.last_error().reason;
  EXPECT_THROW(server.write("x"), SSLError);
}

TEST(Connection, UnwrapNeedsThePeersCloseNotify) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_THROW(p.client.unwrap(), SSLWantReadError);  // ours sent, theirs awaited
  transfer(p.client, p.server);
  std::error_code ec;
  EXPECT_EQ(p.server.shutdown(ec).status, io_status::want_read);  // the first call only sends
  EXPECT_EQ(p.server.shutdown(ec).status, io_status::ok);         // the second reads theirs
  transfer(p.server, p.client);
  p.client.unwrap();
  EXPECT_EQ(p.client.get_shutdown(), SENT_SHUTDOWN | RECEIVED_SHUTDOWN);
}

TEST(Connection, StatusFormKeepsTheCallbacksException) {
  Context client_ctx = test::client_context();
  client_ctx.set_verify(VERIFY_PEER, [](Connection&, const Certificate&, int, int, bool) -> bool {
    throw std::logic_error("from the callback");
  });
  Context server_ctx = test::server_context();
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  const auto r = handshake(client, server);
  EXPECT_EQ(r.client.status, io_status::error);
  EXPECT_EQ(r.client_ec, make_error_code(errc::callback_failed));
  const std::exception_ptr e = client.take_callback_exception();
  ASSERT_TRUE(e);
  EXPECT_THROW(std::rethrow_exception(e), std::logic_error);
  EXPECT_FALSE(client.take_callback_exception());  // taken once
}

TEST(Connection, SessionAndVerifyDetails) {
  Pair p;
  EXPECT_FALSE(p.client.session_reused());
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_EQ(p.client.verify_result(), 0);
  std::error_code ec;
  std::array<std::byte, 16> buf{};
  p.client.read(buf, ec);  // take the TLS 1.3 tickets
  const auto session = p.client.session();
  ASSERT_TRUE(session);
  EXPECT_TRUE(session->has_ticket());
  EXPECT_GT(session->time(), 0);
  EXPECT_NE(session->native_handle(), nullptr);
  EXPECT_NE(p.client.native_handle(), nullptr);
  EXPECT_EQ(p.client.get_peer_cert_chain().size(), 1u);
  EXPECT_TRUE(p.client.bio_read(100).empty());  // nothing pending is no error
  p.client.write("x");
  EXPECT_FALSE(p.client.bio_read(100).empty());
  EXPECT_THROW(p.client.set_server_hostname("other"), ValueError);  // after the handshake
}

TEST(Connection, EmptyReadIsNotTruncation) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.server.write("hello");
  transfer(p.server, p.client);
  std::error_code ec;
  const io_result r = p.client.read(std::span<std::byte>(), ec);
  EXPECT_EQ(r.status, io_status::ok);
  EXPECT_EQ(r.bytes, 0u);
  EXPECT_EQ(p.client.read(16), "hello");
}

}  // namespace
}  // namespace sslpp
