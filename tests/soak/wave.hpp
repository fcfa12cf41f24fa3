// One wave of the concurrent soak: N TLS clients over non-blocking
// SSLSockets, driven by one epoll loop, all connected at once before any
// sends, each echoing a pseudo-random payload through the server and
// checking it byte for byte, then closing with close_notify both ways.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <sslpp/context.hpp>

namespace sslpp::soak {

struct WaveConfig {
  const Context* context = nullptr;  // a client context trusting the server
  std::uint16_t port = 0;            // the server on 127.0.0.1
  std::size_t connections = 0;
  std::uint64_t seed = 0;  // with the wave number and index, each payload's seed
  std::uint64_t wave = 0;
  std::size_t max_payload = 64 * 1024;  // payload sizes are log-uniform in [1, this]
  std::size_t max_write = 16 * 1024;    // and so are the sizes of single writes
  std::chrono::steady_clock::time_point deadline;
};

struct WaveStats {
  std::size_t established_peak = 0;  // handshaken connections open at once
  std::size_t completed = 0;         // echo verified and close_notify exchanged
  std::size_t failed = 0;
  std::uint64_t bytes_sent = 0;        // payload bytes written
  std::uint64_t bytes_received = 0;    // echoed bytes read
  std::uint64_t bytes_mismatched = 0;  // read bytes that differ from what was sent, or extra ones
  std::size_t checksum_mismatches = 0;  // completed connections whose echo's FNV-1a differs
  std::vector<std::string> errors;     // the first few failures, with their seeds
  double seconds = 0;
};

// run_wave runs one wave to completion or to the deadline (connections
// still open then count as failed). Every socket it opened is closed when it
// returns.
WaveStats run_wave(const WaveConfig& config);

}  // namespace sslpp::soak
