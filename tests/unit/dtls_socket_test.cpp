// The UDP drivers (dtls_socket.hpp): DTLSSocket clients against a
// DTLSServer on 127.0.0.1, directly and through a relay that drops,
// reorders, duplicates and MTU-limits datagrams; many clients on one
// socket; and what a vanished peer or a flood of forged ClientHellos gets.
#include <sslpp/sslpp.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "support/netns.hpp"
#include "support/pki.hpp"
#include "support/udp_relay.hpp"

namespace sslpp::test {
namespace {

using namespace std::chrono_literals;

// EchoServer runs a DTLSServer on its own thread, echoing every record,
// until destroyed (bounded: each wait is 50 ms). It records the events.
class EchoServer {
 public:
  explicit EchoServer(Context ctx, DTLSServerOptions options = {})
      : server_(ctx, "127.0.0.1", 0, options), thread_([this] { run(); }) {}
  ~EchoServer() {
    stop_ = true;
    thread_.join();
  }
  std::uint16_t port() const { return server_.local_address().port; }
  std::vector<DTLSServer::EventKind> kinds() {
    const std::lock_guard lock(mutex_);
    return kinds_;
  }
  std::vector<ErrorInfo> failures() {
    const std::lock_guard lock(mutex_);
    return failures_;
  }
  std::size_t most_peers() const { return most_peers_; }

 private:
  void run() {
    while (!stop_) {
      const std::optional<DTLSServer::Event> ev = server_.next_event(50ms);
      most_peers_ = std::max<std::size_t>(most_peers_, server_.peer_count());
      if (!ev) {
        continue;
      }
      {
        const std::lock_guard lock(mutex_);
        kinds_.push_back(ev->kind);
        if (ev->kind == DTLSServer::EventKind::failed) {
          failures_.push_back(ev->error);
        }
      }
      if (ev->kind == DTLSServer::EventKind::data) {
        server_.send(ev->peer, ev->data);
      }
    }
  }

  DTLSServer server_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> most_peers_{0};
  std::mutex mutex_;
  std::vector<DTLSServer::EventKind> kinds_;
  std::vector<ErrorInfo> failures_;
  std::thread thread_;
};

TEST(DtlsSocket, ClientAndServerEcho) {
  EchoServer server(dtls_server_context());
  DTLSSocket client = dtls_connect(dtls_client_context(), "127.0.0.1", server.port(),
                                   {.server_hostname = "localhost", .timeout = 5s});
  EXPECT_EQ(client.connection().version(), "DTLSv1.2");
  EXPECT_EQ(client.send("hello"), 5U);
  EXPECT_EQ(client.recv(), "hello");
  EXPECT_EQ(client.send("again, longer"), 13U);
  EXPECT_EQ(client.recv(), "again, longer");
  client.shutdown();
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (server.kinds().size() < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  using K = DTLSServer::EventKind;
  EXPECT_EQ(server.kinds(), (std::vector<K>{K::accepted, K::data, K::data, K::closed}));
}

TEST(DtlsSocket, OneSocketServesManyClients) {
  EchoServer server(dtls_server_context());
  std::vector<DTLSSocket> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(dtls_connect(dtls_client_context(), "127.0.0.1", server.port(),
                                   {.server_hostname = "localhost", .timeout = 5s}));
  }
  // Interleaved: each reply goes back to the client that sent it.
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      clients[i].send("client " + std::to_string(i) + " round " + std::to_string(round));
    }
    for (std::size_t i = 0; i < clients.size(); ++i) {
      EXPECT_EQ(clients[i].recv(), "client " + std::to_string(i) + " round " + std::to_string(round));
    }
  }
  EXPECT_EQ(server.most_peers(), 4U);
}

// A lost, a reordered and a duplicated handshake datagram: retransmission
// and DTLS's reordering and replay handling carry the handshake through.
TEST(DtlsSocket, HandshakeSurvivesLossReorderAndReplay) {
  EchoServer server(dtls_server_context());
  UdpRelay relay(server.port());
  relay.drop_nth(Direction::to_client, 2);     // part of the server's first real flight
  relay.reorder_nth(Direction::to_client, 3);  // and two more of it swapped
  relay.duplicate_nth(Direction::to_server, 3);
  const auto start = std::chrono::steady_clock::now();
  DTLSSocket client = dtls_connect(dtls_client_context(), "127.0.0.1", relay.port(),
                                   {.server_hostname = "localhost", .timeout = 10s});
  EXPECT_EQ(client.send("through the damage"), 18U);
  EXPECT_EQ(client.recv(), "through the damage");
  EXPECT_EQ(relay.dropped(Direction::to_client), 1U);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 500ms);  // the loss cost a retransmission
}

// A path whose MTU is smaller than the server's certificate: both ends are
// told the MTU, fragment their flights, and nothing larger crosses.
TEST(DtlsSocket, MtuSmallerThanTheCertificate) {
  EchoServer server(dtls_server_context(&pki().server_rsa), {.mtu = 500});
  UdpRelay relay(server.port());
  relay.set_mtu(500);
  DTLSSocket client = dtls_connect(dtls_client_context(), "127.0.0.1", relay.port(),
                                   {.server_hostname = "localhost", .timeout = 10s, .mtu = 500});
  const std::string payload(client.connection().get_cleartext_mtu(), 'm');
  EXPECT_EQ(client.send(payload), payload.size());
  EXPECT_EQ(client.recv(), payload);
  EXPECT_EQ(relay.mtu_dropped(Direction::to_client), 0U);
  EXPECT_EQ(relay.mtu_dropped(Direction::to_server), 0U);
  EXPECT_LE(relay.largest(Direction::to_client), 500U);
  EXPECT_GT(relay.sizes(Direction::to_client).size(), 4U);  // the certificate went in fragments
  EXPECT_THROW(client.send(payload + "!"), ValueError);
}

// A path narrower than the datagrams both ends were told they may send (1400
// bytes, which also turns off OpenSSL's own guess of a smaller MTU after
// lost flights): a loopback with an MTU of 1280 in a network namespace of
// the test's own. The kernel refuses the server's first certificate
// datagram (EMSGSIZE, as the drivers forbid fragmentation); the server
// learns the path's MTU from it and its retransmission comes in fragments
// that fit. After the
// handshake, a record too big for the path is the client's OSError
// (EMSGSIZE), the client knows the MTU from then on, and what fits is
// echoed.
TEST(DtlsSocket, PathMtuIsLearntFromTheKernel) {
  in_narrow_loopback(1280, [] {
    // A certificate of a hundred names: bigger than the path on its own.
    CertificateRequest big;
    big.dns_names = {"localhost"};
    for (int i = 0; i < 100; ++i) {
      big.dns_names.push_back("name-" + std::to_string(i) + ".example");
    }
    const CredentialFiles files = write_credential(pki().dir, "dtls-hundred-names", pki().ca.issue(big));
    EchoServer server(dtls_server_context(&files), {.mtu = 1400});
    DTLSSocket client = dtls_connect(dtls_client_context(), "127.0.0.1", server.port(),
                                     {.server_hostname = "localhost", .timeout = 10s, .mtu = 1400});
    const std::size_t before = client.connection().get_cleartext_mtu();
    const std::string too_big(1300, 'b');
    ASSERT_GT(before, too_big.size());  // the client still thinks a 1300-byte record fits
    try {
      client.send(too_big);
      ADD_FAILURE() << "a record bigger than the path was sent";
    } catch (const OSError& e) {
      EXPECT_EQ(e.code(), std::errc::message_size) << e.what();
    }
    const std::size_t after = client.connection().get_cleartext_mtu();
    EXPECT_LT(after, 1280U - 28U);  // the path's payload less DTLS's record overhead
    EXPECT_THROW(client.send(too_big), ValueError);
    const std::string fits(after, 'f');
    EXPECT_EQ(client.send(fits), fits.size());
    EXPECT_EQ(client.recv(), fits);  // the server's record fits the path too
    EXPECT_TRUE(server.failures().empty());
    EXPECT_GT(client.connection().get_peer_certificate()->der().size(), 1280U);
  });
}

TEST(DtlsSocket, VanishedPeerIsATypedError) {
  // Nobody listens: loopback answers with ICMP port unreachable.
  Socket probe(AF_INET, SOCK_DGRAM);
  probe.bind("127.0.0.1", 0);
  const std::uint16_t closed_port = probe.getsockname().port;
  probe.close();
  EXPECT_THROW(dtls_connect(dtls_client_context(), "127.0.0.1", closed_port,
                            {.server_hostname = "localhost", .timeout = 5s}),
               ConnectionRefusedError);
  // Something listens and never answers: retransmissions, then TimeoutError.
  Socket silent(AF_INET, SOCK_DGRAM);
  silent.bind("127.0.0.1", 0);
  const auto start = std::chrono::steady_clock::now();
  try {
    static_cast<void>(dtls_connect(dtls_client_context(), "127.0.0.1", silent.getsockname().port,
                                   {.server_hostname = "localhost", .timeout = 1.5s}));
    ADD_FAILURE() << "a silent peer completed a handshake";
  } catch (const TimeoutError& e) {
    EXPECT_EQ(e.code(), errc::timed_out);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  std::byte buf[2048];
  std::size_t hellos = 0;
  silent.settimeout(0.0s);
  try {
    while (silent.recv(buf) > 0) {
      ++hellos;
    }
  } catch (const OSError&) {
  }
  EXPECT_GE(hellos, 2U);  // the first ClientHello and at least one retransmission
}

// ClientHellos from many forged addresses: each gets one small
// HelloVerifyRequest, and the server holds nothing for any of them.
TEST(DtlsSocket, ForgedClientHelloFloodHoldsNoState) {
  Context server_ctx = dtls_server_context();
  DTLSServer server(server_ctx, "127.0.0.1", 0, {.handshake_timeout = 300ms});
  // A real ClientHello, made by a sans-IO client.
  Context client_ctx = dtls_client_context();
  Connection hello_maker = client_ctx.wrap_bio({.server_hostname = "localhost"});
  std::error_code ec;
  ASSERT_EQ(hello_maker.do_handshake(ec).status, io_status::want_read);
  const std::span<const std::byte> hello = hello_maker.peek_output();
  ASSERT_FALSE(hello.empty());

  std::vector<Socket> forgers;
  for (int i = 0; i < 50; ++i) {
    forgers.emplace_back(AF_INET, SOCK_DGRAM);
    forgers.back().bind("127.0.0.1", 0);
    const Address to = server.local_address();
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(to.port);
    ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    ASSERT_EQ(::sendto(forgers.back().fileno(), hello.data(), hello.size(), 0, reinterpret_cast<sockaddr*>(&sa),
                       sizeof sa),
              static_cast<ssize_t>(hello.size()));
  }
  while (server.next_event(100ms)) {
  }
  EXPECT_EQ(server.peer_count(), 0U);
  std::size_t answered = 0;
  for (Socket& f : forgers) {
    f.settimeout(1s);
    std::byte buf[2048];
    const std::size_t n = f.recv(buf);
    EXPECT_LT(n, hello.size());  // smaller than what provoked it: no amplification
    answered += n > 0 ? 1 : 0;
  }
  EXPECT_EQ(answered, forgers.size());
}

// With a zero timeout every call returns at once; the caller's own loop
// waits for the socket or for dtls_timeout(), and calls again.
TEST(DtlsSocket, NonBlockingOnTheCallersLoop) {
  EchoServer server(dtls_server_context());
  UdpRelay relay(server.port());
  relay.drop_nth(Direction::to_server, 1);  // the first ClientHello: only the timer brings it back
  DTLSSocket s(create_connection("127.0.0.1", relay.port(), {.timeout = 0s, .type = SOCK_DGRAM}),
               dtls_client_context().wrap_bio({.server_hostname = "localhost"}));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  const auto wait = [&] {
    const std::optional<std::chrono::nanoseconds> timer = s.dtls_timeout();
    const auto ms = timer ? std::chrono::ceil<std::chrono::milliseconds>(*timer).count() : 100;
    pollfd p{s.fileno(), POLLIN, 0};
    static_cast<void>(::poll(&p, 1, static_cast<int>(std::min<long long>(ms, 100))));
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
  };
  std::error_code ec;
  io_result r;
  while ((r = s.do_handshake(ec)).status == io_status::want_read) {
    wait();
  }
  ASSERT_TRUE(r.ok()) << ec.message();
  EXPECT_EQ(relay.dropped(Direction::to_server), 1U);
  ASSERT_TRUE(s.send(std::as_bytes(std::span("nb", 2)), ec).ok()) << ec.message();
  std::byte buf[64];
  while ((r = s.recv(buf, ec)).status == io_status::want_read) {
    wait();
  }
  ASSERT_TRUE(r.ok()) << ec.message();
  EXPECT_EQ(r.bytes, 2U);
}

// dtls_connect makes verified connections only, as sslpp::connect does;
// not verifying is built from its parts, explicitly.
TEST(DtlsSocket, ConnectRefusesAContextThatDoesNotVerify) {
  EchoServer server(dtls_server_context());
  Context either(DTLS_METHOD);  // pyOpenSSL's: verifies nothing until told
  EXPECT_THROW(dtls_connect(either, "127.0.0.1", server.port()), ValueError);
  DTLSSocket unverified(create_connection("127.0.0.1", server.port(), {.timeout = 5s, .type = SOCK_DGRAM}),
                        either.wrap_bio({.server_hostname = "localhost"}));
  unverified.do_handshake();
  EXPECT_EQ(unverified.send("explicitly unverified"), 21U);
  EXPECT_EQ(unverified.recv(), "explicitly unverified");
}

// A client that restarts on the same address and port begins a new
// handshake (RFC 6347 4.2.8): once its cookie verifies, the old
// association ends and the new one is served.
TEST(DtlsSocket, RestartedClientOnTheSameAddressIsServedAgain) {
  EchoServer server(dtls_server_context());
  const auto bound_client = [&](std::uint16_t local_port) {
    Socket udp(AF_INET, SOCK_DGRAM);
    udp.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    udp.bind("127.0.0.1", local_port);
    udp.connect("127.0.0.1", server.port());
    udp.settimeout(5s);
    return DTLSSocket(std::move(udp), dtls_client_context().wrap_bio({.server_hostname = "localhost"}));
  };
  std::uint16_t port = 0;
  {
    DTLSSocket first = bound_client(0);
    port = first.socket().getsockname().port;
    first.do_handshake();
    first.send("before");
    EXPECT_EQ(first.recv(), "before");
  }  // gone without close_notify: the server still holds it
  DTLSSocket second = bound_client(port);
  second.do_handshake();
  second.send("after the restart");
  EXPECT_EQ(second.recv(), "after the restart");
  using K = DTLSServer::EventKind;
  const std::vector<K> kinds = server.kinds();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), K::accepted), 2);
  ASSERT_EQ(server.failures().size(), 1U);
  EXPECT_EQ(server.failures()[0].code, errc::eof);
}

// One host cannot hold more handshakes than max_handshakes_per_host, on
// however many ports it passes the cookie exchange.
TEST(DtlsSocket, OneHostCannotTakeEveryHandshakeSlot) {
  Context server_ctx = dtls_server_context();
  DTLSServer server(server_ctx, "127.0.0.1", 0, {.max_handshakes_per_host = 2});
  Context client_ctx = dtls_client_context();
  const std::uint16_t server_port = server.local_address().port;
  std::vector<Socket> sockets;
  std::vector<Connection> clients;
  std::byte buf[65536];
  for (int i = 0; i < 4; ++i) {
    sockets.emplace_back(AF_INET, SOCK_DGRAM);
    sockets.back().connect("127.0.0.1", server_port);
    sockets.back().settimeout(2s);
    clients.push_back(client_ctx.wrap_bio({.server_hostname = "localhost"}));
  }
  // Each client passes the cookie exchange, then never answers the flight.
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      std::error_code ec;
      static_cast<void>(clients[i].do_handshake(ec));
      for (auto d = clients[i].peek_output(); !d.empty(); d = clients[i].peek_output()) {
        sockets[i].send(d);
        clients[i].consume_output(d.size());
      }
      while (server.next_event(50ms)) {
      }
      if (round == 0) {
        const std::size_t n = sockets[i].recv(buf);  // the HelloVerifyRequest
        clients[i].bio_write(std::span(buf).first(n));
      }
    }
  }
  EXPECT_EQ(server.peer_count(), 2U);
}

// A client that passes the cookie and then vanishes is dropped after the
// handshake timeout, with a failed event that says so.
TEST(DtlsSocket, ServerDropsAClientThatVanishesMidHandshake) {
  EchoServer server(dtls_server_context(), {.handshake_timeout = 400ms});
  UdpRelay relay(server.port());
  // Let the two ClientHellos through, then cut the path to the server.
  relay.drop_if([](Direction d, std::size_t n, std::span<const std::uint8_t>) {
    return d == Direction::to_server && n > 2;
  });
  EXPECT_THROW(dtls_connect(dtls_client_context(), "127.0.0.1", relay.port(),
                            {.server_hostname = "localhost", .timeout = 1.5s}),
               TimeoutError);
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (server.failures().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  const std::vector<ErrorInfo> failures = server.failures();
  ASSERT_EQ(failures.size(), 1U);
  EXPECT_EQ(failures[0].code, errc::timed_out);
  EXPECT_NE(failures[0].message.find("did not finish"), std::string::npos) << failures[0].message;
}

}  // namespace
}  // namespace sslpp::test
