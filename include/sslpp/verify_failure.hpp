/// \file
/// Why a certificate verification failed, in terms a person can act on: the
/// chain as the peer sent it and as far as it was built, the certificate
/// that failed, and a one-line hint (docs/verification.md, "Why verification
/// failed"). An SSLCertVerificationError carries one (verify_failure()).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sslpp/certificate.hpp>
#include <sslpp/error.hpp>
#include <sslpp/export.hpp>

namespace sslpp {

/// VerifyHint is the class of a hint, for programs and tests.
enum class VerifyHint : std::uint8_t {
  /// The peer did not send the intermediate its certificate needs (20, 21).
  missing_intermediate,
  /// The chain ends at an issuer that is not trusted (2, 20).
  unknown_issuer,
  /// The trust store has a CA of the issuer's name, but with another key (20).
  anchor_other_key,
  /// The chain ends at a root that is not trusted, or not for this purpose (19, 27, 28).
  untrusted_root,
  /// The peer's own certificate is self-signed and not trusted (18).
  self_signed,
  /// A certificate's notAfter has passed (10).
  expired,
  /// A certificate's notBefore is still to come (9).
  not_yet_valid,
  /// A certificate's validity field does not parse (13, 14).
  bad_time_field,
  /// The certificate does not name the host that was asked for (62).
  hostname_mismatch,
  /// The certificate does not name the address that was asked for (64).
  ip_mismatch,
  /// The certificate (or a CA above it) is not for this purpose: EKU (26).
  wrong_purpose,
  /// A certificate that signed another is not a CA (79, 37, 32, 24).
  not_a_ca,
  /// A CA's pathLenConstraint is exceeded (25).
  path_length,
  /// The chain is longer than the verify depth allows (22).
  chain_too_long,
  /// A name falls outside a CA's name constraints (47, 48, 49, 51, 53).
  name_constraints,
  /// A certificate was revoked (23).
  revoked,
  /// Revocation could not be checked: no CRL, or an unusable one (3, 8, 11, 12, 33, ...).
  revocation_unknown,
  /// A key is too small for the security level (66, 67).
  weak_key,
  /// A signature uses a digest the security level refuses (68).
  weak_signature,
  /// A signature does not verify (4, 6, 7).
  bad_signature,
  /// A critical extension is unknown (34).
  critical_extension,
  /// A rule of RFC 5280 that VERIFY_X509_STRICT enforces is broken (80-94, 41-43).
  strict_profile,
  /// The application's verify callback refused a certificate (50).
  rejected_by_callback,
  /// The OCSP check refused (73, 74, 75).
  ocsp,
  /// Anything else: the generic hint.
  other,
};

/// to_string names a VerifyHint as the JSON does ("missing_intermediate").
SSLPP_API std::string_view to_string(VerifyHint kind) noexcept;

/// PeerRole says whose certificate was verified.
enum class PeerRole : std::uint8_t {
  /// A client verified the server's certificate.
  server,
  /// A server verified a client's certificate.
  client,
  /// CertStore::verify: no peer, a certificate given by the caller.
  none,
};

/// CertSummary is one certificate of a failed chain, as a person recognises it.
/// Every string is the certificate's own content, so it may be hostile: print
/// it through VerifyFailure::to_text or json_quote, never raw.
struct CertSummary {
  /// certificate is the certificate itself (a shared reference).
  Certificate certificate;
  /// subject is the RFC 2253 name of the subject ("CN=localhost,O=Example").
  std::string subject{};
  /// issuer is the RFC 2253 name of the issuer.
  std::string issuer{};
  /// serial is the serial number in upper-case hex.
  std::string serial{};
  /// not_before is the start of validity; nullopt when the field is malformed.
  std::optional<std::chrono::sys_seconds> not_before{};
  /// not_after is the end of validity; nullopt when the field is malformed.
  std::optional<std::chrono::sys_seconds> not_after{};
  /// subject_alt_names are the first 100 subjectAltName entries.
  std::vector<GeneralName> subject_alt_names{};
  /// san_omitted counts the entries beyond those.
  std::size_t san_omitted = 0;
  /// sha256 is the SHA-256 fingerprint of the DER, lower-case hex.
  std::string sha256{};
  /// key is the public key's type and size ("RSA 2048", "EC 256").
  std::string key{};
  /// signature_algorithm is the signature's long name ("sha256WithRSAEncryption").
  std::string signature_algorithm{};
  /// ca is basicConstraints CA:TRUE.
  bool ca = false;
  /// self_issued is subject == issuer.
  bool self_issued = false;
  /// path_len is basicConstraints' pathLenConstraint, if any.
  std::optional<long> path_len{};
  /// ca_issuers are the authorityInfoAccess caIssuers URLs (where its issuer is published).
  std::vector<std::string> ca_issuers{};
  /// ext_key_usage are the extendedKeyUsage purposes' short names ("serverAuth").
  std::vector<std::string> ext_key_usage{};
  /// from_peer: the peer (or the caller of CertStore::verify) gave it.
  bool from_peer = false;
  /// from_trust_store: the verifier took it from its trust store. With
  /// from_peer, the peer sent a trust anchor.
  bool from_trust_store = false;
};

/// VerifyFailure is the explanation of one failed verification. Immutable
/// once built and shared by every copy of the error.
struct VerifyFailure {
  /// code is the X509_V_ERR_* result (ErrorInfo::verify_code).
  long code = 0;
  /// kind is the hint's class.
  VerifyHint kind = VerifyHint::other;
  /// hint is one line a person can act on: no control characters, at most 512 bytes.
  std::string hint;
  /// depth indexes chain_built: the certificate that failed, or for a
  /// missing issuer the certificate whose issuer is missing; -1 when unknown.
  int depth = -1;
  /// chain_sent is what the peer sent, in wire order (its own certificate
  /// first), at most 16 entries.
  std::vector<CertSummary> chain_sent;
  /// sent_omitted counts the sent certificates beyond those.
  std::size_t sent_omitted = 0;
  /// chain_built is the chain as far as verification built it, leaf first
  /// (empty when unknown, e.g. a resumed session).
  std::vector<CertSummary> chain_built;
  /// missing_issuer is the issuer the path needed and nobody had (2, 20, 21).
  std::optional<std::string> missing_issuer;
  /// Revocation is what a CRL says about a revoked certificate.
  struct Revocation {
    /// when is the revocation date.
    std::chrono::sys_seconds when{};
    /// reason is the CRL reason code's name ("keyCompromise"), or empty.
    std::string reason;
    /// source is the CRL issuer's name.
    std::string source;
  };
  /// revocation is set for a certificate revoked by a CRL (23).
  std::optional<Revocation> revocation;
  /// peer says whose certificate was verified.
  PeerRole peer = PeerRole::none;
  /// security_level is the verifier's security level.
  int security_level = 0;
  /// resumed is true when the verdict came from a resumed session.
  bool resumed = false;
  /// checked_name is the host name or address checked, if any.
  std::optional<std::string> checked_name;
  /// checked_at is the time the chain was checked against.
  std::chrono::sys_seconds checked_at{};

  /// to_json is the `error.chain` object of `sslpp connect --json`.
  [[nodiscard]] SSLPP_API std::string to_json() const;
  /// to_text is the marked chain and the hint, as `sslpp connect` prints it:
  /// ASCII, peer strings escaped, one "X" marking the certificate that failed.
  [[nodiscard]] SSLPP_API std::string to_text() const;
};

}  // namespace sslpp
