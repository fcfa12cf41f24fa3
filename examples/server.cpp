// The seed's server example, line by line:
//
//   context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
//   context.load_cert_chain('/path/to/certchain.pem', '/path/to/private.key')
//   with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as sock:
//       sock.bind(('127.0.0.1', 8443))
//       sock.listen(5)
//       with context.wrap_socket(sock, server_side=True) as ssock:
//           conn, addr = ssock.accept()
//           ...
//
// Usage: server CERTCHAIN KEY [PORT [CONNECTIONS]]. PORT 0 picks a free
// port; the first line printed is "listening on 127.0.0.1:PORT". Each
// connection gets one line back: "hello ADDR, you said: LINE".

#include <cstdlib>
#include <iostream>
#include <string>

#include <sslpp/sslpp.hpp>

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::cerr << "usage: server CERTCHAIN KEY [PORT [CONNECTIONS]]\n";
    return 2;
  }
  sslpp::Context context(sslpp::PROTOCOL_TLS_SERVER);
  context.load_cert_chain(argv[1], argv[2]);
  sslpp::Socket sock(AF_INET, SOCK_STREAM, 0);
  sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  sock.bind("127.0.0.1", static_cast<std::uint16_t>(argc > 3 ? std::atoi(argv[3]) : 8443));
  sock.listen(5);
  sslpp::SSLSocket ssock = context.wrap_socket(std::move(sock), {.server_side = true});
  std::cout << "listening on 127.0.0.1:" << ssock.getsockname().port << std::endl;
  const int connections = argc > 4 ? std::atoi(argv[4]) : 1;
  for (int i = 0; i < connections; ++i) {
    try {
      auto [conn, addr] = ssock.accept();
      conn.settimeout(std::chrono::seconds(10));
      sslpp::SSLStream stream = conn.makefile();
      std::string line;
      std::getline(stream, line);
      stream << "hello " << addr.host << ", you said: " << line << "\n" << std::flush;
      conn.unwrap();
    } catch (const sslpp::OSError& e) {
      // One bad client does not stop the server.
      std::cerr << e.class_name() << ": " << e.what() << "\n";
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
