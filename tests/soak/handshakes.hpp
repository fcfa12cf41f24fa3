// The sequential soak: M in-memory client/server handshakes (TLS 1.3, over
// Context::wrap_bio pairs), each closed with a close_notify exchange, with
// the heap (mallinfo2) measured after a warm-up and at the end.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace sslpp::soak {

struct HandshakeOptions {
  std::size_t count = 100000;
  // Every resume_every-th handshake resumes the session of the full one
  // before it (0: none resumed).
  std::size_t resume_every = 10;
  std::chrono::steady_clock::time_point deadline;
};

struct HandshakeReport {
  std::size_t count = 0;    // handshakes run
  std::size_t full = 0;     // of which full
  std::size_t resumed = 0;  // of which resumed
  std::size_t failed = 0;
  std::size_t warmup = 0;   // handshakes before the first heap measurement
  double seconds = 0;
  double cpu_seconds = 0;  // this process's CPU time: on shared cores, wall time overstates the cost
  double per_second = 0;
  bool heap_checked = true;       // false under AddressSanitizer (see README)
  std::size_t heap_after_warmup = 0;  // mallinfo2: uordblks + hblkhd, bytes
  std::size_t heap_end = 0;
  long long heap_growth = 0;
  std::vector<std::string> failures;
};

// heap_growth_limit is the growth allowed between the warm-up and the end:
// a leak of the smallest malloc chunk (32 bytes) per handshake would be
// 3 MiB over 99,000 handshakes, or 128 KiB over the CI's 4,000, while
// OpenSSL's lazily filled tables and the allocator's bookkeeping move the
// figure by a few KiB at most.
inline constexpr std::size_t heap_growth_limit = 64 * 1024;

HandshakeReport run_handshakes(const HandshakeOptions& options);

}  // namespace sslpp::soak
