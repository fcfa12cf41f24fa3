// Moving a DTLS Connection's datagrams through a UDP socket: the one piece
// DTLSSocket (a connected socket, one peer) and DTLSServer (one socket,
// many peers) share.
#pragma once

#include <sys/socket.h>

#include <sslpp/connection.hpp>

namespace sslpp::detail {

// send_datagrams sends every datagram `conn` has for its peer: to `to`, or
// on a connected socket when `to` is null. Never blocks. A datagram the
// kernel cannot take now (EAGAIN, ENOBUFS) or that the network refuses
// (ECONNREFUSED after an ICMP error for an earlier one) is dropped, as the
// network would drop it: DTLS retransmits what matters. A datagram bigger
// than the path's MTU (EMSGSIZE, as fragmentation is forbidden) teaches
// `conn` the MTU the kernel has learnt for the path: during the handshake
// the refused datagram is dropped and comes again with the retransmission,
// in fragments that fit; after it, a record of data is the caller's to send
// again in smaller pieces, so EMSGSIZE is returned. Returns 0, or the errno
// of a failure the caller must act on (EMSGSIZE after the handshake,
// EBADF, ...), with that datagram dropped.
int send_datagrams(Connection& conn, int fd, const sockaddr* to = nullptr, socklen_t to_len = 0) noexcept;

// receive_datagram receives one datagram from a connected socket straight
// into `conn`'s input. Returns the bytes received (0 when none was ready),
// or -errno on failure (-ECONNREFUSED: nothing listens at the peer's port).
// Never blocks.
long receive_datagram(Connection& conn, int fd) noexcept;

// forbid_fragmentation sets the don't-fragment bit on a UDP socket's
// datagrams, so an oversized one fails with EMSGSIZE (and the path MTU is
// learnt) instead of being fragmented by IP.
void forbid_fragmentation(int fd, int family) noexcept;

}  // namespace sslpp::detail
