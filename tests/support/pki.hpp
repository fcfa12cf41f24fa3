// Test PKI: certificates generated when the tests run, in memory and as PEM
// files for the independent peers (openssl, python3) to read.
#pragma once

#include <filesystem>
#include <string>

#include <sslpp/certificate_authority.hpp>
#include <sslpp/context.hpp>

namespace sslpp::test {

// A credential written out: cert.pem, key.pem and both concatenated.
struct CredentialFiles {
  Credential credential;
  std::filesystem::path cert;
  std::filesystem::path key;
  std::filesystem::path chain;  // cert followed by key, for peers that want one file
};

// Pki is made once per test process (make_pki is slow for RSA) and shared.
struct Pki {
  std::filesystem::path dir;                // a fresh temporary directory
  CertificateAuthority ca;                  // the trusted root
  std::filesystem::path ca_file;            // its certificate as PEM
  CertificateAuthority other_ca;            // a root nobody trusts
  CredentialFiles server;                   // localhost, 127.0.0.1, ::1 (EC P-256)
  CredentialFiles server_rsa;               // the same names with an RSA-2048 key
  CredentialFiles expired;                  // localhost, expired yesterday
  CredentialFiles not_yet_valid;            // localhost, valid from tomorrow
  CredentialFiles wrong_name;               // only wrong.example
  CredentialFiles untrusted;                // localhost, issued by other_ca
  CredentialFiles client;                   // a client certificate "client"
  std::filesystem::path encrypted_key;      // server's key encrypted with "secret"
  std::string key_password = "secret";
};

// pki returns the shared test PKI.
const Pki& pki();

// write_credential writes `c` under pki().dir as NAME-cert.pem etc.
CredentialFiles write_credential(const std::filesystem::path& dir, const std::string& name, Credential c);

// write_text writes `text` to `path`.
void write_text(const std::filesystem::path& path, const std::string& text);

// path is `p` as text, for a peer's command line.
inline std::string path(const std::filesystem::path& p) { return p.string(); }

// client_context trusts the test CA, checks hostnames (PROTOCOL_TLS_CLIENT).
Context client_context();
// server_context serves `creds` (default: pki().server).
Context server_context(const CredentialFiles* creds = nullptr);
// dtls_client_context / dtls_server_context are the DTLS counterparts:
// DTLS_CLIENT_METHOD trusting the test CA, DTLS_SERVER_METHOD serving
// `creds` (pki().server by default).
Context dtls_client_context();
Context dtls_server_context(const CredentialFiles* creds = nullptr);

// request_client_certs_later makes a server of `server_ctx` verify client
// certificates (against the test CA) but ask for them only after the
// handshake.
void request_client_certs_later(Context& server_ctx);

}  // namespace sslpp::test
