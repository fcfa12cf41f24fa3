// The harness PKI: the same keys and certificates in every run. Built once
// per process from the setup stream rewound, with fixed validity dates
// around pinned_time (sslpp::CertificateAuthority dates certificates
// relative to now, so it cannot be used here).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <sslpp/certificate.hpp>
#include <sslpp/keys.hpp>

namespace sslpp_fuzz {

struct credential {
  sslpp::Certificate certificate;
  sslpp::PrivateKey key;
};

struct test_pki {
  credential root;          // self-signed CA, the clients' and servers' trust anchor
  credential server;        // "localhost", DNS:localhost, DNS:*.example.test, IP:127.0.0.1
  credential other_server;  // "other.example.test": what the SNI callback switches to
  credential client;        // a client certificate (clientAuth)
  credential revoked;       // a server certificate the CRL revokes
  std::string crl_pem;      // the root's CRL, revoking `revoked`
  std::string server_key_encrypted;  // server.key as AES-256-CBC PEM under `password`
  std::vector<std::byte> server_ocsp;  // a DER OCSP response: `server` is good, signed by the root
};

/// password opens test_pki::server_key_encrypted.
inline constexpr const char* password = "fuzz-password";

/// the_pki is the process's PKI, built on first use. It rewinds the random
/// streams (reset()) to build it, so call it before resetting for an input.
const test_pki& the_pki();

}  // namespace sslpp_fuzz
