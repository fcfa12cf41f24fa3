// <openssl/rand.h> first, on purpose: sslpp's RAND_* names must coexist with
// OpenSSL's global functions of the same names in one translation unit.
#include <openssl/rand.h>

#include <sslpp/rand.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

#include <sslpp/error.hpp>

// Tests of the seed's names that Python deprecates (PROTOCOL_TLS, OP_NO_TLSv1,
// match_hostname, RAND_pseudo_bytes): they must keep working, so they are
// used here on purpose.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace sslpp {
namespace {

TEST(Rand, BytesHaveTheRequestedSize) {
  for (const std::size_t n : {0u, 1u, 16u, 1000u, 65536u}) {
    EXPECT_EQ(RAND_bytes(n).size(), n);
    const auto [bytes, strong] = RAND_pseudo_bytes(n);
    EXPECT_EQ(bytes.size(), n);
    EXPECT_TRUE(strong);
  }
}

TEST(Rand, CallsDiffer) {
  const auto a = RAND_bytes(32);
  const auto b = RAND_bytes(32);
  EXPECT_NE(a, b);
  EXPECT_NE(RAND_pseudo_bytes(32).first, RAND_pseudo_bytes(32).first);
  // 32 zero bytes would mean the buffer was never filled.
  EXPECT_TRUE(std::any_of(a.begin(), a.end(), [](std::byte x) { return x != std::byte{0}; }));
}

TEST(Rand, EveryByteValueTurnsUp) {
  // 64 KiB of uniform bytes miss a given value with probability ~e^-256.
  const auto bytes = RAND_bytes(65536);
  bool seen[256] = {};
  for (const std::byte b : bytes) {
    seen[std::to_integer<int>(b)] = true;
  }
  EXPECT_TRUE(std::all_of(std::begin(seen), std::end(seen), [](bool s) { return s; }));
}

TEST(Rand, StatusIsSeeded) {
  EXPECT_TRUE(RAND_status());
  EXPECT_EQ(RAND_status(), ::RAND_status() == 1);  // OpenSSL's own, same answer
}

TEST(Rand, AddAcceptsBytesAndText) {
  const std::byte some[] = {std::byte{1}, std::byte{2}, std::byte{3}};
  EXPECT_NO_THROW(RAND_add(some, 1.5));
  EXPECT_NO_THROW(RAND_add(std::span<const std::byte>{}, 0.0));
  EXPECT_NO_THROW(RAND_add(std::string_view("caf\xc3\xa9"), 0.0));
  EXPECT_NO_THROW(RAND_add(std::string_view(), 0.0));
  EXPECT_TRUE(RAND_status());
  EXPECT_EQ(RAND_bytes(8).size(), 8u);  // the generator still works
}

TEST(Rand, EgdIsNotSupported) {
  EXPECT_THROW(RAND_egd("/var/run/egd-pool"), NotSupportedError);
  try {
    RAND_egd("");
    ADD_FAILURE() << "no exception";
  } catch (const SSLError& e) {
    EXPECT_EQ(e.code(), make_error_code(errc::not_supported));
    EXPECT_STREQ(e.what(), "RAND_egd: OpenSSL 3 has no EGD support; its RNG seeds itself from the operating system");
    EXPECT_STREQ(e.class_name(), "NotSupportedError");
  }
}

TEST(Rand, SizesBeyondIntMaxAreValueErrors) {
  const std::size_t too_big = static_cast<std::size_t>(INT_MAX) + 1;
  EXPECT_THROW(RAND_bytes(too_big), ValueError);
  EXPECT_THROW(RAND_bytes(SIZE_MAX), ValueError);
  EXPECT_THROW(RAND_pseudo_bytes(too_big), ValueError);
  EXPECT_THROW(RAND_pseudo_bytes(SIZE_MAX), ValueError);
}

}  // namespace
}  // namespace sslpp
