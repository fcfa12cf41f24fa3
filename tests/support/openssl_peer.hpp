// `openssl s_server` as a test peer: started on 127.0.0.1 at a port the
// kernel picks, bounded like every Subprocess.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/pki.hpp"
#include "support/socket_driver.hpp"
#include "support/subprocess.hpp"

namespace sslpp::test {

// SServer is a running `openssl s_server`.
struct SServer {
  std::unique_ptr<Subprocess> proc;
  std::uint16_t port = 0;
};

// start_s_server runs s_server with `creds` for `connections` connections
// (-naccept, so it exits by itself afterwards), followed by `extra`
// arguments. Throws std::runtime_error when it does not start listening.
SServer start_s_server(const CredentialFiles& creds, const std::vector<std::string>& extra, int connections = 1);

// SClient is an sslpp server connection accepted from `openssl s_client`
// (run with `extra` arguments), ready for its handshake.
struct SClient {
  Context ctx;
  Listener listener = tcp_listen();
  std::unique_ptr<Subprocess> proc;
  SSLSocket sock;
  Connection& conn = sock.connection();
  SocketDriver driver{sock};

  SClient(Context context, const std::vector<std::string>& extra);
};

// port_from reads the port at the end of a peer's "... HOST:PORT" or
// "... PORT" line. Throws std::runtime_error when there is none.
std::uint16_t port_from(const std::string& line);

}  // namespace sslpp::test
