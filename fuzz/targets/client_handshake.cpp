// client_handshake: the input is a server's side of a connection, fed to a
// client Connection.
//
// Input: [client_config byte] [server_config byte] [features byte] [chunk size] [server bytes...]
// The client config chooses verification on (CA loaded, check_hostname) or
// off (CERT_NONE), a client certificate, the versions, ALPN, a session to
// resume and post-handshake auth. The server config only shapes the server
// the resumed session comes from. The features byte adds a PSK (so the
// server's PSK answer reaches the client) and the OCSP request and check
// (so the server's stapled bytes reach the check). Chunk size 0 feeds all
// bytes at once.
// After a completed handshake the client calls every getter, reads, writes
// and shuts down.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "support/expect.hpp"
#include "support/input.hpp"
#include "support/exchange.hpp"
#include "support/getters.hpp"
#include "support/world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sslpp_fuzz;
  begin_input();
  input in(data, size);
  const client_config client_cfg = client_config::from_byte(in.byte());
  const server_config server_cfg = server_config::from_byte(in.byte());
  const features extras = features::from_byte(in.byte());
  const std::size_t chunk = in.byte();
  expect_typed([&] {
    const world w(client_cfg, server_cfg, extras);
    const std::optional<sslpp::Session> session = client_cfg.resume ? resumable_session(w) : std::nullopt;
    reset();  // the recorded client drew from a fresh client stream
    endpoint client = make_client(w, session);
    feed_and_drive(client, in.rest(), chunk);
    if (client.conn.is_handshake_done()) {
      exercise_established(client);
    }
  });
  return 0;
}
