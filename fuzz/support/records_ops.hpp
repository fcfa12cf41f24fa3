// The records target's program vocabulary, shared with the corpus
// generator that writes programs in it.
#pragma once

#include <cstdint>

#include "world.hpp"

namespace sslpp_fuzz {

enum class records_op : std::uint8_t {
  deliver,       // [hi][lo]: move up to hi*64+lo bytes of my output to the peer
  deliver_all,   // move all my output to the peer
  drop,          // [hi][lo]: lose up to hi*64+lo bytes of my output
  inject,        // [len][bytes]: foreign bytes into my input
  replay,        // [offset u16][len]: the peer's past output again, into my input
  read,
  write,         // [n]: n*64+1 bytes
  shutdown,
  eof,           // my transport ends (bio_shutdown)
  renegotiate,
  post_handshake_auth,
  handshake,
  limits,        // [in][out]: transport limits of n*64+1 bytes
  inspect,
  throwing_read,
  unwrap,
  count,
};

/// op_byte encodes an op for `side` (0 client, 1 server).
constexpr std::uint8_t op_byte(records_op op, int side) noexcept {
  return static_cast<std::uint8_t>(static_cast<int>(op) | (side << 7));
}

struct records_config {
  std::uint8_t version = 0;
  bool client_cert = false;
  bool post_handshake_auth = false;
  bool keep_buffers = false;

  static records_config from_byte(std::uint8_t b) noexcept {
    return {static_cast<std::uint8_t>(b & 3), (b & 4) != 0, (b & 8) != 0, (b & 16) != 0};
  }
  [[nodiscard]] std::uint8_t to_byte() const noexcept {
    return static_cast<std::uint8_t>((version & 3) | (client_cert ? 4 : 0) | (post_handshake_auth ? 8 : 0) |
                                     (keep_buffers ? 16 : 0));
  }
  [[nodiscard]] client_config client() const noexcept {
    return client_config{.verify = true, .client_cert = client_cert, .max_version = version,
                         .post_handshake_auth = post_handshake_auth};
  }
  [[nodiscard]] server_config server() const noexcept {
    return server_config{.client_auth = static_cast<std::uint8_t>(post_handshake_auth ? 3 : client_cert ? 2 : 0),
                         .max_version = version, .keep_buffers = keep_buffers};
  }
};

}  // namespace sslpp_fuzz
