// The memory transport: the two byte queues between a connection and the
// driver that moves its ciphertext (Python's MemoryBIO pair), behind one BIO
// that OpenSSL reads records from and writes records to.
//
// Unlike BIO_s_mem it lets the driver work in place (look at pending output
// and consume it; receive straight into free input space), and bounds both
// queues: a full input queue takes no more bytes (the driver stops reading
// its socket: backpressure), a full output queue makes OpenSSL report
// want_write until the driver drains it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include <sys/socket.h>

#include <openssl/types.h>

#include "engine/byte_queue.hpp"
#include "internal/handle.hpp"

namespace sslpp::detail {

// memory_transport owns both queues. OpenSSL reaches them through bio(),
// which SSL_set_bio gives the SSL for both directions (the BIO never owns
// the transport; the engine owns both and frees the SSL, and so the BIO,
// first).
//
// In datagram mode (DTLS, datagram_transport.cpp) each queue holds whole
// datagrams, each behind a 4-byte length: a feed is one datagram in, an
// OpenSSL write one datagram out, and the driver's calls below take and
// give one datagram at a time, so no boundary is ever lost or merged.
class memory_transport {
 public:
  static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();
  // The largest datagram taken (a UDP payload is at most 65,507 bytes).
  static constexpr std::size_t max_datagram = 65535;
  // Input a datagram transport keeps by default: a peer that floods us with
  // datagrams faster than the connection reads them costs no more.
  static constexpr std::size_t default_datagram_input_limit = 256 * 1024;
  // The datagram size a DTLS connection fragments its handshake to unless
  // told otherwise (set_ciphertext_mtu, a driver's path MTU): under the
  // 1,452 bytes of a 1,500-byte Ethernet path over IPv6, with room for a
  // tunnel's headers.
  static constexpr std::size_t default_mtu = 1400;
  // The length before each queued datagram.
  static constexpr std::size_t datagram_header = sizeof(std::uint32_t);

  // memory_transport makes the BIO: a byte stream, or with `datagrams` a
  // datagram transport. Throws SSLError when the BIO cannot be made.
  explicit memory_transport(bool datagrams = false);
  memory_transport(const memory_transport&) = delete;
  memory_transport& operator=(const memory_transport&) = delete;

  // bio is the BIO (borrowed: up_ref it before SSL_set_bio takes it).
  [[nodiscard]] BIO* bio() const noexcept { return bio_.get(); }

  // -- The driver's side ----------------------------------------------------
  byte_queue input;   // network -> TLS
  byte_queue output;  // TLS -> network
  std::size_t input_limit = unlimited;
  std::size_t output_limit = unlimited;
  bool input_ended = false;  // the peer's transport closed (bio_shutdown)

  // feed appends what fits under input_limit; returns how many bytes it took.
  std::size_t feed(std::span<const std::byte> data) noexcept;
  // input_space is free input space for the driver to receive into, at most
  // `n` bytes and never past input_limit (empty when the queue is full).
  std::span<std::byte> input_space(std::size_t n);
  // commit_input appends the first `n` bytes of the last input_space, and
  // never more than it handed out. The space stays in place, whatever other
  // calls run, until commit_input, feed or the next input_space.
  void commit_input(std::size_t n) noexcept;
  // peek_output is the pending output, pinned until consume_output or
  // read_output, for a driver that sends it straight from the queue while
  // other calls run.
  std::span<const std::byte> peek_output() noexcept;
  void consume_output(std::size_t n) noexcept;
  std::size_t read_output(std::span<std::byte> out) noexcept;
  // pending_output is what bio_pending reports: the bytes queued, or in
  // datagram mode the size of the next datagram.
  [[nodiscard]] std::size_t pending_output() const noexcept;

  // -- Datagram mode ----------------------------------------------------------
  [[nodiscard]] bool datagrams() const noexcept { return datagrams_; }
  // mtu is the largest datagram OpenSSL is told it may send (the answer to
  // BIO_CTRL_DGRAM_QUERY_MTU).
  std::size_t mtu = default_mtu;
  // peek is DTLSv1_listen's peek mode: reads leave the datagram queued.
  bool peek = false;
  // The address the datagrams come from, when the driver knows it
  // (set_peer): what BIO_dgram_get_peer answers and what the default DTLS
  // cookie is bound to. peer_len 0: unknown.
  sockaddr_storage peer{};
  socklen_t peer_len = 0;
  void set_peer(const sockaddr* addr, socklen_t len) noexcept;
  // queued_input_datagrams counts the datagrams waiting in the input.
  [[nodiscard]] std::size_t queued_input_datagrams() const noexcept;
  // peer_identity is the peer's address as the cookie binds it (family,
  // port, address); empty when unknown.
  [[nodiscard]] std::span<const std::byte> peer_identity(std::span<std::byte, 19> scratch) const noexcept;

  // The datagram BIO's read and write (datagram_transport.cpp).
  int read_datagram(BIO* bio, char* data, std::size_t len, std::size_t* read) noexcept;
  int write_datagram(BIO* bio, const char* data, std::size_t len, std::size_t* written) noexcept;

 private:
  std::size_t feed_datagram(std::span<const std::byte> data) noexcept;
  std::span<std::byte> datagram_space(std::size_t n);
  void commit_datagram(std::size_t n) noexcept;
  [[nodiscard]] std::span<const std::byte> next_output_datagram() const noexcept;
  std::size_t read_output_datagram(std::span<std::byte> out) noexcept;

  bool datagrams_ = false;
  std::size_t granted_ = 0;  // what the last input_space handed out
  unique_handle<BIO> bio_;
};

// datagram_method is the BIO_METHOD of datagram mode (datagram_transport.cpp).
BIO_METHOD* datagram_method();

// make_transport_method makes a source/sink BIO_METHOD from the three
// callbacks (nullptr when OpenSSL cannot). Each transport makes its own once,
// shared by every connection and never freed (it is immutable).
using transport_read_fn = int(BIO*, char*, std::size_t, std::size_t*);
using transport_write_fn = int(BIO*, const char*, std::size_t, std::size_t*);
using transport_ctrl_fn = long(BIO*, int, long, void*);
BIO_METHOD* make_transport_method(const char* name, transport_read_fn* read, transport_write_fn* write,
                                  transport_ctrl_fn* ctrl) noexcept;

}  // namespace sslpp::detail
