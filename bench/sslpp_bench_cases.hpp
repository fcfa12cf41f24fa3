// What sslpp_bench measures, run alike on both sides (sslpp_bench_sides.hpp):
// the drivers that move ciphertext between an in-memory pair, the cases
// (full and resumed handshakes, bulk transfer, heap per idle pair), the
// live heap counters the heap case reads, and the checks that both sides
// are configured alike.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "raw_openssl.hpp"
#include "settings_check.hpp"
#include "sslpp_bench_sides.hpp"

namespace sslpp_bench::memory {

// ===========================================================================
// Heap accounting: live bytes, from OpenSSL (through CRYPTO_set_mem_functions)
// and from C++ (through the replaced global operator new), kept by the
// allocation functions in sslpp_bench.cpp. A measurement is the difference
// of two readings.

inline std::atomic<long long> g_openssl_live{0};
inline std::atomic<long long> g_cxx_live{0};

// HeapReading is the live byte count at one moment.
struct HeapReading {
  long long openssl = 0;
  long long cxx = 0;
  [[nodiscard]] long long total() const { return openssl + cxx; }
};

inline HeapReading read_heap() {
  return {g_openssl_live.load(std::memory_order_relaxed), g_cxx_live.load(std::memory_order_relaxed)};
}

// ===========================================================================
// Drivers shared by both sides: the same loop shapes, buffer sizes and
// checks, so only the API under test differs.

inline constexpr std::size_t kBounce = 16384;

// move_ciphertext moves every pending byte from one side's output to the
// other's input; returns how many moved.
template <class Side>
std::size_t move_ciphertext(typename Side::Connection& from, typename Side::Connection& to) {
  std::array<std::byte, kBounce> buf;  // NOLINT: filled before it is read
  std::size_t total = 0;
  while (const std::size_t n = Side::pull(from, buf)) {
    Side::push(to, std::span<const std::byte>(buf.data(), n));
    total += n;
  }
  return total;
}

// handshake drives both sides until both are done and nothing moves, as
// tests/support/pump.cpp does; bounded so a bug cannot loop forever.
template <class Side>
bool handshake(typename Side::Connection& client, typename Side::Connection& server) {
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 100; ++round) {
    if (!client_done) {
      const Step s = Side::handshake(client);
      if (s.status == Io::failed) {
        return false;
      }
      client_done = s.status == Io::ok;
    }
    const std::size_t a = move_ciphertext<Side>(client, server);
    if (!server_done) {
      const Step s = Side::handshake(server);
      if (s.status == Io::failed) {
        return false;
      }
      server_done = s.status == Io::ok;
    }
    const std::size_t b = move_ciphertext<Side>(server, client);
    if (client_done && server_done && a == 0 && b == 0) {
      return true;
    }
  }
  return false;
}

// drain_tickets lets the client process the TLS 1.3 session tickets that
// arrive after its handshake: one read, which must find no data and ask for
// more. Only then is the connection idle and its session resumable.
template <class Side>
bool drain_tickets(typename Side::Connection& client) {
  std::array<std::byte, 1> buf{};
  return Side::read(client, buf).status == Io::want;
}

// connect makes an established, idle pair (client offering `session`).
template <class Side>
bool connect(typename Side::Connection& client, typename Side::Connection& server) {
  return handshake<Side>(client, server) && drain_tickets<Side>(client) && Side::verified(client);
}

// read_exactly reads from `c` into `buf` (reused) until `n` plaintext bytes
// have come; false when a read stops short of them.
template <class Side>
bool read_exactly(typename Side::Connection& c, std::span<std::byte> buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const Step r = Side::read(c, buf);
    if (r.status != Io::ok) {
      return false;
    }
    got += r.bytes;
  }
  return got == n;
}

// ===========================================================================
// The timed cases. Each is a class over Side: the constructor does the
// set-up (neither timed nor counted), once() does one iteration and throws
// on failure, and work() says what an iteration is worth (kBytes: bytes,
// else handshakes). One object serves both ways of running a case:
// run_counted (Google Benchmark's loop over one side, which callgrind
// counts) and paired rounds (paired.hpp), so both measure the same iteration.

// CaseFailed ends the case; guarded() turns it into SkipWithError.
struct CaseFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// 1. Full handshakes: new connections, client verifying chain and hostname.
template <class Side>
class HandshakeCase {
 public:
  static constexpr bool kBytes = false;
  explicit HandshakeCase(const Side& side) : side_(side) {}
  void once() {
    auto client = side_.client();
    auto server = side_.server();
    if (!connect<Side>(client, server)) {
      throw CaseFailed("handshake failed");
    }
  }
  [[nodiscard]] static double work() { return 1; }

 private:
  const Side& side_;
};

// 2. Resumed handshakes: each client offers the session of a first one.
//
// With `close_each`, each client also sends close_notify before it is
// freed, which TLS 1.2 needs: there a resumed connection shares the very
// SSL_SESSION it was offered, and OpenSSL marks that session not
// resumable when such a connection is freed unfinished (SSL_free, as
// Connection::session() documents), so the next iteration would make a
// full handshake. TLS 1.3 resumption gives the connection a new session
// and leaves the offered one alone, so `resume` skips the close (its
// figures stay comparable with earlier runs).
template <class Side>
class ResumeCase {
 public:
  static constexpr bool kBytes = false;
  explicit ResumeCase(const Side& side, bool close_each = false)
      : side_(side), session_(first_session(side)), close_each_(close_each) {}
  void once() {
    auto client = side_.client(&session_);
    auto server = side_.server();
    if (!connect<Side>(client, server)) {
      throw CaseFailed("resumed handshake failed");
    }
    if (!Side::reused(client) || !Side::reused(server)) {
      throw CaseFailed("the session was not resumed (full handshake instead)");
    }
    if (close_each_ && Side::shutdown(client).status == Io::failed) {
      throw CaseFailed("shutdown failed");
    }
  }
  [[nodiscard]] static double work() { return 1; }

 private:
  static typename Side::Session first_session(const Side& side) {
    auto client = side.client();
    auto server = side.server();
    if (!connect<Side>(client, server)) {
      throw CaseFailed("first handshake failed");
    }
    std::optional<typename Side::Session> session = Side::session(client);
    // Close cleanly: OpenSSL marks the session of a connection freed
    // without sending close_notify as not resumable.
    if (Side::shutdown(client).status == Io::failed) {
      throw CaseFailed("shutdown failed");
    }
    if (!session) {
      throw CaseFailed("no session after the first handshake");
    }
    return std::move(*session);
  }

  const Side& side_;
  typename Side::Session session_;
  bool close_each_;
};

// 3. Bulk transfer client -> server in writes of `size` bytes: write, move
// the ciphertext, read all of it on the other side. One established pair
// serves every iteration.
template <class Side>
class BulkCase {
 public:
  static constexpr bool kBytes = true;
  BulkCase(const Side& side, std::size_t size)
      : client_(side.client()), server_(side.server()), payload_(size, std::byte{0x5a}) {
    if (!connect<Side>(client_, server_)) {
      throw CaseFailed("handshake failed");
    }
  }
  void once() {
    const std::size_t size = payload_.size();
    const Step w = Side::write(client_, payload_);
    if (w.status != Io::ok || w.bytes != size) {
      throw CaseFailed("write failed");
    }
    move_ciphertext<Side>(client_, server_);
    if (!read_exactly<Side>(server_, in_, size)) {
      throw CaseFailed("read came up short");
    }
    benchmark::DoNotOptimize(in_.data());
    benchmark::ClobberMemory();
  }
  [[nodiscard]] double work() const { return static_cast<double>(payload_.size()); }

 private:
  typename Side::Connection client_;
  typename Side::Connection server_;
  std::vector<std::byte> payload_;
  std::array<std::byte, 16384> in_{};
};

// 3b. Small writes: 16 KiB per iteration as `size`-byte application
// writes, then a flush. sslpp coalesces them into full records; raw OpenSSL
// writes a record per call, as an application calling SSL_write per message
// does. The ciphertext per batch (bytes on the wire) is kept by side.
template <class Side>
inline double g_wire_bytes = 0;  // the last batch's ciphertext, per side

template <class Side>
class SmallWritesCase {
 public:
  static constexpr bool kBytes = true;
  static constexpr std::size_t kBatch = 16384;
  SmallWritesCase(const Side& side, std::size_t size)
      : client_(side.client()), server_(side.server()), payload_(size, std::byte{0x5a}) {
    if (!connect<Side>(client_, server_)) {
      throw CaseFailed("handshake failed");
    }
    Side::coalesce(client_);
  }
  void once() {
    const std::size_t size = payload_.size();
    for (std::size_t sent = 0; sent < kBatch; sent += size) {
      const Step w = Side::write(client_, payload_);
      if (w.status != Io::ok || w.bytes != size) {
        throw CaseFailed("write failed");
      }
    }
    if (Side::flush(client_).status != Io::ok) {
      throw CaseFailed("flush failed");
    }
    g_wire_bytes<Side> = static_cast<double>(move_ciphertext<Side>(client_, server_));
    if (!read_exactly<Side>(server_, in_, kBatch)) {
      throw CaseFailed("read came up short");
    }
    benchmark::DoNotOptimize(in_.data());
    benchmark::ClobberMemory();
  }
  [[nodiscard]] static double work() { return static_cast<double>(kBatch); }

 private:
  typename Side::Connection client_;
  typename Side::Connection server_;
  std::vector<std::byte> payload_;
  std::array<std::byte, 16384> in_{};
};

// run_counted is Google Benchmark's loop over one side's case. Not inlined,
// and nothing else in it: bench/callgrind.sh counts the instructions inside
// this function only (--toggle-collect), which leaves every set-up out of
// the count (key generation, contexts, a bulk case's handshake).
template <class Case>
[[gnu::noinline]] void run_counted(benchmark::State& state, Case& c) {
  for (auto _ : state) {
    c.once();
  }
}

// exchange_once writes 16 KiB from `from` and reads it all at `to`.
template <class Side>
bool exchange_once(typename Side::Connection& from, typename Side::Connection& to) {
  const std::vector<std::byte> payload(16384, std::byte{0x5a});
  if (Side::write(from, payload).status != Io::ok) {
    return false;
  }
  move_ciphertext<Side>(from, to);
  std::array<std::byte, 16384> in{};
  return read_exactly<Side>(to, in, payload.size()) && Side::read(to, in).status == Io::want;
}

// 4. Heap bytes per established idle pair. kPairs pairs are held at once
// and the growth divided by kPairs; one pair made and dropped first takes
// OpenSSL's one-time lazy allocations (algorithm fetch caches, the thread's
// error state) out of the figure.
// With `traffic`, each pair first moves 16 KiB each way, so the figure is
// of a connection that has carried data. Either way each end then goes
// idle (Side::idle: sslpp's adaptive policy gives its buffers back there;
// raw OpenSSL's mode has decided already).
template <class Side>
void bm_heap(benchmark::State& state, const Side& side, bool traffic = false) {
  constexpr int kPairs = 16;
  {
    auto client = side.client();
    auto server = side.server();
    if (!connect<Side>(client, server)) {
      state.SkipWithError("warm-up handshake failed");
      return;
    }
  }
  double per_pair = 0;
  double client_bytes = 0;
  double server_bytes = 0;
  double cxx_bytes = 0;
  for (auto _ : state) {
    // The harness's own storage is reserved before the first reading.
    std::vector<typename Side::Connection> clients;
    std::vector<typename Side::Connection> servers;
    clients.reserve(kPairs);
    servers.reserve(kPairs);
    const HeapReading before = read_heap();
    for (int i = 0; i < kPairs; ++i) {
      clients.emplace_back(side.client());
      servers.emplace_back(side.server());
      if (!connect<Side>(clients.back(), servers.back())) {
        state.SkipWithError("handshake failed");
        return;
      }
      if (traffic && !(exchange_once<Side>(clients.back(), servers.back()) &&
                       exchange_once<Side>(servers.back(), clients.back()))) {
        state.SkipWithError("traffic failed");
        return;
      }
      Side::idle(clients.back());
      Side::idle(servers.back());
    }
    const HeapReading idle = read_heap();
    // Dropping the servers first splits the figure between the two ends.
    servers.clear();
    const HeapReading clients_only = read_heap();
    per_pair = static_cast<double>(idle.total() - before.total()) / kPairs;
    server_bytes = static_cast<double>(idle.total() - clients_only.total()) / kPairs;
    client_bytes = per_pair - server_bytes;
    cxx_bytes = static_cast<double>(idle.cxx - before.cxx) / kPairs;
  }
  state.counters["bytes_per_pair"] = per_pair;
  state.counters["client_bytes"] = client_bytes;
  state.counters["server_bytes"] = server_bytes;
  state.counters["cxx_bytes"] = cxx_bytes;
}

// ===========================================================================
// Start-up checks: the two sides really are configured alike.

template <class Side>
std::string probe(const Side& side) {
  auto client = side.client();
  auto server = side.server();
  if (!connect<Side>(client, server)) {
    throw std::runtime_error("probe handshake failed");
  }
  return negotiated(Side::native(client));
}

// check_expect throws unless the probe handshake's description contains
// `expect` (a case's Config names what its settings must negotiate).
inline void check_expect(const std::string& negotiated, const std::string& expect) {
  if (!expect.empty() && negotiated.find(expect) == std::string::npos) {
    throw std::runtime_error("negotiated " + negotiated + ", expected " + expect);
  }
}

// check_pair fails a paired case unless its two sides are configured alike
// and negotiate the same thing (and what its Config expects); returns what
// they negotiated.
template <class A, class B>
std::string check_pair(const A& a, const B& b, const std::string& expect) {
  std::string negotiated = check_sides(a, b, [](const auto& side) { return probe(side); });
  check_expect(negotiated, expect);
  return negotiated;
}

// check_settings fails the run unless both sides, in the default
// configuration, are configured alike and negotiate the same thing;
// returns what they negotiated. (Each paired case checks its own
// configuration with check_pair when it starts.)
inline std::string check_settings() { return check_pair(SslppSide(pki().ecdsa), RawSide(pki().ecdsa), ""); }

}  // namespace sslpp_bench::memory
