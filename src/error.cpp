#include <sslpp/error.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "internal/error_queue.hpp"

namespace sslpp {

namespace {

struct lib_name_entry {
  int lib;
  const char* name;
};
struct reason_name_entry {
  const char* lib;
  int reason;
  const char* name;
};
#include "err_names.inc"

// Python's words for the outcomes of SSL_get_error (Modules/_ssl.c).
std::string_view standard_message(errc e) noexcept {
  switch (e) {
    case errc::want_x509_lookup:
      return "The operation did not complete (X509 lookup)";
    case errc::syscall:
      return "Some I/O error occurred";
    case errc::eof:
      return "EOF occurred in violation of protocol";
    case errc::not_supported:
      return "not supported";
    case errc::handshake_required:
      return "handshake not done yet";
    case errc::callback_failed:
      return "an application callback raised an exception";
    case errc::invalid_argument:
      return "invalid argument";
    case errc::hostname_mismatch:
      return "hostname mismatch";
    case errc::timed_out:
      return "The read operation timed out";
    case errc::certificate_verify_failed:
      return "certificate verify failed";
  }
  return "unknown sslpp error";
}

// Python's words for the outcomes the throwing calls raise.
std::string_view io_message(io_status s) noexcept {
  switch (s) {
    case io_status::closed:
      return "TLS/SSL connection has been closed (EOF)";
    case io_status::want_read:
      return "The operation did not complete (read)";
    case io_status::want_write:
      return "The operation did not complete (write)";
    default:
      return to_string(s);
  }
}

bool is_ssl_reason(const std::error_code& code, int reason) noexcept {
  const auto packed = static_cast<unsigned long>(static_cast<unsigned int>(code.value()));
  return code.category() == ssl_category() && ERR_GET_LIB(packed) == ERR_LIB_SSL && ERR_GET_REASON(packed) == reason;
}

class sslpp_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sslpp"; }
  std::string message(int ev) const override { return std::string(standard_message(static_cast<errc>(ev))); }
  // sslpp's timeout is also the standard one.
  std::error_condition default_error_condition(int ev) const noexcept override {
    if (static_cast<errc>(ev) == errc::timed_out) {
      return std::make_error_condition(std::errc::timed_out);
    }
    return {ev, *this};
  }
  // The conditions that other categories' codes also mean.
  bool equivalent(const std::error_code& code, int condition) const noexcept override {
    if (code.category() == *this) {
      return code.value() == condition;
    }
    switch (static_cast<errc>(condition)) {
      case errc::eof:
        return is_ssl_reason(code, SSL_R_UNEXPECTED_EOF_WHILE_READING);
      case errc::certificate_verify_failed:
        return code.category() == verify_category() || is_ssl_reason(code, SSL_R_CERTIFICATE_VERIFY_FAILED);
      case errc::timed_out:
        return (code.category() == std::system_category() || code.category() == std::generic_category()) &&
               code.value() == ETIMEDOUT;
      default:
        return false;
    }
  }
};

class verify_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "x509-verify"; }
  std::string message(int ev) const override { return ::X509_verify_cert_error_string(ev); }
  std::error_condition default_error_condition(int) const noexcept override {
    return make_error_condition(errc::certificate_verify_failed);
  }
};

class io_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sslpp-io"; }
  std::string message(int ev) const override { return std::string(io_message(static_cast<io_status>(ev))); }
};

class ssl_category_impl final : public std::error_category {
 public:
  // The reason strings are loaded on OpenSSL's first SSL call; load them now
  // so a code can be described before any connection was made.
  ssl_category_impl() noexcept {
    ::OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, nullptr);
  }
  const char* name() const noexcept override { return "openssl"; }
  std::string message(int ev) const override {
    const char* reason = ::ERR_reason_error_string(static_cast<unsigned long>(ev));
    return reason != nullptr ? reason : "OpenSSL error " + std::to_string(ev);
  }
};

std::error_code code_for(unsigned long packed) noexcept {
  if (ERR_SYSTEM_ERROR(packed)) {
    return {static_cast<int>(ERR_GET_REASON(packed)), std::system_category()};
  }
  return {static_cast<int>(packed), ssl_category()};
}

}  // namespace

const std::error_category& sslpp_category() noexcept {
  static const sslpp_category_impl instance;
  return instance;
}

const std::error_category& ssl_category() noexcept {
  static const ssl_category_impl instance;
  return instance;
}

const std::error_category& verify_category() noexcept {
  static const verify_category_impl instance;
  return instance;
}

const std::error_category& io_category() noexcept {
  static const io_category_impl instance;
  return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), sslpp_category()}; }

std::error_condition make_error_condition(errc e) noexcept { return {static_cast<int>(e), sslpp_category()}; }

std::error_code make_error_code(io_status s) noexcept { return {static_cast<int>(s), io_category()}; }

OSError::OSError(ErrorInfo info)
    : std::system_error(info.code, info.message), info_(std::make_shared<const ErrorInfo>(std::move(info))) {}

const char* OSError::what() const noexcept { return info_->message.c_str(); }

ErrorInfo error_info(io_status s) {
  ErrorInfo info;
  info.code = make_error_code(s);
  info.message = io_message(s);
  return info;
}

ErrorInfo error_info(errc e, std::string_view detail) {
  ErrorInfo info;
  info.code = make_error_code(e);
  info.message = detail.empty() ? std::string(standard_message(e)) : std::string(detail);
  return info;
}

void throw_error(ErrorInfo info) {
  const std::error_code code = info.code;
  if (code.category() == io_category()) {
    switch (static_cast<io_status>(code.value())) {
      case io_status::closed:
        throw SSLZeroReturnError(std::move(info));
      case io_status::want_read:
        throw SSLWantReadError(std::move(info));
      case io_status::want_write:
        throw SSLWantWriteError(std::move(info));
      default:
        throw SSLError(std::move(info));
    }
  }
  if (code.category() == verify_category()) {
    throw SSLCertVerificationError(std::move(info));
  }
  if (code.category() == sslpp_category()) {
    switch (static_cast<errc>(code.value())) {
      case errc::want_x509_lookup:
        throw WantX509LookupError(std::move(info));
      case errc::syscall:
        throw SSLSyscallError(std::move(info));
      case errc::eof:
        throw SSLEOFError(std::move(info));
      case errc::not_supported:
        throw NotSupportedError(std::move(info));
      case errc::hostname_mismatch:
        throw CertificateError(std::move(info));
      case errc::handshake_required:
      case errc::invalid_argument:
        throw ValueError(info.message, code);
      case errc::timed_out:
        throw TimeoutError(std::move(info));
      case errc::callback_failed:
      case errc::certificate_verify_failed:
        throw SSLError(std::move(info));
    }
    throw SSLError(std::move(info));
  }
  if (code.category() == ssl_category()) {
    if (info.verify_code != 0) {
      throw SSLCertVerificationError(std::move(info));
    }
    if (info.reason == "UNEXPECTED_EOF_WHILE_READING") {
      throw SSLEOFError(std::move(info));
    }
    throw SSLError(std::move(info));
  }
  if (code.category() == std::system_category() || code.category() == std::generic_category()) {
    switch (code.value()) {
      case ECONNREFUSED:
        throw ConnectionRefusedError(std::move(info));
      case ECONNRESET:
        throw ConnectionResetError(std::move(info));
      case EPIPE:
        throw BrokenPipeError(std::move(info));
      case ETIMEDOUT:
        throw TimeoutError(std::move(info));
      default:
        break;
    }
  }
  throw OSError(std::move(info));
}

ErrorInfo os_error_info(int err, std::string_view detail) {
  ErrorInfo info;
  info.code = {err, std::system_category()};
  info.sys_errno = err;
  info.message = "[Errno " + std::to_string(err) + "] " + std::strerror(err);
  if (!detail.empty()) {
    info.message += ": ";
    info.message += detail;
  }
  return info;
}

namespace detail {

std::string_view lib_mnemonic(int lib) noexcept {
  for (const auto& e : kLibNames) {
    if (e.lib == lib) {
      return e.name;
    }
  }
  return {};
}

std::string_view reason_mnemonic(int lib, int reason) noexcept {
  const std::string_view lib_name = lib_mnemonic(lib);
  if (lib_name.empty()) {
    return {};
  }
  for (const auto& e : kReasonNames) {
    if (e.reason == reason && lib_name == e.lib) {
      return e.name;
    }
  }
  return {};
}

ErrorInfo take_error_queue(errc fallback, std::string_view context) {
  ErrorInfo info;
  unsigned long last = 0;
  const char* last_data = nullptr;
  const char* func = nullptr;
  const char* data = nullptr;
  int flags = 0;
  while (const unsigned long packed = ::ERR_get_error_all(nullptr, nullptr, &func, &data, &flags)) {
    ErrorEntry entry;
    entry.code = packed;
    if (const char* s = ::ERR_lib_error_string(packed)) {
      entry.lib = s;
    }
    entry.func = func != nullptr ? func : "";
    if (const char* s = ::ERR_reason_error_string(packed)) {
      entry.reason = s;
    }
    info.queue.push_back(std::move(entry));
    last = packed;
    last_data = (flags & ERR_TXT_STRING) != 0 ? data : nullptr;
  }
  if (last == 0) {
    info = error_info(fallback);
  } else {
    info.code = code_for(last);
    if (!ERR_SYSTEM_ERROR(last)) {
      info.library = lib_mnemonic(ERR_GET_LIB(last));
      info.reason = reason_mnemonic(ERR_GET_LIB(last), ERR_GET_REASON(last));
    }
    std::string text = info.code.message();
    if (last_data != nullptr && *last_data != '\0') {
      text += " (";
      text += last_data;
      text += ")";
    }
    if (!info.library.empty() && !info.reason.empty()) {
      info.message = "[" + info.library + ": " + info.reason + "] " + text;
    } else if (!info.reason.empty()) {
      info.message = "[" + info.reason + "] " + text;
    } else {
      info.message = std::move(text);
    }
  }
  if (!context.empty()) {
    info.message = std::string(context) + ": " + info.message;
  }
  return info;
}

void throw_openssl_error(std::string_view context) { throw_error(take_error_queue(errc::invalid_argument, context)); }

void throw_value_error(const std::string& message) { throw ValueError(message); }

void throw_os_error(int err, const std::filesystem::path& path) {
  throw_error(os_error_info(err, "'" + path.string() + "'"));
}

void require_readable_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw_os_error(errno, path);
  }
  if (S_ISDIR(st.st_mode)) {
    throw_os_error(EISDIR, path);
  }
  if (::access(path.c_str(), R_OK) != 0) {
    throw_os_error(errno, path);
  }
}

}  // namespace detail
}  // namespace sslpp
