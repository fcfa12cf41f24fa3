#include <sslpp/windows_store.hpp>

#include <gtest/gtest.h>

#include <sslpp/error.hpp>

namespace sslpp {
namespace {

TEST(WindowsStore, EnumFunctionsSayTheyAreWindowsOnly) {
  for (const auto* store : {"CA", "ROOT", "MY"}) {
    try {
      enum_certificates(store);
      ADD_FAILURE() << "enum_certificates returned";
    } catch (const NotSupportedError& e) {
      EXPECT_NE(std::string(e.what()).find("not supported on this platform"), std::string::npos) << e.what();
      EXPECT_EQ(e.code(), make_error_code(errc::not_supported));
    }
    EXPECT_THROW(enum_crls(store), NotSupportedError);
  }
}

}  // namespace
}  // namespace sslpp
