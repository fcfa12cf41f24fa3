// Interop with Python's ssl module (Debian's python3) as the peer: a Python
// server, a Python client, and Python's SSLObject over MemoryBIO talking to
// an sslpp memory-BIO Connection through a pipe (sans-IO against sans-IO).
// Python reports what it observed (as JSON where it is structured), so the
// tests compare both ends' views of the same connection.
#include <sslpp/connection.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/pki.hpp"
#include "support/socket_driver.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::DriveResult;
using test::Fd;
using test::pki;
using test::SocketDriver;
using test::Subprocess;

std::string path(const std::filesystem::path& p) { return p.string(); }

// ---------------------------------------------------------------------------
// A minimal JSON reader: enough to split Python's json.dumps output into
// top-level members. Nested values stay as their raw text, which json.dumps
// formats exactly as CertInfo::to_json does, so they compare as strings.

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

// json_object maps each top-level key to the raw JSON text of its value.
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

// json_text is `s` as a JSON string (the test strings need no escaping).
std::string json_text(std::string_view s) { return "\"" + std::string(s) + "\""; }

// cipher_json is Python's cipher() triple as json.dumps writes it.
std::string cipher_json(const CipherInfo& c) {
  return "[" + json_text(c.name) + ", " + json_text(c.protocol) + ", " + std::to_string(c.secret_bits) + "]";
}

TEST(PythonJsonReader, SplitsTopLevelMembers) {
  // The reader is part of the tests' judgement, so it is tested too.
  const auto m = json_object(R"({"a": "x,}", "b": [["c", 1], {"d": "]"}], "e": null})");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m.at("a"), R"("x,}")");
  EXPECT_EQ(m.at("b"), R"([["c", 1], {"d": "]"}])");
  EXPECT_EQ(m.at("e"), "null");
  EXPECT_THROW(json_object("[1]"), std::runtime_error);
}

// ---------------------------------------------------------------------------
// The bounded-subprocess helper itself: the guarantees every test above and
// below relies on to never hang.

TEST(PythonSubprocess, WaitsAreBoundedAndTheDestructorKills) {
  const auto start = std::chrono::steady_clock::now();
  {
    Subprocess p({SSLPP_PYTHON3, "-c", "import time; print('up', flush=True); time.sleep(60)"});
    EXPECT_EQ(p.read_line(), "up");
    EXPECT_EQ(p.read_line(std::chrono::milliseconds(200)), std::nullopt);
    EXPECT_EQ(p.wait(std::chrono::milliseconds(200)), std::nullopt);
  }
  // The destructor did not wait out the sleep.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(PythonSubprocess, ReportsExitStatusStderrAndSignals) {
  Subprocess failing({SSLPP_PYTHON3, "-c", "import sys; sys.stderr.write('oops\\n'); sys.exit(3)"});
  EXPECT_EQ(failing.wait(), 3);
  EXPECT_EQ(failing.stderr_text(), "oops\n");
  EXPECT_EQ(failing.read_line(), std::nullopt);  // no output, and it ended
  EXPECT_TRUE(failing.stdout_closed());

  Subprocess sleeping({SSLPP_PYTHON3, "-c", "import time; time.sleep(60)"});
  sleeping.kill(SIGTERM);
  EXPECT_EQ(sleeping.wait(), 128 + SIGTERM);

  EXPECT_THROW(Subprocess({"/nonexistent/sslpp-peer"}), std::runtime_error);
}

// ---------------------------------------------------------------------------
// (a), (e), (f): a Python server, an sslpp client

// Serves one connection: reads a line, answers it upper-cased, then either
// closes cleanly (unwrap: close_notify both ways) or aborts (shuts the TCP
// connection down with no close_notify). Prints its port first, then what
// it negotiated.
constexpr const char* python_server = R"PY(
import socket, ssl, sys
cert, key, version, alpn, mode = sys.argv[1:6]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
if version == '1.2':
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
else:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
if alpn:
    ctx.set_alpn_protocols(alpn.split(','))
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.settimeout(5)
srv.bind(('127.0.0.1', 0))
srv.listen(1)
print(srv.getsockname()[1], flush=True)
raw, _ = srv.accept()
raw.settimeout(5)
conn = ctx.wrap_socket(raw, server_side=True)
print('VERSION', conn.version(), flush=True)
print('ALPN', conn.selected_alpn_protocol(), flush=True)
line = b''
while not line.endswith(b'\n'):
    chunk = conn.recv(1024)
    if not chunk:
        break
    line += chunk
conn.sendall(line.upper())
if mode == 'clean':
    conn.unwrap()
    print('UNWRAPPED', flush=True)
else:
    # SSLSocket.shutdown drops the TLS layer first: no close_notify.
    conn.shutdown(socket.SHUT_RDWR)
conn.close()
print('DONE', flush=True)
)PY";

struct PythonServer {
  std::unique_ptr<Subprocess> proc;
  std::uint16_t port = 0;

  PythonServer(const std::string& version, const std::string& alpn, const std::string& mode) {
    proc = std::make_unique<Subprocess>(std::vector<std::string>{SSLPP_PYTHON3, "-c", python_server,
                                                                 path(pki().server.cert), path(pki().server.key),
                                                                 version, alpn, mode});
    const auto line = proc->read_line();
    if (!line || line->empty() || std::isdigit(static_cast<unsigned char>((*line)[0])) == 0) {
      throw std::runtime_error("python server did not start: " + proc->describe());
    }
    port = static_cast<std::uint16_t>(std::stoi(*line));
  }
};

struct Client {
  Context ctx;
  SSLSocket sock;
  Connection& conn = sock.connection();
  SocketDriver driver{sock};

  Client(Context context, std::uint16_t port)
      : ctx(std::move(context)), sock(test::connect_tls(ctx, port, {.server_hostname = "localhost"})) {}
};

std::string explain(const DriveResult& r, Connection& conn, Subprocess& peer) {
  return "status=" + std::to_string(static_cast<int>(r.status)) + " timed_out=" + std::to_string(r.timed_out) +
         " ec=" + r.ec.message() + " error=" + conn.last_error().message + "\n" + peer.describe();
}

struct VersionCase {
  const char* python_version;  // the script's version argument
  const char* expected;        // what both ends must report
};

void PrintTo(const VersionCase& vc, std::ostream* os) { *os << vc.expected; }

class PythonServerVersions : public ::testing::TestWithParam<VersionCase> {};

TEST_P(PythonServerVersions, VerifiesExchangesAndClosesCleanly) {
  const VersionCase& vc = GetParam();
  PythonServer py(vc.python_version, "", "clean");
  Client c(test::client_context(), py.port);  // check_hostname on: "localhost"
  ASSERT_GE(c.sock.fileno(), 0);
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *py.proc);
  EXPECT_EQ(c.conn.version(), vc.expected);
  EXPECT_EQ(c.conn.verify_result(), 0);
  const auto seen = py.proc->wait_for_line("VERSION ");
  ASSERT_TRUE(seen) << py.proc->describe();
  EXPECT_EQ(*seen, std::string("VERSION ") + vc.expected);

  ASSERT_TRUE(c.driver.write_all("hello python\n").ok());
  const DriveResult echo = c.driver.read(13);
  ASSERT_TRUE(echo.ok()) << explain(echo, c.conn, *py.proc);
  EXPECT_EQ(echo.data, "HELLO PYTHON\n");

  // Python's unwrap sends close_notify, then waits for ours.
  const DriveResult end = c.driver.read_to_end();
  EXPECT_EQ(end.status, io_status::closed) << explain(end, c.conn, *py.proc);
  EXPECT_EQ(c.driver.shutdown(false).status, io_status::ok);
  EXPECT_TRUE(py.proc->wait_for_line("UNWRAPPED")) << py.proc->describe();
  EXPECT_EQ(py.proc->wait(), 0) << py.proc->describe();
}

INSTANTIATE_TEST_SUITE_P(Python, PythonServerVersions,
                         ::testing::Values(VersionCase{"1.2", "TLSv1.2"}, VersionCase{"1.3", "TLSv1.3"}),
                         [](const ::testing::TestParamInfo<VersionCase>& info) {
                           return std::string(info.param.python_version) == "1.2" ? "Tls12" : "Tls13";
                         });

TEST(PythonServer, AlpnAgreesWithPython) {
  PythonServer py("1.3", "h2,http/1.1", "clean");
  Context ctx = test::client_context();
  ctx.set_alpn_protocols({"spdy/3", "http/1.1"});
  Client c(ctx.share(), py.port);
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *py.proc);
  EXPECT_EQ(c.conn.selected_alpn_protocol(), "http/1.1");
  const auto seen = py.proc->wait_for_line("ALPN ");
  ASSERT_TRUE(seen) << py.proc->describe();
  EXPECT_EQ(*seen, "ALPN http/1.1");
}

TEST(PythonServer, AbortWithoutCloseNotifyIsTruncation) {
  PythonServer py("1.3", "", "abort");
  Client c(test::client_context(), py.port);
  ASSERT_TRUE(c.driver.handshake().ok());
  ASSERT_TRUE(c.driver.write_all("cut\n").ok());
  const DriveResult r = c.driver.read_to_end();
  EXPECT_EQ(r.data, "CUT\n");  // what came before the cut still arrives
  EXPECT_EQ(r.status, io_status::truncated) << explain(r, c.conn, *py.proc);
  EXPECT_FALSE(r.socket_error);
  EXPECT_TRUE(r.ec);
  std::array<std::byte, 8> buf{};
  EXPECT_THROW(c.conn.read(buf), SSLEOFError);
  EXPECT_TRUE(py.proc->wait_for_line("DONE")) << py.proc->describe();
}

// ---------------------------------------------------------------------------
// (b), (d), (e), (f): a Python client, an sslpp server

// Connects, sends "ping\n", reads a line, then closes cleanly (unwrap) or
// aborts; prints what it observed as one JSON object (or the error).
constexpr const char* python_client = R"PY(
import json, socket, ssl, sys
port, cafile, cert, key, alpn, mode = sys.argv[1:7]
ctx = ssl.create_default_context(cafile=cafile)
if cert:
    ctx.load_cert_chain(cert, key)
if alpn:
    ctx.set_alpn_protocols(alpn.split(','))
out = {}
try:
    raw = socket.create_connection(('127.0.0.1', int(port)), timeout=5)
    conn = ctx.wrap_socket(raw, server_hostname='localhost')
    out['version'] = conn.version()
    out['cipher'] = conn.cipher()
    out['peercert'] = conn.getpeercert()
    out['alpn'] = conn.selected_alpn_protocol()
    conn.sendall(b'ping\n')
    data = b''
    while not data.endswith(b'\n'):
        chunk = conn.recv(1024)
        if not chunk:
            break
        data += chunk
    out['data'] = data.decode()
    if mode == 'clean':
        conn.unwrap()
    else:
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()
except OSError as e:
    out['error'] = type(e).__name__
    out['reason'] = getattr(e, 'reason', None)
print(json.dumps(out), flush=True)
)PY";

struct PythonClient {
  Context ctx;
  test::Listener listener = test::tcp_listen();
  std::unique_ptr<Subprocess> proc;
  SSLSocket sock;
  Connection& conn = sock.connection();
  SocketDriver driver{sock};

  PythonClient(Context context, const test::CredentialFiles* cert, const std::string& alpn, const std::string& mode)
      : ctx(std::move(context)),
        proc(std::make_unique<Subprocess>(std::vector<std::string>{
            SSLPP_PYTHON3, "-c", python_client, std::to_string(listener.port), path(pki().ca_file),
            cert != nullptr ? path(cert->cert) : "", cert != nullptr ? path(cert->key) : "", alpn, mode})),
        sock(test::accept_tls(ctx, listener, *proc)) {}

  // report reads Python's JSON line.
  std::map<std::string, std::string> report() {
    const auto line = proc->read_line();
    if (!line) {
      throw std::runtime_error("python client printed nothing: " + proc->describe());
    }
    return json_object(*line);
  }

  // serve answers the client's line and completes a clean close.
  void serve() {
    const DriveResult r = driver.read(5);
    ASSERT_TRUE(r.ok()) << explain(r, conn, *proc);
    EXPECT_EQ(r.data, "ping\n");
    ASSERT_TRUE(driver.write_all("pong\n").ok());
    const DriveResult end = driver.read_to_end();
    EXPECT_EQ(end.status, io_status::closed) << explain(end, conn, *proc);
    EXPECT_EQ(driver.shutdown(false).status, io_status::ok);
  }
};

Context server_requiring_client_certs() {
  Context ctx = test::server_context();
  ctx.set_verify_mode(CERT_REQUIRED);
  ctx.load_verify_locations(pki().ca_file);
  return ctx;
}

class PythonClientVersions : public ::testing::TestWithParam<VersionCase> {};

TEST_P(PythonClientVersions, PythonSeesWhatWeNegotiated) {
  const VersionCase& vc = GetParam();
  Context ctx = test::server_context();
  if (std::string(vc.python_version) == "1.2") {
    ctx.set_maximum_version(TLSVersion::TLSv1_2);
  }
  PythonClient py(ctx.share(), nullptr, "", "clean");
  const DriveResult hs = py.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, py.conn, *py.proc);
  py.serve();
  const auto seen = py.report();
  ASSERT_EQ(seen.count("error"), 0u) << seen.at("error") << " " << seen.at("reason");
  EXPECT_EQ(seen.at("version"), json_text(vc.expected));
  EXPECT_EQ(py.conn.version(), vc.expected);
  ASSERT_TRUE(py.conn.cipher());
  EXPECT_EQ(seen.at("cipher"), cipher_json(*py.conn.cipher()));
  // Python's decoded view of our certificate equals ours, byte for byte.
  EXPECT_EQ(seen.at("peercert"), pki().server.credential.certificate.decode().to_json());
  EXPECT_EQ(seen.at("alpn"), "null");
  EXPECT_EQ(seen.at("data"), json_text("pong\\n"));
  EXPECT_EQ(py.proc->wait(), 0) << py.proc->describe();
}

INSTANTIATE_TEST_SUITE_P(Python, PythonClientVersions,
                         ::testing::Values(VersionCase{"1.2", "TLSv1.2"}, VersionCase{"1.3", "TLSv1.3"}),
                         [](const ::testing::TestParamInfo<VersionCase>& info) {
                           return std::string(info.param.python_version) == "1.2" ? "Tls12" : "Tls13";
                         });

TEST(PythonClient, ClientCertificateIsRequiredAndVerified) {
  PythonClient py(server_requiring_client_certs(), &pki().client, "", "clean");
  const DriveResult hs = py.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, py.conn, *py.proc);
  const auto cert = py.conn.getpeercert();
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->subject, (DistinguishedName{{{"commonName", "client"}}}));
  EXPECT_EQ(cert->to_json(), pki().client.credential.certificate.decode().to_json());
  py.serve();
  const auto seen = py.report();
  EXPECT_EQ(seen.count("error"), 0u);
  EXPECT_EQ(seen.at("data"), json_text("pong\\n"));
  EXPECT_EQ(py.proc->wait(), 0) << py.proc->describe();
}

TEST(PythonClient, ClientWithoutCertificateIsRefused) {
  PythonClient py(server_requiring_client_certs(), nullptr, "", "clean");
  const DriveResult hs = py.driver.handshake();
  ASSERT_EQ(hs.status, io_status::error) << explain(hs, py.conn, *py.proc);
  EXPECT_EQ(py.conn.last_error().reason, "PEER_DID_NOT_RETURN_A_CERTIFICATE") << py.conn.last_error().message;
  // Our socket stays open until Python has read our alert, so it reports
  // the alert rather than a reset connection.
  const auto seen = py.report();
  ASSERT_EQ(seen.count("error"), 1u) << py.proc->describe();
  EXPECT_EQ(seen.at("error"), json_text("SSLError"));
  EXPECT_EQ(seen.at("reason"), json_text("TLSV13_ALERT_CERTIFICATE_REQUIRED"));
}

TEST(PythonClient, AlpnIsChosenByUs) {
  Context ctx = test::server_context();
  ctx.set_alpn_protocols({"h2", "http/1.1"});
  PythonClient py(ctx.share(), nullptr, "spdy/3,http/1.1", "clean");
  const DriveResult hs = py.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, py.conn, *py.proc);
  EXPECT_EQ(py.conn.selected_alpn_protocol(), "http/1.1");
  py.serve();
  const auto seen = py.report();
  EXPECT_EQ(seen.at("alpn"), json_text("http/1.1"));
}

TEST(PythonClient, AbortWithoutCloseNotifyIsTruncation) {
  PythonClient py(test::server_context(), nullptr, "", "abort");
  ASSERT_TRUE(py.driver.handshake().ok());
  const DriveResult r = py.driver.read(5);
  ASSERT_TRUE(r.ok()) << explain(r, py.conn, *py.proc);
  ASSERT_TRUE(py.driver.write_all("pong\n").ok());
  const DriveResult end = py.driver.read_to_end();
  EXPECT_EQ(end.status, io_status::truncated) << explain(end, py.conn, *py.proc);
  EXPECT_FALSE(end.socket_error);
  std::array<std::byte, 8> buf{};
  EXPECT_THROW(py.conn.read(buf), SSLEOFError);
  EXPECT_EQ(py.report().at("data"), json_text("pong\\n"));
}

// ---------------------------------------------------------------------------
// (c): Python's SSLObject over MemoryBIO against an sslpp memory-BIO
// Connection. Neither side touches a socket: ciphertext travels as hex
// lines, "D <hex>" from Python on stdout and "<hex>" to Python on stdin.

constexpr const char* python_sans_io = R"PY(
import json, ssl, sys
cafile, mode = sys.argv[1:3]
ctx = ssl.create_default_context(cafile=cafile)
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(incoming, outgoing, server_hostname='localhost')

def send_pending():
    data = outgoing.read()
    if data:
        print('D ' + data.hex(), flush=True)

def receive():
    line = sys.stdin.readline()
    if not line:
        incoming.write_eof()
        return
    incoming.write(bytes.fromhex(line.strip()))

def run(op):
    while True:
        try:
            result = op()
        except ssl.SSLWantReadError:
            send_pending()
            receive()
            continue
        send_pending()
        return result

run(obj.do_handshake)
print('I ' + json.dumps({'version': obj.version(), 'cipher': obj.cipher(), 'peercert': obj.getpeercert()}),
      flush=True)
run(lambda: obj.write(b'hello from SSLObject'))
if mode == 'abort':
    sys.exit(0)  # the transport just ends: no close_notify
data = run(lambda: obj.read(1024))
print('R ' + json.dumps(data.decode()), flush=True)
run(obj.unwrap)
print('E', flush=True)
)PY";

std::string to_hex(std::span<const std::byte> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::byte b : bytes) {
    out += digits[std::to_integer<unsigned>(b) >> 4];
    out += digits[std::to_integer<unsigned>(b) & 0xf];
  }
  return out;
}

std::vector<std::byte> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> unsigned {
    if (c >= '0' && c <= '9') {
      return static_cast<unsigned>(c - '0');
    }
    if (c >= 'a' && c <= 'f') {
      return static_cast<unsigned>(c - 'a' + 10);
    }
    throw std::runtime_error(std::string("bad hex digit ") + c);
  };
  if (hex.size() % 2 != 0) {
    throw std::runtime_error("odd hex length");
  }
  std::vector<std::byte> out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<std::byte>((nibble(hex[i]) << 4) | nibble(hex[i + 1])));
  }
  return out;
}

// PipePeer carries ciphertext between `conn` and the Python SSLObject.
struct PipePeer {
  Connection& conn;
  Subprocess& proc;
  std::vector<std::string> messages;  // Python's non-ciphertext lines
  bool eof_sent = false;

  // send_pending writes our pending ciphertext to Python as one hex line.
  bool send_pending() {
    std::array<std::byte, 16384> buf{};
    std::string hex;
    while (std::size_t n = conn.bio_read(buf)) {
      hex += to_hex(std::span(buf.data(), n));
    }
    return hex.empty() || proc.write_stdin(hex + "\n");
  }

  // receive takes Python's next line: ciphertext goes to the connection,
  // anything else is kept in `messages`. The end of Python's output is the
  // end of the transport (bio_shutdown), reported once. False after that
  // or on timeout.
  bool receive() {
    const auto line = proc.read_line();
    if (!line) {
      if (proc.stdout_closed() && !eof_sent) {
        eof_sent = true;
        conn.bio_shutdown();
        return true;
      }
      return false;
    }
    if (line->rfind("D ", 0) == 0) {
      conn.bio_write(from_hex(std::string_view(*line).substr(2)));
    } else {
      messages.push_back(*line);
    }
    return true;
  }

  // drive repeats `op` until it stops asking for ciphertext; a bounded
  // number of rounds, each bounded in time by read_line.
  template <typename Op>
  io_result drive(Op op, std::error_code& ec) {
    for (int round = 0; round < 1000; ++round) {
      const io_result r = op(ec);
      const bool sent = send_pending();
      if (r.status == io_status::closed || r.status == io_status::truncated || r.status == io_status::error) {
        // Our verdict is what matters; the alert OpenSSL sends on a
        // truncation may well find Python already gone.
        return r;
      }
      if (!sent) {
        return io_result{io_status::error, 0};
      }
      if (r.status != io_status::want_read) {
        return r;
      }
      if (!receive()) {
        return r;  // still want_read: Python went quiet or away
      }
    }
    return io_result{io_status::want_read, 0};
  }
};

void sans_io_exchange(Context server_ctx, const std::string& expected_version) {
  Subprocess proc({SSLPP_PYTHON3, "-c", python_sans_io, path(pki().ca_file), "clean"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  PipePeer peer{server, proc, {}};
  std::error_code ec;

  const io_result hs = peer.drive([&](std::error_code& e) { return server.do_handshake(e); }, ec);
  ASSERT_TRUE(hs.ok()) << ec.message() << " " << server.last_error().message << "\n" << proc.describe();
  EXPECT_EQ(server.version(), expected_version);

  std::array<std::byte, 1024> buf{};
  io_result r = peer.drive([&](std::error_code& e) { return server.read(buf, e); }, ec);
  ASSERT_TRUE(r.ok()) << ec.message() << "\n" << proc.describe();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), r.bytes), "hello from SSLObject");

  ASSERT_TRUE(server.write(std::as_bytes(std::span(std::string_view("hello from sslpp"))), ec).ok());
  ASSERT_TRUE(peer.send_pending());

  // Python reads, reports, then unwraps: its close_notify ends our stream.
  r = peer.drive([&](std::error_code& e) { return server.read(buf, e); }, ec);
  EXPECT_EQ(r.status, io_status::closed) << ec.message() << "\n" << proc.describe();
  r = server.shutdown(ec);
  EXPECT_TRUE(r.ok()) << ec.message();
  ASSERT_TRUE(peer.send_pending());
  // The rest of Python's output: its report lines and the end marker.
  while (!proc.stdout_closed() && peer.receive()) {
  }
  EXPECT_EQ(proc.wait(), 0) << proc.describe();

  ASSERT_EQ(peer.messages.size(), 3u) << proc.describe();
  ASSERT_EQ(peer.messages[0].rfind("I ", 0), 0u);
  const auto info = json_object(std::string_view(peer.messages[0]).substr(2));
  EXPECT_EQ(info.at("version"), json_text(expected_version));
  ASSERT_TRUE(server.cipher());
  EXPECT_EQ(info.at("cipher"), cipher_json(*server.cipher()));
  EXPECT_EQ(info.at("peercert"), pki().server.credential.certificate.decode().to_json());
  EXPECT_EQ(peer.messages[1], "R " + json_text("hello from sslpp"));
  EXPECT_EQ(peer.messages[2], "E");
}

TEST(PythonSansIO, SSLObjectTalksToConnectionTls13) { sans_io_exchange(test::server_context(), "TLSv1.3"); }

TEST(PythonSansIO, SSLObjectTalksToConnectionTls12) {
  Context ctx = test::server_context();
  ctx.set_maximum_version(TLSVersion::TLSv1_2);
  sans_io_exchange(ctx.share(), "TLSv1.2");
}

TEST(PythonSansIO, SSLObjectEndingWithoutCloseNotifyIsTruncation) {
  Subprocess proc({SSLPP_PYTHON3, "-c", python_sans_io, path(pki().ca_file), "abort"});
  Context ctx = test::server_context();
  Connection server = ctx.wrap_bio({.server_side = true});
  PipePeer peer{server, proc, {}};
  std::error_code ec;
  ASSERT_TRUE(peer.drive([&](std::error_code& e) { return server.do_handshake(e); }, ec).ok()) << proc.describe();
  std::array<std::byte, 1024> buf{};
  const io_result data = peer.drive([&](std::error_code& e) { return server.read(buf, e); }, ec);
  ASSERT_TRUE(data.ok()) << proc.describe();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), data.bytes), "hello from SSLObject");
  // Python exits after writing: its output ends with no close_notify.
  const io_result r = peer.drive([&](std::error_code& e) { return server.read(buf, e); }, ec);
  EXPECT_EQ(r.status, io_status::truncated) << proc.describe();
  EXPECT_TRUE(peer.eof_sent);
  EXPECT_TRUE(ec);
  EXPECT_THROW(server.read(buf), SSLEOFError);
  EXPECT_EQ(proc.wait(), 0) << proc.describe();
}

}  // namespace
}  // namespace sslpp
