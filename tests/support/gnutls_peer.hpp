// GnuTLS as a test peer: `gnutls-serv --echo` and gnutls-cli's command line,
// on 127.0.0.1, bounded like every Subprocess.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/pki.hpp"
#include "support/subprocess.hpp"

namespace sslpp::test {

inline constexpr const char* kGnutlsServ = "/usr/bin/gnutls-serv";
inline constexpr const char* kGnutlsCli = "/usr/bin/gnutls-cli";

// free_port asks the kernel for a port nobody uses right now, for peers
// (gnutls-serv) that cannot be told to pick one themselves. Another process
// may take it before the peer binds: callers retry on a bind failure.
std::uint16_t free_port();

// GnutlsServer runs `gnutls-serv --echo` with pki().server and `extra`
// arguments on a free port, retrying with another port when the bind fails
// (free_port can race with other processes). Throws std::runtime_error when
// it does not start.
struct GnutlsServer {
  explicit GnutlsServer(const std::vector<std::string>& extra);
  // The same, serving `creds` in place of pki().server.
  GnutlsServer(const CredentialFiles& creds, const std::vector<std::string>& extra);

  // finish stops the server with SIGTERM, which it handles by flushing its
  // stdout (the session report) and exiting, and returns all its output.
  std::string finish();

  std::unique_ptr<Subprocess> proc;
  std::uint16_t port = 0;
};

// gnutls_cli_argv is gnutls-cli's argv for 127.0.0.1:port, verifying the
// name "localhost" against the test CA, presenting pki().client.
std::vector<std::string> gnutls_cli_argv(std::uint16_t port, std::vector<std::string> extra);

}  // namespace sslpp::test
