#include <sslpp/cert_time.hpp>

#include <array>
#include <optional>
#include <string>

#include <sslpp/error.hpp>

#include "internal/error_queue.hpp"
#include "compat/python_text.hpp"

namespace sslpp {

namespace {

// The first code point of every run of ten Unicode decimal digits (Python
// 3.11, Unicode 14): Python's regular expression \d matches all of them and
// int() reads them, so strptime accepts them.
constexpr std::array<char32_t, 66> kDigitZeros{
    0x30,    0x660,   0x6f0,   0x7c0,   0x966,   0x9e6,   0xa66,   0xae6,   0xb66,   0xbe6,   0xc66,
    0xce6,   0xd66,   0xde6,   0xe50,   0xed0,   0xf20,   0x1040,  0x1090,  0x17e0,  0x1810,  0x1946,
    0x19d0,  0x1a80,  0x1a90,  0x1b50,  0x1bb0,  0x1c40,  0x1c50,  0xa620,  0xa8d0,  0xa900,  0xa9d0,
    0xa9f0,  0xaa50,  0xabf0,  0xff10,  0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0,
    0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60,
    0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
};

// digit_value is the value of a Unicode decimal digit, or -1.
int digit_value(char32_t cp) noexcept {
  for (const char32_t zero : kDigitZeros) {
    if (cp >= zero && cp <= zero + 9) {
      return static_cast<int>(cp - zero);
    }
  }
  return -1;
}

// One position of a strptime field: an ASCII range, or any decimal digit.
struct char_class {
  char32_t lo = 0;
  char32_t hi = 0;
  bool any_digit = false;

  [[nodiscard]] bool matches(char32_t cp) const noexcept {
    return any_digit ? digit_value(cp) >= 0 : cp >= lo && cp <= hi;
  }
};

constexpr char_class exactly(char32_t c) { return {c, c, false}; }
constexpr char_class range(char32_t lo, char32_t hi) { return {lo, hi, false}; }
constexpr char_class kDigit{0, 0, true};

// One alternative of a field's regular expression: a fixed-length sequence.
struct alternative {
  std::array<char_class, 4> classes{};
  std::size_t length = 0;
};

// The regular expressions Python 3.11's _strptime uses for %d, %H, %M, %S and
// %Y, alternatives in the same order, since the first that lets the whole
// pattern match decides the value:
//   %d  3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9]
//   %H  2[0-3]|[0-1]\d|\d
//   %M  [0-5]\d|\d
//   %S  6[0-1]|[0-5]\d|\d
//   %Y  \d\d\d\d
struct field {
  std::array<alternative, 5> alternatives{};
  std::size_t count = 0;
};

constexpr field kDay{{{{{exactly('3'), range('0', '1')}, 2},
                       {{range('1', '2'), kDigit}, 2},
                       {{exactly('0'), range('1', '9')}, 2},
                       {{range('1', '9')}, 1},
                       {{exactly(' '), range('1', '9')}, 2}}},
                     5};
constexpr field kHour{{{{{exactly('2'), range('0', '3')}, 2}, {{range('0', '1'), kDigit}, 2}, {{kDigit}, 1}}}, 3};
constexpr field kMinute{{{{{range('0', '5'), kDigit}, 2}, {{kDigit}, 1}}}, 2};
constexpr field kSecond{{{{{exactly('6'), range('0', '1')}, 2}, {{range('0', '5'), kDigit}, 2}, {{kDigit}, 1}}},
                        3};
constexpr field kYear{{{{{kDigit, kDigit, kDigit, kDigit}, 4}}}, 1};

// The pattern strptime builds from " %d %H:%M:%S %Y GMT": each space of the
// format became \s+ (one or more Unicode whitespace), and it is compiled with
// IGNORECASE, which only matters for "GMT".
enum class step_kind { whitespace, field, literal };
struct step {
  step_kind kind;
  const field* what = nullptr;
  char32_t letter = 0;
  int group = -1;
};

constexpr std::array<step, 14> kPattern{{
    {step_kind::whitespace},
    {step_kind::field, &kDay, 0, 0},
    {step_kind::whitespace},
    {step_kind::field, &kHour, 0, 1},
    {step_kind::literal, nullptr, ':'},
    {step_kind::field, &kMinute, 0, 2},
    {step_kind::literal, nullptr, ':'},
    {step_kind::field, &kSecond, 0, 3},
    {step_kind::whitespace},
    {step_kind::field, &kYear, 0, 4},
    {step_kind::whitespace},
    {step_kind::literal, nullptr, 'g'},
    {step_kind::literal, nullptr, 'm'},
    {step_kind::literal, nullptr, 't'},
}};

// A backtracking matcher for kPattern, anchored at the start but not at the
// end, like Python's re.match: greedy \s+ first, alternatives in order.
class matcher {
 public:
  explicit matcher(std::u32string_view text) : text_(text) {}

  // match returns where the match ends, or nothing.
  std::optional<std::size_t> match() { return match_from(0, 0); }

  // value is the number a group's digits spell, as int() reads it (the
  // leading space of " 5" is ignored).
  [[nodiscard]] int value(int group) const {
    int v = 0;
    const auto [begin, end] = groups_[static_cast<std::size_t>(group)];
    for (std::size_t i = begin; i < end; ++i) {
      const int d = digit_value(text_[i]);
      if (d >= 0) {
        v = v * 10 + d;
      }
    }
    return v;
  }

 private:
  std::optional<std::size_t> match_from(std::size_t index, std::size_t pos) {
    if (index == kPattern.size()) {
      return pos;
    }
    const step& s = kPattern[index];
    switch (s.kind) {
      case step_kind::whitespace: {
        std::size_t run = 0;
        while (pos + run < text_.size() && detail::python_isspace(text_[pos + run])) {
          ++run;
        }
        for (; run > 0; --run) {
          if (auto end = match_from(index + 1, pos + run)) {
            return end;
          }
        }
        return std::nullopt;
      }
      case step_kind::literal: {
        if (pos < text_.size()) {
          const char32_t c = text_[pos];
          const char32_t lower = c >= U'A' && c <= U'Z' ? c + (U'a' - U'A') : c;
          if (lower == s.letter) {
            return match_from(index + 1, pos + 1);
          }
        }
        return std::nullopt;
      }
      case step_kind::field:
        for (std::size_t a = 0; a < s.what->count; ++a) {
          const alternative& alt = s.what->alternatives[a];
          if (pos + alt.length > text_.size()) {
            continue;
          }
          bool ok = true;
          for (std::size_t k = 0; ok && k < alt.length; ++k) {
            ok = alt.classes[k].matches(text_[pos + k]);
          }
          if (!ok) {
            continue;
          }
          groups_[static_cast<std::size_t>(s.group)] = {pos, pos + alt.length};
          if (auto end = match_from(index + 1, pos + alt.length)) {
            return end;
          }
        }
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::u32string_view text_;
  std::array<std::pair<std::size_t, std::size_t>, 5> groups_{};
};

// month_number reads the month as Python does: the first three code points,
// title-cased, must be one of the English abbreviations. Title case upper-cases
// the first letter and lower-cases the two after it; of all non-ASCII
// letters only U+017F (long s) title-cases to an ASCII letter, 'S'.
int month_number(std::u32string_view text) noexcept {
  static constexpr std::array<std::u32string_view, 12> kMonths{U"Jan", U"Feb", U"Mar", U"Apr", U"May", U"Jun",
                                                               U"Jul", U"Aug", U"Sep", U"Oct", U"Nov", U"Dec"};
  if (text.size() < 3) {
    return 0;
  }
  std::u32string titled;
  for (std::size_t i = 0; i < 3; ++i) {
    char32_t c = text[i];
    if (i == 0 && c == 0x17F) {
      c = U'S';
    } else if (i == 0 && c >= U'a' && c <= U'z') {
      c -= U'a' - U'A';
    } else if (i > 0 && c >= U'A' && c <= U'Z') {
      c += U'a' - U'A';
    }
    titled += c;
  }
  for (std::size_t m = 0; m < kMonths.size(); ++m) {
    if (titled == kMonths[m]) {
      return static_cast<int>(m) + 1;
    }
  }
  return 0;
}

// days_before is the number of days from 1970-01-01 to the first of `month`
// in `year` (proleptic Gregorian calendar, as Python's datetime.date).
long long days_before(int year, int month) noexcept {
  static constexpr std::array<int, 12> kDaysBeforeMonth{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  const long long y = year - 1;
  // Days from 0001-01-01 to the start of `year`: 365 a year plus one for each
  // leap year before it.
  const long long days_to_year = y * 365 + y / 4 - y / 100 + y / 400;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const long long days_to_month = kDaysBeforeMonth[static_cast<std::size_t>(month - 1)] + (leap && month > 2 ? 1 : 0);
  constexpr long long kEpoch = 719162;  // days from 0001-01-01 to 1970-01-01
  return days_to_year + days_to_month - kEpoch;
}

}  // namespace

long long cert_time_to_seconds(std::string_view cert_time) {
  const std::u32string text = detail::decode_surrogateescape(cert_time);
  const int month = month_number(text);
  if (month == 0) {
    detail::throw_value_error("time data " + detail::python_repr(text) +
                      " does not match format \"%b %d %H:%M:%S %Y GMT\"");
  }
  const std::u32string_view rest = std::u32string_view(text).substr(3);
  matcher m(rest);
  const std::optional<std::size_t> end = m.match();
  if (!end) {
    detail::throw_value_error("time data " + detail::python_repr(rest) + " does not match format ' %d %H:%M:%S %Y GMT'");
  }
  if (*end != rest.size()) {
    detail::throw_value_error("unconverted data remains: " + detail::encode_surrogateescape(rest.substr(*end)));
  }
  const int day = m.value(0);
  const int year = m.value(4);
  // strptime builds a date from the year (month 1: the month is not in its
  // format) to find the day of the year, and year 0 does not exist. The day
  // is never checked against the real month: timegm just counts on.
  if (year == 0) {
    detail::throw_value_error("year 0 is out of range");
  }
  const long long days = days_before(year, month) + day - 1;
  return ((days * 24 + m.value(1)) * 60 + m.value(2)) * 60 + m.value(3);
}

}  // namespace sslpp
