#include <sslpp/cert_store.hpp>

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <sslpp/error.hpp>

#include "internal/error_queue.hpp"
#include "internal/handle.hpp"
#include "internal/pem.hpp"

namespace sslpp {

void CertStore::free_store::operator()(X509_STORE* p) const noexcept { ::X509_STORE_free(p); }

CertStore::CertStore() : CertStore(::X509_STORE_new()) {
  if (!store_) {
    detail::throw_openssl_error("X509_STORE_new");
  }
}

CertStore CertStore::from_native(X509_STORE* store) { return CertStore(detail::up_ref(store).release()); }

void CertStore::add_cert(const Certificate& certificate) {
  detail::clear_stale_errors();
  if (::X509_STORE_add_cert(store_.get(), certificate.native_handle()) != 1) {
    const unsigned long err = ::ERR_peek_last_error();
    if (ERR_GET_LIB(err) == ERR_LIB_X509 && ERR_GET_REASON(err) == X509_R_CERT_ALREADY_IN_HASH_TABLE) {
      ::ERR_clear_error();
      return;
    }
    detail::throw_openssl_error("add_cert");
  }
}

void CertStore::add_crl(std::string_view pem) {
  detail::clear_stale_errors();
  const auto bio = detail::memory_bio(pem);
  int added = 0;
  // A null password source: an "encrypted" block fails instead of prompting.
  while (detail::unique_handle<X509_CRL> crl{::PEM_read_bio_X509_CRL(bio.get(), nullptr, &detail::password_trampoline, nullptr)}) {
    if (::X509_STORE_add_crl(store_.get(), crl.get()) != 1) {
      detail::throw_openssl_error("add_crl");
    }
    ++added;
  }
  const unsigned long err = ::ERR_peek_last_error();
  if (added > 0 && ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
    ::ERR_clear_error();  // the normal end of the text
  }
  if (added == 0 || ::ERR_peek_error() != 0) {
    throw_error(detail::take_error_queue(errc::invalid_argument, "no CRL could be read"));
  }
}

void CertStore::set_flags(VerifyFlags flags) {
  detail::clear_stale_errors();
  if (::X509_STORE_set_flags(store_.get(), to_underlying(flags)) != 1) {
    detail::throw_openssl_error("set_flags");
  }
}

void CertStore::set_depth(int depth) {
  if (depth < 0) {
    detail::throw_value_error("verify depth must not be negative");
  }
  detail::clear_stale_errors();
  if (::X509_STORE_set_depth(store_.get(), depth) != 1) {
    detail::throw_openssl_error("set_depth");
  }
}

}  // namespace sslpp
