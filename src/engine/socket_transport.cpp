#include "engine/socket_transport.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <new>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "internal/error_queue.hpp"

namespace sslpp::detail {

namespace {

bool is_retriable(int err) noexcept { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

// A record header: what OpenSSL asks for first, before each record's body.
constexpr std::size_t header_size = 5;

// Without read-ahead OpenSSL reads every record with two receive calls, the
// 5-byte header and then exactly the body. The BIO reads the next header
// with the body, in the same recvmsg (into the caller's buffer, then into
// `ahead`), and serves the next header request from it: one system call
// per record while records stream, with no copy of the body.
//
// What is read ahead is at most a header: never a record with a body (only
// a zero-length record fits in 5 bytes, and after the handshake that is a
// protocol violation OpenSSL rejects), so while the stash holds bytes the
// rest of the record is still the kernel's and the descriptor polls
// readable: an event loop that polls before reading on never waits for
// bytes OpenSSL already has. OpenSSL asks the BIO again before a read
// reports want_read, and the stash is served first, so want_read from a
// read comes only with the stash empty. SSL_has_pending() does not count
// the stash (BIO_pending() on the rbio does).
//
// It is only done for reads of at least read_ahead_min bytes: an alert's
// record is shorter (an unpadded close_notify is 11 to 80 bytes in every
// suite), so the bytes after a peer's close_notify (plaintext, when the
// connection is unwrapped) are not read with it; and never after our own
// close_notify (stop_read_ahead), after which the peer may switch to
// plaintext at once. A close_notify padded to 256 bytes or more with
// plaintext right behind it is the case left: unwrap() then refuses
// (require_nothing_read_past_close).
//
// The receive that reads ahead never blocks (MSG_DONTWAIT): on a blocking
// socket with SO_RCVLOWAT, a blocking receive of the body and 5 more bytes
// would wait for the next record, which may never come; when nothing is
// there yet, a plain receive of the body alone waits as OpenSSL's would.
constexpr std::size_t read_ahead_min = 256;

// The BIO's state, in its data pointer.
struct socket_bio_state {
  int fd = -1;
  bool exact = false;             // stop_read_ahead() was called
  std::uint8_t held = 0;          // bytes in ahead, from start
  std::uint8_t start = 0;
  std::array<char, header_size> ahead{};
};

socket_bio_state& state_of(BIO* bio) noexcept { return *static_cast<socket_bio_state*>(::BIO_get_data(bio)); }

int socket_write(BIO* bio, const char* data, std::size_t len, std::size_t* written) {
  ::BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(state_of(bio).fd, data, len, MSG_NOSIGNAL);
  if (n >= 0) {
    *written = static_cast<std::size_t>(n);
    return 1;
  }
  if (is_retriable(errno)) {
    ::BIO_set_retry_write(bio);
  }
  return 0;
}

// receive reads into data[0, len) and, when read-ahead applies and bytes
// are there, what fits of the next header into s.ahead; returns what recv
// would, counting only the caller's bytes.
ssize_t receive(socket_bio_state& s, char* data, std::size_t len) noexcept {
  if (!s.exact && len >= read_ahead_min) {
    iovec parts[2] = {{data, len}, {s.ahead.data(), s.ahead.size()}};
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = 2;
    const ssize_t n = ::recvmsg(s.fd, &message, MSG_DONTWAIT);
    if (n > 0 && static_cast<std::size_t>(n) > len) {
      s.start = 0;
      s.held = static_cast<std::uint8_t>(std::min(static_cast<std::size_t>(n) - len, header_size));
      return static_cast<ssize_t>(len);
    }
    if (n >= 0 || !is_retriable(errno)) {
      return n;
    }
  }
  return ::recv(s.fd, data, len, 0);
}

int socket_read(BIO* bio, char* data, std::size_t len, std::size_t* read) {
  ::BIO_clear_retry_flags(bio);
  socket_bio_state& s = state_of(bio);
  if (s.held > 0) {
    // What was read ahead comes first; OpenSSL asks again for any rest.
    const std::size_t n = std::min<std::size_t>(len, s.held);
    std::memcpy(data, s.ahead.data() + s.start, n);
    s.start = static_cast<std::uint8_t>(s.start + n);
    s.held = static_cast<std::uint8_t>(s.held - n);
    *read = n;
    return 1;
  }
  const ssize_t n = receive(s, data, len);
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
      state_of(bio).fd = *static_cast<int*>(ptr);
      ::BIO_set_init(bio, 1);
      return 1;
    case BIO_C_GET_FD: {
      if (::BIO_get_init(bio) == 0) {
        return -1;
      }
      const int fd = state_of(bio).fd;
      if (ptr != nullptr) {
        *static_cast<int*>(ptr) = fd;
      }
      return fd;
    }
    case BIO_CTRL_PENDING:
      return state_of(bio).held;
    case BIO_CTRL_EOF:
      return ::BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 && state_of(bio).held == 0 ? 1 : 0;
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
      return 1;
    default:
      static_cast<void>(num);
      return 0;
  }
}

int socket_create(BIO* bio) {
  auto* state = new (std::nothrow) socket_bio_state;
  ::BIO_set_data(bio, state);
  return state != nullptr ? 1 : 0;
}

int socket_destroy(BIO* bio) {
  delete static_cast<socket_bio_state*>(::BIO_get_data(bio));
  ::BIO_set_data(bio, nullptr);
  return 1;
}

// The method's type, which tells sslpp's socket BIOs from others.
int socket_type() {
  static const int type = [] {
    const int index = ::BIO_get_new_index();
    return index < 0 ? -1 : (index | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR);
  }();
  return type;
}

BIO_METHOD* socket_method() {
  // Made once, shared by every connection, never freed (it is immutable).
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = socket_type() < 0 ? nullptr : ::BIO_meth_new(socket_type(), "sslpp socket");
    if (m != nullptr) {
      ::BIO_meth_set_write_ex(m, &socket_write);
      ::BIO_meth_set_read_ex(m, &socket_read);
      ::BIO_meth_set_ctrl(m, &socket_ctrl);
      ::BIO_meth_set_create(m, &socket_create);
      ::BIO_meth_set_destroy(m, &socket_destroy);
    }
    return m;
  }();
  return method;
}

// sslpp_socket_state finds sslpp's socket BIO in `bio`'s chain (a user may
// have pushed a filter in front of it), or null.
socket_bio_state* sslpp_socket_state(BIO* bio) noexcept {
  BIO* socket = bio != nullptr && socket_type() >= 0 ? ::BIO_find_type(bio, socket_type()) : nullptr;
  return socket != nullptr ? &state_of(socket) : nullptr;
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

void stop_read_ahead(BIO* bio) noexcept {
  if (socket_bio_state* s = sslpp_socket_state(bio)) {
    s->exact = true;
  }
}

std::size_t read_ahead_held(BIO* bio) noexcept {
  const socket_bio_state* s = sslpp_socket_state(bio);
  return s != nullptr ? s->held : 0;
}

void require_nothing_read_past_close(SSL* ssl) {
  const std::size_t held = read_ahead_held(::SSL_get_rbio(ssl));
  // Without OpenSSL's read-ahead, SSL_has_pending() counts only decrypted
  // data the application left unread (OpenSSL reads no byte past a record),
  // which the close drops as before.
  if (held == 0 && (::SSL_get_read_ahead(ssl) == 0 || ::SSL_has_pending(ssl) == 0)) {
    return;
  }
  clear_stale_errors();
  if (held > 0) {
    ERR_raise_data(ERR_LIB_SSL, SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY,
                   "the peer sent %zu bytes after a close_notify padded to the size of a data record without "
                   "waiting for ours, and they were read with it: the plain stream would start without them",
                   held);
  } else {
    ERR_raise_data(ERR_LIB_SSL, SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY,
                   "OpenSSL's read-ahead (SSL_set_read_ahead) took bytes that followed the peer's close_notify: "
                   "the plain stream would start without them");
  }
  throw_openssl_error("unwrap");
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
