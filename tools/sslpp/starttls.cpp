#include "starttls.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "output.hpp"

namespace sslpp::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Bounds on what a server may send before TLS starts: a line longer than
// this (SMTP's limit is 512) or a reply with more lines is not one of the
// protocols --starttls speaks, and memory stays bounded either way.
constexpr std::size_t kMaxLine = 4096;
constexpr std::size_t kMaxLines = 200;
constexpr std::size_t kMaxMessage = 16384;  // XMPP's features, LDAP's response
// What an error message shows of a server's words.
constexpr std::size_t kShown = 160;

// shown is peer text for an error line: at most kShown bytes, quoted, with
// control bytes escaped so that a server cannot drive the user's terminal
// (a sequence cut at kShown shows as \xNN bytes).
std::string shown(std::string_view text) {
  return "'" + escape_control_bytes(text.substr(0, kShown), {}, "'\\") + (text.size() > kShown ? "'..." : "'");
}

// Dance is one protocol's conversation: bounded reads, one byte at a time
// (the TLS handshake's first bytes must stay in the socket), and failures
// that name the protocol and the step.
class Dance {
 public:
  Dance(Socket& sock, std::string_view protocol, std::chrono::duration<double> timeout)
      : sock_(sock), protocol_(protocol), deadline_(Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout)) {}

  [[noreturn]] void fail(std::string_view what, std::string_view got = {}) const {
    std::string message = std::string(protocol_) + ": " + std::string(what);
    if (!got.empty()) {
      message += ": " + shown(got);
    }
    ErrorInfo info;
    info.code = std::make_error_code(std::errc::protocol_error);
    info.message = std::move(message);
    throw StartTLSError(std::move(info));
  }

  void send(std::string_view bytes) { sock_.sendall(std::as_bytes(std::span(bytes))); }

  // byte is the next byte; the server closing or going quiet past the
  // deadline fails the step.
  char byte(std::string_view step) {
    const auto left = std::chrono::duration<double>(deadline_ - Clock::now());
    if (left.count() <= 0) {
      fail("no answer within the timeout while waiting for " + std::string(step));
    }
    sock_.settimeout(left);
    std::byte b{};
    std::size_t n = 0;
    try {
      n = sock_.recv(std::span(&b, 1));
    } catch (const TimeoutError&) {
      fail("no answer within the timeout while waiting for " + std::string(step));
    }
    if (n == 0) {
      fail("the server closed the connection while we waited for " + std::string(step));
    }
    return static_cast<char>(b);
  }

  // line is the next line without its CRLF (or LF).
  std::string line(std::string_view step) {
    std::string out;
    for (char c = byte(step); c != '\n'; c = byte(step)) {
      if (out.size() == kMaxLine) {
        fail("a line longer than " + std::to_string(kMaxLine) + " bytes while waiting for " + std::string(step), out);
      }
      out += c;
    }
    if (out.ends_with('\r')) {
      out.pop_back();
    }
    return out;
  }

  std::string exactly(std::size_t n, std::string_view step) {
    std::string out;
    while (out.size() < n) {
      out += byte(step);
    }
    return out;
  }

 private:
  Socket& sock_;
  std::string_view protocol_;
  Clock::time_point deadline_;
};

// ---------------------------------------------------------------------------
// SMTP and FTP: numbered replies, "250-" continuing and "250 " ending one.

struct Reply {
  int code = 0;
  std::vector<std::string> lines;
};

bool numbered(std::string_view line) {
  return line.size() >= 3 && std::all_of(line.begin(), line.begin() + 3, [](char c) { return c >= '0' && c <= '9'; }) &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '-');
}

Reply reply(Dance& d, std::string_view step) {
  Reply r;
  for (;;) {
    std::string line = d.line(step);
    if (r.lines.empty() && !numbered(line)) {
      d.fail("expected a numbered reply to " + std::string(step) + ", got", line);
    }
    // Lines in between need not be numbered (FTP); the last repeats the code.
    const std::string_view code = r.lines.empty() ? std::string_view(line).substr(0, 3)
                                                  : std::string_view(r.lines.front()).substr(0, 3);
    const bool last = numbered(line) && line.starts_with(code) && (line.size() == 3 || line[3] == ' ');
    r.lines.push_back(std::move(line));
    if (last) {
      r.code = std::stoi(r.lines.front().substr(0, 3));
      return r;
    }
    if (r.lines.size() == kMaxLines) {
      d.fail("a reply of more than " + std::to_string(kMaxLines) + " lines to " + std::string(step));
    }
  }
}

Reply expect_reply(Dance& d, std::string_view step, int code) {
  Reply r = reply(d, step);
  if (r.code != code) {
    d.fail("expected " + std::to_string(code) + " in reply to " + std::string(step) + ", got", r.lines.back());
  }
  return r;
}

// ehlo_name is our own address as an SMTP address literal (RFC 5321 4.1.3):
// a client without a name of its own says where it connects from.
std::string ehlo_name(const Socket& sock) {
  const Address self = sock.getsockname();
  return self.family == AF_INET6 ? "[IPv6:" + self.host + "]" : "[" + self.host + "]";
}

void smtp(Dance& d, Socket& sock) {
  expect_reply(d, "the greeting", 220);
  d.send("EHLO " + ehlo_name(sock) + "\r\n");
  const Reply ehlo = expect_reply(d, "EHLO", 250);
  // Each line after the first names one extension: "250-STARTTLS".
  const bool offered = std::any_of(ehlo.lines.begin() + 1, ehlo.lines.end(), [](const std::string& line) {
    if (line.size() < 12) {
      return false;
    }
    std::string keyword = line.substr(4, 8);
    std::transform(keyword.begin(), keyword.end(), keyword.begin(), [](unsigned char c) { return std::toupper(c); });
    return keyword == "STARTTLS" && (line.size() == 12 || line[12] == ' ');
  });
  if (!offered) {
    d.fail("server did not advertise STARTTLS after EHLO", ehlo.lines.back());
  }
  d.send("STARTTLS\r\n");
  expect_reply(d, "STARTTLS", 220);
}

void ftp(Dance& d) {
  // 120 is "ready in n minutes"; the 220 follows it.
  Reply greeting = reply(d, "the greeting");
  if (greeting.code == 120) {
    greeting = reply(d, "the greeting");
  }
  if (greeting.code != 220) {
    d.fail("expected 220 in reply to the greeting, got", greeting.lines.back());
  }
  d.send("AUTH TLS\r\n");
  expect_reply(d, "AUTH TLS", 234);
}

// ---------------------------------------------------------------------------
// IMAP and POP3

void imap(Dance& d) {
  const std::string greeting = d.line("the greeting");
  if (!greeting.starts_with("* OK")) {
    d.fail("expected an '* OK' greeting, got", greeting);
  }
  d.send("a1 STARTTLS\r\n");
  for (std::size_t i = 0; i < kMaxLines; ++i) {
    const std::string line = d.line("the answer to STARTTLS");
    if (line.starts_with("* ")) {
      continue;  // untagged data (a CAPABILITY) before the tagged answer
    }
    if (line.starts_with("a1 OK")) {
      return;
    }
    if (line.starts_with("a1 NO") || line.starts_with("a1 BAD")) {
      d.fail("server refused STARTTLS", line);
    }
    d.fail("expected 'a1 OK' in reply to STARTTLS, got", line);
  }
  d.fail("more than " + std::to_string(kMaxLines) + " untagged lines before the answer to STARTTLS");
}

void pop3(Dance& d) {
  const std::string greeting = d.line("the greeting");
  if (!greeting.starts_with("+OK")) {
    d.fail("expected a '+OK' greeting, got", greeting);
  }
  d.send("STLS\r\n");
  const std::string answer = d.line("the answer to STLS");
  if (answer.starts_with("-ERR")) {
    d.fail("server refused STLS", answer);
  }
  if (!answer.starts_with("+OK")) {
    d.fail("expected '+OK' in reply to STLS, got", answer);
  }
}

// ---------------------------------------------------------------------------
// PostgreSQL: an SSLRequest packet (length 8, code 80877103) and one byte back.

void postgres(Dance& d) {
  static constexpr std::array<char, 8> kSslRequest{0, 0, 0, 8, 0x04, static_cast<char>(0xd2), 0x16, 0x2f};
  d.send(std::string_view(kSslRequest.data(), kSslRequest.size()));
  const char answer = d.byte("the answer to SSLRequest");
  if (answer == 'N') {
    d.fail("server refused SSL (answered 'N' to SSLRequest)");
  }
  if (answer != 'S') {
    d.fail("not a PostgreSQL server: the answer to SSLRequest begins", std::string(1, answer));
  }
}

// ---------------------------------------------------------------------------
// XMPP (RFC 6120 5.4): the stream header, the features, <starttls/>, <proceed/>.

std::string xml_attribute(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '\'': out += "&apos;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// read_until reads until the text read ends with one of `ends`.
std::string read_until(Dance& d, std::string_view step, std::initializer_list<std::string_view> ends) {
  std::string out;
  for (;;) {
    out += d.byte(step);
    if (out.size() == 1 && out != "<" && !std::isspace(static_cast<unsigned char>(out[0]))) {
      d.fail("not an XMPP server: expected XML while waiting for " + std::string(step) + ", got", out + d.line(step));
    }
    if (std::any_of(ends.begin(), ends.end(), [&](std::string_view e) { return out.ends_with(e); })) {
      return out;
    }
    if (out.size() == kMaxMessage) {
      d.fail("more than " + std::to_string(kMaxMessage) + " bytes while waiting for " + std::string(step));
    }
  }
}

void xmpp(Dance& d, std::string_view domain) {
  d.send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
         "to='" + xml_attribute(domain) + "' version='1.0'>");
  const std::string features =
      read_until(d, "the stream features", {"</stream:features>", "<stream:features/>", "</stream:stream>"});
  const std::size_t error = features.find("<stream:error");
  if (error != std::string::npos || features.ends_with("</stream:stream>")) {
    d.fail("server ended the stream", features.substr(error == std::string::npos ? 0 : error));
  }
  if (features.find("<starttls") == std::string::npos) {
    d.fail("server did not offer <starttls/> in its stream features");
  }
  d.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  std::string answer = read_until(d, "the answer to <starttls/>", {">"});
  const std::size_t start = answer.find('<');
  answer.erase(0, start);
  if (answer.starts_with("<proceed")) {
    if (!answer.ends_with("/>")) {
      read_until(d, "the end of <proceed>", {"</proceed>"});
    }
    return;
  }
  if (answer.starts_with("<failure")) {
    d.fail("server refused STARTTLS", answer);
  }
  d.fail("expected <proceed/> in reply to <starttls/>, got", answer);
}

// ---------------------------------------------------------------------------
// LDAP (RFC 4511 4.14): an ExtendedRequest for 1.3.6.1.4.1.1466.20037 and
// its ExtendedResponse, in the few BER forms LDAP uses.

// ber_length decodes a BER definite length whose first byte is `first`;
// `next` gives the following bytes. nullopt for an indefinite or oversized one.
template <typename Next>
std::optional<std::size_t> ber_length(unsigned char first, Next&& next) {
  if (first < 0x80) {
    return first;
  }
  const unsigned count = first & 0x7fU;
  if (count == 0 || count > 3) {
    return std::nullopt;
  }
  std::size_t n = 0;
  for (unsigned i = 0; i < count; ++i) {
    n = (n << 8) | static_cast<unsigned char>(next());
  }
  return n;
}

// BerReader walks a run of BER elements held in memory.
class BerReader {
 public:
  explicit BerReader(std::string_view data) : data_(data) {}
  // next is the next element's tag and content; nullopt when none is whole.
  std::optional<std::pair<unsigned char, std::string_view>> next() {
    if (data_.size() < 2) {
      return std::nullopt;
    }
    const auto tag = static_cast<unsigned char>(data_[0]);
    std::size_t pos = 2;
    bool short_input = false;
    const auto len = ber_length(static_cast<unsigned char>(data_[1]), [&]() -> char {
      if (pos >= data_.size()) {
        short_input = true;
        return 0;
      }
      return data_[pos++];
    });
    if (!len || short_input || *len > data_.size() - pos) {
      return std::nullopt;
    }
    const std::string_view content = data_.substr(pos, *len);
    data_.remove_prefix(pos + *len);
    return std::pair{tag, content};
  }

 private:
  std::string_view data_;
};

void ldap(Dance& d) {
  static constexpr std::string_view kOid = "1.3.6.1.4.1.1466.20037";
  std::string request;
  request += '\x80';  // requestName [0]
  request += static_cast<char>(kOid.size());
  request += kOid;
  request.insert(0, {'\x77', static_cast<char>(request.size())});  // [APPLICATION 23] ExtendedRequest
  request.insert(0, "\x02\x01\x01", 3);                            // messageID 1
  request.insert(0, {'\x30', static_cast<char>(request.size())});  // LDAPMessage
  d.send(request);

  constexpr std::string_view step = "the ExtendedResponse";
  const auto tag = static_cast<unsigned char>(d.byte(step));
  if (tag != 0x30) {
    d.fail("not an LDAP server: the answer begins", std::string(1, static_cast<char>(tag)));
  }
  const auto len = ber_length(static_cast<unsigned char>(d.byte(step)), [&] { return d.byte(step); });
  if (!len || *len > kMaxMessage) {
    d.fail("not an LDAP server: the answer's length is not a BER length below " + std::to_string(kMaxMessage));
  }
  const std::string body = d.exactly(*len, step);
  BerReader message(body);
  const auto id = message.next();
  const auto op = message.next();
  if (!id || id->first != 0x02 || !op || op->first != 0x78) {
    d.fail("not an LDAP ExtendedResponse");
  }
  BerReader response(op->second);
  const auto code = response.next();
  if (!code || code->first != 0x0a || code->second.size() != 1) {
    d.fail("the ExtendedResponse has no resultCode");
  }
  response.next();  // matchedDN
  const auto diagnostic = response.next();
  const int result = static_cast<unsigned char>(code->second[0]);
  if (result != 0) {
    d.fail("server refused StartTLS: resultCode " + std::to_string(result),
           diagnostic && diagnostic->first == 0x04 ? diagnostic->second : std::string_view());
  }
}

}  // namespace

StartTlsProtocol parse_starttls(std::string_view option, std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, StartTlsProtocol>, 7> kProtocols{{
      {"smtp", StartTlsProtocol::smtp},
      {"imap", StartTlsProtocol::imap},
      {"pop3", StartTlsProtocol::pop3},
      {"ftp", StartTlsProtocol::ftp},
      {"postgres", StartTlsProtocol::postgres},
      {"xmpp", StartTlsProtocol::xmpp},
      {"ldap", StartTlsProtocol::ldap},
  }};
  for (const auto& [name, protocol] : kProtocols) {
    if (text == name) {
      return protocol;
    }
  }
  throw ValueError(std::string(option) + ": '" + std::string(text) +
                   "' is not one of smtp, imap, pop3, ftp, postgres, xmpp, ldap");
}

void starttls(Socket& sock, StartTlsProtocol protocol, std::string_view domain,
              std::chrono::duration<double> timeout) {
  static constexpr std::array<std::string_view, 7> kNames{"smtp", "imap", "pop3", "ftp", "postgres", "xmpp", "ldap"};
  const Timeout before = sock.gettimeout();
  Dance d(sock, kNames.at(static_cast<std::size_t>(protocol)), timeout);
  switch (protocol) {
    case StartTlsProtocol::smtp: smtp(d, sock); break;
    case StartTlsProtocol::imap: imap(d); break;
    case StartTlsProtocol::pop3: pop3(d); break;
    case StartTlsProtocol::ftp: ftp(d); break;
    case StartTlsProtocol::postgres: postgres(d); break;
    case StartTlsProtocol::xmpp: xmpp(d, domain); break;
    case StartTlsProtocol::ldap: ldap(d); break;
  }
  sock.settimeout(before);
}

}  // namespace sslpp::cli
