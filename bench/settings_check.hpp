// The start-up check every benchmark makes: the sslpp and raw OpenSSL
// sides are configured alike, and a handshake on each agrees on the same
// things, so a ratio compares the API and nothing else.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace sslpp_bench {

// cipher_names lists a context's enabled ciphers in order.
inline std::vector<std::string> cipher_names(SSL_CTX* ctx) {
  std::vector<std::string> names;
  const STACK_OF(SSL_CIPHER)* ciphers = ::SSL_CTX_get_ciphers(ctx);
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    names.emplace_back(::SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)));
  }
  return names;
}

// check_same_context throws unless `a` and `b` agree on everything that
// shapes the protocol (buffer modes may differ: they change memory use only).
inline void check_same_context(SSL_CTX* a, SSL_CTX* b, const char* which) {
  constexpr long kBufferModes = SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
  const auto same = [which](bool equal, const char* what) {
    if (!equal) {
      throw std::runtime_error(std::string("the sslpp and raw ") + which + " contexts differ in " + what);
    }
  };
  same(::SSL_CTX_get_options(a) == ::SSL_CTX_get_options(b), "options");
  same(SSL_CTX_get_min_proto_version(a) == SSL_CTX_get_min_proto_version(b), "minimum version");
  same(SSL_CTX_get_max_proto_version(a) == SSL_CTX_get_max_proto_version(b), "maximum version");
  same(::SSL_CTX_get_verify_mode(a) == ::SSL_CTX_get_verify_mode(b), "verify mode");
  same(::SSL_CTX_get_security_level(a) == ::SSL_CTX_get_security_level(b), "security level");
  same((SSL_CTX_get_mode(a) & ~kBufferModes) == (SSL_CTX_get_mode(b) & ~kBufferModes), "mode");
  same(SSL_CTX_get_session_cache_mode(a) == SSL_CTX_get_session_cache_mode(b), "session cache mode");
  same(::SSL_CTX_get_num_tickets(a) == ::SSL_CTX_get_num_tickets(b), "number of tickets");
  same(::X509_VERIFY_PARAM_get_hostflags(::SSL_CTX_get0_param(a)) ==
           ::X509_VERIFY_PARAM_get_hostflags(::SSL_CTX_get0_param(b)),
       "hostname check flags");
  same(cipher_names(a) == cipher_names(b), "cipher suites");
}

// negotiated describes what one handshake agreed, e.g. "TLSv1.3
// TLS_AES_256_GCM_SHA384 X25519 verified".
inline std::string negotiated(SSL* ssl) {
  std::string out = ::SSL_get_version(ssl);
  out += ' ';
  out += ::SSL_CIPHER_get_name(::SSL_get_current_cipher(ssl));
  out += ' ';
  const char* group = ::OBJ_nid2sn(SSL_get_negotiated_group(ssl));
  out += group != nullptr ? group : "?";
  out += ::SSL_get_verify_result(ssl) == X509_V_OK ? " verified" : " NOT-VERIFIED";
  return out;
}

// check_sides fails the run unless the sslpp and raw sides are configured
// alike and a handshake on each (`probe`, which returns negotiated())
// agrees; returns what they negotiated.
template <typename SslppSide, typename RawSide, typename Probe>
std::string check_sides(const SslppSide& sslpp, const RawSide& raw, Probe&& probe) {
  check_same_context(sslpp.client_native(), raw.client_native(), "client");
  check_same_context(sslpp.server_native(), raw.server_native(), "server");
  const std::string a = probe(sslpp);
  const std::string b = probe(raw);
  if (a != b) {
    throw std::runtime_error("sslpp negotiated " + a + " but raw OpenSSL " + b);
  }
  return a;
}

}  // namespace sslpp_bench
