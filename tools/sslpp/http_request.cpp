#include "http_request.hpp"

#include <algorithm>
#include <charconv>

namespace sslpp::cli {

namespace {

// tchar of RFC 9110 5.6.2: what a method or a header name is made of.
bool is_tchar(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

// A request target is visible ASCII (RFC 9112 3.2: no spaces, no controls).
bool is_target(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// A field value may hold tabs, but no other control characters.
bool is_field_value(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// next_line takes the next line off the front of `head`, without its CRLF
// or LF. An empty line is the blank line that ends the head, or its end.
std::string_view next_line(std::string_view& head) noexcept {
  const std::size_t nl = head.find('\n');
  std::string_view line = head.substr(0, nl);
  head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
  if (line.ends_with('\r')) {
    line.remove_suffix(1);
  }
  return line;
}

HttpHead refuse(int status, std::string why) { return {std::nullopt, status, std::move(why)}; }

// has_token is true when the comma-separated list `value` holds `token`.
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) {
      return true;
    }
    value.remove_prefix(comma == std::string_view::npos ? value.size() : comma + 1);
  }
  return false;
}

}  // namespace

std::size_t find_head_end(std::string_view buffer, std::size_t from) noexcept {
  for (std::size_t nl = buffer.find('\n', from); nl != std::string_view::npos; nl = buffer.find('\n', nl + 1)) {
    if (nl + 1 < buffer.size() && buffer[nl + 1] == '\n') {
      return nl + 2;
    }
    if (nl + 2 < buffer.size() && buffer[nl + 1] == '\r' && buffer[nl + 2] == '\n') {
      return nl + 3;
    }
  }
  return std::string_view::npos;
}

HttpHead parse_http_head(std::string_view head) {
  // request-line = method SP request-target SP HTTP-version
  const std::string_view line = next_line(head);
  if (line.empty()) {
    return refuse(400, "no request line");
  }
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return refuse(400, "the request line is not METHOD TARGET HTTP/1.1");
  }
  HttpRequest r;
  r.method = line.substr(0, sp1);
  r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(r.method) || !is_target(r.target)) {
    return refuse(400, "bad method or target");
  }
  if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return refuse(400, "bad HTTP version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return refuse(505, "only HTTP/1.0 and HTTP/1.1 are served");
  }
  r.minor_version = version[7] - '0';

  int hosts = 0;
  std::optional<std::size_t> length;
  bool close = false;
  bool keep_alive = false;
  for (std::string_view field = next_line(head); !field.empty(); field = next_line(head)) {
    if (field.front() == ' ' || field.front() == '\t') {
      return refuse(400, "folded header line");  // obs-fold, RFC 9112 5.2
    }
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos || !is_token(field.substr(0, colon))) {
      return refuse(400, "bad header line");  // also whitespace before the colon, RFC 9112 5.1
    }
    const std::string_view name = field.substr(0, colon);
    const std::string_view value = trim(field.substr(colon + 1));
    if (!is_field_value(value)) {
      return refuse(400, "control character in a header");
    }
    if (iequals(name, "Host")) {
      ++hosts;
    } else if (iequals(name, "Content-Length")) {
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() || (length && *length != n)) {
        return refuse(400, "bad Content-Length");
      }
      length = n;
    } else if (iequals(name, "Transfer-Encoding")) {
      // Without the coding, the end of the body is unknown.
      return refuse(501, "transfer codings are not supported");
    } else if (iequals(name, "Connection")) {
      close = close || has_token(value, "close");
      keep_alive = keep_alive || has_token(value, "keep-alive");
    }
  }
  if (hosts > 1 || (r.minor_version == 1 && hosts == 0)) {
    return refuse(400, "HTTP/1.1 needs exactly one Host header");  // RFC 9112 3.2
  }
  r.content_length = length.value_or(0);
  r.keep_alive = !close && (r.minor_version == 1 || keep_alive);
  return {std::move(r), 0, {}};
}

}  // namespace sslpp::cli
