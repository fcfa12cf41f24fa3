// The seed's first client example, line by line:
//
//   context = ssl.create_default_context()
//   with socket.create_connection((hostname, 443)) as sock:
//       with context.wrap_socket(sock, server_hostname=hostname) as ssock:
//           print(ssock.version())
//
// Usage: client_default_context HOST [PORT [CAFILE]]. Without CAFILE the
// system's trust store is used, as create_default_context() does.

#include <cstdlib>
#include <iostream>
#include <string>

#include <sslpp/sslpp.hpp>

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::cerr << "usage: client_default_context HOST [PORT [CAFILE]]\n";
    return 2;
  }
  const std::string hostname = argv[1];
  const auto port = static_cast<std::uint16_t>(argc > 2 ? std::atoi(argv[2]) : 443);
  sslpp::VerifyLocations cas;
  if (argc > 3) {
    cas.cafile = argv[3];
  }
  sslpp::Context context = sslpp::create_default_context(sslpp::Purpose::SERVER_AUTH, cas);
  sslpp::Socket sock = sslpp::create_connection(hostname, port, std::chrono::seconds(10));
  sslpp::SSLSocket ssock = context.wrap_socket(std::move(sock), {.server_hostname = hostname});
  std::cout << ssock.version().value_or("?") << "\n";
  return 0;
} catch (const sslpp::OSError& e) {
  std::cerr << e.class_name() << ": " << e.what() << "\n";
  return 1;
}
