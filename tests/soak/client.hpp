// Client is one soak connection's state machine, advanced by the wave's
// epoll loop with the exception-free io_result forms: each step goes as far
// as it can without blocking and says which events to wait for next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <sys/epoll.h>

#include <sslpp/ssl_socket.hpp>

#include "payload.hpp"

namespace sslpp::soak {

// Tally is what all of a wave's clients add up.
struct Tally {
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_mismatched = 0;
};

class Client {
 public:
  enum class Phase {
    connecting,   // TCP connect in progress
    handshaking,  // TLS handshake
    ready,        // handshaken, held until every client of the wave is
    streaming,    // sending the payload and checking the echo
    closing,      // sending our close_notify
    draining,     // waiting for the server's close_notify
    done,
    failed,
  };

  struct Limits {
    std::size_t max_payload;
    std::size_t max_write;
  };

  // Client starts a non-blocking connect to 127.0.0.1:port. Throws what
  // socket creation throws (OSError: EMFILE...).
  Client(const Context& context, std::uint16_t port, std::uint64_t seed, Limits limits);

  [[nodiscard]] int fd() const noexcept { return tls_.fileno(); }
  [[nodiscard]] Phase phase() const noexcept { return phase_; }
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  // echo_matches is true when the FNV-1a of the echo equals that of the
  // payload (meaningful once done).
  [[nodiscard]] bool echo_matches() const noexcept { return sent_sum_.value() == received_sum_.value(); }

  // first_events is what to wait for before the first advance: a
  // connecting socket becomes writable when the connect completes.
  static constexpr std::uint32_t first_events = EPOLLOUT;

  // advance moves the client on after an event; returns the epoll events
  // to wait for (0 when it waits for nothing: ready, done or failed).
  // `scratch` is the loop's shared read buffer.
  std::uint32_t advance(Tally& tally, std::span<std::byte> scratch);
  // release lets a ready client start streaming.
  std::uint32_t release(Tally& tally, std::span<std::byte> scratch);

 private:
  std::uint32_t finish_connect();
  std::uint32_t handshake();
  std::uint32_t stream(Tally& tally, std::span<std::byte> scratch);
  std::uint32_t send_close_notify();
  std::uint32_t drain(Tally& tally, std::span<std::byte> scratch);
  void check_echo(std::span<const std::byte> got, Tally& tally);
  std::uint32_t fail(const char* step, const io_result& r, const std::error_code& ec);

  SSLSocket tls_;
  std::uint64_t seed_;
  Limits limits_;
  Phase phase_;
  Rng sizes_;              // the payload's size, then each write's
  ByteStream outgoing_;    // the payload, as written
  ByteStream expected_;    // the same payload, to check the echo against
  Fnv1a sent_sum_;
  Fnv1a received_sum_;
  std::size_t total_ = 0;  // payload size
  std::size_t sent_ = 0;
  std::size_t received_ = 0;
  std::vector<std::byte> chunk_;  // the write in progress, retried unchanged after want_write
  std::size_t chunk_done_ = 0;
  std::string error_;
};

const char* to_string(Client::Phase phase) noexcept;

}  // namespace sslpp::soak
