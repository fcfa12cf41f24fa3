// sslpp/asio.hpp under Boost.Asio (SSLPP_ASIO_USE_BOOST): the same stream
// over boost::asio, completing with boost::system::error_code that keeps
// sslpp's categories' names and messages. Debian 12's Boost is 1.74 (Asio
// 1.18), which has no per-operation cancellation: the stream builds without
// it there.
#define SSLPP_ASIO_USE_BOOST 1
#include <sslpp/asio.hpp>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <string>

#include "support/pki.hpp"

namespace sslpp {
namespace {

namespace net = ::boost::asio;
using net::ip::tcp;
using tls_stream = sslpp::asio::stream<tcp::socket>;
using boost_ec = ::boost::system::error_code;

struct Pair {
  net::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  Context server_ctx;
  Context client_ctx = test::client_context();
  tls_stream server;
  tls_stream client;

  explicit Pair(const std::string& name, Context server_context)
      : server_ctx(std::move(server_context)),
        server(tcp::socket(io), server_ctx, {.server_side = true}),
        client(tcp::socket(io), client_ctx, {.server_hostname = name}) {}
};

TEST(AsioBoost, HandshakeAndEchoOverBoostAsio) {
  Pair p("localhost", test::server_context());
  std::string received(11, '\0');
  boost_ec server_ec;
  boost_ec client_ec;
  p.acceptor.async_accept(p.server.next_layer(), [&](boost_ec ec) {
    ASSERT_FALSE(ec);
    p.server.async_handshake([&](boost_ec hec) {
      server_ec = hec;
      net::async_read(p.server, net::buffer(received), [&](boost_ec rec, std::size_t) { server_ec = rec; });
    });
  });
  p.client.next_layer().async_connect(p.acceptor.local_endpoint(), [&](boost_ec ec) {
    ASSERT_FALSE(ec);
    p.client.async_handshake([&](boost_ec hec) {
      client_ec = hec;
      if (!hec) {
        net::async_write(p.client, net::buffer(std::string_view("hello boost")),
                         [&](boost_ec wec, std::size_t) { client_ec = wec; });
      }
    });
  });
  p.io.run_for(std::chrono::seconds(10));
  EXPECT_FALSE(server_ec) << server_ec.message();
  EXPECT_FALSE(client_ec) << client_ec.message();
  EXPECT_EQ(received, "hello boost");
  EXPECT_EQ(p.client.connection().version(), "TLSv1.3");
}

// A verification failure arrives as a Boost error_code in a category that
// answers with sslpp's verify category's name and message.
TEST(AsioBoost, VerificationFailureKeepsSslppsCategoryNameAndMessage) {
  Pair p("wrong.example", test::server_context());
  boost_ec client_ec;
  p.acceptor.async_accept(p.server.next_layer(), [&](boost_ec ec) {
    ASSERT_FALSE(ec);
    p.server.async_handshake([](boost_ec) {});
  });
  p.client.next_layer().async_connect(p.acceptor.local_endpoint(), [&](boost_ec ec) {
    ASSERT_FALSE(ec);
    p.client.async_handshake([&](boost_ec hec) { client_ec = hec; });
  });
  p.io.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(client_ec);
  EXPECT_STREQ(client_ec.category().name(), verify_category().name());
  EXPECT_EQ(client_ec.value(), 62);  // X509_V_ERR_HOSTNAME_MISMATCH
  EXPECT_EQ(client_ec.message(), std::error_code(62, verify_category()).message());
}

}  // namespace
}  // namespace sslpp
