#include <sslpp/constants.hpp>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace sslpp {

// The public header spells OpenSSL's values as numbers so that it need not
// include <openssl/ssl.h>; these checks keep the two in step.
static_assert(to_underlying(OP_ALL) == (SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS));
static_assert(to_underlying(Options::OP_NO_SSLv3) == SSL_OP_NO_SSLv3);
static_assert(to_underlying(Options::OP_NO_TLSv1) == SSL_OP_NO_TLSv1);
static_assert(to_underlying(Options::OP_NO_TLSv1_1) == SSL_OP_NO_TLSv1_1);
static_assert(to_underlying(Options::OP_NO_TLSv1_2) == SSL_OP_NO_TLSv1_2);
static_assert(to_underlying(Options::OP_NO_TLSv1_3) == SSL_OP_NO_TLSv1_3);
static_assert(to_underlying(OP_NO_RENEGOTIATION) == SSL_OP_NO_RENEGOTIATION);
static_assert(to_underlying(OP_CIPHER_SERVER_PREFERENCE) == SSL_OP_CIPHER_SERVER_PREFERENCE);
static_assert(to_underlying(OP_NO_COMPRESSION) == SSL_OP_NO_COMPRESSION);
static_assert(to_underlying(OP_NO_TICKET) == SSL_OP_NO_TICKET);
static_assert(to_underlying(OP_NO_QUERY_MTU) == SSL_OP_NO_QUERY_MTU);
static_assert(to_underlying(OP_COOKIE_EXCHANGE) == SSL_OP_COOKIE_EXCHANGE);
static_assert(to_underlying(OP_SINGLE_DH_USE) == SSL_OP_SINGLE_DH_USE);
static_assert(to_underlying(OP_SINGLE_ECDH_USE) == SSL_OP_SINGLE_ECDH_USE);
static_assert(to_underlying(OP_EPHEMERAL_RSA) == SSL_OP_EPHEMERAL_RSA);
static_assert(to_underlying(Options::OP_NO_SSLv2) == SSL_OP_NO_SSLv2);
static_assert(to_underlying(OP_ENABLE_MIDDLEBOX_COMPAT) == SSL_OP_ENABLE_MIDDLEBOX_COMPAT);
static_assert(to_underlying(OP_IGNORE_UNEXPECTED_EOF) == SSL_OP_IGNORE_UNEXPECTED_EOF);
static_assert(to_underlying(OP_ENABLE_KTLS) == SSL_OP_ENABLE_KTLS);
static_assert(to_underlying(OP_LEGACY_SERVER_CONNECT) == SSL_OP_LEGACY_SERVER_CONNECT);
static_assert(to_underlying(OP_ALLOW_CLIENT_RENEGOTIATION) == SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
static_assert(to_underlying(Options::OP_NO_EXTENDED_MASTER_SECRET) == SSL_OP_NO_EXTENDED_MASTER_SECRET);
static_assert(to_underlying(Options::OP_TLSEXT_PADDING) == SSL_OP_TLSEXT_PADDING);
static_assert(to_underlying(Options::OP_SAFARI_ECDHE_ECDSA_BUG) == SSL_OP_SAFARI_ECDHE_ECDSA_BUG);
static_assert(to_underlying(Options::OP_DONT_INSERT_EMPTY_FRAGMENTS) == SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS);
static_assert(to_underlying(Options::OP_CRYPTOPRO_TLSEXT_BUG) == SSL_OP_CRYPTOPRO_TLSEXT_BUG);
static_assert(to_underlying(VERIFY_NONE) == SSL_VERIFY_NONE);
static_assert(to_underlying(VERIFY_PEER) == SSL_VERIFY_PEER);
static_assert(to_underlying(VERIFY_FAIL_IF_NO_PEER_CERT) == SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
static_assert(to_underlying(VERIFY_CLIENT_ONCE) == SSL_VERIFY_CLIENT_ONCE);
static_assert(to_underlying(VERIFY_POST_HANDSHAKE) == SSL_VERIFY_POST_HANDSHAKE);
static_assert(to_underlying(VERIFY_CRL_CHECK_LEAF) == X509_V_FLAG_CRL_CHECK);
static_assert(to_underlying(VERIFY_CRL_CHECK_CHAIN) == (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL));
static_assert(to_underlying(VERIFY_X509_STRICT) == X509_V_FLAG_X509_STRICT);
static_assert(to_underlying(VERIFY_ALLOW_PROXY_CERTS) == X509_V_FLAG_ALLOW_PROXY_CERTS);
static_assert(to_underlying(VERIFY_X509_TRUSTED_FIRST) == X509_V_FLAG_TRUSTED_FIRST);
static_assert(to_underlying(VERIFY_X509_PARTIAL_CHAIN) == X509_V_FLAG_PARTIAL_CHAIN);
static_assert(to_underlying(FILETYPE_PEM) == SSL_FILETYPE_PEM);
static_assert(to_underlying(FILETYPE_ASN1) == SSL_FILETYPE_ASN1);
static_assert(to_underlying(SENT_SHUTDOWN) == SSL_SENT_SHUTDOWN);
static_assert(to_underlying(RECEIVED_SHUTDOWN) == SSL_RECEIVED_SHUTDOWN);
static_assert(to_underlying(TLSVersion::SSLv3) == SSL3_VERSION);
static_assert(to_underlying(TLSVersion::TLSv1) == TLS1_VERSION);
static_assert(to_underlying(TLSVersion::TLSv1_1) == TLS1_1_VERSION);
static_assert(to_underlying(TLSVersion::TLSv1_2) == TLS1_2_VERSION);
static_assert(to_underlying(TLSVersion::TLSv1_3) == TLS1_3_VERSION);
static_assert(to_underlying(Options::OP_NO_ANTI_REPLAY) == SSL_OP_NO_ANTI_REPLAY);
static_assert(to_underlying(SessionCacheMode::SESS_CACHE_OFF) == SSL_SESS_CACHE_OFF);
static_assert(to_underlying(SessionCacheMode::SESS_CACHE_BOTH) == SSL_SESS_CACHE_BOTH);
static_assert(to_underlying(SessionCacheMode::SESS_CACHE_NO_AUTO_CLEAR) == SSL_SESS_CACHE_NO_AUTO_CLEAR);
static_assert(to_underlying(SessionCacheMode::SESS_CACHE_NO_INTERNAL) == SSL_SESS_CACHE_NO_INTERNAL);
static_assert(to_underlying(SSLeayType::version) == OPENSSL_VERSION);
static_assert(to_underlying(SSLeayType::cflags) == OPENSSL_CFLAGS);
static_assert(to_underlying(SSLeayType::built_on) == OPENSSL_BUILT_ON);
static_assert(to_underlying(SSLeayType::platform) == OPENSSL_PLATFORM);
static_assert(to_underlying(SSLeayType::dir) == OPENSSL_DIR);

// HAS_* follow the build configuration of the OpenSSL we compile against.
const bool HAS_SNI = true;
const bool HAS_ECDH =
#ifdef OPENSSL_NO_EC
    false;
#else
    true;
#endif
const bool HAS_ALPN = true;
// As Python 3.10+: NPN (superseded by ALPN) is not offered, whatever
// OpenSSL still has.
const bool HAS_NPN = false;
const bool HAS_NEVER_CHECK_COMMON_NAME = true;
const bool HAS_SSLv2 = false;
const bool HAS_SSLv3 =
#if defined(OPENSSL_NO_SSL3) || defined(OPENSSL_NO_SSL3_METHOD)
    false;
#else
    true;
#endif
const bool HAS_TLSv1 =
#if defined(OPENSSL_NO_TLS1) || defined(OPENSSL_NO_TLS1_METHOD)
    false;
#else
    true;
#endif
const bool HAS_TLSv1_1 =
#if defined(OPENSSL_NO_TLS1_1) || defined(OPENSSL_NO_TLS1_1_METHOD)
    false;
#else
    true;
#endif
const bool HAS_TLSv1_2 =
#if defined(OPENSSL_NO_TLS1_2) || defined(OPENSSL_NO_TLS1_2_METHOD)
    false;
#else
    true;
#endif
const bool HAS_TLSv1_3 =
#ifdef OPENSSL_NO_TLS1_3
    false;
#else
    true;
#endif
const bool HAS_PSK =
#ifdef OPENSSL_NO_PSK
    false;
#else
    true;
#endif
// TLS 1.3 external PSKs go through the same callbacks (OpenSSL uses the
// TLS 1.2-style ones for TLS 1.3 too, with SHA-256).
const bool HAS_PSK_TLS13 = HAS_PSK && HAS_TLSv1_3;
const bool HAS_PHA = HAS_TLSv1_3;

std::string_view to_string(TLSVersion v) noexcept {
  switch (v) {
    case TLSVersion::MINIMUM_SUPPORTED:
      return "MINIMUM_SUPPORTED";
    case TLSVersion::MAXIMUM_SUPPORTED:
      return "MAXIMUM_SUPPORTED";
    case TLSVersion::SSLv3:
      return "SSLv3";
    case TLSVersion::TLSv1:
      return "TLSv1";
    case TLSVersion::TLSv1_1:
      return "TLSv1_1";
    case TLSVersion::TLSv1_2:
      return "TLSv1_2";
    case TLSVersion::TLSv1_3:
      return "TLSv1_3";
    case TLSVersion::DTLSv1:
      return "DTLSv1";
    case TLSVersion::DTLSv1_2:
      return "DTLSv1_2";
  }
  return "unknown";
}

std::string openssl_version() { return ::OpenSSL_version(OPENSSL_VERSION); }

unsigned long openssl_version_number() noexcept { return ::OpenSSL_version_num(); }

OpenSSLVersionInfo openssl_version_info() noexcept {
  // Python's _ssl.c decodes the number in the pre-3.0 layout
  // (0xMNNFFPPS), and so do we, so the tuple matches ssl.OPENSSL_VERSION_INFO.
  unsigned long n = openssl_version_number();
  OpenSSLVersionInfo info{};
  info.status = n & 0xF;
  n >>= 4;
  info.patch = n & 0xFF;
  n >>= 8;
  info.fix = n & 0xFF;
  n >>= 8;
  info.minor = n & 0xFF;
  n >>= 8;
  info.major = n & 0xFF;
  return info;
}

std::string ssleay_version(SSLeayType type) {
  const char* s = ::OpenSSL_version(to_underlying(type));
  return s != nullptr ? s : "";
}

}  // namespace sslpp
