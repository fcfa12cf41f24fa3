// Reading what Python's json.dumps printed, for the tests whose Python peer
// reports what it observed as JSON (interop/python_test.cpp,
// interop/python_sans_io_test.cpp).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <sslpp/connection.hpp>

namespace sslpp::test {

// json_object maps each top-level key to the raw JSON text of its value: a
// minimal JSON reader, enough to split Python's json.dumps output into
// top-level members. Nested values stay as their raw text, which json.dumps
// formats exactly as CertInfo::to_json does, so they compare as strings.
// Throws std::runtime_error on text that is not a JSON object.
std::map<std::string, std::string> json_object(std::string_view text);

// json_text is `s` as a JSON string (the test strings need no escaping).
std::string json_text(std::string_view s);

// cipher_json is Python's cipher() triple as json.dumps writes it.
std::string cipher_json(const CipherInfo& c);

}  // namespace sslpp::test
