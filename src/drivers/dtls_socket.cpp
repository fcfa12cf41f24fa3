// DTLSSocket: a DTLS Connection over a connected UDP socket, and
// dtls_connect. drive() is the whole driver: run the Connection call, send
// what it produced, and while it wants to read, receive datagrams, waking
// for OpenSSL's retransmission timer and the caller's deadline.
#include <sslpp/dtls_socket.hpp>

#include <cerrno>

#include <poll.h>

#include "drivers/datagram_io.hpp"
#include "drivers/socket_address.hpp"
#include "drivers/socket_wait.hpp"
#include "internal/error_queue.hpp"

namespace sslpp {

struct detail::dtls_socket_state {
  Socket udp;
  Connection conn;
  ErrorInfo error;  // the last failure, for the throwing forms
};

namespace {

using clock = std::chrono::steady_clock;

io_result failed(detail::dtls_socket_state& s, ErrorInfo info, std::error_code& ec) noexcept {
  s.error = std::move(info);
  ec = s.error.code;
  return {io_status::error, 0, false};
}

io_result failed_errno(detail::dtls_socket_state& s, int err, std::error_code& ec) noexcept {
  try {
    return failed(s, os_error_info(err), ec);
  } catch (...) {
    ErrorInfo bare;
    bare.code = std::error_code(err, std::system_category());
    return failed(s, std::move(bare), ec);
  }
}

// flush sends the connection's datagrams. Returns 0 or an errno the call
// must fail with (send_datagrams says which).
int flush(detail::dtls_socket_state& s) noexcept { return detail::send_datagrams(s.conn, s.udp.fileno()); }

template <typename Op>
io_result drive(detail::dtls_socket_state& s, Op&& op, std::error_code& ec) noexcept {
  const Timeout timeout = s.udp.gettimeout();
  const std::optional<clock::time_point> deadline = detail::deadline_after(timeout);
  const bool nonblocking = timeout && timeout->count() == 0;
  for (;;) {
    io_result r = op(ec);
    if (const int err = flush(s); err != 0 && r.status != io_status::error) {
      return failed_errno(s, err, ec);
    }
    if (r.status == io_status::error || r.status == io_status::truncated) {
      s.error = s.conn.last_error();
      return r;
    }
    if (r.status != io_status::want_read && r.status != io_status::want_write) {
      return r;  // ok, closed
    }
    const long got = detail::receive_datagram(s.conn, s.udp.fileno());
    if (got > 0) {
      continue;
    }
    // An ICMP error for an earlier datagram: fatal while handshaking (nobody
    // listens there), but not to an established association, which DTLS
    // keeps through what the network drops (and a forged ICMP message must
    // not end it): the deadline decides.
    if (got < 0 && !(got == -ECONNREFUSED && s.conn.is_handshake_done())) {
      return failed_errno(s, static_cast<int>(-got), ec);
    }
    const std::optional<std::chrono::nanoseconds> timer = s.conn.dtls_timeout();
    if (nonblocking) {
      // Called back when dtls_timeout() said: retransmit if it is time.
      if (timer && timer->count() == 0) {
        static_cast<void>(s.conn.handle_dtls_timeout(ec));
        if (ec) {
          s.error = s.conn.last_error();
          return {io_status::error, 0, false};
        }
        if (const int err = flush(s); err != 0) {
          return failed_errno(s, err, ec);
        }
      }
      return r;  // dtls_timeout() says when to come back
    }
    std::optional<clock::time_point> wake = deadline;
    if (timer && (!wake || clock::now() + *timer < *wake)) {
      wake = clock::now() + std::chrono::duration_cast<clock::duration>(*timer);
    }
    bool readable = false;
    try {
      readable = detail::wait_fd(s.udp.fileno(), POLLIN, wake);
    } catch (...) {
      return failed_errno(s, errno != 0 ? errno : EIO, ec);
    }
    if (readable) {
      continue;
    }
    if (deadline && clock::now() >= *deadline) {
      try {
        return failed(s, error_info(errc::timed_out, "DTLS: the peer did not answer in time"), ec);
      } catch (...) {
        ErrorInfo bare;
        bare.code = make_error_code(errc::timed_out);
        return failed(s, std::move(bare), ec);
      }
    }
    // The retransmission timer: OpenSSL sends its last flight again.
    static_cast<void>(s.conn.handle_dtls_timeout(ec));
    if (ec) {
      s.error = s.conn.last_error();
      return {io_status::error, 0, false};
    }
  }
}

void throw_unless_ok(const detail::dtls_socket_state& s, const io_result& r) {
  if (r.status == io_status::error || r.status == io_status::truncated) {
    throw_error(s.error);
  }
  if (r.status == io_status::want_read || r.status == io_status::want_write) {
    throw_error(error_info(r.status));
  }
}

}  // namespace

DTLSSocket::DTLSSocket(Socket udp, Connection connection)
    : s_(std::make_unique<detail::dtls_socket_state>(detail::dtls_socket_state{std::move(udp), std::move(connection), {}})) {
  if (!is_dtls(s_->conn.get_context().protocol())) {
    detail::throw_value_error("DTLSSocket: the connection is not a DTLS one (make its Context with a DTLS_* method)");
  }
  if (s_->udp.fileno() < 0) {
    detail::throw_value_error("DTLSSocket: the socket is closed");
  }
  detail::forbid_fragmentation(s_->udp.fileno(), s_->udp.getsockname().family);
}

DTLSSocket::DTLSSocket(DTLSSocket&&) noexcept = default;
DTLSSocket& DTLSSocket::operator=(DTLSSocket&&) noexcept = default;
DTLSSocket::~DTLSSocket() = default;

io_result DTLSSocket::do_handshake(std::error_code& ec) noexcept {
  return drive(*s_, [this](std::error_code& e) { return s_->conn.do_handshake(e); }, ec);
}

void DTLSSocket::do_handshake() {
  std::error_code ec;
  throw_unless_ok(*s_, do_handshake(ec));
}

io_result DTLSSocket::send(std::span<const std::byte> data, std::error_code& ec) noexcept {
  return drive(*s_, [this, data](std::error_code& e) { return s_->conn.write(data, e); }, ec);
}

std::size_t DTLSSocket::send(std::span<const std::byte> data) {
  std::error_code ec;
  const io_result r = send(data, ec);
  throw_unless_ok(*s_, r);
  return r.bytes;
}

io_result DTLSSocket::recv(std::span<std::byte> out, std::error_code& ec) noexcept {
  return drive(*s_, [this, out](std::error_code& e) { return s_->conn.read(out, e); }, ec);
}

std::size_t DTLSSocket::recv(std::span<std::byte> out) {
  std::error_code ec;
  const io_result r = recv(out, ec);
  if (r.status == io_status::closed) {
    return 0;
  }
  throw_unless_ok(*s_, r);
  return r.bytes;
}

std::string DTLSSocket::recv(std::size_t bufsize) {
  std::string out(bufsize, '\0');
  out.resize(recv(std::as_writable_bytes(std::span(out))));
  return out;
}

io_result DTLSSocket::shutdown(std::error_code& ec) noexcept {
  io_result r = s_->conn.shutdown(ec);
  if (const int err = flush(*s_); err != 0) {
    return failed_errno(*s_, err, ec);
  }
  if (r.status == io_status::want_read) {
    r.status = io_status::ok;  // close_notify is out; DTLS does not wait for the peer's
    ec.clear();
  } else if (r.status == io_status::error) {
    s_->error = s_->conn.last_error();
  }
  return r;
}

void DTLSSocket::shutdown() {
  std::error_code ec;
  throw_unless_ok(*s_, shutdown(ec));
}

std::optional<std::chrono::nanoseconds> DTLSSocket::dtls_timeout() const noexcept { return s_->conn.dtls_timeout(); }

Timeout DTLSSocket::gettimeout() const noexcept { return s_->udp.gettimeout(); }

void DTLSSocket::settimeout(Timeout timeout) { s_->udp.settimeout(timeout); }

Connection& DTLSSocket::connection() noexcept { return s_->conn; }

Socket& DTLSSocket::socket() noexcept { return s_->udp; }

int DTLSSocket::fileno() const noexcept { return s_->udp.fileno(); }

DTLSSocket dtls_connect(const Context& ctx, std::string_view host, std::uint16_t port,
                        const DTLSConnectOptions& options) {
  if (!is_dtls(ctx.protocol())) {
    detail::throw_value_error("dtls_connect: the context is a TLS one (make it with DTLS_CLIENT_METHOD)");
  }
  if (ctx.verify_mode() != CERT_REQUIRED || !ctx.check_hostname()) {
    detail::throw_value_error(
        "dtls_connect makes verified connections only: this context has verify_mode != CERT_REQUIRED or "
        "check_hostname off (use DTLS_CLIENT_METHOD; to connect without verifying, build the DTLSSocket from "
        "create_connection(host, port, {.type = SOCK_DGRAM}) and ctx.wrap_bio)");
  }
  Socket udp = create_connection(host, port, ConnectOptions{.timeout = options.timeout, .family = options.family,
                                                            .type = SOCK_DGRAM});
  ConnectionOptions conn_options;
  conn_options.server_hostname = options.server_hostname ? std::string_view(*options.server_hostname) : host;
  Connection conn = ctx.wrap_bio(conn_options);
  if (options.mtu != 0) {
    conn.set_ciphertext_mtu(options.mtu);
  }
  conn.set_peer_address(udp.getpeername());
  DTLSSocket s(std::move(udp), std::move(conn));
  if (options.do_handshake_on_connect) {
    s.do_handshake();
  }
  return s;
}

}  // namespace sslpp
