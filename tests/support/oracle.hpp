// Asking an independent program for the answer a test compares against:
// python3's ssl module, the openssl command.
#pragma once

#include <filesystem>
#include <string>

namespace sslpp::test {

// command_output runs `shell_command` with /bin/sh and returns what it
// wrote to stdout, trailing newlines removed.
std::string command_output(const std::string& shell_command);

// python_ssl runs python3 with `code` (after "import ssl, json, sys") and
// `args` appended to its command line; returns its stdout like
// command_output. `code` must not contain a single quote.
std::string python_ssl(const std::string& code, const std::string& args = {});

// python_decode_json is Python's decoding of the certificate in `pem`
// (ssl._ssl._test_decode_cert) as JSON, non-ASCII kept.
std::string python_decode_json(const std::filesystem::path& pem);

}  // namespace sslpp::test
