#include "idle.hpp"

#include <algorithm>
#include <thread>

#include <unistd.h>

#include "client_pool.hpp"
#include "proc_stats.hpp"
#include "support/pki.hpp"
#include "wave.hpp"

namespace sslpp::soak {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The warm-up before the baseline: first handshakes, allocator arenas.
constexpr std::size_t kWarmup = 64;
// The held connections' final echo: small, so the figure is the hold's.
constexpr Client::Limits kHeldLimits{.max_payload = 256, .max_write = 256};
// An extra handshake's connection: one byte echoed, then closed.
constexpr Client::Limits kExtraLimits{.max_payload = 1, .max_write = 1};
// Waves of the run are numbered apart, so no two connections share a seed.
constexpr std::uint64_t kHeldWave = 1000;
constexpr std::uint64_t kExtraWave = 2000;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::chrono::milliseconds until(Clock::time_point deadline) {
  return std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()), 0ms, 100ms);
}

std::string label(std::uint64_t wave, std::size_t i, std::uint64_t seed) {
  return (wave == kHeldWave ? "held connection " : "extra handshake ") + std::to_string(i) + " (seed " +
         std::to_string(seed) + ")";
}

void take_errors(IdleReport& r, const ClientPool& pool) {
  for (const std::string& e : pool.errors()) {
    if (r.failures.size() < 20) {
      r.failures.push_back(e);
    }
  }
}

// open_held opens the N connections, `in_flight` handshakes at a time,
// until all are established (or failed, or the deadline passed).
void open_held(const IdleOptions& o, ClientPool& held) {
  std::size_t opened = 0;
  while (held.established() + held.failed() < o.connections && Clock::now() < o.deadline) {
    while (opened < o.connections && held.handshaking() < o.in_flight) {
      const std::uint64_t seed = connection_seed(o.seed, kHeldWave, opened);
      held.open(seed, label(kHeldWave, opened, seed));
      ++opened;
    }
    held.poll(until(o.deadline));
  }
}

// run_extra makes M more connections, `in_flight` at a time, each a full
// handshake, one byte echoed and a close_notify exchange.
void run_extra(const IdleOptions& o, ClientPool& extra) {
  std::size_t opened = 0;
  while (extra.completed() + extra.failed() < o.extra_handshakes && Clock::now() < o.deadline) {
    while (opened < o.extra_handshakes && extra.unfinished() < o.in_flight) {
      const std::uint64_t seed = connection_seed(o.seed, kExtraWave, opened);
      extra.open(seed, label(kExtraWave, opened, seed));
      ++opened;
    }
    extra.poll(until(o.deadline));
    extra.release_ready();
  }
}

// finish_held has every held connection echo a small payload and close.
void finish_held(const IdleOptions& o, ClientPool& held) {
  held.release_ready();
  while (held.unfinished() > 0 && Clock::now() < o.deadline) {
    held.poll(until(o.deadline));
  }
}

void check(IdleReport& r, const IdleOptions& o, const ServerProcess& server, std::size_t events_before,
           std::size_t baseline_fds, std::size_t final_fds) {
  if (r.held != o.connections) {
    r.failures.push_back("held " + std::to_string(r.held) + " of " + std::to_string(o.connections) +
                         " connections at once");
  }
  if (r.extra_completed != o.extra_handshakes) {
    r.failures.push_back(std::to_string(r.extra_completed) + " of " + std::to_string(o.extra_handshakes) +
                         " extra handshakes completed");
  }
  if (r.echoed != o.connections) {
    r.failures.push_back(std::to_string(r.echoed) + " of " + std::to_string(o.connections) +
                         " held connections answered the echo at the end");
  }
  if (final_fds != baseline_fds) {
    r.failures.push_back("the server has " + std::to_string(final_fds) + " descriptors at the end, " +
                         std::to_string(baseline_fds) + " before the hold");
  }
  if (server.kind() == ServerKind::serve) {
    const std::size_t expected = kWarmup + o.connections + o.extra_handshakes;
    r.server_handshake_events = server.wait_for_handshake_events(events_before + expected, 5s) - events_before;
    r.server_error_events = server.error_events();
    if (r.server_handshake_events != expected || r.server_error_events != 0) {
      r.failures.push_back("serve printed " + std::to_string(r.server_handshake_events) + " handshake and " +
                           std::to_string(r.server_error_events) + " error lines; expected " +
                           std::to_string(expected) + " and 0");
    }
  }
}

}  // namespace

IdleReport run_idle(const IdleOptions& o, const ServerProcess& server) {
  const auto start = Clock::now();
  IdleReport r;
  r.connections = o.connections;
  r.extra_handshakes = o.extra_handshakes;
  const Context context = test::client_context();
  // serve's lines from an earlier part of the run (the concurrent soak).
  const std::size_t events_before = server.kind() == ServerKind::serve ? server.settled_handshake_events() : 0;

  const WaveStats warmup = run_wave({.context = &context,
                                     .port = server.port(),
                                     .connections = kWarmup,
                                     .seed = o.seed,
                                     .wave = 0,
                                     .deadline = std::min(o.deadline, Clock::now() + 60s)});
  for (const std::string& e : warmup.errors) {
    r.failures.push_back("warm-up: " + e);
  }
  const std::size_t baseline_fds = settle_fds(server.pid(), std::nullopt, 5s);
  r.baseline_server_rss_kib = rss_kib(server.pid());

  ClientPool held(context, server.port(), kHeldLimits);
  const auto opening = Clock::now();
  const double cpu_before_open = cpu_seconds(server.pid());
  open_held(o, held);
  r.open_seconds = since(opening);
  r.open_server_cpu_seconds = cpu_seconds(server.pid()) - cpu_before_open;
  r.open_per_second = static_cast<double>(held.established()) / r.open_seconds;

  // Idle for a while: nothing moves, and the figures settle.
  std::this_thread::sleep_for(std::min<Clock::duration>(o.hold, o.deadline - Clock::now()));
  r.held = held.established_peak();
  r.held_server_rss_kib = rss_kib(server.pid());
  r.held_server_fds = fd_count(server.pid());
  r.own_rss_kib = rss_kib(::getpid());
  r.server_bytes_per_connection =
      1024.0 * (static_cast<double>(r.held_server_rss_kib) - static_cast<double>(r.baseline_server_rss_kib)) /
      static_cast<double>(std::max<std::size_t>(held.established(), 1));

  ClientPool extra(context, server.port(), kExtraLimits);
  const auto extra_start = Clock::now();
  const double cpu_before_extra = cpu_seconds(server.pid());
  run_extra(o, extra);
  r.extra_seconds = since(extra_start);
  r.extra_server_cpu_seconds = cpu_seconds(server.pid()) - cpu_before_extra;
  r.extra_completed = extra.completed();
  r.extra_per_second = static_cast<double>(extra.completed()) / r.extra_seconds;
  r.extra_per_server_cpu_second =
      static_cast<double>(extra.completed()) / std::max(r.extra_server_cpu_seconds, 0.001);
  extra.abandon("the run's deadline passed");
  take_errors(r, extra);

  finish_held(o, held);
  held.abandon("the run's deadline passed");
  r.echoed = held.checksum_mismatches() == 0 ? held.completed() : 0;
  if (held.tally().bytes_mismatched != 0 || held.checksum_mismatches() != 0) {
    r.failures.push_back("the held connections' echo differs: " + std::to_string(held.tally().bytes_mismatched) +
                         " bytes mismatched");
  }
  take_errors(r, held);

  check(r, o, server, events_before, baseline_fds, settle_fds(server.pid(), baseline_fds, 5s));
  r.seconds = since(start);
  return r;
}

}  // namespace sslpp::soak
