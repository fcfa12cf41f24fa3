// Hex text for passing arbitrary bytes to and from python3 oracles on a
// line-oriented pipe.
#pragma once

#include <string>
#include <string_view>

namespace sslpp::test {

// hex is lower-case hex of `bytes` (Python's bytes.hex()).
inline std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += kHex[static_cast<unsigned char>(c) >> 4];
    out += kHex[static_cast<unsigned char>(c) & 0xF];
  }
  return out;
}

// unhex decodes lower-case hex (Python's bytes.fromhex for such text).
inline std::string unhex(std::string_view text) {
  std::string out;
  const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out += static_cast<char>(nibble(text[i]) * 16 + nibble(text[i + 1]));
  }
  return out;
}

}  // namespace sslpp::test
