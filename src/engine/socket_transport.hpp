// The socket transport: OpenSSL reads and writes a socket descriptor itself,
// through a BIO that never raises SIGPIPE.
#pragma once

#include <csignal>
#include <cstddef>

#include "internal/handle.hpp"

namespace sslpp::detail {

// new_socket_bio makes a BIO that reads with recv() and writes with
// send(MSG_NOSIGNAL) on `fd` (not owned: the Socket closes it). OpenSSL's
// own socket BIO writes with write(2), which kills a process that has not
// ignored SIGPIPE when the peer has gone; a library must not require that.
// EAGAIN and EINTR become retry flags, so OpenSSL reports want_read /
// want_write; end of stream reads as 0 with no retry. It reads the next
// record's header together with a record's body (at most 5 bytes ahead,
// never a whole record: socket_transport.cpp says why that is safe), so a
// stream of records costs one receive call each instead of two.
unique_handle<BIO> new_socket_bio(int fd);

// stop_read_ahead makes an sslpp socket BIO read no byte past what OpenSSL
// asks for, from now on: called before our close_notify, after which the
// peer may go on in plaintext (unwrap). Other BIOs are left alone.
void stop_read_ahead(BIO* bio) noexcept;

// read_ahead_held is how many bytes an sslpp socket BIO (in `bio`'s chain)
// has read from the socket that OpenSSL has not taken yet (0 for others).
std::size_t read_ahead_held(BIO* bio) noexcept;

// require_nothing_read_past_close is unwrap's last check, after the
// close_notify exchange: the caller takes the transport over from the byte
// after the peer's close_notify, so no byte past it may have been read
// (held by the socket BIO, or by OpenSSL's own read-ahead when a user turned
// it on). Throws SSLError APPLICATION_DATA_AFTER_CLOSE_NOTIFY when one was.
void require_nothing_read_past_close(SSL* ssl);

// sigpipe_guard blocks SIGPIPE on this thread for its lifetime and, if a
// write in that time raised one, takes it before unblocking, so it is never
// delivered. For the calls that must go through OpenSSL's own socket BIO or
// sendfile (kernel TLS), which write without MSG_NOSIGNAL. Costs two
// signal-mask system calls, so only those paths use it.
class sigpipe_guard {
 public:
  sigpipe_guard() noexcept;
  ~sigpipe_guard();
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  bool was_blocked_ = false;
  bool was_pending_ = false;
};

}  // namespace sslpp::detail
