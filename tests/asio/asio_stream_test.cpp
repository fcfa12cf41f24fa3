// sslpp::asio::stream: the Asio driver on the engine, over TCP on 127.0.0.1.
// Coroutines, callbacks and futures; real peers (openssl, GnuTLS, Python's
// ssl); a peer that stalls, resets, truncates or sends garbage; cancelled
// operations; full duplex; an io_context destroyed with work pending.
#include <sslpp/asio.hpp>

#include <gtest/gtest.h>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/gnutls_peer.hpp"
#include "support/heap.hpp"
#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/socket_interop.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using ::asio::awaitable;
using ::asio::use_awaitable;
using ::asio::ip::tcp;
using tls_stream = sslpp::asio::stream<tcp::socket>;
using namespace std::chrono_literals;

// Every test's io_context runs for at most this long: a stuck operation
// fails the test instead of hanging it.
constexpr auto kBound = 10s;

// Loop is an io_context with a listening acceptor on 127.0.0.1 and the
// coroutines a test spawns on it; run() bounds the test and rethrows the
// first exception a coroutine raised.
struct Loop {
  std::list<std::function<awaitable<void>()>> bodies;  // first: outlives the coroutines in io
  ::asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(::asio::ip::make_address("127.0.0.1"), 0)};
  std::exception_ptr failure;
  int running = 0;

  std::uint16_t port() const { return acceptor.local_endpoint().port(); }
  tcp::endpoint endpoint() const { return acceptor.local_endpoint(); }

  // spawn runs `body()`, keeping `body` alive as long as the loop: a
  // coroutine lambda's captures live in the closure, not in its frame.
  void spawn(std::function<awaitable<void>()> body) {
    bodies.push_back(std::move(body));
    spawn(bodies.back()());
  }

  void spawn(awaitable<void> coroutine) {
    ++running;
    ::asio::co_spawn(io, std::move(coroutine), [this](std::exception_ptr e) {
      --running;
      if (e && !failure) {
        failure = e;
      }
    });
  }

  void run() {
    io.run_for(kBound);
    if (failure) {
      std::rethrow_exception(failure);
    }
    ASSERT_EQ(running, 0) << "a coroutine did not finish within the bound";
  }
};

awaitable<tcp::socket> connect_to(tcp::endpoint endpoint) {
  tcp::socket socket(co_await ::asio::this_coro::executor);
  co_await socket.async_connect(endpoint, use_awaitable);
  co_return socket;
}

// read_exactly reads n bytes of plaintext.
awaitable<std::string> read_exactly(tls_stream& s, std::size_t n) {
  std::string out(n, '\0');
  co_await ::asio::async_read(s, ::asio::buffer(out), use_awaitable);
  co_return out;
}

// echo_server serves one connection: echoes until the peer's close_notify,
// then answers it with its own.
awaitable<void> echo_server(Loop& loop, const Context& ctx) {
  tcp::socket socket = co_await loop.acceptor.async_accept(use_awaitable);
  tls_stream tls(std::move(socket), ctx, {.server_side = true});
  co_await tls.async_handshake(use_awaitable);
  std::vector<char> buf(70000);
  for (;;) {
    auto [ec, n] = co_await tls.async_read_some(::asio::buffer(buf), ::asio::experimental::as_tuple(use_awaitable));
    if (ec == ::asio::error::eof) {
      break;
    }
    if (ec) {
      throw std::system_error(ec, "echo server read");
    }
    co_await ::asio::async_write(tls, ::asio::buffer(buf.data(), n), use_awaitable);
  }
  co_await tls.async_shutdown(use_awaitable);
}

// against_echo connects a client stream to the echo server over loopback,
// completes the handshake and runs `client` on it, within the loop's bound;
// true when `client` ran to its end.
bool against_echo(const Context& server_ctx, const Context& client_ctx,
                  std::function<awaitable<void>(Loop&, tls_stream&)> client) {
  Loop loop;
  loop.spawn(echo_server(loop, server_ctx));
  bool done = false;
  loop.spawn([&]() -> awaitable<void> {
    tls_stream tls(co_await connect_to(loop.endpoint()), client_ctx, {.server_hostname = "localhost"});
    co_await tls.async_handshake(use_awaitable);
    co_await client(loop, tls);
    done = true;
  });
  loop.run();
  return done;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  }
  return s;
}

// ===========================================================================
// Coroutines, both ends sslpp

TEST(AsioStream, CoroutineEchoClientAndServerWithIntrospection) {
  Context server_ctx = test::server_context();
  server_ctx.set_alpn_protocols({"echo/1"});
  Context client_ctx = test::client_context();
  client_ctx.set_alpn_protocols({"other", "echo/1"});
  EXPECT_TRUE(against_echo(server_ctx, client_ctx, [&](Loop&, tls_stream& tls) -> awaitable<void> {
    const Connection& c = tls.connection();
    EXPECT_EQ(c.version(), "TLSv1.3");
    EXPECT_TRUE(c.cipher().has_value());
    EXPECT_EQ(c.selected_alpn_protocol(), "echo/1");
    const auto peer = c.getpeercert();
    EXPECT_TRUE(peer.has_value() && peer->subjectAltName.has_value());
    for (std::size_t size : {1u, 100u, 16384u, 16385u, 300000u}) {
      const std::string sent = pattern(size);
      co_await ::asio::async_write(tls, ::asio::buffer(sent), use_awaitable);
      EXPECT_EQ(co_await read_exactly(tls, size), sent) << size;
    }
    co_await tls.async_shutdown(use_awaitable);
  }));
}

// Coalescing on the Asio stream: many small writes complete at once and
// leave as full records, when a read waits for the reply or on
// async_flush; the echo comes back whole and in order.
TEST(AsioStream, CoalescedSmallWritesLeaveOnReadAndOnFlush) {
  EXPECT_TRUE(against_echo(test::server_context(), test::client_context(), [&](Loop&, tls_stream& tls) -> awaitable<void> {
    tls.connection().set_coalescing(true);
    const std::string all = pattern(64 * 300);
    for (std::size_t at = 0; at < all.size(); at += 64) {
      co_await ::asio::async_write(tls, ::asio::buffer(all.data() + at, 64), use_awaitable);
    }
    // 300 frames: one full record has left, the rest is gathered.
    EXPECT_EQ(tls.connection().coalesced(), all.size() - 16384);
    EXPECT_EQ(co_await read_exactly(tls, all.size()), all);  // the read sent the rest first
    co_await ::asio::async_write(tls, ::asio::buffer(all.data(), 100), use_awaitable);
    EXPECT_EQ(tls.connection().coalesced(), 100U);
    co_await tls.async_flush(use_awaitable);
    EXPECT_EQ(tls.connection().coalesced(), 0U);
    EXPECT_EQ(co_await read_exactly(tls, 100), all.substr(0, 100));
    co_await tls.async_shutdown(use_awaitable);
  }));
}

// hello_while_a_read_waits starts a read of 5 bytes on `tls` (against the
// echo server), lets it start waiting, runs `meanwhile`, writes "hello" and
// waits up to a second for the read; returns what the read got ("" if it
// did not finish), after the close_notify exchange when it did.
awaitable<std::string> hello_while_a_read_waits(Loop& loop, tls_stream& tls, std::function<void()> meanwhile) {
  std::string echoed;
  bool read_done = false;
  loop.spawn([&]() -> awaitable<void> {
    echoed = co_await read_exactly(tls, 5);
    read_done = true;
  });
  co_await ::asio::post(co_await ::asio::this_coro::executor, use_awaitable);  // the read is waiting now
  meanwhile();
  co_await ::asio::async_write(tls, ::asio::buffer(std::string_view("hello")), use_awaitable);
  ::asio::steady_timer t(co_await ::asio::this_coro::executor);
  for (int i = 0; i < 200 && !read_done; ++i) {
    t.expires_after(5ms);
    co_await t.async_wait(use_awaitable);
  }
  if (read_done) {
    co_await tls.async_shutdown(use_awaitable);
  }
  co_return echoed;
}

// With a read already waiting (the full-duplex pattern), a coalesced
// write leaves at once: the waiting read would not send it, and the peer's
// answer is what that read waits for.
TEST(AsioStream, ACoalescedWriteLeavesAtOnceWhenAReadIsWaiting) {
  EXPECT_TRUE(against_echo(test::server_context(), test::client_context(), [&](Loop& loop, tls_stream& tls) -> awaitable<void> {
    tls.connection().set_coalescing(true);
    // The read waits before the write; without sending at once, the write
    // would leave its 5 bytes gathered and the read would time out.
    EXPECT_EQ(co_await hello_while_a_read_waits(loop, tls, [] {}), "hello");
  }));
}

// An Asio program gives an idle stream's buffers back with
// connection().release_buffers(), even while a read waits: OpenSSL's record
// buffers go (tens of KB after traffic), the waiting read's receive block
// stays where it is, and the read then completes with the right bytes.
TEST(AsioStream, ReleasingBuffersWhileAReadWaitsIsSafeAndGivesMemoryBack) {
  EXPECT_TRUE(against_echo(test::server_context(), test::client_context(), [&](Loop& loop, tls_stream& tls) -> awaitable<void> {
    const std::string big = pattern(40000);  // full records both ways: OpenSSL's buffers are in use
    co_await ::asio::async_write(tls, ::asio::buffer(big), use_awaitable);
    EXPECT_EQ(co_await read_exactly(tls, big.size()), big);

    const std::string echoed = co_await hello_while_a_read_waits(loop, tls, [&] {
      const std::optional<std::size_t> before = test::heap_in_use();
      tls.connection().release_buffers();
      if (const std::optional<std::size_t> after = test::heap_in_use(); before && after) {
        EXPECT_GE(*before, *after + 16 * 1024) << "OpenSSL's record buffers were not given back";
      }
    });
    EXPECT_EQ(echoed, "hello");
  }));
}

// A client verifies: a server whose certificate the client's CA did not
// issue fails the handshake with the verification code, and the server
// hears the client's alert.
TEST(AsioStream, UntrustedServerFailsVerificationWithItsCode) {
  Loop loop;
  Context server_ctx = test::server_context(&test::pki().untrusted);
  Context client_ctx = test::client_context();
  std::error_code server_ec;
  std::error_code client_ec;
  loop.spawn([&]() -> awaitable<void> {
    tls_stream tls(co_await loop.acceptor.async_accept(use_awaitable), server_ctx, {.server_side = true});
    std::tie(server_ec) = co_await tls.async_handshake(::asio::experimental::as_tuple(use_awaitable));
  });
  loop.spawn([&]() -> awaitable<void> {
    tls_stream tls(co_await connect_to(loop.endpoint()), client_ctx, {.server_hostname = "localhost"});
    std::tie(client_ec) = co_await tls.async_handshake(::asio::experimental::as_tuple(use_awaitable));
  });
  loop.run();
  EXPECT_EQ(client_ec.category(), verify_category()) << client_ec.message();
  EXPECT_EQ(client_ec, errc::certificate_verify_failed) << client_ec.message();
  EXPECT_EQ(server_ec.category(), ssl_category()) << server_ec.message();
  EXPECT_NE(server_ec.message().find("unknown ca"), std::string::npos) << server_ec.message();
}

// A name the certificate does not carry fails too: verification is the
// Context's, as for every other driver.
TEST(AsioStream, WrongHostNameFailsVerification) {
  Loop loop;
  Context server_ctx = test::server_context();
  Context client_ctx = test::client_context();
  std::error_code client_ec;
  loop.spawn([&]() -> awaitable<void> {
    tls_stream tls(co_await loop.acceptor.async_accept(use_awaitable), server_ctx, {.server_side = true});
    co_await tls.async_handshake(::asio::experimental::as_tuple(use_awaitable));
  });
  loop.spawn([&]() -> awaitable<void> {
    tls_stream tls(co_await connect_to(loop.endpoint()), client_ctx, {.server_hostname = "not-localhost.example"});
    std::tie(client_ec) = co_await tls.async_handshake(::asio::experimental::as_tuple(use_awaitable));
  });
  loop.run();
  EXPECT_EQ(client_ec, errc::certificate_verify_failed) << client_ec.message();
}

// ===========================================================================
// Other completion tokens

TEST(AsioStream, CallbacksAndAsioSslStyleHandshakeType) {
  Loop loop;
  Context server_ctx = test::server_context();
  Context client_ctx = test::client_context();
  tls_stream server(tcp::socket(loop.io), Connection(server_ctx));
  tls_stream client(tcp::socket(loop.io), client_ctx, {.server_hostname = "localhost"});
  std::string received(5, '\0');
  std::vector<std::string> events;
  loop.acceptor.async_accept(server.next_layer(), [&](std::error_code ec) {
    ASSERT_FALSE(ec);
    server.async_handshake(sslpp::asio::handshake_type::server, [&](std::error_code hec) {
      events.push_back("server handshake " + hec.message());
      ::asio::async_read(server, ::asio::buffer(received), [&](std::error_code rec, std::size_t n) {
        events.push_back("server read " + std::to_string(n) + " " + rec.message());
      });
    });
  });
  client.next_layer().async_connect(loop.endpoint(), [&](std::error_code ec) {
    ASSERT_FALSE(ec);
    client.async_handshake([&](std::error_code hec) {
      events.push_back("client handshake " + hec.message());
      ::asio::async_write(client, ::asio::buffer(std::string_view("hello")), [&](std::error_code wec, std::size_t n) {
        events.push_back("client wrote " + std::to_string(n) + " " + wec.message());
      });
    });
  });
  loop.run();
  EXPECT_EQ(received, "hello");
  ASSERT_EQ(events.size(), 4u);
  for (const std::string& e : events) {
    EXPECT_NE(e.find("Success"), std::string::npos) << e;
  }
}

// An operation that can complete at once (an empty read) still completes
// through the executor, never inside the initiating call.
TEST(AsioStream, ImmediateCompletionIsNeverInline) {
  Loop loop;
  Context client_ctx = test::client_context();
  tls_stream client(tcp::socket(loop.io), client_ctx, {.server_hostname = "localhost"});
  bool called = false;
  client.async_read_some(::asio::mutable_buffer(), [&](std::error_code ec, std::size_t n) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(n, 0u);
    called = true;
  });
  EXPECT_FALSE(called);
  loop.io.run_for(kBound);
  EXPECT_TRUE(called);
}

TEST(AsioStream, FuturesFromAnotherThread) {
  Loop loop;
  Context server_ctx = test::server_context();
  Context client_ctx = test::client_context();
  loop.spawn(echo_server(loop, server_ctx));
  auto work = ::asio::make_work_guard(loop.io);
  std::thread runner([&] { loop.io.run_for(kBound); });
  tls_stream client(tcp::socket(loop.io), client_ctx, {.server_hostname = "localhost"});
  client.next_layer().async_connect(loop.endpoint(), ::asio::use_future).get();
  client.async_handshake(::asio::use_future).get();
  EXPECT_EQ(::asio::async_write(client, ::asio::buffer(std::string_view("ping")), ::asio::use_future).get(), 4u);
  std::string reply(4, '\0');
  EXPECT_EQ(::asio::async_read(client, ::asio::buffer(reply), ::asio::use_future).get(), 4u);
  EXPECT_EQ(reply, "ping");
  client.async_shutdown(::asio::use_future).get();
  work.reset();
  runner.join();
  EXPECT_FALSE(loop.failure);
}

// ===========================================================================
// Full duplex: both ends write a lot while reading, as two coroutines each.
// A stream that serialised reads behind writes would deadlock here once the
// TCP buffers fill.

TEST(AsioStream, FullDuplexReadAndWriteAtOnce) {
  Loop loop;
  Context server_ctx = test::server_context();
  Context client_ctx = test::client_context();
  constexpr std::size_t kSize = 4 << 20;
  const std::string from_client = pattern(kSize);
  const std::string from_server = pattern(kSize + 1).substr(1);
  std::optional<tls_stream> server;
  std::optional<tls_stream> client;
  std::string server_got;
  std::string client_got;
  int ready = 0;
  auto duplex = [&](tls_stream& s, const std::string& out, std::string& in) -> awaitable<void> {
    loop.spawn([&s, &out]() -> awaitable<void> {
      co_await ::asio::async_write(s, ::asio::buffer(out), use_awaitable);
    });
    in = co_await read_exactly(s, kSize);
  };
  loop.spawn([&]() -> awaitable<void> {
    server.emplace(co_await loop.acceptor.async_accept(use_awaitable), server_ctx, ConnectionOptions{.server_side = true});
    co_await server->async_handshake(use_awaitable);
    ++ready;
    co_await duplex(*server, from_server, server_got);
  });
  loop.spawn([&]() -> awaitable<void> {
    client.emplace(co_await connect_to(loop.endpoint()), client_ctx, ConnectionOptions{.server_hostname = "localhost"});
    co_await client->async_handshake(use_awaitable);
    ++ready;
    co_await duplex(*client, from_client, client_got);
  });
  loop.run();
  EXPECT_EQ(ready, 2);
  EXPECT_TRUE(server_got == from_client);
  EXPECT_TRUE(client_got == from_server);
}

// ===========================================================================
// Cancellation

// A read cancelled while it waits for the peer completes with
// operation_aborted, and the stream goes on: the next read gets the data.
TEST(AsioStream, CancelledReadLeavesTheStreamUsable) {
  for (auto type : {::asio::cancellation_type::terminal, ::asio::cancellation_type::partial,
                    ::asio::cancellation_type::total}) {
    Loop loop;
    Context server_ctx = test::server_context();
    Context client_ctx = test::client_context();
    ::asio::steady_timer release(loop.io);
    loop.spawn([&]() -> awaitable<void> {
      tls_stream tls(co_await loop.acceptor.async_accept(use_awaitable), server_ctx, {.server_side = true});
      co_await tls.async_handshake(use_awaitable);
      release.expires_after(kBound);
      co_await release.async_wait(::asio::experimental::as_tuple(use_awaitable));  // until the client's read was cancelled
      co_await ::asio::async_write(tls, ::asio::buffer(std::string_view("after")), use_awaitable);
      co_await tls.async_shutdown(::asio::experimental::as_tuple(use_awaitable));
    });
    std::error_code cancelled_ec;
    std::string later;
    loop.spawn([&]() -> awaitable<void> {
      tls_stream tls(co_await connect_to(loop.endpoint()), client_ctx, {.server_hostname = "localhost"});
      co_await tls.async_handshake(use_awaitable);
      ::asio::cancellation_signal signal;
      char buf[16];
      ::asio::steady_timer soon(loop.io, 50ms);
      soon.async_wait([&](std::error_code) { signal.emit(type); });
      std::tie(cancelled_ec, std::ignore) = co_await tls.async_read_some(
          ::asio::buffer(buf), ::asio::bind_cancellation_slot(signal.slot(), ::asio::experimental::as_tuple(use_awaitable)));
      release.cancel();
      later = co_await read_exactly(tls, 5);
    });
    loop.run();
    EXPECT_EQ(cancelled_ec, ::asio::error::operation_aborted) << static_cast<int>(type);
    EXPECT_EQ(later, "after") << static_cast<int>(type);
  }
}

// ===========================================================================
// Hostile and broken peers

// A raw TCP peer on the loop: accepts one connection and hands the socket to
// `behave`.
void raw_peer(Loop& loop, std::function<awaitable<void>(tcp::socket)> behave) {
  loop.spawn([&loop, behave]() -> awaitable<void> {
    co_await behave(co_await loop.acceptor.async_accept(use_awaitable));
  });
}

// A server that accepts and never answers: the client's handshake is cut
// by its own deadline (terminal cancellation from a timer), well within
// the bound, and the same from the server's side for a silent client.
TEST(AsioStream, PeerThatStallsMidHandshakeIsCutByCancellation) {
  Loop loop;
  Context client_ctx = test::client_context();
  Context server_ctx = test::server_context();
  ::asio::steady_timer hold(loop.io);
  std::optional<tcp::socket> held;
  raw_peer(loop, [&](tcp::socket s) -> awaitable<void> {
    held.emplace(std::move(s));  // reads nothing, answers nothing
    co_return;
  });
  std::error_code client_ec;
  auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  loop.spawn([&]() -> awaitable<void> {
    tls_stream tls(co_await connect_to(loop.endpoint()), client_ctx, {.server_hostname = "localhost"});
    ::asio::cancellation_signal signal;
    ::asio::steady_timer deadline(loop.io, 200ms);
    deadline.async_wait([&](std::error_code) { signal.emit(::asio::cancellation_type::terminal); });
    started = std::chrono::steady_clock::now();
    std::tie(client_ec) = co_await tls.async_handshake(
        ::asio::bind_cancellation_slot(signal.slot(), ::asio::experimental::as_tuple(use_awaitable)));
    took = std::chrono::steady_clock::now() - started;
  });
  loop.run();
  EXPECT_EQ(client_ec, ::asio::error::operation_aborted) << client_ec.message();
  EXPECT_LT(took, 5s);

  // The server's side: a client that connects and says nothing.
  Loop loop2;
  std::error_code server_ec;
  tcp::socket silent(loop2.io);
  silent.connect(loop2.endpoint());
  loop2.spawn([&]() -> awaitable<void> {
    tls_stream tls(co_await loop2.acceptor.async_accept(use_awaitable), server_ctx, {.server_side = true});
    ::asio::cancellation_signal signal;
    ::asio::steady_timer deadline(loop2.io, 200ms);
    deadline.async_wait([&](std::error_code) { signal.emit(::asio::cancellation_type::terminal); });
    std::tie(server_ec) = co_await tls.async_handshake(
        ::asio::bind_cancellation_slot(signal.slot(), ::asio::experimental::as_tuple(use_awaitable)));
  });
  loop2.run();
  EXPECT_EQ(server_ec, ::asio::error::operation_aborted) << server_ec.message();
}

// A TCP close without close_notify after the handshake is a truncation
// (== sslpp::errc::eof), not asio's eof; after close_notify it is eof.
TEST(AsioStream, TruncationIsAnErrorAndCloseNotifyIsEof) {
  for (bool clean : {false, true}) {
    Loop loop;
    Context server_ctx = test::server_context();
    Context client_ctx = test::client_context();
    loop.spawn([&]() -> awaitable<void> {
      tls_stream tls(co_await loop.acceptor.async_accept(use_awaitable), server_ctx, {.server_side = true});
      co_await tls.async_handshake(use_awaitable);
      co_await ::asio::async_write(tls, ::asio::buffer(std::string_view("last words")), use_awaitable);
      if (clean) {
        co_await tls.async_shutdown(::asio::experimental::as_tuple(use_awaitable));
      }
      tls.next_layer().close();
    });
    std::error_code end_ec;
    std::string got;
    loop.spawn([&]() -> awaitable<void> {
      tls_stream tls(co_await connect_to(loop.endpoint()), client_ctx, {.server_hostname = "localhost"});
      co_await tls.async_handshake(use_awaitable);
      got = co_await read_exactly(tls, 10);
      char buf[16];
      std::tie(end_ec, std::ignore) = co_await tls.async_read_some(::asio::buffer(buf), ::asio::experimental::as_tuple(use_awaitable));
    });
    loop.run();
    EXPECT_EQ(got, "last words");
    if (clean) {
      EXPECT_EQ(end_ec, ::asio::error::eof) << end_ec.message();
    } else {
      EXPECT_NE(end_ec, ::asio::error::eof);
      EXPECT_EQ(end_ec, errc::eof) << end_ec.message();
    }
  }
}

// Plain HTTP where TLS was expected: a typed SSL error naming it.
TEST(AsioStream, GarbageFromThePeerIsATypedSslError) {
  Loop loop;
  Context client_ctx = test::client_context();
  raw_peer(loop, [](tcp::socket s) -> awaitable<void> {
    co_await ::asio::async_write(s, ::asio::buffer(std::string_view("HTTP/1.1 400 Bad Request\r\n\r\n")),
                                 use_awaitable);
    char buf[4096];
    co_await s.async_read_some(::asio::buffer(buf), ::asio::experimental::as_tuple(use_awaitable));
  });
  std::error_code ec;
  loop.spawn([&]() -> awaitable<void> {
    tls_stream tls(co_await connect_to(loop.endpoint()), client_ctx, {.server_hostname = "localhost"});
    std::tie(ec) = co_await tls.async_handshake(::asio::experimental::as_tuple(use_awaitable));
  });
  loop.run();
  EXPECT_EQ(ec.category(), ssl_category()) << ec.message();
  EXPECT_NE(ec.message().find("wrong version number"), std::string::npos) << ec.message();
}

// A peer that resets the connection: the transport's own error.
TEST(AsioStream, PeerResetIsConnectionReset) {
  Loop loop;
  Context client_ctx = test::client_context();
  raw_peer(loop, [](tcp::socket s) -> awaitable<void> {
    char buf[4096];
    co_await s.async_read_some(::asio::buffer(buf), use_awaitable);  // the ClientHello
    s.set_option(::asio::socket_base::linger(true, 0));              // close sends RST
    s.close();
  });
  std::error_code ec;
  loop.spawn([&]() -> awaitable<void> {
    tls_stream tls(co_await connect_to(loop.endpoint()), client_ctx, {.server_hostname = "localhost"});
    std::tie(ec) = co_await tls.async_handshake(::asio::experimental::as_tuple(use_awaitable));
  });
  loop.run();
  EXPECT_EQ(ec, ::asio::error::connection_reset) << ec.message();
}

// Destroying the io_context with a read and a handshake pending frees every
// operation (the ASan build checks nothing leaks).
TEST(AsioStream, DestroyingTheIoContextWithOperationsPendingLeaksNothing) {
  Context server_ctx = test::server_context();
  Context client_ctx = test::client_context();
  bool reading = false;
  {
    auto loop = std::make_unique<Loop>();
    loop->spawn([&]() -> awaitable<void> {
      tls_stream tls(co_await loop->acceptor.async_accept(use_awaitable), server_ctx, {.server_side = true});
      co_await tls.async_handshake(use_awaitable);
      char buf[16];
      reading = true;
      co_await tls.async_read_some(::asio::buffer(buf), use_awaitable);  // never answered
    });
    loop->spawn([&]() -> awaitable<void> {
      tls_stream tls(co_await connect_to(loop->endpoint()), client_ctx, {.server_hostname = "localhost"});
      co_await tls.async_handshake(use_awaitable);
      char buf[16];
      co_await tls.async_read_some(::asio::buffer(buf), use_awaitable);  // never answered
    });
    for (int i = 0; i < 2000 && !reading; ++i) {
      loop->io.run_for(5ms);
    }
    EXPECT_TRUE(reading);
    // Both coroutines are suspended in reads; the loop goes away.
  }
}

// ===========================================================================
// Independent peers

// line_exchange connects a verifying sslpp client to 127.0.0.1:port (as
// "localhost"), sends `line`, reads one line back and closes with
// close_notify; it returns what it read.
std::string line_exchange(std::uint16_t port, std::string_view line) {
  Loop loop;
  Context client_ctx = test::client_context();
  std::string reply;
  loop.spawn([&]() -> awaitable<void> {
    tls_stream tls(co_await connect_to(tcp::endpoint(::asio::ip::make_address("127.0.0.1"), port)), client_ctx,
                   {.server_hostname = "localhost"});
    co_await tls.async_handshake(use_awaitable);
    co_await ::asio::async_write(tls, ::asio::buffer(line), use_awaitable);
    co_await ::asio::async_read_until(tls, ::asio::dynamic_buffer(reply), '\n', use_awaitable);
    co_await tls.async_shutdown(::asio::experimental::as_tuple(use_awaitable));
  });
  loop.run();
  return reply;
}

TEST(AsioStreamInterop, ClientAgainstOpensslSServer) {
  test::SServer s = test::start_s_server(test::pki().server, {"-rev"});
  EXPECT_EQ(line_exchange(s.port, "hello openssl\n"), "lssnepo olleh\n");
}

TEST(AsioStreamInterop, ServerAgainstOpensslSClient) {
  Loop loop;
  Context server_ctx = test::server_context();
  test::Subprocess client({SSLPP_OPENSSL, "s_client", "-connect", "127.0.0.1:" + std::to_string(loop.port()),
                           "-CAfile", test::path(test::pki().ca_file), "-verify_return_error", "-verify_hostname",
                           "localhost", "-quiet", "-no_ign_eof"});
  ASSERT_TRUE(client.write_stdin("from s_client\n"));
  loop.spawn(echo_server(loop, server_ctx));
  std::thread closer([&] {
    const auto line = client.read_line(5s);
    EXPECT_EQ(line, "from s_client");
    client.close_stdin();  // s_client then sends close_notify and quits
  });
  loop.run();
  closer.join();
}

TEST(AsioStreamInterop, ClientAgainstGnutlsServ) {
  test::GnutlsServer srv({});
  EXPECT_EQ(line_exchange(srv.port, "hello gnutls\n"), "hello gnutls\n");
  srv.finish();
}

TEST(AsioStreamInterop, ServerAgainstGnutlsCli) {
  Loop loop;
  Context server_ctx = test::server_context();
  test::Subprocess cli(test::gnutls_cli_argv(loop.port(), {}));
  ASSERT_TRUE(cli.write_stdin("from gnutls-cli\n"));
  loop.spawn(echo_server(loop, server_ctx));
  std::thread closer([&] {
    EXPECT_TRUE(cli.wait_for_line("from gnutls-cli", 5s).has_value()) << cli.describe();
    cli.close_stdin();
  });
  loop.run();
  closer.join();
}

TEST(AsioStreamInterop, ClientAgainstPythonSsl) {
  test::PythonServer py("echo", "", "any", "");
  EXPECT_EQ(line_exchange(py.port, "hello python\n"), "hello python\n");
  EXPECT_TRUE(py.proc.wait_for_line("session", 5s).has_value()) << py.proc.describe();
}

// Python's ssl as the client: verifies our certificate and host name.
TEST(AsioStreamInterop, ServerAgainstPythonSsl) {
  Loop loop;
  Context server_ctx = test::server_context();
  const std::string script = R"PY(
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10) as raw:
    with ctx.wrap_socket(raw, server_hostname='localhost') as s:
        s.sendall(b'hello from python\n')
        data = b''
        while not data.endswith(b'\n'):
            data += s.recv(100)
        print('reply', data.decode().strip(), s.version(), flush=True)
        s.unwrap()
)PY";
  test::Subprocess py({SSLPP_PYTHON3, "-c", script, std::to_string(loop.port()), test::path(test::pki().ca_file)});
  loop.spawn(echo_server(loop, server_ctx));
  loop.run();
  const auto line = py.wait_for_line("reply", 5s);
  ASSERT_TRUE(line.has_value()) << py.describe();
  EXPECT_EQ(*line, "reply hello from python TLSv1.3");
}

}  // namespace
}  // namespace sslpp
