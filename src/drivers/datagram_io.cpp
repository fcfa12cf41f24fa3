#include "drivers/datagram_io.hpp"

#include <cerrno>

#include <netinet/in.h>
#include <sys/socket.h>

#include <sslpp/socket.hpp>

namespace sslpp::detail {

namespace {

// The largest UDP payload: a receive buffer this big never cuts a datagram.
constexpr std::size_t max_udp_payload = 65535;

// path_mtu is the datagram payload the path of the connected socket `fd`
// takes (the kernel's path MTU less the IP and UDP headers), 0 if unknown.
std::size_t path_mtu(int fd) noexcept {
  sockaddr_storage self{};
  socklen_t len = sizeof self;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &len) != 0) {
    return 0;
  }
  int mtu = 0;
  socklen_t mtu_len = sizeof mtu;
  if (self.ss_family == AF_INET6) {
    if (::getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &mtu_len) != 0 || mtu <= 48) {
      return 0;
    }
    return static_cast<std::size_t>(mtu) - 48;  // IPv6 (40) and UDP (8) headers
  }
  if (::getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &mtu_len) != 0 || mtu <= 28) {
    return 0;
  }
  return static_cast<std::size_t>(mtu) - 28;  // IPv4 (20) and UDP (8) headers
}

// path_mtu_to is path_mtu for the path to `to`, for a socket that is not
// connected (a server's): the kernel keeps what it learns of a path by
// destination, so a UDP socket connected to `to` just to ask knows it.
std::size_t path_mtu_to(const sockaddr* to, socklen_t to_len) noexcept {
  try {
    const Socket probe(to->sa_family, SOCK_DGRAM);
    return ::connect(probe.fileno(), to, to_len) == 0 ? path_mtu(probe.fileno()) : 0;
  } catch (...) {
    return 0;  // no socket to ask with (descriptors or memory ran out)
  }
}

// adopt_path_mtu has `conn` fragment for an MTU of `mtu` (0: unknown)
// from here on, when that is one DTLS can work with.
void adopt_path_mtu(Connection& conn, std::size_t mtu) noexcept {
  if (mtu == 0) {
    return;
  }
  try {
    conn.set_ciphertext_mtu(mtu);
  } catch (...) {
    // Below what DTLS can work with, or OpenSSL refused: it keeps the MTU it has.
  }
}

}  // namespace

int send_datagrams(Connection& conn, int fd, const sockaddr* to, socklen_t to_len) noexcept {
  for (std::span<const std::byte> next = conn.peek_output(); !next.empty(); next = conn.peek_output()) {
    ssize_t sent = 0;
    do {
      sent = ::sendto(fd, next.data(), next.size(), MSG_DONTWAIT | MSG_NOSIGNAL, to, to_len);
    } while (sent < 0 && errno == EINTR);
    const int err = sent < 0 ? errno : 0;
    conn.consume_output(next.size());  // sent, or dropped as the network may drop it
    if (err == EMSGSIZE) {
      adopt_path_mtu(conn, to != nullptr ? path_mtu_to(to, to_len) : path_mtu(fd));
      if (conn.is_handshake_done()) {
        return err;
      }
      continue;
    }
    if (err != 0 && err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS && err != ECONNREFUSED) {
      return err;
    }
  }
  return 0;
}

long receive_datagram(Connection& conn, int fd) noexcept {
  std::span<std::byte> room;
  try {
    room = conn.input_space(max_udp_payload);
  } catch (...) {
    return -ENOMEM;
  }
  if (room.empty()) {
    return 0;  // the input limit is reached: let the connection read first
  }
  ssize_t n = 0;
  do {
    n = ::recv(fd, room.data(), room.size(), MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    const int err = errno;
    conn.commit_input(0);
    return err == EAGAIN || err == EWOULDBLOCK ? 0 : -err;
  }
  conn.commit_input(static_cast<std::size_t>(n));
  return n;
}

void forbid_fragmentation(int fd, int family) noexcept {
  if (family == AF_INET6) {
    const int on = IPV6_PMTUDISC_DO;
    static_cast<void>(::setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &on, sizeof on));
  } else {
    const int on = IP_PMTUDISC_DO;
    static_cast<void>(::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &on, sizeof on));
  }
}

}  // namespace sslpp::detail
