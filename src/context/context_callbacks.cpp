// The Context's callbacks: the C++ callables users set, and the trampolines
// through which OpenSSL reaches them. An exception never crosses OpenSSL's C
// frames: each trampoline keeps it on the connection, fails the step it was
// asked about, and the connection's I/O call rethrows it to its caller.
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include <utility>

#include <openssl/ssl.h>

#include "context/callback_guard.hpp"
#include "context/context_state.hpp"
#include "engine/engine.hpp"

namespace sslpp {

namespace {

using connection_state = detail::engine;
using detail::connection_of;
using detail::context_state;
using detail::guarded;

// same_host compares two optional DNS names without regard to case.
bool same_host(const char* a, const char* b) noexcept {
  if (a == nullptr || b == nullptr) {
    return a == b;
  }
  return ::OPENSSL_strcasecmp(a, b) == 0;
}

void info_trampoline(const SSL* ssl, int where, int ret) noexcept {
  const context_state* ctx = context_state::from(::SSL_get_SSL_CTX(ssl));
  connection_state* conn = connection_of(ssl);
  if (ctx == nullptr || conn == nullptr) {
    return;
  }
  const std::shared_ptr<const detail::handshake_hooks> hooks = ctx->hooks();  // held: the callback may replace it
  if (hooks->info) {
    guarded(*conn, [&] { hooks->info(*conn->owner, static_cast<InfoWhere>(where), ret); });
  }
}

// alpn_names calls `f(name)` for each name of a wire-format ALPN list (each
// prefixed by its length), stopping early when `f` returns true. Returns
// whether it did.
template <typename F>
bool alpn_names(const unsigned char* in, unsigned int inlen, F&& f) {
  for (unsigned int i = 0; i < inlen;) {
    const unsigned int len = in[i];
    if (len == 0 || i + 1 + len > inlen) {
      return false;  // OpenSSL validated the list; stop rather than overrun regardless
    }
    if (f(std::string_view(reinterpret_cast<const char*>(in + i + 1), len))) {
      return true;
    }
    i += 1 + len;
  }
  return false;
}

// point_into_offer sets `*out` to `name` as it stands in the client's list
// `in` (which outlives the ALPN callback: OpenSSL copies the selection
// before freeing it); false when the client did not offer it.
bool point_into_offer(std::string_view name, const unsigned char* in, unsigned int inlen, const unsigned char** out,
                      unsigned char* outlen) noexcept {
  return alpn_names(in, inlen, [&](std::string_view offered) {
    if (offered != name) {
      return false;
    }
    *out = reinterpret_cast<const unsigned char*>(offered.data());
    *outlen = static_cast<unsigned char>(offered.size());
    return true;
  });
}

// note_failure keeps the facts of a refused certificate for the error's
// explanation (verify_explain.hpp). Only under a verifying mode: with
// VERIFY_NONE OpenSSL still asks, but nothing fails, so nothing is kept and
// nothing is allocated.
void note_failure(SSL* ssl, connection_state* conn, X509_STORE_CTX* store, bool preverify_ok,
                  bool callback_refused) noexcept {
  if (conn == nullptr || ssl == nullptr || ::SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE) {
    return;
  }
  conn->failed_verify = detail::capture_failure(store, preverify_ok, callback_refused);
}

}  // namespace

namespace detail {

int verify_trampoline(int ok, X509_STORE_CTX* store) noexcept {
  auto* ssl = static_cast<SSL*>(::X509_STORE_CTX_get_ex_data(store, ::SSL_get_ex_data_X509_STORE_CTX_idx()));
  connection_state* conn = connection_of(ssl);
  const context_state* ctx = conn != nullptr ? &conn->verify_context()
                             : ssl != nullptr ? context_state::from(::SSL_get_SSL_CTX(ssl))
                                              : nullptr;
  if (ctx == nullptr) {
    return ok;
  }
  const std::shared_ptr<const detail::handshake_hooks> hooks = ctx->hooks();  // held: the callback may replace it
  // The connection's own callback (Connection::set_verify), else the context's.
  const bool own = conn != nullptr && conn->own_verify_mode.has_value();
  const VerifyCallback& callback = own ? conn->own_verify_callback : hooks->verify;
  if (!callback) {
    if (ok == 0) {
      note_failure(ssl, conn, store, false, false);
    }
    return ok;
  }
  X509* current = ::X509_STORE_CTX_get_current_cert(store);
  if (conn == nullptr) {
    return 0;  // a callback is set but cannot be asked: fail closed
  }
  if (current == nullptr) {
    return ok;  // a call about no certificate (a policy notice): OpenSSL's verdict stands
  }
  const int err = ::X509_STORE_CTX_get_error(store);
  // With check_hostname on, a name mismatch stays fatal whatever the callback
  // says: hostname checking cannot be undone by a permissive callback.
  const bool name_mismatch =
      conn->check_hostname && (err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH);
  bool accept = false;
  if (!guarded(*conn, [&] {
        const Certificate cert = Certificate::from_native(current);
        accept = callback(*conn->owner, cert, err, ::X509_STORE_CTX_get_error_depth(store), ok != 0);
      })) {
    ::X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  if (accept && !name_mismatch) {
    // As pyOpenSSL does: an accepted certificate leaves no error behind.
    ::X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
  }
  if (::X509_STORE_CTX_get_error(store) == X509_V_OK) {
    ::X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  }
  // A name mismatch the callback accepted is still refused (above): then
  // the callback did not refuse it, sslpp did.
  note_failure(ssl, conn, store, ok != 0, !accept);
  return 0;
}

// servername_trampoline runs on the server when the ClientHello has been
// read. `arg` is the state of the context the hook was set on (which may no
// longer be the connection's after a set_context). It is installed on every
// context, callbacks or not: only a hook that answers OK makes OpenSSL keep
// the client's server name in the session, which is what a resumed TLS 1.2
// session reports as get_servername(), and what the check below compares.
int servername_trampoline(SSL* ssl, int* alert, void* arg) noexcept {
  // OpenSSL also calls the hook on a client reading the server's answer;
  // switching a client's context there would swap its trust mid-handshake.
  if (::SSL_is_server(ssl) != 1) {
    return SSL_TLSEXT_ERR_OK;
  }
  const auto* ctx = static_cast<const context_state*>(arg);
  connection_state* conn = connection_of(ssl);
  if (ctx == nullptr || conn == nullptr) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  const char* name = ::SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  // OpenSSL decides on resumption before this hook runs, and TLS 1.3 does
  // not bind a session to its server name: refuse a session made for
  // another virtual host rather than let it (and a client certificate
  // verified for that host) carry over.
  // A TLS 1.3 handshake on an external PSK counts as resumed too, of a
  // session made from the key, which has no name to compare. Give it the
  // client's, so that the tickets issued on it carry the name like any
  // other session's. The mark is taken (and cleared) here, and only on TLS
  // 1.3, whose PSK callback runs before this hook: a TLS 1.2 key, given
  // later in the handshake, must not excuse the next (renegotiated) one.
  const bool on_key = std::exchange(conn->psk_key_given, false) && ::SSL_version(ssl) == TLS1_3_VERSION;
  if (::SSL_session_reused(ssl) == 1 && on_key) {
    if (name != nullptr && ::SSL_SESSION_set1_hostname(::SSL_get_session(ssl), name) != 1) {
      *alert = SSL_AD_INTERNAL_ERROR;
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
  } else if (::SSL_session_reused(ssl) == 1 &&
             !same_host(::SSL_SESSION_get0_hostname(::SSL_get0_session(ssl)), name)) {
    *alert = SSL_AD_HANDSHAKE_FAILURE;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  std::optional<AlertDescription> refusal;
  const bool ok = guarded(*conn, [&] {
    const std::shared_ptr<const detail::handshake_hooks> hooks = ctx->hooks();
    if (hooks->servername) {
      hooks->servername(*conn->owner);
    } else if (hooks->sni) {
      const std::optional<std::string_view> server_name =
          name != nullptr ? std::optional<std::string_view>(name) : std::nullopt;
      refusal = hooks->sni(*conn->owner, server_name, conn->owner->get_context());
    }
  });
  if (!ok) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  if (refusal) {
    *alert = to_underlying(*refusal);
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

void keylog_trampoline(const SSL* ssl, const char* line) noexcept {
  context_state* state = context_state::from(::SSL_get_SSL_CTX(ssl));
  if (state == nullptr) {
    return;
  }
  {
    const std::lock_guard lock(state->keylog_mutex);
    if (std::FILE* f = state->keylog_file.get()) {
      std::fputs(line, f);
      std::fputc('\n', f);
      std::fflush(f);
    }
  }
  const std::shared_ptr<const detail::handshake_hooks> hooks = state->hooks();
  connection_state* conn = connection_of(ssl);
  if (hooks->keylog && conn != nullptr) {
    // OpenSSL cannot fail a key log line: a throwing callback fails the
    // connection's I/O call once OpenSSL returns.
    guarded(*conn, [&] { hooks->keylog(*conn->owner, line); });
  }
}

int alpn_select_trampoline(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                           unsigned int inlen, void* arg) noexcept {
  const auto* ctx = static_cast<const context_state*>(arg);
  const std::shared_ptr<const detail::handshake_hooks> hooks = ctx->hooks();
  connection_state* conn = connection_of(ssl);
  // No protocol in common: go on without ALPN (Python's way), or end the
  // handshake with no_application_protocol as RFC 7301 asks.
  const int no_overlap = ctx->alpn_no_overlap_alert ? SSL_TLSEXT_ERR_ALERT_FATAL : SSL_TLSEXT_ERR_NOACK;
  if (hooks->alpn_select) {
    if (conn == nullptr) {
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    std::optional<std::string> choice;
    if (!guarded(*conn, [&] {
          std::vector<std::string> offered;
          alpn_names(in, inlen, [&offered](std::string_view name) {
            offered.emplace_back(name);
            return false;
          });
          choice = hooks->alpn_select(*conn->owner, offered);
        })) {
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (!choice) {
      return no_overlap;
    }
    return point_into_offer(*choice, in, inlen, out, outlen) ? SSL_TLSEXT_ERR_OK
                                                              : SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol
  }
  // The connection's own list (Connection::set_alpn_protocols), else the context's.
  const std::vector<unsigned char>& ours = conn != nullptr && conn->own_alpn_wire ? *conn->own_alpn_wire : hooks->alpn_wire;
  if (ours.empty()) {
    return SSL_TLSEXT_ERR_NOACK;  // a server without ALPN: nothing to disagree about
  }
  unsigned char* selected = nullptr;
  unsigned char selected_len = 0;
  // Our list first: the server's preference decides.
  if (::SSL_select_next_proto(&selected, &selected_len, ours.data(), static_cast<unsigned int>(ours.size()), in,
                              inlen) != OPENSSL_NPN_NEGOTIATED) {
    return no_overlap;
  }
  // `selected` points into our list, which another thread may replace as
  // soon as `hooks` is released; the same name in the client's list does
  // not go away before OpenSSL copies it.
  const std::string_view name(reinterpret_cast<const char*>(selected), selected_len);
  return point_into_offer(name, in, inlen, out, outlen) ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

}  // namespace detail

void Context::set_info_callback(InfoCallback callback) {
  const bool any = static_cast<bool>(callback);
  state().change_hooks([&](detail::handshake_hooks& h) { h.info = std::move(callback); });
  // No hook at all when there is no callback: nothing to pay per state change.
  ::SSL_CTX_set_info_callback(state().ctx.get(), any ? &info_trampoline : nullptr);
}

void Context::set_tlsext_servername_callback(ServernameCallback callback) {
  state().change_hooks([&](detail::handshake_hooks& h) {
    h.servername = std::move(callback);
    h.sni = nullptr;
  });
}

void Context::set_sni_callback(SNICallback callback) {
  state().change_hooks([&](detail::handshake_hooks& h) {
    h.sni = std::move(callback);
    h.servername = nullptr;
  });
}

void Context::set_alpn_select_callback(AlpnSelectCallback callback) {
  state().change_hooks([&](detail::handshake_hooks& h) { h.alpn_select = std::move(callback); });
}

}  // namespace sslpp
