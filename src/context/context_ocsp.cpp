// OCSP stapling (ocsp.hpp): the Context's setters, the one trampoline
// OpenSSL calls on both sides (SSL_CTX_set_tlsext_status_cb: a server's
// asks for the response to staple, a client's hands over what was
// stapled), and the Connection's request_ocsp and ocsp_response.
//
// Where OpenSSL calls the client's hook: after the server's whole first
// flight (statem_clnt.c, tls_process_initial_server_flight), so after
// ServerHelloDone in TLS 1.2 and after the server's Finished in TLS 1.3;
// in both, after the server's chain was verified (and the handshake
// already failed if it did not verify under CERT_REQUIRED). The check
// therefore never judges a response about an unverified chain, unless
// the client asked for no verification: under CERT_NONE it still runs in
// full, so the response must still be signed by a responder the trust
// store vouches for (the issuer, or one it delegated to), whatever became
// of the chain.
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include <cstring>

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>

#include "context/callback_guard.hpp"
#include "context/context_state.hpp"
#include "engine/engine.hpp"
#include "internal/error_queue.hpp"
#include "x509/ocsp_check.hpp"

namespace sslpp {

namespace {

using detail::connection_of;
using detail::context_state;
using detail::guarded;

// refuse records why the hook fails the handshake, for classify to report.
// Out of memory, the handshake still fails, with OpenSSL's words alone.
void refuse(detail::engine& conn, long verify_code, std::string reason) noexcept {
  try {
    conn.hook_refusal = std::make_unique<const detail::engine::refusal>(
        detail::engine::refusal{verify_code, std::move(reason)});
  } catch (...) {
    conn.hook_refusal.reset();
  }
}

// staple gives the server's response for this handshake to OpenSSL: the
// callback's, else the static one. SSL_TLSEXT_ERR_NOACK staples nothing.
int staple(SSL* ssl, detail::engine& conn, const detail::handshake_hooks& hooks) noexcept {
  std::optional<std::vector<std::byte>> from_callback;
  if (hooks.ocsp_server) {
    const bool ok = guarded(conn, [&] {
      from_callback = hooks.ocsp_server(*conn.owner);
      if (from_callback && !detail::is_ocsp_response(*from_callback)) {
        // Never send the client bytes it would reject: say so here.
        detail::throw_value_error("set_ocsp_server_callback: the callback returned " +
                                  std::to_string(from_callback->size()) +
                                  " bytes that are not a DER OCSP response; return std::nullopt to staple none");
      }
    });
    if (!ok) {
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
  }
  std::span<const std::byte> response;
  if (from_callback) {
    response = *from_callback;
  } else if (!hooks.ocsp_server && hooks.ocsp_response) {
    response = *hooks.ocsp_response;
  }
  if (response.empty()) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  // SSL_set_tlsext_status_ocsp_resp takes ownership of OPENSSL_malloc'ed
  // memory, freed with the SSL (or the next response set).
  auto* copy = static_cast<unsigned char*>(::OPENSSL_malloc(response.size()));
  if (copy == nullptr) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  std::memcpy(copy, response.data(), response.size());
  if (::SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(response.size())) != 1) {
    ::OPENSSL_free(copy);
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

// stapled is what the server stapled in this handshake; empty when nothing.
std::span<const std::byte> stapled(SSL* ssl) noexcept {
  const unsigned char* data = nullptr;
  const long len = ::SSL_get_tlsext_status_ocsp_resp(ssl, &data);
  if (data == nullptr || len <= 0) {
    return {};
  }
  return {reinterpret_cast<const std::byte*>(data), static_cast<std::size_t>(len)};
}

// receive runs on the client: the callback first, then the check. 1 goes
// on; 0 fails the handshake (OpenSSL sends bad_certificate_status_response).
int receive(SSL* ssl, detail::engine& conn, const detail::handshake_hooks& hooks) noexcept {
  const std::span<const std::byte> response = stapled(ssl);
  if (hooks.ocsp_client) {
    bool accepted = false;
    if (!guarded(conn, [&] { accepted = hooks.ocsp_client(*conn.owner, response); })) {
      return 0;
    }
    if (!accepted) {
      refuse(conn, X509_V_OK, "OCSP response rejected by the callback");
      return 0;
    }
  }
  const OcspCheck mode = conn.verify_context().ocsp_check;
  // A resumed session brings no certificate to check (TLS 1.3 calls the
  // hook regardless): what the full handshake that made it found is held to
  // this connection's check when the handshake ends
  // (engine::check_finished_handshake, through the session's mark).
  if (mode == OcspCheck::off || ::SSL_session_reused(ssl) == 1) {
    return 1;
  }
  detail::ocsp_verdict verdict;
  if (!guarded(conn, [&] {
        verdict = detail::check_ocsp_response(ssl, ::SSL_CTX_get_cert_store(conn.verify_context().ctx.get()),
                                              response, mode == OcspCheck::required);
      })) {
    return 0;
  }
  if (verdict.good()) {
    detail::mark_session(::SSL_get_session(ssl), response.empty() ? detail::ocsp_mark::unstapled : detail::ocsp_mark::good);
    return 1;
  }
  // The connection's verification result says why too, as after a chain
  // that failed (SSL_get_verify_result).
  ::SSL_set_verify_result(ssl, verdict.verify_code);
  refuse(conn, verdict.verify_code, std::move(verdict.reason));
  return 0;
}

int status_trampoline(SSL* ssl, void* /*arg*/) noexcept {
  const bool server = ::SSL_is_server(ssl) == 1;
  // The SSL's context now, as OpenSSL took the hook from it (a server's
  // may have been switched by a servername callback).
  const context_state* ctx = context_state::from(::SSL_get_SSL_CTX(ssl));
  detail::engine* conn = connection_of(ssl);
  if (ctx == nullptr || conn == nullptr) {
    return server ? SSL_TLSEXT_ERR_NOACK : 0;  // a client that cannot check fails closed
  }
  const std::shared_ptr<const detail::handshake_hooks> hooks = ctx->hooks();  // held: a callback may replace it
  return server ? staple(ssl, *conn, *hooks) : receive(ssl, *conn, *hooks);
}

// install_status_hook sets the trampoline once any OCSP setting is made. It
// stays: with nothing to do it staples nothing and accepts everything, and
// OpenSSL calls it only on connections that asked for a staple.
void install_status_hook(context_state& state) {
  ::SSL_CTX_set_tlsext_status_cb(state.ctx.get(), &status_trampoline);
}

}  // namespace

// ---------------------------------------------------------------------------
// Context

void Context::set_ocsp_server_callback(OcspServerCallback callback) {
  state().change_hooks([&](detail::handshake_hooks& h) {
    h.ocsp_server = std::move(callback);
    h.ocsp_response.reset();
  });
  install_status_hook(state());
}

void Context::set_ocsp_response(std::span<const std::byte> der) {
  if (!detail::is_ocsp_response(der)) {
    detail::throw_value_error("set_ocsp_response: " + std::to_string(der.size()) +
                              " bytes that are not a DER OCSP response (as `openssl ocsp -respout` writes)");
  }
  auto response = std::make_shared<const std::vector<std::byte>>(der.begin(), der.end());
  state().change_hooks([&](detail::handshake_hooks& h) {
    h.ocsp_response = std::move(response);
    h.ocsp_server = nullptr;
  });
  install_status_hook(state());
}

void Context::set_ocsp_client_callback(OcspClientCallback callback) {
  state().change_hooks([&](detail::handshake_hooks& h) { h.ocsp_client = std::move(callback); });
  install_status_hook(state());
}

OcspCheck Context::ocsp_check() const { return state().ocsp_check; }

void Context::set_ocsp_check(OcspCheck check) {
  if (check != OcspCheck::off && check != OcspCheck::if_stapled && check != OcspCheck::required) {
    detail::throw_value_error("set_ocsp_check: not an OcspCheck value");
  }
  install_status_hook(state());
  state().ocsp_check = check;
}

// ---------------------------------------------------------------------------
// Connection

void Connection::request_ocsp() {
  SSL* ssl = impl_->ssl.get();
  if (impl_->accept_state || ::SSL_is_server(ssl) == 1) {
    detail::throw_value_error(
        "request_ocsp: only a client asks for an OCSP staple; a server staples one with "
        "Context::set_ocsp_response or set_ocsp_server_callback");
  }
  if (::SSL_in_before(ssl) != 1) {
    detail::throw_value_error("request_ocsp: a staple can only be requested before the handshake");
  }
  detail::clear_stale_errors();
  if (::SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp) != 1) {
    detail::throw_openssl_error("request_ocsp");
  }
}

std::optional<std::vector<std::byte>> Connection::ocsp_response() const {
  SSL* ssl = impl_->ssl.get();
  if (impl_->accept_state || ::SSL_is_server(ssl) == 1 || ::SSL_in_before(ssl) == 1 ||
      ::SSL_get_tlsext_status_type(ssl) != TLSEXT_STATUSTYPE_ocsp) {
    return std::nullopt;
  }
  const std::span<const std::byte> response = stapled(ssl);
  return std::vector<std::byte>(response.begin(), response.end());
}

}  // namespace sslpp
