// What the event-loop server reports, and where: each connection's JSON
// event lines (`sslpp serve` prints them on stdout), and the failures that
// come after a connection's handshake (one line each on stderr).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <sslpp/sslpp.hpp>

#include "output.hpp"

namespace sslpp::cli {

/// ServerLog receives the server's reports, on the server's thread. Its
/// functions should not throw; if they do, the report is dropped.
struct ServerLog {
  /// event gets one JSON line: {"event": "handshake", ...} after each
  /// successful handshake, {"event": "error", ...} after each failed one,
  /// and with --http {"event": "request", ...} for each request. The view
  /// is valid during the call only.
  std::function<void(std::string_view json_line)> event;
  /// failure gets a connection's failure after its handshake (a reset, a
  /// bad record, a timeout), which is no event: stdout keeps one line per
  /// connection (plus the requests).
  std::function<void(const ErrorReport& report)> failure;
  /// flush, when set, is called each time the server is about to wait for
  /// events: a log that holds event lines back (serve's stdout) writes them
  /// then, so none is more than one turn of the loop late and none waits
  /// while the server does. What is held when run() returns is the owner's
  /// to write.
  std::function<void()> flush;

  void report_event(std::string_view json_line) const noexcept;
  void report_failure(const ErrorReport& report) const noexcept;
  void flush_events() const noexcept;
};

/// handshake_event is the line for a completed handshake: version, cipher,
/// ALPN, server name and the client's certificate.
std::string handshake_event(const Connection& tls);
/// handshake_members is handshake_event's object, for members to be added
/// (serve --dtls adds the client's address).
JsonObject handshake_members(const Connection& tls);

/// error_event is the line for a handshake that failed.
std::string error_event(const ErrorReport& report);
/// error_members is error_event's object, for members to be added.
JsonObject error_members(const ErrorReport& report);

/// request_event writes into `line` (replacing what it held) the line for
/// an HTTP request: method and target are null for a request that did not
/// parse. JsonObject's layout, written straight into a buffer the caller
/// reuses: it runs for every request.
void request_event(std::string& line, std::optional<std::string_view> method, std::optional<std::string_view> target,
                   int status, bool keep_alive);

/// tls_failure describes why a call on `tls` that reported `status`
/// (closed, truncated or error) failed, as the throwing form of the call
/// would have raised it: SSLZeroReturnError for closed, the exception a
/// callback threw, else the connection's last error.
ErrorReport tls_failure(Connection& tls, io_status status);

/// report_of describes `info` as the exception throw_error(info) raises.
ErrorReport report_of(ErrorInfo info);

}  // namespace sslpp::cli
