// Helpers of the SSLSocket interop tests over TCP on 127.0.0.1
// (interop/ssl_socket_interop_test.cpp, interop/ssl_socket_interop_stream_test.cpp):
// sslpp client connections that carry a timeout, line reads, and a Python
// ssl server run for one connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <sslpp/context.hpp>
#include <sslpp/ssl_socket.hpp>

#include "support/subprocess.hpp"

namespace sslpp::test {

// The timeout of every SSLSocket here: a handshake or a record takes
// milliseconds, so 5 s only ever runs out when something is stuck.
inline constexpr std::chrono::duration<double> kIo = 5s;

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// connect_and_handshake connects to 127.0.0.1:port and completes the handshake,
// naming the server "localhost" (SNI and hostname check).
SSLSocket connect_and_handshake(std::uint16_t port, const Context& ctx, bool suppress_ragged_eofs = true);

// read_line reads until '\n' (kept) or the end of the stream. Bounded by the
// socket's timeout per read and by `limit` bytes in all.
std::string read_line(SSLSocket& s, std::size_t limit = 1 << 16);

// read_exactly reads `n` bytes (fewer only when the stream ends first).
std::string read_exactly(SSLSocket& s, std::size_t n);

// PythonServer runs a Python ssl server for one connection and knows its
// port. A non-empty cafile requires a client certificate; version is 1.2,
// 1.3 or any (forced on both bounds); alpn is a comma list or empty. It
// prints "port N", then "session VERSION ALPN PEER_CN" after the handshake,
// then does `mode`:
//   echo:   echo everything until close_notify, then unwrap;
//   sink:   read n bytes, hash them, answer "COUNT SHA256HEX\n", unwrap;
//   source: send n seeded random bytes, print "sha256 COUNT HEX", unwrap;
//   deaf:   read n bytes, print "deaf COUNT", then stop reading until a
//           line (or EOF) arrives on stdin.
struct PythonServer {
  PythonServer(const std::string& mode, const std::string& cafile, const std::string& version, const std::string& alpn,
               std::size_t n = 0);
  Subprocess proc;
  std::uint16_t port = 0;
};

}  // namespace sslpp::test
