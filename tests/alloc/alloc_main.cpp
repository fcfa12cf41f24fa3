// main of sslpp_alloc_tests. OpenSSL's memory hooks are installed by a
// static initializer in failing_allocator.cpp that runs before every other
// one; here we only refuse to run if OpenSSL allocated first, in which
// case CRYPTO_set_mem_functions refused the hooks and no OpenSSL
// allocation would be counted or failed.
#include <gtest/gtest.h>

#include <cstdio>

#include "alloc/failing_allocator.hpp"
#include "alloc/pair.hpp"

namespace {

// WarmUp runs once before the first test, not when tests are only listed
// (gtest_discover_tests), since it makes the test PKI.
class WarmUp final : public ::testing::Environment {
 public:
  void SetUp() override { sslpp::test::alloc::warm_up(); }
};

}  // namespace

int main(int argc, char** argv) {
  if (!sslpp::test::alloc::installed()) {
    std::fputs("sslpp_alloc_tests: OpenSSL allocated before the counting allocator was installed\n", stderr);
    return 2;
  }
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new WarmUp);  // gtest owns it
  return RUN_ALL_TESTS();
}
