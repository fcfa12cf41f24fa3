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

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
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

SocketDriver::SocketDriver(Connection& conn, int fd, std::chrono::milliseconds timeout)
    : conn_(conn), fd_(fd), timeout_(timeout) {
  set_nonblocking(fd_);
  // Small records go out at once; the tests are about behaviour, not speed.
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool SocketDriver::flush(Clock::time_point deadline, DriveResult& r) {
  std::array<std::byte, 16384> buf{};
  while (std::size_t n = conn_.bio_read(buf)) {
    std::size_t sent = 0;
    while (sent < n) {
      // MSG_NOSIGNAL: a peer that has gone must not raise SIGPIPE.
      const ssize_t k = ::send(fd_, buf.data() + sent, n - sent, MSG_NOSIGNAL);
      if (k > 0) {
        sent += static_cast<std::size_t>(k);
        continue;
      }
      if (k < 0 && errno == EINTR) {
        continue;
      }
      if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait_for(fd_, POLLOUT, deadline)) {
          r.timed_out = true;
          return false;
        }
        continue;
      }
      r.socket_error = true;
      r.status = io_status::error;
      r.ec = std::error_code(errno, std::system_category());
      return false;
    }
  }
  return true;
}

bool SocketDriver::receive(Clock::time_point deadline, DriveResult& r) {
  if (eof_) {
    // The transport already ended and the connection was told: waiting
    // more cannot bring anything. The caller sees the connection's verdict.
    r.timed_out = true;
    return false;
  }
  std::array<std::byte, 16384> buf{};
  for (;;) {
    const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n > 0) {
      conn_.bio_write(std::span<const std::byte>(buf.data(), static_cast<std::size_t>(n)));
      return true;
    }
    if (n == 0) {
      // End of stream: let the connection decide between a clean close
      // (close_notify seen) and truncation.
      eof_ = true;
      conn_.bio_shutdown();
      return true;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd_, POLLIN, deadline)) {
        r.timed_out = true;
        return false;
      }
      continue;
    }
    r.socket_error = true;
    r.status = io_status::error;
    r.ec = std::error_code(errno, std::system_category());
    return false;
  }
}

DriveResult SocketDriver::run(Op op, std::string_view data, std::size_t want) {
  const auto deadline = Clock::now() + timeout_;
  DriveResult r;
  std::array<std::byte, 16384> buf{};
  for (;;) {
    io_result res{};
    std::error_code ec;
    switch (op) {
      case Op::handshake:
        res = conn_.do_handshake(ec);
        break;
      case Op::write:
        res = conn_.write(std::as_bytes(std::span(data)), ec);
        break;
      case Op::read: {
        const std::size_t room = want == 0 ? buf.size() : std::min(buf.size(), want - r.data.size());
        res = conn_.read(std::span(buf.data(), room), ec);
        break;
      }
      case Op::shutdown:
        res = conn_.shutdown(ec);
        break;
    }
    r.status = res.status;
    r.ec = ec;
    if (op == Op::read && res.status == io_status::ok) {
      r.data.append(reinterpret_cast<const char*>(buf.data()), res.bytes);
    }
    // Whatever the outcome, the peer should get what the call produced:
    // handshake messages, data, close_notify or a fatal alert.
    DriveResult sent;
    const bool flushed = flush(deadline, sent);
    if (res.status == io_status::closed || res.status == io_status::truncated || res.status == io_status::error) {
      // The connection's verdict matters, not whether the peer (perhaps
      // already gone) could still take our alert.
      return r;
    }
    if (!flushed) {
      r.status = sent.socket_error ? io_status::error : r.status;
      r.ec = sent.socket_error ? sent.ec : r.ec;
      r.socket_error = sent.socket_error;
      r.timed_out = sent.timed_out;
      return r;
    }
    if (res.status == io_status::ok) {
      if (op == Op::write) {
        data.remove_prefix(res.bytes);
        if (!data.empty()) {
          continue;
        }
      }
      if (op == Op::read && (want == 0 || r.data.size() < want)) {
        continue;
      }
      return r;
    }
    if (res.status == io_status::want_write) {
      continue;  // flushed above; memory buffers never stay full
    }
    if (!receive(deadline, r)) {
      r.status = r.socket_error ? io_status::error : io_status::want_read;
      return r;
    }
  }
}

DriveResult SocketDriver::handshake() { return run(Op::handshake, {}, 0); }

DriveResult SocketDriver::write_all(std::string_view data) { return run(Op::write, data, 0); }

DriveResult SocketDriver::read(std::size_t n) { return run(Op::read, {}, n); }

DriveResult SocketDriver::read_to_end() { return run(Op::read, {}, 0); }

DriveResult SocketDriver::shutdown(bool wait_for_peer) {
  if (wait_for_peer) {
    return run(Op::shutdown, {}, 0);
  }
  const auto deadline = Clock::now() + timeout_;
  DriveResult r;
  std::error_code ec;
  const io_result res = conn_.shutdown(ec);
  // want_read here just means the peer's close_notify has not come yet.
  r.status = res.status == io_status::want_read ? io_status::ok : res.status;
  r.ec = ec;
  // Best effort: a peer that has already gone cannot take it, and the
  // caller asked not to wait for it anyway.
  flush(deadline, r);
  return r;
}

}  // namespace sslpp::test
