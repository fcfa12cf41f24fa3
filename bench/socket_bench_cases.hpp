// What sslpp_socket_bench measures, run alike on both sides
// (socket_bench_sides.hpp): the allocation counters the bulk case reads, the
// server thread, the cases (handshakes, bulk transfer) and the start-up
// check that both sides are configured alike and negotiate alike.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/socket.h>

#include <benchmark/benchmark.h>

#include "raw_openssl.hpp"
#include "settings_check.hpp"
#include "socket_bench_sides.hpp"

namespace sslpp_bench::loopback {

// ===========================================================================
// Allocation counting
//
// Every allocation call is counted, by the role of the thread that makes it
// (the client is the benchmark thread, the server its own thread) and by
// allocator: C++ (the replaced global operator new, which is what sslpp's
// own code would use) or OpenSSL (CRYPTO_set_mem_functions, first thing in
// main). The allocation functions in socket_bench.cpp keep these counters;
// a count is a difference of two readings.

enum Role : int { role_other = 0, role_client = 1, role_server = 2 };
inline constexpr int kRoles = 3;

// Plain int with a constant initializer: reading it from operator new needs
// no thread_local initialisation call, which could itself allocate.
inline constinit thread_local int t_role = role_other;

inline std::array<std::atomic<std::uint64_t>, kRoles> g_cxx_allocs{};
inline std::array<std::atomic<std::uint64_t>, kRoles> g_openssl_allocs{};

// AllocReading is the number of allocation calls so far, per role and allocator.
struct AllocReading {
  std::array<std::uint64_t, kRoles> cxx{};
  std::array<std::uint64_t, kRoles> openssl{};
};

inline AllocReading read_allocs() {
  AllocReading r;
  for (std::size_t i = 0; i < kRoles; ++i) {
    r.cxx[i] = g_cxx_allocs[i].load(std::memory_order_relaxed);
    r.openssl[i] = g_openssl_allocs[i].load(std::memory_order_relaxed);
  }
  return r;
}

inline constexpr std::size_t kReadSize = 16384;  // every server reads into a buffer this big

// ===========================================================================
// The server thread

// ServerThread runs `body` on its own thread, which counts as the server in
// the allocation figures. When it stops, or when this object is destroyed
// first (the client failed), the listening socket is shut down: that wakes
// a server blocked in accept() and refuses later connects, so neither end
// can wait forever for the other. The listener itself outlives this object.
class ServerThread {
 public:
  ServerThread(int listen_fd, std::function<void()> body) : listen_fd_(listen_fd) {
    thread_ = std::thread([this, body = std::move(body)] {
      t_role = role_server;
      try {
        body();
      } catch (const std::exception& e) {
        error_ = e.what();
      } catch (...) {
        error_ = "unknown exception";
      }
      ::shutdown(listen_fd_, SHUT_RDWR);
    });
  }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;
  ~ServerThread() { static_cast<void>(join()); }

  // join waits for the thread and returns its error ("" when none).
  std::string join() {
    if (thread_.joinable()) {
      ::shutdown(listen_fd_, SHUT_RDWR);  // no effect once the server is done
      thread_.join();
    }
    return error_;
  }

 private:
  int listen_fd_;
  std::string error_;
  std::thread thread_;
};

// ===========================================================================
// The cases, shared by both sides: the same loops, buffer sizes and checks.

// 1. Handshakes: each iteration is a new TCP connection, a full TLS 1.3
// handshake (the client verifies the chain and the hostname), the two-way
// close_notify exchange and the TCP close, on both ends.
template <class Side>
void bm_handshake(benchmark::State& state, const Side& side) {
  const benchmark::IterationCount n = state.max_iterations;
  auto listener = side.listen();
  const std::uint16_t port = Side::port(listener);
  ServerThread server(Side::fileno(listener), [&] {
    for (benchmark::IterationCount i = 0; i < n; ++i) {
      auto c = side.accept(listener);
      Side::close(c);
    }
  });
  for (auto _ : state) {
    auto c = side.connect(port);
    Side::close(c);
  }
  if (const std::string error = server.join(); !error.empty()) {
    state.SkipWithError(("server: " + error).c_str());
    return;
  }
  state.SetItemsProcessed(state.iterations());
}

// receive reads and discards until `got` reaches `until`.
template <class Side>
void receive(typename Side::Conn& c, std::span<std::byte> buf, std::uint64_t& got, std::uint64_t until) {
  while (got < until) {
    const std::size_t r = Side::read(c, buf);
    if (r == 0) {
      throw std::runtime_error("the client closed early");
    }
    got += r;
  }
}

template <class Side>
void await_ack(typename Side::Conn& c) {
  std::array<std::byte, 1> ack{};
  if (Side::read(c, ack) != 1 || ack[0] != std::byte{'k'}) {
    throw std::runtime_error("no acknowledgement from the server");
  }
}

// 2. Bulk transfer client -> server over one connection in writes of `size`
// bytes; the server reads into a 16 KiB buffer and discards. One warm-up
// write comes first. The server acknowledges the warm-up and the end with
// one byte each, so the timing (manual, wall clock) ends only when the
// server has every byte, not when the last write fits in the socket buffers.
template <class Side>
void bm_bulk(benchmark::State& state, const Side& side, std::size_t size) {
  const auto n = static_cast<std::uint64_t>(state.max_iterations);
  const std::uint64_t total = (n + 1) * size;
  const std::array<std::byte, 1> ack{std::byte{'k'}};
  auto listener = side.listen();
  const std::uint16_t port = Side::port(listener);
  ServerThread server(Side::fileno(listener), [&] {
    auto c = side.accept(listener);
    std::vector<std::byte> buf(kReadSize);
    std::uint64_t got = 0;
    receive<Side>(c, buf, got, size);
    Side::write_all(c, ack);
    receive<Side>(c, buf, got, total);
    Side::write_all(c, ack);
  });
  auto c = side.connect(port);
  const std::vector<std::byte> payload(size, std::byte{0x5a});
  Side::write_all(c, payload);
  await_ack<Side>(c);

  // Both ends are between calls here and at the end (the server has sent
  // its acknowledgement), so the difference is the steady state.
  const AllocReading before = read_allocs();
  AllocReading after;
  std::uint64_t done = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    Side::write_all(c, payload);
    if (++done == n) {
      await_ack<Side>(c);
      after = read_allocs();
      state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
  if (const std::string error = server.join(); !error.empty()) {
    state.SkipWithError(("server: " + error).c_str());
    return;
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
  const auto per_write = [n](std::uint64_t a, std::uint64_t b) {
    return static_cast<double>(b - a) / static_cast<double>(n);
  };
  state.counters["c_cxx_allocs"] = per_write(before.cxx[role_client], after.cxx[role_client]);
  state.counters["c_ossl_allocs"] = per_write(before.openssl[role_client], after.openssl[role_client]);
  state.counters["s_cxx_allocs"] = per_write(before.cxx[role_server], after.cxx[role_server]);
  state.counters["s_ossl_allocs"] = per_write(before.openssl[role_server], after.openssl[role_server]);
}

// 3. Bulk transfer in paired rounds (paired.hpp, with the process's CPU
// clock: the server thread does the receiving). One connection per side for
// the whole benchmark; an iteration is as many writes of `size` bytes as
// make kIterationBytes, and the server acknowledges each iteration's bytes
// with one byte. end_batch() reads the batch's acknowledgements, so a
// batch's time ends when the server has every byte of it.
template <class Side>
class BulkStream {
 public:
  static constexpr bool kBytes = true;
  static constexpr std::size_t kIterationBytes = 256 * 1024;

  BulkStream(const Side& side, std::size_t size)
      : side_(side),
        writes_(std::max<std::size_t>(1, kIterationBytes / size)),
        payload_(size, std::byte{0x5a}),
        listener_(side.listen()),
        server_(Side::fileno(listener_), [this] { serve(); }),
        conn_(side.connect(Side::port(listener_))) {}
  BulkStream(const BulkStream&) = delete;
  BulkStream& operator=(const BulkStream&) = delete;
  ~BulkStream() {
    try {
      Side::close(conn_);  // the server answers the close_notify and ends
    } catch (...) {       // the server failed first: join() below reports nothing more useful
    }
    static_cast<void>(server_.join());
  }

  void once() {
    for (std::size_t i = 0; i < writes_; ++i) {
      Side::write_all(conn_, payload_);
    }
    ++unacknowledged_;
  }
  void end_batch() {
    for (; unacknowledged_ > 0; --unacknowledged_) {
      await_ack<Side>(conn_);
    }
  }
  [[nodiscard]] double work() const { return static_cast<double>(writes_ * payload_.size()); }

 private:
  void serve() {
    auto c = side_.accept(listener_);
    const std::array<std::byte, 1> ack{std::byte{'k'}};
    std::vector<std::byte> buf(kReadSize);
    const std::size_t iteration = writes_ * payload_.size();
    std::size_t got = 0;
    while (const std::size_t r = Side::read(c, buf)) {
      for (got += r; got >= iteration; got -= iteration) {
        Side::write_all(c, ack);
      }
    }
    Side::close(c);  // the client's close_notify came: answer it
  }

  const Side& side_;
  std::size_t writes_;
  std::vector<std::byte> payload_;
  typename Side::Listener listener_;
  ServerThread server_;
  typename Side::Conn conn_;
  std::int64_t unacknowledged_ = 0;
};

// ===========================================================================
// Start-up checks: sslpp and raw are configured alike and negotiate alike.

// probe makes one loopback connection and describes what it negotiated.
template <class Side>
std::string probe(const Side& side) {
  auto listener = side.listen();
  ServerThread server(Side::fileno(listener), [&] {
    auto c = side.accept(listener);
    Side::close(c);
  });
  auto c = side.connect(Side::port(listener));
  std::string what = negotiated(Side::native(c));
  Side::close(c);
  if (const std::string error = server.join(); !error.empty()) {
    throw std::runtime_error("probe server: " + error);
  }
  return what;
}

inline std::string check_settings() {
  return check_sides(SslppSide(false), RawSide(RawMode::release_buffers),
                     [](const auto& side) { return probe(side); });
}

}  // namespace sslpp_bench::loopback
