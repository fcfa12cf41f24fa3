// What the sslpp program prints: the one-line error report (and its JSON
// form), a small JSON object writer in Python's json.dumps layout, and the
// facts of a TLS session as text and as JSON, shared by connect, serve and
// demo.
#pragma once

#include <exception>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sslpp/sslpp.hpp>

namespace sslpp::cli {

// ---------------------------------------------------------------------------
// Exit statuses (issue 6)

/// exit_ok: success.
inline constexpr int exit_ok = 0;
/// exit_failure: a TLS, verification, hostname or network failure.
inline constexpr int exit_failure = 1;
/// exit_bad_input: a usage error or bad input (missing file, bad PEM, bad value).
inline constexpr int exit_bad_input = 2;

// ---------------------------------------------------------------------------
// Errors

/// ErrorReport is what the program says about a failure.
struct ErrorReport {
  /// The class name as the library names it ("SSLCertVerificationError").
  std::string class_name;
  /// The reason a person reads (the exception's message, on one line).
  std::string message;
  /// Python's SSLError.library / .reason mnemonics, when there are any.
  std::optional<std::string> library;
  std::optional<std::string> reason;
  /// Set for a certificate verification failure.
  std::optional<long> verify_code;
  std::optional<std::string> verify_message;
  /// Why the verification failed (chain, depth, hint), when the library
  /// could explain it.
  std::shared_ptr<const VerifyFailure> verify_failure;
  /// The exit status this failure ends the program with.
  int exit_status = exit_failure;
};

/// describe_exception describes `error`. This is the one place that maps
/// C++ exception types to the names the program prints: sslpp's exceptions
/// name themselves (OSError::class_name); ValueError and UsageError are bad
/// input (exit 2); anything else is reported by its type's role.
ErrorReport describe_exception(const std::exception_ptr& error);

/// BadInput carries a failure that happened while reading the user's input
/// (files, keys, option values): whatever its class, it exits with 2.
class BadInput : public std::exception {
 public:
  explicit BadInput(ErrorReport report) : report_(std::move(report)) { report_.exit_status = exit_bad_input; }
  [[nodiscard]] const ErrorReport& report() const noexcept { return report_; }
  [[nodiscard]] const char* what() const noexcept override { return report_.message.c_str(); }

 private:
  ErrorReport report_;
};

/// as_bad_input runs `step`, which reads the user's input, and turns any
/// exception it throws into BadInput, so "missing file" and "bad PEM" exit
/// with 2 while the same exception types from the network exit with 1.
template <typename Step>
decltype(auto) as_bad_input(Step&& step) {
  try {
    return std::forward<Step>(step)();
  } catch (const BadInput&) {
    throw;
  } catch (...) {
    throw BadInput(describe_exception(std::current_exception()));
  }
}

/// error_line is the one stderr line: "Class: reason", ending with
/// " (verify_code=N)" for a verification failure.
std::string error_line(const ErrorReport& report);

/// error_json is {"error": {...}}, the --json form of a failure. A
/// verification failure adds "depth", "hint" and "chain"
/// (VerifyFailure::to_json); they are null for every other failure.
std::string error_json(const ErrorReport& report);

/// print_verify_failure writes the marked chain and the hint of a failed
/// verification for a person to read (VerifyFailure::to_text); nothing when
/// `report` has no explanation.
void print_verify_failure(std::ostream& out, const ErrorReport& report);

// ---------------------------------------------------------------------------
// JSON

/// append_json_string appends `s` as json_quote renders it. Printable
/// ASCII without quotes or backslashes (method names, request targets, the
/// event keys) is copied as it is, without json_quote's decoding and its
/// temporaries: the request line of `sslpp serve --http` is written per request.
void append_json_string(std::string& out, std::string_view s);

/// escape_control_bytes makes peer-supplied text safe to show on a
/// terminal, as decode's terminal_text does (control bytes, DEL, invalid
/// UTF-8, C1 and bidirectional controls become \xNN per byte), except the
/// characters in `keep` (tab, CR, LF for a stream of lines); the
/// characters in `also` are escaped too (the quote around a value).
std::string escape_control_bytes(std::string_view text, std::string_view keep = {}, std::string_view also = {});

/// JsonObject builds one JSON object with Python's json.dumps separators
/// (", " and ": "), keys in insertion order.
class JsonObject {
 public:
  JsonObject& raw(std::string_view key, std::string_view json);
  JsonObject& string(std::string_view key, std::string_view value);
  JsonObject& optional_string(std::string_view key, const std::optional<std::string>& value);
  JsonObject& number(std::string_view key, long long value);
  JsonObject& boolean(std::string_view key, bool value);
  [[nodiscard]] std::string str() const { return body_ + "}"; }

 private:
  // key starts a member: the separator, then the quoted key and ": ".
  void key(std::string_view name);

  std::string body_ = "{";
};

/// json_cipher is Python's cipher() triple as a JSON array, or null.
std::string json_cipher(const std::optional<CipherInfo>& cipher);

// ---------------------------------------------------------------------------
// Session facts

/// ChainCertificate is one certificate the server sent (--showcerts).
struct ChainCertificate {
  /// decoded is the certificate decoded (whether or not it was verified).
  CertInfo decoded;
  /// sha256 is the SHA-256 of its DER, lower-case hex.
  std::string sha256;
  std::string pem;
};

/// OcspStaple is what --status found: the response decoded, or why not.
struct OcspStaple {
  /// response is nullopt when the server stapled none.
  std::optional<OcspResponseInfo> response;
  /// error is set when the server stapled bytes that are not a response.
  std::optional<std::string> error;
};

/// SessionFacts is what a client reports about one connection.
struct SessionFacts {
  std::optional<std::string> version;
  std::optional<CipherInfo> cipher;
  std::optional<std::string> alpn;
  std::optional<std::string> server_hostname;
  bool session_reused = false;
  /// getpeercert(): nullopt without a certificate, empty when unverified.
  std::optional<CertInfo> peercert;
  /// SHA-256 of the peer certificate's DER, lower-case hex.
  std::optional<std::string> peercert_sha256;
  /// What --send brought back, if anything was sent.
  std::optional<std::string> received;
  /// How the server's stream ended, whenever connect read from it (--send,
  /// interactive mode, the wait for a session ticket): "close_notify",
  /// "idle" (the peer went quiet) or "truncated" (TCP closed without
  /// close_notify, so the reply may have been cut short by anyone on the path).
  std::optional<std::string> end_of_stream;
  /// With --showcerts: every certificate the server sent, in its order.
  std::optional<std::vector<ChainCertificate>> peer_chain;
  /// With --status: the OCSP staple.
  std::optional<OcspStaple> ocsp;
  /// With --dtls --srtp: the SRTP profile agreed; the inner nullopt when
  /// the server agreed none.
  std::optional<std::optional<std::string>> srtp_profile;
};

/// chain_of is the chain the server sent, decoded, for --showcerts.
std::vector<ChainCertificate> chain_of(const Connection& tls);

/// staple_of is the OCSP staple of a connection that requested one.
OcspStaple staple_of(const Connection& tls);

/// facts_of collects the facts of a connection (TLS or DTLS) after its
/// handshake.
SessionFacts facts_of(const Connection& tls);

/// session_json is connect's --json success object.
std::string session_json(const SessionFacts& facts);

/// print_session writes the facts for a person to read.
void print_session(std::ostream& out, const SessionFacts& facts);

/// print_certificate writes a decoded certificate for a person to read.
void print_certificate(std::ostream& out, const CertInfo& cert, std::string_view indent);

}  // namespace sslpp::cli
