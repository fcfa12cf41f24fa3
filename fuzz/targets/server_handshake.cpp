// server_handshake: the input is a client's side of a connection, fed to a
// server Connection that requests client certificates, has an SNI callback
// (switching to a second certificate for "other.example.test", refusing
// "reject.example.test") and ALPN (a list or a select callback).
//
// Input: [server_config byte] [features byte] [chunk size] [client bytes...]
// The features byte adds a PSK server callback (so the client's identity
// and binder reach it) and a stapled OCSP response.
// Chunk size 0 feeds all bytes at once. After a completed handshake the
// server calls every getter, reads, writes and shuts down.
#include <cstddef>
#include <cstdint>

#include "support/expect.hpp"
#include "support/input.hpp"
#include "support/exchange.hpp"
#include "support/getters.hpp"
#include "support/world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sslpp_fuzz;
  begin_input();
  input in(data, size);
  const server_config server_cfg = server_config::from_byte(in.byte());
  const features extras = features::from_byte(in.byte());
  const std::size_t chunk = in.byte();
  expect_typed([&] {
    const world w(client_config{}, server_cfg, extras);
    reset();  // the recorded server drew from a fresh server stream
    endpoint server = make_server(w);
    feed_and_drive(server, in.rest(), chunk, request_client_certificate);
    if (server.conn.is_handshake_done()) {
      exercise_established(server);
    }
  });
  return 0;
}
