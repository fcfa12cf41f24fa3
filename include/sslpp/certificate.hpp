// Certificates, private keys, and the decoded form Python's getpeercert() gives.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <openssl/types.h>

#include <sslpp/constants.hpp>
#include <sslpp/error.hpp>
#include <sslpp/export.hpp>

namespace sslpp {

// ---------------------------------------------------------------------------
// The decoded form (Python's getpeercert() dict)

/// NameAttribute is one (name, value) pair of a distinguished name, named as
/// Python names it ("commonName", "organizationName", or a dotted OID).
using NameAttribute = std::pair<std::string, std::string>;
/// RDN is one relative distinguished name: usually one attribute, sometimes more.
using RDN = std::vector<NameAttribute>;
/// DistinguishedName is a sequence of RDNs, as in Python's subject/issuer tuples.
using DistinguishedName = std::vector<RDN>;

/// GeneralName is one subjectAltName entry: ("DNS", "example.com"),
/// ("IP Address", "192.0.2.1"), ("DirName", <name>), ... For "DirName" the
/// value is in `dirname` and `value` is empty.
struct GeneralName {
  std::string type;
  std::string value;
  DistinguishedName dirname;
  friend bool operator==(const GeneralName&, const GeneralName&) = default;
};

/// CertInfo is Python's decoded certificate dict. Optional keys that Python
/// leaves out are empty optionals here. `empty()` is Python's `{}`: what
/// getpeercert() returns when the certificate was not verified.
struct CertInfo {
  DistinguishedName subject;
  DistinguishedName issuer;
  long version = 0;
  std::string serialNumber;
  std::string notBefore;
  std::string notAfter;
  std::optional<std::vector<GeneralName>> subjectAltName;
  std::optional<std::vector<std::string>> OCSP;
  std::optional<std::vector<std::string>> caIssuers;
  std::optional<std::vector<std::string>> crlDistributionPoints;
  /// True for Python's empty dict (nothing was decoded).
  bool is_empty = false;

  [[nodiscard]] bool empty() const noexcept { return is_empty; }
  /// to_json renders the dict as JSON, tuples as arrays, keys in Python's order.
  [[nodiscard]] SSLPP_API std::string to_json() const;
  friend bool operator==(const CertInfo&, const CertInfo&) = default;
};

/// json_quote renders `s` as a JSON string literal, escaping control bytes.
SSLPP_API std::string json_quote(std::string_view s);

// ---------------------------------------------------------------------------
// Certificate

/// Certificate is one X.509 certificate (pyOpenSSL's X509). Copies share the
/// same immutable OpenSSL object (reference counted). Thread-safe to read
/// from several threads.
class SSLPP_API Certificate {
 public:
  /// from_pem parses the first CERTIFICATE block of `pem`. Throws SSLError
  /// when there is none or it does not parse.
  static Certificate from_pem(std::string_view pem);
  /// from_der parses DER bytes. Throws SSLError on malformed input.
  static Certificate from_der(std::span<const std::byte> der);
  /// load reads a certificate file. Throws OSError when the file cannot be
  /// read, SSLError when it holds no certificate.
  static Certificate load(const std::filesystem::path& file, FileType type = FILETYPE_PEM);
  /// from_native takes a new reference to `x509` (borrowed).
  static Certificate from_native(X509* x509);

  /// der is the DER encoding.
  [[nodiscard]] std::vector<std::byte> der() const;
  /// pem is the PEM encoding (64-column base64, trailing newline).
  [[nodiscard]] std::string pem() const;
  /// decode gives the dict Python's getpeercert() would give for it.
  [[nodiscard]] CertInfo decode() const;
  /// subject_name / issuer_name are the one-line RFC 2253 forms.
  [[nodiscard]] std::string subject_name() const;
  [[nodiscard]] std::string issuer_name() const;
  /// sha256_fingerprint is the SHA-256 of the DER, lower-case hex.
  [[nodiscard]] std::string sha256_fingerprint() const;

  /// native_handle is the borrowed X509*, valid while this object lives.
  [[nodiscard]] X509* native_handle() const noexcept { return x509_.get(); }

  friend bool operator==(const Certificate& a, const Certificate& b) noexcept;

 private:
  struct free_x509 {
    void operator()(X509* p) const noexcept;
  };
  explicit Certificate(X509* owned) noexcept : x509_(owned, free_x509{}) {}
  std::shared_ptr<X509> x509_;
};

// ---------------------------------------------------------------------------
// PrivateKey

/// PrivateKey is a private key (pyOpenSSL's PKey). Copies share the key.
class SSLPP_API PrivateKey {
 public:
  /// from_pem parses a PEM private key, decrypting it with `password` when it
  /// is encrypted. Throws SSLError on a wrong password or malformed input.
  static PrivateKey from_pem(std::string_view pem, std::string_view password = {});
  /// from_der parses a DER (PKCS#8 or traditional) private key.
  static PrivateKey from_der(std::span<const std::byte> der);
  /// load reads a key file.
  static PrivateKey load(const std::filesystem::path& file, FileType type = FILETYPE_PEM,
                         std::string_view password = {});
  /// from_native takes a new reference to `pkey` (borrowed).
  static PrivateKey from_native(EVP_PKEY* pkey);

  /// pem is the unencrypted PKCS#8 PEM; with a password, AES-256-CBC encrypted.
  [[nodiscard]] std::string pem(std::string_view password = {}) const;
  /// type_name is "RSA", "EC", "ED25519", ...
  [[nodiscard]] std::string type_name() const;
  /// bits is the key size in bits.
  [[nodiscard]] int bits() const noexcept;

  [[nodiscard]] EVP_PKEY* native_handle() const noexcept { return pkey_.get(); }

 private:
  struct free_pkey {
    void operator()(EVP_PKEY* p) const noexcept;
  };
  explicit PrivateKey(EVP_PKEY* owned) noexcept : pkey_(owned, free_pkey{}) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

// ---------------------------------------------------------------------------
// PEM <-> DER (Python's DER_cert_to_PEM_cert / PEM_cert_to_DER_cert)

/// DER_cert_to_PEM_cert wraps DER bytes in a CERTIFICATE PEM block exactly as
/// Python does (64-column base64).
SSLPP_API std::string DER_cert_to_PEM_cert(std::span<const std::byte> der);

/// PEM_cert_to_DER_cert decodes a CERTIFICATE PEM block. Throws ValueError
/// when the text is not one.
SSLPP_API std::vector<std::byte> PEM_cert_to_DER_cert(std::string_view pem);

}  // namespace sslpp
