// Parsing one HTTP/1.1 request head (RFC 9112) for `sslpp serve --http`:
// strict where a lax parser would let two readers disagree about where a
// request ends (folded lines, whitespace before a colon, conflicting
// Content-Length), since the answer to a mistake there is request
// smuggling, not a friendlier error.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sslpp::cli {

/// HttpRequest is a request head that parsed.
struct HttpRequest {
  std::string method;
  std::string target;
  int minor_version = 1;           // HTTP/1.x
  bool keep_alive = true;          // after the response, the connection stays open
  std::size_t content_length = 0;  // body bytes that follow the head
};

/// HttpHead is the outcome of parsing a head: a request, or the status
/// that refuses it (400, 501 for a transfer coding, 505 for a version).
struct HttpHead {
  std::optional<HttpRequest> request;
  int status = 0;  // 0 when `request` is set
  std::string why;  // for the error response
};

/// find_head_end is the offset just past the blank line that ends the head
/// starting at `from`, or npos while the head is incomplete. Lines may end
/// in CRLF or in a bare LF (RFC 9112 2.2).
std::size_t find_head_end(std::string_view buffer, std::size_t from) noexcept;

/// parse_http_head parses a complete head (request line, header lines, and
/// the blank line).
HttpHead parse_http_head(std::string_view head);

}  // namespace sslpp::cli
