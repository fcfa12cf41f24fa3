// dtls: hostile datagrams at a DTLS endpoint over the datagram transport.
// Server side, as DTLSServer meets an unknown address: the stateless
// listener (dtls_listen, default cookie bound to a fixed address) until a
// cookie verifies, then the handshake, records and shutdown on that
// connection. Client side: a verifying client after its ClientHello, fed
// the server's datagrams. Timers are driven too (handle_dtls_timeout is a
// no-op until due, and must never fail on hostile input alone).
//
// Input: a mode byte (bit 0 client, bit 1 SRTP offered, bit 2 a client
// certificate asked for / sent, bit 3 a small MTU), then datagrams, each a
// 2-byte length and that many bytes (what is left when the input runs out).
#include <cstddef>
#include <cstdint>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/dtls.hpp>

#include <openssl/ssl.h>

#include "support/deterministic.hpp"
#include "support/expect.hpp"
#include "support/getters.hpp"
#include "support/input.hpp"
#include "support/pki.hpp"
#include "support/world.hpp"

namespace {

using sslpp_fuzz::input;

void drain(sslpp::Connection& c) {
  for (auto d = c.peek_output(); !d.empty(); d = c.peek_output()) {
    c.consume_output(d.size());
  }
}

// step runs the connection's next call for its phase, then drains its output.
void step(sslpp::Connection& c) {
  std::error_code ec;
  std::byte buf[2048];
  static_cast<void>(c.handle_dtls_timeout(ec));
  const sslpp::io_result r = c.do_handshake(ec);
  if (r.ok()) {
    while (c.read(buf, ec).ok()) {
    }
    static_cast<void>(c.write(std::as_bytes(std::span("pong", 4)), ec));
  }
  drain(c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sslpp_fuzz::begin_input();
  input in(data, size);
  const std::uint8_t mode = in.byte();
  sslpp_fuzz::expect_typed([&] {
    sslpp::Context ctx = sslpp_fuzz::dtls_context(mode);
    const bool client = (mode & 1) != 0;
    sslpp::Connection c = client ? ctx.wrap_bio({.server_hostname = "localhost"}) : ctx.wrap_bio({.server_side = true});
    if ((mode & 8) != 0) {
      c.set_ciphertext_mtu(300);
    }
    std::error_code ec;
    bool listening = !client;
    if (client) {
      step(c);  // the ClientHello
    } else {
      c.set_peer_address({"192.0.2.7", 5684, AF_INET});
    }
    while (!in.empty()) {
      const std::span<const std::byte> datagram = in.bytes(in.u16());
      static_cast<void>(c.bio_write(datagram));
      if (listening) {
        const sslpp::io_result r = c.dtls_listen(ec);
        drain(c);
        if (r.status == sslpp::io_status::error) {
          return;
        }
        listening = !r.ok();
        if (listening) {
          continue;
        }
      }
      step(c);
    }
    if (::SSL_is_init_finished(c.native_handle()) == 1) {
      sslpp_fuzz::call_getters(c);
      if ((mode & 2) != 0 && c.selected_srtp_profile()) {
        static_cast<void>(c.srtp_keys());
      }
    }
    static_cast<void>(c.shutdown(ec));
    drain(c);
  });
  return 0;
}
