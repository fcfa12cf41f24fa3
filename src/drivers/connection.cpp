// Connection: the engine with a memory transport. This file is the driver
// side (the caller moves ciphertext with bio_* or in place) and the I/O
// calls in both forms; what a connection knows after its handshake is in
// engine/peer_info.cpp and engine/connection_info.cpp.
#include <sslpp/connection.hpp>

#include <algorithm>
#include <cerrno>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "engine/engine.hpp"
#include "engine/socket_transport.hpp"
#include "internal/idna.hpp"
#include "x509/verify_name.hpp"

namespace sslpp {

// ---------------------------------------------------------------------------
// Construction

Connection::Connection(const Context& context) : Connection(context, -1) {}

Connection::Connection(const Context& context, int fd)
    : impl_(std::make_unique<detail::engine>(context.shared_state(), fd)) {
  impl_->owner = this;
}

Connection::Connection(Connection&& other) noexcept : impl_(std::move(other.impl_)) {
  if (impl_) {
    impl_->owner = this;
  }
}

Connection& Connection::operator=(Connection&& other) noexcept {
  impl_ = std::move(other.impl_);
  if (impl_) {
    impl_->owner = this;
  }
  return *this;
}

Connection::~Connection() = default;

// ---------------------------------------------------------------------------
// Transport (the sans-IO side)

std::size_t Connection::bio_write(std::span<const std::byte> data) noexcept {
  return impl_->memory ? impl_->memory->feed(data) : 0;  // a socket connection reads the network itself
}

std::size_t Connection::bio_read(std::span<std::byte> out) noexcept {
  return impl_->memory ? impl_->memory->read_output(out) : 0;
}

std::string Connection::bio_read(std::size_t bufsize) {
  std::string out(std::min(bufsize, bio_pending()), '\0');
  out.resize(bio_read(std::as_writable_bytes(std::span(out))));
  return out;
}

std::size_t Connection::bio_pending() const noexcept { return impl_->memory ? impl_->memory->pending_output() : 0; }

void Connection::bio_shutdown() noexcept {
  if (impl_->memory) {
    impl_->memory->input_ended = true;
  }
}

std::span<const std::byte> Connection::peek_output() const noexcept {
  return impl_->memory ? impl_->memory->peek_output() : std::span<const std::byte>();
}

void Connection::consume_output(std::size_t n) noexcept {
  if (impl_->memory) {
    impl_->memory->consume_output(n);
  }
}

std::span<std::byte> Connection::input_space(std::size_t n) {
  return impl_->memory ? impl_->memory->input_space(n) : std::span<std::byte>();
}

void Connection::commit_input(std::size_t n) noexcept {
  if (impl_->memory) {
    impl_->memory->commit_input(n);
  }
}

void Connection::set_transport_limits(TransportLimits limits) noexcept {
  if (impl_->memory) {
    // A limit of 0 would stall the connection for good; OpenSSL takes and
    // writes records in pieces, so any positive limit makes progress.
    impl_->memory->input_limit = std::max<std::size_t>(limits.input, 1);
    impl_->memory->output_limit = std::max<std::size_t>(limits.output, 1);
  }
}

// ---------------------------------------------------------------------------
// Role and peer name

void Connection::set_connect_state() {
  ::SSL_set_connect_state(impl_->ssl.get());
  impl_->accept_state = false;
  impl_->gate |= detail::engine::gate_policy;
}

void Connection::set_accept_state() {
  ::SSL_set_accept_state(impl_->ssl.get());
  impl_->accept_state = true;
  impl_->gate |= detail::engine::gate_policy;
}

bool Connection::server_side() const noexcept { return ::SSL_is_server(impl_->ssl.get()) == 1; }

std::optional<std::string> Connection::server_hostname() const { return impl_->hostname; }

void Connection::set_server_hostname(std::string_view hostname) {
  if (hostname.empty() || hostname.front() == '.') {
    detail::throw_value_error("server_hostname cannot be an empty string or start with a leading dot.");
  }
  if (hostname.find('\0') != std::string_view::npos) {
    detail::throw_value_error("server_hostname must not contain a NUL byte.");
  }
  if (::SSL_in_before(impl_->ssl.get()) != 1) {
    detail::throw_value_error("server_hostname can only be set before the handshake");
  }
  if (impl_->accept_state) {
    detail::throw_value_error("server_hostname can only be specified in client mode");
  }
  detail::engine& e = *impl_;
  std::optional<std::string> name(detail::to_a_label(hostname, "server_hostname"));
  e.refuse_if_session_mismatch(name);
  const bool is_ip = detail::is_ip_address(*name);
  detail::clear_stale_errors();
  // SNI carries names only (RFC 6066 forbids literal addresses); a name set
  // earlier is replaced, never kept beside the new one. The name to verify
  // is set when the handshake starts, by the policy then in force.
  if (::SSL_set_tlsext_host_name(e.ssl.get(), (is_ip ? nullptr : name->c_str())) != 1) {
    detail::throw_openssl_error("set_server_hostname");
  }
  e.hostname = std::move(name);
  e.gate |= detail::engine::gate_policy;
}

// ---------------------------------------------------------------------------
// Exception-free I/O

io_result Connection::do_handshake(std::error_code& ec) noexcept {
  detail::engine& e = *impl_;
  if (!e.gathered.empty()) [[unlikely]] {
    const io_result f = e.flush(ec);
    if (!f.ok()) {
      return f;
    }
  }
  return e.perform(ec, [](SSL* ssl, std::size_t*) { return ::SSL_do_handshake(ssl); });
}

io_result Connection::read(std::span<std::byte> out, std::error_code& ec) noexcept {
  if (out.empty()) {
    // OpenSSL fails a zero-length read as if the transport had ended.
    ec.clear();
    return {io_status::ok, 0, impl_->output_pending()};
  }
  detail::engine& e = *impl_;
  if (!e.gathered.empty()) [[unlikely]] {
    // A request goes out before its reply is awaited. While an output limit
    // holds part of it back, the read waits too: OpenSSL may answer what it
    // reads (a post-handshake CertificateRequest) with handshake messages,
    // which cannot be written behind a half-written record.
    const io_result f = e.flush(ec);
    if (!f.ok()) {
      return f;
    }
  }
  return e.perform(ec, [out](SSL* ssl, std::size_t* n) { return ::SSL_read_ex(ssl, out.data(), out.size(), n); });
}

io_result Connection::write(std::span<const std::byte> data, std::error_code& ec) noexcept {
  if (data.empty()) {
    ec.clear();
    return {io_status::ok, 0, impl_->output_pending()};
  }
  detail::engine& e = *impl_;
  if ((e.coalescing | e.datagrams) || !e.gathered.empty()) [[unlikely]] {
    return e.datagrams ? e.write_datagram(data, ec) : e.write_gathering(data, ec);
  }
  return e.write_direct(data, ec);
}

io_result Connection::write(std::span<const std::span<const std::byte>> buffers, std::error_code& ec) noexcept {
  io_result total{io_status::ok, 0, impl_->output_pending()};
  ec.clear();
  for (const std::span<const std::byte> buffer : buffers) {
    const io_result r = write(buffer, ec);
    if (!r.ok()) {
      if (total.bytes > 0 && (r.status == io_status::want_write || r.status == io_status::want_read)) {
        ec.clear();
        return total;  // some taken: report them; the caller repeats with the rest
      }
      return r;
    }
    total.bytes += r.bytes;
    total.output_pending = r.output_pending;
  }
  return total;
}

io_result Connection::shutdown(std::error_code& ec) noexcept {
  detail::engine& e = *impl_;
  if (!e.gathered.empty()) {
    const io_result f = e.flush(ec);  // close_notify must follow the data
    if (!f.ok()) {
      return f;
    }
  }
  // After our close_notify the peer may switch to plaintext at once
  // (unwrap): from here the socket transport reads no byte past the TLS stream.
  detail::stop_read_ahead(::SSL_get_rbio(e.ssl.get()));
  io_result r = e.perform(ec, [](SSL* ssl, std::size_t*) {
    const int ret = ::SSL_shutdown(ssl);
    // 0: our close_notify is out, the peer's has not arrived yet. Told
    // apart from a failure below, by the state OpenSSL keeps.
    return ret == 0 ? 2 : ret;
  });
  if (r.ok() && (::SSL_get_shutdown(e.ssl.get()) & SSL_RECEIVED_SHUTDOWN) == 0) {
    r.status = io_status::want_read;
  }
  return r;
}

// ---------------------------------------------------------------------------
// Write coalescing and buffers

// A DTLS write is one datagram: gathering writes would merge them.
void Connection::set_coalescing(bool on) noexcept { impl_->coalescing = on && !impl_->datagrams; }

bool Connection::coalescing() const noexcept { return impl_->coalescing; }

io_result Connection::flush(std::error_code& ec) noexcept { return impl_->flush(ec); }

std::size_t Connection::coalesced() const noexcept { return impl_->gathered.size(); }

void Connection::release_buffers() noexcept { impl_->trim(); }

// ---------------------------------------------------------------------------
// Throwing I/O

void Connection::raise(io_status status) const {
  detail::engine& e = *impl_;
  if (status == io_status::want_read || status == io_status::want_write || status == io_status::closed) {
    throw_error(error_info(status));
  }
  if (e.callback_exception) {
    std::exception_ptr ex = std::exchange(e.callback_exception, nullptr);
    std::rethrow_exception(ex);
  }
  throw_error(e.error);
}

void Connection::do_handshake() {
  std::error_code ec;
  const io_result r = do_handshake(ec);
  if (!r.ok()) {
    raise(r.status);
  }
}

std::size_t Connection::read(std::span<std::byte> out) {
  std::error_code ec;
  const io_result r = read(out, ec);
  if (r.ok() || r.status == io_status::closed) {
    return r.bytes;
  }
  raise(r.status);
}

std::string Connection::read(std::size_t len) {
  std::string out(len, '\0');
  out.resize(read(std::as_writable_bytes(std::span(out))));
  return out;
}

std::size_t Connection::write(std::span<const std::byte> data) {
  std::error_code ec;
  const io_result r = write(data, ec);
  if (!r.ok()) {
    raise(r.status);
  }
  return r.bytes;
}

std::size_t Connection::write_early_data(std::span<const std::byte> data) {
  std::error_code ec;
  const io_result r = write_early_data(data, ec);
  if (!r.ok()) {
    raise(r.status);
  }
  return r.bytes;
}

std::size_t Connection::read_early_data(std::span<std::byte> out) {
  std::error_code ec;
  const io_result r = read_early_data(out, ec);
  if (!r.ok()) {
    raise(r.status);
  }
  return r.bytes;
}

void Connection::flush() {
  std::error_code ec;
  const io_result r = flush(ec);
  if (!r.ok()) {
    raise(r.status);
  }
}

void Connection::sendall(std::span<const std::byte> data) {
  while (!data.empty()) {
    data = data.subspan(write(data));
  }
}

bool Connection::shutdown() {
  std::error_code ec;
  const io_result r = shutdown(ec);
  if (r.ok()) {
    return true;
  }
  if (r.status == io_status::want_read) {
    return false;
  }
  raise(r.status);
}

void Connection::unwrap() {
  std::error_code ec;
  const io_result r = shutdown(ec);
  if (!r.ok()) {
    raise(r.status);
  }
  detail::require_nothing_read_past_close(impl_->ssl.get());
}

// ---------------------------------------------------------------------------
// State

std::size_t Connection::pending() const noexcept {
  return static_cast<std::size_t>(::SSL_pending(impl_->ssl.get()));
}

bool Connection::want_read() const noexcept { return SSL_want_read(impl_->ssl.get()) != 0; }

bool Connection::want_write() const noexcept {
  return SSL_want_write(impl_->ssl.get()) != 0 || impl_->output_pending();
}

bool Connection::is_handshake_done() const noexcept { return ::SSL_is_init_finished(impl_->ssl.get()) == 1; }

ShutdownState Connection::get_shutdown() const noexcept {
  return static_cast<ShutdownState>(::SSL_get_shutdown(impl_->ssl.get()));
}

void Connection::set_shutdown(ShutdownState state) noexcept { ::SSL_set_shutdown(impl_->ssl.get(), to_underlying(state)); }

// ---------------------------------------------------------------------------
// Context, errors, application data

Context Connection::get_context() const noexcept { return Context(impl_->context); }

void Connection::set_context(const Context& context) {
  if (!context.state_) {
    detail::throw_value_error("set_context: the Context is empty (moved from)");
  }
  // A client's trust must not change under it; serving another certificate
  // is a server's business.
  // (SSL_is_server is no test: an SSL with no role yet counts as a server.)
  if (!impl_->accept_state) {
    detail::throw_value_error(
        "set_context is for server connections (from a servername callback, or after set_accept_state)");
  }
  SSL* ssl = impl_->ssl.get();
  const std::shared_ptr<detail::context_state> original = impl_->original_context ? impl_->original_context
                                                                                  : impl_->context;
  detail::clear_stale_errors();
  if (::SSL_set_SSL_CTX(ssl, context.native_handle()) == nullptr) {
    detail::throw_openssl_error("set_context");
  }
  // OpenSSL would verify the peer with the new context's trust store under
  // the old context's verify mode; keep the whole verification policy with
  // the context the connection was made with.
  if (::SSL_set1_verify_cert_store(ssl, ::SSL_CTX_get_cert_store(original->ctx.get())) != 1) {
    detail::throw_openssl_error("set_context");
  }
  impl_->original_context = original;
  impl_->context = context.state_;
}

const ErrorInfo& Connection::last_error() const noexcept { return impl_->error; }

std::exception_ptr Connection::take_callback_exception() noexcept {
  return std::exchange(impl_->callback_exception, nullptr);
}

void Connection::set_app_data(std::any data) { impl_->app_data = std::move(data); }

const std::any& Connection::get_app_data() const noexcept { return impl_->app_data; }

SSL* Connection::native_handle() const noexcept { return impl_->ssl.get(); }

}  // namespace sslpp
