#include "concurrent.hpp"

#include <algorithm>

#include <unistd.h>

#include "proc_stats.hpp"
#include "sanitizer.hpp"
#include "support/pki.hpp"

namespace sslpp::soak {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A wave of 1,000 takes a few seconds; this bounds one that stalls.
constexpr auto wave_limit = 120s;
// How long the server may take to close its last sockets after the
// client read their close_notify (it closes right after sending it).
constexpr auto fd_settle_limit = 5s;
// The allowed growth of the server's resident memory over the run: 5%,
// and never less than 2 MiB, the noise of a small run (soak_ci's 200
// connections on a 23 MiB server): the allocator's high-water mark moves
// by a MiB or so with how connections overlap on a loaded machine (seen:
// +5.5% = 1.3 MiB, levelling off, 852 then 468 KiB a wave). A leak of
// each connection (its SSL object alone is several KiB) over the 400 or
// more connections after the baseline still exceeds both.
constexpr double rss_limit_percent = 5.0;
constexpr double rss_noise_floor_kib = 2048;

Sample measure(pid_t server, std::optional<std::size_t> target_fds) {
  Sample s;
  s.server_fds = settle_fds(server, target_fds, fd_settle_limit);
  s.server_rss_kib = rss_kib(server);
  s.own_fds = fd_count(::getpid());
  return s;
}

bool another_wave(const ConcurrentOptions& o, std::size_t done, Clock::time_point start) {
  if (o.max_waves != 0 && done >= o.max_waves) {
    return false;
  }
  return done < min_waves || Clock::now() - start < o.seconds;
}

void add(ConcurrentReport& r, const WaveStats& w) {
  r.min_peak = r.waves == 0 ? w.established_peak : std::min(r.min_peak, w.established_peak);
  ++r.waves;
  r.completed += w.completed;
  r.failed += w.failed;
  r.bytes_sent += w.bytes_sent;
  r.bytes_received += w.bytes_received;
  r.bytes_mismatched += w.bytes_mismatched;
  r.checksum_mismatches += w.checksum_mismatches;
  for (const std::string& e : w.errors) {
    if (r.failures.size() < 20) {
      r.failures.push_back(e);
    }
  }
}

// check_sample compares one wave's figures with the baseline.
void check_sample(ConcurrentReport& r, std::size_t wave, const Sample& s) {
  const std::string at = "after wave " + std::to_string(wave) + ": ";
  if (s.server_fds != r.baseline.server_fds) {
    r.failures.push_back(at + "server has " + std::to_string(s.server_fds) + " descriptors, baseline " +
                         std::to_string(r.baseline.server_fds));
  }
  if (s.own_fds != r.baseline.own_fds) {
    r.failures.push_back(at + "soak process has " + std::to_string(s.own_fds) + " descriptors, baseline " +
                         std::to_string(r.baseline.own_fds));
  }
}

void check_totals(ConcurrentReport& r) {
  const std::size_t expected = r.connections * r.waves;
  if (r.min_peak != r.connections) {
    r.failures.push_back("peak of established connections " + std::to_string(r.min_peak) + " < " +
                         std::to_string(r.connections));
  }
  if (r.completed != expected || r.failed != 0) {
    r.failures.push_back(std::to_string(r.completed) + " of " + std::to_string(expected) + " connections completed");
  }
  if (r.bytes_mismatched != 0 || r.checksum_mismatches != 0 || r.bytes_received != r.bytes_sent) {
    r.failures.push_back("echo differs: " + std::to_string(r.bytes_sent) + " bytes sent, " +
                         std::to_string(r.bytes_received) + " received, " + std::to_string(r.bytes_mismatched) +
                         " mismatched");
  }
  const double growth_kib = static_cast<double>(r.end.server_rss_kib) - static_cast<double>(r.rss_baseline_kib);
  r.rss_growth_percent = 100.0 * growth_kib / static_cast<double>(r.rss_baseline_kib);
  r.rss_checked = !address_sanitizer;
  if (r.rss_checked && r.rss_growth_percent >= rss_limit_percent && growth_kib >= rss_noise_floor_kib) {
    r.failures.push_back("server resident memory grew " + std::to_string(r.rss_growth_percent) + "%");
  }
}

}  // namespace

ConcurrentReport run_concurrent(const ConcurrentOptions& options, const ServerProcess& server) {
  const auto start = Clock::now();
  ConcurrentReport r;
  r.connections = options.connections;
  r.startup_server_fds = fd_count(server.pid());
  const std::uint16_t port = server.port();
  const Context context = test::client_context();

  for (std::size_t wave = 0; another_wave(options, wave, start); ++wave) {
    if (Clock::now() >= options.deadline) {
      r.failures.push_back("the run's deadline passed before wave " + std::to_string(wave));
      break;
    }
    const WaveConfig config{.context = &context,
                            .port = port,
                            .connections = options.connections,
                            .seed = options.seed,
                            .wave = wave,
                            .deadline = std::min(options.deadline, Clock::now() + wave_limit)};
    add(r, run_wave(config));
    if (wave == 0) {
      // The descriptors' baseline: warmed up (first handshakes, buffers,
      // allocator arenas), all the wave's sockets closed again.
      r.baseline = measure(server.pid(), std::nullopt);
      r.end = r.baseline;
    } else {
      r.end = measure(server.pid(), r.baseline.server_fds);
      check_sample(r, wave, r.end);
    }
    if (wave + 1 == rss_warmup_waves) {
      r.rss_baseline_kib = r.end.server_rss_kib;
    }
    r.max_server_rss_kib = std::max(r.max_server_rss_kib, r.end.server_rss_kib);
    r.server_rss_kib_per_wave.push_back(r.end.server_rss_kib);
  }
  check_totals(r);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

}  // namespace sslpp::soak
