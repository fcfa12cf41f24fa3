#include "responders.hpp"

#include <algorithm>
#include <ctime>

#include <sslpp/version.hpp>

#include "http_request.hpp"

namespace sslpp::cli {

namespace {

class EchoResponder final : public Responder {
 public:
  bool consume(std::span<const std::byte> plaintext, const Connection&, std::string& reply) override {
    reply.append(reinterpret_cast<const char*>(plaintext.data()), plaintext.size());
    return true;
  }
};

// A request head larger than this is refused: 16 KiB is twice what common
// servers accept by default, and buffering more invites memory exhaustion.
constexpr std::size_t kMaxHead = 16 * 1024;

std::string html_escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// http_date is the Date header's IMF-fixdate (RFC 9110 5.6.7).
std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text, n);
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

// Response is one response to append to the reply.
struct Response {
  int status = 200;
  std::string_view content_type;
  std::string body;
  bool send_body = true;  // false for HEAD: the headers describe the body not sent
  bool keep_alive = true;
  bool allow_header = false;  // 405 says what is allowed
};

void append(std::string& reply, const Response& r) {
  reply += "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) + "\r\n";
  reply += "Date: " + http_date() + "\r\n";
  reply += "Server: sslpp/" + std::string(sslpp::version().text) + "\r\n";
  reply += "Content-Type: " + std::string(r.content_type) + "\r\n";
  reply += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  reply += "Cache-Control: no-store\r\n";
  if (r.allow_header) {
    reply += "Allow: GET, HEAD\r\n";
  }
  reply += r.keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (r.send_body) {
    reply += r.body;
  }
}

Response error_response(int status, std::string_view why) {
  return {.status = status,
          .content_type = "text/plain; charset=utf-8",
          .body = std::to_string(status) + " " + reason_phrase(status) + ": " + std::string(why) + "\n",
          .keep_alive = false};
}

std::string row(std::string_view name, const std::optional<std::string>& value) {
  return "<tr><th>" + std::string(name) + "</th><td>" + (value ? html_escape(*value) : "(none)") + "</td></tr>\n";
}

// page is the HTML answer to a GET: the request and the connection's TLS.
// A HEAD gets the same headers, so the page names the method GET for both.
std::string page(const HttpRequest& r, const Connection& tls, std::size_t nth) {
  const auto cipher = tls.cipher();
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>sslpp serve</title></head>\n"
         "<body>\n<h1>sslpp serve</h1>\n<p>GET <code>" + html_escape(r.target) + "</code> over HTTP/1." +
         std::to_string(r.minor_version) + ", request " + std::to_string(nth) + " on this connection.</p>\n<table>\n" +
         row("TLS version", tls.version()) +
         row("cipher", cipher ? std::optional<std::string>(cipher->name) : std::nullopt) +
         row("ALPN", tls.selected_alpn_protocol()) + row("server name (SNI)", tls.get_servername()) +
         row("session resumed", std::string(tls.session_reused() ? "yes" : "no")) +
         row("client certificate", std::string(tls.get_peer_certificate() ? "presented" : "none")) +
         "</table>\n</body>\n</html>\n";
}

// HttpResponder frames requests out of the plaintext stream (pipelined
// ones included), answers each in order, and skips request bodies.
class HttpResponder final : public Responder {
 public:
  explicit HttpResponder(const ServerLog& log) : log_(log) {}

  bool consume(std::span<const std::byte> plaintext, const Connection& tls, std::string& reply) override {
    buffer_.append(reinterpret_cast<const char*>(plaintext.data()), plaintext.size());
    std::size_t pos = 0;
    bool open = true;
    while (open && pos < buffer_.size()) {
      if (body_left_ > 0) {
        const std::size_t n = std::min(body_left_, buffer_.size() - pos);
        pos += n;
        body_left_ -= n;
        continue;
      }
      // Blank lines before a request line are ignored (RFC 9112 2.2).
      while (pos < buffer_.size() && (buffer_[pos] == '\r' || buffer_[pos] == '\n')) {
        ++pos;
      }
      const std::size_t end = find_head_end(buffer_, pos);
      if (end == std::string::npos) {
        if (buffer_.size() - pos > kMaxHead) {
          open = answer(error_response(431, "the request head exceeds 16 KiB"), nullptr, reply);
        }
        break;
      }
      const HttpHead head = parse_http_head(std::string_view(buffer_).substr(pos, end - pos));
      pos = end;
      open = head.request ? answer_request(*head.request, tls, reply)
                          : answer(error_response(head.status, head.why), nullptr, reply);
    }
    buffer_.erase(0, open ? pos : buffer_.size());
    if (buffer_.empty()) {
      buffer_.shrink_to_fit();  // an idle connection holds no buffer
    }
    return open;
  }

  [[nodiscard]] bool ends_cleanly_without_close_notify() const noexcept override {
    return buffer_.empty() && body_left_ == 0;
  }

 private:
  bool answer_request(const HttpRequest& r, const Connection& tls, std::string& reply) {
    if (r.method != "GET" && r.method != "HEAD") {
      // Closing spares us knowing whether the client sends its body (it
      // may wait for "100 Continue").
      Response refused = error_response(405, "only GET and HEAD are served");
      refused.allow_header = true;
      return answer(refused, &r, reply);
    }
    body_left_ = r.content_length;
    ++served_;
    return answer({.status = 200,
                   .content_type = "text/html; charset=utf-8",
                   .body = page(r, tls, served_),
                   .send_body = r.method == "GET",
                   .keep_alive = r.keep_alive},
                  &r, reply);
  }

  // answer appends the response, reports the request, and returns whether
  // the connection stays open.
  bool answer(const Response& response, const HttpRequest* r, std::string& reply) {
    append(reply, response);
    log_.report_event(JsonObject()
                          .string("event", "request")
                          .optional_string("method", r ? std::optional(r->method) : std::nullopt)
                          .optional_string("target", r ? std::optional(r->target) : std::nullopt)
                          .number("status", response.status)
                          .boolean("keep_alive", response.keep_alive)
                          .str());
    return response.keep_alive;
  }

  const ServerLog& log_;
  std::string buffer_;         // received, not yet answered
  std::size_t body_left_ = 0;  // of the current request's body, to skip
  std::size_t served_ = 0;     // requests answered with the page
};

}  // namespace

std::unique_ptr<Responder> make_responder(AppProtocol protocol, const ServerLog& log) {
  if (protocol == AppProtocol::http) {
    return std::make_unique<HttpResponder>(log);
  }
  return std::make_unique<EchoResponder>();
}

}  // namespace sslpp::cli
