/// \file
/// The exception-free vocabulary of sslpp's I/O calls.
#pragma once

#include <sslpp/export.hpp>

#include <cstddef>
#include <string_view>

namespace sslpp {

/// io_status is what an exception-free I/O call (read, write, do_handshake,
/// shutdown) reports. Each value says what the caller does next.
enum class io_status {
  /// The call did its work; `bytes` says how much.
  ok,
  /// Ciphertext from the peer is needed: feed it (bio_write, or wait until
  /// the socket is readable), then repeat the same call with the same arguments.
  want_read,
  /// Ciphertext must reach the peer first: drain it (bio_read, or wait until
  /// the socket is writable), then repeat the same call with the same arguments.
  want_write,
  /// The peer sent close_notify: the TLS stream ended cleanly. Reads return
  /// nothing more; shutdown() completes the exchange.
  closed,
  /// The transport ended without close_notify: the data may have been cut
  /// short by an attacker. Do not treat what was read as complete.
  truncated,
  /// A fatal error; the std::error_code says which. The connection is dead:
  /// every later call reports the same error. Flush bio_read and close.
  /// Two errors are not fatal and may be retried: check_hostname without a
  /// server_hostname (set one, then repeat) and want_x509_lookup.
  error,
};

/// to_string names an io_status ("ok", "want_read", ...).
constexpr std::string_view to_string(io_status s) noexcept {
  switch (s) {
    case io_status::ok:
      return "ok";
    case io_status::want_read:
      return "want_read";
    case io_status::want_write:
      return "want_write";
    case io_status::closed:
      return "closed";
    case io_status::truncated:
      return "truncated";
    case io_status::error:
      return "error";
  }
  return "unknown";
}

/// io_result is an io_status plus the number of plaintext bytes moved.
struct io_result {
  /// status is the outcome: what the caller does next.
  io_status status = io_status::ok;
  /// bytes is how many plaintext bytes the call read or took (0 for a
  /// handshake or shutdown).
  std::size_t bytes = 0;
  /// output_pending is true when ciphertext waits for the driver to send it
  /// (Connection over memory buffers: take it with bio_read or
  /// peek_output/consume_output). Set by every call, so a driver never polls.
  bool output_pending = false;

  /// ok() is true when status is io_status::ok.
  [[nodiscard]] constexpr bool ok() const noexcept { return status == io_status::ok; }
};

}  // namespace sslpp
