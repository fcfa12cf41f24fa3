// DTLS on the sans-IO Connection (dtls.hpp): datagrams in and out over the
// memory transport's datagram mode, the cookie exchange (stateful and
// DTLSv1_listen's stateless one), the retransmission timer, the MTU,
// DTLS-SRTP, and what hostile datagrams get.
#include <sslpp/sslpp.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "support/pki.hpp"

namespace sslpp::test {
namespace {

using Datagram = std::vector<std::byte>;

Datagram bytes(std::string_view text) {
  const auto b = std::as_bytes(std::span(text));
  return {b.begin(), b.end()};
}

// take takes every datagram `c` has for its peer, boundaries kept.
std::vector<Datagram> take(Connection& c) {
  std::vector<Datagram> out;
  for (std::span<const std::byte> next = c.peek_output(); !next.empty(); next = c.peek_output()) {
    out.emplace_back(next.begin(), next.end());
    c.consume_output(next.size());
  }
  return out;
}

void give(Connection& c, const std::vector<Datagram>& datagrams) {
  for (const Datagram& d : datagrams) {
    ASSERT_EQ(c.bio_write(d), d.size());
  }
}

const Address client_address{"127.0.0.1", 40000, AF_INET};

// handshake runs both ends until both finish, moving every datagram, and
// returns the sizes of the datagrams each sent. Fails after 20 rounds.
struct Flights {
  std::vector<std::size_t> client_sizes;
  std::vector<std::size_t> server_sizes;
};
Flights handshake(Connection& client, Connection& server) {
  Flights f;
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
    std::error_code ec;
    if (!client_done) {
      const io_result r = client.do_handshake(ec);
      EXPECT_NE(r.status, io_status::error) << ec.message() << ": " << client.last_error().message;
      client_done = r.ok();
    }
    for (const Datagram& d : take(client)) {
      f.client_sizes.push_back(d.size());
      server.bio_write(d);
    }
    if (!server_done) {
      const io_result r = server.do_handshake(ec);
      EXPECT_NE(r.status, io_status::error) << ec.message() << ": " << server.last_error().message;
      server_done = r.ok();
    }
    for (const Datagram& d : take(server)) {
      f.server_sizes.push_back(d.size());
      client.bio_write(d);
    }
  }
  EXPECT_TRUE(client_done && server_done);
  return f;
}

struct Pair {
  Context client_ctx = dtls_client_context();
  Context server_ctx = dtls_server_context();
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
};

TEST(Dtls, HandshakeVerifiesAndKeepsDatagramBoundaries) {
  Pair p;
  p.server.set_peer_address(client_address);
  const Flights f = handshake(p.client, p.server);
  EXPECT_EQ(p.client.version(), "DTLSv1.2");
  EXPECT_EQ(p.server.version(), "DTLSv1.2");
  ASSERT_TRUE(p.client.getpeercert().has_value());  // verified against the CA, for "localhost"
  // The cookie exchange is on by default: the client's first flight is
  // answered by a HelloVerifyRequest, so it sends a second ClientHello.
  EXPECT_GE(f.client_sizes.size(), 3U);

  // Two writes are two datagrams and two reads, never merged.
  EXPECT_EQ(p.client.write(std::string_view("first")), 5U);
  EXPECT_EQ(p.client.write(std::string_view("second!")), 7U);
  const std::vector<Datagram> sent = take(p.client);
  ASSERT_EQ(sent.size(), 2U);
  give(p.server, sent);
  EXPECT_EQ(p.server.read(100), "first");
  EXPECT_EQ(p.server.read(100), "second!");
}

TEST(Dtls, ClientVerifiesByDefault) {
  Context client_ctx(DTLS_CLIENT_METHOD);  // no trust anchors: the server's certificate cannot verify
  EXPECT_EQ(client_ctx.verify_mode(), CERT_REQUIRED);
  EXPECT_TRUE(client_ctx.check_hostname());
  EXPECT_EQ(client_ctx.minimum_version(), TLSVersion::DTLSv1_2);
  Context server_ctx = dtls_server_context();
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  std::error_code ec;
  io_result r;
  for (int round = 0; round < 10; ++round) {
    r = client.do_handshake(ec);
    if (r.status == io_status::error) {
      break;
    }
    give(server, take(client));
    static_cast<void>(server.do_handshake(ec));
    give(client, take(server));
  }
  ASSERT_EQ(r.status, io_status::error);
  EXPECT_EQ(ec, errc::certificate_verify_failed);

  Pair wrong_name;
  Connection c = wrong_name.client_ctx.wrap_bio({.server_hostname = "wrong.example"});
  for (int round = 0; round < 10; ++round) {
    r = c.do_handshake(ec);
    if (r.status == io_status::error) {
      break;
    }
    give(wrong_name.server, take(c));
    static_cast<void>(wrong_name.server.do_handshake(ec));
    give(c, take(wrong_name.server));
  }
  ASSERT_EQ(r.status, io_status::error);
  EXPECT_EQ(ec, errc::certificate_verify_failed);
}

TEST(Dtls, VersionsAreDtlsOnesOnADtlsContext) {
  Context ctx(DTLS_METHOD);
  EXPECT_EQ(ctx.verify_mode(), CERT_NONE);  // pyOpenSSL's DTLS_METHOD: either side, as TLS_METHOD
  EXPECT_THROW(ctx.set_minimum_version(TLSVersion::TLSv1_2), ValueError);
  ctx.set_maximum_version(TLSVersion::DTLSv1_2);
  EXPECT_EQ(ctx.maximum_version(), TLSVersion::DTLSv1_2);
  Context tls(PROTOCOL_TLS_CLIENT);
  EXPECT_THROW(tls.set_minimum_version(TLSVersion::DTLSv1_2), ValueError);
  EXPECT_THROW(tls.set_srtp_profiles("SRTP_AES128_CM_SHA1_80"), ValueError);
  EXPECT_THROW(tls.set_cookie_verify_callback([](Connection&, std::span<const std::byte>) { return true; }),
               ValueError);
  Connection tls_conn = tls.wrap_bio({.server_hostname = "localhost"});
  EXPECT_THROW(tls_conn.set_ciphertext_mtu(1000), ValueError);
  EXPECT_FALSE(tls_conn.dtls_timeout().has_value());
  std::error_code ec;
  EXPECT_EQ(tls_conn.dtls_listen(ec).status, io_status::error);
  EXPECT_EQ(ec, errc::invalid_argument);
  // A stream socket cannot carry DTLS.
  Socket s(AF_INET, SOCK_STREAM);
  EXPECT_THROW(static_cast<void>(ctx.wrap_socket(std::move(s), {.server_side = true})), ValueError);
}

// The stateless exchange: a listening connection answers a ClientHello
// without a cookie with a HelloVerifyRequest and forgets it; the second
// ClientHello, from the same address, passes and the handshake goes on.
TEST(Dtls, ListenIsStatelessUntilTheCookieVerifies) {
  Pair p;
  Connection listener = p.server_ctx.wrap_bio({.server_side = true});
  std::error_code ec;
  EXPECT_THROW(static_cast<void>(listener.dtls_listen()), ValueError);  // no peer address: default cookie refuses
  listener.set_peer_address(client_address);

  ASSERT_EQ(p.client.do_handshake(ec).status, io_status::want_read);
  give(listener, take(p.client));
  EXPECT_EQ(listener.dtls_listen(ec).status, io_status::want_read);
  std::vector<Datagram> verify_request = take(listener);
  ASSERT_EQ(verify_request.size(), 1U);
  EXPECT_LT(verify_request[0].size(), 100U);  // small: no amplification

  // The same ClientHello replayed from another address gets no further.
  give(p.client, verify_request);
  ASSERT_EQ(p.client.do_handshake(ec).status, io_status::want_read);
  const std::vector<Datagram> second_hello = take(p.client);
  Connection elsewhere = p.server_ctx.wrap_bio({.server_side = true});
  elsewhere.set_peer_address({"127.0.0.2", 40000, AF_INET});
  give(elsewhere, second_hello);
  EXPECT_EQ(elsewhere.dtls_listen(ec).status, io_status::want_read);

  give(listener, second_hello);
  ASSERT_EQ(listener.dtls_listen(ec).status, io_status::ok) << ec.message();
  EXPECT_EQ(listener.peer_address(), client_address);
  handshake(p.client, listener);
  EXPECT_EQ(listener.version(), "DTLSv1.2");
}

TEST(Dtls, CookieCallbacksReplaceTheDefault) {
  Pair p;
  int generated = 0;
  int verified = 0;
  p.server_ctx.set_cookie_generate_callback([&](Connection&) {
    ++generated;
    return bytes("a cookie of ours");
  });
  p.server_ctx.set_cookie_verify_callback([&](Connection&, std::span<const std::byte> cookie) {
    ++verified;
    return Datagram(cookie.begin(), cookie.end()) == bytes("a cookie of ours");
  });
  Connection listener = p.server_ctx.wrap_bio({.server_side = true});  // no address needed with callbacks
  std::error_code ec;
  static_cast<void>(p.client.do_handshake(ec));
  give(listener, take(p.client));
  EXPECT_FALSE(listener.dtls_listen());
  give(p.client, take(listener));
  static_cast<void>(p.client.do_handshake(ec));
  give(listener, take(p.client));
  EXPECT_TRUE(listener.dtls_listen());
  EXPECT_EQ(generated, 1);
  EXPECT_EQ(verified, 1);

  // A callback that gives no cookie fails the listen with a typed error.
  p.server_ctx.set_cookie_generate_callback([](Connection&) { return Datagram{}; });
  Connection other_client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection other = p.server_ctx.wrap_bio({.server_side = true});
  static_cast<void>(other_client.do_handshake(ec));
  give(other, take(other_client));
  EXPECT_EQ(other.dtls_listen(ec).status, io_status::error);
  EXPECT_EQ(ec, errc::callback_failed);
}

TEST(Dtls, LostFlightIsRetransmittedOnTheTimer) {
  Pair p;
  std::error_code ec;
  EXPECT_FALSE(p.client.dtls_timeout().has_value());  // nothing sent, nothing to retransmit
  ASSERT_EQ(p.client.do_handshake(ec).status, io_status::want_read);
  const std::vector<Datagram> lost = take(p.client);  // the ClientHello never arrives
  ASSERT_FALSE(lost.empty());
  const std::optional<std::chrono::nanoseconds> left = p.client.dtls_timeout();
  ASSERT_TRUE(left.has_value());
  EXPECT_LE(*left, std::chrono::seconds(1));
  EXPECT_FALSE(p.client.handle_dtls_timeout());  // not yet due
  std::this_thread::sleep_for(*left + std::chrono::milliseconds(20));
  EXPECT_TRUE((p.client.DTLSv1_handle_timeout)());
  const std::vector<Datagram> again = take(p.client);
  ASSERT_EQ(again.size(), lost.size());
  EXPECT_EQ(again[0].size(), lost[0].size());
  give(p.server, again);
  p.server.set_peer_address(client_address);
  handshake(p.client, p.server);
  EXPECT_EQ(p.client.version(), "DTLSv1.2");
}

// An MTU smaller than the certificate: every handshake datagram fits, the
// certificate travels in fragments, and a write larger than one datagram
// holds is refused rather than sent to be fragmented by IP.
TEST(Dtls, SmallMtuFragmentsTheHandshake) {
  Context client_ctx = dtls_client_context();
  Context server_ctx = dtls_server_context(&pki().server_rsa);
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  EXPECT_THROW(client.set_ciphertext_mtu(100), ValueError);
  client.set_ciphertext_mtu(400);
  server.set_ciphertext_mtu(400);
  ASSERT_GT(pki().server_rsa.credential.certificate.der().size(), 400U);
  const Flights f = handshake(client, server);
  ASSERT_FALSE(f.server_sizes.empty());
  EXPECT_LE(*std::max_element(f.server_sizes.begin(), f.server_sizes.end()), 400U);
  EXPECT_LE(*std::max_element(f.client_sizes.begin(), f.client_sizes.end()), 400U);

  const std::size_t room = client.get_cleartext_mtu();
  EXPECT_GT(room, 300U);
  EXPECT_LT(room, 400U);
  std::string fits(room, 'x');
  EXPECT_EQ(client.write(fits), room);
  const std::vector<Datagram> one = take(client);
  ASSERT_EQ(one.size(), 1U);
  EXPECT_LE(one[0].size(), 400U);
  std::error_code ec;
  const std::string too_big(room + 1, 'x');
  EXPECT_EQ(client.write(std::as_bytes(std::span(too_big)), ec).status, io_status::error);
  EXPECT_EQ(ec, errc::invalid_argument);
  EXPECT_EQ(client.write(std::string_view("still usable")), 12U);
}

TEST(Dtls, SrtpProfileAndKeysAgree) {
  Pair p;
  EXPECT_THROW(p.client_ctx.set_srtp_profiles("SRTP_NOT_A_PROFILE"), ValueError);
  p.client_ctx.set_srtp_profiles("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80");
  p.server_ctx.set_tlsext_use_srtp("SRTP_AES128_CM_SHA1_80");
  Connection client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = p.server_ctx.wrap_bio({.server_side = true});
  EXPECT_THROW(static_cast<void>(client.srtp_keys()), ValueError);
  handshake(client, server);
  EXPECT_EQ(client.selected_srtp_profile(), "SRTP_AES128_CM_SHA1_80");
  EXPECT_EQ(server.get_selected_srtp_profile(), "SRTP_AES128_CM_SHA1_80");
  const SrtpKeys a = client.srtp_keys();
  const SrtpKeys b = server.srtp_keys();
  EXPECT_EQ(a.client_key.size(), 16U);
  EXPECT_EQ(a.client_salt.size(), 14U);
  EXPECT_TRUE(a.client_key == b.client_key);
  EXPECT_TRUE(a.server_salt == b.server_salt);
  EXPECT_FALSE(a.client_key == a.server_key);
  // Without profiles on both ends there is none.
  EXPECT_FALSE(p.client.selected_srtp_profile().has_value());
}

// What a hostile network may send: each is dropped (the connection goes
// on) or refused at the door, never a crash or a stuck connection.
TEST(Dtls, HostileDatagramsAreDropped) {
  Pair p;
  std::error_code ec;
  p.server.set_peer_address(client_address);
  // Not DTLS at all, and an empty and an oversized datagram.
  EXPECT_EQ(p.server.bio_write(std::string_view("GET / HTTP/1.1\r\n\r\n")), 18U);
  EXPECT_EQ(p.server.bio_write(std::span<const std::byte>()), 0U);
  const Datagram huge(70000, std::byte{0x16});
  EXPECT_EQ(p.server.bio_write(huge), 0U);
  EXPECT_EQ(p.server.do_handshake(ec).status, io_status::want_read) << ec.message();
  EXPECT_TRUE(take(p.server).empty());

  // The input queue is bounded: a flood is dropped, not buffered.
  Connection flooded = p.server_ctx.wrap_bio({.server_side = true});
  const Datagram junk(1000, std::byte{0x17});
  std::size_t taken = 0;
  for (int i = 0; i < 1000; ++i) {
    taken += flooded.bio_write(junk);
  }
  EXPECT_LE(taken, 256U * 1024U);

  handshake(p.client, p.server);
  EXPECT_EQ(p.client.write(std::string_view("once")), 4U);
  const std::vector<Datagram> record = take(p.client);
  ASSERT_EQ(record.size(), 1U);
  give(p.server, record);
  EXPECT_EQ(p.server.read(100), "once");
  // A replayed record, a truncated one, and one with its bytes flipped:
  // all dropped, and the connection still reads what comes next.
  give(p.server, record);
  Datagram cut(record[0].begin(), record[0].begin() + 20);
  give(p.server, {cut});
  Datagram flipped = record[0];
  flipped.back() ^= std::byte{1};
  give(p.server, {flipped});
  std::byte out[100];
  EXPECT_EQ(p.server.read(out, ec).status, io_status::want_read) << ec.message();
  EXPECT_EQ(p.client.write(std::string_view("twice")), 5U);
  give(p.server, take(p.client));
  EXPECT_EQ(p.server.read(100), "twice");
}

// Records of an earlier epoch (the handshake's, sent in the clear) that
// come again after the handshake are dropped; so is a record whose epoch
// field was changed (its MAC no longer matches, or no keys exist for it).
TEST(Dtls, RecordsFromAnotherEpochAreDropped) {
  Pair p;
  p.server.set_peer_address(client_address);
  std::error_code ec;
  ASSERT_EQ(p.client.do_handshake(ec).status, io_status::want_read);
  const std::vector<Datagram> first_hello = take(p.client);
  give(p.server, first_hello);
  handshake(p.client, p.server);
  give(p.server, first_hello);  // epoch 0, long after epoch 1 began
  EXPECT_EQ(p.client.write(std::string_view("epoch one")), 9U);
  std::vector<Datagram> record = take(p.client);
  ASSERT_EQ(record.size(), 1U);
  Datagram other_epoch = record[0];
  other_epoch[4] ^= std::byte{0x02};  // the epoch's low byte (bytes 3-4 of the header)
  give(p.server, {other_epoch});
  std::byte out[100];
  EXPECT_EQ(p.server.read(out, ec).status, io_status::want_read) << ec.message();
  EXPECT_TRUE(take(p.server).empty());  // no answer to either
  give(p.server, record);
  EXPECT_EQ(p.server.read(100), "epoch one");
}

// dtls_listen refuses what would weaken it: more than one datagram checked
// against one address, a connection that has begun a handshake, and one
// cookie callback without the other.
TEST(Dtls, ListenRefusesWhatWouldWeakenTheCookie) {
  Pair p;
  std::error_code ec;
  ASSERT_EQ(p.client.do_handshake(ec).status, io_status::want_read);
  const std::vector<Datagram> hello = take(p.client);
  Connection listener = p.server_ctx.wrap_bio({.server_side = true});
  listener.set_peer_address(client_address);
  give(listener, hello);
  give(listener, hello);
  EXPECT_EQ(listener.dtls_listen(ec).status, io_status::error);
  EXPECT_EQ(ec, errc::invalid_argument);

  // Once a cookie verified, the connection is the client's: no more listening.
  Connection fresh = p.server_ctx.wrap_bio({.server_side = true});
  fresh.set_peer_address(client_address);
  give(fresh, hello);
  ASSERT_EQ(fresh.dtls_listen(ec).status, io_status::want_read);
  give(p.client, take(fresh));
  static_cast<void>(p.client.do_handshake(ec));
  give(fresh, take(p.client));
  ASSERT_EQ(fresh.dtls_listen(ec).status, io_status::ok);
  EXPECT_THROW(static_cast<void>(fresh.dtls_listen()), ValueError);

  Context one_callback = dtls_server_context();
  one_callback.set_cookie_generate_callback([](Connection&) { return bytes("mine"); });
  Connection half = one_callback.wrap_bio({.server_side = true});
  give(half, hello);
  EXPECT_EQ(half.dtls_listen(ec).status, io_status::error);
  EXPECT_EQ(ec, errc::invalid_argument);
}

// A listener keeps nothing for a ClientHello that fails the cookie: a
// flood from forged addresses costs one small answer each and no memory.
TEST(Dtls, ListenerKeepsNoStateForAFlood) {
  Pair p;
  std::error_code ec;
  ASSERT_EQ(p.client.do_handshake(ec).status, io_status::want_read);
  const std::vector<Datagram> hello = take(p.client);
  Connection listener = p.server_ctx.wrap_bio({.server_side = true});
  for (int i = 0; i < 200; ++i) {
    listener.set_peer_address({"10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1), 5000, AF_INET});
    give(listener, hello);
    ASSERT_EQ(listener.dtls_listen(ec).status, io_status::want_read) << ec.message();
    const std::vector<Datagram> answer = take(listener);
    ASSERT_EQ(answer.size(), 1U);
    EXPECT_LT(answer[0].size(), hello[0].size());
    EXPECT_EQ(listener.bio_pending(), 0U);
  }
  // Garbage is dropped without an answer.
  give(listener, {bytes("\x16\xfe\xfd not a record")});
  EXPECT_EQ(listener.dtls_listen(ec).status, io_status::want_read);
  EXPECT_TRUE(take(listener).empty());
}

}  // namespace
}  // namespace sslpp::test
