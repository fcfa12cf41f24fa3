// What a DTLS context adds (dtls.hpp): the cookie exchange, with a default
// cookie that binds the client's address, the cookie trampolines, and the
// SRTP profiles of DTLS-SRTP.
//
// The default cookie is HMAC-SHA256(secret, family | port | address) of the
// datagram's source, as the driver gave it (Connection::set_peer_address).
// The secret changes with each minute of the clock and the one before is
// still accepted, so a cookie verifies for one to two minutes: long enough
// for a round trip, too short to stockpile. It keeps no state per client: the server can
// answer a flood of ClientHellos from forged addresses with small
// HelloVerifyRequests, and only a client that receives at its address can
// come back with a cookie that verifies. A connection whose driver gave no
// address (a sans-IO server doing its own demultiplexing and handshaking
// statefully) binds the cookie to a random value of its own instead: the
// exchange then proves that the peer it talks to receives what it sends.
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/dtls.hpp>

#include <chrono>
#include <cstring>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "context/callback_guard.hpp"
#include "context/context_state.hpp"
#include "internal/error_queue.hpp"

namespace sslpp {

static_assert(dtls_max_cookie_length == DTLS1_COOKIE_LENGTH, "dtls.hpp must say what OpenSSL carries");

namespace {

using detail::connection_of;
using detail::context_state;

constexpr std::int64_t secret_lifetime_seconds = 60;
constexpr std::size_t cookie_size = 32;  // a whole HMAC-SHA256

std::int64_t current_epoch() noexcept {
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::seconds>(now).count() / secret_lifetime_seconds;
}

// secrets copies out the secrets of this minute and the one before, making
// them first when the minute has turned. A minute with no secret made (the
// server was idle) gets a random one nobody has seen, so nothing verifies
// under it. False when no random bytes could be had.
bool secrets(detail::dtls_cookie_keys& keys, unsigned char (&current)[32], unsigned char (&previous)[32]) noexcept {
  const std::lock_guard lock(keys.mutex);
  const std::int64_t epoch = current_epoch();
  if (epoch != keys.epoch) {
    unsigned char fresh[32];
    if (::RAND_bytes(fresh, sizeof fresh) != 1) {
      return false;
    }
    if (keys.epoch == epoch - 1) {
      std::memcpy(keys.previous, keys.current, sizeof keys.previous);
    } else if (::RAND_bytes(keys.previous, sizeof keys.previous) != 1) {
      return false;
    }
    std::memcpy(keys.current, fresh, sizeof keys.current);
    ::OPENSSL_cleanse(fresh, sizeof fresh);
    keys.epoch = epoch;
  }
  std::memcpy(current, keys.current, sizeof current);
  std::memcpy(previous, keys.previous, sizeof previous);
  return true;
}

// bound_to is what the default cookie of `conn` binds: the peer's address,
// or the connection's own random value.
std::span<const std::byte> bound_to(detail::engine& conn, std::span<std::byte, 19> scratch) noexcept {
  if (conn.memory) {
    const std::span<const std::byte> address = conn.memory->peer_identity(scratch);
    if (!address.empty()) {
      return address;
    }
  }
  if (!conn.cookie_nonce_made) {
    if (::RAND_bytes(conn.cookie_nonce, sizeof conn.cookie_nonce) != 1) {
      return {};
    }
    conn.cookie_nonce_made = true;
  }
  return std::as_bytes(std::span(conn.cookie_nonce));
}

bool mac(const unsigned char (&key)[32], std::span<const std::byte> input, unsigned char* out) noexcept {
  unsigned int len = 0;
  return ::HMAC(::EVP_sha256(), key, sizeof key, reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                out, &len) != nullptr &&
         len == cookie_size;
}

std::shared_ptr<const detail::handshake_hooks> hooks_of(const SSL* ssl) noexcept {
  const context_state* ctx = context_state::from(::SSL_get_SSL_CTX(ssl));
  return ctx != nullptr ? ctx->hooks() : nullptr;
}

int cookie_generate_trampoline(SSL* ssl, unsigned char* cookie, unsigned int* cookie_len) noexcept {
  detail::engine* conn = connection_of(ssl);
  context_state* ctx = context_state::from(::SSL_get_SSL_CTX(ssl));
  const std::shared_ptr<const detail::handshake_hooks> hooks = hooks_of(ssl);
  if (conn == nullptr || ctx == nullptr || hooks == nullptr) {
    return 0;
  }
  if (hooks->cookie_generate) {
    return detail::guarded(*conn,
                           [&] {
                             const std::vector<std::byte> made = hooks->cookie_generate(*conn->owner);
                             if (made.empty() || made.size() > dtls_max_cookie_length) {
                               detail::throw_value_error("cookie generate callback: a cookie has 1 to 255 bytes, not " +
                                                         std::to_string(made.size()));
                             }
                             std::memcpy(cookie, made.data(), made.size());
                             *cookie_len = static_cast<unsigned int>(made.size());
                           })
               ? 1
               : 0;
  }
  unsigned char current[32];
  unsigned char previous[32];
  std::byte scratch[19];
  const std::span<const std::byte> input = bound_to(*conn, scratch);
  const bool ok = ctx->cookie_keys && !input.empty() && secrets(*ctx->cookie_keys, current, previous) &&
                  mac(current, input, cookie);
  ::OPENSSL_cleanse(current, sizeof current);
  ::OPENSSL_cleanse(previous, sizeof previous);
  if (!ok) {
    return 0;
  }
  *cookie_len = cookie_size;
  return 1;
}

int cookie_verify_trampoline(SSL* ssl, const unsigned char* cookie, unsigned int cookie_len) noexcept {
  detail::engine* conn = connection_of(ssl);
  context_state* ctx = context_state::from(::SSL_get_SSL_CTX(ssl));
  const std::shared_ptr<const detail::handshake_hooks> hooks = hooks_of(ssl);
  if (conn == nullptr || ctx == nullptr || hooks == nullptr) {
    return 0;
  }
  const std::span<const std::byte> offered(reinterpret_cast<const std::byte*>(cookie), cookie_len);
  if (hooks->cookie_verify) {
    bool valid = false;
    const bool ran = detail::guarded(*conn, [&] { valid = hooks->cookie_verify(*conn->owner, offered); });
    return ran && valid ? 1 : 0;
  }
  if (cookie_len != cookie_size) {
    return 0;
  }
  unsigned char current[32];
  unsigned char previous[32];
  unsigned char expected[cookie_size];
  std::byte scratch[19];
  const std::span<const std::byte> input = bound_to(*conn, scratch);
  bool valid = false;
  if (ctx->cookie_keys && !input.empty() && secrets(*ctx->cookie_keys, current, previous)) {
    valid = (mac(current, input, expected) && ::CRYPTO_memcmp(expected, cookie, cookie_size) == 0) ||
            (mac(previous, input, expected) && ::CRYPTO_memcmp(expected, cookie, cookie_size) == 0);
  }
  ::OPENSSL_cleanse(current, sizeof current);
  ::OPENSSL_cleanse(previous, sizeof previous);
  return valid ? 1 : 0;
}

void require_dtls(const Context& ctx, const char* call) {
  if (!is_dtls(ctx.protocol())) {
    detail::throw_value_error(std::string(call) + ": this is a TLS context; DTLS needs one made with DTLS_METHOD, " +
                              "DTLS_CLIENT_METHOD or DTLS_SERVER_METHOD");
  }
}

}  // namespace

namespace detail {

void install_default_cookie(context_state& state) {
  state.cookie_keys = std::make_unique<dtls_cookie_keys>();
  ::SSL_CTX_set_options(state.ctx.get(), SSL_OP_COOKIE_EXCHANGE);
  ::SSL_CTX_set_cookie_generate_cb(state.ctx.get(), &cookie_generate_trampoline);
  ::SSL_CTX_set_cookie_verify_cb(state.ctx.get(), &cookie_verify_trampoline);
}

}  // namespace detail

void Context::set_cookie_generate_callback(CookieGenerateCallback callback) {
  require_dtls(*this, "set_cookie_generate_callback");
  state().change_hooks([&](detail::handshake_hooks& h) { h.cookie_generate = std::move(callback); });
}

void Context::set_cookie_verify_callback(CookieVerifyCallback callback) {
  require_dtls(*this, "set_cookie_verify_callback");
  state().change_hooks([&](detail::handshake_hooks& h) { h.cookie_verify = std::move(callback); });
}

void Context::set_srtp_profiles(std::string_view profiles) {
  require_dtls(*this, "set_srtp_profiles");
  detail::clear_stale_errors();
  const std::string list(profiles);
  if (list.empty() || list.find('\0') != std::string::npos ||
      ::SSL_CTX_set_tlsext_use_srtp(state().ctx.get(), list.c_str()) != 0) {  // 0 is success here
    ::ERR_clear_error();
    detail::throw_value_error("set_srtp_profiles: \"" + list +
                              "\" is not a colon-separated list of SRTP profiles OpenSSL knows "
                              "(SRTP_AES128_CM_SHA1_80, SRTP_AES128_CM_SHA1_32, SRTP_AEAD_AES_128_GCM, "
                              "SRTP_AEAD_AES_256_GCM)");
  }
}

void compat::ContextNames::set_tlsext_use_srtp(std::string_view profiles) { self().set_srtp_profiles(profiles); }

}  // namespace sslpp
