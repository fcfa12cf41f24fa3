// TLS 1.3 early data (0-RTT): sslpp at both ends over memory (accepted,
// rejected, replayed, too large, every refused call, and the engine's gate
// with early-data calls first), and against openssl s_server / s_client
// over TCP on 127.0.0.1.
#include <sslpp/early_data.hpp>

#include <sslpp/sslpp.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>

#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"
#include "support/socket_driver.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::pki;
using test::transfer;

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s)); }

// early_server is a server context that accepts `max` bytes of early data.
Context early_server(std::uint32_t max = 16384) {
  Context ctx = test::server_context();
  ctx.set_max_early_data(max);
  return ctx;
}

// first_session runs a full handshake between new connections of `client`
// and `server`, reads until the server's tickets have arrived, and returns
// the client's session (its latest ticket).
Session first_session(const Context& client, const Context& server) {
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = server.wrap_bio({.server_side = true});
  EXPECT_TRUE(test::handshake(c, s).ok());
  // The tickets travel ahead of this byte.
  s.write("x");
  transfer(s, c);
  EXPECT_EQ(c.read(1), "x");
  std::optional<Session> session = c.session();
  EXPECT_TRUE(session && session->has_ticket());
  // A connection freed without a shutdown leaves its session unresumable,
  // at either end (the server takes it out of its cache).
  c.shutdown();
  transfer(c, s);
  s.shutdown();
  return *session;
}

// drain_early reads a server's early data until it ends (ok with 0 bytes)
// or the server wants input; `finished` says which.
struct Drained {
  std::string data;
  bool finished = false;
};
Drained drain_early(Connection& s) {
  Drained out;
  std::array<std::byte, 1000> buf{};  // smaller than the largest sends: reads come in pieces
  for (int i = 0; i < 1000; ++i) {
    std::error_code ec;
    const io_result r = s.read_early_data(buf, ec);
    if (r.ok() && r.bytes > 0) {
      out.data.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
      continue;
    }
    EXPECT_TRUE(r.ok() || r.status == io_status::want_read) << ec.message() << ": " << s.last_error().message;
    out.finished = r.ok();
    return out;
  }
  ADD_FAILURE() << "read_early_data never stopped";
  return out;
}

// finish_client passes the server's flight to client `c`, whose
// do_handshake then completes (EndOfEarlyData, Finished), and passes its
// answer to `s`; the server's handshake is left to the caller.
void finish_client(Connection& c, Connection& s, std::size_t chunk = 0) {
  transfer(s, c, chunk);
  std::error_code ec;
  EXPECT_TRUE(c.do_handshake(ec).ok()) << ec.message() << ": " << c.last_error().message;
  transfer(c, s, chunk);
}

// Resumed is how one resumed connection with early data ended.
struct Resumed {
  std::string early_read;  // what the server's read_early_data returned
  EarlyDataStatus client_status = EarlyDataStatus::not_sent;
  EarlyDataStatus server_status = EarlyDataStatus::not_sent;
  bool client_reused = false;
  bool server_reused = false;
};

// resume_with_early_data offers `session` on a new client of `client`,
// sends `early` as early data, and has a new server of `server` read it
// and finish both handshakes; then proves ordinary data flows.
Resumed resume_with_early_data(const Context& client, const Context& server, const Session& session,
                               std::string_view early) {
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  Connection s = server.wrap_bio({.server_side = true});
  std::error_code ec;
  const io_result w = c.write_early_data(bytes_of(early), ec);
  EXPECT_TRUE(w.ok()) << ec.message() << ": " << c.last_error().message;
  EXPECT_EQ(w.bytes, early.size());
  EXPECT_TRUE(w.output_pending);  // the ClientHello and the early data wait for the pump
  transfer(c, s);
  Resumed out;
  Drained got = drain_early(s);  // data, then want_read until EndOfEarlyData (or the end at once if rejected)
  finish_client(c, s);
  if (!got.finished) {
    const Drained rest = drain_early(s);
    got.data += rest.data;
    EXPECT_TRUE(rest.finished);
  }
  EXPECT_TRUE(s.do_handshake(ec).ok()) << ec.message() << ": " << s.last_error().message;
  transfer(s, c);
  EXPECT_TRUE(c.is_handshake_done());
  EXPECT_TRUE(s.is_handshake_done());
  out.early_read = got.data;
  out.client_status = c.early_data_status();
  out.server_status = s.early_data_status();
  out.client_reused = c.session_reused();
  out.server_reused = s.session_reused();
  test::expect_data_flows(c, s, "after early data");
  return out;
}

// ---------------------------------------------------------------------------
// Accepted, rejected, replayed

TEST(EarlyData, AcceptedAndReadBackByteExactOnBothEnds) {
  Context client = test::client_context();
  Context server = early_server(16384);
  EXPECT_EQ(server.max_early_data(), 16384u);
  const Session session = first_session(client, server);
  const std::string early = test::binary_text(5000);  // more than one read's buffer
  const Resumed r = resume_with_early_data(client, server, session, early);
  EXPECT_EQ(r.early_read.size(), early.size());
  EXPECT_TRUE(r.early_read == early);
  EXPECT_EQ(r.client_status, EarlyDataStatus::accepted);
  EXPECT_EQ(r.server_status, EarlyDataStatus::accepted);
  EXPECT_TRUE(r.client_reused);
  EXPECT_TRUE(r.server_reused);
}

TEST(EarlyData, SeveralWritesUpToTheTicketsLimitAndTheThrowingForms) {
  Context client = test::client_context();
  Context server = early_server(300);
  const Session session = first_session(client, server);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  Connection s = server.wrap_bio({.server_side = true});
  EXPECT_EQ(c.early_data_status(), EarlyDataStatus::not_sent);
  EXPECT_EQ(c.write_early_data(bytes_of(std::string(100, 'a'))), 100u);
  EXPECT_EQ(c.write_early_data(bytes_of(std::string(150, 'b'))), 150u);
  EXPECT_EQ(c.write_early_data(bytes_of(std::string(50, 'c'))), 50u);  // exactly the limit
  transfer(c, s);
  std::string got;
  std::array<std::byte, 64> buf{};
  // The throwing form: the data, then SSLWantReadError until the client's
  // EndOfEarlyData arrives.
  for (;;) {
    try {
      const std::size_t n = s.read_early_data(buf);
      ASSERT_GT(n, 0u);
      got.append(reinterpret_cast<const char*>(buf.data()), n);
    } catch (const SSLWantReadError&) {
      break;
    }
  }
  EXPECT_EQ(got, std::string(100, 'a') + std::string(150, 'b') + std::string(50, 'c'));
  transfer(s, c);
  c.do_handshake();
  transfer(c, s);
  EXPECT_EQ(s.read_early_data(buf), 0u);  // the end
  EXPECT_EQ(s.read_early_data(buf), 0u);  // and it stays the end
  s.do_handshake();
  EXPECT_EQ(c.early_data_status(), EarlyDataStatus::accepted);
  EXPECT_EQ(s.early_data_status(), EarlyDataStatus::accepted);
  test::expect_data_flows(c, s, "throwing forms");
}

TEST(EarlyData, RejectedWhenTheServerAllowsNoneAndSentAgainAsData) {
  Context client = test::client_context();
  // Stateless tickets (OP_NO_ANTI_REPLAY) still resume once the server
  // allows no early data, so the refusal is about early data alone.
  Context server = early_server(1024);
  server.set_options(OP_NO_ANTI_REPLAY);
  const Session session = first_session(client, server);
  server.set_max_early_data(0);
  EXPECT_EQ(server.max_early_data(), 0u);
  const Resumed r = resume_with_early_data(client, server, session, "GET / (early)");
  EXPECT_EQ(r.early_read, "");
  EXPECT_EQ(r.client_status, EarlyDataStatus::rejected);
  EXPECT_EQ(r.server_status, EarlyDataStatus::rejected);
  EXPECT_TRUE(r.client_reused);
  EXPECT_TRUE(r.server_reused);
}

TEST(EarlyData, ServerThatNeverCallsReadEarlyDataRejectsCleanly) {
  Context client = test::client_context();
  Context server = early_server();
  const Session session = first_session(client, server);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  Connection s = server.wrap_bio({.server_side = true});
  EXPECT_EQ(c.write_early_data(bytes_of("skipped by the server")), 21u);
  const test::HandshakeResult hs = test::handshake(c, s);
  ASSERT_TRUE(hs.ok()) << hs.client_ec.message() << " / " << hs.server_ec.message();
  EXPECT_EQ(c.early_data_status(), EarlyDataStatus::rejected);
  EXPECT_EQ(s.early_data_status(), EarlyDataStatus::rejected);
  EXPECT_TRUE(s.session_reused());
  // The client sends it again, as ordinary data: it arrives once.
  c.sendall("sent again");
  transfer(c, s);
  EXPECT_EQ(s.read(100), "sent again");
  // read_early_data now: the handshake went on without it.
  std::error_code ec;
  std::array<std::byte, 16> buf{};
  EXPECT_EQ(s.read_early_data(buf, ec).status, io_status::error);
  EXPECT_EQ(ec, errc::invalid_argument);
  EXPECT_NE(s.last_error().message.find("started without it"), std::string::npos) << s.last_error().message;
  test::expect_data_flows(c, s, "after the refusal");
}

TEST(EarlyData, ReplayedTicketIsRejectedWithAntiReplay) {
  Context client = test::client_context();
  Context server = early_server();
  const Session session = first_session(client, server);
  const Resumed first = resume_with_early_data(client, server, session, "once");
  EXPECT_EQ(first.server_status, EarlyDataStatus::accepted);
  EXPECT_EQ(first.early_read, "once");
  // The same ticket again, as a replaying attacker would send it: the
  // server has used it up and falls back to a full handshake.
  const Resumed replay = resume_with_early_data(client, server, session, "once");
  EXPECT_EQ(replay.early_read, "");
  EXPECT_EQ(replay.client_status, EarlyDataStatus::rejected);
  EXPECT_EQ(replay.server_status, EarlyDataStatus::rejected);
  EXPECT_FALSE(replay.server_reused);
  EXPECT_FALSE(replay.client_reused);
}

TEST(EarlyData, NoAntiReplayAcceptsTheSameTicketTwice) {
  Context client = test::client_context();
  Context server = early_server();
  server.set_options(OP_NO_ANTI_REPLAY);
  EXPECT_TRUE((server.options() & OP_NO_ANTI_REPLAY) == OP_NO_ANTI_REPLAY);
  const Session session = first_session(client, server);
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const Resumed r = resume_with_early_data(client, server, session, "twice");
    EXPECT_EQ(r.early_read, "twice");
    EXPECT_EQ(r.client_status, EarlyDataStatus::accepted);
    EXPECT_EQ(r.server_status, EarlyDataStatus::accepted);
  }
}

TEST(EarlyData, AntiReplayNeedsTheServersSessionCache) {
  // With anti-replay on, tickets name sessions in the server's cache; a
  // server without one cannot resume them at all, so no early data.
  Context client = test::client_context();
  Context server = early_server();
  ::SSL_CTX_set_session_cache_mode(server.native_handle(), SSL_SESS_CACHE_OFF);
  const Session session = first_session(client, server);
  const Resumed r = resume_with_early_data(client, server, session, "no cache");
  EXPECT_EQ(r.early_read, "");
  EXPECT_EQ(r.server_status, EarlyDataStatus::rejected);
  EXPECT_FALSE(r.server_reused);
}

TEST(EarlyData, OffByDefault) {
  Context client = test::client_context();
  Context server = test::server_context();
  EXPECT_EQ(server.max_early_data(), 0u);
  const Session session = first_session(client, server);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  EXPECT_THROW(
      {
        try {
          c.write_early_data(bytes_of("no"));
        } catch (const ValueError& e) {
          EXPECT_NE(std::string(e.what()).find("does not allow early data"), std::string::npos) << e.what();
          throw;
        }
      },
      ValueError);
  // Refused before any I/O: the connection resumes as if nothing happened.
  Connection s = server.wrap_bio({.server_side = true});
  ASSERT_TRUE(test::handshake(c, s).ok());
  EXPECT_TRUE(c.session_reused());
  EXPECT_EQ(c.early_data_status(), EarlyDataStatus::not_sent);
  EXPECT_EQ(s.early_data_status(), EarlyDataStatus::not_sent);
}

// ---------------------------------------------------------------------------
// Refused calls: ValueError, or errc::invalid_argument and io_status::error

// expect_refused checks a refused status-form call: invalid_argument, a
// message containing `words`, nothing sent, and not sticky.
void expect_refused(const io_result& r, const std::error_code& ec, const Connection& conn, std::string_view words) {
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.bytes, 0u);
  EXPECT_EQ(ec, errc::invalid_argument);
  EXPECT_EQ(conn.last_error().code, errc::invalid_argument);
  EXPECT_NE(conn.last_error().message.find(words), std::string::npos) << conn.last_error().message;
}

TEST(EarlyData, TooLargeCountsWhatWasAlreadySent) {
  Context client = test::client_context();
  Context server = early_server(100);
  const Session session = first_session(client, server);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  std::error_code ec;
  io_result r = c.write_early_data(bytes_of(std::string(101, 'x')), ec);
  expect_refused(r, ec, c, "101 bytes is more than the session's ticket allows (100 bytes");
  EXPECT_EQ(c.bio_pending(), 0u);  // before any I/O
  EXPECT_EQ(c.write_early_data(bytes_of(std::string(60, 'x'))), 60u);
  r = c.write_early_data(bytes_of(std::string(41, 'y')), ec);
  expect_refused(r, ec, c, "60 already sent");
  EXPECT_THROW(c.write_early_data(bytes_of(std::string(41, 'y'))), ValueError);
  EXPECT_EQ(c.write_early_data(bytes_of(std::string(40, 'z'))), 40u);
  // The refusals left the connection whole: the server takes all 100 bytes.
  Connection s = server.wrap_bio({.server_side = true});
  transfer(c, s);
  const Drained got = drain_early(s);
  EXPECT_EQ(got.data, std::string(60, 'x') + std::string(40, 'z'));
  finish_client(c, s);
  EXPECT_TRUE(drain_early(s).finished);
  ASSERT_TRUE(test::handshake(c, s).ok());
  EXPECT_EQ(s.early_data_status(), EarlyDataStatus::accepted);
}

TEST(EarlyData, WriteEarlyDataRefusals) {
  Context client = test::client_context();
  Context server = early_server();
  const Session session = first_session(client, server);
  std::error_code ec;
  {
    SCOPED_TRACE("on a server");
    Connection s = server.wrap_bio({.server_side = true});
    expect_refused(s.write_early_data(bytes_of("x"), ec), ec, s, "write_early_data is for clients");
    EXPECT_THROW(s.write_early_data(bytes_of("x")), ValueError);
  }
  {
    SCOPED_TRACE("without a session");
    Connection c = client.wrap_bio({.server_hostname = "localhost"});
    expect_refused(c.write_early_data(bytes_of("x"), ec), ec, c, "needs a session to resume");
    EXPECT_THROW(c.write_early_data(bytes_of("x")), ValueError);
    Connection s = server.wrap_bio({.server_side = true});
    EXPECT_TRUE(test::handshake(c, s).ok());  // not sticky
  }
  {
    SCOPED_TRACE("a session whose connection ended without shutdown");
    std::optional<Session> dropped;
    {
      Connection c = client.wrap_bio({.server_hostname = "localhost"});
      Connection s = server.wrap_bio({.server_side = true});
      ASSERT_TRUE(test::handshake(c, s).ok());
      s.write("x");
      transfer(s, c);
      EXPECT_EQ(c.read(1), "x");
      dropped = c.session();
    }
    Connection c = client.wrap_bio({.server_hostname = "localhost", .session = dropped});
    expect_refused(c.write_early_data(bytes_of("x"), ec), ec, c, "can no longer be resumed");
  }
  {
    SCOPED_TRACE("a TLS 1.2 session");
    Context tls12 = test::server_context();
    tls12.set_maximum_version(TLSVersion::TLSv1_2);
    tls12.set_max_early_data(1024);
    const Session old = first_session(client, tls12);
    Connection c = client.wrap_bio({.server_hostname = "localhost", .session = old});
    expect_refused(c.write_early_data(bytes_of("x"), ec), ec, c, "does not allow early data");
  }
  {
    SCOPED_TRACE("after do_handshake started");
    Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
    EXPECT_EQ(c.do_handshake(ec).status, io_status::want_read);
    expect_refused(c.write_early_data(bytes_of("x"), ec), ec, c, "the handshake has moved on");
  }
  {
    SCOPED_TRACE("after early data, then do_handshake");
    Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
    EXPECT_TRUE(c.write_early_data(bytes_of("x"), ec).ok());
    EXPECT_EQ(c.do_handshake(ec).status, io_status::want_read);
    expect_refused(c.write_early_data(bytes_of("x"), ec), ec, c, "the handshake has moved on");
    EXPECT_THROW(c.write_early_data(bytes_of("x")), ValueError);
  }
  {
    SCOPED_TRACE("after the handshake");
    Context plain_server = test::server_context();
    Connection c = client.wrap_bio({.server_hostname = "localhost"});
    Connection s = plain_server.wrap_bio({.server_side = true});
    ASSERT_TRUE(test::handshake(c, s).ok());
    expect_refused(c.write_early_data(bytes_of("x"), ec), ec, c, "the handshake has moved on");
    test::expect_data_flows(c, s, "not sticky");
  }
}

TEST(EarlyData, ReadEarlyDataRefusals) {
  Context client = test::client_context();
  Context server = early_server();
  std::error_code ec;
  std::array<std::byte, 16> buf{};
  {
    SCOPED_TRACE("on a client");
    Connection c = client.wrap_bio({.server_hostname = "localhost"});
    expect_refused(c.read_early_data(buf, ec), ec, c, "read_early_data is for servers");
    EXPECT_THROW(c.read_early_data(buf), ValueError);
  }
  {
    SCOPED_TRACE("no room");
    Connection s = server.wrap_bio({.server_side = true});
    expect_refused(s.read_early_data(std::span<std::byte>(), ec), ec, s, "at least one byte");
    EXPECT_THROW(s.read_early_data(std::span<std::byte>()), ValueError);
  }
  {
    SCOPED_TRACE("after do_handshake");
    Connection s = server.wrap_bio({.server_side = true});
    EXPECT_EQ(s.do_handshake(ec).status, io_status::want_read);
    expect_refused(s.read_early_data(buf, ec), ec, s, "started without it");
  }
  {
    SCOPED_TRACE("from a client without early data: the end at once");
    Connection c = client.wrap_bio({.server_hostname = "localhost"});
    Connection s = server.wrap_bio({.server_side = true});
    EXPECT_EQ(s.read_early_data(buf, ec).status, io_status::want_read);  // no ClientHello yet
    c.do_handshake(ec);
    transfer(c, s);
    const io_result r = s.read_early_data(buf, ec);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.bytes, 0u);
    EXPECT_EQ(s.early_data_status(), EarlyDataStatus::not_sent);
    transfer(s, c);
    ASSERT_TRUE(test::handshake(c, s).ok());
    EXPECT_EQ(c.early_data_status(), EarlyDataStatus::not_sent);
  }
}

// ---------------------------------------------------------------------------
// The engine around the early-data calls

TEST(EarlyData, ServerMustReadEarlyDataToItsEndBeforeOtherCalls) {
  Context client = test::client_context();
  Context server = early_server();
  const Session session = first_session(client, server);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  Connection s = server.wrap_bio({.server_side = true});
  c.write_early_data(bytes_of("first record"));
  c.write_early_data(bytes_of("second record"));
  transfer(c, s);
  std::array<std::byte, 5> buf{};
  std::error_code ec;
  io_result r = s.read_early_data(buf, ec);
  ASSERT_TRUE(r.ok());
  std::string got(reinterpret_cast<const char*>(buf.data()), r.bytes);
  // OpenSSL would fail the connection on the early data left unread.
  expect_refused(s.do_handshake(ec), ec, s, "read early data to its end first");
  expect_refused(s.read(buf, ec), ec, s, "read early data to its end first");
  EXPECT_THROW(s.write("x"), ValueError);
  // Nothing was lost: the rest follows, and the handshake completes.
  got += drain_early(s).data;
  EXPECT_EQ(got, "first recordsecond record");
  finish_client(c, s);
  EXPECT_TRUE(drain_early(s).finished);
  EXPECT_TRUE(s.do_handshake(ec).ok()) << ec.message();
  EXPECT_EQ(s.early_data_status(), EarlyDataStatus::accepted);
  transfer(s, c);
  test::expect_data_flows(c, s, "after the refusals");
}

TEST(EarlyData, AnyOtherClientCallEndsItsEarlyData) {
  Context client = test::client_context();
  Context server = early_server();
  const Session session = first_session(client, server);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  Connection s = server.wrap_bio({.server_side = true});
  std::error_code ec;
  ASSERT_TRUE(c.write_early_data(bytes_of("one"), ec).ok());
  std::array<std::byte, 16> buf{};
  // A read ends the client's early data: later early writes are refused.
  EXPECT_EQ(c.read(buf, ec).status, io_status::want_read);
  expect_refused(c.write_early_data(bytes_of("two"), ec), ec, c, "the handshake has moved on");
  transfer(c, s);
  EXPECT_EQ(drain_early(s).data, "one");
  finish_client(c, s);
  EXPECT_TRUE(drain_early(s).finished);
  EXPECT_TRUE(s.do_handshake(ec).ok()) << ec.message();
  EXPECT_EQ(c.early_data_status(), EarlyDataStatus::accepted);
}

TEST(EarlyData, StickyErrorComesBeforeTheChecks) {
  Context client = test::client_context();
  Context server = early_server();
  const Session session = first_session(client, server);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  std::error_code ec;
  ASSERT_TRUE(c.write_early_data(bytes_of("x"), ec).ok());
  // Not TLS: the client's next call fails for good.
  const std::string junk(64, '\x17');
  c.bio_write(bytes_of(junk));
  EXPECT_EQ(c.do_handshake(ec).status, io_status::error);
  const std::error_code first = ec;
  ASSERT_NE(first, errc::invalid_argument);
  // Every later call, early-data ones included, reports that error again.
  EXPECT_EQ(c.write_early_data(bytes_of(std::string(1 << 20, 'x')), ec).status, io_status::error);
  EXPECT_EQ(ec, first);
  Connection s = server.wrap_bio({.server_side = true});
  std::array<std::byte, 16> buf{};
  s.bio_write(bytes_of(junk));
  EXPECT_EQ(s.read_early_data(buf, ec).status, io_status::error);
  const std::error_code server_first = ec;
  EXPECT_NE(server_first, errc::invalid_argument);
  EXPECT_EQ(s.read_early_data(buf, ec).status, io_status::error);
  EXPECT_EQ(ec, server_first);
  EXPECT_EQ(s.do_handshake(ec).status, io_status::error);
  EXPECT_EQ(ec, server_first);
}

TEST(EarlyData, PolicyIsAppliedAtTheFirstEarlyWrite) {
  Context client = test::client_context();  // checks host names
  Context server = early_server();
  const Session session = first_session(client, server);
  Connection c(client);
  c.set_connect_state();
  c.set_session(session);
  std::error_code ec;
  // The first I/O call applies the policy, which needs the name to check.
  io_result r = c.write_early_data(bytes_of("early"), ec);
  expect_refused(r, ec, c, "check_hostname requires server_hostname");
  c.set_server_hostname("localhost");
  r = c.write_early_data(bytes_of("early"), ec);
  ASSERT_TRUE(r.ok()) << ec.message();
  Connection s = server.wrap_bio({.server_side = true});
  transfer(c, s);
  EXPECT_EQ(drain_early(s).data, "early");
  finish_client(c, s);
  EXPECT_TRUE(drain_early(s).finished);
  ASSERT_TRUE(test::handshake(c, s).ok());
  EXPECT_EQ(c.early_data_status(), EarlyDataStatus::accepted);
  EXPECT_EQ(c.verify_result(), 0);
}

TEST(EarlyData, FullOutputQueueAndStarvedTransport) {
  Context client = test::client_context();
  Context server = early_server();
  const Session session = first_session(client, server);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  Connection s = server.wrap_bio({.server_side = true});
  // A small output queue: the early data waits for room, want_write.
  c.set_transport_limits({.input = 1 << 20, .output = 512});
  const std::string early = test::binary_text(3000);
  std::error_code ec;
  io_result r = c.write_early_data(bytes_of(early), ec);
  int waits = 0;
  while (r.status == io_status::want_write && waits < 1000) {
    ++waits;
    transfer(c, s, 100);  // one byte ... a hundred at a time
    r = c.write_early_data(bytes_of(early), ec);  // the same bytes again, as OpenSSL requires
  }
  ASSERT_TRUE(r.ok()) << ec.message() << ": " << c.last_error().message;
  EXPECT_GT(waits, 0);
  EXPECT_EQ(r.bytes, early.size());
  transfer(c, s, 1);
  Drained got = drain_early(s);
  EXPECT_EQ(got.data.size(), early.size());
  EXPECT_TRUE(got.data == early);
  finish_client(c, s, 7);
  EXPECT_TRUE(drain_early(s).finished);
  ASSERT_TRUE(test::handshake(c, s, 7).ok());
  EXPECT_EQ(s.early_data_status(), EarlyDataStatus::accepted);
}

// Early data leaves before the handshake holds a resumed session to the
// connection's policy, so write_early_data holds it first: a session made
// while the context did not verify is refused once it does.
TEST(EarlyData, SessionMadeWithoutVerificationSendsNoEarlyData) {
  // A server whose certificate the client's CA did not issue: only a
  // client that does not verify completes a handshake with it.
  Context stranger = test::server_context(&pki().untrusted);
  stranger.set_max_early_data(16384);
  Context client = test::client_context();
  client.set_check_hostname(false);
  client.set_verify_mode(CERT_NONE);
  const Session session = first_session(client, stranger);
  client.set_verify_mode(CERT_REQUIRED);
  client.set_check_hostname(true);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  std::error_code ec;
  const io_result r = c.write_early_data(bytes_of("secret request"), ec);
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(ec, make_error_code(errc::invalid_argument));
  EXPECT_NE(c.last_error().message.find("not verified"), std::string::npos) << c.last_error().message;
  EXPECT_TRUE(c.peek_output().empty());  // nothing left for the network
  // A session made under verification still may.
  const Context server = early_server();
  const Session verified = first_session(client, server);
  Connection d = client.wrap_bio({.server_hostname = "localhost", .session = verified});
  EXPECT_TRUE(d.write_early_data(bytes_of("request"), ec).ok()) << ec.message();
}

TEST(EarlyData, ClientContextHasNoMaxEarlyData) {
  Context client = test::client_context();
  EXPECT_THROW(client.set_max_early_data(1024), ValueError);
  EXPECT_EQ(client.max_early_data(), 0u);
}

// ---------------------------------------------------------------------------
// Interop: openssl s_server and s_client on 127.0.0.1

// wait_for_file_text waits, within the peers' timeout, until the file at
// `path` holds `text`.
bool wait_for_file_text(const std::filesystem::path& path, std::string_view text) {
  const auto deadline = std::chrono::steady_clock::now() + test::peer_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (content.find(text) != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(EarlyDataInterop, OpenSSLServerAcceptsOurEarlyData) {
  // Anti-replay is s_server's default once it allows early data; both
  // connections go to the one process, whose session cache holds the ticket.
  test::SServer server = test::start_s_server(pki().server, {"-tls1_3", "-early_data", "-max_early_data", "1024"}, 2);
  Context ctx = test::client_context();
  std::optional<Session> session;
  {
    SSLSocket sock = test::connect_tls(ctx, server.port, {.server_hostname = "localhost"});
    test::SocketDriver driver(sock);
    ASSERT_TRUE(driver.handshake().ok()) << server.proc->describe();
    // s_server sends its stdin to the client; the tickets come before it.
    ASSERT_TRUE(server.proc->write_stdin("ticket\n"));
    ASSERT_EQ(driver.read(7).data, "ticket\n") << server.proc->describe();
    session = sock.connection().session();
    ASSERT_TRUE(session && session->has_ticket());
    EXPECT_EQ(::SSL_SESSION_get_max_early_data(session->native_handle()), 1024u);
    static_cast<void>(driver.shutdown(false));
  }
  SSLSocket sock = test::connect_tls(ctx, server.port, {.server_hostname = "localhost", .session = session});
  test::SocketDriver driver(sock);
  Connection& conn = sock.connection();
  const std::string early = "early from sslpp\n";
  std::error_code ec;
  const io_result w = test::drive_call(sock, ec, [&](std::error_code& e) { return conn.write_early_data(bytes_of(early), e); });
  ASSERT_TRUE(w.ok()) << ec.message() << ": " << conn.last_error().message;
  EXPECT_EQ(w.bytes, early.size());
  const test::DriveResult hs = driver.handshake();
  ASSERT_TRUE(hs.ok()) << hs.ec.message() << "\n" << server.proc->describe();
  EXPECT_EQ(conn.early_data_status(), EarlyDataStatus::accepted);
  EXPECT_TRUE(conn.session_reused());
  ASSERT_TRUE(server.proc->wait_for_line("End of early data")) << server.proc->describe();
  // s_server writes the data itself straight to its stdout, and its
  // (buffered) header and trailer around it when it flushes: all of them
  // are there, and no word of a rejection.
  const std::string out = server.proc->stdout_seen();
  EXPECT_NE(out.find(early), std::string::npos) << out;
  EXPECT_NE(out.find("Early data received:"), std::string::npos) << out;
  EXPECT_EQ(out.find("Early data was rejected"), std::string::npos) << out;
  static_cast<void>(driver.shutdown(false));
}

TEST(EarlyDataInterop, OpenSSLClientSendsUsEarlyData) {
  Context ctx = early_server(1024);
  const std::filesystem::path dir = pki().dir / "early-data-s_client";
  std::filesystem::create_directories(dir);
  const std::filesystem::path sess = dir / "session.pem";
  const std::filesystem::path data = dir / "early.txt";
  std::filesystem::remove(sess);
  const std::string early = std::string("early from s_client\n") + test::binary_text(200);
  test::write_text(data, early);
  {
    test::SClient c(ctx.share(), {"-tls1_3", "-sess_out", test::path(sess)});
    ASSERT_TRUE(c.driver.handshake().ok()) << c.proc->describe();
    // s_client stores each ticket in the file as it arrives (its stdout,
    // a pipe, is buffered: the file is what tells).
    ASSERT_TRUE(wait_for_file_text(sess, "END SSL SESSION PARAMETERS")) << c.proc->describe();
    c.proc->close_stdin();  // s_client then closes the connection and exits
    static_cast<void>(c.driver.read_to_end());
    // Our shutdown keeps the session of the last ticket in the cache: a
    // server connection freed without one takes it out.
    static_cast<void>(c.driver.shutdown(false));
    EXPECT_EQ(c.proc->wait(), 0) << c.proc->describe();
  }
  test::SClient c(ctx.share(), {"-tls1_3", "-sess_in", test::path(sess), "-early_data", test::path(data)});
  Connection& conn = c.conn;
  std::string got;
  std::array<std::byte, 64> buf{};
  for (int i = 0; i < 1000; ++i) {
    std::error_code ec;
    const io_result r = test::drive_call(c.sock, ec, [&](std::error_code& e) { return conn.read_early_data(buf, e); });
    ASSERT_TRUE(r.ok()) << ec.message() << ": " << conn.last_error().message << "\n" << c.proc->describe();
    if (r.bytes == 0) {
      break;
    }
    got.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
  }
  const test::DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << hs.ec.message() << "\n" << c.proc->describe();
  EXPECT_EQ(got.size(), early.size());
  EXPECT_TRUE(got == early);
  EXPECT_EQ(conn.early_data_status(), EarlyDataStatus::accepted);
  EXPECT_TRUE(conn.session_reused());
  c.proc->close_stdin();
  static_cast<void>(c.driver.read_to_end());
}

}  // namespace
}  // namespace sslpp
