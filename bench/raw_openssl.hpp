// The raw OpenSSL side of every benchmark: contexts configured exactly as
// sslpp configures its own (check_same_context in settings_check.hpp proves
// it at start-up), written as a careful C programmer would.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sslpp/certificate_authority.hpp>

namespace sslpp_bench {

// openssl_failure describes what OpenSSL's error queue says and empties it.
inline std::string openssl_failure(const std::string& what) {
  std::string message = what;
  while (const unsigned long err = ::ERR_get_error()) {
    std::array<char, 256> text{};
    ::ERR_error_string_n(err, text.data(), text.size());
    message += ": ";
    message += text.data();
  }
  return message;
}

// require throws with OpenSSL's words unless `ok`.
inline void require(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(openssl_failure(what));
  }
}

struct FreeCtx {
  void operator()(SSL_CTX* p) const noexcept { ::SSL_CTX_free(p); }
};
struct FreeSsl {
  void operator()(SSL* p) const noexcept { ::SSL_free(p); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, FreeCtx>;
using SslPtr = std::unique_ptr<SSL, FreeSsl>;

// What sslpp's Context (like Python's SSLContext) sets beyond OpenSSL's
// defaults; the raw side repeats each one.
inline constexpr const char* kCipherList =
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM";
inline constexpr unsigned char kSessionIdContext[] = "sslpp";
// Python's OP_ALL keeps the empty-fragment CBC countermeasure (TLS 1.0 only).
inline constexpr std::uint64_t kOptions = (SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS) | SSL_OP_NO_SSLv3 |
                                          SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                          SSL_OP_ENABLE_MIDDLEBOX_COMPAT;

enum class RawMode {
  keep_buffers,     // OpenSSL's default mode: record buffers stay allocated
  release_buffers,  // SSL_MODE_RELEASE_BUFFERS (sslpp's default): idle connections free them
};

// make_raw_context is SSL_CTX_new plus sslpp's settings.
inline CtxPtr make_raw_context(const SSL_METHOD* method, RawMode mode) {
  CtxPtr ctx(::SSL_CTX_new(method));
  require(ctx != nullptr, "SSL_CTX_new");
  SSL_CTX* c = ctx.get();
  ::SSL_CTX_set_options(c, kOptions);
  if (mode == RawMode::release_buffers) {
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  }
  require(SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) == 1, "SSL_CTX_set_min_proto_version");
  require(::SSL_CTX_set_cipher_list(c, kCipherList) == 1, "SSL_CTX_set_cipher_list");
  require(::SSL_CTX_set_session_id_context(c, kSessionIdContext, sizeof kSessionIdContext - 1) == 1,
          "SSL_CTX_set_session_id_context");
  // No partial wildcards ("f*.example.com"), as Python and sslpp, and no
  // commonName fallback, as sslpp (settings_check.hpp compares the flags).
  ::X509_VERIFY_PARAM_set_hostflags(::SSL_CTX_get0_param(c),
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  return ctx;
}

// RawContexts is a client context that trusts the CA and verifies the
// peer, and a server context that serves one credential.
struct RawContexts {
  CtxPtr client;
  CtxPtr server;
};

inline RawContexts make_raw_contexts(RawMode mode, const sslpp::Certificate& ca,
                                     const sslpp::Credential& server_credential) {
  RawContexts r{make_raw_context(::TLS_client_method(), mode), make_raw_context(::TLS_server_method(), mode)};
  require(::X509_STORE_add_cert(::SSL_CTX_get_cert_store(r.client.get()), ca.native_handle()) == 1,
          "X509_STORE_add_cert");
  ::SSL_CTX_set_verify(r.client.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  require(::SSL_CTX_use_certificate(r.server.get(), server_credential.certificate.native_handle()) == 1,
          "SSL_CTX_use_certificate");
  require(::SSL_CTX_use_PrivateKey(r.server.get(), server_credential.key.native_handle()) == 1,
          "SSL_CTX_use_PrivateKey");
  require(::SSL_CTX_check_private_key(r.server.get()) == 1, "SSL_CTX_check_private_key");
  return r;
}

}  // namespace sslpp_bench
