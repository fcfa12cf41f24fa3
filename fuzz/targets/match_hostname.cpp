// match_hostname: Python's ssl.match_hostname over a decoded certificate
// built from the input.
//
// Input: lines. The first is the host name; each further line is an entry,
// its first byte choosing the kind (below) and the rest its value.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <sslpp/hostname.hpp>

#include "support/expect.hpp"
#include "support/input.hpp"

namespace {

// The entry kinds getpeercert() produces, plus one it never does.
constexpr std::array<std::string_view, 6> san_types{"DNS", "IP Address", "email", "URI", "DirName", "othername"};

sslpp::CertInfo build(std::string_view lines, std::string& host) {
  sslpp::CertInfo info;
  std::size_t start = 0;
  bool first = true;
  while (start <= lines.size()) {
    const std::size_t end = std::min(lines.find('\n', start), lines.size());
    const std::string_view line = lines.substr(start, end - start);
    start = end + 1;
    if (first) {
      host = line;
      first = false;
      continue;
    }
    if (line.empty()) {
      continue;
    }
    const auto kind = static_cast<std::uint8_t>(line[0]);
    const std::string value(line.substr(1));
    if (kind % 8 == 6) {
      info.subject.push_back({{"commonName", value}});
    } else if (kind % 8 == 7) {
      info.subject.push_back({{"organizationName", value}, {"commonName", value}});
    } else {
      if (!info.subjectAltName) {
        info.subjectAltName.emplace();
      }
      info.subjectAltName->push_back({std::string(san_types[kind % 8]), value, {}});
    }
  }
  return info;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sslpp_fuzz::input in(data, size);
  std::string host;
  const sslpp::CertInfo info = build(in.rest_text(), host);
  sslpp_fuzz::expect_typed([&] {
    // match_hostname is deprecated (Python deprecated it in 3.7); its rules
    // are still sslpp's to keep, and hostile names reach it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    sslpp::match_hostname(info, host);
#pragma GCC diagnostic pop
  });
  return 0;
}
