/// \file
/// A throwaway certificate authority: certificates minted in memory for tests,
/// demos and `sslpp serve`. Not for production PKI.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <sslpp/certificate.hpp>
#include <sslpp/export.hpp>

namespace sslpp {

/// KeyType is the kind of key to generate.
enum class KeyType {
  /// ECDSA on P-256: small and fast, what sslpp picks by default.
  ec_p256,
  /// RSA, 2048 bits: for peers that accept nothing else.
  rsa2048,
};

/// Credential is a certificate and its private key.
struct Credential {
  /// certificate is the certificate issued.
  Certificate certificate;
  /// key is its private key.
  PrivateKey key;
};

/// CertificateRequest describes a certificate to issue.
struct CertificateRequest {
  /// The subject's commonName (may be empty).
  std::string common_name{};
  /// subjectAltName DNS entries.
  std::vector<std::string> dns_names{};
  /// subjectAltName IP entries, as text ("127.0.0.1", "::1").
  std::vector<std::string> ip_addresses{};
  /// not_before_offset is the start of validity relative to now (an hour
  /// ago by default, so clocks a little apart agree). Offsets in the future
  /// make not-yet-valid certificates for tests.
  std::chrono::seconds not_before_offset{-3600};
  /// not_after_offset is the end of validity relative to now (30 days).
  /// Negative values make expired certificates for tests.
  std::chrono::seconds not_after_offset{std::chrono::hours(24 * 30)};
  /// Issue a CA certificate (basicConstraints CA:TRUE, keyCertSign).
  bool is_ca = false;
  /// key_type is the kind of key generated for the certificate.
  KeyType key_type = KeyType::ec_p256;
};

/// CertificateAuthority holds a self-signed root and issues certificates.
/// Thread safety: issue() may be called from several threads at once.
class SSLPP_API CertificateAuthority {
 public:
  /// create makes a new root CA with the given commonName.
  static CertificateAuthority create(const std::string& common_name, KeyType key_type = KeyType::ec_p256);

  /// self_signed makes a certificate for `request` signed by its own fresh
  /// key, with no CA behind it: a client trusts it by trusting the
  /// certificate itself (what `sslpp serve --print-cert` hands out). With
  /// is_ca false it is a TLS leaf (CA:FALSE, serverAuth and clientAuth),
  /// which OpenSSL accepts as its own trust anchor.
  static Credential self_signed(const CertificateRequest& request);

  /// issue signs a new certificate for `request` with a fresh key.
  [[nodiscard]] Credential issue(const CertificateRequest& request) const;

  /// crl_pem issues a certificate revocation list, as PEM, that revokes
  /// `revoked` (certificates this authority issued), valid for `validity`.
  [[nodiscard]] std::string crl_pem(const std::vector<Certificate>& revoked,
                                    std::chrono::seconds validity = std::chrono::hours(24 * 30)) const;

  /// certificate is the root certificate (what clients trust).
  [[nodiscard]] const Certificate& certificate() const noexcept { return root_.certificate; }
  /// credential is the root certificate and its key (to issue from elsewhere).
  [[nodiscard]] const Credential& credential() const noexcept { return root_; }
  /// from_credential makes an authority that issues with `credential`: an
  /// intermediate's (issued with is_ca), to issue further certificates.
  static CertificateAuthority from_credential(Credential credential) { return CertificateAuthority(std::move(credential)); }

 private:
  explicit CertificateAuthority(Credential root) : root_(std::move(root)) {}
  Credential root_;
};

}  // namespace sslpp
