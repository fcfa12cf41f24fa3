#include "server_log.hpp"

#include <charconv>
#include <iterator>

namespace sslpp::cli {

namespace {

void append_json_or_null(std::string& out, std::optional<std::string_view> value) {
  if (value) {
    append_json_string(out, *value);
  } else {
    out += "null";
  }
}

}  // namespace

void ServerLog::report_event(std::string_view json_line) const noexcept {
  try {
    if (event) {
      event(json_line);
    }
  } catch (...) {
    // Nothing sensible remains to be done with a failure to report.
  }
}

void ServerLog::report_failure(const ErrorReport& report) const noexcept {
  try {
    if (failure) {
      failure(report);
    }
  } catch (...) {
  }
}

void ServerLog::flush_events() const noexcept {
  try {
    if (flush) {
      flush();
    }
  } catch (...) {
  }
}

std::string handshake_event(const Connection& tls) { return handshake_members(tls).str(); }

JsonObject handshake_members(const Connection& tls) {
  const auto peercert = tls.getpeercert();
  JsonObject json;
  json
      .string("event", "handshake")
      .optional_string("version", tls.version())
      .raw("cipher", json_cipher(tls.cipher()))
      .optional_string("alpn", tls.selected_alpn_protocol())
      .optional_string("servername", tls.get_servername())
      .raw("peercert", peercert ? peercert->to_json() : "null");
  return json;
}

std::string error_event(const ErrorReport& r) { return error_members(r).str(); }

JsonObject error_members(const ErrorReport& r) {
  JsonObject json;
  json
      .string("event", "error")
      .string("class", r.class_name)
      .optional_string("reason", r.reason ? r.reason : std::optional<std::string>(r.message))
      .string("message", r.message)
      .raw("verify_code", r.verify_code ? std::to_string(*r.verify_code) : "null")
      .raw("depth", r.verify_failure ? std::to_string(r.verify_failure->depth) : "null")
      .raw("hint", r.verify_failure ? json_quote(r.verify_failure->hint) : "null");
  return json;
}

void request_event(std::string& line, std::optional<std::string_view> method, std::optional<std::string_view> target,
                   int status, bool keep_alive) {
  line.assign(R"({"event": "request", "method": )");
  append_json_or_null(line, method);
  line += R"(, "target": )";
  append_json_or_null(line, target);
  line += R"(, "status": )";
  char digits[16];
  const auto written = std::to_chars(std::begin(digits), std::end(digits), status);
  line.append(digits, written.ptr);
  line += keep_alive ? R"(, "keep_alive": true})" : R"(, "keep_alive": false})";
}

ErrorReport tls_failure(Connection& tls, io_status status) {
  if (status == io_status::closed) {
    return report_of(error_info(status));
  }
  if (const std::exception_ptr thrown = tls.take_callback_exception()) {
    return describe_exception(thrown);
  }
  return report_of(tls.last_error());
}

ErrorReport report_of(ErrorInfo info) {
  try {
    throw_error(std::move(info));
  } catch (...) {
    return describe_exception(std::current_exception());
  }
}

}  // namespace sslpp::cli
