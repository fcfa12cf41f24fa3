#include <sslpp/compat.hpp>
#include <sslpp/error.hpp>

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace sslpp {
namespace {

template <typename E>
void expect_thrown_as(errc code) {
  try {
    throw_error(error_info(code));
  } catch (const E& e) {
    SUCCEED();
    return;
  } catch (...) {
    FAIL() << "wrong exception type for errc " << static_cast<int>(code);
  }
}

TEST(Error, EachConditionRaisesPythonsExceptionType) {
  expect_thrown_as<SSLZeroReturnError>(errc::zero_return);
  expect_thrown_as<SSLWantReadError>(errc::want_read);
  expect_thrown_as<SSLWantWriteError>(errc::want_write);
  expect_thrown_as<WantX509LookupError>(errc::want_x509_lookup);
  expect_thrown_as<SSLSyscallError>(errc::syscall);
  expect_thrown_as<SSLEOFError>(errc::eof);
  expect_thrown_as<NotSupportedError>(errc::not_supported);
  expect_thrown_as<CertificateError>(errc::hostname_mismatch);
  expect_thrown_as<ValueError>(errc::handshake_required);
  expect_thrown_as<ValueError>(errc::invalid_argument);
}

TEST(Error, HierarchyFollowsPython) {
  static_assert(std::is_base_of_v<std::system_error, OSError>);
  static_assert(std::is_base_of_v<OSError, SSLError>);
  static_assert(std::is_base_of_v<SSLError, SSLEOFError>);
  static_assert(std::is_base_of_v<SSLCertVerificationError, CertificateError>);
  static_assert(std::is_same_v<Error, SSLError>);
  static_assert(std::is_same_v<ZeroReturnError, SSLZeroReturnError>);
  static_assert(std::is_same_v<WantReadError, SSLWantReadError>);
  static_assert(std::is_same_v<WantWriteError, SSLWantWriteError>);
  static_assert(std::is_same_v<SysCallError, SSLSyscallError>);
  static_assert(std::is_base_of_v<std::invalid_argument, ValueError>);
  const SSLEOFError e(error_info(errc::eof));
  EXPECT_STREQ(e.class_name(), "SSLEOFError");
  EXPECT_STREQ(e.what(), "EOF occurred in violation of protocol");
  EXPECT_EQ(e.code(), make_error_code(errc::eof));
  EXPECT_TRUE(e.library().empty());
}

TEST(Error, CategoriesNameThemselves) {
  EXPECT_STREQ(sslpp_category().name(), "sslpp");
  EXPECT_STREQ(ssl_category().name(), "openssl");
  const std::error_code ec = errc::want_read;
  EXPECT_EQ(ec.message(), "The operation did not complete (read)");
  const unsigned long packed = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED);
  EXPECT_EQ(std::error_code(static_cast<int>(packed), ssl_category()).message(), "certificate verify failed");
}

TEST(Error, ValueErrorCarriesItsCode) {
  const ValueError e("handshake not done yet", make_error_code(errc::handshake_required));
  EXPECT_EQ(e.code(), make_error_code(errc::handshake_required));
  EXPECT_STREQ(e.class_name(), "ValueError");
}

}  // namespace
}  // namespace sslpp
