// The library's version, compiled in, so a program can tell which libsslpp
// it runs with, not only which headers it was built against.
#include <sslpp/version.hpp>

namespace sslpp {

Version version() noexcept {
  return {SSLPP_VERSION_MAJOR, SSLPP_VERSION_MINOR, SSLPP_VERSION_PATCH, SSLPP_VERSION_STRING};
}

}  // namespace sslpp
