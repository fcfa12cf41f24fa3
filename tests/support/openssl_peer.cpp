#include "support/openssl_peer.hpp"

#include <stdexcept>

namespace sslpp::test {

std::uint16_t port_from(const std::string& line) {
  const std::size_t pos = line.find_last_of(" :");
  int port = 0;
  try {
    port = std::stoi(line.substr(pos == std::string::npos ? 0 : pos + 1));
  } catch (const std::exception&) {
    port = 0;
  }
  if (port <= 0 || port > 65535) {
    throw std::runtime_error("no port in: " + line);
  }
  return static_cast<std::uint16_t>(port);
}

SServer start_s_server(const CredentialFiles& creds, const std::vector<std::string>& extra, int connections) {
  std::vector<std::string> argv = {SSLPP_OPENSSL, "s_server", "-accept", "127.0.0.1:0", "-naccept",
                                   std::to_string(connections), "-cert", creds.cert.string(), "-key",
                                   creds.key.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  SServer s{std::make_unique<Subprocess>(argv), 0};
  // s_server prints "ACCEPT 127.0.0.1:PORT" once it listens.
  const auto line = s.proc->wait_for_line("ACCEPT");
  if (!line) {
    throw std::runtime_error("s_server did not start: " + s.proc->describe());
  }
  s.port = port_from(*line);
  return s;
}

namespace {

std::unique_ptr<Subprocess> start_s_client(const Listener& listener, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {SSLPP_OPENSSL, "s_client", "-connect", "127.0.0.1:" + std::to_string(listener.port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<Subprocess>(argv);
}

}  // namespace

SClient::SClient(Context context, const std::vector<std::string>& extra)
    : ctx(std::move(context)), proc(start_s_client(listener, extra)), sock(accept_tls(ctx, listener, *proc)) {}

}  // namespace sslpp::test
