// Interop with Python's ssl module (Debian's python3) as the peer: a Python
// server and a Python client over TCP on 127.0.0.1. Python reports what it
// observed (as JSON where it is structured), so the tests compare both
// ends' views of the same connection. Python's SSLObject over MemoryBIO
// against an sslpp memory-BIO Connection is in python_sans_io_test.cpp.
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
#include "support/python_json.hpp"
#include "support/socket_driver.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::cipher_json;
using test::DriveResult;
using test::json_object;
using test::json_text;
using test::path;
using test::pki;
using test::SocketDriver;
using test::Subprocess;

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

}  // namespace
}  // namespace sslpp
