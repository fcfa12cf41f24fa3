// The memory transport's datagram mode, for DTLS: the queues hold whole
// datagrams (a 4-byte length, then the bytes), the BIO hands OpenSSL one
// datagram per read and takes one per write, and it answers the datagram
// BIO controls OpenSSL's DTLS code asks (MTU, peer address, peek mode for
// DTLSv1_listen). Retransmission timing is not the BIO's: OpenSSL keeps the
// timer, and drivers read it with DTLSv1_get_timeout.
#include <algorithm>
#include <climits>
#include <cstring>
#include <new>

#include <netinet/in.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "engine/memory_transport.hpp"

namespace sslpp::detail {

namespace {

using header_t = std::uint32_t;
static_assert(sizeof(header_t) == memory_transport::datagram_header);

// The datagram size OpenSSL falls back to after repeated retransmissions
// that went unanswered (a path that drops large datagrams without saying
// so): the smallest MTU an IPv6 path may have, less its headers.
constexpr std::size_t fallback_mtu = 1280 - 48;

header_t length_at(std::span<const std::byte> framed) noexcept {
  header_t n = 0;
  std::memcpy(&n, framed.data(), sizeof n);
  return n;
}

void put_length(std::byte* at, std::size_t n) noexcept {
  const auto length = static_cast<header_t>(n);
  std::memcpy(at, &length, sizeof length);
}

std::size_t room_in(const byte_queue& q, std::size_t limit) noexcept {
  return limit > q.size() ? limit - q.size() : 0;
}

memory_transport& transport_of(BIO* bio) noexcept { return *static_cast<memory_transport*>(::BIO_get_data(bio)); }

int datagram_read(BIO* bio, char* data, std::size_t len, std::size_t* read) noexcept {
  return transport_of(bio).read_datagram(bio, data, len, read);
}

int datagram_write(BIO* bio, const char* data, std::size_t len, std::size_t* written) noexcept {
  return transport_of(bio).write_datagram(bio, data, len, written);
}

long datagram_ctrl(BIO* bio, int cmd, long num, void* ptr) noexcept {
  memory_transport& t = transport_of(bio);
  switch (cmd) {
    case BIO_CTRL_PENDING: {
      const std::span<const std::byte> queued = t.input.data();
      return queued.empty() ? 0 : static_cast<long>(length_at(queued));
    }
    case BIO_CTRL_WPENDING:
      return static_cast<long>(std::min<std::size_t>(t.output.size(), LONG_MAX));
    case BIO_CTRL_EOF:
      return t.input_ended && t.input.empty() ? 1 : 0;
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_MTU:
      return static_cast<long>(t.mtu);
    case BIO_CTRL_DGRAM_SET_MTU:
      if (num > 0) {
        t.mtu = static_cast<std::size_t>(num);
      }
      return static_cast<long>(t.mtu);
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
      return static_cast<long>(std::min(t.mtu, fallback_mtu));
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
      return 0;  // our MTU counts the datagram's payload: no headers to subtract
    case BIO_CTRL_DGRAM_SET_PEEK_MODE:
      t.peek = num != 0;
      return 1;
    case BIO_CTRL_DGRAM_GET_PEER: {
      if (t.peer_len == 0 || ptr == nullptr) {
        return 0;
      }
      auto* addr = static_cast<BIO_ADDR*>(ptr);
      if (t.peer.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&t.peer);
        return ::BIO_ADDR_rawmake(addr, AF_INET, &in->sin_addr, sizeof in->sin_addr, in->sin_port) == 1 ? 1 : 0;
      }
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&t.peer);
      return ::BIO_ADDR_rawmake(addr, AF_INET6, &in6->sin6_addr, sizeof in6->sin6_addr, in6->sin6_port) == 1 ? 1 : 0;
    }
    case BIO_CTRL_DGRAM_SET_PEER:
    case BIO_CTRL_DGRAM_CONNECT:
    case BIO_CTRL_DGRAM_SET_CONNECTED:
      return 1;  // the driver sends to the peer it knows; nothing to keep
    default:
      return 0;  // timers, MTU_EXCEEDED (a queued write never fails for size), ...
  }
}

}  // namespace

BIO_METHOD* datagram_method() {
  static BIO_METHOD* const method =
      make_transport_method("sslpp datagram transport", &datagram_read, &datagram_write, &datagram_ctrl);
  return method;
}

// OpenSSL reads one datagram; what does not fit in `len` is lost, as a UDP
// socket's recv loses it (DTLS then drops the damaged record). In peek mode
// the datagram stays queued, for the handshake to read again.
int memory_transport::read_datagram(BIO* bio, char* data, std::size_t len, std::size_t* read) noexcept {
  ::BIO_clear_retry_flags(bio);
  const std::span<const std::byte> queued = input.data();
  if (queued.empty()) {
    if (!input_ended) {
      ::BIO_set_retry_read(bio);
    }
    return 0;
  }
  const std::size_t size = length_at(queued);
  const std::size_t n = std::min(size, len);
  std::memcpy(data, queued.data() + datagram_header, n);
  if (!peek) {
    input.consume(datagram_header + size);
  }
  *read = n;
  return 1;
}

// Each write of OpenSSL's is one datagram (a record, or several a flight
// packs together): queued whole, or, when the output limit is reached, not
// at all (want_write, as a full socket buffer).
int memory_transport::write_datagram(BIO* bio, const char* data, std::size_t len, std::size_t* written) noexcept {
  ::BIO_clear_retry_flags(bio);
  if (len > max_datagram) {
    ERR_raise(ERR_LIB_BIO, BIO_R_INVALID_ARGUMENT);
    return 0;
  }
  // An empty queue takes any datagram: a limit below one datagram would
  // otherwise stall the connection for good.
  if (!output.empty() && datagram_header + len > room_in(output, output_limit)) {
    ::BIO_set_retry_write(bio);
    return 0;
  }
  try {
    std::byte* at = output.space(datagram_header + len).data();
    put_length(at, len);
    std::memcpy(at + datagram_header, data, len);
  } catch (const std::bad_alloc&) {
    ERR_raise(ERR_LIB_BIO, ERR_R_MALLOC_FAILURE);
    return 0;
  }
  output.commit(datagram_header + len);
  *written = len;
  return 1;
}

std::size_t memory_transport::feed_datagram(std::span<const std::byte> data) noexcept {
  granted_ = 0;
  input.unpin();
  // An empty datagram carries no record; one over the limit is dropped as
  // a flooded socket drops it. Either way nothing was taken.
  if (data.empty() || data.size() > max_datagram || datagram_header + data.size() > room_in(input, input_limit)) {
    return 0;
  }
  try {
    std::byte* at = input.space(datagram_header + data.size()).data();
    put_length(at, data.size());
    std::memcpy(at + datagram_header, data.data(), data.size());
  } catch (const std::bad_alloc&) {
    return 0;
  }
  input.commit(datagram_header + data.size());
  return data.size();
}

std::span<std::byte> memory_transport::datagram_space(std::size_t n) {
  granted_ = 0;
  input.unpin();
  const std::size_t room = room_in(input, input_limit);
  n = std::min(n, max_datagram);
  if (room <= datagram_header || n == 0) {
    return {};
  }
  n = std::min(n, room - datagram_header);
  const std::span<std::byte> space = input.space(datagram_header + n);
  granted_ = n;
  input.pin();  // see input_space: the receive may be in flight while OpenSSL reads
  return space.subspan(datagram_header, n);
}

void memory_transport::commit_datagram(std::size_t n) noexcept {
  n = std::min(n, granted_);
  granted_ = 0;
  if (n > 0) {
    // The header goes where datagram_space left room for it: the space is
    // still in place (pinned), and space(0) never moves it.
    std::byte* at = input.space(0).data();
    put_length(at, n);
    input.commit(datagram_header + n);
  }
  input.unpin();
}

std::size_t memory_transport::queued_input_datagrams() const noexcept {
  std::size_t count = 0;
  for (std::span<const std::byte> rest = input.data(); rest.size() >= datagram_header; ++count) {
    rest = rest.subspan(std::min(rest.size(), datagram_header + length_at(rest)));
  }
  return count;
}

std::span<const std::byte> memory_transport::next_output_datagram() const noexcept {
  const std::span<const std::byte> queued = output.data();
  if (queued.empty()) {
    return {};
  }
  return queued.subspan(datagram_header, length_at(queued));
}

std::size_t memory_transport::read_output_datagram(std::span<std::byte> out) noexcept {
  const std::span<const std::byte> next = next_output_datagram();
  if (next.empty() || next.size() > out.size()) {
    return 0;  // none, or it would not fit: a datagram is never cut (bio_pending says its size)
  }
  std::memcpy(out.data(), next.data(), next.size());
  output.consume(datagram_header + next.size());
  return next.size();
}

void memory_transport::set_peer(const sockaddr* addr, socklen_t len) noexcept {
  if (addr == nullptr || len <= 0 || static_cast<std::size_t>(len) > sizeof peer ||
      (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)) {
    peer_len = 0;
    return;
  }
  std::memcpy(&peer, addr, static_cast<std::size_t>(len));
  peer_len = len;
}

std::span<const std::byte> memory_transport::peer_identity(std::span<std::byte, 19> scratch) const noexcept {
  if (peer_len == 0) {
    return {};
  }
  // family (1 byte), port (2), address (4 or 16): no padding, no scope id.
  if (peer.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&peer);
    scratch[0] = std::byte{4};
    std::memcpy(scratch.data() + 1, &in->sin_port, 2);
    std::memcpy(scratch.data() + 3, &in->sin_addr, 4);
    return scratch.first(7);
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&peer);
  scratch[0] = std::byte{6};
  std::memcpy(scratch.data() + 1, &in6->sin6_port, 2);
  std::memcpy(scratch.data() + 3, &in6->sin6_addr, 16);
  return scratch.first(19);
}

}  // namespace sslpp::detail
