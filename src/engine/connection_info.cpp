// Connection introspection and control (pyOpenSSL): see connection.hpp.
//
// These calls read or nudge the SSL object directly; none of them moves
// bytes, so they bypass the I/O gate and never make an error sticky. A
// refused control call (renegotiate, verify_client_post_handshake) leaves
// the connection exactly as usable as it was.
#include <sslpp/connection.hpp>

#include <algorithm>
#include <array>
#include <string>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>

#include "engine/engine.hpp"
#include "internal/error_queue.hpp"
#include "internal/idna.hpp"
#include "x509/verify_name.hpp"

namespace sslpp {

namespace {

// A hello random is SSL3_RANDOM_SIZE (32) bytes; OpenSSL keeps it zeroed
// until the hello that carries it is made or received.
using hello_random = std::array<std::byte, SSL3_RANDOM_SIZE>;

std::optional<std::vector<std::byte>> random_if_set(const hello_random& r);

// Finished messages are a hash's size at most (TLS 1.2 PRF output is 12
// bytes; TLS 1.3 verify_data is the transcript hash, up to SHA-384).
template <typename Get>
std::optional<std::vector<std::byte>> finished_message(const SSL* ssl, Get get);

// refuse throws SSLError for a control call that was declined, with a
// message that says what to do. When OpenSSL refused, its error (code,
// library, reason) is kept and its words follow ours in parentheses; when
// we refused first, `fallback` is the code.
[[noreturn]] void refuse(std::string_view call, std::string_view hint, errc fallback);

bool is_tls13(const SSL* ssl) noexcept { return ::SSL_version(ssl) == TLS1_3_VERSION; }

}  // namespace

// ---------------------------------------------------------------------------
// Handshake state and secrets

std::string Connection::state_string() const { return ::SSL_state_string_long(impl_->ssl.get()); }

std::optional<std::vector<std::byte>> Connection::client_random() const {
  hello_random r{};
  ::SSL_get_client_random(impl_->ssl.get(), reinterpret_cast<unsigned char*>(r.data()), r.size());
  return random_if_set(r);
}

std::optional<std::vector<std::byte>> Connection::server_random() const {
  hello_random r{};
  ::SSL_get_server_random(impl_->ssl.get(), reinterpret_cast<unsigned char*>(r.data()), r.size());
  return random_if_set(r);
}

std::optional<SecureBytes> Connection::master_key() const {
  const SSL* ssl = impl_->ssl.get();
  // Until a handshake completes, the session holds no secret of this
  // connection: a client's is the one offered for resumption, and during a
  // renegotiation the new session is half-made.
  if (::SSL_is_init_finished(ssl) != 1) {
    return std::nullopt;
  }
  if (is_tls13(ssl)) {
    // OpenSSL stores the resumption secret in the TLS 1.3 session's
    // master-key field; handing it out under this name would mislead.
    throw_error(error_info(errc::not_supported,
                           "master_key: TLS 1.3 has no master secret; use export_keying_material "
                           "(RFC 8446 section 7.5) to derive keys from the session"));
  }
  const SSL_SESSION* session = ::SSL_get_session(ssl);
  if (session == nullptr) {
    return std::nullopt;
  }
  const std::size_t len = ::SSL_SESSION_get_master_key(session, nullptr, 0);
  if (len == 0) {
    return std::nullopt;
  }
  SecureBytes out(len);
  ::SSL_SESSION_get_master_key(session, reinterpret_cast<unsigned char*>(out.data()), out.size());
  return out;
}

std::optional<std::vector<std::byte>> Connection::get_finished() const {
  return finished_message(impl_->ssl.get(), ::SSL_get_finished);
}

std::optional<std::vector<std::byte>> Connection::get_peer_finished() const {
  return finished_message(impl_->ssl.get(), ::SSL_get_peer_finished);
}

SecureBytes Connection::export_keying_material(std::string_view label, std::size_t length,
                                                          std::optional<std::span<const std::byte>> context) const {
  SSL* ssl = impl_->ssl.get();
  if (::SSL_is_init_finished(ssl) != 1) {
    throw ValueError("export_keying_material: handshake not done yet", make_error_code(errc::handshake_required));
  }
  if (length == 0) {
    // Zero bytes of keying material is always a mistake of the caller's;
    // say so plainly instead of handing it to the KDF.
    detail::throw_value_error("export_keying_material: length must be at least 1");
  }
  // RFC 5705 section 4 tells "no context" from "empty context" (TLS 1.2
  // hashes a zero length in for the latter); OpenSSL copies from the
  // pointers it is given, so empty inputs still point somewhere.
  static constexpr unsigned char no_bytes = 0;
  const char* label_data = label.empty() ? "" : label.data();
  const unsigned char* context_data = &no_bytes;
  std::size_t context_len = 0;
  if (context && !context->empty()) {
    context_data = reinterpret_cast<const unsigned char*>(context->data());
    context_len = context->size();
  }
  SecureBytes out(length);
  detail::clear_stale_errors();
  if (::SSL_export_keying_material(ssl, reinterpret_cast<unsigned char*>(out.data()), out.size(), label_data,
                                   label.size(), context_data, context_len, context ? 1 : 0) != 1) {
    detail::throw_openssl_error("export_keying_material");
  }
  return out;
}

// ---------------------------------------------------------------------------
// Ciphers and renegotiation

std::vector<std::string> Connection::get_cipher_list() const {
  std::vector<std::string> out;
  // SSL_get_ciphers is the connection's own list (the context's, or one set
  // on the SSL): TLS 1.3 suites first, then the set_ciphers list.
  const STACK_OF(SSL_CIPHER)* ciphers = ::SSL_get_ciphers(impl_->ssl.get());
  const int n = ciphers != nullptr ? sk_SSL_CIPHER_num(ciphers) : 0;
  out.reserve(static_cast<std::size_t>(std::max(n, 0)));
  for (int i = 0; i < n; ++i) {
    out.emplace_back(::SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)));
  }
  return out;
}

void Connection::renegotiate() {
  SSL* ssl = impl_->ssl.get();
  // OpenSSL accepts SSL_renegotiate before the first handshake and then
  // renegotiates right after it, a surprise nobody asks for; refuse here.
  if (::SSL_is_init_finished(ssl) != 1) {
    if (::SSL_renegotiate_pending(ssl) == 1 && ::SSL_in_before(ssl) != 1) {
      refuse("renegotiate", "a handshake is already in progress; drive it to the end first",
             errc::handshake_required);
    }
    refuse("renegotiate", "the handshake has not completed; call renegotiate after do_handshake succeeds",
           errc::handshake_required);
  }
  detail::clear_stale_errors();
  if (::SSL_renegotiate(ssl) == 1) {
    return;
  }
  // OpenSSL checks the version first, then the option: explain in that order.
  if (is_tls13(ssl)) {
    refuse("renegotiate",
           "TLS 1.3 has no renegotiation (RFC 8446); a fresh key comes from a key update and a client "
           "certificate from verify_client_post_handshake",
           errc::not_supported);
  }
  if ((::SSL_get_options(ssl) & SSL_OP_NO_RENEGOTIATION) != 0) {
    refuse("renegotiate", "OP_NO_RENEGOTIATION is set on this connection (clear it on the Context to allow it)",
           errc::invalid_argument);
  }
  refuse("renegotiate", "OpenSSL refused to start a renegotiation", errc::invalid_argument);
}

bool Connection::renegotiate_pending() const noexcept { return ::SSL_renegotiate_pending(impl_->ssl.get()) == 1; }

long Connection::total_renegotiations() const noexcept { return SSL_total_renegotiations(impl_->ssl.get()); }

void Connection::verify_client_post_handshake() {
  SSL* ssl = impl_->ssl.get();
  detail::clear_stale_errors();
  if (::SSL_verify_client_post_handshake(ssl) == 1) {
    return;
  }
  // OpenSSL's own words ("extension not received", "wrong ssl version") do
  // not say what to change. Explain in OpenSSL's order of checks: from the
  // connection's state where it tells, from the reason where only OpenSSL
  // knows (whether the client offered the extension, whether a request is
  // outstanding). The reason picks the words only, never the outcome.
  const int reason = ERR_GET_REASON(::ERR_peek_last_error());
  if (::SSL_is_init_finished(ssl) != 1) {
    // Before the version is negotiated OpenSSL blames the version. Once a
    // TLS 1.3 handshake is under way it reports STILL_IN_INIT, as it does
    // while an earlier request waits to be written (a request puts the
    // connection back "in init").
    if (reason != SSL_R_STILL_IN_INIT) {
      refuse("verify_client_post_handshake", "the handshake has not completed; call it after do_handshake succeeds",
             errc::handshake_required);
    }
    refuse("verify_client_post_handshake",
           "a handshake or an earlier certificate request is still in progress; drive it with read or write first",
           errc::handshake_required);
  }
  if (!is_tls13(ssl)) {
    refuse("verify_client_post_handshake", "post-handshake authentication exists only in TLS 1.3",
           errc::not_supported);
  }
  if (::SSL_is_server(ssl) != 1) {
    refuse("verify_client_post_handshake", "only a server can ask the peer for a certificate",
           errc::invalid_argument);
  }
  if (reason == SSL_R_EXTENSION_NOT_RECEIVED) {
    refuse("verify_client_post_handshake",
           "the client did not offer post-handshake authentication (Context::set_post_handshake_auth on the "
           "client)",
           errc::invalid_argument);
  }
  if (reason == SSL_R_REQUEST_PENDING || reason == SSL_R_REQUEST_SENT) {
    refuse("verify_client_post_handshake",
           "a certificate request is already outstanding; read the client's answer first", errc::invalid_argument);
  }
  if ((::SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) == 0) {
    refuse("verify_client_post_handshake",
           "the server's verify mode must include VERIFY_PEER (Context::set_verify(VERIFY_PEER | "
           "VERIFY_POST_HANDSHAKE))",
           errc::invalid_argument);
  }
  refuse("verify_client_post_handshake", "OpenSSL refused to send a certificate request", errc::invalid_argument);
}

// ---------------------------------------------------------------------------
// Server name and client CA names

Connection& compat::ConnectionNames::self() noexcept { return static_cast<Connection&>(*this); }

// set_tlsext_host_name is pyOpenSSL's SNI-only setter (compat.hpp).
void compat::ConnectionNames::set_tlsext_host_name(std::string_view name) {
  const std::unique_ptr<detail::engine>& impl_ = self().impl_;
  if (impl_->accept_state) {
    detail::throw_value_error("set_tlsext_host_name: only a client sends a server name");
  }
  if (name.empty() || name.front() == '.') {
    detail::throw_value_error("set_tlsext_host_name: the name cannot be empty or start with a leading dot");
  }
  // OpenSSL takes a C string: a NUL would silently cut the name short.
  if (name.find('\0') != std::string_view::npos) {
    detail::throw_value_error("set_tlsext_host_name: the name must not contain a NUL byte");
  }
  if (name.size() > TLSEXT_MAXLEN_host_name) {
    detail::throw_value_error("set_tlsext_host_name: the name is longer than 255 bytes");
  }
  if (::SSL_in_before(impl_->ssl.get()) != 1) {
    detail::throw_value_error("set_tlsext_host_name: the server name can only be set before the handshake");
  }
  const std::string host = detail::to_a_label(name, "set_tlsext_host_name: the name");
  // RFC 6066 section 3: "Literal IPv4 and IPv6 addresses are not permitted
  // in HostName." Sending one would announce a name no server can match.
  if (detail::is_ip_address(host)) {
    detail::throw_value_error("set_tlsext_host_name: '" + host +
                              "' is an IP address, which SNI cannot carry (RFC 6066); send no server name");
  }
  detail::clear_stale_errors();
  if (::SSL_set_tlsext_host_name(impl_->ssl.get(), host.c_str()) != 1) {
    detail::throw_openssl_error("set_tlsext_host_name");
  }
}

std::optional<std::string> Connection::get_servername() const {
  const char* name = ::SSL_get_servername(impl_->ssl.get(), TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) {
    return std::nullopt;
  }
  return std::string(name);
}

std::vector<Name> Connection::get_client_ca_list() const {
  // On a server: the list it sends (its own, else its context's). On a
  // client, OpenSSL 3 returns the names received in the certificate request
  // (the same list as SSL_get0_peer_CA_list), or null before one came.
  const STACK_OF(X509_NAME)* names = ::SSL_get_client_CA_list(impl_->ssl.get());
  std::vector<Name> out;
  const int n = names != nullptr ? sk_X509_NAME_num(names) : 0;
  out.reserve(static_cast<std::size_t>(std::max(n, 0)));
  for (int i = 0; i < n; ++i) {
    out.push_back(Name::from_native(sk_X509_NAME_value(names, i)));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Helpers

namespace {

std::optional<std::vector<std::byte>> random_if_set(const hello_random& r) {
  // All zeros means "not yet": a real random is all zeros with probability
  // 2^-256.
  if (std::all_of(r.begin(), r.end(), [](std::byte b) { return b == std::byte{0}; })) {
    return std::nullopt;
  }
  return std::vector<std::byte>(r.begin(), r.end());
}

template <typename Get>
std::optional<std::vector<std::byte>> finished_message(const SSL* ssl, Get get) {
  std::array<std::byte, EVP_MAX_MD_SIZE> buf{};
  const std::size_t len = std::min(get(ssl, buf.data(), buf.size()), buf.size());
  if (len == 0) {
    return std::nullopt;
  }
  return std::vector<std::byte>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(len));
}

void refuse(std::string_view call, std::string_view hint, errc fallback) {
  const bool openssl_said = ::ERR_peek_error() != 0;
  ErrorInfo info = detail::take_error_queue(fallback);
  std::string message(call);
  message += ": ";
  message += hint;
  if (openssl_said) {
    message += " (";
    message += info.message;
    message += ")";
  }
  info.message = std::move(message);
  // SSLError whatever the code: the header promises it, and throw_error
  // would turn our own invalid_argument / handshake_required into ValueError.
  throw SSLError(std::move(info));
}

}  // namespace

}  // namespace sslpp
