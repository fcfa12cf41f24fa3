// Session, and the Context's session settings.
#include <sslpp/session.hpp>

#include <sslpp/context.hpp>

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "context/context_state.hpp"
#include "internal/error_queue.hpp"
#include "internal/handle.hpp"
#include "x509/pem.hpp"
#include "x509/x509_text.hpp"

namespace sslpp {

void Session::free_session::operator()(SSL_SESSION* p) const noexcept { ::SSL_SESSION_free(p); }

Session Session::from_native(SSL_SESSION* session) { return Session(detail::up_ref(session).release()); }

std::vector<std::byte> Session::id() const {
  unsigned int len = 0;
  const unsigned char* id = ::SSL_SESSION_get_id(session_.get(), &len);
  const auto* p = reinterpret_cast<const std::byte*>(id);
  return {p, p + len};
}

long Session::timeout() const noexcept { return ::SSL_SESSION_get_timeout(session_.get()); }

long Session::time() const noexcept { return ::SSL_SESSION_get_time(session_.get()); }

bool Session::has_ticket() const noexcept { return ::SSL_SESSION_has_ticket(session_.get()) == 1; }

bool Session::is_resumable() const noexcept { return ::SSL_SESSION_is_resumable(session_.get()) == 1; }

std::optional<std::string> Session::server_hostname() const {
  const char* name = ::SSL_SESSION_get0_hostname(session_.get());
  return name == nullptr ? std::nullopt : std::optional<std::string>(name);
}

std::string Session::to_pem() const {
  detail::clear_stale_errors();
  auto bio = detail::new_mem_bio();
  if (::PEM_write_bio_SSL_SESSION(bio.get(), session_.get()) != 1) {
    detail::throw_openssl_error("to_pem");
  }
  return detail::bio_text(bio.get());
}

Session Session::from_pem(std::string_view pem) {
  detail::clear_stale_errors();
  auto bio = detail::memory_bio(pem);
  // No passphrase: without a callback of its own, OpenSSL would prompt on
  // the terminal for a block marked encrypted.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return -1; };
  detail::unique_handle<SSL_SESSION> session(::PEM_read_bio_SSL_SESSION(bio.get(), nullptr, no_passphrase, nullptr));
  if (!session) {
    detail::throw_openssl_error("not a PEM TLS session (SSL SESSION PARAMETERS)");
  }
  return Session(session.release());
}

// ---------------------------------------------------------------------------
// The Context's session settings

void Context::set_session_id(std::span<const std::byte> id) {
  if (id.size() > SSL_MAX_SID_CTX_LENGTH) {
    detail::throw_value_error("session id context is " + std::to_string(id.size()) + " bytes; at most " +
                              std::to_string(SSL_MAX_SID_CTX_LENGTH) + " are allowed");
  }
  detail::clear_stale_errors();
  if (::SSL_CTX_set_session_id_context(state().ctx.get(), reinterpret_cast<const unsigned char*>(id.data()),
                                       static_cast<unsigned int>(id.size())) != 1) {
    detail::throw_openssl_error("set_session_id");
  }
}

std::chrono::seconds Context::get_timeout() const {
  return std::chrono::seconds(::SSL_CTX_get_timeout(state().ctx.get()));
}

std::chrono::seconds Context::set_timeout(std::chrono::seconds timeout) {
  // OpenSSL reads 0 as "the default" (two hours), not "never resume".
  if (timeout.count() <= 0 || timeout > std::chrono::hours(24 * 7)) {
    detail::throw_value_error("session timeout must be between 1 second and 7 days, not " +
                              std::to_string(timeout.count()) + " s");
  }
  return std::chrono::seconds(::SSL_CTX_set_timeout(state().ctx.get(), static_cast<long>(timeout.count())));
}

std::size_t Context::num_tickets() const { return ::SSL_CTX_get_num_tickets(state().ctx.get()); }

void Context::set_num_tickets(std::size_t n) {
  if (state().protocol == PROTOCOL_TLS_CLIENT) {
    detail::throw_value_error("SSLContext is not a server context.");
  }
  if (::SSL_CTX_set_num_tickets(state().ctx.get(), n) != 1) {
    detail::throw_value_error("failed to set num tickets.");
  }
}

namespace {
constexpr std::size_t kTicketKeysSize = 80;  // name, HMAC and AES keys
}

SecureBytes Context::session_ticket_keys() const {
  SecureBytes keys(kTicketKeysSize);
  if (SSL_CTX_get_tlsext_ticket_keys(state().ctx.get(), keys.data(), static_cast<long>(keys.size())) != 1) {
    detail::throw_openssl_error("session_ticket_keys");
  }
  return keys;
}

void Context::set_session_ticket_keys(std::span<const std::byte> keys) {
  if (keys.size() != kTicketKeysSize) {
    detail::throw_value_error("session ticket keys must be 80 bytes, not " + std::to_string(keys.size()));
  }
  // OpenSSL's macro takes a non-const pointer but only reads it.
  auto* data = const_cast<std::byte*>(keys.data());
  if (SSL_CTX_set_tlsext_ticket_keys(state().ctx.get(), data, static_cast<long>(keys.size())) != 1) {
    detail::throw_openssl_error("set_session_ticket_keys");
  }
}

SessionStats Context::session_stats() const {
  SSL_CTX* ctx = state().ctx.get();
  return {SSL_CTX_sess_number(ctx),      SSL_CTX_sess_connect(ctx),   SSL_CTX_sess_connect_good(ctx),
          SSL_CTX_sess_connect_renegotiate(ctx), SSL_CTX_sess_accept(ctx), SSL_CTX_sess_accept_good(ctx),
          SSL_CTX_sess_accept_renegotiate(ctx),  SSL_CTX_sess_hits(ctx),   SSL_CTX_sess_misses(ctx),
          SSL_CTX_sess_timeouts(ctx),    SSL_CTX_sess_cache_full(ctx)};
}

}  // namespace sslpp
