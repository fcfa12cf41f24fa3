// The seed's second client example, line by line:
//
//   context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
//   context.load_verify_locations('path/to/cabundle.pem')
//   with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as sock:
//       with context.wrap_socket(sock, server_hostname=hostname) as ssock:
//           print(ssock.version())
//
// (The Python example leaves out the connect; here it is ssock.connect.)
// Usage: client_custom_context HOST PORT CABUNDLE

#include <cstdlib>
#include <iostream>
#include <string>

#include <sslpp/sslpp.hpp>

int main(int argc, char** argv) try {
  if (argc != 4) {
    std::cerr << "usage: client_custom_context HOST PORT CABUNDLE\n";
    return 2;
  }
  const std::string hostname = argv[1];
  // PROTOCOL_TLS_CLIENT requires a valid certificate chain and hostname.
  sslpp::Context context(sslpp::PROTOCOL_TLS_CLIENT);
  context.load_verify_locations(argv[3]);
  sslpp::Socket sock(AF_INET, SOCK_STREAM, 0);
  sock.settimeout(std::chrono::seconds(10));
  sslpp::SSLSocket ssock = context.wrap_socket(std::move(sock), {.server_hostname = hostname});
  ssock.connect(hostname, static_cast<std::uint16_t>(std::atoi(argv[2])));
  std::cout << ssock.version().value_or("?") << "\n";
  return 0;
} catch (const sslpp::OSError& e) {
  std::cerr << e.class_name() << ": " << e.what() << "\n";
  return 1;
}
