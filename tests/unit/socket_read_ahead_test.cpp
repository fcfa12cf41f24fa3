// The socket transport reads the next record's header with each record's
// body (src/engine/socket_transport.cpp). These tests hold it to what makes
// that safe: it is at most a header (the socket still shows the rest of the
// next record as readable), and nothing past the TLS stream is taken from a
// socket that is unwrapped, or if it is, unwrap() says so.
#include <sslpp/ssl_socket.hpp>

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <functional>
#include <span>
#include <future>
#include <string>
#include <thread>

#include "support/pki.hpp"
#include "support/socket_interop.hpp"

namespace sslpp {
namespace {

using namespace std::chrono_literals;
using test::read_exactly;

// TLS 1.3 with TLS_AES_256_GCM_SHA384: a record of n application bytes is
// a 5-byte header and a body of n + 1 (the inner content type) + 16 (tag).
constexpr std::size_t kHeader = 5;
constexpr std::size_t body_size(std::size_t n) { return n + 1 + 16; }

// One client and one server over TCP on 127.0.0.1; the server side runs
// `serve` on a thread of its own with the accepted SSLSocket.
class ReadAheadPair {
 public:
  explicit ReadAheadPair(Context server_ctx = test::server_context()) : listener_(make_listener(std::move(server_ctx))) {}

  template <typename Serve>
  SSLSocket start(Serve serve) {
    server_ = std::async(std::launch::async, [this, serve] {
      auto [conn, peer] = listener_.accept();
      serve(conn);
    });
    return test::client_context().wrap_socket(create_connection("127.0.0.1", listener_.getsockname().port, 5s),
                                              {.server_hostname = "localhost"});
  }

  // finish waits for the server's side (bounded: its socket has a timeout).
  void finish() {
    ASSERT_EQ(server_.wait_for(20s), std::future_status::ready);
    server_.get();
  }

 private:
  static SSLSocket make_listener(Context ctx) {
    Socket listener(AF_INET);
    listener.bind("127.0.0.1", 0);
    listener.listen();
    listener.settimeout(5s);
    return ctx.wrap_socket(std::move(listener), {.server_side = true});
  }

  SSLSocket listener_;
  std::future<void> server_;
};

// Bytes the kernel holds for reading on `fd`.
int unread(int fd) {
  int n = -1;
  EXPECT_EQ(::ioctl(fd, FIONREAD, &n), 0);
  return n;
}

// What a plain socket receives next, up to 16 bytes.
std::string plain_recv(Socket& s) {
  std::array<std::byte, 16> buf{};
  const std::size_t n = s.recv(buf);
  return {reinterpret_cast<const char*>(buf.data()), n};
}

bool readable_now(int fd) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

// The server's side of the tests below: its close_notify, then plaintext
// right behind it without waiting for the client's, then (after `sent`) it
// takes the client's close_notify.
void close_then_plaintext(SSLSocket& conn, std::promise<void>& sent) {
  std::error_code ec;
  EXPECT_TRUE(conn.shutdown_tls(ec).ok()) << ec.message();
  ASSERT_EQ(::send(conn.fileno(), "PLAIN", 5, MSG_NOSIGNAL), 5);
  sent.set_value();
  conn.settimeout(5s);
  static_cast<void>(conn.recv(10));
}

// After two records of `size` bytes are in the client's socket and the
// client has read the first: what the kernel still holds for it, whether
// the descriptor is readable, and what OpenSSL holds decrypted.
struct AfterFirstRecord {
  int unread;
  bool readable;
  std::size_t pending;
};

AfterFirstRecord read_first_of_two(std::size_t size) {
  ReadAheadPair pair;
  std::promise<void> sent;
  std::promise<void> checked;
  SSLSocket client = pair.start([&](SSLSocket& conn) {
    conn.sendall(std::string(size, 'a'));
    conn.sendall(std::string(size, 'b'));
    sent.set_value();  // on loopback both records are in the client's socket now
    checked.get_future().wait_for(10s);
  });
  EXPECT_EQ(sent.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(read_exactly(client, size), std::string(size, 'a'));
  const AfterFirstRecord after{unread(client.fileno()), readable_now(client.fileno()), client.pending()};
  EXPECT_EQ(read_exactly(client, size), std::string(size, 'b'));
  checked.set_value();
  pair.finish();
  return after;
}

TEST(ReadAhead, TakesTheNextHeaderButLeavesTheNextRecordReadable) {
  // One receive call took the first record's body and the second's header:
  // the kernel keeps exactly the second body, so the descriptor is still
  // readable and a caller that polls it before reading on does not hang.
  const AfterFirstRecord after = read_first_of_two(300);
  EXPECT_EQ(after.unread, static_cast<int>(body_size(300)));
  EXPECT_TRUE(after.readable);
  EXPECT_EQ(after.pending, 0U);
}

TEST(ReadAhead, SmallRecordsAreReadExactly) {
  // A body shorter than an alert could be is read alone: the whole next
  // record is still the kernel's.
  const AfterFirstRecord after = read_first_of_two(100);
  EXPECT_EQ(after.unread, static_cast<int>(kHeader + body_size(100)));
  EXPECT_TRUE(after.readable);
}

TEST(ReadAhead, PlaintextAfterThePeersCloseNotifyReachesTheUnwrappedSocket) {
  ReadAheadPair pair;
  std::promise<void> sent;
  SSLSocket client = pair.start([&](SSLSocket& conn) {
    conn.sendall(std::string(1000, 'x'));
    close_then_plaintext(conn, sent);
  });
  ASSERT_EQ(sent.get_future().wait_for(10s), std::future_status::ready);
  // The last data record's body is read with the close_notify's header; the
  // close_notify itself is read exactly, and the plaintext stays behind it.
  EXPECT_EQ(read_exactly(client, 1000), std::string(1000, 'x'));
  EXPECT_EQ(client.recv(10), "");
  Socket plain = client.unwrap();
  plain.settimeout(5s);
  EXPECT_EQ(plain_recv(plain), "PLAIN");
  pair.finish();
}

// A server that pads every TLS 1.3 record to 512 bytes, alerts included.
Context padding_server_context() {
  Context ctx = test::server_context();
  ::SSL_CTX_set_block_padding(ctx.native_handle(), 512);
  return ctx;
}

TEST(ReadAhead, NothingIsReadPastOurCloseNotify) {
  ReadAheadPair pair(padding_server_context());
  std::promise<void> answered;
  SSLSocket client = pair.start([&](SSLSocket& conn) {
    EXPECT_EQ(conn.recv(10), "");  // the client's close_notify
    Socket plain = conn.unwrap();  // ours, padded past read-ahead's threshold
    plain.sendall(std::as_bytes(std::span(std::string_view("PLAIN"))));
    answered.set_value();
  });
  std::error_code ec;
  ASSERT_TRUE(client.shutdown_tls(ec).ok()) << ec.message();
  ASSERT_EQ(answered.get_future().wait_for(10s), std::future_status::ready);
  // The padded close_notify and the plaintext are both in the socket now;
  // after our close_notify the transport reads exactly, so none is lost.
  Socket plain = client.unwrap();
  plain.settimeout(5s);
  EXPECT_EQ(plain_recv(plain), "PLAIN");
  pair.finish();
}

// unwrap_refusal: the server closes with plaintext right behind its
// close_notify (close_then_plaintext); the client, made ready by `prepare`,
// reads the close_notify and unwraps. Returns what unwrap()'s SSLError says
// (a test failure if it does not refuse).
std::string unwrap_refusal(Context server_ctx, const std::function<void(SSLSocket&)>& prepare) {
  ReadAheadPair pair(std::move(server_ctx));
  std::promise<void> sent;
  SSLSocket client = pair.start([&](SSLSocket& conn) { close_then_plaintext(conn, sent); });
  prepare(client);
  EXPECT_EQ(sent.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(client.recv(10), "");
  std::string what;
  try {
    static_cast<void>(client.unwrap());
    ADD_FAILURE() << "unwrap() handed over a stream without its first bytes";
  } catch (const SSLError& e) {
    EXPECT_EQ(e.reason(), "APPLICATION_DATA_AFTER_CLOSE_NOTIFY");
    what = e.what();
  }
  client.close();
  pair.finish();
  return what;
}

TEST(ReadAhead, UnwrapSaysSoWhenPlaintextWasReadWithAPaddedCloseNotify) {
  // The close_notify's body is as long as a data record's, so its read took
  // the plaintext's first bytes with it: unwrap() cannot give a stream that
  // starts where the peer's does, and says why.
  const std::string what = unwrap_refusal(padding_server_context(), [](SSLSocket&) {});
  EXPECT_NE(what.find("5 bytes after a close_notify padded"), std::string::npos) << what;
}

// OpenSSL's own read-ahead, turned on through the escape hatch, reads past
// the close_notify too: unwrap() refuses then as well.
TEST(ReadAhead, UnwrapSaysSoWhenOpenSslsReadAheadTookPlaintext) {
  const std::string what = unwrap_refusal(test::server_context(), [](SSLSocket& client) {
    ::SSL_set_read_ahead(client.connection().native_handle(), 1);
  });
  EXPECT_NE(what.find("SSL_set_read_ahead"), std::string::npos) << what;
}

// A blocking socket with SO_RCVLOWAT above a record's size returns a record
// that is whole in the socket at once, as a receive of exactly its bytes
// does: reading ahead never waits for the next record's header, which a
// peer waiting for our reply never sends. (Linux wakes a receive that is
// already waiting only at the low-water mark, whatever it asks for, so the
// record is in the socket before the client reads.)
TEST(ReadAhead, NeverWaitsForTheNextRecordOnABlockingSocketWithALowWaterMark) {
  Context server_ctx = test::server_context();
  server_ctx.set_num_tickets(0);  // the 1000 bytes are all there is to read
  ReadAheadPair pair(std::move(server_ctx));
  std::promise<std::string> reply;
  SSLSocket client = pair.start([&](SSLSocket& conn) {
    conn.sendall(std::string(1000, 'q'));
    conn.settimeout(5s);
    try {
      reply.set_value(read_exactly(conn, 5));
    } catch (const TimeoutError&) {  // the client is stuck; closing frees it
      reply.set_value("no reply within 5 s");
    }
  });
  const int record = static_cast<int>(kHeader + body_size(1000));
  for (int i = 0; i < 500 && unread(client.fileno()) < record; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(unread(client.fileno()), record);
  client.settimeout(std::nullopt);  // blocking
  client.setsockopt(SOL_SOCKET, SO_RCVLOWAT, 8192);
  EXPECT_EQ(read_exactly(client, 1000), std::string(1000, 'q'));
  client.sendall(std::string_view("reply"));
  auto got = reply.get_future();
  ASSERT_EQ(got.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(got.get(), "reply");
  pair.finish();
}

}  // namespace
}  // namespace sslpp
