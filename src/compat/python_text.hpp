// Python's str semantics for the few operations whose results show in
// match_hostname's and cert_time_to_seconds's decisions and messages.
#pragma once

#include <string>
#include <string_view>

namespace sslpp::detail {

// decode_surrogateescape reads bytes as UTF-8, mapping each byte that is not
// part of a valid sequence to U+DC80..U+DCFF (Python's surrogateescape).
std::u32string decode_surrogateescape(std::string_view bytes);
// encode_surrogateescape is the inverse.
std::string encode_surrogateescape(std::u32string_view text);
// python_isspace is str.isspace for one code point.
bool python_isspace(char32_t cp) noexcept;
// python_repr is repr() of a str, as UTF-8.
std::string python_repr(std::u32string_view text);
std::string python_repr(std::string_view bytes);
// python_lower is str.lower, on UTF-8 bytes.
std::string python_lower(std::string_view bytes);

}  // namespace sslpp::detail
