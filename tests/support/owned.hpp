// owned<T, Free>: a unique_ptr for an OpenSSL object that test code makes
// with the raw API, freed by its _free function. (The library's own
// unique_handle is private to src/.)
#pragma once

#include <memory>

namespace sslpp::test {

template <auto Free>
struct freer {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

template <typename T, auto Free>
using owned = std::unique_ptr<T, freer<Free>>;

}  // namespace sslpp::test
