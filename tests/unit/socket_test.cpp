#include <sslpp/socket.hpp>

#include <gtest/gtest.h>

#include <netinet/in.h>

#include <chrono>
#include <thread>

namespace sslpp {
namespace {

using namespace std::chrono_literals;

Socket listening(int family = AF_INET, const char* host = "127.0.0.1") {
  Socket s(family);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(host, 0);
  s.listen();
  return s;
}

TEST(Socket, ConnectsAcceptsAndMovesBytes) {
  Socket server = listening();
  const Address where = server.getsockname();
  EXPECT_EQ(where.host, "127.0.0.1");
  EXPECT_NE(where.port, 0);
  Socket client = create_connection("127.0.0.1", where.port, 5s);
  auto [conn, peer] = server.accept();
  EXPECT_EQ(peer, client.getsockname());
  EXPECT_EQ(conn.getpeername(), client.getsockname());
  const std::string_view hello = "hello";
  client.sendall(std::as_bytes(std::span(hello)));
  std::array<std::byte, 16> buf{};
  EXPECT_EQ(conn.recv(buf), 5u);
  client.shutdown(SHUT_WR);
  EXPECT_EQ(conn.recv(buf), 0u);  // end of stream
  EXPECT_GE(conn.fileno(), 0);
  const int fd = conn.detach();
  EXPECT_EQ(conn.fileno(), -1);
  Socket adopted = Socket::from_fd(fd);
  EXPECT_EQ(adopted.fileno(), fd);
}

TEST(Socket, CreateConnectionTriesEveryAddressOfAName) {
  // "localhost" resolves to ::1 and 127.0.0.1; only the IPv4 one listens.
  Socket server = listening();
  Socket client = create_connection("localhost", server.getsockname().port, 5s);
  EXPECT_EQ(client.getpeername().host, "127.0.0.1");
  Socket server6 = listening(AF_INET6, "::1");
  Socket client6 = create_connection("::1", server6.getsockname().port, 5s);
  EXPECT_EQ(client6.getpeername().family, AF_INET6);
  EXPECT_EQ(client6.getpeername().host, "::1");
}

TEST(Socket, BadInputIsATypedError) {
  std::uint16_t port = 0;
  {
    Socket closed = listening();
    port = closed.getsockname().port;
  }
  EXPECT_THROW(create_connection("127.0.0.1", port, 5s), ConnectionRefusedError);
  EXPECT_THROW(create_connection("no-such-host.invalid", 443, 5s), gaierror);
  Socket s;
  EXPECT_EQ(s.connect_ex("127.0.0.1", port), ECONNREFUSED);
  Socket taken = listening();
  Socket again(AF_INET);
  try {
    again.bind("127.0.0.1", taken.getsockname().port);
    ADD_FAILURE() << "bound a port already in use";
  } catch (const OSError& e) {
    EXPECT_EQ(e.code().value(), EADDRINUSE);
    EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos);
  }
  EXPECT_THROW(s.settimeout(std::chrono::duration<double>(-1)), ValueError);
  s.close();
  EXPECT_THROW(s.listen(), OSError);
  EXPECT_THROW((void)s.wait_readable(std::nullopt), OSError);  // not a wait for nothing, forever
}

TEST(Socket, TimeoutsFireAndNonBlockingDoesNotWait) {
  Socket server = listening();
  server.settimeout(0.2s);
  EXPECT_EQ(server.gettimeout(), Timeout(0.2s));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(server.accept(), TimeoutError);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  server.setblocking(false);
  EXPECT_THROW(server.accept(), OSError);  // EAGAIN at once
  Socket client = create_connection("127.0.0.1", server.getsockname().port, 5s);
  server.setblocking(true);
  EXPECT_FALSE(server.gettimeout());
  auto [conn, peer] = server.accept();
  conn.settimeout(0.1s);
  std::array<std::byte, 4> buf{};
  EXPECT_THROW(conn.recv(buf), TimeoutError);
  EXPECT_FALSE(conn.wait_readable(0.05s));
  EXPECT_TRUE(conn.wait_writable(0.05s));
}

// ConnectOptions::family limits the addresses tried, as s_client's -4/-6:
// an address of the other family is a gaierror before any connection.
TEST(Socket, CreateConnectionWithAFamilyTriesOnlyThatFamily) {
  Socket server = listening();
  const std::uint16_t port = server.getsockname().port;
  EXPECT_THROW(create_connection("127.0.0.1", port, {.timeout = 5s, .family = AddressFamily::ipv6}), gaierror);
  Socket v4 = create_connection("localhost", port, {.timeout = 5s, .family = AddressFamily::ipv4});
  EXPECT_EQ(v4.getpeername().family, AF_INET);
  EXPECT_EQ(v4.gettimeout(), Timeout(5s));
  Socket server6 = listening(AF_INET6, "::1");
  const std::uint16_t port6 = server6.getsockname().port;
  EXPECT_THROW(create_connection("::1", port6, {.timeout = 5s, .family = AddressFamily::ipv4}), gaierror);
  Socket v6 = create_connection("::1", port6, {.timeout = 5s, .family = AddressFamily::ipv6});
  EXPECT_EQ(v6.getpeername().host, "::1");
  // The Python-shaped call is still there, and means any family.
  Socket any = create_connection("::1", port6, 5s);
  EXPECT_EQ(any.getpeername().family, AF_INET6);
}

}  // namespace
}  // namespace sslpp
