/// \file
/// sslpp's own version: the macros say which headers a program was compiled
/// against, version() which library it runs with (they differ when a shared
/// libsslpp is replaced under a program). The CMake project reads its
/// version from the three macros below, so they are the one place it is set.
#pragma once

#include <sslpp/export.hpp>

#include <string_view>

/// SSLPP_VERSION_MAJOR is the major version of these headers.
#define SSLPP_VERSION_MAJOR 0
/// SSLPP_VERSION_MINOR is the minor version of these headers.
#define SSLPP_VERSION_MINOR 1
/// SSLPP_VERSION_PATCH is the patch version of these headers.
#define SSLPP_VERSION_PATCH 0
/// SSLPP_VERSION_STRING is "MAJOR.MINOR.PATCH".
#define SSLPP_VERSION_STRING "0.1.0"
/// SSLPP_VERSION is one comparable number: MAJOR * 10000 + MINOR * 100 +
/// PATCH (`#if SSLPP_VERSION >= 100` for 0.1.0 or later).
#define SSLPP_VERSION (SSLPP_VERSION_MAJOR * 10000 + SSLPP_VERSION_MINOR * 100 + SSLPP_VERSION_PATCH)

namespace sslpp {

/// Version is the version of the sslpp library a program runs with.
struct Version {
  /// major is the major version (semantic versioning: from 1.0 on, it
  /// changes when the API or ABI breaks).
  int major;
  /// minor is the minor version; before 1.0 it changes when they break.
  int minor;
  /// patch is the patch version.
  int patch;
  /// text is "MAJOR.MINOR.PATCH", in static storage.
  std::string_view text;
};

/// version is the version of the library this program runs with; compare
/// it with the SSLPP_VERSION_* macros to see whether it is the one it was
/// compiled against.
[[nodiscard]] SSLPP_API Version version() noexcept;

}  // namespace sslpp
