/// \file
/// Socket: a small TCP layer (C++ has no standard socket), enough for TLS
/// clients and servers: Python's socket.socket and socket.create_connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <sys/socket.h>

#include <sslpp/error.hpp>
#include <sslpp/export.hpp>

namespace sslpp {

/// Timeout is Python's socket timeout: nullopt blocks without limit, zero
/// makes every call non-blocking, a positive duration bounds each call.
using Timeout = std::optional<std::chrono::duration<double>>;

/// Address is a socket address as Python shows it: (host, port). `host` is
/// numeric ("127.0.0.1", "::1"); `family` is AF_INET or AF_INET6.
struct Address {
  /// host is the numeric address.
  std::string host;
  /// port is the port, in host byte order.
  std::uint16_t port = 0;
  /// family is AF_INET or AF_INET6.
  int family = AF_INET;
  /// Equal when every member is.
  friend bool operator==(const Address&, const Address&) = default;
};

/// Socket owns one socket file descriptor (closed on destruction). Every
/// call that can wait honours the socket's timeout: TimeoutError when it
/// runs out; with a zero timeout, BlockingIOError-like OSError (EAGAIN).
/// Errors are OSError subclasses named as in Python (ConnectionRefusedError,
/// TimeoutError, gaierror, ...). Move-only; a moved-from Socket is closed.
/// One thread at a time.
class SSLPP_API Socket {
 public:
  /// Socket makes a new socket (close-on-exec) of `family` and `type`.
  explicit Socket(int family = AF_INET, int type = SOCK_STREAM, int protocol = 0);
  /// from_fd adopts an open descriptor; the Socket closes it.
  static Socket from_fd(int fd) noexcept;
  ///@{
  /// The move operations leave `other` closed (fileno() -1); assignment
  /// first closes this socket's own descriptor.
  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;
  ///@}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  /// ~Socket closes the descriptor, if this Socket still owns one.
  ~Socket();

  /// bind binds to (host, port); port 0 lets the kernel pick one.
  void bind(std::string_view host, std::uint16_t port);
  /// listen starts accepting connections.
  void listen(int backlog = 128);
  /// accept waits (per the timeout) for a connection and returns it, with
  /// the peer's address. The new socket is blocking, as in Python, except
  /// that a positive timeout of this socket is passed on to it.
  std::pair<Socket, Address> accept();
  /// connect connects to (host, port), resolving host; throws
  /// ConnectionRefusedError, TimeoutError, gaierror or OSError.
  void connect(std::string_view host, std::uint16_t port);
  /// connect_ex is connect returning an errno value (0 on success) instead
  /// of throwing for connection errors; a host that does not resolve still
  /// throws gaierror.
  int connect_ex(std::string_view host, std::uint16_t port);

  /// recv reads up to out.size() bytes; 0 at end of stream.
  std::size_t recv(std::span<std::byte> out);
  /// send writes some of `data` and returns how much.
  std::size_t send(std::span<const std::byte> data);
  /// sendall writes all of `data`.
  void sendall(std::span<const std::byte> data);

  /// shutdown shuts down one or both directions (SHUT_RD, SHUT_WR, SHUT_RDWR).
  void shutdown(int how);
  /// close closes the descriptor now (idempotent).
  void close() noexcept;
  /// detach gives up ownership and returns the descriptor.
  int detach() noexcept;
  /// fileno is the descriptor, -1 once closed or detached.
  [[nodiscard]] int fileno() const noexcept { return fd_; }

  /// getpeername is the address of the peer this socket is connected to.
  /// Throws OSError when it is not connected.
  [[nodiscard]] Address getpeername() const;
  /// getsockname is this socket's own address (the port bind() picked).
  [[nodiscard]] Address getsockname() const;
  ///@{
  /// getsockopt / setsockopt for integer options (SO_REUSEADDR, TCP_NODELAY, ...).
  [[nodiscard]] int getsockopt(int level, int optname) const;
  void setsockopt(int level, int optname, int value);
  ///@}

  ///@{
  /// gettimeout / settimeout / setblocking are Python's: settimeout(nullopt)
  /// blocks, settimeout(0s) is non-blocking, setblocking(b) is
  /// settimeout(b ? nullopt : 0s).
  [[nodiscard]] Timeout gettimeout() const noexcept { return timeout_; }
  void settimeout(Timeout timeout);
  void setblocking(bool blocking) { settimeout(blocking ? Timeout() : Timeout(std::chrono::duration<double>(0))); }
  ///@}

  ///@{
  /// wait_readable / wait_writable wait until the descriptor is ready,
  /// within `timeout` (nullopt: forever). They return false on timeout.
  [[nodiscard]] bool wait_readable(Timeout timeout) const;
  [[nodiscard]] bool wait_writable(Timeout timeout) const;
  ///@}

 private:
  explicit Socket(int fd, Timeout timeout) noexcept : fd_(fd), timeout_(timeout) {}
  void require_open() const;
  int fd_ = -1;
  Timeout timeout_;
};

/// create_connection is Python's socket.create_connection: resolves `host`
/// (a name, an IPv4 or an IPv6 address) for IPv4 and IPv6 alike, tries
/// every address in turn, and returns the first socket that connects, with
/// `timeout` set. Throws gaierror when the name does not resolve, else the
/// last address's error (ConnectionRefusedError, TimeoutError, OSError).
SSLPP_API Socket create_connection(std::string_view host, std::uint16_t port, Timeout timeout = std::nullopt);

/// AddressFamily is which of a host's addresses create_connection tries.
enum class AddressFamily {
  /// any: IPv4 and IPv6 addresses alike, in the resolver's order (Python's).
  any,
  /// ipv4: IPv4 addresses only (`openssl s_client -4`).
  ipv4,
  /// ipv6: IPv6 addresses only (`openssl s_client -6`).
  ipv6,
};

/// ConnectOptions are create_connection's keyword arguments, for designated
/// initialisers: `create_connection(host, 443, {.timeout = 10s, .family = AddressFamily::ipv6})`.
struct ConnectOptions {
  /// timeout bounds the connect and is set on the returned socket.
  Timeout timeout = std::nullopt;
  /// family limits the addresses tried. A host with no address of that
  /// family (an IPv4 literal with ipv6) fails with gaierror before any
  /// connection is tried.
  AddressFamily family = AddressFamily::any;
  /// type is SOCK_STREAM (TCP, as Python's) or SOCK_DGRAM: a UDP socket
  /// connected to the host's first address of the family (a UDP connect
  /// sends nothing, so it cannot tell whether anyone listens: the first
  /// receive does). Any other type is a ValueError.
  int type = SOCK_STREAM;
};

/// create_connection with options: as above, limited to `options.family`.
SSLPP_API Socket create_connection(std::string_view host, std::uint16_t port, const ConnectOptions& options);

}  // namespace sslpp
