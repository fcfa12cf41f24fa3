#include <sslpp/cert_time.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <sslpp/certificate.hpp>
#include <sslpp/error.hpp>

#include "support/hex.hpp"
#include "support/pki.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using namespace std::chrono_literals;

using test::hex;
using test::unhex;

// Valid and malformed times; Python decides each at test time.
const std::vector<std::string>& inputs() {
  static const std::vector<std::string> all = {
      // The forms OpenSSL prints, and Python's leniencies.
      "Jan  5 09:34:43 2018 GMT",
      "Jan 5 09:34:43 2018 GMT",
      "Jan 05 09:34:43 2018 GMT",
      "jan 5 09:34:43 2018 GMT",
      "JAN 5 09:34:43 2018 GMT",
      "jAN 5 09:34:43 2018 GMT",
      "Jan 5 9:3:4 2018 GMT",
      "Jan   5 09:34:43 2018 GMT",
      "Jan  05 09:34:43 2018 GMT",
      "Jan\t5\t09:34:43\t2018\tGMT",
      "Jan \n 5 09:34:43 2018  GMT",
      "Jan 5 09:34:43 2018 gmt",
      "Jan 5 09:34:43 2018 Gmt",
      "Jan 5 09:34:43 2018\xc2\xa0GMT",  // NO-BREAK SPACE is \s to Python
      "Jan 5 09:34:43 2018\x1fGMT",      // so is the ASCII unit separator
      "Jan 5 09:34:43 2018\xe3\x80\x80GMT",
      "Jan \xd9\xa5 09:34:43 \xd9\xa2\xd9\xa0\xd9\xa1\xd9\xa8 GMT",  // Arabic-Indic digits
      "Jan 5 09:34:43 \xef\xbc\x92\xef\xbc\x90\xef\xbc\x91\xef\xbc\x98 GMT",  // fullwidth digits
      "Jan 1\xd9\xa5 09:34:43 2018 GMT",
      "\xc5\xbf" "ep 5 09:34:43 2018 GMT",  // LATIN SMALL LETTER LONG S title-cases to 'S'
      "Feb 29 00:00:00 2019 GMT",  // the day is not checked against the month
      "Feb 29 00:00:00 2020 GMT",
      "Feb 31 12:00:00 2019 GMT",
      "Apr 31 12:00:00 2019 GMT",
      "Dec 31 23:59:60 2018 GMT",  // leap second: carried into the next minute
      "Dec 31 23:59:61 2018 GMT",
      "Jan 1 00:00:00 1970 GMT",
      "Dec 31 23:59:59 1969 GMT",
      "Jan 1 00:00:00 0001 GMT",
      "Dec 31 23:59:59 9999 GMT",
      "Mar  1 00:00:00 2000 GMT",
      "Mar  1 00:00:00 1900 GMT",
      "Jun 30 12:00:00 2038 GMT",
      "Jan 31 23:59:59 2018 GMT",
      "Jan 3 1 09:34:43 2018 GMT",
      "Jan 5 23:00:00 2018 GMT",
      "Feb 1 01:02:03 2022 GMT",
      "May 9 10:11:12 2013 GMT",
      "Jul 4 00:00:00 1776 GMT",
      "Aug 15 15:15:15 1947 GMT",
      "Sep 9 09:09:09 2009 GMT",
      "Oct 10 10:10:10 2010 GMT",
      "Nov 11 11:11:11 2011 GMT",
      // Malformed.
      "",
      "Ja",
      "Jan",
      "Foo 5 09:34:43 2018 GMT",
      "January 5 09:34:43 2018 GMT",
      " Jan 5 09:34:43 2018 GMT",
      "Jan5 09:34:43 2018 GMT",
      "Jan 5 09:34:43 2018",
      "Jan 5 09:34:43 2018 UTC",
      "Jan 5 09:34:43 2018 GMT ",
      "Jan 5 09:34:43 2018 GMT\n",
      "Jan 5 09:34:43 2018 GMTx",
      std::string("Jan 5 09:34:43 2018 GMT\0", 24),
      "Jan 5 09:34:43 2018GMT",
      "Jan 0 09:34:43 2018 GMT",
      "Jan 00 09:34:43 2018 GMT",
      "Jan 32 09:34:43 2018 GMT",
      "Jan 5 24:00:00 2018 GMT",
      "Jan 5 09:60:00 2018 GMT",
      "Jan 5 09:34:62 2018 GMT",
      "Jan 5 09:34 2018 GMT",
      "Jan 5 09:34:43.5 2018 GMT",
      "Jan 5 09:34:43 18 GMT",
      "Jan 5 09:34:43 20180 GMT",
      "Jan 5 09:34:43 0000 GMT",
      "Jan 5 09:34:43 +2018 GMT",
      "Jan +5 09:34:43 2018 GMT",
      "Jan -1 09:34:43 2018 GMT",
      "Jan \xc2\xb2 09:34:43 2018 GMT",  // SUPERSCRIPT TWO is a digit, not a decimal
      "\xff" "an 5 09:34:43 2018 GMT",
      "Jan 5 09:34:43 2018 \xef\xbc\xa7MT",
      "Jan 5 09:34:43 2018 GMT\xff",
      "Jan 5 09:34:43 2018 G'T \"x\"",
      "Jan\xe2\x80\x8b" "5 09:34:43 2018 GMT",  // ZERO WIDTH SPACE is not whitespace
  };
  return all;
}

// python_results runs every input through Python 3.11's
// ssl.cert_time_to_seconds: "ok N" or "ExceptionType: message".
std::vector<std::string> python_results() {
  static constexpr const char* kScript = R"(
import ssl, sys
for line in sys.stdin:
    text = bytes.fromhex(line.strip()).decode("utf-8", "surrogateescape")
    try:
        print("ok", ssl.cert_time_to_seconds(text), flush=True)
    except Exception as e:
        msg = type(e).__name__ + ": " + str(e)
        print("err", msg.encode("utf-8", "surrogateescape").hex(), flush=True)
)";
  test::Subprocess python({SSLPP_PYTHON3, "-c", kScript});
  std::string input;
  for (const auto& s : inputs()) {
    input += hex(s) + "\n";
  }
  EXPECT_TRUE(python.write_stdin(input, 30s));
  python.close_stdin();
  std::vector<std::string> out;
  while (auto line = python.read_line(30s)) {
    out.push_back(line->starts_with("err ") ? unhex(line->substr(4)) : *line);
  }
  EXPECT_EQ(out.size(), inputs().size()) << python.describe() << python.stderr_text();
  return out;
}

std::string ours(const std::string& s) {
  try {
    return "ok " + std::to_string(cert_time_to_seconds(s));
  } catch (const ValueError& e) {
    return std::string("ValueError: ") + e.what();
  }
}

TEST(CertTime, DecidesEveryInputAsPython) {
  const auto expected = python_results();
  ASSERT_EQ(expected.size(), inputs().size());
  int valid = 0;
  for (std::size_t i = 0; i < inputs().size(); ++i) {
    // what() is a C string: a message that quotes a NUL ends there.
    const std::string python = expected[i].substr(0, expected[i].find('\0'));
    EXPECT_EQ(ours(inputs()[i]), python) << "input " << i << ": " << json_quote(inputs()[i]);
    valid += expected[i].starts_with("ok ") ? 1 : 0;
  }
  // Both kinds are well represented.
  EXPECT_GE(valid, 30);
  EXPECT_GE(static_cast<int>(inputs().size()) - valid, 30);
}

TEST(CertTime, KnownValues) {
  EXPECT_EQ(cert_time_to_seconds("Jan  5 09:34:43 2018 GMT"), 1515144883);
  EXPECT_EQ(cert_time_to_seconds("Jan 5 09:34:43 2018 GMT"), 1515144883);
  EXPECT_EQ(cert_time_to_seconds("Jan  1 00:00:00 1970 GMT"), 0);
  EXPECT_EQ(cert_time_to_seconds("Dec 31 23:59:59 1969 GMT"), -1);
  EXPECT_EQ(cert_time_to_seconds("Dec 31 23:59:60 2018 GMT"), cert_time_to_seconds("Jan  1 00:00:00 2019 GMT"));
  EXPECT_EQ(cert_time_to_seconds("Feb 29 00:00:00 2019 GMT"), cert_time_to_seconds("Mar  1 00:00:00 2019 GMT"));
  EXPECT_THROW(cert_time_to_seconds("Jan  5 09:34:43 2018 UTC"), ValueError);
  EXPECT_THROW(cert_time_to_seconds("Jan  5 09:34:43 0000 GMT"), ValueError);
}

TEST(CertTime, ReadsDecodedCertificates) {
  // notBefore / notAfter as getpeercert() gives them always convert, and the
  // test certificates are valid now.
  const CertInfo info = test::pki().server.credential.certificate.decode();
  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(cert_time_to_seconds(info.notBefore), now) << info.notBefore;
  EXPECT_GT(cert_time_to_seconds(info.notAfter), now) << info.notAfter;
}

}  // namespace
}  // namespace sslpp
