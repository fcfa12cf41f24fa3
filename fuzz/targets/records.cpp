// records: the post-handshake record path. Each input first establishes an
// in-memory pair (the same deterministic handshake every time), then runs a
// program of record-level events against it: the real records each side
// produces are delivered, cut short, dropped, delayed and replayed, foreign
// bytes are injected, and both sides read, write, renegotiate and shut down.
//
// Input: [config byte] then ops, each [op byte] [arguments...]:
//   config: bits 0-1 version (0/3 any, 1 TLS 1.2, 2 TLS 1.3), bit 2 client
//   certificates (server CERT_REQUIRED), bit 3 post-handshake auth, bit 4
//   keep record buffers.
//   op byte: bit 7 picks the side (0 client, 1 server), the rest the event
//   (records_op below).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "support/expect.hpp"
#include "support/exchange.hpp"
#include "support/input.hpp"
#include "support/records_ops.hpp"
#include "support/world.hpp"

namespace {

using namespace sslpp_fuzz;

struct session_state {
  connection_pair pair;
  // Every byte each side has emitted (delivered or dropped), to replay from.
  std::array<std::string, 2> emitted;
};

endpoint& side(session_state& s, int i) { return i == 0 ? s.pair.client : s.pair.server; }

// emit takes up to `n` bytes of `from`'s pending output; returns them.
std::string emit(session_state& s, int from, std::size_t n) {
  endpoint& e = side(s, from);
  const std::span<const std::byte> out = e.conn.peek_output();
  n = std::min(n, out.size());
  std::string bytes(reinterpret_cast<const char*>(out.data()), n);
  e.conn.consume_output(n);
  s.emitted[static_cast<std::size_t>(from)] += bytes;
  return bytes;
}

void feed(session_state& s, int to, std::string_view bytes) {
  endpoint& e = side(s, to);
  const stream_scope scope(e.rng);
  (void)e.conn.bio_write(std::as_bytes(std::span(bytes)));
}

void run(session_state& s, records_op op, int me, input& in) {
  const int peer = 1 - me;
  endpoint& e = side(s, me);
  const stream_scope scope(e.rng);
  std::error_code ec;
  std::array<std::byte, 16384> buf{};
  switch (op) {
    case records_op::deliver:
      feed(s, peer, emit(s, me, std::size_t{in.byte()} * 64 + in.byte()));
      break;
    case records_op::deliver_all:
      feed(s, peer, emit(s, me, SIZE_MAX));
      break;
    case records_op::drop:
      (void)emit(s, me, std::size_t{in.byte()} * 64 + in.byte());
      break;
    case records_op::inject:
      feed(s, me, as_text(in.chunk()));
      break;
    case records_op::replay: {
      const std::string& past = s.emitted[static_cast<std::size_t>(peer)];
      const std::size_t offset = past.empty() ? 0 : in.u16() % past.size();
      feed(s, me, std::string_view(past).substr(offset, std::size_t{in.byte()} * 4 + 1));
      break;
    }
    case records_op::read:
      for (int i = 0; i < 8 && e.conn.read(buf, ec).ok(); ++i) {
      }
      break;
    case records_op::write:
      (void)e.conn.write(std::span(buf).first(std::size_t{in.byte()} * 64 + 1), ec);
      break;
    case records_op::shutdown:
      (void)e.conn.shutdown(ec);
      break;
    case records_op::eof:
      e.conn.bio_shutdown();
      break;
    case records_op::renegotiate:
      expect_typed([&] { e.conn.renegotiate(); });
      break;
    case records_op::post_handshake_auth:
      expect_typed([&] { e.conn.verify_client_post_handshake(); });
      break;
    case records_op::handshake:
      (void)e.conn.do_handshake(ec);
      break;
    case records_op::limits:
      e.conn.set_transport_limits({.input = std::size_t{in.byte()} * 64 + 1, .output = std::size_t{in.byte()} * 64 + 1});
      break;
    case records_op::inspect:
      (void)e.conn.pending();
      (void)e.conn.get_shutdown();
      (void)e.conn.want_read();
      (void)e.conn.renegotiate_pending();
      expect_typed([&] { (void)e.conn.session(); });
      expect_typed([&] { (void)e.conn.get_channel_binding(); });
      expect_typed([&] { (void)e.conn.export_keying_material("EXPORTER-sslpp-fuzz", 16); });
      break;
    case records_op::throwing_read:
      expect_typed([&] { (void)e.conn.read(64); });
      break;
    case records_op::unwrap:
      expect_typed([&] { e.conn.unwrap(); });
      break;
    case records_op::count:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  begin_input();
  input in(data, size);
  const records_config cfg = records_config::from_byte(in.byte());
  expect_typed([&] {
    const world w(cfg.client(), cfg.server());
    reset();
    session_state s{make_connection_pair(w, std::nullopt), {}};
    pump(s.pair, nullptr);
    if (!s.pair.client.conn.is_handshake_done() || !s.pair.server.conn.is_handshake_done()) {
      return;
    }
    reached_end();
    for (int n = 0; n < 256 && !in.empty(); ++n) {
      const std::uint8_t b = in.byte();
      run(s, static_cast<records_op>((b & 0x7f) % static_cast<int>(records_op::count)), b >> 7, in);
    }
    pump(s.pair, nullptr);  // let whatever is left settle
  });
  return 0;
}
