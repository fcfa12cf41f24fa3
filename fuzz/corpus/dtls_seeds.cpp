// Seeds of the dtls target: the datagrams each side of a real DTLS handshake
// sent (cookie exchange included, then a record each way), framed as the
// target reads them, for the server side and for the client side, in each
// mode worth starting from.
#include <string>
#include <vector>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include "corpus/seeds.hpp"
#include "support/world.hpp"

namespace sslpp_fuzz::corpus {

namespace {

// move_datagrams hands every datagram `from` has to `to`, recording each in `log`.
void move_datagrams(sslpp::Connection& from, sslpp::Connection& to, bytes& log) {
  for (auto d = from.peek_output(); !d.empty(); d = from.peek_output()) {
    log.u16(static_cast<int>(d.size())).s(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
    static_cast<void>(to.bio_write(d));
    from.consume_output(d.size());
  }
}

}  // namespace

seeds dtls_seeds() {
  struct mode {
    const char* name;
    std::uint8_t bits;  // as the target reads them, without the client bit
  };
  static constexpr mode modes[] = {{"plain", 0}, {"srtp", 2}, {"client_cert", 4}, {"small_mtu", 8}, {"srtp_cert", 6}};
  seeds out;
  for (const mode& m : modes) {
    begin_input();
    sslpp::Context server_ctx = dtls_context(m.bits);
    sslpp::Context client_ctx = dtls_context(static_cast<std::uint8_t>(m.bits | 1));
    sslpp::Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
    sslpp::Connection server = server_ctx.wrap_bio({.server_side = true});
    server.set_peer_address({"192.0.2.7", 5684, AF_INET});
    if ((m.bits & 8) != 0) {
      client.set_ciphertext_mtu(300);
      server.set_ciphertext_mtu(300);
    }
    bytes to_server;
    to_server.b(m.bits);
    bytes to_client;
    to_client.b(m.bits | 1);
    bool listening = true;
    std::error_code ec;
    for (int round = 0; round < 12; ++round) {
      if (client.do_handshake(ec).ok()) {
        static_cast<void>(client.write(std::as_bytes(std::span("ping", 4)), ec));
      }
      move_datagrams(client, server, to_server);
      if (listening) {
        listening = !server.dtls_listen(ec).ok();
      }
      if (!listening && server.do_handshake(ec).ok()) {
        std::byte buf[64];
        static_cast<void>(server.read(buf, ec));
        static_cast<void>(server.write(std::as_bytes(std::span("pong", 4)), ec));
      }
      move_datagrams(server, client, to_client);
    }
    out.push_back({std::string("server_") + m.name, to_server.str()});
    out.push_back({std::string("client_") + m.name, to_client.str()});
  }
  return out;
}

}  // namespace sslpp_fuzz::corpus
