#include <sslpp/cert_store.hpp>

#include <arpa/inet.h>

#include <chrono>
#include <ctime>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <sslpp/error.hpp>

#include "internal/error_queue.hpp"
#include "internal/idna.hpp"
#include "internal/handle.hpp"
#include "x509/pem.hpp"
#include "x509/verify_explain.hpp"
#include "x509/verify_name.hpp"

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

std::vector<Certificate> CertStore::verify(const Certificate& leaf, const VerifyOptions& options) const {
  if (leaf.native_handle() == nullptr) {
    detail::throw_value_error("verify needs a certificate (this one was moved from)");
  }
  if (options.depth && *options.depth < 0) {
    detail::throw_value_error("verify depth must not be negative");
  }
  const std::string hostname = detail::to_a_label(options.hostname, "hostname");
  if (!hostname.empty() && hostname.front() == '.') {
    detail::throw_value_error("hostname cannot start with a leading dot.");
  }
  if (hostname.find('\0') != std::string::npos) {
    detail::throw_value_error("hostname must not contain a NUL byte.");
  }
  detail::clear_stale_errors();

  // The untrusted certificates are handed over in a stack that holds its
  // own references, so nothing here depends on `options` staying unchanged.
  const detail::unique_handle<STACK_OF(X509)> untrusted{sk_X509_new_null()};
  if (!untrusted) {
    detail::throw_openssl_error("verify");
  }
  for (const Certificate& cert : options.untrusted) {
    if (cert.native_handle() == nullptr) {
      detail::throw_value_error("verify: an untrusted certificate was moved from");
    }
    detail::unique_handle<X509> ref = detail::up_ref(cert.native_handle());
    if (sk_X509_push(untrusted.get(), ref.get()) == 0) {
      detail::throw_openssl_error("verify");
    }
    (void)ref.release();  // the stack owns this reference now
  }

  // One X509_STORE_CTX per call. Init copies the store's parameters into the
  // ctx's own X509_VERIFY_PARAM; everything below changes only that copy,
  // never the shared store.
  const detail::unique_handle<X509_STORE_CTX> ctx{::X509_STORE_CTX_new()};
  if (!ctx || ::X509_STORE_CTX_init(ctx.get(), store_.get(), leaf.native_handle(), untrusted.get()) != 1) {
    detail::throw_openssl_error("verify");
  }
  X509_VERIFY_PARAM* param = ::X509_STORE_CTX_get0_param(ctx.get());
  // The purpose and trust the handshake gets from X509_STORE_CTX_set_default
  // ("ssl_server" in a client, "ssl_client" in a server); set directly, as
  // set_default and X509_STORE_CTX_set_purpose keep a purpose already set.
  const bool server = options.purpose == Purpose::SERVER_AUTH;
  int ok = ::X509_VERIFY_PARAM_set_purpose(param, server ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT) &
           ::X509_VERIFY_PARAM_set_trust(param, server ? X509_TRUST_SSL_SERVER : X509_TRUST_SSL_CLIENT) &
           ::X509_VERIFY_PARAM_set_flags(param, to_underlying(options.flags));
  // The handshake verifies at the SSL's security level (ssl_verify_cert_chain).
  ::X509_VERIFY_PARAM_set_auth_level(param, options.security_level);
  if (options.depth) {
    ::X509_VERIFY_PARAM_set_depth(param, *options.depth);
  }
  if (options.time) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(*options.time).time_since_epoch();
    ::X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(seconds.count()));
  }
  std::optional<std::string> checked_name;
  if (!hostname.empty()) {
    ::X509_VERIFY_PARAM_set_hostflags(param, detail::hostname_check_flags);
    ok &= detail::set_verify_name(param, hostname, detail::is_ip_address(hostname)) ? 1 : 0;
    checked_name = hostname;
  }
  if (ok != 1) {
    detail::throw_openssl_error("verify");
  }

  if (::X509_verify_cert(ctx.get()) == 1) {
    ::ERR_clear_error();  // path building may leave entries behind on success
    std::vector<Certificate> chain;
    const STACK_OF(X509)* verified = ::X509_STORE_CTX_get0_chain(ctx.get());
    for (int i = 0; verified != nullptr && i < sk_X509_num(verified); ++i) {
      chain.push_back(Certificate::from_native(sk_X509_value(verified, i)));
    }
    return chain;
  }
  const long code = ::X509_STORE_CTX_get_error(ctx.get());
  if (code == X509_V_OK) {
    detail::throw_openssl_error("verify");  // no verdict: OpenSSL itself failed
  }
  // The handshake reports a failed chain as SSL's CERTIFICATE_VERIFY_FAILED
  // (tls_process_server_certificate); raising the same entry lets one
  // construction, take_error_queue then add_verify_failure, describe both.
  ERR_raise(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED);
  ErrorInfo info = detail::take_error_queue(errc::syscall);
  detail::add_verify_failure(info, code, checked_name);
  // The chain, depth and untrusted list stay valid until ctx is freed.
  const std::unique_ptr<detail::verify_capture> capture = detail::capture_failure(ctx.get(), false, false);
  try {
    info.verify_failure = detail::explain({.code = code, .capture = capture.get(), .checked_name = checked_name});
  } catch (const std::exception&) {
    // Out of memory: the error stands without its explanation.
  }
  ::ERR_clear_error();
  throw_error(std::move(info));
}

// ---------------------------------------------------------------------------
// Name checks and verification errors shared with the handshake
// (internal/verify_name.hpp).

namespace detail {

bool is_ip_address(const std::string& text) noexcept {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, text.c_str(), buf) == 1 || ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

bool set_verify_name(X509_VERIFY_PARAM* param, const std::string& name, bool is_ip) noexcept {
  const int cleared =
      ::X509_VERIFY_PARAM_set1_host(param, nullptr, 0) & ::X509_VERIFY_PARAM_set1_ip(param, nullptr, 0);
  const int ok = is_ip ? ::X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                       : ::X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  return cleared == 1 && ok == 1;
}

std::string verify_message(long code, const std::optional<std::string>& hostname) {
  if (code == X509_V_ERR_HOSTNAME_MISMATCH && hostname) {
    return "Hostname mismatch, certificate is not valid for '" + *hostname + "'.";
  }
  if (code == X509_V_ERR_IP_ADDRESS_MISMATCH && hostname) {
    return "IP address mismatch, certificate is not valid for '" + *hostname + "'.";
  }
  return ::X509_verify_cert_error_string(code);
}

void add_verify_failure(ErrorInfo& info, long code, const std::optional<std::string>& hostname) {
  // The code says why (its message is OpenSSL's reason); it still compares
  // equal to errc::certificate_verify_failed.
  if (code != X509_V_OK) {
    info.code = std::error_code(static_cast<int>(code), verify_category());
  }
  info.verify_code = code;
  info.verify_message = verify_message(code, hostname);
  info.message += ": " + info.verify_message;
}

}  // namespace detail
}  // namespace sslpp
