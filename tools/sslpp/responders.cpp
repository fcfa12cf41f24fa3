#include "responders.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <iterator>

#include <sslpp/version.hpp>

#include "http_request.hpp"

namespace sslpp::cli {

namespace {

std::string_view as_chars(std::span<const std::byte> bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

class EchoResponder final : public Responder {
 public:
  bool consume(std::span<const std::byte> plaintext, std::string& reply) override {
    reply += as_chars(plaintext);
    return true;
  }
};

// A request head larger than this is refused: 16 KiB is twice what common
// servers accept by default, and buffering more invites memory exhaustion.
constexpr std::size_t kMaxHead = 16 * 1024;
// Room for a response's status line and headers, reserved with its body.
constexpr std::size_t kHeadRoom = 256;

// Decimal is a number's digits, without a std::string.
class Decimal {
 public:
  explicit Decimal(std::uint64_t n) noexcept
      : size_(static_cast<std::size_t>(std::to_chars(std::begin(text_), std::end(text_), n).ptr - text_)) {}
  [[nodiscard]] std::string_view view() const noexcept { return {text_, size_}; }

 private:
  char text_[20];  // 2^64 - 1 has 20 digits
  std::size_t size_;
};

// The page is written piece by piece to a sink: the reply itself, or a
// counter of its bytes, since its Content-Length goes out first. One
// writer for both keeps the two from disagreeing, and no piece becomes a
// std::string of its own.
struct Appender {
  std::string& out;
  void operator()(std::string_view piece) const { out += piece; }
};

struct Counter {
  std::size_t bytes = 0;
  void operator()(std::string_view piece) noexcept { bytes += piece.size(); }
};

// html_entity is what `c` becomes in HTML text, or empty when it stays.
std::string_view html_entity(char c) noexcept {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    default:
      return {};
  }
}

template <typename Sink>
void write_escaped(Sink& out, std::string_view s) {
  std::size_t plain = 0;  // the start of the run not yet written
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::string_view entity = html_entity(s[i]);
    if (!entity.empty()) {
      out(s.substr(plain, i - plain));
      out(entity);
      plain = i + 1;
    }
  }
  out(s.substr(plain));
}

// HttpDate is the Date header's IMF-fixdate (RFC 9110 5.6.7), formatted
// again only when the second changes, as nginx caches its time strings:
// strftime for every response was part of the 1.7 us its head cost.
class HttpDate {
 public:
  std::string_view now() noexcept {
    const std::time_t second = std::time(nullptr);
    if (second != second_) {
      std::tm utc{};
      ::gmtime_r(&second, &utc);
      size_ = std::strftime(text_, sizeof text_, "%a, %d %b %Y %H:%M:%S GMT", &utc);
      second_ = second;
    }
    return {text_, size_};
  }

 private:
  std::time_t second_ = -1;
  char text_[64] = {};
  std::size_t size_ = 0;
};

std::string_view http_date() {
  // The server runs on one thread; a server on another thread keeps its own.
  thread_local HttpDate date;
  return date.now();
}

const std::string& server_header() {
  static const std::string line = "Server: sslpp/" + std::string(sslpp::version().text) + "\r\n";
  return line;
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

// Head is a response's status line and headers.
struct Head {
  int status = 200;
  std::string_view content_type;
  std::size_t content_length = 0;
  bool keep_alive = true;
  bool allow_header = false;  // 405 says what is allowed
};

void append_head(std::string& reply, const Head& h) {
  reply += "HTTP/1.1 ";
  reply += Decimal(static_cast<std::uint64_t>(h.status)).view();
  reply += ' ';
  reply += reason_phrase(h.status);
  reply += "\r\nDate: ";
  reply += http_date();
  reply += "\r\n";
  reply += server_header();
  reply += "Content-Type: ";
  reply += h.content_type;
  reply += "\r\nContent-Length: ";
  reply += Decimal(h.content_length).view();
  reply += "\r\nCache-Control: no-store\r\n";
  if (h.allow_header) {
    reply += "Allow: GET, HEAD\r\n";
  }
  reply += h.keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
}

// append_error appends a refusal: a short text body, and a close.
void append_error(std::string& reply, int status, std::string_view why, bool allow_header) {
  const std::string body = std::to_string(status) + " " + reason_phrase(status) + ": " + std::string(why) + "\n";
  append_head(reply, {.status = status,
                      .content_type = "text/plain; charset=utf-8",
                      .content_length = body.size(),
                      .keep_alive = false,
                      .allow_header = allow_header});
  reply += body;
}

void append_row(std::string& rows, std::string_view name, const std::optional<std::string>& value) {
  Appender out{rows};
  out("<tr><th>");
  out(name);
  out("</th><td>");
  if (value) {
    write_escaped(out, *value);
  } else {
    out("(none)");
  }
  out("</td></tr>\n");
}

// tls_rows is the page's table of the connection's TLS facts.
std::string tls_rows(const Connection& tls) {
  const auto cipher = tls.cipher();
  std::string rows;
  append_row(rows, "TLS version", tls.version());
  append_row(rows, "cipher", cipher ? std::optional<std::string>(cipher->name) : std::nullopt);
  append_row(rows, "ALPN", tls.selected_alpn_protocol());
  append_row(rows, "server name (SNI)", tls.get_servername());
  append_row(rows, "session resumed", std::string(tls.session_reused() ? "yes" : "no"));
  append_row(rows, "client certificate", std::string(tls.get_peer_certificate() ? "presented" : "none"));
  return rows;
}

// write_page writes the HTML answer to a GET: the request, and the
// connection's TLS (`tls_rows`). A HEAD gets the same headers, so the page
// names the method GET for both.
template <typename Sink>
void write_page(Sink& out, const HttpRequest& r, std::size_t nth, std::string_view tls_rows) {
  out("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>sslpp serve</title></head>\n"
      "<body>\n<h1>sslpp serve</h1>\n<p>GET <code>");
  write_escaped(out, r.target);
  out("</code> over HTTP/1.");
  out(Decimal(static_cast<std::uint64_t>(r.minor_version)).view());
  out(", request ");
  out(Decimal(nth).view());
  out(" on this connection.</p>\n<table>\n");
  out(tls_rows);
  out("</table>\n</body>\n</html>\n");
}

// HttpResponder frames requests out of the plaintext stream (pipelined
// ones included), answers each in order, and skips request bodies.
class HttpResponder final : public Responder {
 public:
  explicit HttpResponder(const ServerLog& log) : log_(log) {}

  void handshake_done(const Connection& tls) override { tls_rows_ = tls_rows(tls); }

  bool consume(std::span<const std::byte> plaintext, std::string& reply) override {
    if (buffer_.empty()) {
      // The usual case, whole requests in one read: answered where they
      // lie, and only the start of an unfinished one is kept.
      const std::string_view data = as_chars(plaintext);
      const Progress p = answer_all(data, reply);
      if (p.open) {
        buffer_.assign(data.substr(p.used));
      }
      return p.open;
    }
    buffer_ += as_chars(plaintext);
    const Progress p = answer_all(buffer_, reply);
    buffer_.erase(0, p.open ? p.used : buffer_.size());
    if (buffer_.empty()) {
      buffer_.shrink_to_fit();  // an idle connection holds no buffer
    }
    return p.open;
  }

  [[nodiscard]] bool ends_cleanly_without_close_notify() const noexcept override {
    return buffer_.empty() && body_left_ == 0;
  }

 private:
  struct Progress {
    std::size_t used = 0;  // bytes of the data answered (or skipped)
    bool open = true;      // the connection stays open
  };

  // answer_all answers the requests in `data` in order, up to an
  // unfinished one.
  Progress answer_all(std::string_view data, std::string& reply) {
    std::size_t pos = 0;
    bool open = true;
    while (open && pos < data.size()) {
      if (body_left_ > 0) {
        const std::size_t n = std::min(body_left_, data.size() - pos);
        pos += n;
        body_left_ -= n;
        continue;
      }
      // Blank lines before a request line are ignored (RFC 9112 2.2).
      while (pos < data.size() && (data[pos] == '\r' || data[pos] == '\n')) {
        ++pos;
      }
      const std::size_t end = find_head_end(data, pos);
      if (end == std::string_view::npos) {
        if (data.size() - pos > kMaxHead) {
          open = refuse(431, "the request head exceeds 16 KiB", nullptr, reply);
        }
        break;
      }
      const HttpHead head = parse_http_head(data.substr(pos, end - pos));
      pos = end;
      open = head.request ? answer_request(*head.request, reply) : refuse(head.status, head.why, nullptr, reply);
    }
    return {pos, open};
  }

  // answer_request answers a request that parsed and returns whether the
  // connection stays open.
  bool answer_request(const HttpRequest& r, std::string& reply) {
    if (r.method != "GET" && r.method != "HEAD") {
      // Closing spares us knowing whether the client sends its body (it
      // may wait for "100 Continue").
      return refuse(405, "only GET and HEAD are served", &r, reply, true);
    }
    body_left_ = r.content_length;
    ++served_;
    Counter length;
    write_page(length, r, served_, tls_rows_);
    reply.reserve(reply.size() + kHeadRoom + length.bytes);
    append_head(reply, {.status = 200,
                        .content_type = "text/html; charset=utf-8",
                        .content_length = length.bytes,
                        .keep_alive = r.keep_alive});
    if (r.method == "GET") {
      Appender out{reply};
      write_page(out, r, served_, tls_rows_);
    }
    report(&r, 200, r.keep_alive);
    return r.keep_alive;
  }

  // refuse appends an error response and reports it; the connection closes.
  bool refuse(int status, std::string_view why, const HttpRequest* r, std::string& reply, bool allow_header = false) {
    append_error(reply, status, why, allow_header);
    report(r, status, false);
    return false;
  }

  void report(const HttpRequest* r, int status, bool keep_alive) {
    // Reused for every request of every connection on the server's thread.
    thread_local std::string line;
    if (r != nullptr) {
      request_event(line, r->method, r->target, status, keep_alive);
    } else {
      request_event(line, std::nullopt, std::nullopt, status, keep_alive);
    }
    log_.report_event(line);
  }

  const ServerLog& log_;
  std::string tls_rows_;       // the page's TLS table, made after the handshake
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
