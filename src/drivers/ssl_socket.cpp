#include <sslpp/ssl_socket.hpp>

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "drivers/socket_wait.hpp"
#include "engine/engine.hpp"
#include "engine/socket_transport.hpp"

namespace sslpp {

namespace {

bool is_connected(int fd) noexcept {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  return ::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0;
}

}  // namespace

SSLSocket::SSLSocket(const Context& context, Socket sock, const SSLSocketOptions& options)
    : sock_(std::move(sock)),
      conn_(context, sock_.fileno()),
      server_side_(options.server_side),
      do_handshake_on_connect_(options.do_handshake_on_connect),
      suppress_ragged_eofs_(options.suppress_ragged_eofs) {}

// drive repeats one Connection call, waiting on the socket between tries as
// the timeout says. The deadline is only computed once a call has to wait, so
// the steady state costs no clock reads.
template <typename Op>
io_result SSLSocket::drive(std::error_code& ec, Op&& op) noexcept {
  if (sock_.fileno() < 0) {
    // Closed, detached or unwrapped: the descriptor may belong to someone else now.
    ec = std::error_code(EBADF, std::system_category());
    return {io_status::error, 0};
  }
  const Timeout timeout = sock_.gettimeout();
  const bool nonblocking = timeout && timeout->count() == 0;
  std::optional<std::optional<std::chrono::steady_clock::time_point>> deadline;
  bool idle = false;  // buffers given back during this call's wait
  for (;;) {
    const io_result r = op(ec);
    if ((r.status != io_status::want_read && r.status != io_status::want_write) || nonblocking) {
      return r;
    }
    if (!deadline) {
      deadline = detail::deadline_after(timeout);
    }
    try {
      if (r.status == io_status::want_read && !idle && conn_.impl_->buffers == BufferPolicy::adaptive) {
        // Input that comes within the grace finds the buffers in place;
        // after it, the connection is idle and gives them back.
        const auto grace_end = std::chrono::steady_clock::now() + idle_grace;
        if (!*deadline || grace_end < **deadline) {
          if (detail::wait_fd(sock_.fileno(), POLLIN, grace_end)) {
            continue;
          }
          conn_.release_buffers();
          idle = true;
        }
      }
      if (!detail::wait_fd(sock_.fileno(), r.status == io_status::want_read ? POLLIN : POLLOUT, *deadline)) {
        ec = make_error_code(errc::timed_out);
        return {io_status::error, 0};
      }
    } catch (const std::system_error& e) {
      ec = e.code();
      return {io_status::error, 0};
    }
  }
}

void SSLSocket::raise(io_result r, const std::error_code& ec, const char* operation) const {
  if (ec == std::error_code(EBADF, std::system_category()) && sock_.fileno() < 0) {
    throw_error(os_error_info(EBADF, "the SSL socket is closed, detached or unwrapped"));
  }
  if (ec == make_error_code(errc::timed_out)) {
    throw_error(error_info(errc::timed_out, std::string("The ") + operation + " operation timed out"));
  }
  if (ec.category() == std::system_category() && r.status == io_status::error &&
      ec != conn_.last_error().code) {
    throw_error(os_error_info(ec.value()));  // from the socket, not from TLS
  }
  conn_.raise(r.status);
}

// ---------------------------------------------------------------------------
// Socket operations

std::pair<SSLSocket, Address> SSLSocket::accept() {
  auto [sock, address] = sock_.accept();
  SSLSocket child = context().wrap_socket(std::move(sock), {.server_side = true,
                                                            .do_handshake_on_connect = do_handshake_on_connect_,
                                                            .suppress_ragged_eofs = suppress_ragged_eofs_});
  return {std::move(child), std::move(address)};
}

void SSLSocket::connect(std::string_view host, std::uint16_t port) {
  if (server_side_) {
    throw ValueError("can't connect in server-side mode");
  }
  sock_.connect(host, port);
  if (do_handshake_on_connect_) {
    do_handshake();
  }
}

int SSLSocket::connect_ex(std::string_view host, std::uint16_t port) {
  if (server_side_) {
    throw ValueError("can't connect in server-side mode");
  }
  const int err = sock_.connect_ex(host, port);
  if (err == 0 && do_handshake_on_connect_) {
    do_handshake();
  }
  return err;
}

// ---------------------------------------------------------------------------
// TLS: exception-free forms

io_result SSLSocket::do_handshake(std::error_code& ec) noexcept {
  return drive(ec, [this](std::error_code& e) { return conn_.do_handshake(e); });
}

io_result SSLSocket::read(std::span<std::byte> out, std::error_code& ec) noexcept {
  return drive(ec, [this, out](std::error_code& e) { return conn_.read(out, e); });
}

io_result SSLSocket::write(std::span<const std::byte> data, std::error_code& ec) noexcept {
  return drive(ec, [this, data](std::error_code& e) { return conn_.write(data, e); });
}

io_result SSLSocket::flush(std::error_code& ec) noexcept {
  return drive(ec, [this](std::error_code& e) { return conn_.flush(e); });
}

io_result SSLSocket::shutdown_tls(std::error_code& ec) noexcept {
  // Waits only to send our close_notify, never for the peer's.
  return drive(ec, [this](std::error_code& e) {
    const io_result r = conn_.shutdown(e);
    return r.status == io_status::want_read ? io_result{io_status::ok, 0} : r;
  });
}

// ---------------------------------------------------------------------------
// TLS: throwing forms

void SSLSocket::do_handshake() {
  std::error_code ec;
  const io_result r = do_handshake(ec);
  if (!r.ok()) {
    raise(r, ec, "handshake");
  }
}

std::size_t SSLSocket::read(std::span<std::byte> out) {
  std::error_code ec;
  const io_result r = read(out, ec);
  if (r.ok() || r.status == io_status::closed || (r.status == io_status::truncated && suppress_ragged_eofs_)) {
    return r.bytes;
  }
  raise(r, ec, "read");
}

std::string SSLSocket::read(std::size_t len) {
  std::string out(len, '\0');
  out.resize(read(std::as_writable_bytes(std::span(out))));
  return out;
}

std::size_t SSLSocket::write(std::span<const std::byte> data) {
  std::error_code ec;
  const io_result r = write(data, ec);
  if (!r.ok()) {
    raise(r, ec, "write");
  }
  return r.bytes;
}

void SSLSocket::flush() {
  std::error_code ec;
  const io_result r = flush(ec);
  if (!r.ok()) {
    raise(r, ec, "flush");
  }
}

void SSLSocket::sendall(std::span<const std::byte> data) {
  while (!data.empty()) {
    data = data.subspan(write(data));
  }
}

Socket SSLSocket::unwrap() {
  // A blocking socket still waits a bounded time, since a peer may never
  // answer: for the exchange the descriptor waits in poll(), under
  // unwrap_blocking_limit, and gets its blocking mode back after.
  const Timeout original = sock_.gettimeout();
  if (!original) {
    sock_.settimeout(unwrap_blocking_limit);
  }
  std::error_code ec;
  const io_result r = drive(ec, [this](std::error_code& e) { return conn_.shutdown(e); });
  if (!original && sock_.fileno() >= 0) {
    sock_.settimeout(original);
  }
  if (!r.ok()) {
    raise(r, ec, "shutdown");
  }
  detail::require_nothing_read_past_close(conn_.impl_->ssl.get());

  end_tls();
  return std::move(sock_);
}

SSLSocket::~SSLSocket() { close(); }

SSLSocket& SSLSocket::operator=(SSLSocket&& other) noexcept {
  if (this != &other) {
    close();
    sock_ = std::move(other.sock_);
    conn_ = std::move(other.conn_);
    server_side_ = other.server_side_;
    do_handshake_on_connect_ = other.do_handshake_on_connect_;
    suppress_ragged_eofs_ = other.suppress_ragged_eofs_;
  }
  return *this;
}

void SSLSocket::close() noexcept {
  // After a fatal alert, a FIN and a bounded wait for the peer's close, so
  // the alert arrives instead of a reset (never longer than the socket's
  // own timeout; a non-blocking socket drains only what is there).
  if (conn_.impl_ && sock_.fileno() >= 0 && conn_.coalesced() > 0) {
    // Gathered writes leave first, as far as the socket takes them within
    // its timeout and never longer than alert_linger (a peer that does not
    // read must not hold close() up); coalesced() says what did not.
    try {
      const Timeout timeout = sock_.gettimeout();
      if (!timeout || *timeout > detail::alert_linger) {
        sock_.settimeout(detail::alert_linger);
      }
      std::error_code ec;
      static_cast<void>(flush(ec));
    } catch (...) {  // close() goes on whatever the flush met
    }
  }
  const bool linger = conn_.impl_ && sock_.fileno() >= 0 && conn_.impl_->may_have_sent_alert();
  end_tls();
  if (linger) {
    std::chrono::milliseconds limit = detail::alert_linger;
    if (const Timeout timeout = sock_.gettimeout()) {
      limit = std::min(limit, std::chrono::duration_cast<std::chrono::milliseconds>(*timeout));
    }
    detail::linger_for_peer_close(sock_.fileno(), limit);
  }
  sock_.close();
}

int SSLSocket::detach() noexcept {
  end_tls();
  return sock_.detach();
}

void SSLSocket::end_tls() noexcept {
  // The descriptor number may soon name another file: the TLS state must
  // never read or write it again, even through connection().
  if (conn_.impl_) {
    ErrorInfo closed;
    closed.code = std::error_code(EBADF, std::system_category());
    try {
      closed.message = "[Errno 9] the SSL socket is closed, detached or unwrapped";
    } catch (...) {  // out of memory: the code alone
    }
    std::error_code ignored;
    conn_.impl_->fail(std::move(closed), io_status::error, ignored);
  }
}

// ---------------------------------------------------------------------------
// Files and streams

bool SSLSocket::ktls_send() const noexcept {
  BIO* wbio = ::SSL_get_wbio(conn_.native_handle());
  return wbio != nullptr && BIO_get_ktls_send(wbio) != 0;
}

std::size_t SSLSocket::sendfile(const std::filesystem::path& file, std::size_t offset,
                                std::optional<std::size_t> count) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw_error(os_error_info(errno, "'" + file.string() + "'"));
  }
  const std::unique_ptr<int, void (*)(int*)> closer(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw_error(os_error_info(errno, "'" + file.string() + "'"));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  const std::size_t want = offset >= size ? 0 : std::min(size - offset, count.value_or(size));
  std::size_t sent = 0;
  if (ktls_send()) {
    // SSL_sendfile bypasses the engine: honour its sticky error here, and
    // send what write coalescing gathered first, so the file follows it.
    if ((conn_.impl_->gate & detail::engine::gate_fatal) != 0 || conn_.impl_->callback_exception) {
      conn_.raise(io_status::error);
    }
    flush();
    // The kernel encrypts: no copy through user space. Each step goes through
    // drive(), so it waits as the timeout says and fails with a typed error.
    while (sent < want) {
      std::error_code ec;
      const io_result r = drive(ec, [&](std::error_code& e) {
        e.clear();
        ::ERR_clear_error();
        const detail::sigpipe_guard guard;  // sendfile(2) raises SIGPIPE when the peer has gone
        const ossl_ssize_t n =
            ::SSL_sendfile(conn_.native_handle(), fd, static_cast<off_t>(offset + sent), want - sent, 0);
        if (n > 0) {
          return io_result{io_status::ok, static_cast<std::size_t>(n)};
        }
        if (n == 0) {
          return io_result{io_status::closed, 0};  // the file ended early
        }
        const int err = ::SSL_get_error(conn_.native_handle(), static_cast<int>(n));
        if (err == SSL_ERROR_WANT_WRITE) {
          return io_result{io_status::want_write, 0};
        }
        e = std::error_code(errno != 0 ? errno : EIO, std::system_category());
        ::ERR_clear_error();
        return io_result{io_status::error, 0};
      });
      if (r.status == io_status::closed) {
        break;
      }
      if (!r.ok()) {
        raise(r, ec, "write");
      }
      sent += r.bytes;
    }
    return sent;
  }
  std::array<std::byte, 16384> buf;  // NOLINT: filled before use
  while (sent < want) {
    const ssize_t n = ::pread(fd, buf.data(), std::min(buf.size(), want - sent), static_cast<off_t>(offset + sent));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      if (n < 0) {
        throw_error(os_error_info(errno, "'" + file.string() + "'"));
      }
      break;  // the file shrank
    }
    sendall(std::span<const std::byte>(buf.data(), static_cast<std::size_t>(n)));
    sent += static_cast<std::size_t>(n);
  }
  return sent;
}

SSLStream SSLSocket::makefile() { return SSLStream(*this); }

SSLStreamBuf::SSLStreamBuf(SSLSocket& socket)
    : socket_(&socket), get_(std::make_unique<char[]>(kBufferSize)), put_(std::make_unique<char[]>(kBufferSize)) {
  setg(get_.get(), get_.get(), get_.get());
  setp(put_.get(), put_.get() + kBufferSize);
}

SSLStreamBuf::SSLStreamBuf(SSLStreamBuf&& other) noexcept
    : std::streambuf(other), socket_(other.socket_), get_(std::move(other.get_)), put_(std::move(other.put_)) {
  // The copied area pointers point into the buffers just taken over; the
  // source must point into nothing, or it would read or send freed memory.
  other.setg(nullptr, nullptr, nullptr);
  other.setp(nullptr, nullptr);
  other.socket_ = nullptr;
}

SSLStreamBuf::int_type SSLStreamBuf::underflow() {
  if (gptr() < egptr()) {
    return traits_type::to_int_type(*gptr());
  }
  if (socket_ == nullptr || sync() != 0) {  // a request/response protocol must send before it waits
    return traits_type::eof();
  }
  try {
    const std::size_t n = socket_->read(std::as_writable_bytes(std::span(get_.get(), kBufferSize)));
    if (n == 0) {
      return traits_type::eof();
    }
    setg(get_.get(), get_.get(), get_.get() + n);
    return traits_type::to_int_type(*gptr());
  } catch (...) {
    error_ = std::current_exception();
    return traits_type::eof();
  }
}

SSLStreamBuf::int_type SSLStreamBuf::overflow(int_type ch) {
  if (socket_ == nullptr || sync() != 0) {
    return traits_type::eof();
  }
  if (!traits_type::eq_int_type(ch, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
  }
  return traits_type::not_eof(ch);
}

int SSLStreamBuf::sync() {
  const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
  if (n == 0) {
    return 0;
  }
  try {
    socket_->sendall(std::string_view(pbase(), n));
    socket_->flush();  // std::flush means sent, write coalescing or not
  } catch (...) {
    // The stream reports failure (badbit); the exception is kept for the
    // caller who wants the reason. The unsent bytes stay in the put area.
    error_ = std::current_exception();
    return -1;
  }
  setp(put_.get(), put_.get() + kBufferSize);
  return 0;
}

std::string get_server_certificate(std::string_view host, std::uint16_t port, Protocol ssl_version,
                                   const std::filesystem::path& ca_certs, Timeout timeout) {
  // Python's _create_unverified_context, verifying only when CAs are given.
  Context ctx(ssl_version);
  ctx.set_check_hostname(false);
  if (ca_certs.empty()) {
    ctx.set_verify_mode(CERT_NONE);
  } else {
    ctx.set_verify_mode(CERT_REQUIRED);
    ctx.load_verify_locations(ca_certs);
  }
  SSLSocket sock = ctx.wrap_socket(create_connection(host, port, timeout), {.server_hostname = host});
  const auto der = sock.getpeercert_der();
  if (!der) {
    throw_error(error_info(errc::invalid_argument, "the server presented no certificate"));
  }
  return DER_cert_to_PEM_cert(*der);
}

// ---------------------------------------------------------------------------
// Context::wrap_socket lives here, beside the type it makes.

SSLSocket Context::wrap_socket(Socket sock, const SSLSocketOptions& options) const {
  if (sock.fileno() < 0) {
    throw ValueError("wrap_socket needs an open socket");
  }
  const bool connected = is_connected(sock.fileno());
  const Timeout timeout = sock.gettimeout();
  if (connected && options.do_handshake_on_connect && timeout && timeout->count() == 0) {
    throw ValueError("do_handshake_on_connect should not be specified for non-blocking sockets");
  }
  SSLSocket s(*this, std::move(sock), options);
  configure(s.conn_, options.server_side, options.server_hostname, options.session);
  if (connected && options.do_handshake_on_connect) {
    s.do_handshake();
  }
  return s;
}

SSLSocket& compat::SSLSocketNames::self() noexcept { return static_cast<SSLSocket&>(*this); }

void compat::SSLSocketNames::sock_shutdown(int how) { self().shutdown(how); }

SSLSocket connect(const Context& context, std::string_view host, std::uint16_t port, Timeout timeout) {
  if (context.verify_mode() != CERT_REQUIRED || !context.check_hostname()) {
    throw ValueError(
        "sslpp::connect makes verified connections only: this context has verify_mode != CERT_REQUIRED or "
        "check_hostname off (use create_default_context(), or wrap_socket to connect without verifying)");
  }
  return context.wrap_socket(create_connection(host, port, timeout), {.server_hostname = host});
}

}  // namespace sslpp
