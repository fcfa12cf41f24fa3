#include "internal/idna.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include <idn2.h>

#include "internal/error_queue.hpp"

namespace sslpp::detail {

std::string to_a_label(std::string_view name, std::string_view what) {
  const bool ascii = std::all_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    return std::string(name);  // an A-label or a plain name: checked where it is used
  }
  const std::string input(name);  // libidn2 wants a C string; a NUL was refused by the caller
  char* out = nullptr;
  const int rc = ::idn2_to_ascii_8z(input.c_str(), &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  const std::unique_ptr<char, decltype(&::idn2_free)> owned(out, &::idn2_free);
  if (rc != IDN2_OK || out == nullptr) {
    throw_value_error(std::string(what) + " '" + input + "' is not a valid internationalised domain name (" +
                      ::idn2_strerror(rc) + ")");
  }
  return std::string(out);
}

}  // namespace sslpp::detail
