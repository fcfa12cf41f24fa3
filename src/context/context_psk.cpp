// Pre-shared keys (psk.hpp): the setters, and the trampolines through which
// OpenSSL asks the C++ callbacks for an identity and a key. OpenSSL's old
// PSK callbacks serve TLS 1.2 PSK suites and, by its compatibility rule,
// TLS 1.3 external PSKs as well (used with SHA-256), which is what Python
// 3.13 builds on too.
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/psk.hpp>

#include <algorithm>
#include <cstring>
#include <string>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "context/callback_guard.hpp"
#include "context/context_state.hpp"
#include "internal/error_queue.hpp"
#include "internal/handle.hpp"

namespace sslpp {

static_assert(psk_max_identity_length == PSK_MAX_IDENTITY_LEN, "psk.hpp must say what OpenSSL carries");
static_assert(psk_max_key_length == PSK_MAX_PSK_LEN, "psk.hpp must say what OpenSSL takes");

namespace {

using detail::connection_of;
using detail::context_state;
using detail::guarded;

// hooks_of is the hooks set of the context `ssl` belongs to now (after a
// set_context, the new one), held by the caller until it returns: the
// callback may replace itself.
std::shared_ptr<const detail::handshake_hooks> hooks_of(const SSL* ssl) noexcept {
  const context_state* ctx = context_state::from(::SSL_get_SSL_CTX(ssl));
  return ctx != nullptr ? ctx->hooks() : nullptr;
}

// check_identity throws ValueError unless `identity` (an identity or an
// identity hint, named by `what`) can travel as OpenSSL carries it: a C
// string of 1 to `limit` bytes.
void check_identity(const char* what, std::string_view identity, std::size_t limit) {
  const std::string name(what);
  if (identity.empty()) {
    detail::throw_value_error(name + " is empty: it must have 1 to " + std::to_string(limit) + " bytes");
  }
  if (identity.size() > limit) {
    detail::throw_value_error(name + " is too long: " + std::to_string(identity.size()) + " bytes, at most " +
                              std::to_string(limit));
  }
  if (const std::size_t nul = identity.find('\0'); nul != std::string_view::npos) {
    detail::throw_value_error(name + " has a NUL byte (at offset " + std::to_string(nul) +
                              "): OpenSSL carries it as a C string, which would end there");
  }
}

// check_key throws ValueError unless `key` has 1 to `limit` bytes.
// `instead` says what to return to mean "no key".
void check_key(const SecureBytes& key, std::size_t limit, const char* instead) {
  if (key.empty()) {
    detail::throw_value_error(std::string("PSK key is empty: ") + instead);
  }
  if (key.size() > limit) {
    detail::throw_value_error("PSK key is too long: " + std::to_string(key.size()) + " bytes, at most " +
                              std::to_string(limit));
  }
}

// ask_client asks the client callback of the context `ssl` belongs to for
// an identity and key and, when it gives valid ones, hands them to `use`
// (while they are alive: the key is wiped when this returns). A callback
// that throws, or answers out of bounds (an identity over
// `identity_limit` bytes, a key over `key_limit`), is kept for the caller
// of the I/O call, and nothing is used.
template <typename Use>
void ask_client(SSL* ssl, const char* hint, std::size_t identity_limit, std::size_t key_limit, Use&& use) noexcept {
  detail::engine* conn = connection_of(ssl);
  const std::shared_ptr<const detail::handshake_hooks> hooks = hooks_of(ssl);
  if (conn == nullptr || !hooks || !hooks->psk_client) {
    return;  // removed since this connection was made: offer none
  }
  guarded(*conn, [&] {
    const std::optional<std::string_view> server_hint =
        hint != nullptr ? std::optional<std::string_view>(hint) : std::nullopt;
    const std::optional<PskIdentity> answer = hooks->psk_client(*conn->owner, server_hint);
    if (!answer) {
      return;
    }
    check_identity("PSK identity", answer->identity, std::min(psk_max_identity_length, identity_limit));
    check_key(answer->key, std::min(psk_max_key_length, key_limit), "return nullopt to offer no key");
    use(*answer);
  });
}

// psk_client_trampoline runs on a TLS 1.2 client writing its
// ClientKeyExchange for a PSK suite (`hint` is what the server sent, or
// null). Returns the key's length, 0 to offer no key. `identity` is a
// buffer of `max_identity_len` bytes for a NUL-terminated identity, `psk`
// one of `max_psk_len` bytes, which OpenSSL wipes after use.
unsigned int psk_client_trampoline(SSL* ssl, const char* hint, char* identity, unsigned int max_identity_len,
                                   unsigned char* psk, unsigned int max_psk_len) noexcept {
  // TLS 1.3's ClientHello asked psk_use_session_trampoline already, which
  // declined: do not ask the user twice.
  if (::SSL_get_state(ssl) == TLS_ST_CW_CLNT_HELLO) {
    return 0;
  }
  unsigned int key_length = 0;
  // OpenSSL documents the identity buffer as max_identity_len bytes with
  // the NUL included (OpenSSL 3.0 passes 256 for PSK_MAX_IDENTITY_LEN).
  const std::size_t identity_limit = max_identity_len > 0 ? max_identity_len - 1 : 0;
  ask_client(ssl, hint, identity_limit, max_psk_len, [&](const PskIdentity& answer) {
    std::memcpy(identity, answer.identity.data(), answer.identity.size());
    identity[answer.identity.size()] = '\0';
    // Straight from the user's wiped buffer into OpenSSL's, which OpenSSL wipes.
    std::memcpy(psk, answer.key.data(), answer.key.size());
    key_length = static_cast<unsigned int>(answer.key.size());
  });
  return key_length;
}

// psk_use_session_trampoline runs on a TLS 1.3 client writing its
// ClientHello (again, with `md` set, after a HelloRetryRequest): it offers
// the callback's key as an external PSK for TLS_AES_128_GCM_SHA256, as
// OpenSSL's old-callback path does. It is ours rather than that path
// because OpenSSL 3.0 makes that session without the connection's session
// id context, which sslpp always sets, and then refuses the server's
// acceptance as "attempt to reuse session in different context". Returns 1
// with `*sess` null to offer no key, 0 to fail the handshake.
// key_session_index is the ex_data slot of the mark is_key_session reads.
// OpenSSL copies ex_data into a session's duplicates, the tickets' included.
int key_session_index() noexcept {
  static const int index = ::SSL_SESSION_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

void mark_key_session(SSL_SESSION* session) noexcept {
  if (key_session_index() >= 0) {
    static int mark = 0;  // any non-null address will do
    ::SSL_SESSION_set_ex_data(session, key_session_index(), &mark);
  }
}

int psk_use_session_trampoline(SSL* ssl, const EVP_MD* md, const unsigned char** id, std::size_t* idlen,
                               SSL_SESSION** sess) noexcept {
  *sess = nullptr;
  // After a HelloRetryRequest for a suite of another hash, a SHA-256 key
  // cannot be offered.
  if (md != nullptr && ::EVP_MD_get_type(md) != NID_sha256) {
    return 1;
  }
  // OpenSSL copies the identity as soon as this returns; until then it lives here.
  static thread_local std::string identity;
  bool failed = false;
  ask_client(ssl, nullptr, psk_max_identity_length - 1, psk_max_key_length, [&](const PskIdentity& answer) {
    static constexpr unsigned char kAes128GcmSha256[] = {0x13, 0x01};
    const SSL_CIPHER* cipher = ::SSL_CIPHER_find(ssl, kAes128GcmSha256);
    const SSL_SESSION* current = ::SSL_get0_session(ssl);
    unsigned int sid_ctx_length = 0;
    const unsigned char* sid_ctx =
        current != nullptr ? ::SSL_SESSION_get0_id_context(current, &sid_ctx_length) : nullptr;
    detail::unique_handle<SSL_SESSION> session(::SSL_SESSION_new());
    const auto* key = reinterpret_cast<const unsigned char*>(answer.key.data());
    if (cipher == nullptr || !session || ::SSL_SESSION_set1_master_key(session.get(), key, answer.key.size()) != 1 ||
        ::SSL_SESSION_set_cipher(session.get(), cipher) != 1 ||
        ::SSL_SESSION_set_protocol_version(session.get(), TLS1_3_VERSION) != 1 ||
        (sid_ctx != nullptr && ::SSL_SESSION_set1_id_context(session.get(), sid_ctx, sid_ctx_length) != 1)) {
      failed = true;  // out of memory, or no SHA-256 suite: OpenSSL's queue says which
      return;
    }
    mark_key_session(session.get());
    identity = answer.identity;
    *id = reinterpret_cast<const unsigned char*>(identity.data());
    *idlen = identity.size();
    *sess = session.release();  // OpenSSL takes this reference
  });
  return failed ? 0 : 1;
}

// psk_server_trampoline runs on a server given the identity a client sent
// (in its TLS 1.2 ClientKeyExchange or TLS 1.3 ClientHello). Returns the
// key's length, 0 for an unknown identity: TLS 1.2 then fails with
// unknown_psk_identity, TLS 1.3 goes on with the certificate, if any.
unsigned int psk_server_trampoline(SSL* ssl, const char* identity, unsigned char* psk,
                                   unsigned int max_psk_len) noexcept {
  detail::engine* conn = connection_of(ssl);
  const std::shared_ptr<const detail::handshake_hooks> hooks = hooks_of(ssl);
  if (conn == nullptr || !hooks || !hooks->psk_server || identity == nullptr) {
    return 0;
  }
  conn->psk_key_given = false;
  // TLS 1.3 uses the key with SHA-256 only: for a suite of another hash,
  // OpenSSL would drop the key and go on to the client's next identity (a
  // ticket, perhaps), and a key given here would wrongly mark that
  // resumption as one on the key. The callback is still asked (it sees
  // the identity), but no key is given: the handshake ends the same way.
  bool usable = true;
  if (::SSL_version(ssl) == TLS1_3_VERSION) {
    const SSL_CIPHER* suite = ::SSL_get_pending_cipher(ssl);
    const EVP_MD* md = suite != nullptr ? ::SSL_CIPHER_get_handshake_digest(suite) : nullptr;
    usable = md != nullptr && ::EVP_MD_is_a(md, "SHA256") == 1;
  }
  unsigned int key_length = 0;
  guarded(*conn, [&] {
    const std::optional<SecureBytes> key = hooks->psk_server(*conn->owner, identity);
    if (!key) {
      return;
    }
    check_key(*key, std::min<std::size_t>(psk_max_key_length, max_psk_len),
              "return nullopt for an identity without a key");
    std::memcpy(psk, key->data(), key->size());
    key_length = static_cast<unsigned int>(key->size());
  });
  if (!usable) {
    ::OPENSSL_cleanse(psk, key_length);
    return 0;
  }
  conn->psk_key_given = key_length > 0;
  return key_length;
}

}  // namespace

bool detail::is_key_session(const SSL_SESSION* session) noexcept {
  return session != nullptr && key_session_index() >= 0 &&
         ::SSL_SESSION_get_ex_data(session, key_session_index()) != nullptr;
}

void Context::set_psk_client_callback(PskClientCallback callback) {
  if (state().protocol == PROTOCOL_TLS_SERVER) {
    detail::throw_value_error(
        "Cannot add PSK client callback to a PROTOCOL_TLS_SERVER context: set it on the client's context");
  }
  const bool any = static_cast<bool>(callback);
  state().change_hooks([&](detail::handshake_hooks& h) { h.psk_client = std::move(callback); });
  // No hook without a callback: OpenSSL offers no PSK suite to a server
  // unless a client hook is set. A connection copies the hook when it is
  // made; the callback it reaches is read when the handshake asks.
  ::SSL_CTX_set_psk_client_callback(state().ctx.get(), any ? &psk_client_trampoline : nullptr);
  ::SSL_CTX_set_psk_use_session_callback(state().ctx.get(), any ? &psk_use_session_trampoline : nullptr);
}

void Context::set_psk_server_callback(PskServerCallback callback, std::optional<std::string_view> identity_hint) {
  if (state().protocol == PROTOCOL_TLS_CLIENT) {
    detail::throw_value_error(
        "Cannot add PSK server callback to a PROTOCOL_TLS_CLIENT context: set it on the server's context");
  }
  if (identity_hint) {
    check_identity("PSK identity hint", *identity_hint, psk_max_identity_length);
  }
  const std::string hint(identity_hint.value_or(std::string_view{}));  // NUL-terminated for OpenSSL
  detail::clear_stale_errors();
  // nullptr clears a hint set before: the hint given is the hint sent.
  detail::check(::SSL_CTX_use_psk_identity_hint(state().ctx.get(), identity_hint ? hint.c_str() : nullptr),
                "SSL_CTX_use_psk_identity_hint");
  const bool any = static_cast<bool>(callback);
  state().change_hooks([&](detail::handshake_hooks& h) { h.psk_server = std::move(callback); });
  ::SSL_CTX_set_psk_server_callback(state().ctx.get(), any ? &psk_server_trampoline : nullptr);
}

}  // namespace sslpp
