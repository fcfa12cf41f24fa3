#include "support/socket_driver.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sslpp::test {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count() + 1, 60 * 1000));
}

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    fail("fcntl");
  }
}

// wait_for waits until `fd` has `events`; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) {
      return true;
    }
    if (n == 0 || errno != EINTR) {
      return false;
    }
  }
}

}  // namespace

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int Fd::release() noexcept {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::reset() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Listener tcp_listen() {
  // CLOEXEC: a peer started later must not inherit our sockets.
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    fail("socket");
  }
  sockaddr_in addr = loopback(0);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    fail("bind");
  }
  if (::listen(fd.get(), 8) != 0) {
    fail("listen");
  }
  socklen_t len = sizeof addr;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    fail("getsockname");
  }
  set_nonblocking(fd.get());
  return Listener{std::move(fd), ntohs(addr.sin_port)};
}

Fd tcp_accept(const Listener& listener, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    Fd fd(::accept4(listener.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (fd.valid()) {
      return fd;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
      return Fd();
    }
    if (!wait_for(listener.fd.get(), POLLIN, deadline) && Clock::now() >= deadline) {
      return Fd();
    }
  }
}

Fd tcp_connect(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) {
    return Fd();
  }
  const sockaddr_in addr = loopback(port);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    return fd;
  }
  if (errno != EINPROGRESS) {
    return Fd();
  }
  if (!wait_for(fd.get(), POLLOUT, deadline)) {
    return Fd();
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    return Fd();
  }
  return fd;
}

namespace {

SSLSocket wrap_fd(const Context& ctx, Fd fd, SSLSocketOptions options) {
  options.do_handshake_on_connect = false;
  return ctx.wrap_socket(Socket::from_fd(fd.release()), options);
}

}  // namespace

SSLSocket connect_tls(const Context& ctx, std::uint16_t port, SSLSocketOptions options) {
  Fd fd = tcp_connect(port);
  if (!fd.valid()) {
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  return wrap_fd(ctx, std::move(fd), options);
}

SSLSocket accept_tls(const Context& ctx, const Listener& listener, Subprocess& peer) {
  Fd fd = tcp_accept(listener);
  if (!fd.valid()) {
    throw std::runtime_error("the peer did not connect: " + peer.describe());
  }
  return wrap_fd(ctx, std::move(fd), {.server_side = true});
}

SocketDriver::SocketDriver(SSLSocket& sock, std::chrono::milliseconds timeout) : sock_(sock) {
  sock_.settimeout(std::chrono::duration<double>(timeout));
  // Small records go out at once; the tests are about behaviour, not speed.
  sock_.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
}

DriveResult SocketDriver::result(io_result r, const std::error_code& ec) const {
  DriveResult out;
  out.status = r.status;
  out.ec = ec;
  if (ec == errc::timed_out) {
    out.timed_out = true;
    out.status = io_status::want_read;  // the deadline passed while waiting for the peer
  }
  // From the socket (a reset, a broken pipe) rather than from TLS.
  out.socket_error = r.status == io_status::error && !out.timed_out &&
                     (ec.category() == std::system_category() || sock_.connection().last_error().sys_errno != 0);
  return out;
}

DriveResult SocketDriver::handshake() {
  std::error_code ec;
  const io_result r = sock_.do_handshake(ec);
  return result(r, ec);
}

DriveResult SocketDriver::write_all(std::string_view data) {
  std::span<const std::byte> rest = std::as_bytes(std::span(data));
  for (;;) {
    std::error_code ec;
    const io_result r = sock_.write(rest, ec);
    if (!r.ok()) {
      return result(r, ec);
    }
    rest = rest.subspan(r.bytes);
    if (rest.empty()) {
      return result(r, ec);
    }
  }
}

DriveResult SocketDriver::read_until(std::size_t want) {
  std::string data;
  std::array<std::byte, 16384> buf{};
  for (;;) {
    const std::size_t room = want == 0 ? buf.size() : std::min(buf.size(), want - data.size());
    std::error_code ec;
    const io_result r = sock_.read(std::span(buf.data(), room), ec);
    if (r.ok()) {
      data.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
    }
    if (!r.ok() || (want != 0 && data.size() >= want)) {
      DriveResult out = result(r, ec);
      out.data = std::move(data);
      return out;
    }
  }
}

DriveResult SocketDriver::read(std::size_t n) { return read_until(n); }

DriveResult SocketDriver::read_to_end() { return read_until(0); }

DriveResult SocketDriver::shutdown(bool wait_for_peer) {
  std::error_code ec;
  if (!wait_for_peer) {
    // Best effort: a peer that has already gone cannot take it, and the
    // caller asked not to wait for it anyway.
    return result(sock_.shutdown_tls(ec), ec);
  }
  try {
    static_cast<void>(sock_.unwrap());  // the two-way close; the plain socket is closed here
    return {};
  } catch (const TimeoutError& e) {
    return result({io_status::error, 0}, e.code());
  } catch (const OSError& e) {
    DriveResult out = result({io_status::error, 0}, e.code());
    if (dynamic_cast<const SSLZeroReturnError*>(&e) != nullptr) {
      out.status = io_status::closed;
    }
    return out;
  }
}

std::string send_bad_record_and_read(SSLSocket& client) {
  const std::string ccs("\x14\x03\x03\x00\x01\x01", 6);
  const std::string more(3000, 'x');
  if (::send(client.fileno(), ccs.data(), ccs.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(ccs.size())) {
    return "could not send the record";
  }
  static_cast<void>(::send(client.fileno(), more.data(), more.size(), MSG_NOSIGNAL));
  try {
    const std::string got = client.recv(100);
    return "read " + std::to_string(got.size()) + " bytes";
  } catch (const SSLError& e) {
    return e.reason();
  } catch (const OSError& e) {
    return std::string(e.class_name()) + ": " + e.what();
  }
}

}  // namespace sslpp::test
