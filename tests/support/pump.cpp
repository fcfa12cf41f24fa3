#include "support/pump.hpp"

#include <array>

namespace sslpp::test {

std::size_t transfer(Connection& from, Connection& to, std::size_t chunk) {
  std::array<std::byte, 16384> buf{};
  std::size_t total = 0;
  const std::size_t step = chunk == 0 ? buf.size() : std::min(chunk, buf.size());
  while (std::size_t n = from.bio_read(std::span(buf.data(), step))) {
    to.bio_write(std::span<const std::byte>(buf.data(), n));
    total += n;
  }
  return total;
}

HandshakeResult handshake(Connection& client, Connection& server, std::size_t chunk) {
  HandshakeResult r{};
  r.client.status = io_status::want_read;
  r.server.status = io_status::want_read;
  for (int round = 0; round < 10000; ++round) {
    if (!r.client.ok()) {
      r.client = client.do_handshake(r.client_ec);
    }
    const std::size_t a = transfer(client, server, chunk);
    if (!r.server.ok()) {
      r.server = server.do_handshake(r.server_ec);
    }
    const std::size_t b = transfer(server, client, chunk);
    const bool failed = r.client.status == io_status::error || r.server.status == io_status::error ||
                        r.client.status == io_status::truncated || r.server.status == io_status::truncated;
    if ((r.ok() && a == 0 && b == 0) || (failed && a == 0 && b == 0)) {
      break;
    }
  }
  return r;
}

}  // namespace sslpp::test
