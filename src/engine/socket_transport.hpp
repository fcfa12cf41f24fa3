// The socket transport: OpenSSL reads and writes a socket descriptor itself,
// through a BIO that never raises SIGPIPE.
#pragma once

#include <csignal>

#include "internal/handle.hpp"

namespace sslpp::detail {

// new_socket_bio makes a BIO that reads with recv() and writes with
// send(MSG_NOSIGNAL) on `fd` (not owned: the Socket closes it). OpenSSL's
// own socket BIO writes with write(2), which kills a process that has not
// ignored SIGPIPE when the peer has gone; a library must not require that.
// EAGAIN and EINTR become retry flags, so OpenSSL reports want_read /
// want_write; end of stream reads as 0 with no retry.
unique_handle<BIO> new_socket_bio(int fd);

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
