// cert_time: Python's ssl.cert_time_to_seconds over the input as text.
// A result must be a time a four-digit year can name.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <sslpp/cert_time.hpp>

#include "support/expect.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sslpp_fuzz::expect_typed([&] {
    const long long seconds = sslpp::cert_time_to_seconds(text);
    // 0001-01-01 .. 10000-01-01 (a day past 9999-12-31 23:59:61 at most).
    if (seconds < -62135596800LL || seconds > 253402300800LL + 86400) {
      __builtin_trap();
    }
  });
  return 0;
}
