/// \file
/// Certificates and the decoded form Python's getpeercert() gives.
#pragma once

#include <chrono>
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
#include <sslpp/keys.hpp>
#include <sslpp/name.hpp>

namespace sslpp {

// ---------------------------------------------------------------------------
// The decoded form (Python's getpeercert() dict)

/// GeneralName is one subjectAltName entry: ("DNS", "example.com"),
/// ("IP Address", "192.0.2.1"), ("DirName", a name), ... For "DirName" the
/// value is in `dirname` and `value` is empty.
struct GeneralName {
  /// type is Python's label: "DNS", "IP Address", "DirName", "email",
  /// "URI", "Registered ID", ...
  std::string type;
  /// value is the entry as text (empty for "DirName").
  std::string value;
  /// dirname is a "DirName" entry's name (empty for the other types).
  DistinguishedName dirname;
  /// Equal when every member is.
  friend bool operator==(const GeneralName&, const GeneralName&) = default;
};

/// CertInfo is Python's decoded certificate dict. Optional keys that Python
/// leaves out are empty optionals here. `empty()` is Python's `{}`: what
/// getpeercert() returns when the certificate was not verified.
struct CertInfo {
  /// subject is the subject's name, as RDNs of (long name, value) pairs.
  DistinguishedName subject;
  /// issuer is the issuer's name, in the same form.
  DistinguishedName issuer;
  /// version is the X.509 version as Python counts it: 1, 2 or 3.
  long version = 0;
  /// serialNumber is the serial in upper-case hex ("1A2B"), in full on
  /// one line (Certificate::serial_number()).
  std::string serialNumber;
  /// notBefore is the start of validity as Python prints it,
  /// "Jan  5 09:34:43 2018 GMT" (cert_time_to_seconds reads that form).
  std::string notBefore;
  /// notAfter is the end of validity, in the same form.
  std::string notAfter;
  /// subjectAltName is the names the certificate is valid for; nullopt
  /// when it has no subjectAltName extension.
  std::optional<std::vector<GeneralName>> subjectAltName;
  /// OCSP is the OCSP responder URLs of the authorityInfoAccess extension.
  std::optional<std::vector<std::string>> OCSP;
  /// caIssuers is the issuer-certificate URLs of authorityInfoAccess.
  std::optional<std::vector<std::string>> caIssuers;
  /// crlDistributionPoints is the URLs of the CRLs that cover it.
  std::optional<std::vector<std::string>> crlDistributionPoints;
  /// True for Python's empty dict (nothing was decoded).
  bool is_empty = false;

  /// empty() is Python's `not cert`: true for the `{}` that getpeercert()
  /// returns when the peer's certificate was not verified (CERT_NONE).
  [[nodiscard]] bool empty() const noexcept { return is_empty; }
  /// to_json renders the dict as JSON, tuples as arrays, keys in Python's order.
  [[nodiscard]] SSLPP_API std::string to_json() const;
  /// Equal when every member is.
  friend bool operator==(const CertInfo&, const CertInfo&) = default;
};

/// json_quote renders `s` as a JSON string literal, escaping control bytes.
SSLPP_API std::string json_quote(std::string_view s);

// ---------------------------------------------------------------------------
// Certificate

/// Extension is one X.509v3 extension (pyOpenSSL's X509Extension).
struct Extension {
  /// oid is the dotted form ("2.5.29.17").
  std::string oid;
  /// short_name is OpenSSL's ("subjectAltName"), or the dotted OID when
  /// OpenSSL does not know it.
  std::string short_name;
  /// critical is the extension's critical flag: a verifier that does not
  /// know the extension must reject the certificate.
  bool critical = false;
  /// value is the DER inside the extension's OCTET STRING.
  std::vector<std::byte> value;
  /// text is OpenSSL's rendering ("DNS:example.com, IP Address:192.0.2.1"),
  /// as pyOpenSSL's str(extension); the hex dump for an unknown extension.
  std::string text;
  /// Equal when every member is.
  friend bool operator==(const Extension&, const Extension&) = default;
};

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
  ///@{
  /// subject / issuer are the distinguished names.
  [[nodiscard]] Name subject() const;
  [[nodiscard]] Name issuer() const;
  ///@}
  ///@{
  /// subject_name / issuer_name are their one-line RFC 2253 forms.
  [[nodiscard]] std::string subject_name() const { return subject().to_string(); }
  [[nodiscard]] std::string issuer_name() const { return issuer().to_string(); }
  ///@}
  /// version is the X.509 version as Python counts it: 1, 2 or 3 (pyOpenSSL's
  /// get_version() is this minus one).
  [[nodiscard]] long version() const noexcept;
  /// serial_number is the serial in upper-case hex as Python prints it
  /// ("1A2B", "-01" for a negative one), but on one line whatever its length
  /// (Python, through OpenSSL's i2a_ASN1_INTEGER, breaks it after 35 bytes).
  [[nodiscard]] std::string serial_number() const;
  ///@{
  /// not_before / not_after are the validity bounds. Throws SSLError when
  /// the certificate's time field is malformed.
  [[nodiscard]] std::chrono::sys_seconds not_before() const;
  [[nodiscard]] std::chrono::sys_seconds not_after() const;
  ///@}
  /// has_expired is true when not_after has passed.
  [[nodiscard]] bool has_expired() const;
  /// extensions are the certificate's X.509v3 extensions, in order.
  [[nodiscard]] std::vector<Extension> extensions() const;
  /// public_key is the subject's public key. Throws SSLError when the
  /// certificate's key is of a type OpenSSL cannot decode.
  [[nodiscard]] PublicKey public_key() const;
  /// signature_algorithm is the signature's long name ("sha256WithRSAEncryption").
  [[nodiscard]] std::string signature_algorithm() const;
  /// sha256_fingerprint is the SHA-256 of the DER, lower-case hex.
  [[nodiscard]] std::string sha256_fingerprint() const;

  /// native_handle is the borrowed X509*, valid while this object lives.
  [[nodiscard]] X509* native_handle() const noexcept { return x509_.get(); }

  /// Two certificates are equal when they are the same certificate, byte
  /// for byte (X509_cmp), whether or not they share the OpenSSL object.
  friend bool operator==(const Certificate& a, const Certificate& b) noexcept;

 private:
  struct free_x509 {
    void operator()(X509* p) const noexcept;
  };
  // Not noexcept: the shared_ptr allocates its control block (std::bad_alloc;
  // the pointer is freed then).
  explicit Certificate(X509* owned) : x509_(owned, free_x509{}) {}
  std::shared_ptr<X509> x509_;
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
