// The two sides sslpp_socket_bench compares over TCP loopback: sslpp's
// SSLSocket, and raw OpenSSL on a socket BIO (SSL_set_fd) as a careful C
// programmer would write it, both blocking and with the same few calls
// (listen, accept, connect, read, write_all, close) so that the same case
// templates (socket_bench_cases.hpp) run both. Also the test PKI both serve.
#pragma once

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <sslpp/certificate_authority.hpp>
#include <sslpp/context.hpp>
#include <sslpp/socket.hpp>
#include <sslpp/ssl_socket.hpp>

#include "../tools/sslpp/unique_fd.hpp"
#include "raw_openssl.hpp"
#include "sslpp_contexts.hpp"

namespace sslpp_bench::loopback {

// ===========================================================================
// Test PKI and the shared settings

inline constexpr const char* kHost = "localhost";   // the certificate's name, checked by every client
inline constexpr const char* kAddress = "127.0.0.1";  // where every socket lives

struct Pki {
  sslpp::CertificateAuthority ca;
  sslpp::Credential server;
  std::string ca_pem;
};

// pki is made once, before anything is timed.
inline const Pki& pki() {
  static const Pki instance = [] {
    auto ca = sslpp::CertificateAuthority::create("sslpp socket bench CA");
    sslpp::CertificateRequest request;
    request.common_name = kHost;
    request.dns_names = {kHost};
    request.key_type = sslpp::KeyType::ec_p256;
    auto server = ca.issue(request);
    std::string pem = ca.certificate().pem();
    return Pki{std::move(ca), std::move(server), std::move(pem)};
  }();
  return instance;
}

[[noreturn]] inline void throw_errno(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// ===========================================================================
// The sslpp side: create_connection + wrap_socket, a listening SSLSocket,
// SSLSocket::sendall / read / unwrap, all blocking.

class SslppSide {
 public:
  using Conn = sslpp::SSLSocket;
  using Listener = sslpp::SSLSocket;

  // With keep_buffers, release_buffers is off on both contexts.
  explicit SslppSide(bool keep_buffers)
      : contexts_(make_sslpp_contexts(keep_buffers, pki().ca_pem, pki().server)) {}

  [[nodiscard]] Listener listen() const {
    Listener l = contexts_.server.wrap_socket(sslpp::Socket(AF_INET, SOCK_STREAM), {.server_side = true});
    l.bind(kAddress, 0);
    l.listen();
    return l;
  }
  static std::uint16_t port(const Listener& l) { return l.getsockname().port; }
  static int fileno(const Listener& l) { return l.fileno(); }

  // accept returns a server connection whose handshake is done.
  [[nodiscard]] Conn accept(Listener& l) const { return l.accept().first; }
  // connect returns a client connection whose handshake is done.
  [[nodiscard]] Conn connect(std::uint16_t port) const {
    return contexts_.client.wrap_socket(sslpp::create_connection(kAddress, port), {.server_hostname = kHost});
  }

  static std::size_t read(Conn& c, std::span<std::byte> out) { return c.read(out); }
  static void write_all(Conn& c, std::span<const std::byte> data) { c.sendall(data); }
  // close is the two-way close_notify exchange, then the TCP close.
  static void close(Conn& c) { static_cast<void>(c.unwrap()); }
  static SSL* native(Conn& c) { return c.connection().native_handle(); }

  [[nodiscard]] SSL_CTX* client_native() const { return contexts_.client.native_handle(); }
  [[nodiscard]] SSL_CTX* server_native() const { return contexts_.server.native_handle(); }

 private:
  SslppContexts contexts_;
};

// ===========================================================================
// The raw side: OpenSSL's socket BIO (SSL_set_fd) on blocking sockets,
// written as a careful C programmer would.

struct FreeAddrinfo {
  void operator()(addrinfo* p) const noexcept { ::freeaddrinfo(p); }
};
using AddrinfoPtr = std::unique_ptr<addrinfo, FreeAddrinfo>;

// UniqueFd owns a descriptor: the sslpp command's (tools/sslpp/unique_fd.hpp).
using UniqueFd = sslpp::cli::UniqueFd;

// RawConn is a connected socket and its SSL; the SSL is freed first (it
// does not own the descriptor: SSL_set_fd's BIO is BIO_NOCLOSE).
struct RawConn {
  UniqueFd fd;
  SslPtr ssl;
};

class RawSide {
 public:
  using Conn = RawConn;
  using Listener = UniqueFd;

  explicit RawSide(RawMode mode)
      : contexts_(make_raw_contexts(mode, pki().ca.certificate(), pki().server)) {}

  [[nodiscard]] static Listener listen() {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
      throw_errno("socket");
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = 0;  // the kernel picks
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd.get(), 128) != 0) {
      throw_errno("bind/listen");
    }
    return fd;
  }
  static std::uint16_t port(const Listener& l) {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    if (::getsockname(l.get(), reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
      throw_errno("getsockname");
    }
    return ntohs(sa.sin_port);
  }
  static int fileno(const Listener& l) { return l.get(); }

  [[nodiscard]] Conn accept(Listener& l) const {
    Conn c;
    for (int attempt = 0; attempt < 100 && c.fd.get() < 0; ++attempt) {
      c.fd = UniqueFd(::accept4(l.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (c.fd.get() < 0 && errno != EINTR) {
        throw_errno("accept4");
      }
    }
    if (c.fd.get() < 0) {
      throw std::runtime_error("accept4 kept being interrupted");
    }
    attach(c, contexts_.server.get());
    ::ERR_clear_error();
    const int r = ::SSL_accept(c.ssl.get());
    if (r != 1) {
      fail(c, r, "SSL_accept");
    }
    return c;
  }

  // connect resolves and connects as sslpp::create_connection does
  // (getaddrinfo, first address that connects), then handshakes with SNI
  // and the hostname check.
  [[nodiscard]] Conn connect(std::uint16_t port) const {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    std::array<char, 8> service{};
    std::snprintf(service.data(), service.size(), "%u", static_cast<unsigned>(port));
    addrinfo* found = nullptr;
    if (::getaddrinfo(kAddress, service.data(), &hints, &found) != 0) {
      throw std::runtime_error("getaddrinfo failed");
    }
    const AddrinfoPtr list(found);
    Conn c;
    for (const addrinfo* ai = list.get(); ai != nullptr && c.fd.get() < 0; ai = ai->ai_next) {
      UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
      if (fd.get() >= 0 && ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
        c.fd = std::move(fd);
      }
    }
    if (c.fd.get() < 0) {
      throw_errno("connect");
    }
    attach(c, contexts_.client.get());
    SSL* ssl = c.ssl.get();
    require(SSL_set_tlsext_host_name(ssl, kHost) == 1, "SSL_set_tlsext_host_name");
    require(::SSL_set1_host(ssl, kHost) == 1, "SSL_set1_host");
    ::ERR_clear_error();
    const int r = ::SSL_connect(ssl);
    if (r != 1) {
      fail(c, r, "SSL_connect");
    }
    return c;
  }

  // Every I/O call starts with an empty error queue, as SSL_get_error(3)
  // requires and as nginx and CPython do.
  static std::size_t read(Conn& c, std::span<std::byte> out) {
    std::size_t n = 0;
    ::ERR_clear_error();
    const int r = ::SSL_read_ex(c.ssl.get(), out.data(), out.size(), &n);
    if (r == 1) {
      return n;
    }
    if (::SSL_get_error(c.ssl.get(), r) == SSL_ERROR_ZERO_RETURN) {
      return 0;  // close_notify
    }
    fail(c, r, "SSL_read_ex");
  }
  static void write_all(Conn& c, std::span<const std::byte> data) {
    // Blocking, without SSL_MODE_ENABLE_PARTIAL_WRITE: one call writes all;
    // the loop is for form, and each turn makes progress or throws.
    while (!data.empty()) {
      std::size_t n = 0;
      ::ERR_clear_error();
      const int r = ::SSL_write_ex(c.ssl.get(), data.data(), data.size(), &n);
      if (r != 1) {
        fail(c, r, "SSL_write_ex");
      }
      data = data.subspan(n);
    }
  }
  static void close(Conn& c) {
    // The first call sends our close_notify (0: the peer's not seen yet);
    // the second, on a blocking socket, waits for the peer's.
    ::ERR_clear_error();
    int r = ::SSL_shutdown(c.ssl.get());
    if (r == 0) {
      ::ERR_clear_error();
      r = ::SSL_shutdown(c.ssl.get());
    }
    if (r != 1) {
      fail(c, r, "SSL_shutdown");
    }
  }
  static SSL* native(Conn& c) { return c.ssl.get(); }

  [[nodiscard]] SSL_CTX* client_native() const { return contexts_.client.get(); }
  [[nodiscard]] SSL_CTX* server_native() const { return contexts_.server.get(); }

 private:
  static void attach(Conn& c, SSL_CTX* ctx) {
    c.ssl.reset(::SSL_new(ctx));
    require(c.ssl != nullptr, "SSL_new");
    require(::SSL_set_fd(c.ssl.get(), c.fd.get()) == 1, "SSL_set_fd");
  }

  [[noreturn]] static void fail(Conn& c, int r, const char* what) {
    const int err = ::SSL_get_error(c.ssl.get(), r);
    throw std::runtime_error(openssl_failure(std::string(what) + " failed (SSL_get_error " + std::to_string(err) +
                                             ", errno " + std::to_string(errno) + ")"));
  }

  RawContexts contexts_;
};

}  // namespace sslpp_bench::loopback
