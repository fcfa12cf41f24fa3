// The idle hold (issue 12): N TLS connections opened against the server
// and held idle at once, a few in flight at a time, then more handshakes
// while they are held, then every held connection must still answer an
// echo. Measures the server's resident memory per held connection and its
// handshakes per second (wall and per CPU second of the server) while it
// holds them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "server_process.hpp"

namespace sslpp::soak {

struct IdleOptions {
  std::size_t connections = 0;          // held at once
  std::size_t in_flight = 32;           // handshakes under way at once while opening
  std::size_t extra_handshakes = 1000;  // made (and closed) while the N are held
  std::chrono::seconds hold{2};         // how long the N stay idle before the measurement
  std::uint64_t seed = 1;
  std::chrono::steady_clock::time_point deadline;  // the whole run's
};

struct IdleReport {
  std::size_t connections = 0;
  std::size_t held = 0;  // established at once, at the peak
  double open_seconds = 0;
  double open_per_second = 0;           // handshakes/s while the held count grew to N
  double open_server_cpu_seconds = 0;
  std::size_t baseline_server_rss_kib = 0;  // after a warm-up wave, before opening
  std::size_t held_server_rss_kib = 0;      // with the N held
  double server_bytes_per_connection = 0;   // the growth / N
  std::size_t held_server_fds = 0;
  std::size_t own_rss_kib = 0;  // the clients' side, with the N held
  std::size_t extra_handshakes = 0;
  std::size_t extra_completed = 0;
  double extra_seconds = 0;
  double extra_per_second = 0;
  double extra_server_cpu_seconds = 0;
  double extra_per_server_cpu_second = 0;
  std::size_t echoed = 0;  // held connections that answered the echo at the end and closed cleanly
  std::size_t server_handshake_events = 0;  // serve only: its "handshake" lines
  std::size_t server_error_events = 0;
  double seconds = 0;
  std::vector<std::string> failures;
};

IdleReport run_idle(const IdleOptions& options, const ServerProcess& server);

}  // namespace sslpp::soak
