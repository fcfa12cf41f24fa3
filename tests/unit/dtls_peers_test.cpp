// A self-test of the DTLS test support, without sslpp's DTLS: the UdpRelay
// on plain UDP sockets, then openssl and GnuTLS DTLS 1.2 peers talking to
// each other through it, undamaged, with a lost server datagram, over a path
// whose MTU is smaller than the server's certificate, and agreeing on an
// SRTP profile and its keys. Every peer runs on 127.0.0.1 and is killed by
// its Subprocess when the test ends.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "support/dtls_peers.hpp"
#include "support/udp_relay.hpp"

namespace sslpp {
namespace {

using test::Direction;
using test::DtlsPeer;
using test::DtlsPeerOptions;
using test::UdpRelay;
using namespace std::chrono_literals;

// Udp is a bare UDP socket on 127.0.0.1, for testing the relay alone.
class Udp {
 public:
  Udp() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    const sockaddr_in a = addr(0);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
  }
  ~Udp() { ::close(fd_); }
  Udp(const Udp&) = delete;
  Udp& operator=(const Udp&) = delete;

  [[nodiscard]] std::uint16_t port() const {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
  }
  void send_to(std::uint16_t port, const std::string& text) const {
    const sockaddr_in a = addr(port);
    ::sendto(fd_, text.data(), text.size(), 0, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  }
  // receive returns the next datagram's text and the port it came from,
  // nullopt after `timeout`.
  std::optional<std::pair<std::string, std::uint16_t>> receive_from(std::chrono::milliseconds timeout = 1s) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
      return std::nullopt;
    }
    std::string buf(2048, '\0');
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) {
      return std::nullopt;
    }
    buf.resize(static_cast<std::size_t>(n));
    return std::pair{buf, ntohs(from.sin_port)};
  }
  std::optional<std::string> receive(std::chrono::milliseconds timeout = 1s) const {
    auto d = receive_from(timeout);
    return d ? std::optional<std::string>(d->first) : std::nullopt;
  }

 private:
  static sockaddr_in addr(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }
  int fd_;
};

// The relay's rules on plain datagrams: a swap, a duplicate, a drop, an MTU,
// both directions, and what it observed.
TEST(DtlsPeers, RelayRulesOnPlainUdp) {
  Udp server;
  Udp client;
  UdpRelay relay(server.port());
  relay.reorder_nth(Direction::to_server, 1);
  relay.duplicate_nth(Direction::to_server, 3);
  relay.drop_nth(Direction::to_server, 4);
  relay.set_mtu(10);

  for (const char* text : {"one", "two", "three", "four", "too long for the mtu", "six"}) {
    client.send_to(relay.port(), text);
  }
  std::vector<std::string> got;
  while (const auto d = server.receive(300ms)) {
    got.push_back(*d);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"two", "one", "three", "three", "six"}));
  EXPECT_EQ(relay.sizes(Direction::to_server), (std::vector<std::size_t>{3, 3, 5, 4, 20, 3}));
  EXPECT_EQ(relay.dropped(Direction::to_server), 2U);
  EXPECT_EQ(relay.mtu_dropped(Direction::to_server), 1U);
  EXPECT_EQ(relay.forwarded(Direction::to_server), 5U);

  // The server's answer goes back to the client the relay learnt; a held
  // datagram with nothing after it is delivered late, not lost.
  relay.clear_rules();
  relay.reorder_nth(Direction::to_client, 1);
  client.send_to(relay.port(), "ping");
  const auto ping = server.receive_from();
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ(ping->first, "ping");
  const auto sent = std::chrono::steady_clock::now();
  server.send_to(ping->second, "pong");
  EXPECT_EQ(client.receive(2s), "pong");
  EXPECT_GE(std::chrono::steady_clock::now() - sent, UdpRelay::hold_limit / 2);
  EXPECT_EQ(relay.forwarded(Direction::to_client), 1U);

  // One client only: a datagram from another address is not relayed.
  Udp stranger;
  stranger.send_to(relay.port(), "stranger");
  EXPECT_EQ(server.receive(200ms), std::nullopt);
  EXPECT_EQ(relay.sizes(Direction::to_server).size(), 7U);
}

// contains is true when `text` has `needle`.
bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// (a) openssl s_client and gnutls-serv through an undamaged relay: the
// handshake completes, starting with gnutls-serv's cookie exchange (its
// first datagram is a HelloVerifyRequest), and a line comes back echoed.
TEST(DtlsPeers, OpensslClientGnutlsServerThroughRelay) {
  // A rule that drops nothing, to look at the server's first datagram: a
  // handshake record (22) holding a HelloVerifyRequest (3). Declared before
  // the relay, so it outlives the relay's thread.
  std::vector<std::uint8_t> first;
  auto server = test::start_gnutls_udp_server({});
  UdpRelay relay(server.port);
  relay.drop_if([&first](Direction d, std::size_t index, std::span<const std::uint8_t> bytes) {
    if (d == Direction::to_client && index == 1) {
      first.assign(bytes.begin(), bytes.end());
    }
    return false;
  });
  auto client = test::start_dtls_s_client(relay.port(), {});
  ASSERT_TRUE(test::wait_for_dtls_handshake(*client, DtlsPeer::openssl_client, false)) << client->describe();
  EXPECT_TRUE(contains(client->stdout_seen(), "Protocol  : DTLSv1.2")) << client->describe();

  ASSERT_TRUE(client->write_stdin("hello through the relay\n"));
  EXPECT_TRUE(client->wait_for_line("hello through the relay")) << client->describe();

  relay.clear_rules();  // `first` is read below: the rule must not run meanwhile
  ASSERT_GE(first.size(), 14U);
  EXPECT_EQ(first[0], 22);
  EXPECT_EQ(first[13], 3);
  EXPECT_GE(relay.sizes(Direction::to_server).size(), 3U);  // ClientHello twice, then the client's flight
  EXPECT_EQ(relay.dropped(Direction::to_server) + relay.dropped(Direction::to_client), 0U);
}

// (b) A datagram of the server's first real flight is lost: the handshake
// still completes once a retransmission timer (1 s) fires. s_server's 1st
// datagram is its HelloVerifyRequest (it always exchanges cookies over UDP);
// its ServerHello..ServerHelloDone flight follows in 228-byte datagrams, of
// which the 2nd (the 3rd overall) is dropped.
TEST(DtlsPeers, LostServerDatagramIsRetransmitted) {
  auto server = test::start_dtls_s_server({});
  UdpRelay relay(server.port);
  relay.drop_nth(Direction::to_client, 3);
  const auto start = std::chrono::steady_clock::now();
  auto client = test::start_dtls_s_client(relay.port(), {});
  ASSERT_TRUE(test::wait_for_dtls_handshake(*client, DtlsPeer::openssl_client, false)) << client->describe();
  ASSERT_TRUE(test::wait_for_dtls_handshake(*server.proc, DtlsPeer::openssl_server, false)) << server.proc->describe();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 500ms) << "done before any retransmission: was anything lost?";
  EXPECT_EQ(relay.dropped(Direction::to_client), 1U);
  EXPECT_GT(relay.sizes(Direction::to_client).size(), 4U);

  ASSERT_TRUE(client->write_stdin("after the loss\n"));
  EXPECT_TRUE(server.proc->wait_for_line("after the loss")) << server.proc->describe();
}

// (c) A path MTU smaller than either certificate: with both peers told the
// MTU, both sides' flights are fragmented to fit (the client presents its
// certificate too), the handshake completes, and no datagram bigger than the
// limit crossed the relay.
TEST(DtlsPeers, SmallMtuFragmentsTheHandshake) {
  constexpr std::size_t kPathMtu = 400;  // UDP payload bytes
  // The RSA certificate's PEM is well over 700 bytes: its DER does not fit.
  ASSERT_GT(std::filesystem::file_size(test::pki().server_rsa.cert), 700U);

  DtlsPeerOptions server_opts;
  server_opts.client_cert = true;
  server_opts.mtu = static_cast<int>(kPathMtu);
  auto server = test::start_gnutls_udp_server(server_opts, &test::pki().server_rsa);
  UdpRelay relay(server.port);
  relay.set_mtu(kPathMtu);
  DtlsPeerOptions client_opts;
  client_opts.client_cert = true;
  client_opts.mtu = static_cast<int>(kPathMtu) + 28;  // OpenSSL's -mtu counts the IPv4 and UDP headers
  auto client = test::start_dtls_s_client(relay.port(), client_opts);
  ASSERT_TRUE(test::wait_for_dtls_handshake(*client, DtlsPeer::openssl_client, false)) << client->describe();

  EXPECT_EQ(relay.mtu_dropped(Direction::to_client), 0U);
  EXPECT_EQ(relay.mtu_dropped(Direction::to_server), 0U);
  EXPECT_LE(relay.largest(Direction::to_client), kPathMtu);
  EXPECT_LE(relay.largest(Direction::to_server), kPathMtu);
  EXPECT_GE(relay.sizes(Direction::to_client).size(), 4U);  // cookie, then a flight of several datagrams
  EXPECT_GE(relay.sizes(Direction::to_server).size(), 4U);  // two ClientHellos, then a flight of several
  ASSERT_TRUE(client->write_stdin("small mtu\n"));
  EXPECT_TRUE(client->wait_for_line("small mtu")) << client->describe();
}

// (d) openssl s_server and gnutls-cli agree on an SRTP profile and derive the
// same RFC 5764 keying material, with a verified client certificate.
TEST(DtlsPeers, SrtpProfileAgreedOpensslGnutls) {
  DtlsPeerOptions server_opts;
  server_opts.client_cert = true;
  server_opts.srtp = "SRTP_AES128_CM_SHA1_32:SRTP_AES128_CM_SHA1_80";
  server_opts.keymat = 60;
  // Without it s_server sends 228-byte fragments, which gnutls-cli takes
  // some 800 ms to answer; one datagram per flight keeps the test short.
  server_opts.mtu = 1500;
  auto server = test::start_dtls_s_server(server_opts);
  UdpRelay relay(server.port);
  DtlsPeerOptions client_opts;
  client_opts.srtp = "SRTP_AES128_CM_SHA1_80";  // the one the server accepts too
  client_opts.keymat = 60;
  auto client = test::start_gnutls_udp_client(relay.port(), client_opts);

  const auto c = test::wait_for_dtls_handshake(*client, DtlsPeer::gnutls_client, true);
  ASSERT_TRUE(c) << client->describe();
  const auto s = test::wait_for_dtls_handshake(*server.proc, DtlsPeer::openssl_server, true);
  ASSERT_TRUE(s) << server.proc->describe();
  EXPECT_EQ(c->srtp_profile, "SRTP_AES128_CM_SHA1_80");
  EXPECT_EQ(s->srtp_profile, "SRTP_AES128_CM_SHA1_80");
  EXPECT_EQ(c->keying_material.size(), 120U);
  EXPECT_EQ(c->keying_material, s->keying_material);
  EXPECT_TRUE(contains(server.proc->stdout_seen(), "subject=CN = client")) << server.proc->describe();
  EXPECT_EQ(test::gnutls_srtp_names("SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM"),
            "SRTP_AES128_CM_HMAC_SHA1_80:SRTP_AEAD_AES_128_GCM");
}

}  // namespace
}  // namespace sslpp
