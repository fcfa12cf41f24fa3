// In-memory pair: moves ciphertext between two Connections until both are
// idle, single-threaded and deterministic; and what the unit tests build on
// it: a handshake's outcome, post-handshake messages driven by reads.
#pragma once

#include <cstddef>
#include <string>
#include <system_error>
#include <vector>

#include <sslpp/connection.hpp>

#include "support/pki.hpp"

namespace sslpp::test {

// MemoryPair is a verifying client (for "localhost") and a server over
// memory buffers, from the test PKI; nothing has run yet. `tls12` caps the
// server at TLS 1.2.
struct MemoryPair {
  explicit MemoryPair(bool tls12 = false);

  Context client_ctx = client_context();
  Context server_ctx = server_context();
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection server;
};

// take_output takes every ciphertext byte `c` has for its peer.
std::vector<std::byte> take_output(Connection& c);

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

// Outcome is how a handshake ended, from the client's side.
struct Outcome {
  bool ok = false;
  long verify_code = 0;
  std::string message;
};

// connect runs a handshake between a new client of `client_ctx`, which
// names the server `hostname`, and a new server of `server_ctx`.
Outcome connect(Context& client_ctx, Context& server_ctx, const std::string& hostname = "localhost");

// exchange reads on both ends and moves the ciphertext until nothing moves,
// which is how a post-handshake message (HelloRequest, CertificateRequest,
// a renegotiation) gets driven by ordinary reads. Returns the plaintext
// each end read. Fails the test on a hard error.
struct Exchanged {
  std::string at_client;
  std::string at_server;
};
Exchanged exchange(Connection& client, Connection& server);

// expect_data_flows proves the connection still carries data both ways.
void expect_data_flows(Connection& client, Connection& server, const std::string& tag);

}  // namespace sslpp::test
