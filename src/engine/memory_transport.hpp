// The memory transport: the two byte queues between a connection and the
// driver that moves its ciphertext (Python's MemoryBIO pair), behind one BIO
// that OpenSSL reads records from and writes records to.
//
// Unlike BIO_s_mem it lets the driver work in place (look at pending output
// and consume it; receive straight into free input space), and bounds both
// queues: a full input queue takes no more bytes (the driver stops reading
// its socket: backpressure), a full output queue makes OpenSSL report
// want_write until the driver drains it.
#pragma once

#include <cstddef>
#include <limits>
#include <span>

#include <openssl/types.h>

#include "engine/byte_queue.hpp"
#include "internal/handle.hpp"

namespace sslpp::detail {

// memory_transport owns both queues. OpenSSL reaches them through bio(),
// which SSL_set_bio gives the SSL for both directions (the BIO never owns
// the transport; the engine owns both and frees the SSL, and so the BIO,
// first).
class memory_transport {
 public:
  static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

  memory_transport();  // throws SSLError when the BIO cannot be made
  memory_transport(const memory_transport&) = delete;
  memory_transport& operator=(const memory_transport&) = delete;

  // bio is the BIO (borrowed: up_ref it before SSL_set_bio takes it).
  [[nodiscard]] BIO* bio() const noexcept { return bio_.get(); }

  // -- The driver's side ----------------------------------------------------
  byte_queue input;   // network -> TLS
  byte_queue output;  // TLS -> network
  std::size_t input_limit = unlimited;
  std::size_t output_limit = unlimited;
  bool input_ended = false;  // the peer's transport closed (bio_shutdown)

  // feed appends what fits under input_limit; returns how many bytes it took.
  std::size_t feed(std::span<const std::byte> data) noexcept;
  // input_space is free input space for the driver to receive into, at most
  // `n` bytes and never past input_limit (empty when the queue is full).
  std::span<std::byte> input_space(std::size_t n);
  // commit_input appends the first `n` bytes of the last input_space, and
  // never more than it handed out. The space stays in place, whatever other
  // calls run, until commit_input, feed or the next input_space.
  void commit_input(std::size_t n) noexcept;
  // peek_output is the pending output, pinned until consume_output or
  // read_output, for a driver that sends it straight from the queue while
  // other calls run.
  std::span<const std::byte> peek_output() noexcept;
  void consume_output(std::size_t n) noexcept;
  std::size_t read_output(std::span<std::byte> out) noexcept;

 private:
  std::size_t granted_ = 0;  // what the last input_space handed out
  unique_handle<BIO> bio_;
};

}  // namespace sslpp::detail
