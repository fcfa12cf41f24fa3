// In-memory pair: moves ciphertext between two Connections until both are
// idle, single-threaded and deterministic.
#pragma once

#include <cstddef>
#include <system_error>

#include <sslpp/connection.hpp>

#include "support/pki.hpp"

namespace sslpp::test {

// MemoryPair is a verifying client (for "localhost") and a server over
// memory buffers, from the test PKI; nothing has run yet.
struct MemoryPair {
  Context client_ctx = client_context();
  Context server_ctx = server_context();
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
};

// transfer moves every pending ciphertext byte from `from` to `to`; returns
// how many moved. With `chunk` > 0 it moves at most `chunk` bytes per call
// to bio_write (a starved transport).
std::size_t transfer(Connection& from, Connection& to, std::size_t chunk = 0);

// HandshakeResult says how each side's handshake ended.
struct HandshakeResult {
  io_result client;
  io_result server;
  std::error_code client_ec;
  std::error_code server_ec;
  bool ok() const { return client.ok() && server.ok(); }
};

// handshake drives both sides until both finish or one fails; bounded in
// rounds so a bug cannot loop forever.
HandshakeResult handshake(Connection& client, Connection& server, std::size_t chunk = 0);

}  // namespace sslpp::test
