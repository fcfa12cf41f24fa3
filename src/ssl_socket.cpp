#include <sslpp/ssl_socket.hpp>

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>

#include "internal/socket_wait.hpp"

namespace sslpp {

namespace {

bool is_connected(int fd) noexcept {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  return ::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0;
}

}  // namespace

SSLSocket::SSLSocket(const Context& context, Socket sock, bool server_side, bool do_handshake_on_connect,
                     bool suppress_ragged_eofs)
    : sock_(std::move(sock)),
      conn_(context, sock_.fileno()),
      server_side_(server_side),
      do_handshake_on_connect_(do_handshake_on_connect),
      suppress_ragged_eofs_(suppress_ragged_eofs) {}

bool SSLSocket::connected() const noexcept { return is_connected(sock_.fileno()); }

// drive repeats one Connection call, waiting on the socket between tries as
// the timeout says. The deadline is only computed once a call has to wait,
// so the steady state costs no clock reads.
template <typename Op>
io_result SSLSocket::drive(std::error_code& ec, Op&& op) noexcept {
  const Timeout timeout = sock_.gettimeout();
  const bool nonblocking = timeout && timeout->count() == 0;
  std::optional<std::optional<std::chrono::steady_clock::time_point>> deadline;
  for (;;) {
    const io_result r = op(ec);
    if ((r.status != io_status::want_read && r.status != io_status::want_write) || nonblocking) {
      return r;
    }
    if (!deadline) {
      deadline = detail::deadline_after(timeout);
    }
    try {
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
  if (ec == make_error_code(errc::timed_out)) {
    throw_error(error_info(errc::timed_out, std::string("The ") + operation + " operation timed out"));
  }
  if (ec.category() == std::system_category() && r.status == io_status::error &&
      ec != conn_.last_error().code) {
    throw_error(os_error_info(ec.value(), "poll"));
  }
  conn_.raise(r.status);
}

// ---------------------------------------------------------------------------
// Socket operations

std::pair<SSLSocket, Address> SSLSocket::accept() {
  auto [sock, address] = sock_.accept();
  SSLSocket child = context().wrap_socket(std::move(sock), true, do_handshake_on_connect_, suppress_ragged_eofs_);
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

void SSLSocket::sendall(std::span<const std::byte> data) {
  while (!data.empty()) {
    data = data.subspan(write(data));
  }
}

Socket SSLSocket::unwrap() {
  std::error_code ec;
  const io_result r = drive(ec, [this](std::error_code& e) { return conn_.shutdown(e); });
  if (!r.ok()) {
    raise(r, ec, "shutdown");
  }
  return std::move(sock_);
}

// ---------------------------------------------------------------------------
// Context::wrap_socket lives here, beside the type it makes.

SSLSocket Context::wrap_socket(Socket sock, bool server_side, bool do_handshake_on_connect, bool suppress_ragged_eofs,
                               std::optional<std::string_view> server_hostname, const Session* session) const {
  if (sock.fileno() < 0) {
    throw ValueError("wrap_socket needs an open socket");
  }
  const bool connected = is_connected(sock.fileno());
  const Timeout timeout = sock.gettimeout();
  if (connected && do_handshake_on_connect && timeout && timeout->count() == 0) {
    throw ValueError("do_handshake_on_connect should not be specified for non-blocking sockets");
  }
  SSLSocket s(*this, std::move(sock), server_side, do_handshake_on_connect, suppress_ragged_eofs);
  configure(s.conn_, server_side, server_hostname, session);
  if (connected && do_handshake_on_connect) {
    s.do_handshake();
  }
  return s;
}

}  // namespace sslpp
