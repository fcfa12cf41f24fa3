#include <sslpp/ssl_socket.hpp>

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "support/heap.hpp"
#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using namespace std::chrono_literals;
using test::pki;

// A TLS server on 127.0.0.1 (an SSLSocket listening), ready to accept.
struct Server {
  Context ctx = test::server_context();
  SSLSocket sock = make();
  std::uint16_t port = sock.getsockname().port;

  SSLSocket make() {
    Socket listener(AF_INET);
    listener.bind("127.0.0.1", 0);
    listener.listen();
    listener.settimeout(5s);
    return ctx.wrap_socket(std::move(listener), {.server_side = true});
  }
};

SSLSocket connect_client(std::uint16_t port, Context ctx = test::client_context(), bool suppress_ragged_eofs = true) {
  return ctx.wrap_socket(create_connection("127.0.0.1", port, 5s),
      {.server_hostname = "localhost", .suppress_ragged_eofs = suppress_ragged_eofs});
}

TEST(SSLSocket, ClientAndServerTalkOverTcp) {
  Server server;
  auto done = std::async(std::launch::async, [&] {
    auto [conn, peer] = server.sock.accept();  // handshake on accept
    EXPECT_EQ(peer.host, "127.0.0.1");
    EXPECT_TRUE(conn.server_side());
    const std::string got = conn.recv(100);
    conn.sendall("echo: " + got);
    conn.unwrap();  // close_notify both ways: the client answers below
    return got;
  });
  SSLSocket client = connect_client(server.port);
  EXPECT_EQ(client.version(), "TLSv1.3");
  EXPECT_EQ(client.server_hostname(), "localhost");
  EXPECT_EQ(client.getpeercert()->subject, (DistinguishedName{{{"commonName", "localhost"}}}));
  EXPECT_EQ(client.getpeername().port, server.port);
  client.sendall(std::string_view("ping"));
  EXPECT_EQ(client.recv(100), "echo: ping");
  EXPECT_EQ(client.recv(100), "");  // the server's close_notify
  Socket plain = client.unwrap();
  EXPECT_GE(plain.fileno(), 0);
  EXPECT_EQ(client.fileno(), -1);
  // The plain socket is no longer the SSLSocket's to use.
  try {
    client.recv(10);
    ADD_FAILURE() << "read after unwrap";
  } catch (const OSError& e) {
    EXPECT_EQ(e.code().value(), EBADF);
  }
  EXPECT_EQ(done.get(), "ping");
}

TEST(SSLSocket, LargeTransferIsExact) {
  Server server;
  constexpr std::size_t kSize = 8 << 20;
  auto done = std::async(std::launch::async, [&] {
    auto [conn, peer] = server.sock.accept();
    std::string data(kSize, '\0');
    for (std::size_t i = 0; i < kSize; ++i) {
      data[i] = static_cast<char>((i * 131) >> 7);
    }
    conn.sendall(data);
    std::error_code ec;
    conn.shutdown_tls(ec);  // one-way: the client need not answer
  });
  SSLSocket client = connect_client(server.port);
  std::string got;
  std::array<std::byte, 65536> buf{};
  while (const std::size_t n = client.read(buf)) {
    got.append(reinterpret_cast<const char*>(buf.data()), n);
  }
  done.get();
  ASSERT_EQ(got.size(), kSize);
  for (std::size_t i = 0; i < kSize; ++i) {
    ASSERT_EQ(got[i], static_cast<char>((i * 131) >> 7)) << i;
  }
}

TEST(SSLSocket, HandshakeTimeoutFiresAndSaysSo) {
  Socket silent(AF_INET);  // accepts TCP, never speaks TLS
  silent.bind("127.0.0.1", 0);
  silent.listen();
  Socket tcp = create_connection("127.0.0.1", silent.getsockname().port, 0.2s);
  Context ctx = test::client_context();
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)ctx.wrap_socket(std::move(tcp), {.server_hostname = "localhost"});
    ADD_FAILURE() << "no timeout";
  } catch (const TimeoutError& e) {
    EXPECT_STREQ(e.what(), "The handshake operation timed out");
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(SSLSocket, ReadTimeoutLeavesTheConnectionUsable) {
  Server server;
  std::promise<void> go;
  auto done = std::async(std::launch::async, [&] {
    auto [conn, peer] = server.sock.accept();
    go.get_future().wait();
    conn.sendall(std::string_view("late"));
    std::error_code ec;
    conn.shutdown_tls(ec);
  });
  SSLSocket client = connect_client(server.port);
  client.settimeout(0.1s);
  EXPECT_THROW(client.recv(10), TimeoutError);
  go.set_value();
  client.settimeout(5s);
  EXPECT_EQ(client.recv(10), "late");
  done.get();
}

TEST(SSLSocket, NonBlockingReportsWantsAndPlugsIntoPoll) {
  Server server;
  // The server answers only once the client has tried once, so the first
  // attempt must report want_read however the threads are scheduled.
  std::promise<void> tried;
  auto done = std::async(std::launch::async, [&] {
    tried.get_future().wait();
    auto [conn, peer] = server.sock.accept();
    conn.sendall(conn.recv(100));
    std::error_code ec;
    conn.shutdown_tls(ec);
  });
  Socket tcp = create_connection("127.0.0.1", server.port, 5s);
  tcp.setblocking(false);
  Context ctx = test::client_context();
  SSLSocket client = ctx.wrap_socket(std::move(tcp),
      {.server_hostname = "localhost", .do_handshake_on_connect = false});
  std::error_code ec;
  const io_result first = client.do_handshake(ec);
  EXPECT_EQ(first.status, io_status::want_read) << ec.message();
  tried.set_value();
  int wants = 1;
  for (;;) {
    const io_result r = client.do_handshake(ec);
    if (r.ok()) {
      break;
    }
    ASSERT_TRUE(r.status == io_status::want_read || r.status == io_status::want_write) << ec.message();
    ++wants;
    pollfd p{client.fileno(), static_cast<short>(r.status == io_status::want_read ? POLLIN : POLLOUT), 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1);
  }
  EXPECT_GT(wants, 0);
  std::array<std::byte, 16> buf{};
  EXPECT_THROW(client.read(buf), SSLWantReadError);  // nothing sent yet
  client.sendall(std::string_view("nb"));
  for (;;) {
    const io_result r = client.read(buf, ec);
    if (r.ok()) {
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), r.bytes), "nb");
      break;
    }
    ASSERT_EQ(r.status, io_status::want_read);
    pollfd p{client.fileno(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1);
  }
  client.setblocking(true);
  done.get();
}

TEST(SSLSocket, RaggedEofIsEndOfStreamOnlyWhenSuppressed) {
  for (const bool suppress : {true, false}) {
    Server server;
    auto done = std::async(std::launch::async, [&] {
      auto [conn, peer] = server.sock.accept();
      conn.sendall(std::string_view("bye"));
      conn.close();  // no close_notify
    });
    SSLSocket client = connect_client(server.port, test::client_context(), suppress);
    EXPECT_EQ(client.recv(3), "bye");
    done.get();
    if (suppress) {
      EXPECT_EQ(client.recv(10), "");
    } else {
      EXPECT_THROW(client.recv(10), SSLEOFError);
    }
  }
}

TEST(SSLSocket, MisbehavingPeersGetTypedErrorsAndTheServerCarriesOn) {
  Server server;
  // 1. Plain HTTP to the TLS port.
  auto http = std::async(std::launch::async, [&] {
    Socket s = create_connection("127.0.0.1", server.port, 5s);
    const std::string_view req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    s.sendall(std::as_bytes(std::span(req)));
    std::array<std::byte, 100> buf{};
    try {
      while (s.recv(buf) != 0) {
      }
    } catch (const OSError&) {
      // a reset is fine too
    }
  });
  EXPECT_THROW(server.sock.accept(), SSLError);
  http.get();
  // 2. A client that closes in the middle of the handshake.
  auto half = std::async(std::launch::async, [&] {
    Socket s = create_connection("127.0.0.1", server.port, 5s);
    const unsigned char partial[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00};  // a ClientHello cut short
    s.sendall(std::as_bytes(std::span(partial)));
  });
  half.get();
  EXPECT_THROW(server.sock.accept(), SSLEOFError);
  // 3. The server still serves a well-behaved client.
  auto good = std::async(std::launch::async, [&] {
    auto [conn, peer] = server.sock.accept();
    return conn.version();
  });
  SSLSocket client = connect_client(server.port);
  EXPECT_EQ(good.get(), "TLSv1.3");
}

TEST(SSLSocket, ConnectAfterWrapAndVerificationFailure) {
  Server server;
  auto done = std::async(std::launch::async, [&] {
    try {
      auto [conn, peer] = server.sock.accept();
    } catch (const SSLError&) {
      // the client rejects us: expected
    }
  });
  Context ctx = test::client_context();
  SSLSocket client = ctx.wrap_socket(Socket(AF_INET), {.server_hostname = "wrong.example"});
  try {
    client.connect("127.0.0.1", server.port);
    ADD_FAILURE() << "verification passed for the wrong name";
  } catch (const SSLCertVerificationError& e) {
    EXPECT_EQ(e.verify_code(), 62);
  }
  done.get();
}

TEST(SSLSocket, TalksToOpenSSLServer) {
  const test::SServer s_server = test::start_s_server(pki().server, {"-rev"});
  SSLSocket client = connect_client(s_server.port);
  client.sendall(std::string_view("abc\n"));
  std::string got;
  while (got.find('\n') == std::string::npos) {
    got += client.recv(100);
  }
  EXPECT_EQ(got, "cba\n");  // -rev answers each line reversed
}

TEST(SSLSocket, SocketOperationsWorkOnTheWrappedSocket) {
  // A listening SSLSocket made by wrapping an unbound socket, as in
  // Python's server example: bind and listen after wrap_socket.
  Context server_ctx = test::server_context();
  SSLSocket listener = server_ctx.wrap_socket(Socket(AF_INET), {.server_side = true});
  listener.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  EXPECT_EQ(listener.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
  listener.bind("127.0.0.1", 0);
  listener.listen(5);
  listener.settimeout(5s);
  EXPECT_EQ(listener.gettimeout(), Timeout(5s));
  const std::uint16_t port = listener.getsockname().port;
  auto served = std::async(std::launch::async, [&] {
    auto [conn, peer] = listener.accept();
    const std::string got = conn.recv(10);
    conn.sock_shutdown(SHUT_RDWR);
    return got;
  });
  Context client_ctx = test::client_context();
  SSLSocket client = client_ctx.wrap_socket(Socket(AF_INET), {.server_hostname = "localhost"});
  EXPECT_EQ(client.connect_ex("127.0.0.1", port), 0);  // connects, then the handshake
  EXPECT_EQ(client.version(), "TLSv1.3");
  EXPECT_TRUE(client.cipher());
  EXPECT_FALSE(client.compression());
  EXPECT_FALSE(client.shared_ciphers());  // a client
  EXPECT_TRUE(client.get_channel_binding("tls-exporter"));  // tls-unique is TLS 1.2's
  EXPECT_TRUE(client.getpeercert_der());
  client.write("hi");
  client.shutdown(SHUT_WR);  // TCP only: the bytes already sent still arrive
  EXPECT_EQ(served.get(), "hi");
  // The server shut the socket without close_notify: by default an error,
  // which the socket reports each time it is asked.
  EXPECT_THROW(client.recv(10), SSLEOFError);
  EXPECT_THROW(client.recv(10), SSLEOFError);
  client.setblocking(true);
  EXPECT_FALSE(client.gettimeout());
  const int fd = client.detach();
  EXPECT_GE(fd, 0);
  EXPECT_EQ(client.fileno(), -1);
  Socket::from_fd(fd).close();
  listener.close();
  EXPECT_EQ(listener.fileno(), -1);
}

TEST(SSLSocket, MakefileGivesALineOrientedStream) {
  Server server;
  auto done = std::async(std::launch::async, [&] {
    auto [conn, peer] = server.sock.accept();
    SSLStream stream = conn.makefile();
    std::string line;
    std::getline(stream, line);
    stream << "you said: " << line << "\n" << 42 << "\n" << std::flush;
    std::error_code ec;
    conn.shutdown_tls(ec);
  });
  SSLSocket client = connect_client(server.port);
  SSLStream stream = client.makefile();
  stream << "hello stream\n" << std::flush;
  std::string line;
  ASSERT_TRUE(std::getline(stream, line));
  EXPECT_EQ(line, "you said: hello stream");
  int n = 0;
  stream >> n;
  EXPECT_EQ(n, 42);
  EXPECT_FALSE(std::getline(stream, line) && !line.empty());  // then the end of the stream
  done.get();
}

TEST(SSLSocket, SendfileSendsTheFileExactly) {
  const auto path = pki().dir / "sendfile.bin";
  std::string content(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) {
    content[i] = static_cast<char>(i * 7 + (i >> 9));
  }
  test::write_text(path, content);
  for (const bool ktls : {false, true}) {
    Server server;
    if (ktls) {
      server.ctx.set_options(OP_ENABLE_KTLS);  // used when the kernel offers it
    }
    SSLSocket listener = server.make();
    const std::uint16_t port = listener.getsockname().port;
    auto done = std::async(std::launch::async, [&] {
      auto [conn, peer] = listener.accept();
      const std::size_t all = conn.sendfile(path);
      const std::size_t part = conn.sendfile(path, 1000, 5000);
      const std::size_t past_end = conn.sendfile(path, content.size() + 1);
      std::error_code ec;
      conn.shutdown_tls(ec);
      return std::vector<std::size_t>{all, part, past_end};
    });
    SSLSocket client = connect_client(port);
    std::string got;
    std::array<std::byte, 65536> buf{};
    while (const std::size_t n = client.read(buf)) {
      got.append(reinterpret_cast<const char*>(buf.data()), n);
    }
    EXPECT_EQ(done.get(), (std::vector<std::size_t>{content.size(), 5000, 0}));
    ASSERT_EQ(got.size(), content.size() + 5000);
    EXPECT_TRUE(got.compare(0, content.size(), content) == 0);
    EXPECT_EQ(got.substr(content.size()), content.substr(1000, 5000));
  }
  Server server;
  auto done = std::async(std::launch::async, [&] {
    auto [conn, peer] = server.sock.accept();
    EXPECT_THROW(conn.sendfile(pki().dir / "no-such-file"), OSError);
  });
  SSLSocket client = connect_client(server.port);
  done.get();
}

TEST(SSLSocket, GetServerCertificateFetchesAndOptionallyVerifies) {
  for (const bool trusted : {true, false}) {
    Server server;
    if (!trusted) {
      server.ctx = test::server_context(&pki().untrusted);
      server.sock = server.make();
      server.port = server.sock.getsockname().port;
    }
    constexpr int connections = 2;  // one fetch without CAs, one with
    auto done = std::async(std::launch::async, [&] {
      for (int i = 0; i < connections; ++i) {
        try {
          auto [conn, peer] = server.sock.accept();
        } catch (const SSLError&) {
          // the verifying fetch of an untrusted server is refused by the client
        }
      }
    });
    const test::CredentialFiles& creds = trusted ? pki().server : pki().untrusted;
    // Without CAs: any certificate is fetched.
    EXPECT_EQ(get_server_certificate("127.0.0.1", server.port, PROTOCOL_TLS_CLIENT, {}, 5s),
              creds.credential.certificate.pem());
    if (trusted) {
      EXPECT_EQ(get_server_certificate("127.0.0.1", server.port, PROTOCOL_TLS_CLIENT, pki().ca_file, 5s),
                creds.credential.certificate.pem());
    } else {
      EXPECT_THROW(get_server_certificate("127.0.0.1", server.port, PROTOCOL_TLS_CLIENT, pki().ca_file, 5s),
                   SSLCertVerificationError);
    }
    done.get();
  }
}

TEST(SSLSocket, MovedStreamSendsOnceAndADeadStreamFailsQuietly) {
  Server server;
  auto done = std::async(std::launch::async, [&] {
    auto [conn, peer] = server.sock.accept();
    std::string got;
    std::array<std::byte, 64> buf{};
    while (const std::size_t n = conn.read(buf)) {
      got.append(reinterpret_cast<const char*>(buf.data()), n);
    }
    return got;
  });
  SSLSocket client = connect_client(server.port);
  {
    SSLStream a = client.makefile();
    a << "hello";
    SSLStream b = std::move(a);  // b owns the buffered bytes now
  }                              // both destroyed: "hello" is sent once
  std::error_code ec;
  client.shutdown_tls(ec);
  EXPECT_EQ(done.get(), "hello");
  // The peer is gone: writing fails through the stream's state, never by
  // terminating the process from a destructor.
  client.close();
  SSLStream dead = client.makefile();
  dead << std::string(100, 'x') << std::flush;
  EXPECT_TRUE(dead.bad());
  EXPECT_TRUE(dead.error());
  dead << "more";
}

TEST(SSLSocket, IgnoreUnexpectedEofIsHonouredWhenAskedFor) {
  Server server;
  auto done = std::async(std::launch::async, [&] {
    auto [conn, peer] = server.sock.accept();
    conn.sendall(std::string_view("x"));
    conn.close();  // FIN, no close_notify
  });
  Context ctx = test::client_context();
  ctx.set_options(OP_IGNORE_UNEXPECTED_EOF);  // the caller's explicit choice
  SSLSocket client = connect_client(server.port, ctx.share(), false);
  EXPECT_EQ(client.recv(1), "x");
  done.get();
  EXPECT_EQ(client.recv(10), "");  // a quiet close, not SSLEOFError
}

TEST(SSLSocket, AClosedSocketsTlsStateNeverTouchesTheDescriptorAgain) {
  Server server;
  auto done = std::async(std::launch::async, [&] { auto [conn, peer] = server.sock.accept(); });
  SSLSocket client = connect_client(server.port);
  done.get();
  client.close();
  std::array<std::byte, 8> buf{};
  std::error_code ec;
  EXPECT_EQ(client.connection().read(buf, ec).status, io_status::error);
  EXPECT_EQ(ec, std::error_code(EBADF, std::system_category()));
  EXPECT_THROW(client.sendfile(pki().ca_file), OSError);
  SSLSocket moved = std::move(client);
  EXPECT_THROW(client.recv(1), OSError);  // moved-from: EBADF, not a crash
}

TEST(SSLSocket, NonBlockingListenerAcceptsBlockingConnections) {
  Server server;
  server.sock.setblocking(false);
  EXPECT_THROW(server.sock.accept(), OSError);  // nothing pending: EAGAIN
  auto client = std::async(std::launch::async, [&] { return connect_client(server.port).version(); });
  for (int i = 0; i < 500; ++i) {
    try {
      auto [conn, peer] = server.sock.accept();  // the handshake runs blocking on the new socket
      EXPECT_FALSE(conn.gettimeout());
      EXPECT_EQ(conn.version(), "TLSv1.3");
      break;
    } catch (const OSError& e) {
      ASSERT_EQ(e.code().value(), EAGAIN);
      std::this_thread::sleep_for(10ms);
    }
  }
  EXPECT_EQ(client.get(), "TLSv1.3");
}

// Coalescing over TCP: small writes leave as one record, a read sends what
// is gathered before it waits for the reply, and close() sends the rest.
TEST(SSLSocket, CoalescedWritesLeaveBeforeAReadAndOnClose) {
  Server server;
  auto done = std::async(std::launch::async, [&] {
    auto [conn, peer] = server.sock.accept();
    std::string request;
    while (request.size() < 640) {
      request += conn.recv(1000);
    }
    conn.sendall("reply");
    // close() sends no close_notify: the stream ends truncated, after
    // the tail.
    std::string rest;
    try {
      for (std::string more = conn.recv(1000); !more.empty(); more = conn.recv(1000)) {
        rest += more;
      }
    } catch (const SSLEOFError&) {
    }
    return request + "|" + rest;
  });
  SSLSocket client = connect_client(server.port);
  client.set_coalescing(true);
  {
    // std::flush on the stream means sent, coalescing or not.
    SSLStream stream = client.makefile();
    stream << std::string(64, 'a') << std::flush;
  }
  EXPECT_EQ(client.connection().coalesced(), 0U);
  for (int i = 1; i < 10; ++i) {
    client.sendall(std::string(64, static_cast<char>('a' + i)));
  }
  EXPECT_EQ(client.connection().coalesced(), 9U * 64U);
  EXPECT_EQ(client.recv(100), "reply");  // the request left before the wait
  client.sendall(std::string_view("tail"));
  EXPECT_EQ(client.connection().coalesced(), 4U);
  client.close();  // sends the tail first
  std::string expected;
  for (int i = 0; i < 10; ++i) {
    expected += std::string(64, static_cast<char>('a' + i));
  }
  EXPECT_EQ(done.get(), expected + "|tail");
}

// Adaptive buffers over TCP: a read that waits past idle_grace gives the
// record buffers back, and the connection goes on. A read timeout ends the
// wait with the connection idle, where its heap can be counted.
TEST(SSLSocket, AReadThatWaitsPastTheGraceGivesBuffersBackAndCarriesOn) {
  Server server;
  auto done = std::async(std::launch::async, [&] {
    auto [conn, peer] = server.sock.accept();
    conn.sendall("first");
    const std::string go = conn.recv(100);
    conn.sendall("second");
    return go;
  });
  SSLSocket client = connect_client(server.port);
  EXPECT_EQ(client.context().buffer_policy(), BufferPolicy::adaptive);
  std::string got = client.recv(100);
  while (got.size() < 5) {
    got += client.recv(100);
  }
  EXPECT_EQ(got, "first");
  const std::optional<std::size_t> busy = test::heap_in_use();
  client.settimeout(SSLSocket::idle_grace * 3);
  EXPECT_THROW(client.recv(100), TimeoutError);
  const std::optional<std::size_t> idle = test::heap_in_use();
  if (busy && idle) {  // countable: not under a sanitizer or valgrind
    EXPECT_GE(*busy - std::min(*busy, *idle), 16000U) << "the read buffer should have gone back: busy " << *busy
                                                      << ", idle " << *idle;
  }
  client.settimeout(5s);
  client.sendall(std::string_view("go"));
  EXPECT_EQ(client.recv(100), "second");
  EXPECT_EQ(done.get(), "go");
}

}  // namespace
}  // namespace sslpp
