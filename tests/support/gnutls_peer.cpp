#include "support/gnutls_peer.hpp"

#include <sslpp/socket.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <stdexcept>
#include <utility>

#include "support/pki.hpp"

namespace sslpp::test {

std::uint16_t free_port() {
  Socket probe(AF_INET);
  probe.bind("127.0.0.1", 0);
  const std::uint16_t port = probe.getsockname().port;
  probe.close();
  return port;
}

// gnutls-serv reports readiness on stderr, which /bin/sh merges into stdout
// for wait_for_line; "...done" follows a successful bind.
GnutlsServer::GnutlsServer(const std::vector<std::string>& extra) : GnutlsServer(pki().server, extra) {}

GnutlsServer::GnutlsServer(const CredentialFiles& creds, const std::vector<std::string>& extra) {
  for (int attempt = 0; attempt < 5 && !proc; ++attempt) {
    port = free_port();
    std::vector<std::string> argv{"/bin/sh",
                                  "-c",
                                  "exec \"$0\" \"$@\" 2>&1",
                                  kGnutlsServ,
                                  "--echo",
                                  "--port",
                                  std::to_string(port),
                                  "--x509certfile",
                                  path(creds.cert),
                                  "--x509keyfile",
                                  path(creds.key)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Subprocess>(std::move(argv));
    const auto line = p->wait_for_line("IPv4");
    if (!line) {
      throw std::runtime_error("gnutls-serv did not start: " + p->describe());
    }
    if (line->find("...done") != std::string::npos) {
      proc = std::move(p);
    }
  }
  if (!proc) {
    throw std::runtime_error("gnutls-serv could not bind a port in 5 attempts");
  }
}

std::string GnutlsServer::finish() {
  proc->kill(SIGTERM);
  EXPECT_TRUE(proc->wait().has_value()) << proc->describe();
  return proc->stdout_seen() + proc->read_all();
}

std::vector<std::string> gnutls_cli_argv(std::uint16_t port, std::vector<std::string> extra) {
  std::vector<std::string> a{kGnutlsCli,
                             "--x509cafile",
                             path(pki().ca_file),
                             "--verify-hostname",
                             "localhost",
                             "--sni-hostname",
                             "localhost",
                             "--x509certfile",
                             path(pki().client.cert),
                             "--x509keyfile",
                             path(pki().client.key),
                             "-p",
                             std::to_string(port)};
  a.insert(a.end(), extra.begin(), extra.end());
  a.emplace_back("127.0.0.1");
  return a;
}

}  // namespace sslpp::test
