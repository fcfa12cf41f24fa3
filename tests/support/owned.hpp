// owned<T, Free>: a unique_ptr for an OpenSSL object that test code makes
// with the raw API, freed by its _free function. The library's own
// unique_handle is private to src/; the sslpp command has the same need
// (decode's CSRs and CRLs), so its header serves the tests too.
#pragma once

#include "../../tools/sslpp/owned.hpp"

namespace sslpp::test {

using cli::freer;
using cli::owned;

}  // namespace sslpp::test
