#include "support/hostile_inputs.hpp"

#include <sslpp/certificate.hpp>
#include <sslpp/error.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace sslpp::test {

using der::Bytes;

namespace {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::ssl_error:
      return "SSLError";
    case Kind::value_error:
      return "ValueError";
    case Kind::os_error:
      return "OSError";
  }
  return "?";
}

// Each call gets this long: a bound that catches a hang, not a speed test.
// OpenSSL's decoders are linear, so even the 8 MiB inputs take well under
// half a second in a release build; the margin covers sanitizer builds on a
// loaded machine. SSLPP_TEST_TIME_SCALE stretches it for runs under valgrind.
std::chrono::milliseconds bound() {
  const char* scale = std::getenv("SSLPP_TEST_TIME_SCALE");
  return std::chrono::milliseconds(10000) * (scale != nullptr ? std::max(1, std::atoi(scale)) : 1);
}

}  // namespace

void expect_typed(const Case& c) {
  SCOPED_TRACE(c.name);
  const auto start = std::chrono::steady_clock::now();
  std::string got;
  std::string message;
  try {
    c.call();
    got = "no exception";
  } catch (const ValueError& e) {
    got = "ValueError";
    message = e.what();
  } catch (const SSLError& e) {
    got = "SSLError";
    message = e.what();
    EXPECT_TRUE(static_cast<bool>(e.code())) << "an SSLError without an error code";
  } catch (const OSError& e) {
    got = "OSError";
    message = e.what();
  } catch (const std::exception& e) {
    got = std::string("untyped std::exception: ") + e.what();
  } catch (...) {
    got = "a non-std exception";
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  if (std::getenv("SSLPP_TEST_VERBOSE") != nullptr) {  // lists every message, to review their wording
    std::printf("%-70s %-13s %5lld ms  %s\n", c.name.c_str(), got.c_str(),
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()),
                message.c_str());
  }
  EXPECT_EQ(got, kind_name(c.kind)) << c.name << ": " << message;
  for (const std::string& fragment : c.fragments) {
    EXPECT_NE(message.find(fragment), std::string::npos)
        << c.name << ": message \"" << message << "\" lacks \"" << fragment << "\"";
  }
  EXPECT_LT(elapsed, bound()) << c.name;
}

void run(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    expect_typed(c);
  }
}

std::string text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
Bytes bytes_of(std::string_view s) {
  const auto b = std::as_bytes(std::span(s));
  return {b.begin(), b.end()};
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Pem split(const std::string& pem) {
  const auto label_end = pem.find("-----\n");
  const std::string label = pem.substr(11, label_end - 11);
  const auto body_start = label_end + 6;
  const auto body_end = pem.find("-----END ");
  return {label, pem.substr(body_start, body_end - body_start)};
}

Bytes prefix(const Bytes& b, std::size_t n) { return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)}; }

// PEM_cert_to_DER_cert checks only the markers, so the body is relabelled for it.
Bytes der_of_pem(const std::string& pem) {
  return PEM_cert_to_DER_cert("-----BEGIN CERTIFICATE-----\n" + split(pem).body + "-----END CERTIFICATE-----\n");
}

std::string base64_lines(std::span<const std::byte> data) {
  // DER_cert_to_PEM_cert's encoding, without its markers.
  const Pem p = split(DER_cert_to_PEM_cert(data));
  return p.body;
}

std::vector<std::tuple<std::string, std::string, std::string>> broken_pems(const std::string& good) {
  const Pem p = split(good);
  const std::size_t mid = p.body.size() / 2;
  std::string bad_char = p.body;
  bad_char[mid] = '!';
  std::string nul = p.body;
  nul.insert(mid, 1, '\0');
  std::string huge;
  for (int i = 0; i < 128 * 1024; ++i) {
    huge += std::string(64, 'A') + "\n";  // 8 MiB of zero bytes once decoded
  }
  std::string garbage(4096, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) {
    garbage[i] = static_cast<char>((i * 131 + 7) % 256);
  }
  const std::string encrypted_header =
      "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n";
  return {
      {"empty", "", "no start line"},
      {"whitespace only", " \n\t\r\n", "no start line"},
      {"body without BEGIN", p.body + p.end(), "no start line"},
      {"BEGIN without END", p.begin() + p.body, "bad end line"},
      {"END before BEGIN", p.end() + p.body + p.begin(), "bad end line"},
      {"END of another label", p.begin() + p.body + "-----END OTHER LABEL-----\n", "bad end line"},
      {"block of another label", "-----BEGIN FOO BAR-----\n" + p.body + "-----END FOO BAR-----\n", "no start line"},
      {"invalid base64 character", p.begin() + bad_char + p.end(), "bad base64 decode"},
      // The reader drops the rest of a line after a NUL: "bad base64
      // decode" or a broken DER, depending on where the NUL falls.
      {"NUL byte in the body", p.begin() + nul + p.end(), ""},
      {"body cut in half at a line end", p.begin() + p.body.substr(0, mid - mid % 65) + p.end(), "ASN1 lib"},
      {"body is not DER", p.begin() + base64_lines(bytes_of("hello, this is not DER at all")) + p.end(), "ASN1 lib"},
      {"8 MiB body of zeros", p.begin() + huge + p.end(), "ASN1 lib"},
      {"binary garbage", garbage, "no start line"},
      {"encrypted-block headers, no password", p.begin() + encrypted_header + p.body + p.end(), "bad password read"},
  };
}

std::vector<Case> pem_cases(const std::string& what, const std::string& good,
                            const std::function<void(const std::string&)>& call, const std::string& prefix,
                            bool reader_words) {
  std::vector<Case> cases;
  for (auto& [name, input, words] : broken_pems(good)) {
    std::vector<std::string> fragments{prefix};
    if (reader_words && !words.empty()) {
      fragments.push_back(words);
    }
    cases.push_back({what + ": " + name, [call, input] { call(input); }, Kind::ssl_error, fragments});
  }
  return cases;
}

}  // namespace sslpp::test
