// sslpp serve --http: real HTTP clients (curl, wget, python3's
// http.client) get the page, over one connection for several requests;
// pipelined requests are answered in order; bad requests get an error
// status and a close; every response's Content-Length is its body's.
#include <filesystem>
#include <map>
#include <regex>

#include "cli/cli_support.hpp"

namespace sslpp::cli_test {
namespace {

constexpr const char* kCurl = "/usr/bin/curl";
constexpr const char* kWget = "/usr/bin/wget";

// HttpResponse is one response as read off the wire.
struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

std::string lower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return s;
}

// parse_responses splits `text` into responses, framed by Content-Length;
// `with_body[i]` is false for the answer to a HEAD (headers only). A
// framing error fails the test.
std::vector<HttpResponse> parse_responses(std::string_view text, const std::vector<bool>& with_body) {
  std::vector<HttpResponse> out;
  for (const bool body : with_body) {
    const std::size_t end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      ADD_FAILURE() << "no complete response " << out.size() + 1 << " in: " << text;
      return out;
    }
    HttpResponse r;
    std::string_view head = text.substr(0, end + 2);
    const std::size_t first = head.find("\r\n");
    const std::string_view status_line = head.substr(0, first);
    EXPECT_TRUE(status_line.starts_with("HTTP/1.1 ")) << status_line;
    r.status = std::stoi(std::string(status_line.substr(9, 3)));
    head.remove_prefix(first + 2);
    while (!head.empty()) {
      const std::size_t eol = head.find("\r\n");
      const std::string_view line = head.substr(0, eol);
      const std::size_t colon = line.find(':');
      r.headers[lower(std::string(line.substr(0, colon)))] = std::string(line.substr(colon + 2));
      head.remove_prefix(eol + 2);
    }
    text.remove_prefix(end + 4);
    const std::size_t length = std::stoul(r.headers.at("content-length"));
    if (body) {
      EXPECT_GE(text.size(), length) << "body cut short";
      r.body = std::string(text.substr(0, length));
      text.remove_prefix(std::min(length, text.size()));
    }
    out.push_back(std::move(r));
  }
  EXPECT_TRUE(text.empty()) << "bytes after the last response: " << text;
  return out;
}

// Exchange is what one TLS connection to serve brought back.
struct Exchange {
  std::string received;
  bool clean_close = false;  // the server ended with close_notify
};

// talk sends `requests` in one write over a new connection and reads
// until the server closes (5 s at most).
Exchange talk(std::uint16_t port, const std::string& requests) {
  SSLSocket s = test::client_context().wrap_socket(create_connection("127.0.0.1", port, 5s),
                                                   {.server_hostname = "localhost"});
  s.sendall(requests);
  Exchange e;
  try {
    for (std::string part = s.recv(65536); !part.empty(); part = s.recv(65536)) {
      e.received += part;
    }
    e.clean_close = true;
  } catch (const OSError& error) {
    ADD_FAILURE() << "the server did not close with close_notify: " << error.what();
  }
  return e;
}

std::string get(const std::string& target, const std::string& extra_headers = {}) {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers + "\r\n";
}

bool says(const HttpResponse& r, std::string_view text) { return contains(r.body, text); }

TEST(CliServeHttp, CurlGetsTwoPagesOverOneConnection) {
  ASSERT_TRUE(std::filesystem::exists(kCurl)) << "curl is missing: run tools/bootstrap.sh";
  Serve srv(serve_args({"--http", "--exit-after", "1"}));
  const std::string port = std::to_string(srv.port);
  const std::string base = "https://localhost:" + port;
  const Outcome r = run_program({kCurl, "-sS", "-v", "--cacert", path(pki().ca_file), "--resolve",
                                 "localhost:" + port + ":127.0.0.1", base + "/first", base + "/second"});
  ASSERT_EQ(r.status, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "<code>/first</code> over HTTP/1.1, request 1 on this connection")) << r.out;
  EXPECT_TRUE(contains(r.out, "<code>/second</code> over HTTP/1.1, request 2 on this connection")) << r.out;
  EXPECT_TRUE(contains(r.out, "<tr><th>ALPN</th><td>http/1.1</td></tr>")) << r.out;
  EXPECT_TRUE(contains(r.err, "Re-using existing connection")) << r.err;
  const nlohmann::json handshake = srv.event();
  EXPECT_EQ(handshake["event"], "handshake");
  EXPECT_EQ(handshake["alpn"], "http/1.1");
  for (const char* target : {"/first", "/second"}) {
    const nlohmann::json e = srv.event();
    EXPECT_EQ(e["event"], "request");
    EXPECT_EQ(e["method"], "GET");
    EXPECT_EQ(e["target"], target);
    EXPECT_EQ(e["status"], 200);
    EXPECT_EQ(e["keep_alive"], true);
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();  // one connection for both
}

TEST(CliServeHttp, WgetFetchesThePage) {
  ASSERT_TRUE(std::filesystem::exists(kWget)) << "wget is missing: run tools/bootstrap.sh";
  Serve srv(serve_args({"--http", "--exit-after", "1"}));
  const Outcome r = run_program({kWget, "-q", "-4", "--no-hsts", "-O", "-", "--ca-certificate=" + path(pki().ca_file),
                                 "https://localhost:" + std::to_string(srv.port) + "/from-wget"});
  ASSERT_EQ(r.status, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "<title>sslpp serve</title>")) << r.out;
  EXPECT_TRUE(contains(r.out, "GET <code>/from-wget</code>")) << r.out;
  EXPECT_EQ(srv.event()["event"], "handshake");
  EXPECT_EQ(srv.event()["target"], "/from-wget");
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// python3's http.client keeps one connection for GET, HEAD and a last GET
// that asks to close it.
TEST(CliServeHttp, PythonHttpClientKeepsOneConnection) {
  Serve srv(serve_args({"--http", "--exit-after", "1"}));
  const std::string out = python(
      "import http.client, json, ssl, sys\n"
      "ctx = ssl.create_default_context(cafile=sys.argv[2])\n"
      "c = http.client.HTTPSConnection('localhost', int(sys.argv[1]), context=ctx, timeout=10)\n"
      "out = []\n"
      "for method, target, headers in [('GET', '/one', {}), ('HEAD', '/two', {}),\n"
      "                                ('GET', '/three', {'Connection': 'close'})]:\n"
      "    c.request(method, target, headers=headers)\n"
      "    r = c.getresponse()\n"
      "    body = r.read()\n"
      "    out.append({'status': r.status, 'length': int(r.getheader('Content-Length')), 'read': len(body),\n"
      "                'connection': r.getheader('Connection'), 'body': body.decode()})\n"
      "print(json.dumps(out))\n",
      {std::to_string(srv.port), path(pki().ca_file)});
  const nlohmann::json r = nlohmann::json::parse(out);
  ASSERT_EQ(r.size(), 3u) << out;
  for (const auto& x : r) {
    EXPECT_EQ(x["status"], 200) << x;
  }
  EXPECT_EQ(r[0]["read"], r[0]["length"]);
  EXPECT_TRUE(contains(r[0]["body"].get<std::string>(), "request 1 on this connection")) << r[0];
  EXPECT_EQ(r[1]["read"], 0);  // HEAD: the length of the page not sent
  EXPECT_GT(r[1]["length"].get<int>(), 0);
  EXPECT_EQ(r[1]["connection"], "keep-alive");
  EXPECT_TRUE(contains(r[2]["body"].get<std::string>(), "request 3 on this connection")) << r[2];
  EXPECT_EQ(r[2]["connection"], "close");
  EXPECT_EQ(srv.event()["event"], "handshake");
  for (const char* method : {"GET", "HEAD", "GET"}) {
    EXPECT_EQ(srv.event()["method"], method);
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// Requests sent in one write are answered in order; the last one's
// `Connection: close` ends the connection with close_notify.
TEST(CliServeHttp, PipelinedRequestsAreAnsweredInOrder) {
  Serve srv(serve_args({"--http", "--exit-after", "1"}));
  const Exchange e = talk(srv.port, get("/1") + get("/2?a=<b>&c=\"d\"") +
                                            "HEAD /3 HTTP/1.1\r\nHost: localhost\r\n\r\n" +
                                            get("/4", "Connection: close\r\n"));
  EXPECT_TRUE(e.clean_close);
  const std::vector<HttpResponse> r = parse_responses(e.received, {true, true, false, true});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_TRUE(says(r[0], "<code>/1</code> over HTTP/1.1, request 1 ")) << r[0].body;
  EXPECT_TRUE(says(r[1], "<code>/2?a=&lt;b&gt;&amp;c=&quot;d&quot;</code>")) << r[1].body;
  EXPECT_EQ(r[2].status, 200);
  EXPECT_TRUE(says(r[3], "<code>/4</code> over HTTP/1.1, request 4 ")) << r[3].body;
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r[i].status, 200);
    EXPECT_EQ(r[i].headers.at("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r[i].headers.at("connection"), i < 3 ? "keep-alive" : "close");
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// HTTP/1.0 closes after the response unless it asks for keep-alive.
TEST(CliServeHttp, Http10ClosesUnlessAskedToKeepAlive) {
  Serve srv(serve_args({"--http", "--exit-after", "2"}));
  const Exchange once = talk(srv.port, "GET /old HTTP/1.0\r\n\r\n");
  const std::vector<HttpResponse> a = parse_responses(once.received, {true});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 200);
  EXPECT_EQ(a[0].headers.at("connection"), "close");
  EXPECT_TRUE(once.clean_close);
  const Exchange kept = talk(srv.port, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" +
                                               get("/b", "Connection: close\r\n"));
  const std::vector<HttpResponse> b = parse_responses(kept.received, {true, true});
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].headers.at("connection"), "keep-alive");
  EXPECT_TRUE(says(b[1], "request 2 on this connection")) << b[1].body;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

struct BadRequest {
  std::string bytes;
  int status;
};

// Each bad request gets its status, a text body of the stated length,
// `Connection: close`, and close_notify; a good request before it in the
// same write is still answered.
TEST(CliServeHttp, BadRequestsGetAnErrorStatusAndAClose) {
  const std::vector<BadRequest> cases = {
      {"GET /\r\n\r\n", 400},                                             // no version
      {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},                        // two spaces
      {"GET / HTTP/1.1\r\n\r\n", 400},                                    // HTTP/1.1 without Host
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},              // two Hosts
      {"GET / HTTP/1.1\r\nHost: a\r\n folded: x\r\n\r\n", 400},           // obs-fold
      {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},                        // space before the colon
      {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
      {"\x01\x02 garbage\r\n\r\n", 400},
      {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
      {"DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n", 405},
      {"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(17000, 'a'), 431},  // a head that never ends
  };
  Serve srv(serve_args({"--http", "--exit-after", std::to_string(cases.size())}));
  for (const BadRequest& c : cases) {
    SCOPED_TRACE(c.bytes.substr(0, 60));
    const Exchange e = talk(srv.port, get("/fine") + c.bytes);
    EXPECT_TRUE(e.clean_close);
    const std::vector<HttpResponse> r = parse_responses(e.received, {true, true});
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].status, 200);
    EXPECT_EQ(r[1].status, c.status);
    EXPECT_EQ(r[1].headers.at("connection"), "close");
    EXPECT_EQ(r[1].headers.at("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(r[1].headers.count("allow"), c.status == 405 ? 1u : 0u);
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// The page, byte for byte, and the response head in its order: the page is
// written straight into the reply from the TLS facts taken once after the
// handshake, its length counted first; the Date is cached per second.
TEST(CliServeHttp, ThePageAndTheHeadAreExactly) {
  Serve srv(serve_args({"--http", "--exit-after", "1"}));
  SSLSocket s = test::client_context().wrap_socket(create_connection("127.0.0.1", srv.port, 5s),
                                                   {.server_hostname = "localhost"});
  s.sendall(get("/p?<&>") + "HEAD /p?<&> HTTP/1.1\r\nHost: localhost\r\n\r\n" +
            get("/p?<&>", "Connection: close\r\n"));
  std::string received;
  for (std::string part = s.recv(65536); !part.empty(); part = s.recv(65536)) {
    received += part;
  }
  const std::vector<HttpResponse> r = parse_responses(received, {true, false, true});
  ASSERT_EQ(r.size(), 3u);
  const auto page = [&s](int nth) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>sslpp serve</title></head>\n"
           "<body>\n<h1>sslpp serve</h1>\n<p>GET <code>/p?&lt;&amp;&gt;</code> over HTTP/1.1, request " +
           std::to_string(nth) +
           " on this connection.</p>\n<table>\n"
           "<tr><th>TLS version</th><td>" + s.version().value_or("?") + "</td></tr>\n"
           "<tr><th>cipher</th><td>" + s.cipher().value().name + "</td></tr>\n"
           "<tr><th>ALPN</th><td>(none)</td></tr>\n"
           "<tr><th>server name (SNI)</th><td>localhost</td></tr>\n"
           "<tr><th>session resumed</th><td>no</td></tr>\n"
           "<tr><th>client certificate</th><td>none</td></tr>\n"
           "</table>\n</body>\n</html>\n";
  };
  EXPECT_EQ(r[0].body, page(1));
  EXPECT_EQ(r[1].headers.at("content-length"), std::to_string(page(2).size()));  // HEAD: the page not sent
  EXPECT_EQ(r[2].body, page(3));
  // The head, in order.
  const std::string_view head = std::string_view(received).substr(0, received.find("\r\n\r\n") + 4);
  std::vector<std::string> names;
  for (std::size_t at = head.find("\r\n") + 2; at < head.size() - 2; at = head.find("\r\n", at) + 2) {
    names.emplace_back(head.substr(at, head.find(':', at) - at));
  }
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_EQ(names, (std::vector<std::string>{"Date", "Server", "Content-Type", "Content-Length", "Cache-Control",
                                             "Connection"}));
  EXPECT_EQ(r[0].headers.at("server"), "sslpp/" + std::string(sslpp::version().text));
  EXPECT_EQ(r[0].headers.at("cache-control"), "no-store");
  for (const HttpResponse& response : r) {
    EXPECT_TRUE(std::regex_match(response.headers.at("date"),
                                 std::regex("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
                                            "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                                            "20[0-9][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT")))
        << response.headers.at("date");
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// The request lines, byte for byte: Python's json.dumps layout, as every
// event line, with a target's quote and backslash escaped, and null for
// the method and target of a request that did not parse.
TEST(CliServeHttp, RequestLinesAreJsonDumpsLines) {
  Serve srv(serve_args({"--http", "--exit-after", "2"}));
  talk(srv.port, get(R"(/q?a="b"\c)") + "DELETE /x HTTP/1.1\r\nHost: localhost\r\n\r\n");
  talk(srv.port, get("/ok") + "GET / HTTP/1.1\r\n\r\n");
  const std::vector<std::string> expected = {
      R"({"event": "request", "method": "GET", "target": "/q?a=\"b\"\\c", "status": 200, "keep_alive": true})",
      R"({"event": "request", "method": "DELETE", "target": "/x", "status": 405, "keep_alive": false})",
      R"({"event": "request", "method": "GET", "target": "/ok", "status": 200, "keep_alive": true})",
      R"({"event": "request", "method": null, "target": null, "status": 400, "keep_alive": false})",
  };
  std::vector<std::string> lines;
  while (const auto line = srv.proc.read_line()) {
    if (!contains(*line, R"("event": "handshake")")) {
      lines.push_back(*line);
    }
  }
  EXPECT_EQ(lines, expected);
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// A body sent with a GET (Content-Length) is skipped, not taken for the
// next request.
TEST(CliServeHttp, RequestBodiesAreSkipped) {
  Serve srv(serve_args({"--http", "--exit-after", "1"}));
  const std::string body = "GET /not-a-request HTTP/";
  const Exchange e = talk(srv.port, get("/with-body", "Content-Length: " + std::to_string(body.size()) + "\r\n") +
                                            body + get("/next", "Connection: close\r\n"));
  const std::vector<HttpResponse> r = parse_responses(e.received, {true, true});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(says(r[1], "<code>/next</code>")) << r[1].body;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

}  // namespace
}  // namespace sslpp::cli_test
