#include "compat/python_text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include <locale.h>
#include <wctype.h>

namespace sslpp {

// ---------------------------------------------------------------------------
// Python's str semantics, for the few operations whose results show in
// match_hostname's and cert_time_to_seconds's decisions and messages.
//
// C++ strings are bytes; Python's are code points. We read bytes as UTF-8 and
// map every byte that is not part of a valid sequence to U+DC80..U+DCFF, as
// Python's surrogateescape error handler does, so that any byte string has
// the Python string a program would most likely have passed.
namespace detail {

std::u32string decode_surrogateescape(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  const auto continuation_in = [&](std::size_t i, unsigned lo, unsigned hi) {
    return i < bytes.size() && byte(i) >= lo && byte(i) <= hi;
  };
  std::size_t i = 0;
  while (i < bytes.size()) {
    const unsigned b0 = byte(i);
    // The ranges of the second byte follow the Unicode table of well-formed
    // sequences, which is what Python's strict decoder accepts: no overlong
    // forms, no encoded surrogates, nothing above U+10FFFF.
    std::size_t len = 0;
    unsigned lo = 0x80;
    unsigned hi = 0xBF;
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      lo = b0 == 0xE0 ? 0xA0 : 0x80;
      hi = b0 == 0xED ? 0x9F : 0xBF;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      lo = b0 == 0xF0 ? 0x90 : 0x80;
      hi = b0 == 0xF4 ? 0x8F : 0xBF;
    }
    bool valid = len != 0 && continuation_in(i + 1, lo, hi);
    for (std::size_t k = 2; valid && k < len; ++k) {
      valid = continuation_in(i + k, 0x80, 0xBF);
    }
    if (!valid) {
      // Each offending byte becomes its own escape, so decoding resumes at
      // the next byte whatever the length of the broken sequence.
      out.push_back(0xDC00 + b0);
      ++i;
      continue;
    }
    char32_t cp = b0 & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string encode_surrogateescape(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char32_t cp : text) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp >= 0xDC80 && cp <= 0xDCFF) {
      out += static_cast<char>(cp - 0xDC00);  // an escaped byte goes back as itself
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

// python_isspace is Python 3.11's str.isspace for one code point (the full
// list: Unicode whitespace plus the ASCII separators U+001C..U+001F).
bool python_isspace(char32_t cp) noexcept {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

namespace {

// The C.UTF-8 character classes of glibc, for case mapping and printability
// beyond ASCII. A private locale object: the process's locale stays untouched
// and the calls are thread-safe. It is kept for the life of the process.
locale_t utf8_ctype() noexcept {
  static const locale_t loc = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

// Code points that glibc's C.UTF-8 classes as graphic but Python 3.11
// (Unicode 14) does not print in repr(): format characters, the two
// non-breaking spaces glibc counts as graphic, and the private-use areas.
// Measured over all code points against Python; everything else agrees.
constexpr std::array<std::pair<char32_t, char32_t>, 26> kNotPrintable{{
    {0xA0, 0xA0},       {0xAD, 0xAD},       {0x600, 0x605},     {0x61C, 0x61C},     {0x6DD, 0x6DD},
    {0x70F, 0x70F},     {0x890, 0x891},     {0x8E2, 0x8E2},     {0x180E, 0x180E},   {0x2007, 0x2007},
    {0x200B, 0x200F},   {0x202A, 0x202F},   {0x2060, 0x2064},   {0x2066, 0x206F},   {0xE000, 0xF8FF},
    {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x13438},
    {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xF0000, 0xFFFFD},
    {0x100000, 0x10FFFD},
}};

// python_isprintable is Python's str.isprintable for one code point: what
// repr() shows as itself rather than as an escape.
bool python_isprintable(char32_t cp) noexcept {
  if (cp < 0x80) {
    return cp >= 0x20 && cp != 0x7F;
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) {
    return false;
  }
  for (const auto& [lo, hi] : kNotPrintable) {
    if (cp >= lo && cp <= hi) {
      return false;
    }
  }
  const locale_t loc = utf8_ctype();
  // Without the locale, letters of every script (the usual case) still show
  // as themselves; only unassigned code points would differ.
  return loc == static_cast<locale_t>(nullptr) || ::iswgraph_l(static_cast<wint_t>(cp), loc) != 0;
}

void append_hex(std::string& out, char32_t cp, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out += kHex[(cp >> shift) & 0xF];
  }
}

}  // namespace

std::string python_repr(std::u32string_view text) {
  // Python prefers single quotes and switches to double quotes only when
  // that avoids escaping.
  const bool has_single = text.find(U'\'') != std::u32string_view::npos;
  const bool has_double = text.find(U'"') != std::u32string_view::npos;
  const char32_t quote = has_single && !has_double ? U'"' : U'\'';
  std::string out(1, static_cast<char>(quote));
  for (const char32_t cp : text) {
    if (cp == quote || cp == U'\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == U'\t') {
      out += "\\t";
    } else if (cp == U'\n') {
      out += "\\n";
    } else if (cp == U'\r') {
      out += "\\r";
    } else if (python_isprintable(cp)) {
      out += encode_surrogateescape(std::u32string_view(&cp, 1));
    } else if (cp <= 0xFF) {
      out += "\\x";
      append_hex(out, cp, 2);
    } else if (cp <= 0xFFFF) {
      out += "\\u";
      append_hex(out, cp, 4);
    } else {
      out += "\\U";
      append_hex(out, cp, 8);
    }
  }
  out += static_cast<char>(quote);
  return out;
}

std::string python_repr(std::string_view bytes) { return python_repr(decode_surrogateescape(bytes)); }

// python_lower is Python's str.lower. glibc's simple case mapping agrees with
// Python's for every code point but U+0130, whose full lowercase is two code
// points. Python's context rule for a final capital sigma is not reproduced.
std::string python_lower(std::string_view bytes) {
  const std::u32string text = decode_surrogateescape(bytes);
  std::u32string out;
  out.reserve(text.size());
  const locale_t loc = utf8_ctype();
  for (const char32_t cp : text) {
    if (cp < 0x80) {
      out += cp >= U'A' && cp <= U'Z' ? cp + (U'a' - U'A') : cp;
    } else if (cp == 0x130) {
      out += U"i\u0307";
    } else if (cp >= 0xDC80 && cp <= 0xDCFF) {
      out += cp;  // an escaped byte has no case
    } else if (loc != static_cast<locale_t>(nullptr)) {
      out += static_cast<char32_t>(::towlower_l(static_cast<wint_t>(cp), loc));
    } else {
      out += cp;
    }
  }
  return encode_surrogateescape(out);
}

}  // namespace detail

}  // namespace sslpp
