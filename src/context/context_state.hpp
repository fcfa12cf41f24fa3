// The state behind a Context handle: the SSL_CTX and the C++ callables and
// settings OpenSSL cannot hold for us.
#pragma once

#include <any>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include <sslpp/context.hpp>

#include "internal/handle.hpp"

namespace sslpp::detail {

// handshake_hooks are what a handshake calls: the user's callbacks and the
// ALPN list. A Context never changes a set it has published: a setter
// publishes a changed copy, and each trampoline holds the set it loaded
// until it returns. So a callback may replace itself, or any other, while
// it runs, and another thread's handshake never sees a half-made change.
struct handshake_hooks {
  VerifyCallback verify;
  InfoCallback info;
  // One OpenSSL hook serves both: pyOpenSSL's and Python's form.
  ServernameCallback servername;
  SNICallback sni;
  AlpnSelectCallback alpn_select;
  // ALPN protocols in wire format (length-prefixed), our order of preference.
  std::vector<unsigned char> alpn_wire;
  KeylogCallback keylog;
  // Pre-shared keys (psk.hpp).
  PskClientCallback psk_client;
  PskServerCallback psk_server;
  // OCSP stapling (ocsp.hpp): a server staples from the callback or, when
  // there is none, the static response; a client hands what it got to
  // ocsp_client.
  OcspServerCallback ocsp_server;
  std::shared_ptr<const std::vector<std::byte>> ocsp_response;
  OcspClientCallback ocsp_client;
  // DTLS cookies (dtls.hpp): empty means the default, dtls_cookie_keys.
  CookieGenerateCallback cookie_generate;
  CookieVerifyCallback cookie_verify;
};

// dtls_cookie_keys are the secrets of a DTLS context's default cookie
// (context_dtls.cpp), one per minute of the steady clock: the current
// minute's and the one before, so a cookie made just before the minute
// turned still verifies, and none verifies after two.
struct dtls_cookie_keys {
  std::mutex mutex;
  unsigned char current[32] = {};
  unsigned char previous[32] = {};
  std::int64_t epoch = -1;  // the minute `current` belongs to; -1: none made yet
};

struct context_state {
  unique_handle<SSL_CTX> ctx;
  // Tells contexts apart for the life of the process (unlike addresses,
  // which are reused): a client session remembers which context made it.
  const std::uint64_t serial = next_serial();
  Protocol protocol = PROTOCOL_TLS_CLIENT;
  bool check_hostname = false;
  bool post_handshake_auth = false;
  OcspCheck ocsp_check = OcspCheck::off;
  bool alpn_no_overlap_alert = false;
  bool dh_auto = false;  // OpenSSL has no getter
  // adaptive or keep; release_per_record is OpenSSL's own mode bit, which
  // set_mode may also set, so buffer_policy() reads that first.
  BufferPolicy buffer_policy = BufferPolicy::adaptive;
  PasswordCallback password_callback;
  std::any password_userdata;

  std::filesystem::path keylog_path;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> keylog_file{nullptr, &std::fclose};
  std::mutex keylog_mutex;  // OpenSSL may log from several threads at once

  std::any app_data;

  // The default DTLS cookie's secrets; null on a TLS context.
  std::unique_ptr<dtls_cookie_keys> cookie_keys;

  // hooks is the published set; the shared_ptr keeps it alive for whoever
  // loaded it.
  [[nodiscard]] std::shared_ptr<const handshake_hooks> hooks() const {
    const std::lock_guard lock(hooks_mutex_);
    return hooks_;
  }
  // change_hooks publishes a copy of the current set changed by `edit`.
  // Setters on several threads at once each see the other's change.
  template <typename Edit>
  void change_hooks(Edit&& edit) {
    const std::lock_guard writing(writer_mutex_);
    auto next = std::make_shared<handshake_hooks>(*hooks());
    edit(*next);
    const std::lock_guard lock(hooks_mutex_);
    hooks_ = std::move(next);
  }

  // from finds the state of an SSL_CTX made by sslpp (nullptr otherwise),
  // through a private ex_data index: never through app data, which users can
  // reach with native_handle().
  static context_state* from(const SSL_CTX* ctx) noexcept;
  static std::uint64_t next_serial() noexcept {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
  }
  static int ex_index() noexcept;

 private:
  std::mutex writer_mutex_;       // one change at a time
  mutable std::mutex hooks_mutex_;  // guards the pointer only: loads stay short
  std::shared_ptr<const handshake_hooks> hooks_ = std::make_shared<const handshake_hooks>();
};

// alpn_wire_format turns ALPN protocol names into the wire format
// (each prefixed by its length). Throws ValueError for an empty name or one
// over 255 bytes.
std::vector<unsigned char> alpn_wire_format(const std::vector<std::string>& protocols);

// The trampolines OpenSSL calls, which hand over to the C++ callbacks
// (context_callbacks.cpp). Each catches what the callback throws and keeps
// it on the connection for the caller of the I/O call.
int verify_trampoline(int ok, X509_STORE_CTX* store) noexcept;
int alpn_select_trampoline(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                           unsigned int inlen, void* arg) noexcept;
int servername_trampoline(SSL* ssl, int* alert, void* arg) noexcept;
void keylog_trampoline(const SSL* ssl, const char* line) noexcept;

// install_default_cookie gives a new DTLS context its cookie secrets, the
// cookie exchange and the cookie trampolines (context_dtls.cpp).
void install_default_cookie(context_state& state);

// is_key_session is true for a client's TLS 1.3 session made from an
// external pre-shared key (context_psk.cpp marks each one it builds), and
// for the sessions of the tickets issued on it, which keep the mark: a
// server authenticated such a session by the key, not by a certificate.
bool is_key_session(const SSL_SESSION* session) noexcept;

}  // namespace sslpp::detail
