// A BIO over a socket descriptor that never raises SIGPIPE.
#pragma once

#include "handle.hpp"

namespace sslpp::detail {

// new_socket_bio makes a BIO that reads with recv() and writes with
// send(MSG_NOSIGNAL) on `fd` (not owned: the Socket closes it). OpenSSL's
// own socket BIO writes with write(2), which kills a process that has not
// ignored SIGPIPE when the peer has gone; a library must not require that.
// EAGAIN and EINTR become retry flags, so OpenSSL reports want_read /
// want_write; end of stream reads as 0 with no retry.
unique_handle<BIO> new_socket_bio(int fd);

}  // namespace sslpp::detail
