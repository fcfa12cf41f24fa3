// sslpp's own version: the macros say which headers a program was compiled
// against, version() which library it runs with (they differ when a shared
// libsslpp is replaced under a program). The CMake project reads its
// version from the three macros below, so they are the one place it is set.
#pragma once

#include <sslpp/export.hpp>

#include <string_view>

#define SSLPP_VERSION_MAJOR 0
#define SSLPP_VERSION_MINOR 1
#define SSLPP_VERSION_PATCH 0
#define SSLPP_VERSION_STRING "0.1.0"
// One comparable number: MAJOR * 10000 + MINOR * 100 + PATCH.
#define SSLPP_VERSION (SSLPP_VERSION_MAJOR * 10000 + SSLPP_VERSION_MINOR * 100 + SSLPP_VERSION_PATCH)

namespace sslpp {

// The version of the sslpp library a program runs with.
struct Version {
  int major;
  int minor;
  int patch;
  std::string_view text;  // "MAJOR.MINOR.PATCH"; static storage
};

[[nodiscard]] SSLPP_API Version version() noexcept;

}  // namespace sslpp
