// EchoServer: an sslpp server on 127.0.0.1, in a thread of its own, for the
// tests whose peer is a client (Python's ssl, openssl s_client, ...).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sslpp/context.hpp>
#include <sslpp/ssl_socket.hpp>

namespace sslpp::test {

// EchoServer serves `connections` clients one after another: handshake,
// echo one byte, close. Accepting waits at most 5 s, so a client that never
// comes cannot hang a test.
class EchoServer {
 public:
  EchoServer(const Context& ctx, int connections);
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  // errors waits for the server to finish and returns what each failed
  // connection threw (what()).
  std::vector<std::string> errors();
  // reused waits for the server to finish and returns session_reused()
  // of each connection that completed its handshake.
  std::vector<bool> reused();

  std::uint16_t port = 0;

 private:
  void finish();

  SSLSocket listener_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> errors_;
  std::vector<bool> reused_;
};

// run_python_client runs Python's ssl as a client of 127.0.0.1:port, one
// connection per name in `names`, each verifying the server against the
// test CA with that name as SNI and hostname, sending one byte and reading
// the echo. Returns one line per connection: "NAME CN VERSION REUSED" or
// "NAME ERROR Class message". With `resume`, each connection offers the
// previous one's session.
std::vector<std::string> run_python_client(std::uint16_t port, const std::vector<std::string>& names,
                                           bool resume = false);

}  // namespace sslpp::test
