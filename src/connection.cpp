#include <sslpp/connection.hpp>

#include <cerrno>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "internal/connection_state.hpp"
#include "internal/error_queue.hpp"
#include "internal/socket_bio.hpp"
#include "internal/verify_name.hpp"

namespace sslpp {

namespace detail {

int connection_state::ex_index() noexcept {
  static const int index = ::SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

connection_state* connection_state::from(const SSL* ssl) noexcept {
  return static_cast<connection_state*>(::SSL_get_ex_data(ssl, ex_index()));
}

}  // namespace detail

namespace {

using detail::connection_state;

// classify turns a failed SSL call (ret <= 0) into a status, recording the
// details in `st.error`. Errors other than want_* are made sticky.
io_result classify(connection_state& st, int ret, int sys, std::error_code& ec) noexcept {
  if (st.callback_exception) {
    ::ERR_clear_error();
    try {
      st.error = error_info(errc::callback_failed);
    } catch (...) {
      st.error.code = make_error_code(errc::callback_failed);
    }
    ec = st.error.code;
    st.gate |= connection_state::gate_fatal;
    st.fatal_status = io_status::error;
    return {io_status::error, 0};
  }
  const int err = ::SSL_get_error(st.ssl.get(), ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      ec.clear();
      return {io_status::want_read, 0};
    case SSL_ERROR_WANT_WRITE:
      ec.clear();
      return {io_status::want_write, 0};
    case SSL_ERROR_ZERO_RETURN:
      ec.clear();
      return {io_status::closed, 0};
    default:
      break;
  }
  io_status status = io_status::error;
  try {
    if (err == SSL_ERROR_WANT_X509_LOOKUP) {
      st.error = error_info(errc::want_x509_lookup);
      ec = st.error.code;
      return {io_status::error, 0};  // not sticky: the caller may retry
    }
    if (err == SSL_ERROR_SYSCALL) {
      // An empty queue and no errno: the transport ended without close_notify.
      if (::ERR_peek_error() == 0 && sys == 0) {
        st.error = error_info(errc::eof);
        status = io_status::truncated;
      } else {
        st.error = detail::take_error_queue(errc::syscall);
        if (st.error.code.category() != std::system_category()) {
          st.error.code = make_error_code(errc::syscall);
        }
        st.error.sys_errno = sys;
        if (sys != 0) {
          st.error.message = std::string("[Errno ") + std::to_string(sys) + "] " + std::generic_category().message(sys);
        }
      }
    } else {
      st.error = detail::take_error_queue(errc::syscall);
      if (st.error.reason == "UNEXPECTED_EOF_WHILE_READING") {
        status = io_status::truncated;
      } else if (st.error.reason == "CERTIFICATE_VERIFY_FAILED") {
        detail::add_verify_failure(st.error, ::SSL_get_verify_result(st.ssl.get()), st.hostname);
      }
    }
  } catch (...) {
    // Out of memory while describing the error: keep the code, lose the words.
    st.error = ErrorInfo{};
    st.error.code = make_error_code(errc::syscall);
  }
  ::ERR_clear_error();
  ec = st.error.code;
  st.gate |= connection_state::gate_fatal;
  st.fatal_status = status;
  return {status, 0};
}

// gated answers a call that the gate diverted: a sticky error, or a client
// whose context checks hostnames but that was given none.
io_result gated(connection_state& st, std::error_code& ec) noexcept {
  if ((st.gate & connection_state::gate_fatal) == 0) {
    try {
      st.error = error_info(errc::invalid_argument, "check_hostname requires server_hostname");
    } catch (...) {
      st.error.code = make_error_code(errc::invalid_argument);  // out of memory: the code alone
    }
  }
  ec = st.error.code;
  return {(st.gate & connection_state::gate_fatal) != 0 ? st.fatal_status : io_status::error, 0};
}

// perform runs one SSL I/O call: the gate, a clean error queue, the call,
// and classification of a failure. `op` returns OpenSSL's int result and
// stores the byte count.
template <typename Op>
io_result perform(connection_state& st, std::error_code& ec, Op&& op) noexcept {
  if (st.gate != 0) [[unlikely]] {
    return gated(st, ec);
  }
  detail::clear_stale_errors();
  errno = 0;
  std::size_t n = 0;
  const int ret = op(st.ssl.get(), &n);
  // A callback that threw fails the call even when OpenSSL carried on
  // (e.g. a verify callback under VERIFY_NONE).
  if (ret > 0 && !st.callback_exception) [[likely]] {
    ec.clear();
    return {io_status::ok, n};
  }
  return classify(st, ret, errno, ec);
}

CipherInfo cipher_info(const SSL_CIPHER* c) {
  return {::SSL_CIPHER_get_name(c), ::SSL_CIPHER_get_version(c), ::SSL_CIPHER_get_bits(c, nullptr)};
}

}  // namespace

// ---------------------------------------------------------------------------
// Construction

Connection::Connection(const Context& context) : Connection(context, -1) {}

Connection::Connection(const Context& context, int fd) : impl_(std::make_unique<connection_state>()) {
  connection_state& st = *impl_;
  st.context = context.state_;
  st.owner = this;
  detail::clear_stale_errors();
  st.ssl.reset(::SSL_new(context.native_handle()));
  if (!st.ssl) {
    detail::throw_openssl_error("cannot create connection");
  }
  if (fd >= 0) {
    // One BIO reads and writes the socket; SSL_set_bio takes the single
    // reference when both directions are the same BIO. With OP_ENABLE_KTLS
    // the caller asked the kernel to encrypt, which only OpenSSL's own
    // socket BIO can arrange; that BIO writes with write(2), so a closed
    // peer then raises SIGPIPE unless the process ignores it (as Python does).
    const bool ktls = (::SSL_CTX_get_options(context.native_handle()) & SSL_OP_ENABLE_KTLS) != 0;
    detail::unique_handle<BIO> bio(ktls ? ::BIO_new_socket(fd, BIO_NOCLOSE) : detail::new_socket_bio(fd).release());
    if (!bio) {
      detail::throw_openssl_error("cannot create socket BIO");
    }
    st.rbio = st.wbio = bio.get();
    ::SSL_set_bio(st.ssl.get(), bio.get(), bio.get());
    static_cast<void>(bio.release());
    st.memory_bios = false;
  } else {
    detail::unique_handle<BIO> rbio(::BIO_new(::BIO_s_mem()));
    detail::unique_handle<BIO> wbio(::BIO_new(::BIO_s_mem()));
    if (!rbio || !wbio) {
      detail::throw_openssl_error("cannot create connection");
    }
    // An empty input buffer means "no data yet" (retry), not end of file.
    BIO_set_mem_eof_return(rbio.get(), -1);
    BIO_set_mem_eof_return(wbio.get(), -1);
    st.rbio = rbio.get();
    st.wbio = wbio.get();
    // SSL_set_bio takes ownership of both BIOs: release them at the call.
    ::SSL_set_bio(st.ssl.get(), rbio.release(), wbio.release());
  }
  ::SSL_set_ex_data(st.ssl.get(), connection_state::ex_index(), impl_.get());
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

Connection::~Connection() {
  // Callbacks that OpenSSL runs while the SSL is freed find no owner.
  if (impl_) {
    impl_->owner = nullptr;
  }
}

// ---------------------------------------------------------------------------
// Transport

std::size_t Connection::bio_write(std::span<const std::byte> data) noexcept {
  if (!impl_->memory_bios) {
    return 0;  // a socket connection reads the network itself
  }
  // A memory BIO takes at most INT_MAX bytes per write: loop for more.
  std::size_t total = 0;
  while (total < data.size()) {
    std::size_t written = 0;
    if (::BIO_write_ex(impl_->rbio, data.data() + total, data.size() - total, &written) != 1 || written == 0) {
      ::ERR_clear_error();  // out of memory: report what was taken
      break;
    }
    total += written;
  }
  return total;
}

std::size_t Connection::bio_read(std::span<std::byte> out) noexcept {
  std::size_t n = 0;
  if (out.empty() || !impl_->memory_bios || ::BIO_read_ex(impl_->wbio, out.data(), out.size(), &n) != 1) {
    return 0;  // nothing pending is the normal "no data yet", not an error
  }
  return n;
}

std::string Connection::bio_read(std::size_t bufsize) {
  std::string out(std::min(bufsize, bio_pending()), '\0');
  out.resize(bio_read(std::as_writable_bytes(std::span(out))));
  return out;
}

std::size_t Connection::bio_pending() const noexcept {
  return impl_->memory_bios ? BIO_ctrl_pending(impl_->wbio) : 0;
}

void Connection::bio_shutdown() noexcept {
  if (impl_->memory_bios) {
    BIO_set_mem_eof_return(impl_->rbio, 0);
  }
}

// ---------------------------------------------------------------------------
// Role and peer name

void Connection::set_connect_state() {
  ::SSL_set_connect_state(impl_->ssl.get());
  impl_->accept_state = false;
  ::SSL_set_post_handshake_auth(impl_->ssl.get(), impl_->context->post_handshake_auth ? 1 : 0);
  impl_->check_hostname = impl_->context->check_hostname;
  if (impl_->check_hostname) {
    if (impl_->hostname) {
      set_server_hostname(*impl_->hostname);  // now with the verification name
    } else {
      impl_->gate |= connection_state::gate_needs_hostname;
    }
  }
}

void Connection::set_accept_state() {
  ::SSL_set_accept_state(impl_->ssl.get());
  impl_->accept_state = true;
  // As Python does: a server that verifies clients and allows post-handshake
  // authentication may ask for a certificate after the handshake.
  SSL* ssl = impl_->ssl.get();
  if (impl_->context->post_handshake_auth && (::SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0) {
    ::SSL_set_verify(ssl, ::SSL_get_verify_mode(ssl) | SSL_VERIFY_POST_HANDSHAKE, ::SSL_get_verify_callback(ssl));
  }
  impl_->check_hostname = false;
  impl_->gate &= static_cast<std::uint8_t>(~connection_state::gate_needs_hostname);
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
  connection_state& st = *impl_;
  std::string name(hostname);
  const bool is_ip = detail::is_ip_address(name);
  detail::clear_stale_errors();
  // SNI carries names only (RFC 6066 forbids literal addresses); a name set
  // earlier is replaced, never kept beside the new one.
  if (::SSL_set_tlsext_host_name(st.ssl.get(), (is_ip ? nullptr : name.c_str())) != 1) {
    detail::throw_openssl_error("set_server_hostname");
  }
  if (st.check_hostname || st.context->check_hostname) {
    if (!detail::set_verify_name(::SSL_get0_param(st.ssl.get()), name, is_ip)) {
      detail::throw_openssl_error("set_server_hostname");
    }
  }
  st.hostname = std::move(name);
  st.gate &= static_cast<std::uint8_t>(~connection_state::gate_needs_hostname);
}

// ---------------------------------------------------------------------------
// Exception-free I/O

io_result Connection::do_handshake(std::error_code& ec) noexcept {
  return perform(*impl_, ec, [](SSL* ssl, std::size_t*) { return ::SSL_do_handshake(ssl); });
}

io_result Connection::read(std::span<std::byte> out, std::error_code& ec) noexcept {
  if (out.empty()) {
    // OpenSSL fails a zero-length read as if the transport had ended.
    ec.clear();
    return {io_status::ok, 0};
  }
  return perform(*impl_, ec, [out](SSL* ssl, std::size_t* n) { return ::SSL_read_ex(ssl, out.data(), out.size(), n); });
}

io_result Connection::write(std::span<const std::byte> data, std::error_code& ec) noexcept {
  if (data.empty()) {
    ec.clear();
    return {io_status::ok, 0};
  }
  return perform(*impl_, ec,
                 [data](SSL* ssl, std::size_t* n) { return ::SSL_write_ex(ssl, data.data(), data.size(), n); });
}

io_result Connection::shutdown(std::error_code& ec) noexcept {
  connection_state& st = *impl_;
  if ((st.gate & connection_state::gate_fatal) != 0) {
    return gated(st, ec);
  }
  detail::clear_stale_errors();
  errno = 0;
  const int ret = ::SSL_shutdown(st.ssl.get());
  // A callback that threw (an info callback, say) fails the call, as in
  // every other I/O call, even when OpenSSL carried on.
  if (st.callback_exception) {
    return classify(st, ret > 0 ? -1 : ret, errno, ec);
  }
  if (ret == 1) {
    ec.clear();
    return {io_status::ok, 0};
  }
  if (ret == 0) {
    // Our close_notify is out; the peer's has not arrived yet.
    ec.clear();
    return {io_status::want_read, 0};
  }
  return classify(st, ret, errno, ec);
}

// ---------------------------------------------------------------------------
// Throwing I/O

void Connection::raise(io_status status) const {
  connection_state& st = *impl_;
  switch (status) {
    case io_status::want_read:
      throw_error(error_info(errc::want_read));
    case io_status::want_write:
      throw_error(error_info(errc::want_write));
    case io_status::closed:
      throw_error(error_info(errc::zero_return));
    default:
      break;
  }
  if (st.callback_exception) {
    std::exception_ptr e = std::exchange(st.callback_exception, nullptr);
    std::rethrow_exception(e);
  }
  throw_error(st.error);
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
}

// ---------------------------------------------------------------------------
// State

std::size_t Connection::pending() const noexcept {
  return static_cast<std::size_t>(::SSL_pending(impl_->ssl.get()));
}

bool Connection::want_read() const noexcept { return SSL_want_read(impl_->ssl.get()) != 0; }

bool Connection::want_write() const noexcept {
  return SSL_want_write(impl_->ssl.get()) != 0 || BIO_ctrl_pending(impl_->wbio) > 0;
}

bool Connection::is_handshake_done() const noexcept { return ::SSL_is_init_finished(impl_->ssl.get()) == 1; }

ShutdownState Connection::get_shutdown() const noexcept {
  return static_cast<ShutdownState>(::SSL_get_shutdown(impl_->ssl.get()));
}

void Connection::set_shutdown(ShutdownState state) noexcept { ::SSL_set_shutdown(impl_->ssl.get(), to_underlying(state)); }

// ---------------------------------------------------------------------------
// After the handshake

std::optional<std::string> Connection::version() const {
  if (!is_handshake_done()) {
    return std::nullopt;
  }
  return std::string(::SSL_get_version(impl_->ssl.get()));
}

std::optional<CipherInfo> Connection::cipher() const {
  const SSL_CIPHER* c = ::SSL_get_current_cipher(impl_->ssl.get());
  if (c == nullptr) {
    return std::nullopt;
  }
  return cipher_info(c);
}

std::optional<std::vector<CipherInfo>> Connection::shared_ciphers() const {
  SSL* ssl = impl_->ssl.get();
  const STACK_OF(SSL_CIPHER)* client = ::SSL_get_client_ciphers(ssl);
  const STACK_OF(SSL_CIPHER)* server = ::SSL_get_ciphers(ssl);
  if (client == nullptr || server == nullptr || ::SSL_is_server(ssl) != 1) {
    return std::nullopt;
  }
  std::vector<CipherInfo> out;
  for (int i = 0; i < sk_SSL_CIPHER_num(server); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(server, i);
    if (sk_SSL_CIPHER_find(const_cast<STACK_OF(SSL_CIPHER)*>(client), c) >= 0) {
      out.push_back(cipher_info(c));
    }
  }
  return out;
}

std::optional<std::string> Connection::compression() const {
  const COMP_METHOD* comp = ::SSL_get_current_compression(impl_->ssl.get());
  if (comp == nullptr) {
    return std::nullopt;
  }
  const char* name = ::OBJ_nid2sn(::COMP_get_type(comp));
  return name != nullptr ? std::optional<std::string>(name) : std::nullopt;
}

std::optional<std::string> Connection::selected_alpn_protocol() const {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  ::SSL_get0_alpn_selected(impl_->ssl.get(), &data, &len);
  if (data == nullptr || len == 0) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(data), len);
}

std::optional<CertInfo> Connection::getpeercert() const {
  if (!is_handshake_done()) {
    throw ValueError("handshake not done yet", make_error_code(errc::handshake_required));
  }
  std::optional<Certificate> cert = get_peer_certificate();
  if (!cert) {
    return std::nullopt;
  }
  // Python returns {} for a certificate nobody verified.
  if ((::SSL_get_verify_mode(impl_->ssl.get()) & SSL_VERIFY_PEER) == 0) {
    CertInfo empty;
    empty.is_empty = true;
    return empty;
  }
  return cert->decode();
}

std::optional<std::vector<std::byte>> Connection::getpeercert_der() const {
  if (!is_handshake_done()) {
    throw ValueError("handshake not done yet", make_error_code(errc::handshake_required));
  }
  std::optional<Certificate> cert = get_peer_certificate();
  if (!cert) {
    return std::nullopt;
  }
  return cert->der();
}

std::optional<Certificate> Connection::get_peer_certificate() const {
  X509* peer = ::SSL_get0_peer_certificate(impl_->ssl.get());
  if (peer == nullptr) {
    return std::nullopt;
  }
  return Certificate::from_native(peer);
}

std::vector<Certificate> Connection::get_peer_cert_chain() const {
  std::vector<Certificate> out;
  const STACK_OF(X509)* chain = ::SSL_get_peer_cert_chain(impl_->ssl.get());
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    out.push_back(Certificate::from_native(sk_X509_value(chain, i)));
  }
  return out;
}

std::optional<std::vector<std::byte>> Connection::get_channel_binding(std::string_view cb_type) const {
  if (cb_type != "tls-unique") {
    throw ValueError("Unsupported channel binding type: '" + std::string(cb_type) + "'");
  }
  if (!is_handshake_done()) {
    return std::nullopt;
  }
  // RFC 5929: the first Finished message of the latest handshake, which is
  // the client's for a full handshake and the server's for a resumption.
  SSL* ssl = impl_->ssl.get();
  std::byte buf[EVP_MAX_MD_SIZE];
  const bool ours = (::SSL_session_reused(ssl) == 1) == (::SSL_is_server(ssl) == 1);
  const std::size_t len = ours ? ::SSL_get_finished(ssl, buf, sizeof buf) : ::SSL_get_peer_finished(ssl, buf, sizeof buf);
  if (len == 0) {
    return std::nullopt;
  }
  return std::vector<std::byte>(buf, buf + len);
}

namespace {

// session_origin is what a client session remembers of where it was made:
// the context (by serial) and the server name. OpenSSL keeps it in the
// session's ex_data, copies it when it copies the session and frees it with
// the session.
struct session_origin {
  std::uint64_t context_serial = 0;
  std::optional<std::string> hostname;
};

void free_origin(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) noexcept {
  delete static_cast<session_origin*>(ptr);
}

int dup_origin(CRYPTO_EX_DATA*, const CRYPTO_EX_DATA*, void** from_d, int, long, void*) noexcept {
  if (*from_d == nullptr) {
    return 1;
  }
  try {
    *from_d = new session_origin(*static_cast<session_origin*>(*from_d));
    return 1;
  } catch (...) {
    *from_d = nullptr;
    return 0;
  }
}

int session_origin_index() noexcept {
  static const int index = ::SSL_SESSION_get_ex_new_index(0, nullptr, nullptr, &dup_origin, &free_origin);
  return index;
}

const session_origin* origin_of(SSL_SESSION* s) noexcept {
  return static_cast<const session_origin*>(::SSL_SESSION_get_ex_data(s, session_origin_index()));
}

}  // namespace

std::optional<Session> Connection::session() const {
  SSL_SESSION* s = ::SSL_get_session(impl_->ssl.get());
  if (s == nullptr) {
    return std::nullopt;
  }
  if (!server_side() && origin_of(s) == nullptr) {
    auto origin = std::make_unique<session_origin>(session_origin{impl_->context->serial, impl_->hostname});
    if (::SSL_SESSION_set_ex_data(s, session_origin_index(), origin.get()) == 1) {
      origin.release();  // the session owns it now
    }
  }
  return Session::from_native(s);
}

void Connection::set_session(const Session& session) {
  if (server_side()) {
    detail::throw_value_error("Cannot set session for server-side connection");
  }
  if (::SSL_in_before(impl_->ssl.get()) != 1) {
    detail::throw_value_error("Cannot set session after handshake.");
  }
  // A resumed session is not verified again (OpenSSL keeps its old verdict),
  // so it must come from a context with the same verification policy and
  // have been made for the same server name. Python checks the first.
  if (const session_origin* origin = origin_of(session.native_handle())) {
    if (origin->context_serial != impl_->context->serial) {
      detail::throw_value_error("Session refers to a different SSLContext.");
    }
    // (A name set later, pyOpenSSL-style, is not compared: the check guards
    // against mix-ups in the usual order, wrap_bio/wrap_socket's.)
    if (origin->hostname && impl_->hostname &&
        ::OPENSSL_strcasecmp(origin->hostname->c_str(), impl_->hostname->c_str()) != 0) {
      detail::throw_value_error("Session was made for server_hostname '" + origin->hostname.value_or("") +
                                "', not '" + impl_->hostname.value_or("") + "'.");
    }
  }
  detail::clear_stale_errors();
  if (::SSL_set_session(impl_->ssl.get(), session.native_handle()) != 1) {
    detail::throw_openssl_error("set_session");
  }
}

bool Connection::session_reused() const noexcept { return ::SSL_session_reused(impl_->ssl.get()) == 1; }

long Connection::verify_result() const noexcept { return ::SSL_get_verify_result(impl_->ssl.get()); }

// ---------------------------------------------------------------------------
// Context, errors, application data

Context Connection::get_context() const noexcept { return Context(impl_->context); }

void Connection::set_context(const Context& context) {
  if (!context.state_) {
    detail::throw_value_error("set_context: the Context is empty (moved from)");
  }
  // A client's trust must not change under it; serving another certificate
  // is a server's business.
  if (!impl_->accept_state && ::SSL_is_server(impl_->ssl.get()) != 1) {
    detail::throw_value_error("set_context is for server connections (from a servername callback)");
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
