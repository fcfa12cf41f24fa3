#include "server_log.hpp"

namespace sslpp::cli {

void ServerLog::report_event(const std::string& json_line) const noexcept {
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

std::string handshake_event(const Connection& tls) {
  const auto peercert = tls.getpeercert();
  return JsonObject()
      .string("event", "handshake")
      .optional_string("version", tls.version())
      .raw("cipher", json_cipher(tls.cipher()))
      .optional_string("alpn", tls.selected_alpn_protocol())
      .optional_string("servername", tls.get_servername())
      .raw("peercert", peercert ? peercert->to_json() : "null")
      .str();
}

std::string error_event(const ErrorReport& r) {
  return JsonObject()
      .string("event", "error")
      .string("class", r.class_name)
      .optional_string("reason", r.reason ? r.reason : std::optional<std::string>(r.message))
      .string("message", r.message)
      .raw("verify_code", r.verify_code ? std::to_string(*r.verify_code) : "null")
      .str();
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
