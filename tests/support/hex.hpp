// Hex text for passing arbitrary bytes to and from python3 oracles on a
// line-oriented pipe, and for comparing bytes with what openssl prints.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <span>
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

// upper_hex is the form s_client and the NSS key log print (case aside).
inline std::string upper_hex(std::span<const std::byte> bytes) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const std::byte b : bytes) {
    out += digits[std::to_integer<unsigned>(b) >> 4];
    out += digits[std::to_integer<unsigned>(b) & 0xF];
  }
  return out;
}

// upper is `s` in upper case.
inline std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

}  // namespace sslpp::test
