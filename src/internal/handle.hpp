// Owning handles for OpenSSL objects: one template, one deleter trait per type.
#pragma once

#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace sslpp::detail {

// handle_traits<T>::free releases one reference to a T; for reference-counted
// types, handle_traits<T>::up_ref takes one more. Specialised below for each
// OpenSSL type sslpp owns, so unique_handle and up_ref work for any of them.
template <typename T>
struct handle_traits;

#define SSLPP_DETAIL_HANDLE(type, free_fn)               \
  template <>                                            \
  struct handle_traits<type> {                           \
    static void free(type* p) noexcept { ::free_fn(p); } \
  }

#define SSLPP_DETAIL_REFCOUNTED_HANDLE(type, free_fn, up_ref_fn)  \
  template <>                                                     \
  struct handle_traits<type> {                                    \
    static void free(type* p) noexcept { ::free_fn(p); }          \
    static void up_ref(type* p) noexcept { ::up_ref_fn(p); }      \
  }

SSLPP_DETAIL_REFCOUNTED_HANDLE(SSL, SSL_free, SSL_up_ref);
SSLPP_DETAIL_REFCOUNTED_HANDLE(SSL_CTX, SSL_CTX_free, SSL_CTX_up_ref);
SSLPP_DETAIL_REFCOUNTED_HANDLE(SSL_SESSION, SSL_SESSION_free, SSL_SESSION_up_ref);
SSLPP_DETAIL_REFCOUNTED_HANDLE(X509, X509_free, X509_up_ref);
SSLPP_DETAIL_REFCOUNTED_HANDLE(X509_CRL, X509_CRL_free, X509_CRL_up_ref);
SSLPP_DETAIL_REFCOUNTED_HANDLE(X509_STORE, X509_STORE_free, X509_STORE_up_ref);
SSLPP_DETAIL_HANDLE(X509_STORE_CTX, X509_STORE_CTX_free);
SSLPP_DETAIL_REFCOUNTED_HANDLE(EVP_PKEY, EVP_PKEY_free, EVP_PKEY_up_ref);
SSLPP_DETAIL_HANDLE(BIO, BIO_free_all);
SSLPP_DETAIL_HANDLE(BIO_ADDR, BIO_ADDR_free);
SSLPP_DETAIL_HANDLE(X509_NAME, X509_NAME_free);
SSLPP_DETAIL_HANDLE(X509_EXTENSION, X509_EXTENSION_free);
SSLPP_DETAIL_HANDLE(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
// ASN1_INTEGER and ASN1_TIME are both ASN1_STRING in OpenSSL.
SSLPP_DETAIL_HANDLE(ASN1_STRING, ASN1_STRING_free);
SSLPP_DETAIL_HANDLE(BIGNUM, BN_free);
SSLPP_DETAIL_HANDLE(GENERAL_NAMES, GENERAL_NAMES_free);
SSLPP_DETAIL_HANDLE(AUTHORITY_INFO_ACCESS, AUTHORITY_INFO_ACCESS_free);
SSLPP_DETAIL_HANDLE(CRL_DIST_POINTS, CRL_DIST_POINTS_free);
SSLPP_DETAIL_HANDLE(OCSP_RESPONSE, OCSP_RESPONSE_free);
SSLPP_DETAIL_HANDLE(OCSP_BASICRESP, OCSP_BASICRESP_free);
SSLPP_DETAIL_HANDLE(OCSP_CERTID, OCSP_CERTID_free);

// A STACK_OF(X509) handle owns the stack and one reference to each
// certificate in it: push only what up_ref (or a creating call) gave you.
template <>
struct handle_traits<STACK_OF(X509)> {
  static void free(STACK_OF(X509) * p) noexcept { sk_X509_pop_free(p, ::X509_free); }
};

#undef SSLPP_DETAIL_HANDLE
#undef SSLPP_DETAIL_REFCOUNTED_HANDLE

struct handle_deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    handle_traits<T>::free(p);
  }
};

// unique_handle<T> owns one reference to an OpenSSL object.
template <typename T>
using unique_handle = std::unique_ptr<T, handle_deleter>;

// up_ref turns a borrowed (get0) pointer into an owning handle by taking a new
// reference. A null pointer gives an empty handle.
template <typename T>
unique_handle<T> up_ref(T* p) noexcept {
  if (p != nullptr) {
    handle_traits<T>::up_ref(p);
  }
  return unique_handle<T>(p);
}

}  // namespace sslpp::detail
