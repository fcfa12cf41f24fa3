// A throwaway certificate authority: certificates minted in memory for tests,
// demos and `sslpp serve`. Not for production PKI.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <sslpp/certificate.hpp>
#include <sslpp/export.hpp>

namespace sslpp {

/// KeyType is the kind of key to generate.
enum class KeyType {
  ec_p256,
  rsa2048,
};

/// Credential is a certificate and its private key.
struct Credential {
  Certificate certificate;
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
  /// Validity, relative to now. Negative values make expired or
  /// not-yet-valid certificates for tests.
  std::chrono::seconds not_before_offset{-3600};
  std::chrono::seconds not_after_offset{std::chrono::hours(24 * 30)};
  /// Issue a CA certificate (basicConstraints CA:TRUE, keyCertSign).
  bool is_ca = false;
  KeyType key_type = KeyType::ec_p256;
};

/// CertificateAuthority holds a self-signed root and issues certificates.
/// Thread safety: issue() may be called from several threads at once.
class SSLPP_API CertificateAuthority {
 public:
  /// create makes a new root CA with the given commonName.
  static CertificateAuthority create(const std::string& common_name, KeyType key_type = KeyType::ec_p256);

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
  /// as_issuer makes an intermediate's credential usable to issue further certificates.
  static CertificateAuthority from_credential(Credential credential) { return CertificateAuthority(std::move(credential)); }

 private:
  explicit CertificateAuthority(Credential root) : root_(std::move(root)) {}
  Credential root_;
};

}  // namespace sslpp
