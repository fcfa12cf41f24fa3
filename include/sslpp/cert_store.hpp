// CertStore: a set of trusted certificates (pyOpenSSL's X509Store).
#pragma once

#include <memory>
#include <string_view>

#include <openssl/types.h>

#include <sslpp/certificate.hpp>
#include <sslpp/constants.hpp>
#include <sslpp/export.hpp>

namespace sslpp {

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

  [[nodiscard]] X509_STORE* native_handle() const noexcept { return store_.get(); }

 private:
  struct free_store {
    void operator()(X509_STORE* p) const noexcept;
  };
  explicit CertStore(X509_STORE* owned) noexcept : store_(owned, free_store{}) {}
  std::shared_ptr<X509_STORE> store_;
};

}  // namespace sslpp
