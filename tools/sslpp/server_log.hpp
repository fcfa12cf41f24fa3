// What the event-loop server reports, and where: each connection's JSON
// event lines (`sslpp serve` prints them on stdout), and the failures that
// come after a connection's handshake (one line each on stderr).
#pragma once

#include <functional>
#include <string>

#include <sslpp/sslpp.hpp>

#include "output.hpp"

namespace sslpp::cli {

/// ServerLog receives the server's reports, on the server's thread. Its
/// functions should not throw; if they do, the report is dropped.
struct ServerLog {
  /// event gets one JSON line: {"event": "handshake", ...} after each
  /// successful handshake, {"event": "error", ...} after each failed one,
  /// and with --http {"event": "request", ...} for each request.
  std::function<void(const std::string& json_line)> event;
  /// failure gets a connection's failure after its handshake (a reset, a
  /// bad record, a timeout), which is no event: stdout keeps one line per
  /// connection (plus the requests).
  std::function<void(const ErrorReport& report)> failure;

  void report_event(const std::string& json_line) const noexcept;
  void report_failure(const ErrorReport& report) const noexcept;
};

/// handshake_event is the line for a completed handshake: version, cipher,
/// ALPN, server name and the client's certificate.
std::string handshake_event(const Connection& tls);

/// error_event is the line for a handshake that failed.
std::string error_event(const ErrorReport& report);

/// tls_failure describes why a call on `tls` that reported `status`
/// (closed, truncated or error) failed, as the throwing form of the call
/// would have raised it: SSLZeroReturnError for closed, the exception a
/// callback threw, else the connection's last error.
ErrorReport tls_failure(Connection& tls, io_status status);

/// report_of describes `info` as the exception throw_error(info) raises.
ErrorReport report_of(ErrorInfo info);

}  // namespace sslpp::cli
