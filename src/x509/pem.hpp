// Reading files and PEM/DER objects, with passphrases supplied by C++
// callables through one trampoline.
#pragma once

#include <cstddef>
#include <exception>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sslpp/constants.hpp>

#include "internal/handle.hpp"

namespace sslpp::detail {

// password_source answers OpenSSL's passphrase prompts. `provide` gets
// (maxlen, verify); an exception it throws is kept in `error` and rethrown
// by the caller once OpenSSL has returned.
struct password_source {
  std::function<std::string(int maxlen, bool verify)> provide;
  std::exception_ptr error;
};

// password_trampoline is the pem_password_cb for a password_source*.
int password_trampoline(char* buf, int size, int rwflag, void* userdata) noexcept;

// read_file returns the bytes of `path`; OSError when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// memory_bio is a read-only BIO over `data`, which must outlive it.
unique_handle<BIO> memory_bio(std::string_view data);

// refuse_trailing_bytes throws SSLError (ASN1, TOO_LONG) when `trailing`
// bytes follow the one DER object `what` that was asked for.
void refuse_trailing_bytes(std::size_t trailing, const char* what);

// parse_private_key decodes a PEM or DER key; passphrases come from `source`
// (may be null). Throws SSLError (or the callback's exception) on failure.
unique_handle<EVP_PKEY> parse_private_key(std::string_view data, FileType type, password_source* source);

// parse_certificates decodes every certificate in PEM text or concatenated
// DER (only the first with `first_only`); throws SSLError when there is
// none or one is malformed. Text around PEM blocks is skipped, as OpenSSL
// and Python do.
std::vector<unique_handle<X509>> parse_certificates(std::string_view data, FileType type, bool first_only = false);

// der_to_pem wraps DER bytes in a PEM block labelled `label` ("CERTIFICATE",
// "PUBLIC KEY"): 64-column base64, as Python's DER_cert_to_PEM_cert.
std::string der_to_pem(std::span<const std::byte> der, std::string_view label);

}  // namespace sslpp::detail
