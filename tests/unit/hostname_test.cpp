#include <sslpp/hostname.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/hex.hpp"
#include "support/pki.hpp"
#include "support/subprocess.hpp"

// Tests of the seed's names that Python deprecates (PROTOCOL_TLS, OP_NO_TLSv1,
// match_hostname, RAND_pseudo_bytes): they must keep working, so they are
// used here on purpose.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace sslpp {
namespace {

using namespace std::chrono_literals;

using test::hex;
using test::unhex;

// A certificate dict with these subjectAltName entries (none: no such key)
// and these commonName values, each in its own RDN.
CertInfo cert(std::optional<std::vector<std::pair<std::string, std::string>>> san,
              const std::vector<std::string>& common_names = {}) {
  CertInfo info;
  info.subject.push_back({{"organizationName", "sslpp"}});
  for (const auto& cn : common_names) {
    info.subject.push_back({{"commonName", cn}});
  }
  if (san) {
    info.subjectAltName.emplace();
    for (auto& [type, value] : *san) {
      info.subjectAltName->push_back(GeneralName{type, value, {}});
    }
  }
  return info;
}

CertInfo cn_only(const std::vector<std::string>& common_names) { return cert(std::nullopt, common_names); }

CertInfo dns(std::initializer_list<std::string> names) {
  std::vector<std::pair<std::string, std::string>> san;
  for (const auto& n : names) {
    san.emplace_back("DNS", n);
  }
  return cert(san);
}

CertInfo ip(std::initializer_list<std::string> addresses) {
  std::vector<std::pair<std::string, std::string>> san;
  for (const auto& a : addresses) {
    san.emplace_back("IP Address", a);
  }
  return cert(san);
}

struct hostname_case {
  CertInfo cert;
  std::string hostname;
};

// Every case is decided by Python's ssl.match_hostname at test time; the
// comments say what Python is expected to do and why.
std::vector<hostname_case> cases() {
  CertInfo empty;
  empty.is_empty = true;
  CertInfo multi_valued_rdn;
  multi_valued_rdn.subject = {{{"organizationName", "o"}, {"commonName", "multi.example"}}};
  CertInfo dirname_only = cn_only({"dir.example"});
  dirname_only.subjectAltName = std::vector<GeneralName>{{"DirName", "", {{{"commonName", "other.example"}}}}};
  using san = std::vector<std::pair<std::string, std::string>>;
  return {
      // Plain names, compared case-insensitively and literally otherwise.
      {dns({"example.com"}), "example.com"},
      {dns({"example.com"}), "EXAMPLE.COM"},
      {dns({"Example.COM"}), "example.com"},
      {dns({"example.com"}), "example.org"},
      {dns({"a.example", "b.example"}), "c.example"},
      {dns({"example.com."}), "example.com"},  // trailing dots count
      {dns({"example.com"}), "example.com."},
      {dns({"example.com"}), ""},
      {dns({""}), ""},  // an empty entry never matches
      {dns({"example.com"}), "www.example.com"},
      // Wildcards: the whole leftmost label, exactly one non-empty label.
      {dns({"*.example.com"}), "www.example.com"},
      {dns({"*.EXAMPLE.com"}), "WWW.example.COM"},
      {dns({"*.example.com"}), "example.com"},
      {dns({"*.example.com"}), "a.b.example.com"},
      {dns({"*.example.com"}), ".example.com"},
      {dns({"*.example.com"}), "*.example.com"},
      {dns({"*.example.com"}), "www.example.com."},
      {dns({"*.com"}), "example.com"},
      {dns({"*."}), "a."},  // remainder "" == ""
      {dns({"*."}), "a"},
      // Malformed wildcards raise, when reached.
      {dns({"w*.example.com"}), "www.example.com"},
      {dns({"*w.example.com"}), "www.example.com"},
      {dns({"*.*.example.com"}), "a.b.example.com"},
      {dns({"www.*.example.com"}), "www.a.example.com"},
      {dns({"*"}), "example"},
      {dns({"w*"}), "w"},
      {dns({"example.com", "w*.example.com"}), "example.com"},  // matched first
      {dns({"w*.example.com", "example.com"}), "example.com"},  // raises first
      {cert(san{{"DNS", "w*.example"}, {"IP Address", "192.0.2.1"}}), "192.0.2.1"},  // DNS skipped for an IP
      // commonName: only without DNS and IP entries, and matched as a DNS name.
      {cn_only({"example.com"}), "example.com"},
      {cn_only({"example.com"}), "example.org"},
      {cn_only({"a.example", "b.example"}), "b.example"},
      {cn_only({"a.example", "b.example"}), "c.example"},
      {cn_only({"*.example.com"}), "www.example.com"},
      {cn_only({"w*.example"}), "192.0.2.1"},
      {cn_only({"192.0.2.1"}), "192.0.2.1"},
      {cn_only({}), "example.com"},
      {cert(san{}), "example.com"},
      {cert(san{}, {"example.com"}), "example.com"},
      {cert(san{{"DNS", "other.example"}}, {"example.com"}), "example.com"},
      {cert(san{{"email", "a@example.com"}, {"URI", "https://example.com/"}}, {"example.com"}), "example.com"},
      {cert(san{{"IP Address", "192.0.2.1"}}, {"example.com"}), "example.com"},
      {multi_valued_rdn, "multi.example"},
      {dirname_only, "dir.example"},
      {dirname_only, "other.example"},
      // IP addresses: only canonical dotted quads and IPv6, against IP entries.
      {ip({"127.0.0.1"}), "127.0.0.1"},
      {ip({"127.0.0.1"}), "127.0.0.2"},
      {ip({"127.0.0.1"}), "127.1"},
      {ip({"127.0.0.1"}), "0x7f.0.0.1"},
      {ip({"127.0.0.1"}), "127.0.0.1 "},
      {dns({"127.0.0.1"}), "127.0.0.1"},
      {dns({"127.1"}), "127.1"},
      {dns({"01.2.3.4"}), "01.2.3.4"},
      {dns({"1.2.3.4 x"}), "1.2.3.4 x"},
      {ip({"2001:DB8:0:0:0:0:0:1\n"}), "2001:db8::1"},
      {ip({"::1"}), "0:0:0:0:0:0:0:1"},
      {ip({"::ffff:127.0.0.1"}), "127.0.0.1"},
      {ip({"127.0.0.1 \t"}), "127.0.0.1"},
      {ip({"127.0.0.1", "::1"}), "::2"},
      {dns({"fe80::1%eth0"}), "fe80::1%eth0"},
      {ip({"fe80::1"}), "fe80::1%eth0"},
      // A malformed IP entry is Python's ValueError, only for an IP hostname.
      {ip({"127.1"}), "127.0.0.1"},
      {ip({"garbage"}), "::1"},
      {ip({"garbage"}), "example.com"},
      {ip({"\t::1"}), "::1"},
      {ip({std::string("1.2.3.4\0", 8)}), "1.2.3.4"},
      {ip({"\xff"}), "1.2.3.4"},
      {ip({"a\xff\xfe"}), "1.2.3.4"},
      {empty, "example.com"},
      // Messages: Python's repr() of the names.
      {dns({"it's.example"}), "it's"},
      {dns({"say\"hi\""}), "both'\""},
      {dns({"back\\slash"}), "tab\there\nnl\rcr"},
      {dns({"ctl\x01\x1f\x7f"}), std::string("nul\0x", 5)},
      {dns({"example.com"}), "\xff.example"},
      {dns({"example.com"}), "nbsp\xc2\xa0zwsp\xe2\x80\x8bls\xe2\x80\xa8"},
      {dns({"example.com"}), "unassigned\xcd\xb8private\xee\x80\x80" "emoji\xf0\x9f\x98\x80"},
      {dns({"example.com"}), "latin\xc3\xa9soft\xc2\xad" "c1\xc2\x85"},
      // Non-ASCII: Python's str.lower; IDNA A-labels are plain ASCII.
      {dns({"B\xc3\x9c" "CHER.example"}), "b\xc3\xbc" "cher.example"},
      {dns({"xn--bcher-kva.example"}), "XN--BCHER-KVA.example"},
      {dns({"xn--bcher-kva.example"}), "b\xc3\xbc" "cher.example"},
      {dns({"\xc4\xb0.example"}), "i\xcc\x87.example"},  // U+0130 lowers to two code points
      {dns({"\xc4\xb0.example"}), "i.example"},
      {dns({"\xe2\x84\xaa.example"}), "k.example"},  // KELVIN SIGN lowers to 'k'
      {dns({"*.\xc3\x89XAMPLE"}), "www.\xc3\xa9xample"},
  };
}

// python_decisions runs every case through Python 3.11's ssl.match_hostname
// and returns, per case, "ok", "CertificateError: message" or
// "ValueError: message". Strings travel as hex of their UTF-8 bytes (and
// surrogateescape for bytes that are not UTF-8) so that nothing is lost.
std::vector<std::string> python_decisions(const std::vector<hostname_case>& all) {
  static constexpr const char* kScript = R"(
import json, ssl, sys, warnings
warnings.simplefilter("ignore")
def text(h):
    return bytes.fromhex(h).decode("utf-8", "surrogateescape")
for line in sys.stdin:
    cert_hex, host_hex = line.rstrip("\n").split(" ")
    cert = json.loads(text(cert_hex))
    try:
        ssl.match_hostname(cert, text(host_hex))
        kind, msg = "ok", ""
    except ssl.CertificateError as e:
        # str() of an SSLError raised from Python code is its args tuple;
        # the message is the one argument.
        kind, msg = "CertificateError", e.args[0]
    except ValueError as e:
        kind, msg = "ValueError", str(e)
    print(kind, msg.encode("utf-8", "surrogateescape").hex() or "-", flush=True)
)";
  test::Subprocess python({SSLPP_PYTHON3, "-c", kScript});
  std::string input;
  for (const auto& c : all) {
    input += hex(c.cert.to_json()) + " " + hex(c.hostname) + "\n";
  }
  EXPECT_TRUE(python.write_stdin(input, 30s));
  python.close_stdin();
  std::vector<std::string> out;
  while (auto line = python.read_line(30s)) {
    const std::size_t space = line->find(' ');
    const std::string kind = line->substr(0, space);
    const std::string msg = space == std::string::npos ? "" : line->substr(space + 1);
    out.push_back(kind == "ok" ? kind : kind + ": " + (msg == "-" ? "" : unhex(msg)));
  }
  EXPECT_EQ(out.size(), all.size()) << python.describe() << python.stderr_text();
  return out;
}

std::string our_decision(const hostname_case& c) {
  try {
    match_hostname(c.cert, c.hostname);
    return "ok";
  } catch (const CertificateError& e) {
    return std::string("CertificateError: ") + e.what();
  } catch (const ValueError& e) {
    return std::string("ValueError: ") + e.what();
  }
}

TEST(Hostname, DecidesEveryCaseAsPython) {
  const auto all = cases();
  ASSERT_GE(all.size(), 50u);
  const auto expected = python_decisions(all);
  ASSERT_EQ(expected.size(), all.size());
  int matched = 0;
  int mismatched = 0;
  int value_errors = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(our_decision(all[i]), expected[i])
        << "case " << i << ": hostname " << json_quote(all[i].hostname) << ", cert " << all[i].cert.to_json();
    matched += expected[i] == "ok" ? 1 : 0;
    mismatched += expected[i].starts_with("CertificateError") ? 1 : 0;
    value_errors += expected[i].starts_with("ValueError") ? 1 : 0;
  }
  // The table exercises every outcome, not only one.
  EXPECT_GE(matched, 15);
  EXPECT_GE(mismatched, 15);
  EXPECT_GE(value_errors, 5);
}

TEST(Hostname, ErrorsAreTyped) {
  try {
    match_hostname(dns({"example.com"}), "example.org");
    ADD_FAILURE() << "no exception";
  } catch (const CertificateError& e) {
    EXPECT_EQ(e.code(), make_error_code(errc::hostname_mismatch));
    EXPECT_STREQ(e.what(), "hostname 'example.org' doesn't match 'example.com'");
    EXPECT_STREQ(e.class_name(), "CertificateError");
  }
  // As in Python, CertificateError is a certificate verification error.
  EXPECT_THROW(match_hostname(dns({"a.example", "b.example"}), "c.example"), SSLCertVerificationError);
  EXPECT_THROW(match_hostname(dns({"w*.example"}), "w.example"), CertificateError);
  CertInfo empty;
  empty.is_empty = true;
  EXPECT_THROW(match_hostname(empty, "example.com"), ValueError);
  EXPECT_THROW(match_hostname(ip({"bogus"}), "192.0.2.1"), ValueError);
  EXPECT_NO_THROW(match_hostname(dns({"example.com"}), "Example.Com"));
}

TEST(Hostname, GeneratedCertificates) {
  const CertInfo server = test::pki().server.credential.certificate.decode();
  EXPECT_NO_THROW(match_hostname(server, "localhost"));
  EXPECT_NO_THROW(match_hostname(server, "LOCALHOST"));
  EXPECT_NO_THROW(match_hostname(server, "127.0.0.1"));
  EXPECT_NO_THROW(match_hostname(server, "::1"));
  EXPECT_THROW(match_hostname(server, "127.0.0.2"), CertificateError);
  EXPECT_THROW(match_hostname(server, "localhost.localdomain"), CertificateError);
  const CertInfo wrong = test::pki().wrong_name.credential.certificate.decode();
  EXPECT_NO_THROW(match_hostname(wrong, "wrong.example"));
  EXPECT_THROW(match_hostname(wrong, "localhost"), CertificateError);
}

}  // namespace
}  // namespace sslpp
