/// \file
/// Error codes, error details and the exception types of sslpp.
///
/// One truth, two faces: every failure is a std::error_code plus an ErrorInfo
/// (what OpenSSL said). The exception-free calls return them; the throwing
/// calls turn them into the exception type Python's ssl module would raise.
///
///     std::system_error
///       OSError                      Python's OSError (files, sockets)
///         ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
///         TimeoutError, gaierror     Python's names for those OSErrors
///         SSLError                   ssl.SSLError, OpenSSL.SSL.Error
///           SSLZeroReturnError       ssl.SSLZeroReturnError, ZeroReturnError
///           SSLWantReadError         ssl.SSLWantReadError, WantReadError
///           SSLWantWriteError        ssl.SSLWantWriteError, WantWriteError
///           WantX509LookupError      OpenSSL.SSL.WantX509LookupError
///           SSLSyscallError          ssl.SSLSyscallError, SysCallError
///           SSLEOFError              ssl.SSLEOFError
///           SSLCertVerificationError ssl.SSLCertVerificationError
///             CertificateError       ssl.CertificateError (match_hostname)
///           NotSupportedError        a seed name OpenSSL 3 / Linux cannot honour
///     std::invalid_argument
///       ValueError                   Python's ValueError: a call made wrongly
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sslpp/export.hpp>
#include <sslpp/status.hpp>

namespace sslpp {

/// VerifyFailure explains a failed verification (defined in verify_failure.hpp).
struct VerifyFailure;

// ---------------------------------------------------------------------------
// Codes

/// errc are sslpp's error conditions, and the codes of failures that are
/// sslpp's own (make_error_code). As a condition each also matches the
/// codes of other categories that mean the same, so a test reads
/// `ec == sslpp::errc::eof` whichever layer saw the truncation:
///
/// - errc::eof: every truncation (sslpp's code, and OpenSSL's
///   UNEXPECTED_EOF_WHILE_READING);
/// - errc::certificate_verify_failed: every verification failure (a
///   verify_category() code, or OpenSSL's CERTIFICATE_VERIFY_FAILED);
/// - errc::timed_out: sslpp's timeouts and ETIMEDOUT; sslpp's timeout code
///   also equals std::errc::timed_out.
///
/// OpenSSL's packed error codes live in ssl_category(); the X509_V_*
/// results of a failed verification in verify_category(); errno values in
/// std::system_category(). The non-blocking outcomes (want_read,
/// want_write, closed) are io_status values, not errors: see
/// make_error_code(io_status) for the codes their exceptions carry.
enum class errc {
  /// An application callback asked to be called again.
  want_x509_lookup = 1,
  /// An I/O error below TLS; SSLSyscallError carries errno.
  syscall,
  /// The transport ended without close_notify (possible truncation attack).
  eof,
  /// The seed names something OpenSSL 3 or this platform does not provide.
  not_supported,
  /// The call needs a finished handshake.
  handshake_required,
  /// An application callback threw; the exception is kept for the caller.
  callback_failed,
  /// An argument or a call order the API does not accept (Python's ValueError).
  invalid_argument,
  /// match_hostname: the certificate does not match the name.
  hostname_mismatch,
  /// A blocking call ran out of time.
  timed_out,
  /// The peer's certificate did not verify (a condition: the codes are
  /// verify_category()'s).
  certificate_verify_failed,
};

/// sslpp_category is the category of errc.
SSLPP_API const std::error_category& sslpp_category() noexcept;

/// verify_category is the category of X509_V_* verification results: the
/// code of every verification failure, whose message() says why ("certificate
/// has expired", "hostname mismatch").
SSLPP_API const std::error_category& verify_category() noexcept;

/// io_category is the category of the io_status outcomes that the throwing
/// calls raise as exceptions (SSLWantReadError carries want_read, ...).
SSLPP_API const std::error_category& io_category() noexcept;
/// make_error_code(io_status) is the code of that outcome.
SSLPP_API std::error_code make_error_code(io_status s) noexcept;

/// ssl_category is the category of OpenSSL's packed error codes
/// (ERR_get_error values without the system-error flag).
SSLPP_API const std::error_category& ssl_category() noexcept;

/// make_error_code is the code of one of sslpp's own failures.
SSLPP_API std::error_code make_error_code(errc e) noexcept;
/// make_error_condition lets `ec == sslpp::errc::...` compare by meaning.
SSLPP_API std::error_condition make_error_condition(errc e) noexcept;

// ---------------------------------------------------------------------------
// Details

/// ErrorEntry is one entry of OpenSSL's error queue, as pyOpenSSL's Error
/// lists them: (lib, func, reason) in OpenSSL's words, plus the packed code.
struct ErrorEntry {
  /// code is OpenSSL's packed error code (ERR_get_error).
  unsigned long code = 0;
  /// lib is the library's name ("SSL routines").
  std::string lib;
  /// func is the OpenSSL function that raised it, or empty when OpenSSL
  /// recorded none.
  std::string func;
  /// reason is the reason in words ("certificate verify failed").
  std::string reason;
};

/// ErrorInfo is everything known about one failure.
struct ErrorInfo {
  /// code is the failure's code: ssl_category() for OpenSSL's errors,
  /// verify_category() for a failed verification, sslpp_category() for
  /// sslpp's own, std::system_category() for errno.
  std::error_code code;
  /// The message a person reads, e.g. "[SSL: CERTIFICATE_VERIFY_FAILED]
  /// certificate verify failed: Hostname mismatch, certificate is not valid
  /// for 'x'."
  std::string message;
  /// Python's SSLError.library mnemonic ("SSL", "PEM", "X509"), or empty.
  std::string library;
  /// Python's SSLError.reason mnemonic ("CERTIFICATE_VERIFY_FAILED"), or empty.
  std::string reason;
  /// The OpenSSL error queue at the failure, oldest first.
  std::vector<ErrorEntry> queue;
  /// X509_V_* result when certificate verification failed, else 0.
  long verify_code = 0;
  /// verify_message is verify_code in words ("certificate has expired"),
  /// else empty.
  std::string verify_message;
  /// errno of a failure below TLS (ConnectionResetError, SSLSyscallError, ...), else 0.
  int sys_errno = 0;
  /// verify_failure explains a failed verification: the chain, the depth
  /// that failed and a hint (verify_failure.hpp). Null for other failures,
  /// and when the explanation could not be built (out of memory).
  std::shared_ptr<const VerifyFailure> verify_failure;
};

// ---------------------------------------------------------------------------
// Exceptions

/// OSError is Python's OSError: a failure with a std::error_code.
class SSLPP_API OSError : public std::system_error {
 public:
  /// OSError makes the exception for `info`. throw_error picks the class
  /// Python would raise; construct one directly only to rethrow your own.
  explicit OSError(ErrorInfo info);
  /// what() is the message a person reads.
  const char* what() const noexcept override;
  /// info() is the whole failure record.
  const ErrorInfo& info() const noexcept { return *info_; }
  /// class_name() is the Python class name, e.g. "SSLCertVerificationError".
  virtual const char* class_name() const noexcept { return "OSError"; }

 private:
  std::shared_ptr<const ErrorInfo> info_;  // shared: exceptions copy nothrow
};

#define SSLPP_DETAIL_OS_ERROR(name)                                        \
  class SSLPP_API name : public OSError {                                  \
   public:                                                                 \
    using OSError::OSError;                                                \
    const char* class_name() const noexcept override { return #name; }    \
  }

/// ConnectionRefusedError: nothing listens at the address (ECONNREFUSED).
SSLPP_DETAIL_OS_ERROR(ConnectionRefusedError);
/// ConnectionResetError: the peer reset the connection (ECONNRESET).
SSLPP_DETAIL_OS_ERROR(ConnectionResetError);
/// BrokenPipeError: writing to a connection the peer has closed (EPIPE).
SSLPP_DETAIL_OS_ERROR(BrokenPipeError);
/// TimeoutError: a socket operation ran out of time (Python's socket.timeout).
SSLPP_DETAIL_OS_ERROR(TimeoutError);
/// gaierror: a host name could not be resolved (Python's socket.gaierror).
SSLPP_DETAIL_OS_ERROR(gaierror);

#undef SSLPP_DETAIL_OS_ERROR

/// SSLError is Python's ssl.SSLError and pyOpenSSL's Error.
class SSLPP_API SSLError : public OSError {
 public:
  using OSError::OSError;
  /// library() is the OpenSSL sub-library mnemonic ("SSL", "PEM", "X509"),
  /// empty when the error did not come from OpenSSL.
  const std::string& library() const noexcept { return info().library; }
  /// reason() is the reason mnemonic ("CERTIFICATE_VERIFY_FAILED").
  const std::string& reason() const noexcept { return info().reason; }
  /// errors() is OpenSSL's error queue as (lib, func, reason) entries.
  const std::vector<ErrorEntry>& errors() const noexcept { return info().queue; }
  const char* class_name() const noexcept override { return "SSLError"; }
};

#define SSLPP_DETAIL_SSL_ERROR(name, base)                                 \
  class SSLPP_API name : public base {                                     \
   public:                                                                 \
    using base::base;                                                      \
    const char* class_name() const noexcept override { return #name; }    \
  }

/// SSLZeroReturnError: the TLS stream was closed cleanly (close_notify).
SSLPP_DETAIL_SSL_ERROR(SSLZeroReturnError, SSLError);
/// SSLWantReadError: non-blocking, more data must be read from the transport.
SSLPP_DETAIL_SSL_ERROR(SSLWantReadError, SSLError);
/// SSLWantWriteError: non-blocking, data must be written to the transport first.
SSLPP_DETAIL_SSL_ERROR(SSLWantWriteError, SSLError);
/// WantX509LookupError: a callback asked to be called again.
SSLPP_DETAIL_SSL_ERROR(WantX509LookupError, SSLError);
/// SSLEOFError: the transport ended without close_notify.
SSLPP_DETAIL_SSL_ERROR(SSLEOFError, SSLError);
/// NotSupportedError: a seed name that OpenSSL 3 or this platform lacks.
SSLPP_DETAIL_SSL_ERROR(NotSupportedError, SSLError);

/// SSLSyscallError: an I/O error below TLS (pyOpenSSL's SysCallError).
class SSLPP_API SSLSyscallError : public SSLError {
 public:
  using SSLError::SSLError;
  /// errnum() is the errno of the failure (0: the transport ended abruptly).
  int errnum() const noexcept { return info().sys_errno; }
  const char* class_name() const noexcept override { return "SSLSyscallError"; }
};

/// SSLCertVerificationError: the peer's certificate did not verify.
class SSLPP_API SSLCertVerificationError : public SSLError {
 public:
  using SSLError::SSLError;
  /// verify_code() is OpenSSL's X509_V_ERR_* value (62: hostname mismatch).
  long verify_code() const noexcept { return info().verify_code; }
  /// verify_message() says why, in words.
  const std::string& verify_message() const noexcept { return info().verify_message; }
  /// verify_failure() is the explanation (chain, depth, hint), or null when
  /// none could be built. Include <sslpp/verify_failure.hpp> to read it.
  const VerifyFailure* verify_failure() const noexcept { return info().verify_failure.get(); }
  /// depth() is the depth of the certificate that failed (0: the peer's
  /// own), or -1 when unknown.
  int depth() const noexcept;
  /// hint() is one line saying what to do about it, or empty when unknown.
  const std::string& hint() const noexcept;
  const char* class_name() const noexcept override { return "SSLCertVerificationError"; }
};

/// CertificateError: match_hostname found no match. As in Python, it is a
/// kind of SSLCertVerificationError.
SSLPP_DETAIL_SSL_ERROR(CertificateError, SSLCertVerificationError);

#undef SSLPP_DETAIL_SSL_ERROR

/// ValueError is Python's ValueError: the call was made wrongly (a bad
/// argument, or a call that needs a finished handshake made before it).
class SSLPP_API ValueError : public std::invalid_argument {
 public:
  /// ValueError makes the exception: `what` is the message, `code` what
  /// code() reports.
  explicit ValueError(const std::string& what, std::error_code code = make_error_code(errc::invalid_argument))
      : std::invalid_argument(what), code_(code) {}
  /// code is errc::invalid_argument, or errc::handshake_required for a call
  /// made before the handshake it needs.
  std::error_code code() const noexcept { return code_; }
  /// class_name() is "ValueError", as OSError::class_name() names its class.
  const char* class_name() const noexcept { return "ValueError"; }

 private:
  std::error_code code_;
};

/// throw_error throws the exception type that Python would raise for `info`.
[[noreturn]] SSLPP_API void throw_error(ErrorInfo info);

/// os_error_info builds an ErrorInfo for errno `err`, with Python's message
/// form "[Errno N] text" followed by ": detail" when `detail` is not empty.
SSLPP_API ErrorInfo os_error_info(int err, std::string_view detail = {});

/// error_info builds an ErrorInfo for one of sslpp's own conditions, with the
/// standard message for it followed by `detail` when not empty.
SSLPP_API ErrorInfo error_info(errc e, std::string_view detail = {});
/// error_info builds the ErrorInfo of an io_status outcome (want_read,
/// want_write, closed), with Python's message for it.
SSLPP_API ErrorInfo error_info(io_status s);

}  // namespace sslpp

// Lets `ec == sslpp::errc::eof` compare by meaning (std's opt-in).
/// \cond
template <>
struct std::is_error_condition_enum<sslpp::errc> : std::true_type {};
/// \endcond
