// Bounded steps over the library's socket driver (sslpp::SSLSocket), for the
// interop tests against independent peers: each step has a deadline and
// reports what happened (a DriveResult) instead of hanging or throwing. The
// TLS work is SSLSocket's: this file only loops and reports. Plain TCP
// helpers (Fd, tcp_listen, tcp_accept, tcp_connect) set the peers up.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <netinet/in.h>
#include <poll.h>

#include <sslpp/connection.hpp>
#include <sslpp/ssl_socket.hpp>

#include "support/subprocess.hpp"

namespace sslpp::test {

// Fd owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  int release() noexcept;
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// loopback is 127.0.0.1:port.
sockaddr_in loopback(std::uint16_t port);

// Listener is a TCP socket listening on 127.0.0.1 at a port the kernel chose.
struct Listener {
  Fd fd;
  std::uint16_t port = 0;
};

// tcp_listen listens on 127.0.0.1, port 0. Throws std::runtime_error.
Listener tcp_listen();
// tcp_accept accepts one connection; an invalid Fd on timeout.
Fd tcp_accept(const Listener& listener, std::chrono::milliseconds timeout = peer_timeout);
// tcp_connect connects to 127.0.0.1:port; an invalid Fd when it fails or
// `timeout` passes.
Fd tcp_connect(std::uint16_t port, std::chrono::milliseconds timeout = peer_timeout);

// DriveResult is how one driven operation ended.
struct DriveResult {
  // The connection's last status: ok, closed, truncated, error; want_read
  // only when the deadline passed while waiting for the peer.
  io_status status = io_status::ok;
  // The connection's error code, or a socket error (system_category).
  std::error_code ec;
  // Plaintext read (for read operations).
  std::string data;
  bool timed_out = false;
  // socket_error is true when the failure came from the socket (ECONNRESET,
  // ...) rather than from the Connection.
  bool socket_error = false;

  [[nodiscard]] bool ok() const noexcept { return status == io_status::ok && !timed_out; }
};

// SocketDriver runs one step at a time on `sock`, each within `timeout`
// (it sets the socket's timeout). `sock` must outlive it.
class SocketDriver {
 public:
  explicit SocketDriver(SSLSocket& sock, std::chrono::milliseconds timeout = peer_timeout);

  // handshake runs do_handshake to completion.
  DriveResult handshake();
  // write_all writes all of `data`.
  DriveResult write_all(std::string_view data);
  // read reads until `n` bytes have arrived, or the stream closes, is
  // truncated or fails; `data` has what arrived either way.
  DriveResult read(std::size_t n);
  // read_to_end reads until the stream closes, is truncated or fails.
  DriveResult read_to_end();
  // shutdown sends our close_notify; with `wait_for_peer` it also waits for
  // the peer's (status ok when both have passed).
  DriveResult shutdown(bool wait_for_peer = true);

 private:
  // result describes one SSLSocket call's outcome.
  DriveResult result(io_result r, const std::error_code& ec) const;
  DriveResult read_until(std::size_t want);

  SSLSocket& sock_;
};

// connect_tls connects to 127.0.0.1:port and wraps the socket with
// `options`; accept_tls waits for `peer` to connect to `listener` and wraps
// the socket server-side. The handshake is left to SocketDriver::handshake.
// Both throw std::runtime_error (with the peer's output) when no TCP
// connection is made.
SSLSocket connect_tls(const Context& ctx, std::uint16_t port, SSLSocketOptions options);
SSLSocket accept_tls(const Context& ctx, const Listener& listener, Subprocess& peer);

// TlsClient is an sslpp client of `ctx` connected to 127.0.0.1:port (for
// "localhost" unless `options` say otherwise), ready for its handshake.
struct TlsClient {
  Context ctx;
  SSLSocket sock;
  Connection& conn = sock.connection();
  SocketDriver driver{sock};

  TlsClient(Context context, std::uint16_t port, SSLSocketOptions options = {.server_hostname = "localhost"})
      : ctx(std::move(context)), sock(connect_tls(ctx, port, std::move(options))) {}
};

// send_bad_record_and_read sends, below TLS on `client`'s socket, a
// ChangeCipherSpec record (which TLS 1.3 forbids after the handshake, a probe
// of TLS test suites) and 3000 more bytes the server will leave unread, then
// reads: returns the reason of the SSLError that read raised (the server's
// alert, e.g. "SSLV3_ALERT_UNEXPECTED_MESSAGE"), or what happened instead.
std::string send_bad_record_and_read(SSLSocket& client);

// drive_call repeats `call` (a status-form call on `sock`'s connection,
// such as write_early_data) while it asks to wait, polling the socket,
// within peer_timeout; returns its last result.
template <typename Call>
io_result drive_call(SSLSocket& sock, std::error_code& ec, Call call) {
  const auto deadline = std::chrono::steady_clock::now() + peer_timeout;
  for (;;) {
    const io_result r = call(ec);
    if (r.status != io_status::want_read && r.status != io_status::want_write) {
      return r;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return r;
    }
    pollfd p{sock.fileno(), static_cast<short>(r.status == io_status::want_read ? POLLIN : POLLOUT), 0};
    static_cast<void>(::poll(&p, 1, static_cast<int>(left.count())));
  }
}

// binary_text is a string of every byte value, NULs included, `n` bytes long.
inline std::string binary_text(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>((i * 7 + i / 256) & 0xff);
  }
  return s;
}

}  // namespace sslpp::test
