#include <sslpp/compat.hpp>
#include <sslpp/error.hpp>

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

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
  EXPECT_THROW(throw_error(error_info(io_status::closed)), SSLZeroReturnError);
  EXPECT_THROW(throw_error(error_info(io_status::want_read)), SSLWantReadError);
  EXPECT_THROW(throw_error(error_info(io_status::want_write)), SSLWantWriteError);
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
  EXPECT_STREQ(verify_category().name(), "x509-verify");
  const std::error_code ec = make_error_code(io_status::want_read);
  EXPECT_EQ(ec.message(), "The operation did not complete (read)");
  const unsigned long packed = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED);
  EXPECT_EQ(std::error_code(static_cast<int>(packed), ssl_category()).message(), "certificate verify failed");
}

TEST(Error, ValueErrorCarriesItsCode) {
  const ValueError e("handshake not done yet", make_error_code(errc::handshake_required));
  EXPECT_EQ(e.code(), make_error_code(errc::handshake_required));
  EXPECT_STREQ(e.class_name(), "ValueError");
}

// One vocabulary: want_read / want_write / closed are io_status values (and
// the codes their exceptions carry), never errc values as well.
TEST(Error, IoStatusNamesItselfAndIsNotAnErrc) {
  EXPECT_EQ(to_string(io_status::ok), "ok");
  EXPECT_EQ(to_string(io_status::want_read), "want_read");
  EXPECT_EQ(to_string(io_status::want_write), "want_write");
  EXPECT_EQ(to_string(io_status::closed), "closed");
  EXPECT_EQ(to_string(io_status::truncated), "truncated");
  EXPECT_EQ(to_string(io_status::error), "error");
  EXPECT_EQ(make_error_code(io_status::closed).category(), io_category());
  static_assert(!std::is_error_code_enum_v<errc>, "errc is a condition: codes are made explicitly");
  static_assert(std::is_error_condition_enum_v<errc>);
}

// Errors compose: every truncation is errc::eof, every verification failure
// errc::certificate_verify_failed, every timeout std::errc::timed_out.
TEST(Error, ConditionsMatchEveryLayersCode) {
  const auto ssl_code = [](int reason) {
    return std::error_code(static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)), ssl_category());
  };
  EXPECT_EQ(make_error_code(errc::eof), errc::eof);
  EXPECT_EQ(ssl_code(SSL_R_UNEXPECTED_EOF_WHILE_READING), errc::eof);
  EXPECT_NE(ssl_code(SSL_R_CERTIFICATE_VERIFY_FAILED), errc::eof);
  EXPECT_NE(std::error_code(ECONNRESET, std::system_category()), errc::eof);

  const std::error_code expired(X509_V_ERR_CERT_HAS_EXPIRED, verify_category());
  EXPECT_EQ(expired, errc::certificate_verify_failed);
  EXPECT_EQ(expired.message(), "certificate has expired");
  EXPECT_EQ(ssl_code(SSL_R_CERTIFICATE_VERIFY_FAILED), errc::certificate_verify_failed);
  EXPECT_NE(make_error_code(errc::eof), errc::certificate_verify_failed);

  EXPECT_EQ(make_error_code(errc::timed_out), std::errc::timed_out);
  EXPECT_EQ(make_error_code(errc::timed_out), errc::timed_out);
  EXPECT_EQ(std::error_code(ETIMEDOUT, std::system_category()), errc::timed_out);
  EXPECT_NE(make_error_code(errc::eof), std::errc::timed_out);
}

}  // namespace
}  // namespace sslpp
