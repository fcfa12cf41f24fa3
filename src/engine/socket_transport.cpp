#include "engine/socket_transport.hpp"

#include <cerrno>
#include <csignal>
#include <ctime>
#include <pthread.h>
#include <cstdint>
#include <sys/socket.h>

#include <openssl/bio.h>

#include "internal/error_queue.hpp"

namespace sslpp::detail {

namespace {

bool is_retriable(int err) noexcept { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

// The descriptor lives in the BIO's data pointer: read directly, not
// through a ctrl call, on every record.
int fd_of(BIO* bio) noexcept { return static_cast<int>(reinterpret_cast<intptr_t>(::BIO_get_data(bio))); }

int socket_write(BIO* bio, const char* data, std::size_t len, std::size_t* written) {
  ::BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(fd_of(bio), data, len, MSG_NOSIGNAL);
  if (n >= 0) {
    *written = static_cast<std::size_t>(n);
    return 1;
  }
  if (is_retriable(errno)) {
    ::BIO_set_retry_write(bio);
  }
  return 0;
}

int socket_read(BIO* bio, char* data, std::size_t len, std::size_t* read) {
  ::BIO_clear_retry_flags(bio);
  const ssize_t n = ::recv(fd_of(bio), data, len, 0);
  if (n > 0) {
    *read = static_cast<std::size_t>(n);
    return 1;
  }
  if (n < 0 && is_retriable(errno)) {
    ::BIO_set_retry_read(bio);
  } else if (n == 0) {
    // End of stream. OpenSSL asks BIO_eof() before it decides between
    // truncation and (with OP_IGNORE_UNEXPECTED_EOF) a quiet close.
    ::BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
    errno = 0;
  }
  return 0;
}

long socket_ctrl(BIO* bio, int cmd, long num, void* ptr) {
  switch (cmd) {
    case BIO_C_SET_FD:
      ::BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(*static_cast<int*>(ptr))));
      ::BIO_set_init(bio, 1);
      return 1;
    case BIO_C_GET_FD: {
      if (::BIO_get_init(bio) == 0) {
        return -1;
      }
      const int fd = fd_of(bio);
      if (ptr != nullptr) {
        *static_cast<int*>(ptr) = fd;
      }
      return fd;
    }
    case BIO_CTRL_EOF:
      return ::BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
      return 1;
    default:
      static_cast<void>(num);
      return 0;
  }
}

BIO_METHOD* socket_method() {
  // Made once, shared by every connection, never freed (it is immutable).
  static BIO_METHOD* const method = [] {
    const int index = ::BIO_get_new_index();
    BIO_METHOD* m = index < 0 ? nullptr
                              : ::BIO_meth_new(index | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "sslpp socket");
    if (m != nullptr) {
      ::BIO_meth_set_write_ex(m, &socket_write);
      ::BIO_meth_set_read_ex(m, &socket_read);
      ::BIO_meth_set_ctrl(m, &socket_ctrl);
    }
    return m;
  }();
  return method;
}

}  // namespace

unique_handle<BIO> new_socket_bio(int fd) {
  BIO_METHOD* method = socket_method();
  unique_handle<BIO> bio(method != nullptr ? ::BIO_new(method) : nullptr);
  if (!bio) {
    throw_openssl_error("cannot create socket BIO");
  }
  BIO_set_fd(bio.get(), fd, BIO_NOCLOSE);
  return bio;
}

namespace {

sigset_t sigpipe_set() noexcept {
  sigset_t set;
  ::sigemptyset(&set);
  ::sigaddset(&set, SIGPIPE);
  return set;
}

bool sigpipe_pending() noexcept {
  sigset_t pending;
  return ::sigpending(&pending) == 0 && ::sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

sigpipe_guard::sigpipe_guard() noexcept {
  const sigset_t pipe = sigpipe_set();
  sigset_t old;
  ::pthread_sigmask(SIG_BLOCK, &pipe, &old);
  was_blocked_ = ::sigismember(&old, SIGPIPE) == 1;
  was_pending_ = sigpipe_pending();
}

sigpipe_guard::~sigpipe_guard() {
  const int saved_errno = errno;  // the caller classifies the failed write by it
  // A SIGPIPE that our write raised is pending on this thread now; one that
  // was pending before is someone else's and stays.
  if (!was_pending_ && sigpipe_pending()) {
    const sigset_t pipe = sigpipe_set();
    const timespec none{};
    while (::sigtimedwait(&pipe, nullptr, &none) < 0 && errno == EINTR) {
    }
  }
  // Unblock SIGPIPE only, and only if we blocked it: a callback that ran
  // meanwhile may have changed the rest of the mask, on purpose.
  if (!was_blocked_) {
    const sigset_t pipe = sigpipe_set();
    ::pthread_sigmask(SIG_UNBLOCK, &pipe, nullptr);
  }
  errno = saved_errno;
}

}  // namespace sslpp::detail
