// A program that uses sslpp as an adopter would: from the installed package
// (find_package or pkg-config) or from source (FetchContent). It checks the
// version it was compiled against is the one it runs with, then makes a
// verified TLS handshake between two in-memory connections and echoes a
// message. Exit status 0 and one line on stdout when all of that worked.
#include <cstdio>
#include <cstring>
#include <string>

#include <sslpp/sslpp.hpp>

namespace {

// Moves the ciphertext each side has for the other; true if any moved.
bool exchange(sslpp::Connection& a, sslpp::Connection& b) {
  bool moved = false;
  for (auto [from, to] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    const std::string bytes = from->bio_read(65536);
    if (!bytes.empty()) {
      to->bio_write(bytes);
      moved = true;
    }
  }
  return moved;
}

}  // namespace

int main() {
  const sslpp::Version v = sslpp::version();
  if (v.major != SSLPP_VERSION_MAJOR || v.minor != SSLPP_VERSION_MINOR || v.text != SSLPP_VERSION_STRING) {
    std::fprintf(stderr, "headers say sslpp %s, the library says %.*s\n", SSLPP_VERSION_STRING,
                 static_cast<int>(v.text.size()), v.text.data());
    return 1;
  }
  const auto ca = sslpp::CertificateAuthority::create("consumer CA");
  const sslpp::Credential leaf = ca.issue({.common_name = "localhost", .dns_names = {"localhost"}});

  sslpp::Context server_ctx(sslpp::PROTOCOL_TLS_SERVER);
  server_ctx.use_certificate(leaf.certificate);
  server_ctx.use_privatekey(leaf.key);
  sslpp::Context client_ctx;  // verifies the certificate and the host name
  client_ctx.load_verify_locations({.cadata_pem = ca.certificate().pem()});

  sslpp::Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  sslpp::Connection server = server_ctx.wrap_bio({.server_side = true});
  std::error_code ec;
  for (int round = 0; round < 10; ++round) {
    const sslpp::io_result c = client.do_handshake(ec);
    if (!c.ok() && c.status != sslpp::io_status::want_read) {
      std::fprintf(stderr, "client handshake: %s\n", ec.message().c_str());
      return 1;
    }
    const sslpp::io_result s = server.do_handshake(ec);
    if (!s.ok() && s.status != sslpp::io_status::want_read) {
      std::fprintf(stderr, "server handshake: %s\n", ec.message().c_str());
      return 1;
    }
    if (c.ok() && s.ok()) {
      break;
    }
    exchange(client, server);
  }
  client.write(std::string_view("hello from a consumer"));
  exchange(client, server);
  const std::string echoed = server.read(64);
  if (echoed != "hello from a consumer") {
    std::fprintf(stderr, "server read '%s'\n", echoed.c_str());
    return 1;
  }
  std::printf("consumer ok: sslpp %s, %s, %s\n", SSLPP_VERSION_STRING, client.version().value_or("?").c_str(),
              client.cipher()->name.c_str());
  return 0;
}
