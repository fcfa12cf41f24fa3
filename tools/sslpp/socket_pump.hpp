// Moving ciphertext between a non-blocking socket and a Connection over
// memory buffers: the driver side of the memory transport
// (docs/architecture.md) for an event loop. Sending is in place, from
// peek_output. Receiving goes through a scratch buffer and bio_write, not
// into input_space: a recv that finds nothing (EAGAIN) after input_space
// would leave an empty 16 KiB input block on the connection, and an idle
// connection must hold no buffer. Nothing here blocks or throws.
#pragma once

#include <cstddef>
#include <span>

#include <sslpp/connection.hpp>

namespace sslpp::cli {

/// PumpResult is what one pump call did.
struct PumpResult {
  std::size_t bytes = 0;  // moved (or discarded)
  bool eof = false;       // the peer closed its side (receiving only)
  int error = 0;          // errno of a socket failure (ECONNRESET, EPIPE...), else 0
};

/// receive moves what the socket has, up to `budget` bytes, into `tls`,
/// through `scratch`. It stops early when the socket has nothing more
/// (EAGAIN) or at EOF. When `tls` cannot take the bytes (out of memory),
/// it reports ENOMEM: the stream is broken.
PumpResult receive(Connection& tls, int fd, std::span<std::byte> scratch, std::size_t budget) noexcept;

/// send_pending sends as much of the pending ciphertext as the socket takes.
PumpResult send_pending(Connection& tls, int fd) noexcept;

/// discard reads and drops up to `budget` bytes (after our last TLS byte,
/// what the peer still sends is read only so that closing does not reset
/// the connection).
PumpResult discard(int fd, std::span<std::byte> scratch, std::size_t budget) noexcept;

}  // namespace sslpp::cli
