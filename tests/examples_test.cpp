// The examples are programs a user copies: build them and run them for real.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <sslpp/sslpp.hpp>

#include "support/pki.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using namespace std::chrono_literals;
using test::pki;
using test::Subprocess;

// port_of reads "listening on 127.0.0.1:PORT" from a server's first line.
std::uint16_t port_of(Subprocess& server) {
  const auto line = server.wait_for_line("listening on");
  if (!line) {
    throw std::runtime_error("the server did not start: " + server.describe());
  }
  return static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
}

TEST(Examples, LoopbackHandshakePrintsTheSession) {
  Subprocess p({SSLPP_EXAMPLE_LOOPBACK});
  const std::string out = p.read_all();
  EXPECT_EQ(p.wait(), 0) << p.describe();
  EXPECT_NE(out.find("version:  TLSv1.3"), std::string::npos) << out;
  EXPECT_NE(out.find("received: hello, sslpp"), std::string::npos) << out;
  EXPECT_NE(out.find("\"subject\": [[[\"commonName\", \"localhost\"]]]"), std::string::npos) << out;
}

TEST(Examples, SeedClientsTalkToTheSeedServer) {
  Subprocess server({SSLPP_EXAMPLE_SERVER, pki().server.cert.string(), pki().server.key.string(), "0", "2"});
  const std::string port = std::to_string(port_of(server));
  Subprocess custom({SSLPP_EXAMPLE_CLIENT_CUSTOM, "localhost", port, pki().ca_file.string()});
  EXPECT_EQ(custom.read_all(), "TLSv1.3\n");
  EXPECT_EQ(custom.wait(), 0) << custom.describe();
  Subprocess dflt({SSLPP_EXAMPLE_CLIENT_DEFAULT, "localhost", port, pki().ca_file.string()});
  EXPECT_EQ(dflt.read_all(), "TLSv1.3\n");
  EXPECT_EQ(dflt.wait(), 0) << dflt.describe();
  EXPECT_EQ(server.wait(), 0) << server.describe();
}

TEST(Examples, SeedClientRefusesAnUntrustedServer) {
  Subprocess server({SSLPP_EXAMPLE_SERVER, pki().untrusted.cert.string(), pki().untrusted.key.string(), "0", "1"});
  const std::string port = std::to_string(port_of(server));
  Subprocess client({SSLPP_EXAMPLE_CLIENT_CUSTOM, "localhost", port, pki().ca_file.string()});
  client.read_all();
  EXPECT_EQ(client.wait(), 1);
  EXPECT_NE(client.stderr_text().find("SSLCertVerificationError"), std::string::npos) << client.describe();
  server.wait();
}

TEST(Examples, EpollServerServesManyClientsAtOnce) {
  constexpr int kClients = 24;
  Subprocess server({SSLPP_EXAMPLE_EPOLL_SERVER, pki().server.cert.string(), pki().server.key.string(),
                     std::to_string(kClients)});
  const std::uint16_t port = port_of(server);
  Context ctx = test::client_context();
  // All clients connect before any sends, so the server holds them at once.
  std::vector<SSLSocket> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(ctx.wrap_socket(create_connection("127.0.0.1", port, 5s), {.server_hostname = "localhost"}));
  }
  for (int i = 0; i < kClients; ++i) {
    const std::string msg = "client " + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 1000, 'x');
    clients[static_cast<std::size_t>(i)].sendall(msg);
  }
  for (int i = 0; i < kClients; ++i) {
    const std::string msg = "client " + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 1000, 'x');
    std::string got;
    while (got.size() < msg.size()) {
      const std::string part = clients[static_cast<std::size_t>(i)].recv(65536);
      ASSERT_FALSE(part.empty());
      got += part;
    }
    EXPECT_EQ(got, msg);
    clients[static_cast<std::size_t>(i)].close();
  }
  EXPECT_EQ(server.wait(10s), 0) << server.describe();
}

}  // namespace
}  // namespace sslpp
