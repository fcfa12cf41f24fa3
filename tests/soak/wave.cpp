#include "wave.hpp"

#include <algorithm>

#include "client_pool.hpp"

namespace sslpp::soak {

namespace {

using Clock = std::chrono::steady_clock;

std::string label(const WaveConfig& config, std::size_t i) {
  return "wave " + std::to_string(config.wave) + " connection " + std::to_string(i) + " (seed " +
         std::to_string(connection_seed(config.seed, config.wave, i)) + ")";
}

}  // namespace

WaveStats run_wave(const WaveConfig& config) {
  const auto start = Clock::now();
  ClientPool pool(*config.context, config.port, {config.max_payload, config.max_write});
  for (std::size_t i = 0; i < config.connections; ++i) {
    pool.open(connection_seed(config.seed, config.wave, i), label(config, i));
  }
  bool released = false;
  while (pool.unfinished() > 0 && Clock::now() < config.deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(config.deadline - Clock::now());
    pool.poll(std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(100)));
    // Streaming starts only once no client is still connecting or
    // handshaking, so all N connections are open at once.
    if (!released && pool.handshaking() == 0) {
      pool.release_ready();
      released = true;
    }
  }
  pool.abandon("wave deadline passed");
  WaveStats stats;
  stats.established_peak = pool.established_peak();
  stats.completed = pool.completed();
  stats.failed = pool.failed();
  stats.bytes_sent = pool.tally().bytes_sent;
  stats.bytes_received = pool.tally().bytes_received;
  stats.bytes_mismatched = pool.tally().bytes_mismatched;
  stats.checksum_mismatches = pool.checksum_mismatches();
  stats.errors = pool.errors();
  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return stats;
}

}  // namespace sslpp::soak
