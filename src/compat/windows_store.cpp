#include <sslpp/windows_store.hpp>

#include <sslpp/error.hpp>

namespace sslpp {

namespace {

[[noreturn]] void windows_only(std::string_view function, std::string_view store_name) {
  throw_error(error_info(errc::not_supported,
                         std::string(function) + "('" + std::string(store_name) +
                             "'): Windows' system certificate store is not supported on this platform; "
                             "use load_default_certs() or load_verify_locations()"));
}

}  // namespace

std::vector<StoreEntry> enum_certificates(std::string_view store_name) {
  windows_only("enum_certificates", store_name);
}

std::vector<StoreEntry> enum_crls(std::string_view store_name) { windows_only("enum_crls", store_name); }

}  // namespace sslpp
