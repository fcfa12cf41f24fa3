// How a peer's certificate is checked against a name, and how a failed
// verification is described: one definition for the handshake (Context's
// defaults, Connection::set_server_hostname, Connection's error mapping) and
// for CertStore::verify, so both decide and report alike. Defined in
// src/cert_store.cpp.
#pragma once

#include <optional>
#include <string>

#include <openssl/x509v3.h>

#include <sslpp/error.hpp>

namespace sslpp::detail {

// hostname_check_flags are the X509_CHECK_FLAG_* bits of every name check:
// no partial wildcards ("f*.example.com"), as CPython sets on its contexts,
// and never the subject's commonName, even in a certificate without DNS
// names (Context::set_hostname_checks_common_name is the named way back).
inline constexpr unsigned int hostname_check_flags =
    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;

// is_ip_address decides strictly, as inet_pton does: "192.0.2.1 " and
// "0192.0.2.1" are names, not addresses.
bool is_ip_address(const std::string& text) noexcept;

// set_verify_name makes `param` check the peer against `name`: as an IP
// address when `is_ip`, else as a DNS name. A name or address set earlier is
// replaced, never kept beside the new one. Returns false on failure (the
// error queue says why). The host flags are not touched: a context sets them
// once (hostname_check_flags), and an SSL inherits them.
bool set_verify_name(X509_VERIFY_PARAM* param, const std::string& name, bool is_ip) noexcept;

// verify_message is Python's wording for X509 verification result `code`;
// `hostname` is the name that was checked, if any.
std::string verify_message(long code, const std::optional<std::string>& hostname);

// add_verify_failure completes `info`, drained from the error queue at an
// SSL CERTIFICATE_VERIFY_FAILED, with the verification result `code`: sets
// verify_code and verify_message, appends the latter to the message, and
// makes the code verify_category()'s, so throw_error raises
// SSLCertVerificationError and ec.message() says why.
void add_verify_failure(ErrorInfo& info, long code, const std::optional<std::string>& hostname);

}  // namespace sslpp::detail
