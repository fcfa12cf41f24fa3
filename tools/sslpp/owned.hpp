// owned<T, Free>: a unique_ptr for an OpenSSL object that the sslpp command
// makes with OpenSSL's own API (decode's CSRs and CRLs, which the library
// does not model), freed by its _free function. The library's unique_handle
// is private to src/; this is the command's one equivalent (the tests use
// it too: tests/support/owned.hpp).
#pragma once

#include <memory>

namespace sslpp::cli {

template <auto Free>
struct freer {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

template <typename T, auto Free>
using owned = std::unique_ptr<T, freer<Free>>;

}  // namespace sslpp::cli
