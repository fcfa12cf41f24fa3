#include "support/pump.hpp"

#include <gtest/gtest.h>

#include <array>

namespace sslpp::test {

namespace {

// make_server is a server of `ctx`, which `tls12` caps at TLS 1.2.
Connection make_server(Context& ctx, bool tls12) {
  if (tls12) {
    ctx.set_maximum_version(TLSVersion::TLSv1_2);
  }
  return ctx.wrap_bio({.server_side = true});
}

}  // namespace

MemoryPair::MemoryPair(bool tls12) : server(make_server(server_ctx, tls12)) {}

std::vector<std::byte> take_output(Connection& c) {
  std::vector<std::byte> out;
  std::array<std::byte, 4096> buf{};
  while (const std::size_t n = c.bio_read(buf)) {
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return out;
}

std::size_t transfer(Connection& from, Connection& to, std::size_t chunk) {
  std::array<std::byte, 16384> buf{};
  std::size_t total = 0;
  const std::size_t step = chunk == 0 ? buf.size() : std::min(chunk, buf.size());
  while (std::size_t n = from.bio_read(std::span(buf.data(), step))) {
    // Every pair here is unbounded: a short take would drop ciphertext.
    EXPECT_EQ(to.bio_write(std::span<const std::byte>(buf.data(), n)), n) << "bio_write took less than offered";
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

Outcome connect(Context& client_ctx, Context& server_ctx, const std::string& hostname) {
  Connection client = client_ctx.wrap_bio({.server_hostname = hostname});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  const auto r = handshake(client, server);
  return {r.ok(), client.last_error().verify_code, client.last_error().message};
}

Exchanged exchange(Connection& client, Connection& server) {
  Exchanged got;
  std::array<std::byte, 4096> buf{};
  const auto drain = [&buf](Connection& c, std::string& into) {
    std::error_code ec;
    for (;;) {
      const io_result r = c.read(buf, ec);
      if (r.ok()) {
        into.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
        continue;
      }
      EXPECT_EQ(r.status, io_status::want_read) << ec.message() << ": " << c.last_error().message;
      return;
    }
  };
  for (int round = 0; round < 50; ++round) {
    drain(client, got.at_client);
    const std::size_t a = transfer(client, server);
    drain(server, got.at_server);
    const std::size_t b = transfer(server, client);
    if (a == 0 && b == 0) {
      break;
    }
  }
  return got;
}

void expect_data_flows(Connection& client, Connection& server, const std::string& tag) {
  client.sendall("ping " + tag);
  server.sendall("pong " + tag);
  const Exchanged got = exchange(client, server);
  EXPECT_EQ(got.at_server, "ping " + tag);
  EXPECT_EQ(got.at_client, "pong " + tag);
}

}  // namespace sslpp::test
