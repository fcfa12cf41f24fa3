// The memory transport seam a driver uses: ciphertext in place, received
// straight into the connection, bounded queues, output_pending, gather
// writes.
#include <sslpp/connection.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using test::handshake;

using Pair = test::MemoryPair;

// move_in_place moves everything `from` has pending to `to` the way a
// zero-copy driver would: peek, receive into input_space, commit, consume.
std::size_t move_in_place(Connection& from, Connection& to) {
  std::size_t moved = 0;
  while (!from.peek_output().empty()) {
    const std::span<const std::byte> out = from.peek_output();
    const std::span<std::byte> room = to.input_space(out.size());
    if (room.empty()) {
      break;  // the receiver's input is full: backpressure
    }
    const std::size_t n = std::min(room.size(), out.size());
    std::copy_n(out.begin(), n, room.begin());
    to.commit_input(n);
    from.consume_output(n);
    moved += n;
  }
  return moved;
}

std::string read_text(Connection& conn, std::size_t max = 65536) {
  std::string out(max, '\0');
  std::error_code ec;
  const io_result r = conn.read(std::as_writable_bytes(std::span(out)), ec);
  out.resize(r.ok() ? r.bytes : 0);
  return out;
}

TEST(Transport, HandshakeAndDataInPlace) {
  Pair p;
  std::error_code ec;
  io_result r = p.client.do_handshake(ec);
  EXPECT_EQ(r.status, io_status::want_read);
  EXPECT_TRUE(r.output_pending);  // the ClientHello waits: no need to poll
  for (int round = 0; round < 10 && !(p.client.is_handshake_done() && p.server.is_handshake_done()); ++round) {
    move_in_place(p.client, p.server);
    static_cast<void>(p.server.do_handshake(ec));
    move_in_place(p.server, p.client);
    static_cast<void>(p.client.do_handshake(ec));
  }
  ASSERT_TRUE(p.client.is_handshake_done());
  ASSERT_TRUE(p.server.is_handshake_done());
  move_in_place(p.client, p.server);

  const std::string_view hello = "hello in place";
  r = p.client.write(std::as_bytes(std::span(hello)), ec);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.output_pending);
  EXPECT_EQ(p.client.bio_pending(), p.client.peek_output().size());
  move_in_place(p.client, p.server);
  EXPECT_FALSE(p.client.want_write());
  EXPECT_EQ(read_text(p.server), "hello in place");
}

// An asynchronous driver sends straight from peek_output while other calls
// run: output they add, even output that outgrows the block, must leave the
// bytes in flight where they are.
TEST(Transport, OutputInFlightStaysInPlaceWhileMoreIsWritten) {
  Pair p;
  handshake(p.client, p.server);
  std::error_code ec;
  ASSERT_EQ(p.client.write(std::string_view("first record")), 12u);
  const std::span<const std::byte> in_flight = p.client.peek_output();
  ASSERT_FALSE(in_flight.empty());
  const std::vector<std::byte> expected(in_flight.begin(), in_flight.end());
  // 1 MiB more: the queue grows many times over while the send "runs".
  const std::string big(1 << 20, 'x');
  ASSERT_TRUE(p.client.write(std::as_bytes(std::span(big)), ec).ok()) << ec.message();
  EXPECT_TRUE(std::equal(in_flight.begin(), in_flight.end(), expected.begin(), expected.end()));
  // The "send" completes; the rest follows in order.
  const std::span<std::byte> room = p.server.input_space(in_flight.size());
  std::copy(in_flight.begin(), in_flight.end(), room.begin());
  p.server.commit_input(in_flight.size());
  p.client.consume_output(in_flight.size());
  move_in_place(p.client, p.server);
  std::string received;
  for (std::string chunk; !(chunk = read_text(p.server)).empty();) {
    received += chunk;
  }
  EXPECT_EQ(received, "first record" + big);
}

// An asynchronous driver receives into input_space while other calls run:
// OpenSSL consuming every queued byte meanwhile must not move the space.
TEST(Transport, InputSpaceStaysInPlaceWhileQueuedInputIsConsumed) {
  Pair p;
  handshake(p.client, p.server);
  ASSERT_EQ(p.client.write(std::string_view("one")), 3u);
  move_in_place(p.client, p.server);  // "one" is queued at the server
  ASSERT_EQ(p.client.write(std::string_view("two")), 3u);
  const std::span<const std::byte> second = p.client.peek_output();
  // The receive of the second record starts before the first is read.
  const std::span<std::byte> room = p.server.input_space(second.size());
  ASSERT_EQ(room.size(), second.size());
  EXPECT_EQ(read_text(p.server), "one");  // empties the input queue
  std::copy(second.begin(), second.end(), room.begin());
  p.server.commit_input(second.size());
  p.client.consume_output(second.size());
  EXPECT_EQ(read_text(p.server), "two");
}

TEST(Transport, GatherWriteTakesEveryBufferInOneCall) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  const std::string a = "first,", b = "second,", c = "third";
  const std::array<std::span<const std::byte>, 3> buffers{std::as_bytes(std::span(a)), std::as_bytes(std::span(b)),
                                                           std::as_bytes(std::span(c))};
  std::error_code ec;
  const io_result r = p.client.write(buffers, ec);
  ASSERT_TRUE(r.ok()) << ec.message();
  EXPECT_EQ(r.bytes, a.size() + b.size() + c.size());
  EXPECT_TRUE(r.output_pending);
  test::transfer(p.client, p.server);
  std::string got;
  for (int i = 0; i < 3; ++i) {
    got += read_text(p.server);
  }
  EXPECT_EQ(got, "first,second,third");
}

TEST(Transport, InputLimitIsBackpressure) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.server.set_transport_limits({.input = 1000});
  const std::string payload(5000, 'z');
  p.client.sendall(payload);
  const std::string wire = p.client.bio_read(1 << 20);
  ASSERT_GT(wire.size(), 5000u);
  // Only what fits is taken; the driver keeps the rest and offers it again.
  std::string_view rest = wire;
  std::string got;
  for (int i = 0; i < 100 && (!rest.empty() || got.size() < payload.size()); ++i) {
    const std::size_t taken = p.server.bio_write(rest);
    EXPECT_LE(taken, 1000u);
    rest.remove_prefix(taken);
    for (std::string part = read_text(p.server); !part.empty(); part = read_text(p.server)) {
      got += part;
    }
  }
  EXPECT_EQ(got, payload);
  EXPECT_TRUE(p.server.input_space(10).size() >= 10);
}

TEST(Transport, OutputLimitReportsWantWriteUntilDrained) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  p.client.set_transport_limits({.output = 4096});
  const std::string payload(20000, 'q');
  std::string received;
  std::span<const std::byte> left = std::as_bytes(std::span(payload));
  int want_writes = 0;
  for (int i = 0; i < 1000 && !left.empty(); ++i) {
    std::error_code ec;
    const io_result r = p.client.write(left, ec);
    if (r.status == io_status::want_write) {
      ++want_writes;
      EXPECT_TRUE(r.output_pending);
      EXPECT_LE(p.client.bio_pending(), 4096u);
      test::transfer(p.client, p.server);  // drain, then repeat the same write
      for (std::string part = read_text(p.server); !part.empty(); part = read_text(p.server)) {
        received += part;
      }
      continue;
    }
    ASSERT_TRUE(r.ok()) << ec.message();
    left = left.subspan(r.bytes);
  }
  test::transfer(p.client, p.server);
  for (std::string part = read_text(p.server); !part.empty(); part = read_text(p.server)) {
    received += part;
  }
  EXPECT_GT(want_writes, 0);
  EXPECT_EQ(received, payload);
}

TEST(Transport, CommitNeverGoesPastTheSpaceHandedOut) {
  Pair p;
  const std::span<std::byte> room = p.server.input_space(10);
  ASSERT_EQ(room.size(), 10u);
  std::fill(room.begin(), room.end(), std::byte{0});  // the space handed out is not initialised
  p.server.commit_input(1u << 30);  // a driver bug: more than it was given
  EXPECT_EQ(p.server.input_space(0).size(), 0u);
  p.server.commit_input(5);  // nothing handed out since the last commit
  // Ten bytes of zeros are garbage to the server, and a typed error.
  std::error_code ec;
  EXPECT_EQ(p.server.do_handshake(ec).status, io_status::error);
}

TEST(Transport, EndOfInputIsTruncationNotAQuietClose) {
  Pair p;
  ASSERT_TRUE(handshake(p.client, p.server).ok());
  std::error_code ec;
  std::array<std::byte, 16> buf{};
  EXPECT_EQ(p.server.read(buf, ec).status, io_status::want_read);  // no data yet: not the end
  p.server.bio_shutdown();
  EXPECT_EQ(p.server.read(buf, ec).status, io_status::truncated);
  EXPECT_EQ(ec, errc::eof);
}

}  // namespace
}  // namespace sslpp
