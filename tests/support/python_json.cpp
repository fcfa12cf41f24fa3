#include "support/python_json.hpp"

#include <cctype>
#include <cstddef>
#include <stdexcept>

namespace sslpp::test {

namespace {

void skip_space(std::string_view text, std::size_t& i) {
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) {
    ++i;
  }
}

// skip_string moves `i` past the JSON string starting at text[i] == '"'.
void skip_string(std::string_view text, std::size_t& i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      ++i;
      return;
    }
  }
  throw std::runtime_error("unterminated JSON string");
}

}  // namespace

std::map<std::string, std::string> json_object(std::string_view text) {
  std::map<std::string, std::string> members;
  std::size_t i = 0;
  skip_space(text, i);
  if (i >= text.size() || text[i] != '{') {
    throw std::runtime_error("not a JSON object: " + std::string(text));
  }
  ++i;
  skip_space(text, i);
  if (i < text.size() && text[i] == '}') {
    return members;
  }
  for (;;) {
    skip_space(text, i);
    if (i >= text.size() || text[i] != '"') {
      throw std::runtime_error("expected a key in " + std::string(text));
    }
    const std::size_t key_start = i;
    skip_string(text, i);
    // Python's keys here are plain ASCII identifiers: no escapes to decode.
    std::string key(text.substr(key_start + 1, i - key_start - 2));
    skip_space(text, i);
    if (i >= text.size() || text[i] != ':') {
      throw std::runtime_error("expected ':' in " + std::string(text));
    }
    ++i;
    skip_space(text, i);
    const std::size_t value_start = i;
    int depth = 0;
    while (i < text.size()) {
      const char ch = text[i];
      if (ch == '"') {
        skip_string(text, i);
        continue;
      }
      if (ch == '[' || ch == '{') {
        ++depth;
      } else if (ch == ']' || ch == '}') {
        if (depth == 0) {
          break;
        }
        --depth;
      } else if (ch == ',' && depth == 0) {
        break;
      }
      ++i;
    }
    if (i >= text.size()) {
      throw std::runtime_error("unterminated JSON object: " + std::string(text));
    }
    std::string_view value = text.substr(value_start, i - value_start);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())) != 0) {
      value.remove_suffix(1);
    }
    members[key] = std::string(value);
    if (text[i] == '}') {
      return members;
    }
    ++i;  // past ','
  }
}

std::string json_text(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string cipher_json(const CipherInfo& c) {
  return "[" + json_text(c.name) + ", " + json_text(c.protocol) + ", " + std::to_string(c.secret_bits) + "]";
}

}  // namespace sslpp::test
