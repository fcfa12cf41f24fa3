// Drives a sans-IO sslpp::Connection over a connected TCP socket, for the
// interop tests against independent peers. Test support only (the library's
// own socket layer is separate): every call has a deadline and reports what
// happened instead of hanging or throwing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <sslpp/connection.hpp>

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

// SocketDriver moves ciphertext between `conn` and the socket `fd`
// (made non-blocking here). Both must outlive it.
class SocketDriver {
 public:
  SocketDriver(Connection& conn, int fd, std::chrono::milliseconds timeout = peer_timeout);

  // handshake runs do_handshake to completion.
  DriveResult handshake();
  // write_all writes all of `data` and sends the ciphertext.
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
  using Clock = std::chrono::steady_clock;
  enum class Op { handshake, write, read, shutdown };
  // run repeats one Connection call until it stops asking for I/O.
  DriveResult run(Op op, std::string_view data, std::size_t want);
  // flush sends every pending ciphertext byte; false on socket error or
  // timeout (recorded in `r`).
  bool flush(Clock::time_point deadline, DriveResult& r);
  // receive waits for ciphertext and hands it to the connection; at end
  // of stream it calls bio_shutdown. False on socket error or timeout.
  bool receive(Clock::time_point deadline, DriveResult& r);

  Connection& conn_;
  int fd_;
  std::chrono::milliseconds timeout_;
  bool eof_ = false;
};

}  // namespace sslpp::test
