// loopback_handshake: a verified TLS handshake over TCP on 127.0.0.1.
//
// A throwaway CA issues a certificate for "localhost"; a server thread
// serves it; the client trusts only that CA, checks the hostname, sends a
// message, and prints the protocol version, the cipher and the server's
// certificate as Python's getpeercert() would show it.
//
// sslpp's Connection is sans-IO: this example moves its ciphertext over a
// blocking socket with a few lines of glue (drive, below).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

#include <sslpp/sslpp.hpp>

namespace {

// Socket owns a file descriptor.
struct Socket {
  int fd = -1;
  explicit Socket(int f) : fd(f) {
    if (fd < 0) {
      throw std::runtime_error("socket call failed");
    }
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() { ::close(fd); }
};

// drive repeats `op` until it stops asking for I/O, sending the
// connection's ciphertext to the socket and feeding what arrives back in.
sslpp::io_result drive(sslpp::Connection& conn, int fd,
                       const std::function<sslpp::io_result(std::error_code&)>& op, std::error_code& ec) {
  std::array<std::byte, 16384> buf{};
  for (;;) {
    const sslpp::io_result r = op(ec);
    while (const std::size_t n = conn.bio_read(buf)) {
      for (std::size_t sent = 0; sent < n;) {
        const ssize_t k = ::send(fd, buf.data() + sent, n - sent, MSG_NOSIGNAL);
        if (k <= 0) {
          throw std::runtime_error("send failed");
        }
        sent += static_cast<std::size_t>(k);
      }
    }
    if (r.status != sslpp::io_status::want_read) {
      return r;
    }
    const ssize_t k = ::recv(fd, buf.data(), buf.size(), 0);
    if (k <= 0) {
      conn.bio_shutdown();  // the peer closed its end of the TCP connection
    } else {
      conn.bio_write(std::span(buf.data(), static_cast<std::size_t>(k)));
    }
  }
}

void expect_ok(const sslpp::io_result& r, const sslpp::Connection& conn, const char* what) {
  if (!r.ok() && r.status != sslpp::io_status::closed) {
    throw std::runtime_error(std::string(what) + ": " + conn.last_error().message);
  }
}

std::string format_name(const sslpp::DistinguishedName& dn) {
  std::string out;
  for (const auto& rdn : dn) {
    for (const auto& [name, value] : rdn) {
      out += (out.empty() ? "" : ", ") + name + "=" + value;
    }
  }
  return out;
}

}  // namespace

int main() try {
  // A CA and a certificate for localhost, made in memory.
  const auto ca = sslpp::CertificateAuthority::create("sslpp example CA");
  sslpp::CertificateRequest request;
  request.common_name = "localhost";
  request.dns_names = {"localhost"};
  request.ip_addresses = {"127.0.0.1"};
  const sslpp::Credential server_cred = ca.issue(request);

  sslpp::Context server_ctx(sslpp::PROTOCOL_TLS_SERVER);
  server_ctx.use_certificate(server_cred.certificate);
  server_ctx.use_privatekey(server_cred.key);

  // The client trusts only our CA and checks that the certificate names localhost.
  sslpp::Context client_ctx = sslpp::create_default_context(
      sslpp::Purpose::SERVER_AUTH, {.cafile = {}, .capath = {}, .cadata_pem = ca.certificate().pem(), .cadata_der = {}});

  Socket listener(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener.fd, 1) != 0 ||
      ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }

  std::string server_error;
  std::thread server([&] {
    try {
      Socket sock(::accept(listener.fd, nullptr, nullptr));
      sslpp::Connection conn = server_ctx.wrap_bio({.server_side = true});
      std::error_code ec;
      expect_ok(drive(conn, sock.fd, [&](std::error_code& e) { return conn.do_handshake(e); }, ec), conn, "server handshake");
      std::array<std::byte, 1024> buf{};
      const auto r = drive(conn, sock.fd, [&](std::error_code& e) { return conn.read(buf, e); }, ec);
      expect_ok(r, conn, "server read");
      const std::string reply = "hello, " + std::string(reinterpret_cast<const char*>(buf.data()), r.bytes);
      expect_ok(drive(conn, sock.fd, [&](std::error_code& e) { return conn.write(std::as_bytes(std::span(reply)), e); }, ec),
                conn, "server write");
      drive(conn, sock.fd, [&](std::error_code& e) { return conn.shutdown(e); }, ec);
    } catch (const std::exception& e) {
      server_error = e.what();
    }
  });

  Socket sock(::socket(AF_INET, SOCK_STREAM, 0));
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot connect to 127.0.0.1");
  }
  sslpp::Connection conn = client_ctx.wrap_bio({.server_hostname = "localhost"});
  std::error_code ec;
  expect_ok(drive(conn, sock.fd, [&](std::error_code& e) { return conn.do_handshake(e); }, ec), conn, "client handshake");
  const std::string message = "sslpp";
  expect_ok(drive(conn, sock.fd, [&](std::error_code& e) { return conn.write(std::as_bytes(std::span(message)), e); }, ec),
            conn, "client write");
  std::array<std::byte, 1024> buf{};
  const auto r = drive(conn, sock.fd, [&](std::error_code& e) { return conn.read(buf, e); }, ec);
  expect_ok(r, conn, "client read");
  drive(conn, sock.fd, [&](std::error_code& e) { return conn.shutdown(e); }, ec);
  server.join();
  if (!server_error.empty()) {
    throw std::runtime_error(server_error);
  }

  const auto cipher = conn.cipher();
  const auto cert = conn.getpeercert();
  std::cout << "connected to localhost:" << ntohs(addr.sin_port) << " (certificate verified, hostname checked)\n"
            << "version:  " << conn.version().value_or("?") << "\n"
            << "cipher:   " << cipher->name << " (" << cipher->protocol << ", " << cipher->secret_bits << " bits)\n"
            << "received: " << std::string(reinterpret_cast<const char*>(buf.data()), r.bytes) << "\n"
            << "server certificate:\n"
            << "  subject:  " << format_name(cert->subject) << "\n"
            << "  issuer:   " << format_name(cert->issuer) << "\n"
            << "  serial:   " << cert->serialNumber << "\n"
            << "  valid:    " << cert->notBefore << " to " << cert->notAfter << "\n"
            << "  getpeercert(): " << cert->to_json() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "loopback_handshake: " << e.what() << "\n";
  return 1;
}
