// Socket addresses between the kernel's form (sockaddr) and Python's
// (Address: numeric host, port, family), for the TCP and UDP drivers and a
// DTLS connection's peer address.
#pragma once

#include <sys/socket.h>

#include <sslpp/socket.hpp>

namespace sslpp::detail {

// to_address is the Address of an AF_INET or AF_INET6 `sa`.
Address to_address(const sockaddr* sa);
// to_sockaddr fills `out` with `a` and returns its length. Throws ValueError
// unless a.host is a numeric address of a.family.
socklen_t to_sockaddr(const Address& a, sockaddr_storage& out);
// connect_udp resolves `host` and returns a UDP socket connected to the
// first of its addresses (of `family`) that it can be. Throws gaierror or
// OSError.
Socket connect_udp(std::string_view host, std::uint16_t port, AddressFamily family);

}  // namespace sslpp::detail
