// What a connection knows once its handshake has run: version, cipher,
// ALPN, the peer's certificates, channel binding, and sessions.
#include <sslpp/connection.hpp>

#include <utility>

#include <openssl/ssl.h>

#include "engine/engine.hpp"

namespace sslpp {

namespace {

CipherInfo cipher_info(const SSL_CIPHER* c) {
  return {::SSL_CIPHER_get_name(c), ::SSL_CIPHER_get_version(c), ::SSL_CIPHER_get_bits(c, nullptr)};
}

}  // namespace

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
  const bool unique = cb_type == "tls-unique";
  if (!unique && cb_type != "tls-exporter") {
    throw ValueError("Unsupported channel binding type: '" + std::string(cb_type) +
                     "' (supported: tls-unique, tls-exporter)");
  }
  if (!is_handshake_done()) {
    return std::nullopt;
  }
  SSL* ssl = impl_->ssl.get();
  const bool tls13 = ::SSL_version(ssl) == TLS1_3_VERSION;
  if (unique) {
    // RFC 9266 section 3: tls-unique is undefined for TLS 1.3, whose
    // Finished messages do not bind the connection as RFC 5929 assumed.
    if (tls13) {
      throw ValueError("tls-unique channel binding is undefined for TLS 1.3 (RFC 9266): use 'tls-exporter'");
    }
    // RFC 5929: the first Finished message of the latest handshake, which is
    // the client's for a full handshake and the server's for a resumption.
    std::byte buf[EVP_MAX_MD_SIZE];
    const bool ours = (::SSL_session_reused(ssl) == 1) == (::SSL_is_server(ssl) == 1);
    const std::size_t len =
        ours ? ::SSL_get_finished(ssl, buf, sizeof buf) : ::SSL_get_peer_finished(ssl, buf, sizeof buf);
    if (len == 0) {
      return std::nullopt;
    }
    return std::vector<std::byte>(buf, buf + len);
  }
  // RFC 9266 section 2: 32 bytes exported with this label and an empty
  // context, which TLS 1.3 defines as no context; on TLS 1.2 sslpp passes
  // none either, as Go's crypto/tls does.
  // On TLS 1.2 it is safe only with the extended master secret (RFC 7627),
  // without which one connection's exporter can be replayed on another.
  if (!tls13 && ::SSL_get_extms_support(ssl) != 1) {
    throw ValueError(
        "tls-exporter channel binding on TLS 1.2 needs the extended master secret (RFC 9266 section 4.2), "
        "which this connection did not negotiate");
  }
  constexpr std::string_view label = "EXPORTER-Channel-Binding";
  constexpr std::size_t length = 32;
  const SecureBytes bytes = export_keying_material(label, length);
  return std::vector<std::byte>(bytes.begin(), bytes.end());
}

// ---------------------------------------------------------------------------
// Sessions

std::optional<Session> Connection::session() const {
  SSL_SESSION* s = ::SSL_get_session(impl_->ssl.get());
  if (s == nullptr) {
    return std::nullopt;
  }
  Session session = Session::from_native(s);
  if (!server_side()) {
    // Where it was made travels in the handle (see Session::origin_).
    session.origin_ = std::make_shared<const detail::session_origin>(
        detail::session_origin{impl_->verify_context().serial, impl_->hostname});
  }
  return session;
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
  // set_server_hostname repeats the name check for a name given later.
  const std::shared_ptr<const detail::session_origin> previous = std::exchange(impl_->offered_origin, session.origin_);
  try {
    impl_->refuse_if_session_mismatch(impl_->hostname);
    detail::clear_stale_errors();
    if (::SSL_set_session(impl_->ssl.get(), session.native_handle()) != 1) {
      detail::throw_openssl_error("set_session");
    }
  } catch (...) {
    impl_->offered_origin = previous;
    throw;
  }
}

bool Connection::session_reused() const noexcept { return ::SSL_session_reused(impl_->ssl.get()) == 1; }

long Connection::verify_result() const noexcept { return ::SSL_get_verify_result(impl_->ssl.get()); }

}  // namespace sslpp
