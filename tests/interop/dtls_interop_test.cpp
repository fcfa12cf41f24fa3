// DTLS 1.2 interop: sslpp's UDP drivers (dtls_socket.hpp) against the
// independent peers of tests/support/dtls_peers.hpp, on 127.0.0.1.
//
// sslpp as client (DTLSSocket from dtls_connect, DTLS_CLIENT_METHOD verifying
// "localhost" against the test CA) against `openssl s_server -dtls1_2` and
// `gnutls-serv --udp`; sslpp as server (DTLSServer, DTLS_SERVER_METHOD, on a
// thread of its own) against `openssl s_client -dtls1_2` and
// `gnutls-cli --udp`. Between them the tests cover the cookie exchange,
// client certificates (required, presented, missing), DTLS-SRTP (the profile
// agreed and the keys against the peer's RFC 5764 keying material), a lost
// and a reordered handshake datagram, a path MTU smaller than the server's
// certificate, and application data both ways. A UdpRelay sits in the path
// wherever a test looks at or damages the datagrams.
//
// Every peer is a Subprocess, killed with its process group when the test
// ends; every wait is bounded.
#include <sslpp/sslpp.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/dtls_peers.hpp"
#include "support/hex.hpp"
#include "support/pki.hpp"
#include "support/udp_relay.hpp"

namespace sslpp::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kSrtp80 = "SRTP_AES128_CM_SHA1_80";

bool contains(const std::string& text, std::string_view needle) { return text.find(needle) != std::string::npos; }

// srtp_material is `k` laid out as RFC 5764 4.2 exports it (client key |
// server key | client salt | server salt), in upper-case hex as the peers
// print their keying material.
std::string srtp_material(const SrtpKeys& k) {
  std::vector<std::byte> all;
  for (const SecureBytes* part : {&k.client_key, &k.server_key, &k.client_salt, &k.server_salt}) {
    all.insert(all.end(), part->begin(), part->end());
  }
  return upper_hex(all);
}

// expect_srtp_80 checks the key and salt sizes of SRTP_AES128_CM_SHA1_80.
void expect_srtp_80(const SrtpKeys& k) {
  EXPECT_EQ(k.profile, kSrtp80);
  EXPECT_EQ(k.client_key.size(), 16U);
  EXPECT_EQ(k.server_key.size(), 16U);
  EXPECT_EQ(k.client_salt.size(), 14U);
  EXPECT_EQ(k.server_salt.size(), 14U);
  EXPECT_NE(k.client_key, k.server_key);
}

// FirstServerDatagram records the server's first datagram through a relay
// (a drop rule that drops nothing). Make it before the relay so it outlives
// the relay's thread; take() stops the recording (clear_rules) first.
class FirstServerDatagram {
 public:
  void watch(UdpRelay& relay) {
    relay.drop_if([this](Direction d, std::size_t index, std::span<const std::uint8_t> bytes) {
      if (d == Direction::to_client && index == 1) {
        bytes_.assign(bytes.begin(), bytes.end());
      }
      return false;
    });
  }
  std::vector<std::uint8_t> take(UdpRelay& relay) {
    relay.clear_rules();  // the rule runs under the relay's lock; after this it no longer does
    return bytes_;
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

// expect_hello_verify_request: a DTLS handshake record (content type 22)
// whose message is a HelloVerifyRequest (handshake type 3, after the 13-byte
// record header).
void expect_hello_verify_request(const std::vector<std::uint8_t>& d) {
  ASSERT_GE(d.size(), 14U);
  EXPECT_EQ(d[0], 22) << "not a handshake record";
  EXPECT_EQ(d[13], 3) << "the server's first datagram is not a HelloVerifyRequest";
}

Context client_context(bool with_cert = false, const std::string& srtp = {}) {
  Context ctx = dtls_client_context();
  if (with_cert) {
    ctx.load_cert_chain(pki().client.cert, pki().client.key);
  }
  if (!srtp.empty()) {
    ctx.set_srtp_profiles(srtp);
  }
  return ctx;
}

Context server_context(bool require_client_cert, const std::string& srtp = {},
                       const CredentialFiles& creds = pki().server) {
  Context ctx = dtls_server_context(&creds);
  if (require_client_cert) {
    ctx.set_verify_mode(CERT_REQUIRED);
    ctx.load_verify_locations(pki().ca_file);
  }
  if (!srtp.empty()) {
    ctx.set_srtp_profiles(srtp);
  }
  return ctx;
}

DTLSConnectOptions connect_options(std::size_t mtu = 0) {
  DTLSConnectOptions o;
  o.server_hostname = "localhost";
  o.timeout = 5s;
  o.mtu = mtu;
  return o;
}

// Server is a DTLSServer on 127.0.0.1 run on its own thread (each wait
// 20 ms, stopped by the destructor), echoing every record and recording
// what a test checks: each accepted client's connection as seen on the
// server's thread, the records received and the failures.
class Server {
 public:
  struct Accepted {
    std::string version;
    std::optional<std::vector<std::byte>> peer_cert_der;
    std::optional<std::string> srtp_profile;
    std::optional<SrtpKeys> srtp_keys;
  };

  explicit Server(Context ctx, DTLSServerOptions options = {})
      : server_(ctx, "127.0.0.1", 0, options), thread_([this] { run(); }) {}
  ~Server() {
    stop_ = true;
    thread_.join();
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] std::uint16_t port() const { return server_.local_address().port; }

  // wait_accepted waits for the first accepted client.
  std::optional<Accepted> wait_accepted(std::chrono::milliseconds timeout = peer_timeout) {
    if (!wait([this] { return !accepted_.empty(); }, timeout)) {
      return std::nullopt;
    }
    const std::lock_guard lock(mutex_);
    return accepted_.front();
  }
  // wait_failure waits for the first failed client.
  std::optional<ErrorInfo> wait_failure(std::chrono::milliseconds timeout = peer_timeout) {
    if (!wait([this] { return !failures_.empty(); }, timeout)) {
      return std::nullopt;
    }
    const std::lock_guard lock(mutex_);
    return failures_.front();
  }
  // wait_record waits for a record containing `text`.
  bool wait_record(std::string_view text, std::chrono::milliseconds timeout = peer_timeout) {
    return wait(
        [&] {
          for (const std::string& r : records_) {
            if (contains(r, text)) {
              return true;
            }
          }
          return false;
        },
        timeout);
  }
  // wait_closed waits for a client's close_notify.
  bool wait_closed(std::chrono::milliseconds timeout = peer_timeout) {
    return wait([this] { return closed_ > 0; }, timeout);
  }
  std::size_t accepted_count() {
    const std::lock_guard lock(mutex_);
    return accepted_.size();
  }
  std::string describe() {
    const std::lock_guard lock(mutex_);
    std::string s = "server: " + std::to_string(accepted_.size()) + " accepted, " + std::to_string(records_.size()) +
                    " records";
    for (const ErrorInfo& f : failures_) {
      s += "; failed: " + f.message;
    }
    return s;
  }

 private:
  bool wait(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      {
        const std::lock_guard lock(mutex_);
        if (done()) {
          return true;
        }
      }
      if (Clock::now() >= deadline) {
        return false;
      }
      std::this_thread::sleep_for(10ms);
    }
  }

  void run() {
    while (!stop_) {
      const std::optional<DTLSServer::Event> ev = server_.next_event(20ms);
      if (!ev) {
        continue;
      }
      switch (ev->kind) {
        case DTLSServer::EventKind::accepted: {
          Accepted a;
          if (Connection* c = server_.connection(ev->peer)) {
            a.version = c->version().value_or("");
            a.peer_cert_der = c->getpeercert_der();
            a.srtp_profile = c->selected_srtp_profile();
            if (a.srtp_profile) {
              a.srtp_keys = c->srtp_keys();
            }
          }
          const std::lock_guard lock(mutex_);
          accepted_.push_back(std::move(a));
          break;
        }
        case DTLSServer::EventKind::data: {
          {
            const std::lock_guard lock(mutex_);
            records_.emplace_back(reinterpret_cast<const char*>(ev->data.data()), ev->data.size());
          }
          server_.send(ev->peer, ev->data);
          break;
        }
        case DTLSServer::EventKind::failed: {
          const std::lock_guard lock(mutex_);
          failures_.push_back(ev->error);
          break;
        }
        case DTLSServer::EventKind::closed: {
          const std::lock_guard lock(mutex_);
          ++closed_;
          break;
        }
      }
    }
  }

  DTLSServer server_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Accepted> accepted_;
  std::vector<std::string> records_;
  std::vector<ErrorInfo> failures_;
  std::size_t closed_ = 0;
  std::thread thread_;  // last: started once everything above is set
};

// ---------------------------------------------------------------------------
// sslpp as client

// s_server -listen (DTLSv1_listen's stateless cookie exchange) with SRTP:
// sslpp's client answers the HelloVerifyRequest, agrees on the profile,
// derives the keys s_server exports, records go both ways, and sslpp's
// close_notify ends s_server's connection.
TEST(DtlsInteropClient, OpensslServerListenCookieSrtpKeysAndData) {
  DtlsPeerOptions so;
  so.cookie = true;
  so.srtp = std::string("SRTP_AES128_CM_SHA1_32:") + kSrtp80;
  so.keymat = 60;
  auto server = start_dtls_s_server(so);
  FirstServerDatagram first;
  UdpRelay relay(server.port);
  first.watch(relay);

  DTLSSocket client = dtls_connect(client_context(false, std::string(kSrtp80) + ":SRTP_AEAD_AES_128_GCM"),
                                   "127.0.0.1", relay.port(), connect_options());
  EXPECT_EQ(client.connection().version(), "DTLSv1.2");
  const auto report = wait_for_dtls_handshake(*server.proc, DtlsPeer::openssl_server, true);
  ASSERT_TRUE(report) << server.proc->describe();
  expect_hello_verify_request(first.take(relay));
  EXPECT_GE(relay.sizes(Direction::to_server).size(), 3U);  // ClientHello twice, then the client's flight

  EXPECT_EQ(report->srtp_profile, kSrtp80);
  EXPECT_EQ(client.connection().selected_srtp_profile(), kSrtp80);
  const SrtpKeys keys = client.connection().srtp_keys();
  expect_srtp_80(keys);
  EXPECT_EQ(report->keying_material.size(), 120U);
  EXPECT_EQ(srtp_material(keys), report->keying_material);

  EXPECT_EQ(client.send("from sslpp to s_server\n"), 23U);
  EXPECT_TRUE(server.proc->wait_for_line("from sslpp to s_server")) << server.proc->describe();
  ASSERT_TRUE(server.proc->write_stdin("from s_server to sslpp\n"));
  EXPECT_EQ(client.recv(), "from s_server to sslpp\n");
  // close_notify ends s_server's one connection (-naccept 1): it exits.
  client.shutdown();
  EXPECT_EQ(server.proc->wait(3s), 0) << server.proc->describe();
}

// gnutls-serv requiring a client certificate: sslpp presents pki().client,
// agrees on SRTP (GnuTLS spells the profile its own way), and gets its
// records echoed.
TEST(DtlsInteropClient, GnutlsServerRequiresClientCertSrtpEcho) {
  DtlsPeerOptions so;
  so.client_cert = true;
  so.srtp = kSrtp80;
  auto server = start_gnutls_udp_server(so);
  DTLSSocket client =
      dtls_connect(client_context(true, kSrtp80), "127.0.0.1", server.port, connect_options());
  EXPECT_EQ(client.connection().version(), "DTLSv1.2");
  EXPECT_EQ(client.connection().selected_srtp_profile(), kSrtp80);
  expect_srtp_80(client.connection().srtp_keys());
  EXPECT_EQ(client.send("echo me, gnutls"), 15U);
  EXPECT_EQ(client.recv(), "echo me, gnutls");
  EXPECT_EQ(client.send("and once more"), 13U);
  EXPECT_EQ(client.recv(), "and once more");
  EXPECT_TRUE(server.proc->wait_for_line("echo me, gnutls")) << server.proc->describe();
}

// s_server requiring a client certificate refuses sslpp without one: a
// typed SSLError from dtls_connect, promptly (an alert, not a timeout).
TEST(DtlsInteropClient, ServerRequiringCertRefusesClientWithout) {
  DtlsPeerOptions so;
  so.client_cert = true;
  auto server = start_dtls_s_server(so);
  const auto start = Clock::now();
  try {
    static_cast<void>(dtls_connect(client_context(false), "127.0.0.1", server.port, connect_options()));
    ADD_FAILURE() << "a handshake without the required client certificate completed";
  } catch (const SSLError& e) {
    EXPECT_FALSE(e.info().reason.empty()) << e.what();
  }
  EXPECT_LT(Clock::now() - start, 3s) << "refused by a timeout rather than an alert";
  // s_server (-naccept 1) ends after the refused connection and said why on stderr.
  EXPECT_TRUE(server.proc->wait(2s).has_value()) << server.proc->describe();
  EXPECT_TRUE(contains(server.proc->stderr_text(), "peer did not return a certificate")) << server.proc->describe();
}

// gnutls-serv sends each handshake message in a datagram of its own: its
// Certificate is lost and, in the flight it sends again, the ServerHello
// comes after the Certificate. The handshake completes and records go both
// ways.
TEST(DtlsInteropClient, GnutlsServerLostAndReorderedDatagrams) {
  auto server = start_gnutls_udp_server({});
  UdpRelay relay(server.port);
  // 1 HelloVerifyRequest, 2 ServerHello, 3 Certificate (lost), 4
  // ServerKeyExchange, 5 CertificateRequest (gnutls-serv asks by default),
  // 6 ServerHelloDone; then, once sslpp's client has sent its ClientHello
  // again, the flight again from 7, its ServerHello swapped with 8.
  relay.drop_nth(Direction::to_client, 3);
  relay.reorder_nth(Direction::to_client, 7);
  const auto start = Clock::now();
  DTLSSocket client = dtls_connect(client_context(), "127.0.0.1", relay.port(), connect_options());
  EXPECT_GE(Clock::now() - start, 500ms) << "done before any retransmission: was anything lost?";
  EXPECT_EQ(relay.dropped(Direction::to_client), 1U);
  EXPECT_GE(relay.sizes(Direction::to_client).size(), 11U) << "no retransmitted flight";
  EXPECT_EQ(client.send("after the damage"), 16U);
  EXPECT_EQ(client.recv(), "after the damage");
}

// A path MTU (400 bytes) smaller than s_server's RSA certificate, and
// s_server requiring a client certificate, which sslpp presents: with both
// ends told the MTU, both sides' flights are fragmented, nothing bigger
// crosses, and a record as big as the MTU allows goes through.
TEST(DtlsInteropClient, OpensslServerMtuSmallerThanCertificate) {
  constexpr std::size_t kMtu = 400;
  ASSERT_GT(std::filesystem::file_size(pki().server_rsa.cert), 700U);
  DtlsPeerOptions so;
  so.client_cert = true;
  so.mtu = static_cast<int>(kMtu) + 28;  // s_server's -mtu counts the IPv4 and UDP headers
  auto server = start_dtls_s_server(so, 1, &pki().server_rsa);
  UdpRelay relay(server.port);
  relay.set_mtu(kMtu);
  DTLSSocket client = dtls_connect(client_context(true), "127.0.0.1", relay.port(), connect_options(kMtu));
  ASSERT_TRUE(wait_for_dtls_handshake(*server.proc, DtlsPeer::openssl_server, false)) << server.proc->describe();
  EXPECT_TRUE(contains(server.proc->stdout_seen(), "subject=CN = client")) << server.proc->describe();
  EXPECT_EQ(relay.mtu_dropped(Direction::to_client), 0U);
  EXPECT_EQ(relay.mtu_dropped(Direction::to_server), 0U);
  EXPECT_LE(relay.largest(Direction::to_client), kMtu);
  EXPECT_LE(relay.largest(Direction::to_server), kMtu);
  EXPECT_GE(relay.sizes(Direction::to_client).size(), 5U);  // the certificate went in fragments
  EXPECT_GE(relay.sizes(Direction::to_server).size(), 4U);  // two ClientHellos, then a flight in fragments

  const std::size_t room = client.connection().get_cleartext_mtu();
  ASSERT_GT(room, 100U);
  ASSERT_LT(room, kMtu);
  const std::string line = std::string(room - 1, 'm') + "\n";
  EXPECT_EQ(client.send(line), room);
  EXPECT_TRUE(server.proc->wait_for_line(std::string(room - 1, 'm'))) << server.proc->describe();
  EXPECT_THROW(client.send(line + "!"), ValueError);
  EXPECT_LE(relay.largest(Direction::to_server), kMtu);
}

// ---------------------------------------------------------------------------
// sslpp as server

// s_client with a client certificate and SRTP against sslpp's server, which
// requires the certificate: the server's first datagram is a
// HelloVerifyRequest, the certificate verifies, both derive the same SRTP
// keys, a line typed into s_client comes back echoed, and s_client's
// close_notify is reported.
TEST(DtlsInteropServer, OpensslClientCookieClientCertSrtpEcho) {
  Server server(server_context(true, kSrtp80));
  FirstServerDatagram first;
  UdpRelay relay(server.port());
  first.watch(relay);
  DtlsPeerOptions co;
  co.client_cert = true;
  co.srtp = std::string("SRTP_AES128_CM_SHA1_32:") + kSrtp80;
  co.keymat = 60;
  auto client = start_dtls_s_client(relay.port(), co);
  const auto report = wait_for_dtls_handshake(*client, DtlsPeer::openssl_client, true);
  ASSERT_TRUE(report) << client->describe() << "\n" << server.describe();
  const auto accepted = server.wait_accepted();
  ASSERT_TRUE(accepted) << server.describe();
  expect_hello_verify_request(first.take(relay));

  EXPECT_EQ(accepted->version, "DTLSv1.2");
  ASSERT_TRUE(accepted->peer_cert_der);
  EXPECT_EQ(*accepted->peer_cert_der, pki().client.credential.certificate.der());
  EXPECT_EQ(report->srtp_profile, kSrtp80);
  EXPECT_EQ(accepted->srtp_profile, kSrtp80);
  ASSERT_TRUE(accepted->srtp_keys);
  expect_srtp_80(*accepted->srtp_keys);
  EXPECT_EQ(srtp_material(*accepted->srtp_keys), report->keying_material);

  ASSERT_TRUE(client->write_stdin("typed into s_client\n"));
  EXPECT_TRUE(server.wait_record("typed into s_client")) << server.describe();
  EXPECT_TRUE(client->wait_for_line("typed into s_client")) << client->describe();
  // End of stdin: s_client sends close_notify, which the server reports.
  client->close_stdin();
  EXPECT_TRUE(server.wait_closed(3s)) << server.describe();
}

// gnutls-cli (which always presents pki().client) against sslpp's server
// requiring a certificate, with SRTP: cookie first, the certificate
// verified, the keys gnutls-cli exports, and an echoed line.
TEST(DtlsInteropServer, GnutlsClientCookieClientCertSrtpEcho) {
  Server server(server_context(true, kSrtp80));
  FirstServerDatagram first;
  UdpRelay relay(server.port());
  first.watch(relay);
  DtlsPeerOptions co;
  co.srtp = std::string("SRTP_AES128_CM_SHA1_32:") + kSrtp80;  // GnuTLS 3.7 knows no AEAD profile
  co.keymat = 60;
  auto client = start_gnutls_udp_client(relay.port(), co);
  const auto report = wait_for_dtls_handshake(*client, DtlsPeer::gnutls_client, true);
  ASSERT_TRUE(report) << client->describe() << "\n" << server.describe();
  const auto accepted = server.wait_accepted();
  ASSERT_TRUE(accepted) << server.describe();
  expect_hello_verify_request(first.take(relay));

  ASSERT_TRUE(accepted->peer_cert_der);
  EXPECT_EQ(*accepted->peer_cert_der, pki().client.credential.certificate.der());
  EXPECT_EQ(report->srtp_profile, kSrtp80);
  ASSERT_TRUE(accepted->srtp_keys);
  expect_srtp_80(*accepted->srtp_keys);
  EXPECT_EQ(report->keying_material.size(), 120U);
  EXPECT_EQ(srtp_material(*accepted->srtp_keys), report->keying_material);

  ASSERT_TRUE(client->write_stdin("typed into gnutls-cli\n"));
  EXPECT_TRUE(server.wait_record("typed into gnutls-cli")) << server.describe();
  EXPECT_TRUE(client->wait_for_line("typed into gnutls-cli")) << client->describe();
}

// s_client without a certificate against sslpp's server requiring one: the
// server reports the client failed (typed, promptly), accepts nobody, and
// s_client is told by an alert.
TEST(DtlsInteropServer, ClientWithoutRequiredCertIsRefused) {
  Server server(server_context(true));
  auto client = start_dtls_s_client(server.port(), {});
  const auto start = Clock::now();
  const auto failure = server.wait_failure(3s);
  ASSERT_TRUE(failure) << server.describe() << "\n" << client->describe();
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_TRUE(failure->code) << failure->message;
  EXPECT_TRUE(contains(failure->message, "certificate")) << failure->message;
  EXPECT_EQ(server.accepted_count(), 0U);
  // s_client gives up on the alert and says so on stderr.
  EXPECT_TRUE(client->wait(2s).has_value()) << client->describe();
  EXPECT_TRUE(contains(client->stderr_text(), "alert handshake failure")) << client->describe();
}

// s_client presenting a certificate over a 400-byte link, so that its
// second flight (Certificate .. Finished) takes several datagrams: the first
// two reach sslpp's server swapped, and the server's last flight
// (NewSessionTicket, ChangeCipherSpec, Finished) is lost. s_client
// retransmits its flight on its timer, the established server must answer
// it with its last flight again, and then a line comes back echoed.
TEST(DtlsInteropServer, OpensslClientReorderedFlightAndLostLastFlight) {
  Server server(server_context(true));
  std::size_t last_flights_dropped = 0;  // outlives the relay's thread
  UdpRelay relay(server.port());
  // to_server: 1 ClientHello, 2 ClientHello with the cookie, 3.. the client's flight.
  relay.reorder_nth(Direction::to_server, 3);
  // to_client: the first datagram that starts with a NewSessionTicket (a
  // plaintext handshake record, type 4) or a ChangeCipherSpec (record 20).
  relay.drop_if([&last_flights_dropped](Direction d, std::size_t, std::span<const std::uint8_t> bytes) {
    const bool last_flight =
        d == Direction::to_client && bytes.size() > 13 && ((bytes[0] == 22 && bytes[13] == 4) || bytes[0] == 20);
    return last_flight && last_flights_dropped++ == 0;
  });
  DtlsPeerOptions co;
  co.client_cert = true;
  co.mtu = 400 + 28;  // s_client's -mtu counts the IPv4 and UDP headers
  const auto start = Clock::now();
  auto client = start_dtls_s_client(relay.port(), co);
  ASSERT_TRUE(wait_for_dtls_handshake(*client, DtlsPeer::openssl_client, false))
      << client->describe() << "\n" << server.describe();
  const auto accepted = server.wait_accepted();
  ASSERT_TRUE(accepted) << server.describe();
  EXPECT_EQ(accepted->peer_cert_der, pki().client.credential.certificate.der());
  EXPECT_GE(Clock::now() - start, 500ms) << "done before any retransmission: was anything lost?";
  EXPECT_EQ(relay.dropped(Direction::to_client), 1U);
  // Two ClientHellos, s_client's flight (at least two datagrams: one to
  // swap) and its retransmission; the server's HelloVerifyRequest, flight,
  // lost last flight and that flight again.
  EXPECT_GE(relay.sizes(Direction::to_server).size(), 6U);
  EXPECT_GE(relay.sizes(Direction::to_client).size(), 4U) << "the last flight was not sent again";
  ASSERT_TRUE(client->write_stdin("after reorder and loss\n"));
  EXPECT_TRUE(client->wait_for_line("after reorder and loss")) << client->describe();
  EXPECT_TRUE(server.wait_record("after reorder and loss")) << server.describe();
}

// gnutls-cli and sslpp's server (RSA certificate, client certificate
// required) over a 400-byte path: both fragment to fit, nothing bigger
// crosses, and a line is echoed.
TEST(DtlsInteropServer, GnutlsClientMtuSmallerThanCertificate) {
  constexpr std::size_t kMtu = 400;
  DTLSServerOptions options;
  options.mtu = kMtu;
  Server server(server_context(true, {}, pki().server_rsa), options);
  UdpRelay relay(server.port());
  relay.set_mtu(kMtu);
  DtlsPeerOptions co;
  co.mtu = static_cast<int>(kMtu);  // gnutls-cli's --mtu is the datagram size
  auto client = start_gnutls_udp_client(relay.port(), co);
  ASSERT_TRUE(wait_for_dtls_handshake(*client, DtlsPeer::gnutls_client, false))
      << client->describe() << "\n" << server.describe();
  const auto accepted = server.wait_accepted();
  ASSERT_TRUE(accepted) << server.describe();
  ASSERT_TRUE(accepted->peer_cert_der);
  EXPECT_EQ(relay.mtu_dropped(Direction::to_client), 0U);
  EXPECT_EQ(relay.mtu_dropped(Direction::to_server), 0U);
  EXPECT_LE(relay.largest(Direction::to_client), kMtu);
  EXPECT_LE(relay.largest(Direction::to_server), kMtu);
  EXPECT_GE(relay.sizes(Direction::to_client).size(), 5U);  // the certificate went in fragments
  ASSERT_TRUE(client->write_stdin("small path\n"));
  EXPECT_TRUE(client->wait_for_line("small path")) << client->describe();
  EXPECT_TRUE(server.wait_record("small path")) << server.describe();
}

}  // namespace
}  // namespace sslpp::test
