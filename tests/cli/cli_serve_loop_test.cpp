// sslpp serve on its event loop: the handshake and idle timeouts and
// --max-connections, seen from real clients on 127.0.0.1. (Stalled and
// silent clients beside a well-behaved one are in
// tests/unit/live_faults_test.cpp, for serve and the epoll example alike;
// the load test is tests/soak's serve_load_ci.)
#include <poll.h>
#include <sys/socket.h>

#include <csignal>
#include <future>
#include <thread>

#include "cli/cli_support.hpp"
#include "support/socket_driver.hpp"

namespace sslpp::cli_test {
namespace {

using Clock = std::chrono::steady_clock;

SSLSocket verified_client(std::uint16_t port) {
  return test::client_context().wrap_socket(create_connection("127.0.0.1", port, 5s),
                                            {.server_hostname = "localhost"});
}

// echo_once sends `text` and reads its echo.
void echo_once(SSLSocket& s, const std::string& text) {
  s.sendall(text);
  std::string got;
  while (got.size() < text.size()) {
    const std::string part = s.recv(text.size() - got.size());
    ASSERT_FALSE(part.empty()) << "closed after " << got.size() << " bytes";
    got += part;
  }
  EXPECT_EQ(got, text);
}

void close_cleanly(SSLSocket& s) {
  std::error_code ec;
  s.shutdown_tls(ec);
  s.close();
}

// A client that stops mid-handshake is closed once --handshake-timeout
// passes, and the failure is its connection's event line.
TEST(CliServeTimeouts, AStalledHandshakeIsCutAndReportedAsTimeoutError) {
  Serve srv(serve_args({"--handshake-timeout", "0.5", "--exit-after", "1"}));
  test::Fd fd = test::tcp_connect(srv.port, 5000ms);
  ASSERT_TRUE(fd.valid());
  const auto t0 = Clock::now();
  ASSERT_EQ(::send(fd.get(), "\x16\x03\x01\x00", 4, MSG_NOSIGNAL), 4);  // a record header, cut short
  pollfd p{fd.get(), POLLIN, 0};
  char byte = 0;
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  EXPECT_LE(::recv(fd.get(), &byte, 1, 0), 0) << "the server sent something instead of closing";
  EXPECT_GE(Clock::now() - t0, 400ms);
  const nlohmann::json e = srv.event();
  EXPECT_EQ(e["event"], "error");
  EXPECT_EQ(e["class"], "TimeoutError");
  EXPECT_EQ(e["message"], "The handshake operation timed out");
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// --idle-timeout 1: a client that says nothing after its handshake gets the
// server's close_notify (a clean end of stream) after a second, while one
// that keeps talking stays served past that.
TEST(CliServeTimeouts, IdleConnectionsAreClosedActiveOnesStay) {
  Serve srv(serve_args({"--idle-timeout", "1", "--exit-after", "2"}));
  SSLSocket idle = verified_client(srv.port);
  SSLSocket active = verified_client(srv.port);
  const auto t0 = Clock::now();
  // The active one sends a message every quarter of a second for longer
  // than the idle timeout.
  auto talking = std::async(std::launch::async, [&active] {
    const auto until = Clock::now() + 1800ms;
    while (Clock::now() < until) {
      echo_once(active, "tick");
      std::this_thread::sleep_for(250ms);
    }
  });
  // The idle one's next read is the server's close_notify: a clean end of stream.
  idle.settimeout(5s);
  EXPECT_EQ(idle.recv(16), "") << "expected the server's close_notify";
  const auto cut_after = Clock::now() - t0;
  EXPECT_GE(cut_after, 900ms);
  EXPECT_LT(cut_after, 3s);
  talking.get();
  echo_once(active, "still here");
  EXPECT_GE(Clock::now() - t0, 1800ms);
  close_cleanly(active);
  EXPECT_EQ(srv.event()["event"], "handshake");
  EXPECT_EQ(srv.event()["event"], "handshake");
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
  EXPECT_TRUE(contains(srv.proc.stderr_text(), "TimeoutError: The read operation timed out"))
      << srv.proc.stderr_text();
}

// --max-connections 2: a third client connects (the kernel completes its
// TCP handshake in the backlog) but is not served until one of the first
// two ends.
TEST(CliServeLimits, MaxConnectionsKeepsTheNextClientWaitingUntilOneEnds) {
  Serve srv(serve_args({"--max-connections", "2", "--exit-after", "3"}));
  SSLSocket a = verified_client(srv.port);
  SSLSocket b = verified_client(srv.port);
  echo_once(a, "a");
  echo_once(b, "b");
  SSLSocket c = test::client_context().wrap_socket(create_connection("127.0.0.1", srv.port, 5s),
                                                   {.server_hostname = "localhost", .do_handshake_on_connect = false});
  c.settimeout(500ms);
  EXPECT_THROW(c.do_handshake(), TimeoutError) << "served beyond --max-connections";
  close_cleanly(a);
  c.settimeout(5s);
  c.do_handshake();  // its ClientHello waited in the socket; now the server reads it
  echo_once(c, "c");
  echo_once(b, "b again");
  close_cleanly(b);
  close_cleanly(c);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(srv.event()["event"], "handshake");
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// serve holds its event lines for one turn of its loop at most: each one
// comes out while the server waits on the connection that caused it.
TEST(CliServeOutput, EventLinesComeOutBeforeTheServerWaits) {
  Serve srv(serve_args({"--http"}));
  SSLSocket s = verified_client(srv.port);
  EXPECT_EQ(srv.event()["event"], "handshake");
  for (const std::string target : {"/one", "/two"}) {
    s.sendall("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const nlohmann::json e = srv.event();  // within peer_timeout, the connection still open
    EXPECT_EQ(e["event"], "request");
    EXPECT_EQ(e["target"], target);
  }
  close_cleanly(s);
}

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

// SIGTERM or SIGINT while serve answers a burst of pipelined requests (its
// stdout unread meanwhile, so that it also blocks writing its lines): serve
// stops, writes every line it holds, and is ended by the signal, as before
// it held lines. Every response the client got has its request line.
TEST(CliServeOutput, AStopSignalWritesTheLinesHeldThenEndsServe) {
  for (const int signal : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(signal == SIGTERM ? "SIGTERM" : "SIGINT");
    Serve srv(serve_args({"--http"}));
    SSLSocket s = verified_client(srv.port);
    std::string burst;
    for (int i = 0; i < 2000; ++i) {
      burst += "GET /burst HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }
    s.sendall(burst);
    s.settimeout(5s);
    std::string received;
    while (received.size() < 100000) {
      const std::string part = s.recv(65536);
      ASSERT_FALSE(part.empty()) << "closed after " << received.size() << " bytes";
      received += part;
    }
    srv.proc.kill(signal);
    try {
      for (std::string part = s.recv(65536); !part.empty(); part = s.recv(65536)) {
        received += part;
      }
    } catch (const OSError&) {
      // serve closed the connection as it stopped, mid-stream
    }
    EXPECT_EQ(srv.proc.wait(), 128 + signal) << srv.proc.describe();
    std::size_t requests = 0;
    while (const auto line = srv.proc.read_line()) {
      const nlohmann::json e = nlohmann::json::parse(*line);  // whole lines only
      requests += e["event"] == "request" ? 1 : 0;
    }
    const std::size_t responses = count(received, "HTTP/1.1 200 OK\r\n");
    EXPECT_GT(responses, 0u);
    EXPECT_GE(requests, responses);
  }
}

}  // namespace
}  // namespace sslpp::cli_test
