// Draining OpenSSL's error queue into ErrorInfo, and the helpers every
// configuration call uses to fail with a typed error.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <openssl/err.h>

#include <sslpp/error.hpp>

namespace sslpp::detail {

// clear_stale_errors empties the thread's error queue before an OpenSSL call
// whose failure we classify, so a leftover entry from unrelated code cannot
// be blamed on it. Peeking first keeps the common (empty) case cheap.
inline void clear_stale_errors() noexcept {
  if (::ERR_peek_error() != 0) {
    ::ERR_clear_error();
  }
}

// take_error_queue drains the thread's error queue into an ErrorInfo whose
// code, library and reason describe the most recent entry, and whose message
// is Python's "[LIB: REASON] text". `fallback` is used when the queue is
// empty; `context` (e.g. "load_cert_chain") prefixes the message when given.
ErrorInfo take_error_queue(errc fallback = errc::invalid_argument, std::string_view context = {});

// throw_openssl_error drains the queue and throws the matching exception.
[[noreturn]] void throw_openssl_error(std::string_view context = {});

// check throws the queue's error (prefixed by `what`) unless `ok` is 1,
// OpenSSL's usual success.
inline void check(int ok, const char* what) {
  if (ok != 1) {
    throw_openssl_error(what);
  }
}

// throw_value_error throws ValueError with `message`.
[[noreturn]] void throw_value_error(const std::string& message);

// throw_os_error throws OSError for errno `err`, naming `path` as Python
// does: "[Errno 2] No such file or directory: 'path'".
[[noreturn]] void throw_os_error(int err, const std::filesystem::path& path);

// require_readable_file throws OSError unless `path` names a regular file
// this process can open, so a missing file or a directory gets an errno
// error naming it instead of an opaque OpenSSL "system lib" entry.
void require_readable_file(const std::filesystem::path& path);

// lib_mnemonic / reason_mnemonic give Python's names for OpenSSL's codes
// ("SSL", "CERTIFICATE_VERIFY_FAILED"); empty when unknown.
std::string_view lib_mnemonic(int lib) noexcept;
std::string_view reason_mnemonic(int lib, int reason) noexcept;

}  // namespace sslpp::detail
