// utc_text formats a time as sslpp's verification hints write it
// ("2026-12-06 23:10:27 UTC"), written here independently of the library so
// the tests that compare hints against certificates' dates check its format.
#pragma once

#include <chrono>
#include <ctime>
#include <string>

namespace sslpp::test {

inline std::string utc_text(std::chrono::sys_seconds t) {
  const auto tt = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  return std::string(buf, std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm));
}

}  // namespace sslpp::test
