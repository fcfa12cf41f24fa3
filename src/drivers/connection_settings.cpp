// A connection's own settings in place of its context's (pyOpenSSL's
// Connection.set_verify, use_certificate, use_privatekey, set_alpn_protos),
// and Connection's pyOpenSSL spellings of what it knows (compat.hpp).
#include <sslpp/compat.hpp>
#include <sslpp/connection.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "context/context_state.hpp"
#include "engine/engine.hpp"
#include "internal/error_queue.hpp"

namespace sslpp {

namespace {

// refuse_after_start throws ValueError when the handshake has started:
// the setting would no longer reach it.
void refuse_after_start(const SSL* ssl, std::string_view call) {
  if (::SSL_in_before(ssl) != 1) {
    detail::throw_value_error(std::string(call) + ": only before the handshake");
  }
}

}  // namespace

void Connection::set_verify(VerifyPeer mode, VerifyCallback callback) {
  detail::engine& e = *impl_;
  refuse_after_start(e.ssl.get(), "set_verify");
  const bool client = !e.accept_state && ::SSL_is_server(e.ssl.get()) != 1;
  // As Context::set_verify: a client whose context checks host names
  // cannot stop verifying (the name check needs a verified chain).
  if (client && !has_any(mode, VERIFY_PEER) && e.verify_context().check_hostname) {
    detail::throw_value_error("Cannot set VERIFY_NONE when check_hostname is enabled.");
  }
  e.own_verify_mode = to_underlying(mode);
  e.own_verify_callback = std::move(callback);
  e.gate |= detail::engine::gate_policy;
}

VerifyPeer Connection::get_verify_mode() const {
  const detail::engine& e = *impl_;
  return static_cast<VerifyPeer>(e.own_verify_mode.value_or(::SSL_CTX_get_verify_mode(e.verify_context().ctx.get())));
}

namespace {

// refuse_mismatch throws SSLError when `cert` and `key` are both set and do
// not belong together. Checked before OpenSSL is told: it would quietly
// drop the half that does not match instead of failing.
void refuse_mismatch(X509* cert, EVP_PKEY* key, const char* call) {
  if (cert == nullptr || key == nullptr) {
    return;
  }
  // OpenSSL keeps one certificate and key per key type (an RSA and an EC
  // pair side by side): only a pair of the same type can mismatch.
  const EVP_PKEY* cert_key = ::X509_get0_pubkey(cert);
  if (cert_key == nullptr || ::EVP_PKEY_get_base_id(cert_key) != ::EVP_PKEY_get_base_id(key)) {
    return;
  }
  detail::clear_stale_errors();
  if (::X509_check_private_key(cert, key) != 1) {
    ::ERR_clear_error();
    ERR_raise_data(ERR_LIB_SSL, SSL_R_PRIVATE_KEY_MISMATCH, "the key does not match the connection's certificate");
    detail::throw_openssl_error(call);
  }
}

}  // namespace

void Connection::use_certificate(const Certificate& certificate) {
  SSL* ssl = impl_->ssl.get();
  refuse_mismatch(certificate.native_handle(), ::SSL_get_privatekey(ssl), "use_certificate");
  detail::check(::SSL_use_certificate(ssl, certificate.native_handle()), "use_certificate");
}

void Connection::use_privatekey(const PrivateKey& key) {
  SSL* ssl = impl_->ssl.get();
  refuse_mismatch(::SSL_get_certificate(ssl), key.native_handle(), "use_privatekey");
  detail::check(::SSL_use_PrivateKey(ssl, key.native_handle()), "use_privatekey");
}

void Connection::set_alpn_protocols(const std::vector<std::string>& protocols) {
  refuse_after_start(impl_->ssl.get(), "set_alpn_protocols");
  impl_->own_alpn_wire = detail::alpn_wire_format(protocols);
  impl_->gate |= detail::engine::gate_policy;  // a client offers it when the handshake starts
}

// ---------------------------------------------------------------------------
// pyOpenSSL's spellings (compat.hpp)

const Connection& compat::ConnectionNames::self() const noexcept { return static_cast<const Connection&>(*this); }

void compat::ConnectionNames::set_alpn_protos(const std::vector<std::string>& protocols) {
  self().set_alpn_protocols(protocols);
}

std::string compat::ConnectionNames::get_alpn_proto_negotiated() const {
  return self().selected_alpn_protocol().value_or("");
}

int compat::ConnectionNames::get_protocol_version() const {
  const std::optional<TLSVersion> v = self().protocol_version();
  return v ? to_underlying(*v) : 0;
}

std::string compat::ConnectionNames::get_protocol_version_name() const {
  return self().version().value_or("Unknown");
}

}  // namespace sslpp
