/// \file
/// CertStore: a set of trusted certificates (pyOpenSSL's X509Store).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include <sslpp/certificate.hpp>
#include <sslpp/constants.hpp>
#include <sslpp/export.hpp>

namespace sslpp {

/// VerifyOptions says what CertStore::verify checks a certificate for.
/// The defaults are what a client's handshake with a default Context checks,
/// minus the name: set `hostname` for that.
/// Every member has a default, so designated initializers may name only
/// what they change: `store.verify(leaf, {.hostname = "example.com"})`.
struct VerifyOptions {
  /// untrusted are intermediates the peer offered: used to build the chain,
  /// never trusted themselves.
  std::vector<Certificate> untrusted{};
  /// hostname is the name the leaf must be valid for, checked as the
  /// handshake checks server_hostname: an IP literal (strict inet_pton:
  /// "192.0.2.1", "::1") against IP address SANs (failure: code 64), anything
  /// else as a DNS name without partial wildcards (failure: code 62). Empty:
  /// no name check. A leading dot or a NUL byte is a ValueError.
  std::string hostname{};
  /// time is the moment the chain must be valid at; default: now.
  std::optional<std::chrono::system_clock::time_point> time{};
  /// purpose is what the leaf must be fit for. SERVER_AUTH: a TLS server
  /// certificate, as a client checks; CLIENT_AUTH: a TLS client certificate,
  /// as a server checks. An unfit leaf fails with code 26
  /// (X509_V_ERR_INVALID_PURPOSE).
  Purpose purpose = Purpose::SERVER_AUTH;
  /// depth, when given, limits the intermediates between the leaf and the
  /// trust anchor, as CertStore::set_depth does, for this call only. Must
  /// not be negative (ValueError).
  std::optional<int> depth{};
  /// flags are added to the store's own verification flags for this call
  /// only (VERIFY_X509_STRICT, VERIFY_X509_PARTIAL_CHAIN,
  /// VERIFY_CRL_CHECK_LEAF, ...).
  VerifyFlags flags = VERIFY_DEFAULT;
  /// security_level is OpenSSL's: keys and signature digests weaker than the
  /// level allows fail the chain (codes 66 to 68). 2, the default, is what
  /// sslpp's and Python's contexts use (112-bit security: RSA keys of 2048
  /// bits or more, no SHA-1 signatures); 0 turns the check off.
  int security_level = 2;
};

/// CertStore holds trust anchors for verification. Context::get_cert_store
/// returns the context's live store: what is added there is trusted by the
/// context's later handshakes. Copies share the store. Adding certificates
/// is not safe while handshakes run on other threads.
class SSLPP_API CertStore {
 public:
  /// CertStore makes a new, empty store.
  CertStore();
  /// from_native takes a new reference to `store` (borrowed).
  static CertStore from_native(X509_STORE* store);

  /// add_cert trusts `certificate`. Adding one already present is not an error.
  void add_cert(const Certificate& certificate);
  /// add_crl adds every CRL in `pem` (PEM text). Throws SSLError when there
  /// is none or one does not parse.
  void add_crl(std::string_view pem);
  /// set_flags adds verification flags (X509_V_FLAG_*) to the store's.
  void set_flags(VerifyFlags flags);
  /// set_depth limits the length of the chains verified.
  void set_depth(int depth);

  /// verify builds a chain from `leaf` through `options.untrusted` to a
  /// certificate of this store and checks it (pyOpenSSL's
  /// X509StoreContext(store, leaf, untrusted).get_verified_chain()). It
  /// returns the verified chain: the leaf first, the trust anchor last.
  ///
  /// A chain that does not verify throws SSLCertVerificationError exactly as
  /// a handshake does: verify_code() is OpenSSL's X509_V_ERR_* (20: no
  /// trusted issuer, 10: expired, 62: hostname mismatch, ...), and the
  /// message reads "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify
  /// failed: ...". Bad options throw ValueError.
  ///
  /// The store itself is not changed: the options apply to this call only.
  /// On a context's store (Context::get_cert_store), note that the
  /// context's verify_flags belong to the context, not to its store: pass
  /// them in `options.flags` to have them apply here.
  /// Safe to call from several threads at once on one store, as long as no
  /// thread adds to it meanwhile. Underneath: X509_STORE_CTX_init and
  /// X509_verify_cert, with the options set on the X509_STORE_CTX's own
  /// parameters.
  [[nodiscard]] std::vector<Certificate> verify(const Certificate& leaf, const VerifyOptions& options = {}) const;

  /// native_handle is the borrowed X509_STORE*, valid while this object
  /// (or a copy) lives.
  [[nodiscard]] X509_STORE* native_handle() const noexcept { return store_.get(); }

 private:
  struct free_store {
    void operator()(X509_STORE* p) const noexcept;
  };
  // Not noexcept: the shared_ptr allocates its control block (std::bad_alloc;
  // the pointer is freed then).
  explicit CertStore(X509_STORE* owned) : store_(owned, free_store{}) {}
  std::shared_ptr<X509_STORE> store_;
};

}  // namespace sslpp
