// Hostile inputs for the loading API (certificates, keys, CRLs, CA data)
// and the check that each one raises a typed sslpp exception whose message
// says what is wrong, in bounded time.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "support/der.hpp"

namespace sslpp::test {

// Kind is the exception type a hostile input must raise.
enum class Kind { ssl_error, value_error, os_error };

// Case is one hostile input: the call that takes it, the exception it must
// raise, and fragments its message must contain (what a person reads to
// know what failed and why).
struct Case {
  std::string name;
  std::function<void()> call;
  Kind kind;
  std::vector<std::string> fragments;
};

// expect_typed runs the call: it must raise exactly `kind` (not another
// sslpp type, not an untyped exception, not nothing) with every fragment in
// its message, within ten seconds (times SSLPP_TEST_TIME_SCALE, for
// valgrind). With SSLPP_TEST_VERBOSE set it prints each message, to review
// their wording.
void expect_typed(const Case& c);
void run(const std::vector<Case>& cases);

// Byte and text helpers.
std::string text(std::span<const std::byte> b);
der::Bytes bytes_of(std::string_view s);
der::Bytes prefix(const der::Bytes& b, std::size_t n);
std::string read_text(const std::filesystem::path& p);

// Pem is one PEM block taken apart: its label and base64 lines.
struct Pem {
  std::string label;
  std::string body;  // base64 lines, each ending in '\n'
  std::string begin() const { return "-----BEGIN " + label + "-----\n"; }
  std::string end() const { return "-----END " + label + "-----\n"; }
  std::string whole() const { return begin() + body + end(); }
};
Pem split(const std::string& pem);
// der_of_pem decodes any one PEM block's base64.
der::Bytes der_of_pem(const std::string& pem);
// base64_lines is `data` as 64-column base64 lines.
std::string base64_lines(std::span<const std::byte> data);

// broken_pems are the ways one PEM block (`good`) can be broken: (name,
// text, the words of OpenSSL's PEM reader for the break, or "" when they
// depend on the generated certificate's bytes).
std::vector<std::tuple<std::string, std::string, std::string>> broken_pems(const std::string& good);

// pem_cases applies every broken PEM to `call`, whose messages start with
// `prefix`. With `reader_words` the message must also carry the PEM
// reader's words; OpenSSL 3's key decoders say "No supported data to
// decode" for most breaks, so for keys the prefix is what names the failure.
std::vector<Case> pem_cases(const std::string& what, const std::string& good,
                            const std::function<void(const std::string&)>& call, const std::string& prefix,
                            bool reader_words = true);

}  // namespace sslpp::test
