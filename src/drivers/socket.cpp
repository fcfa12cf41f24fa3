#include <sslpp/socket.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <memory>
#include <vector>

#include "drivers/socket_address.hpp"
#include "drivers/socket_wait.hpp"
#include "internal/error_queue.hpp"
#include "internal/idna.hpp"

namespace sslpp {

namespace detail {

Address to_address(const sockaddr* sa) {
  Address a;
  char buf[INET6_ADDRSTRLEN] = {};
  a.family = sa->sa_family;
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    a.port = ntohs(in6->sin6_port);
  } else {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(sa);
    ::inet_ntop(AF_INET, &in4->sin_addr, buf, sizeof buf);
    a.port = ntohs(in4->sin_port);
  }
  a.host = buf;
  return a;
}

socklen_t to_sockaddr(const Address& a, sockaddr_storage& out) {
  out = sockaddr_storage{};
  const std::string host = a.host;
  if (a.family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(a.port);
    if (::inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
      return sizeof(sockaddr_in6);
    }
  } else if (a.family == AF_INET) {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&out);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(a.port);
    if (::inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
      return sizeof(sockaddr_in);
    }
  }
  throw_value_error("\"" + host + "\" is not a numeric " + (a.family == AF_INET6 ? "IPv6" : "IPv4") +
                    " address (Address.family says which); resolve names first");
}

}  // namespace detail

using detail::to_address;

namespace {

using clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(int err, std::string_view detail = {}) { throw_error(os_error_info(err, detail)); }

[[noreturn]] void throw_timeout(std::string_view what) {
  throw_error(error_info(errc::timed_out, std::string(what) + " timed out"));
}

struct free_addrinfo {
  void operator()(addrinfo* p) const noexcept { ::freeaddrinfo(p); }
};
using addrinfo_list = std::unique_ptr<addrinfo, free_addrinfo>;

// resolve is getaddrinfo for (host, port), throwing gaierror with Python's
// message form ("[Errno -2] Name or service not known").
addrinfo_list resolve(std::string_view host, std::uint16_t port, int family, bool passive) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  // As Python's socket module: a non-ASCII name is looked up as its A-label.
  const std::string h = detail::to_a_label(host, "host");
  const std::string p = std::to_string(port);
  addrinfo* out = nullptr;
  const int rc = ::getaddrinfo(h.empty() ? nullptr : h.c_str(), p.c_str(), &hints, &out);
  if (rc != 0) {
    ErrorInfo info;
    info.code = {rc == EAI_SYSTEM ? errno : EHOSTUNREACH, std::system_category()};
    info.message = "[Errno " + std::to_string(rc) + "] " + ::gai_strerror(rc) + ": '" + h + "'";
    throw gaierror(std::move(info));
  }
  return addrinfo_list(out);
}

void set_nonblocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)) != 0) {
    throw_errno(errno, "fcntl");
  }
}

// retry runs one system call on a socket until it succeeds, waiting for
// `events` between tries as the socket's timeout says: OSError for a real
// failure (or EAGAIN when non-blocking), TimeoutError when time runs out.
// `deadline` may be shared by several calls that together have one timeout
// (sendall); it is computed only once a wait is needed.
using lazy_deadline = std::optional<std::optional<clock::time_point>>;

template <typename Call>
auto retry(int fd, Timeout timeout, short events, const char* what, Call&& call, lazy_deadline* shared = nullptr) {
  lazy_deadline own;
  lazy_deadline& deadline = shared != nullptr ? *shared : own;
  for (;;) {
    const auto result = call();
    if (result >= 0) {
      return result;
    }
    const int err = errno;
    if (err == EINTR) {
      continue;
    }
    if ((err != EAGAIN && err != EWOULDBLOCK) || (timeout && timeout->count() == 0)) {
      throw_errno(err, what);
    }
    if (!deadline) {
      deadline = detail::deadline_after(timeout);
    }
    if (!detail::wait_fd(fd, events, *deadline)) {
      throw_timeout(what);
    }
  }
}

// connect_addr connects `fd` to one address within `timeout`; returns 0 or
// an errno value (ETIMEDOUT when the timeout ran out).
int connect_addr(int fd, const sockaddr* sa, socklen_t len, Timeout timeout) {
  if (::connect(fd, sa, len) == 0) {
    return 0;
  }
  const int err = errno;
  if (err != EINPROGRESS && err != EINTR && err != EAGAIN) {
    return err;
  }
  if (timeout && timeout->count() == 0) {
    return err;  // non-blocking: the caller polls
  }
  if (!detail::wait_fd(fd, POLLOUT, detail::deadline_after(timeout))) {
    return ETIMEDOUT;
  }
  int so_error = 0;
  socklen_t so_len = sizeof so_error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0) {
    return errno;
  }
  return so_error;
}

}  // namespace

namespace detail {

void check_timeout(Timeout timeout) {
  if (!timeout) {
    return;
  }
  const double seconds = timeout->count();
  if (std::isnan(seconds)) {
    throw ValueError("Invalid value NaN (not a number) for a timeout");
  }
  if (seconds < 0) {
    throw ValueError("Timeout value out of range: it must be zero or positive (nullopt blocks without limit)");
  }
  // Past this the deadline arithmetic would overflow (undefined behaviour);
  // no real wait is that long. Infinity is refused too: nullopt says "no
  // limit".
  if (seconds > max_timeout_seconds) {
    throw ValueError("Timeout too large: at most " + std::to_string(static_cast<long long>(max_timeout_seconds)) +
                     " s (use nullopt for no limit)");
  }
}

std::optional<clock::time_point> deadline_after(Timeout timeout) {
  if (!timeout) {
    return std::nullopt;
  }
  return clock::now() + std::chrono::duration_cast<clock::duration>(*timeout);
}

bool wait_fd(int fd, short events, std::optional<clock::time_point> deadline) {
  for (;;) {
    int ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - clock::now());
      if (left.count() <= 0) {
        return false;
      }
      ms = static_cast<int>(std::min<std::chrono::milliseconds::rep>(left.count(), 1 << 30));
    }
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, ms);
    if (rc > 0) {
      return true;  // ready, or an error/hang-up the next call will report
    }
    if (rc < 0 && errno != EINTR) {
      throw_errno(errno, "poll");
    }
  }
}

void linger_for_peer_close(int fd, std::chrono::milliseconds limit) noexcept {
  if (fd < 0 || ::shutdown(fd, SHUT_WR) != 0) {
    return;  // not connected (or not a socket): nothing to linger for
  }
  const clock::time_point deadline = clock::now() + limit;
  std::array<char, 4096> sink{};
  for (;;) {
    const ssize_t n = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT);
    if (n > 0) {
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      return;  // the peer closed (or reset): nothing more will arrive
    }
    try {
      if (!wait_fd(fd, POLLIN, deadline)) {
        return;
      }
    } catch (...) {
      return;  // poll failed: close now
    }
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Construction and ownership

Socket::Socket(int family, int type, int protocol) {
  fd_ = ::socket(family, type | SOCK_CLOEXEC, protocol);
  if (fd_ < 0) {
    throw_errno(errno, "socket");
  }
}

Socket Socket::from_fd(int fd) noexcept { return Socket(fd, std::nullopt); }

Socket::Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)), timeout_(other.timeout_) {}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    timeout_ = other.timeout_;
  }
  return *this;
}

Socket::~Socket() { close(); }

void Socket::close() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

int Socket::detach() noexcept { return std::exchange(fd_, -1); }

void Socket::require_open() const {
  if (fd_ < 0) {
    throw_errno(EBADF, "the socket is closed");
  }
}

// ---------------------------------------------------------------------------
// Addresses and connections

void Socket::bind(std::string_view host, std::uint16_t port) {
  require_open();
  sockaddr_storage own{};
  socklen_t own_len = sizeof own;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&own), &own_len);
  const auto list = resolve(host, port, own.ss_family, true);
  int err = EADDRNOTAVAIL;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    if (::bind(fd_, ai->ai_addr, ai->ai_addrlen) == 0) {
      return;
    }
    err = errno;
  }
  throw_errno(err, std::string(host) + ":" + std::to_string(port));
}

void Socket::listen(int backlog) {
  require_open();
  if (::listen(fd_, backlog) != 0) {
    throw_errno(errno, "listen");
  }
}

std::pair<Socket, Address> Socket::accept() {
  require_open();
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  const int fd = retry(fd_, timeout_, POLLIN, "accept", [&] {
    len = sizeof peer;
    return ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
  });
  // As Python: a connection accepted by a non-blocking listener is blocking.
  // A positive timeout is passed on, so a stalled client cannot hold a
  // handshake on accept forever.
  Socket s(fd, std::nullopt);
  if (timeout_ && timeout_->count() > 0) {
    s.settimeout(timeout_);
  }
  return {std::move(s), to_address(reinterpret_cast<sockaddr*>(&peer))};
}

int Socket::connect_ex(std::string_view host, std::uint16_t port) {
  require_open();
  sockaddr_storage own{};
  socklen_t own_len = sizeof own;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&own), &own_len);
  const auto list = resolve(host, port, own.ss_family, false);
  return connect_addr(fd_, list->ai_addr, list->ai_addrlen, timeout_);
}

void Socket::connect(std::string_view host, std::uint16_t port) {
  const int err = connect_ex(host, port);
  if (err == ETIMEDOUT && timeout_) {
    throw_timeout("connect");
  }
  if (err != 0) {
    throw_errno(err, std::string(host) + ":" + std::to_string(port));
  }
}

Socket create_connection(std::string_view host, std::uint16_t port, Timeout timeout) {
  return create_connection(host, port, ConnectOptions{.timeout = timeout});
}

Socket create_connection(std::string_view host, std::uint16_t port, const ConnectOptions& options) {
  const Timeout timeout = options.timeout;
  detail::check_timeout(timeout);
  if (options.type == SOCK_DGRAM) {
    Socket s = detail::connect_udp(host, port, options.family);
    s.settimeout(timeout);
    return s;
  }
  if (options.type != SOCK_STREAM) {
    detail::throw_value_error("create_connection: type must be SOCK_STREAM or SOCK_DGRAM");
  }
  // The resolver applies the family: a literal of the other family is a
  // gaierror there, before any socket is made.
  const int family = options.family == AddressFamily::ipv4   ? AF_INET
                     : options.family == AddressFamily::ipv6 ? AF_INET6
                                                             : AF_UNSPEC;
  const auto list = resolve(host, port, family, false);
  int last = ECONNREFUSED;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    // A family the host lacks (IPv6 turned off) is one more address that failed.
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = errno;
      continue;
    }
    Socket s = Socket::from_fd(fd);
    s.settimeout(timeout);
    last = connect_addr(s.fileno(), ai->ai_addr, ai->ai_addrlen, timeout);
    if (last == 0) {
      return s;
    }
  }
  if (last == ETIMEDOUT && timeout) {
    throw_timeout("connect");
  }
  throw_errno(last, std::string(host) + ":" + std::to_string(port));
}

namespace detail {

Socket connect_udp(std::string_view host, std::uint16_t port, AddressFamily family) {
  const int wanted = family == AddressFamily::ipv4 ? AF_INET : family == AddressFamily::ipv6 ? AF_INET6 : AF_UNSPEC;
  const auto list = resolve(host, port, wanted, false);
  int last = EADDRNOTAVAIL;
  // A UDP connect only fixes the peer: it fails for a family the machine
  // lacks, never because nobody listens (that shows on the first receive).
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0) {
      last = errno;
      continue;
    }
    Socket s = Socket::from_fd(fd);
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      return s;
    }
    last = errno;
  }
  throw_errno(last, std::string(host) + ":" + std::to_string(port));
}

}  // namespace detail

Address Socket::getpeername() const {
  require_open();
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    throw_errno(errno, "getpeername");
  }
  return to_address(reinterpret_cast<sockaddr*>(&sa));
}

Address Socket::getsockname() const {
  require_open();
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    throw_errno(errno, "getsockname");
  }
  return to_address(reinterpret_cast<sockaddr*>(&sa));
}

int Socket::getsockopt(int level, int optname) const {
  require_open();
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(fd_, level, optname, &value, &len) != 0) {
    throw_errno(errno, "getsockopt");
  }
  return value;
}

void Socket::setsockopt(int level, int optname, int value) {
  require_open();
  if (::setsockopt(fd_, level, optname, &value, sizeof value) != 0) {
    throw_errno(errno, "setsockopt");
  }
}

void Socket::settimeout(Timeout timeout) {
  detail::check_timeout(timeout);
  require_open();
  // With any timeout the descriptor is non-blocking and sslpp waits in
  // poll(), as Python does; without one the kernel blocks.
  set_nonblocking(fd_, timeout.has_value());
  timeout_ = timeout;
}

bool Socket::wait_readable(Timeout timeout) const {
  detail::check_timeout(timeout);
  require_open();  // poll() ignores -1: it would wait for nothing, forever
  return detail::wait_fd(fd_, POLLIN, detail::deadline_after(timeout));
}

bool Socket::wait_writable(Timeout timeout) const {
  detail::check_timeout(timeout);
  require_open();
  return detail::wait_fd(fd_, POLLOUT, detail::deadline_after(timeout));
}

// ---------------------------------------------------------------------------
// Plain data (before TLS, or after unwrap)

std::size_t Socket::recv(std::span<std::byte> out) {
  require_open();
  return static_cast<std::size_t>(
      retry(fd_, timeout_, POLLIN, "recv", [&] { return ::recv(fd_, out.data(), out.size(), 0); }));
}

std::size_t Socket::send(std::span<const std::byte> data) {
  require_open();
  // MSG_NOSIGNAL: a closed peer is EPIPE (BrokenPipeError), never SIGPIPE.
  return static_cast<std::size_t>(
      retry(fd_, timeout_, POLLOUT, "send", [&] { return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }));
}

void Socket::sendall(std::span<const std::byte> data) {
  require_open();
  // As Python (3.5+): the timeout bounds the whole sendall, not each send.
  lazy_deadline deadline;
  while (!data.empty()) {
    const auto n = retry(
        fd_, timeout_, POLLOUT, "sendall",
        [&] { return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }, &deadline);
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

void Socket::shutdown(int how) {
  require_open();
  if (::shutdown(fd_, how) != 0) {
    throw_errno(errno, "shutdown");
  }
}

}  // namespace sslpp
