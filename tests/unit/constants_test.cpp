#include <sslpp/constants.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "support/oracle.hpp"

// Tests of the seed's names that Python deprecates (PROTOCOL_TLS, OP_NO_TLSv1,
// match_hostname, RAND_pseudo_bytes): they must keep working, so they are
// used here on purpose.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace sslpp {
namespace {

// python3 answers one expression, as the oracle for values Python exposes.
std::string python(const std::string& expr) { return test::python_ssl("print(" + expr + ")"); }

TEST(Constants, FlagSetsCombineAndTest) {
  const Options o = OP_NO_TLSv1 | OP_NO_TLSv1_1;
  EXPECT_TRUE(has_all(o, OP_NO_TLSv1));
  EXPECT_FALSE(has_any(o, OP_NO_TICKET));
  EXPECT_EQ(o & ~OP_NO_TLSv1, OP_NO_TLSv1_1);
  VerifyPeer v = VERIFY_PEER;
  v |= VERIFY_FAIL_IF_NO_PEER_CERT;
  EXPECT_EQ(to_underlying(v), 3);
  EXPECT_EQ(to_underlying(VERIFY_CRL_CHECK_CHAIN), 0xC);
  EXPECT_EQ(SENT_SHUTDOWN | RECEIVED_SHUTDOWN, static_cast<ShutdownState>(3));
}

TEST(Constants, ValuesMatchPython) {
  EXPECT_EQ(std::to_string(to_underlying(OP_ALL)), python("int(ssl.OP_ALL)"));
  EXPECT_EQ(std::to_string(to_underlying(OP_NO_COMPRESSION)), python("int(ssl.OP_NO_COMPRESSION)"));
  EXPECT_EQ(std::to_string(to_underlying(OP_NO_RENEGOTIATION)), python("int(ssl.OP_NO_RENEGOTIATION)"));
  EXPECT_EQ(std::to_string(to_underlying(OP_CIPHER_SERVER_PREFERENCE)), python("int(ssl.OP_CIPHER_SERVER_PREFERENCE)"));
  EXPECT_EQ(std::to_string(to_underlying(VERIFY_X509_TRUSTED_FIRST)), python("int(ssl.VERIFY_X509_TRUSTED_FIRST)"));
  EXPECT_EQ(std::to_string(to_underlying(VERIFY_CRL_CHECK_CHAIN)), python("int(ssl.VERIFY_CRL_CHECK_CHAIN)"));
  EXPECT_EQ(std::to_string(to_underlying(CERT_REQUIRED)), python("int(ssl.CERT_REQUIRED)"));
  EXPECT_EQ(std::to_string(to_underlying(TLSVersion::TLSv1_3)), python("int(ssl.TLSVersion.TLSv1_3)"));
  EXPECT_EQ(std::to_string(to_underlying(TLSVersion::MINIMUM_SUPPORTED)),
            python("int(ssl.TLSVersion.MINIMUM_SUPPORTED)"));
}

TEST(Constants, HasFlagsMatchPython) {
  const auto py = [](const char* name) { return python(std::string("ssl.") + name) == "True"; };
  EXPECT_EQ(HAS_SNI, py("HAS_SNI"));
  EXPECT_EQ(HAS_ECDH, py("HAS_ECDH"));
  EXPECT_EQ(HAS_ALPN, py("HAS_ALPN"));
  EXPECT_EQ(HAS_SSLv2, py("HAS_SSLv2"));
  EXPECT_EQ(HAS_SSLv3, py("HAS_SSLv3"));
  EXPECT_EQ(HAS_TLSv1, py("HAS_TLSv1"));
  EXPECT_EQ(HAS_TLSv1_1, py("HAS_TLSv1_1"));
  EXPECT_EQ(HAS_TLSv1_2, py("HAS_TLSv1_2"));
  EXPECT_EQ(HAS_TLSv1_3, py("HAS_TLSv1_3"));
  EXPECT_FALSE(HAS_SSLv2);
}

TEST(Constants, VersionMatchesTheLoadedLibrary) {
  EXPECT_EQ(openssl_version().rfind("OpenSSL 3.", 0), 0u) << openssl_version();
  EXPECT_EQ(openssl_version_number() >> 28, 3u);
  const OpenSSLVersionInfo info = openssl_version_info();
  EXPECT_EQ(info.major, 3u);
  EXPECT_EQ(ssleay_version(SSLeayType::version), openssl_version());
  EXPECT_NE(ssleay_version(SSLeayType::dir).find("OPENSSLDIR"), std::string::npos);
  EXPECT_NE(ssleay_version(SSLeayType::platform).find("platform"), std::string::npos);
  EXPECT_NE(ssleay_version(SSLeayType::built_on).find("built on"), std::string::npos);
  EXPECT_NE(ssleay_version(SSLeayType::cflags).find("compiler"), std::string::npos);
}

TEST(Constants, TLSVersionNames) {
  EXPECT_EQ(to_string(TLSVersion::TLSv1_2), "TLSv1_2");
  EXPECT_EQ(to_string(TLSVersion::MAXIMUM_SUPPORTED), "MAXIMUM_SUPPORTED");
  EXPECT_EQ(CHANNEL_BINDING_TYPES[0], "tls-unique");
}

}  // namespace
}  // namespace sslpp
