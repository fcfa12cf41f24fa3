// The concurrent soak: wave after wave of N clients through the server
// under load (server_process.hpp), and the server's descriptors and
// resident memory (and our own descriptors) checked after every wave
// against the figures after the warm-up waves.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "server_process.hpp"
#include "wave.hpp"

namespace sslpp::soak {

// The resident-memory baseline is taken after this many waves. One is not
// enough: the allocator's high-water mark follows how many connections
// overlapped at the wave's peak, and the first wave's peak is often lower
// (a CI run measured +7.7% from wave 1 to 2, then +1.6% from 2 to 3). A
// leak still shows, as growth in every later wave.
inline constexpr std::size_t rss_warmup_waves = 2;
// The fewest waves a run makes: the warm-up and one to compare.
inline constexpr std::size_t min_waves = rss_warmup_waves + 1;

struct ConcurrentOptions {
  std::size_t connections = 1000;
  std::size_t max_waves = 0;  // 0: as many as start within `seconds` (at least min_waves)
  std::chrono::seconds seconds{60};
  std::uint64_t seed = 1;
  std::chrono::steady_clock::time_point deadline;  // the whole run's
};

// Sample is what was measured after one wave, once the server's
// descriptors settled.
struct Sample {
  std::size_t server_fds = 0;
  std::size_t server_rss_kib = 0;
  std::size_t own_fds = 0;
};

struct ConcurrentReport {
  std::size_t connections = 0;
  std::size_t waves = 0;
  std::size_t min_peak = 0;  // the smallest per-wave peak of established connections
  std::size_t completed = 0;
  std::size_t failed = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_mismatched = 0;
  std::size_t checksum_mismatches = 0;
  std::size_t startup_server_fds = 0;  // once it listens (its epoll descriptor may come a moment later)
  Sample baseline;                     // after the first wave (its descriptors are the baseline)
  std::size_t rss_baseline_kib = 0;    // the server's VmRSS after rss_warmup_waves
  Sample end;                          // after the last wave
  std::size_t max_server_rss_kib = 0;
  // The server's VmRSS after each wave, to tell an allocator settling after
  // the first waves from a creep that would break the limit in a longer run.
  std::vector<std::size_t> server_rss_kib_per_wave;
  double rss_growth_percent = 0;  // end against rss_baseline_kib
  bool rss_checked = true;        // false under AddressSanitizer (see README)
  double seconds = 0;
  std::vector<std::string> failures;  // every criterion that failed, and the first connection errors
};

ConcurrentReport run_concurrent(const ConcurrentOptions& options, const ServerProcess& server);

}  // namespace sslpp::soak
