// sslpp rand and sslpp version.
#include <climits>
#include <iostream>

#include "commands.hpp"
#include "output.hpp"

namespace sslpp::cli {

namespace {

// Python's str() of a bool, so `version` reads as Python prints the flags.
const char* py_bool(bool b) { return b ? "True" : "False"; }

}  // namespace

const CommandSpec& rand_spec() {
  static const CommandSpec spec{
      .name = "rand",
      .synopsis = "N",
      .min_positionals = 1,
      .max_positionals = 1,
      .summary = "print N cryptographically strong random bytes as hex (RAND_bytes)",
      .details = "",
      .options = {},
  };
  return spec;
}

int rand(const ParsedArgs& args) {
  std::size_t remaining = as_bad_input([&] { return parse_count("N", args.positionals().at(0), 0, INT_MAX); });
  // In chunks, so a large N needs no large buffer.
  constexpr std::size_t kChunk = 1 << 16;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  while (remaining > 0) {
    const std::size_t n = std::min(remaining, kChunk);
    text.clear();
    for (const std::byte b : RAND_bytes(n)) {
      text += kHex[std::to_integer<unsigned>(b) >> 4];
      text += kHex[std::to_integer<unsigned>(b) & 0xF];
    }
    std::cout << text;
    remaining -= n;
  }
  std::cout << std::endl;
  return exit_ok;
}

const CommandSpec& version_spec() {
  static const CommandSpec spec{
      .name = "version",
      .synopsis = "",
      .min_positionals = 0,
      .max_positionals = 0,
      .summary = "print OpenSSL's version and what it supports (HAS_*)",
      .details = "One `NAME: value` line each, values as Python's str() shows them:\n"
                 "OPENSSL_VERSION, OPENSSL_VERSION_INFO, OPENSSL_VERSION_NUMBER, the\n"
                 "SSLeay_version strings and the HAS_* flags.\n",
      .options = {},
  };
  return spec;
}

int version(const ParsedArgs&) {
  const OpenSSLVersionInfo info = openssl_version_info();
  std::cout << "OPENSSL_VERSION: " << openssl_version() << "\n"
            << "OPENSSL_VERSION_INFO: (" << info.major << ", " << info.minor << ", " << info.fix << ", "
            << info.patch << ", " << info.status << ")\n"
            << "OPENSSL_VERSION_NUMBER: " << openssl_version_number() << "\n";
  const std::pair<const char*, SSLeayType> kSSLeay[] = {
      {"SSLEAY_VERSION", SSLeayType::version}, {"SSLEAY_CFLAGS", SSLeayType::cflags},
      {"SSLEAY_BUILT_ON", SSLeayType::built_on}, {"SSLEAY_PLATFORM", SSLeayType::platform},
      {"SSLEAY_DIR", SSLeayType::dir},
  };
  for (const auto& [name, type] : kSSLeay) {
    std::cout << "SSLeay_version(" << name << "): " << ssleay_version(type) << "\n";
  }
  const std::pair<const char*, bool> kHas[] = {
      {"HAS_SNI", HAS_SNI},         {"HAS_ECDH", HAS_ECDH},       {"HAS_ALPN", HAS_ALPN},
      {"HAS_NPN", HAS_NPN},         {"HAS_NEVER_CHECK_COMMON_NAME", HAS_NEVER_CHECK_COMMON_NAME},
      {"HAS_SSLv2", HAS_SSLv2},     {"HAS_SSLv3", HAS_SSLv3},     {"HAS_TLSv1", HAS_TLSv1},
      {"HAS_TLSv1_1", HAS_TLSv1_1}, {"HAS_TLSv1_2", HAS_TLSv1_2}, {"HAS_TLSv1_3", HAS_TLSv1_3},
  };
  for (const auto& [name, has] : kHas) {
    std::cout << name << ": " << py_bool(has) << "\n";
  }
  std::cout << std::flush;
  return exit_ok;
}

}  // namespace sslpp::cli
