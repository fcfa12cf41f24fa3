// Write coalescing (Connection::set_coalescing, flush, coalesced) and record
// buffers (BufferPolicy, Connection::release_buffers): small writes gather
// into full records without a byte reordered or lost, across flushes, reads,
// shutdown, a refused renegotiation, output limits and errors; buffers go
// back to the heap without disturbing data in flight.
#include <algorithm>
#include <optional>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include "support/heap.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using test::handshake;
using test::MemoryPair;
using test::transfer;

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s)); }

// read_all reads everything `c` can return now.
std::string read_all(Connection& c) {
  std::string got;
  std::byte buf[4096];
  for (;;) {
    std::error_code ec;
    const io_result r = c.read(buf, ec);
    if (!r.ok()) {
      return got;
    }
    got.append(reinterpret_cast<const char*>(buf), r.bytes);
  }
}

// pattern is `n` bytes that show any reordering: position i holds i's
// low byte mixed with a stream tag.
std::string pattern(std::size_t start, std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t at = start + i;
    s[i] = static_cast<char>((at * 131) ^ (at >> 8));
  }
  return s;
}

// coalescing_behind_a_limit completes p's handshake, then turns coalescing
// on at the client and limits its output queue to `limit` bytes.
void coalescing_behind_a_limit(MemoryPair& p, std::size_t limit) {
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.set_coalescing(true);
  p.client.set_transport_limits({.output = limit});
}

TEST(Coalescing, OffByDefaultAndEachWriteIsARecord) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  EXPECT_FALSE(p.client.coalescing());
  p.client.write("hello");
  EXPECT_EQ(p.client.coalesced(), 0U);
  EXPECT_GT(p.client.bio_pending(), 5U);  // sealed at once
}

TEST(Coalescing, SmallWritesGatherIntoOneFullRecord) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  static_cast<void>(transfer(p.server, p.client));
  static_cast<void>(read_all(p.client));  // the server's tickets
  p.client.set_coalescing(true);
  const std::string message = pattern(0, 64);
  for (int i = 0; i < 255; ++i) {
    std::error_code ec;
    const io_result r = p.client.write(bytes_of(message), ec);
    ASSERT_TRUE(r.ok()) << ec.message();
    EXPECT_EQ(r.bytes, 64U);
    EXPECT_FALSE(r.output_pending);
  }
  EXPECT_EQ(p.client.bio_pending(), 0U);
  EXPECT_EQ(p.client.coalesced(), 255U * 64U);
  // The 256th fills the record, which leaves at once: one record of
  // 16 KiB, not 256 of 64 bytes (5 bytes of header, 17 of type and tag).
  p.client.write(message);
  EXPECT_EQ(p.client.coalesced(), 0U);
  EXPECT_EQ(p.client.bio_pending(), 16384U + 22U);
  static_cast<void>(transfer(p.client, p.server));
  std::string expected;
  for (int i = 0; i < 256; ++i) {
    expected += message;
  }
  EXPECT_EQ(read_all(p.server), expected);
}

TEST(Coalescing, AReadSendsWhatWasGatheredFirst) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.set_coalescing(true);
  p.client.write("request");
  EXPECT_EQ(p.client.bio_pending(), 0U);
  std::byte buf[64];
  std::error_code ec;
  const io_result r = p.client.read(buf, ec);  // waiting for the reply
  EXPECT_EQ(r.status, io_status::want_read);
  EXPECT_TRUE(r.output_pending);  // the request is out
  EXPECT_EQ(p.client.coalesced(), 0U);
  static_cast<void>(transfer(p.client, p.server));
  EXPECT_EQ(read_all(p.server), "request");
}

TEST(Coalescing, FlushSealsAPartialRecord) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.set_coalescing(true);
  p.client.write("one ");
  p.client.write("two");
  EXPECT_EQ(p.client.coalesced(), 7U);
  p.client.flush();
  EXPECT_EQ(p.client.coalesced(), 0U);
  static_cast<void>(transfer(p.client, p.server));
  EXPECT_EQ(read_all(p.server), "one two");
}

TEST(Coalescing, LargeWritesLeaveAsWholeRecordsAndKeepTheirOrder) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.set_coalescing(true);
  const std::string small = pattern(0, 100);
  const std::string large = pattern(100, 40000);  // two whole records and a tail
  p.client.write(small);
  EXPECT_EQ(p.client.write(large), large.size());
  // 100 + 40000 = 2 records of 16 KiB and 7 232 bytes gathered.
  EXPECT_EQ(p.client.coalesced(), 100U + 40000U - 2U * 16384U);
  EXPECT_EQ(p.client.bio_pending(), 2U * (16384U + 22U));
  p.client.flush();
  static_cast<void>(transfer(p.client, p.server));
  EXPECT_EQ(read_all(p.server), small + large);
}

TEST(Coalescing, ShutdownSendsGatheredBytesBeforeCloseNotify) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.set_coalescing(true);
  p.client.write("last words");
  EXPECT_FALSE(p.client.shutdown());  // close_notify out, the peer's awaited
  EXPECT_EQ(p.client.coalesced(), 0U);
  static_cast<void>(transfer(p.client, p.server));
  std::byte buf[64];
  EXPECT_EQ(p.server.read(buf), 10U);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf), 10), "last words");
  EXPECT_EQ(p.server.read(buf), 0U);  // then the close_notify
}

TEST(Coalescing, TurningItOffSendsGatheredBytesBeforeTheNextWrite) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.set_coalescing(true);
  p.client.write("first ");
  p.client.set_coalescing(false);
  EXPECT_EQ(p.client.coalesced(), 6U);  // not flushed by the switch itself
  p.client.write("second");
  EXPECT_EQ(p.client.coalesced(), 0U);
  static_cast<void>(transfer(p.client, p.server));
  EXPECT_EQ(read_all(p.server), "first second");
}

TEST(Coalescing, BeforeTheHandshakeAWriteIsNotGathered) {
  MemoryPair p;
  p.client.set_coalescing(true);
  std::error_code ec;
  const io_result r = p.client.write(bytes_of("early"), ec);  // drives the handshake
  EXPECT_EQ(r.status, io_status::want_read);
  EXPECT_EQ(p.client.coalesced(), 0U);
}

// An output limit holds a flush back: write reports want_write once a full
// record is waiting, takes nothing more, and the stream survives.
TEST(Coalescing, AnOutputLimitHoldsFullRecordsBack) {
  MemoryPair p;
  ASSERT_NO_FATAL_FAILURE(coalescing_behind_a_limit(p, 1000));
  const std::string chunk = pattern(0, 4096);
  std::string sent;
  std::string received;
  for (int round = 0; round < 200 && sent.size() < 100000; ++round) {
    std::error_code ec;
    const std::string piece = pattern(sent.size(), chunk.size());
    const io_result r = p.client.write(bytes_of(piece), ec);
    if (r.ok()) {
      sent += piece.substr(0, r.bytes);
    } else {
      ASSERT_EQ(r.status, io_status::want_write) << ec.message();
      EXPECT_LE(p.client.coalesced(), 16384U);
    }
    static_cast<void>(transfer(p.client, p.server));
    received += read_all(p.server);
  }
  std::error_code ec;
  for (int round = 0; round < 100 && p.client.coalesced() > 0; ++round) {
    static_cast<void>(p.client.flush(ec));
    static_cast<void>(transfer(p.client, p.server));
  }
  received += read_all(p.server);
  EXPECT_EQ(p.client.coalesced(), 0U);
  EXPECT_EQ(received, sent);
  EXPECT_GE(sent.size(), 100000U);
}

// Bad input: random message sizes, random flush, read and toggle points,
// a random output limit; the byte stream the server reads is the one the
// client wrote. Fixed seeds: a failure replays.
TEST(Coalescing, RandomSizesAndFlushPointsNeverChangeTheStream) {
  for (const unsigned seed : {1U, 2U, 3U, 4U, 5U}) {
    MemoryPair p;
    ASSERT_TRUE(handshake(p.client, p.server).ok());
    std::mt19937 rng(seed);
    p.client.set_coalescing(true);
    if (seed % 2 == 0) {
      p.client.set_transport_limits({.output = 3000});
    }
    std::string sent;
    std::string received;
    std::string retry;  // bytes a want_write left to offer again
    for (int op = 0; op < 600; ++op) {
      std::error_code ec;
      switch (rng() % 8) {
        case 0:
          static_cast<void>(p.client.flush(ec));
          break;
        case 1: {
          std::byte buf[16];
          static_cast<void>(p.client.read(buf, ec));  // flushes, finds nothing
          break;
        }
        case 2:
          p.client.set_coalescing(!p.client.coalescing());
          break;
        case 3:
          static_cast<void>(transfer(p.client, p.server, 1 + rng() % 5000));
          received += read_all(p.server);
          break;
        default: {
          // After want_write the same bytes are offered again, as the
          // contract says (OpenSSL may hold them for the retry).
          if (retry.empty()) {
            const std::size_t n = rng() % 8 == 0 ? 1 + rng() % 40000 : 1 + rng() % 300;
            retry = pattern(sent.size(), n);
          }
          const io_result r = p.client.write(bytes_of(retry), ec);
          ASSERT_TRUE(r.ok() || r.status == io_status::want_write) << ec.message();
          if (r.ok()) {
            sent += retry.substr(0, r.bytes);
            retry.erase(0, r.bytes);
          }
        }
      }
    }
    std::error_code ec;
    for (int round = 0; round < 1000 && (p.client.coalesced() > 0 || p.client.bio_pending() > 0); ++round) {
      static_cast<void>(p.client.flush(ec));
      static_cast<void>(transfer(p.client, p.server));
    }
    received += read_all(p.server);
    ASSERT_EQ(p.client.coalesced(), 0U) << "seed " << seed;
    ASSERT_EQ(received.size(), sent.size()) << "seed " << seed;
    EXPECT_TRUE(received == sent) << "seed " << seed << ": the stream differs";
  }
}

// Bad input while bytes are gathered: the read that meets it first sends
// them (or, while an output limit holds them back, waits with them), so a
// failure never finds gathered bytes unsent; every later write and flush
// reports the error.
TEST(Coalescing, GatheredBytesLeaveBeforeAFailureIsMet) {
  MemoryPair p;
  ASSERT_NO_FATAL_FAILURE(coalescing_behind_a_limit(p, 100));
  std::error_code ec;
  ASSERT_EQ(p.client.write(bytes_of(pattern(0, 16384 + 10)), ec).bytes, 16384U);  // a full record, held back
  p.client.bio_write(std::string(64, '\x17'));  // garbage from the "peer"
  std::byte buf[64];
  EXPECT_EQ(p.client.read(buf, ec).status, io_status::want_write);  // the record first
  EXPECT_EQ(p.client.coalesced(), 16384U);
  std::vector<std::byte> sent;
  io_result r;
  for (int round = 0; round < 500; ++round) {
    const std::vector<std::byte> out = test::take_output(p.client);
    sent.insert(sent.end(), out.begin(), out.end());
    r = p.client.read(buf, ec);
    if (r.status != io_status::want_write) {
      break;
    }
  }
  EXPECT_EQ(r.status, io_status::error);  // then the garbage
  EXPECT_EQ(p.client.coalesced(), 0U);    // nothing left unsent behind the failure
  const std::vector<std::byte> rest = test::take_output(p.client);  // the record's end and our alert
  sent.insert(sent.end(), rest.begin(), rest.end());
  p.server.bio_write(sent);
  const std::string got = read_all(p.server);
  EXPECT_EQ(got.size(), 16384U);
  EXPECT_TRUE(got == pattern(0, 16384));
  EXPECT_EQ(p.client.write(bytes_of("more"), ec).status, io_status::error);
  EXPECT_EQ(p.client.flush(ec).status, io_status::error);
}

// A TLS 1.2 server asks to renegotiate; the client (OP_NO_RENEGOTIATION)
// refuses with a warning and carries on. Bytes gathered before and after the
// refusal arrive in order.
TEST(Coalescing, ARefusedRenegotiationKeepsTheStream) {
  Context client_ctx = test::client_context();
  client_ctx.set_options(OP_NO_RENEGOTIATION);
  Context server_ctx = test::server_context();
  server_ctx.set_maximum_version(TLSVersion::TLSv1_2);
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(client, server).ok());
  client.set_coalescing(true);
  client.write("before ");
  server.renegotiate();
  server.sendall("ping");
  static_cast<void>(transfer(server, client));
  EXPECT_EQ(read_all(client), "ping");  // the HelloRequest refused on the way
  client.write("after");
  client.flush();
  static_cast<void>(transfer(client, server));
  std::string got;
  std::byte buf[64];
  for (int i = 0; i < 4; ++i) {
    std::error_code ec;
    const io_result r = server.read(buf, ec);
    if (!r.ok()) {
      break;
    }
    got.append(reinterpret_cast<const char*>(buf), r.bytes);
  }
  // "before " left with the read that met the HelloRequest, ahead of the
  // refusal. OpenSSL 3.0 fails a server whose request is refused, so
  // "after" never arrives: the point is that nothing gathered before the
  // refusal was held back or reordered behind it.
  EXPECT_EQ(got, "before ");
  EXPECT_NE(server.last_error().message.find("RENEGOTIATION"), std::string::npos) << server.last_error().message;
}

// Review findings: OpenSSL's retry rule and the states a release must not
// touch.

// A caller's write that an output limit held half-written is repeated as
// it was, even when coalescing is turned on meanwhile: OpenSSL fails a
// retry with fewer bytes than it holds ("bad length").
TEST(Coalescing, AHalfWrittenWriteIsRepeatedAsItWasAfterCoalescingTurnsOn) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.set_transport_limits({.output = 1000});
  const std::string big = pattern(0, 40000);
  std::error_code ec;
  ASSERT_EQ(p.client.write(bytes_of(big), ec).status, io_status::want_write);
  p.client.set_coalescing(true);
  std::string received;
  io_result r;
  for (int round = 0; round < 200; ++round) {
    static_cast<void>(transfer(p.client, p.server));
    received += read_all(p.server);
    r = p.client.write(bytes_of(big), ec);
    if (r.status != io_status::want_write) {
      break;
    }
  }
  ASSERT_TRUE(r.ok()) << ec.message();
  EXPECT_EQ(r.bytes, big.size());
  p.client.write("+tail");  // gathered now
  for (int round = 0; round < 100 && (p.client.coalesced() > 0 || p.client.bio_pending() > 0); ++round) {
    static_cast<void>(p.client.flush(ec));
    static_cast<void>(transfer(p.client, p.server));
    received += read_all(p.server);
  }
  EXPECT_TRUE(received == big + "+tail") << received.size();
}

// While an output limit holds a gathered record half-written, a read waits
// (want_write): OpenSSL may have to answer what it reads with handshake
// messages, which cannot go behind a half-written record.
TEST(Coalescing, AReadWaitsWhileAFlushIsHeldBack) {
  MemoryPair p;
  ASSERT_NO_FATAL_FAILURE(coalescing_behind_a_limit(p, 1000));
  std::error_code ec;
  ASSERT_EQ(p.client.write(bytes_of(pattern(0, 16384 + 10)), ec).bytes, 16384U);
  std::byte buf[64];
  const io_result r = p.client.read(buf, ec);
  EXPECT_EQ(r.status, io_status::want_write);
  EXPECT_TRUE(r.output_pending);
  std::string received;
  for (int round = 0; round < 100 && p.client.bio_pending() > 0; ++round) {
    static_cast<void>(transfer(p.client, p.server));
    received += read_all(p.server);
    static_cast<void>(p.client.read(buf, ec));  // flushes what the limit allows, then reads
  }
  EXPECT_EQ(received, pattern(0, 16384));
}

TEST(Coalescing, FlushOnAFailedConnectionReportsTheError) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.bio_write(std::string(64, '\x17'));
  std::byte buf[16];
  std::error_code ec;
  ASSERT_EQ(p.client.read(buf, ec).status, io_status::error);
  EXPECT_EQ(p.client.flush(ec).status, io_status::error);
  EXPECT_TRUE(ec);
}

// After our close_notify a write is not gathered (to fail at some later
// flush) but refused at once, as OpenSSL refuses it.
TEST(Coalescing, AWriteAfterShutdownFailsAtOnce) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.set_coalescing(true);
  EXPECT_FALSE(p.client.shutdown());
  std::error_code ec;
  EXPECT_EQ(p.client.write(bytes_of("late"), ec).status, io_status::error);
  EXPECT_EQ(p.client.coalesced(), 0U);
}

// ---------------------------------------------------------------------------
// Buffers

TEST(Buffers, AdaptiveIsTheDefaultAndTheOldSwitchMapsOntoThePolicies) {
  Context ctx;
  EXPECT_EQ(ctx.buffer_policy(), BufferPolicy::adaptive);
  EXPECT_TRUE(ctx.release_buffers());
  EXPECT_EQ(::SSL_CTX_get_mode(ctx.native_handle()) & SSL_MODE_RELEASE_BUFFERS, 0);
  ctx.set_release_buffers(false);
  EXPECT_EQ(ctx.buffer_policy(), BufferPolicy::keep);
  ctx.set_release_buffers(true);
  EXPECT_EQ(ctx.buffer_policy(), BufferPolicy::release_per_record);
  EXPECT_NE(::SSL_CTX_get_mode(ctx.native_handle()) & SSL_MODE_RELEASE_BUFFERS, 0);
  ctx.set_buffer_policy(BufferPolicy::adaptive);
  EXPECT_EQ(ctx.buffer_policy(), BufferPolicy::adaptive);
  EXPECT_EQ(::SSL_CTX_get_mode(ctx.native_handle()) & SSL_MODE_RELEASE_BUFFERS, 0);
}

// Releasing while a record is half read keeps its unread part (the record
// lives in the read buffer), and the stream goes on.
TEST(Buffers, ReleasingMidRecordLosesNothing) {
  for (const BufferPolicy policy : {BufferPolicy::adaptive, BufferPolicy::keep, BufferPolicy::release_per_record}) {
    MemoryPair p;
    p.client_ctx.set_buffer_policy(policy);
    p.server_ctx.set_buffer_policy(policy);
    p.client = p.client_ctx.wrap_bio({.server_hostname = "localhost"});
    p.server = p.server_ctx.wrap_bio({.server_side = true});
    ASSERT_TRUE(handshake(p.client, p.server).ok());
    const std::string data = pattern(0, 3000);
    p.client.write(data);
    p.client.write(data);
    static_cast<void>(transfer(p.client, p.server));
    std::byte buf[100];
    ASSERT_EQ(p.server.read(buf), 100U);
    std::string got(reinterpret_cast<const char*>(buf), 100);
    p.server.release_buffers();
    p.client.release_buffers();
    got += read_all(p.server);
    EXPECT_EQ(got, data + data);
    p.server.release_buffers();
    test::expect_data_flows(p.client, p.server, "after release_buffers");
  }
}

// A release while only a record's header has arrived leaves that record
// alone (OpenSSL before 3.0.14 freed the buffer it was reading into).
TEST(Buffers, ReleasingWithOnlyARecordHeaderInLosesNothing) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  static_cast<void>(read_all(p.server));
  p.client.write("hello, in two pieces");
  const std::vector<std::byte> record = test::take_output(p.client);
  ASSERT_GT(record.size(), 5U);
  p.server.bio_write(std::span(record).first(5));  // the header alone
  std::byte buf[64];
  std::error_code ec;
  ASSERT_EQ(p.server.read(buf, ec).status, io_status::want_read);
  p.server.release_buffers();
  p.server.bio_write(std::span(record).subspan(5));
  EXPECT_EQ(read_all(p.server), "hello, in two pieces");
}

// Adaptive: after traffic the pair holds OpenSSL's record buffers (about
// 17 KB per direction and end) and release_buffers gives them back; right
// after the handshake they are already back. Where the heap cannot be
// counted (sanitizers, valgrind) the data still has to flow.
TEST(Buffers, AdaptiveGivesRecordBuffersBackOnRelease) {
  MemoryPair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  const std::optional<std::size_t> after_handshake = test::heap_in_use();
  p.client.release_buffers();
  p.server.release_buffers();
  if (const std::optional<std::size_t> now = test::heap_in_use(); after_handshake && now) {
    // Only what waits in the queues (the server's tickets, unread) is held.
    EXPECT_LT(*after_handshake - std::min(*after_handshake, *now), 20000U)
        << "the handshake's end should have given OpenSSL's buffers back already";
  }
  test::expect_data_flows(p.client, p.server, "traffic");
  const std::optional<std::size_t> busy = test::heap_in_use();
  p.client.release_buffers();
  p.server.release_buffers();
  const std::optional<std::size_t> idle = test::heap_in_use();
  if (busy && idle) {
    EXPECT_GE(*busy - std::min(*busy, *idle), 60000U) << "busy " << *busy << ", idle " << *idle;
  }
  test::expect_data_flows(p.client, p.server, "after release_buffers");
}

}  // namespace
}  // namespace sslpp
