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

#include "handle.hpp"

namespace sslpp::detail {

struct context_state {
  unique_handle<SSL_CTX> ctx;
  // Tells contexts apart for the life of the process (unlike addresses,
  // which are reused): a client session remembers which context made it.
  const std::uint64_t serial = next_serial();
  Protocol protocol = PROTOCOL_TLS;
  bool check_hostname = false;

  VerifyCallback verify_callback;
  InfoCallback info_callback;
  // One OpenSSL hook serves both: pyOpenSSL's and Python's form.
  ServernameCallback servername_callback;
  SNICallback sni_callback;
  AlpnSelectCallback alpn_select_callback;
  bool post_handshake_auth = false;
  PasswordCallback password_callback;
  std::any password_userdata;

  // ALPN protocols in wire format (length-prefixed), our order of preference.
  std::vector<unsigned char> alpn_wire;

  std::filesystem::path keylog_path;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> keylog_file{nullptr, &std::fclose};
  std::mutex keylog_mutex;  // OpenSSL may log from several threads at once

  std::any app_data;

  // from finds the state of an SSL_CTX made by sslpp (nullptr otherwise),
  // through a private ex_data index: never through app data, which users can
  // reach with native_handle().
  static context_state* from(const SSL_CTX* ctx) noexcept;
  static std::uint64_t next_serial() noexcept {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
  }
  static int ex_index() noexcept;
};

// The trampolines OpenSSL calls, which hand over to the C++ callbacks
// (context_callbacks.cpp). Each catches what the callback throws and keeps
// it on the connection for the caller of the I/O call.
int verify_trampoline(int ok, X509_STORE_CTX* store) noexcept;
int alpn_select_trampoline(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                           unsigned int inlen, void* arg) noexcept;

}  // namespace sslpp::detail
