// Interop of SSLSocket over real TCP on 127.0.0.1 with independent peers
// started by each test: openssl s_server / s_client, GnuTLS gnutls-serv /
// gnutls-cli, and Python's ssl module (server and client scripts run with
// -c). Each test checks both ends' views of one connection: what sslpp
// reports, and what the peer printed about it. The long transfers and the
// peers that cut or stall a stream are in ssl_socket_interop_stream_test.cpp.
//
// Nothing here may hang: every SSLSocket carries a timeout (kIo), every
// listening socket too, and every wait on a peer is bounded by the
// Subprocess helper, whose destructor kills the peer's process group.
#include <sslpp/ssl_socket.hpp>

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <csignal>
#include <cstdint>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/gnutls_peer.hpp"
#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/socket_interop.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::connect_and_handshake;
using test::contains;
using test::kIo;
using test::path;
using test::gnutls_cli_argv;
using test::GnutlsServer;
using test::pki;
using test::PythonServer;
using test::read_line;
using test::Subprocess;

// client_with_cert is the test client context presenting pki().client.
Context client_with_cert() {
  Context ctx = test::client_context();
  ctx.load_cert_chain(pki().client.cert, pki().client.key);
  return ctx;
}

// server_requiring_cert serves pki().server and requires a client
// certificate issued by the test CA.
Context server_requiring_cert() {
  Context ctx = test::server_context();
  ctx.set_verify_mode(VerifyMode::CERT_REQUIRED);
  ctx.load_verify_locations(pki().ca_file);
  return ctx;
}

// The subject an sslpp server sees for pki().client.
const DistinguishedName kClientSubject{{{"commonName", "client"}}};

// Listener is an sslpp TLS server on 127.0.0.1: a listening SSLSocket whose
// accept() (bounded by its timeout) returns a connection after the handshake.
struct Listener {
  explicit Listener(const Context& ctx) : sock(make(ctx)), port(sock.getsockname().port) {}

  static SSLSocket make(const Context& ctx) {
    Socket listening(AF_INET);
    listening.bind("127.0.0.1", 0);
    listening.listen();
    listening.settimeout(kIo);  // the accepted socket inherits it
    return ctx.wrap_socket(std::move(listening), {.server_side = true});
  }

  SSLSocket sock;
  std::uint16_t port;
};

// ===========================================================================
// Python peers

// A Python ssl client. argv: port cafile version alpn cert key message. It
// verifies "localhost", prints "session VERSION ALPN", sends message + '\n',
// reads until close_notify, prints "reply TEXT", unwraps.
constexpr const char* kPythonClient = R"PY(
import socket, ssl, sys
port, cafile, version, alpn, cert, key, message = sys.argv[1:8]
ctx = ssl.create_default_context(cafile=cafile)
if version != 'any':
    v = ssl.TLSVersion.TLSv1_2 if version == '1.2' else ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = v
    ctx.maximum_version = v
if alpn:
    ctx.set_alpn_protocols(alpn.split(','))
if cert:
    ctx.load_cert_chain(cert, key)
raw = socket.create_connection(('127.0.0.1', int(port)), timeout=10)
s = ctx.wrap_socket(raw, server_hostname='localhost')
print('session', s.version(), s.selected_alpn_protocol() or '-', flush=True)
s.sendall(message.encode() + b'\n')
reply = b''
while True:
    data = s.recv(65536)
    if not data:
        break
    reply += data
print('reply', reply.decode().rstrip('\n'), flush=True)
s.unwrap()
s.close()
)PY";

// ---------------------------------------------------------------------------
// sslpp client, Python server

// VersionCase is one TLS version forced on one end of a connection.
struct VersionCase {
  const char* force;     // "1.2" or "1.3": the version one end is limited to
  const char* expected;  // what both ends then report
};

// PrintTo names a VersionCase in failure messages.
void PrintTo(const VersionCase& vc, std::ostream* os) { *os << vc.expected; }

// version_name names a parameterized test after its TLS version.
std::string version_name(const ::testing::TestParamInfo<VersionCase>& info) {
  return std::string(info.param.force) == "1.2" ? "Tls12" : "Tls13";
}

// kVersions are the cases every parameterized suite here runs.
const auto kVersions = ::testing::Values(VersionCase{"1.2", "TLSv1.2"}, VersionCase{"1.3", "TLSv1.3"});

class SocketInteropPythonServer : public ::testing::TestWithParam<VersionCase> {};

// The version is forced on the Python end only; sslpp follows. Client
// authentication and ALPN ride on the same connection.
TEST_P(SocketInteropPythonServer, ClientCertAlpnAndEcho) {
  const VersionCase vc = GetParam();
  PythonServer py("echo", path(pki().ca_file), vc.force, "h2,http/1.1");
  Context ctx = client_with_cert();
  ctx.set_alpn_protocols({"http/1.1", "h2"});
  SSLSocket s = connect_and_handshake(py.port, ctx);
  EXPECT_EQ(s.version(), vc.expected);
  // The server's preference decides (Python's server takes the first of its
  // own list that the client offers), not the client's order.
  EXPECT_EQ(s.selected_alpn_protocol(), "h2");
  ASSERT_TRUE(s.cipher());
  EXPECT_EQ(s.cipher()->protocol, vc.expected);
  const auto session = py.proc.wait_for_line("session");
  ASSERT_TRUE(session) << py.proc.describe();
  EXPECT_EQ(*session, std::string("session ") + vc.expected + " h2 client");
  s.sendall(std::string_view("hello python\n"));
  EXPECT_EQ(read_line(s), "hello python\n");
  Socket plain = s.unwrap();  // two-way close: Python answers our close_notify
  EXPECT_GE(plain.fileno(), 0);
  EXPECT_EQ(py.proc.wait(), 0) << py.proc.describe();
  EXPECT_FALSE(contains(py.proc.stdout_seen() + py.proc.read_all(), "unwrap failed"));
}

INSTANTIATE_TEST_SUITE_P(SocketInterop, SocketInteropPythonServer, kVersions, version_name);

// ---------------------------------------------------------------------------
// sslpp server, Python client

class SocketInteropPythonClient : public ::testing::TestWithParam<VersionCase> {};

// TLS 1.2 is forced on the sslpp end (max version), TLS 1.3 on the Python end.
TEST_P(SocketInteropPythonClient, ServerRequiresClientCertAndNegotiatesAlpn) {
  const VersionCase vc = GetParam();
  const bool tls12 = std::string(vc.force) == "1.2";
  Context ctx = server_requiring_cert();
  if (tls12) {
    ctx.set_maximum_version(TLSVersion::TLSv1_2);
  }
  ctx.set_alpn_protocols({"h2", "http/1.1"});
  Listener server(ctx);
  Subprocess py({SSLPP_PYTHON3, "-c", kPythonClient, std::to_string(server.port), path(pki().ca_file),
                 tls12 ? "any" : "1.3", "http/1.1,h2", path(pki().client.cert), path(pki().client.key), "hello sslpp"});
  auto [conn, peer] = server.sock.accept();
  conn.settimeout(kIo);
  EXPECT_EQ(peer.host, "127.0.0.1");
  EXPECT_EQ(conn.version(), vc.expected);
  EXPECT_EQ(conn.selected_alpn_protocol(), "h2");  // our first choice that the client offers
  const auto cert = conn.getpeercert();
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->subject, kClientSubject);
  EXPECT_EQ(read_line(conn), "hello sslpp\n");
  conn.sendall(std::string_view("sslpp says hi\n"));
  conn.unwrap();  // Python reads to our close_notify, then answers with its own
  const auto session = py.wait_for_line("session");
  ASSERT_TRUE(session) << py.describe();
  EXPECT_EQ(*session, std::string("session ") + vc.expected + " h2");
  const auto reply = py.wait_for_line("reply");
  ASSERT_TRUE(reply) << py.describe();
  EXPECT_EQ(*reply, "reply sslpp says hi");
  EXPECT_EQ(py.wait(), 0) << py.describe();
}

INSTANTIATE_TEST_SUITE_P(SocketInterop, SocketInteropPythonClient, kVersions, version_name);

// ===========================================================================
// OpenSSL peers

// OpenSSLServer runs `openssl s_server -rev` for one connection on a port
// the kernel picks, answering each line reversed.
struct OpenSSLServer {
  explicit OpenSSLServer(std::vector<std::string> extra)
      : server(test::start_s_server(pki().server, with_rev(std::move(extra)))), proc(*server.proc),
        port(server.port) {}
  static std::vector<std::string> with_rev(std::vector<std::string> extra) {
    extra.insert(extra.begin(), "-rev");
    return extra;
  }
  test::SServer server;
  Subprocess& proc;
  std::uint16_t port;
};

class SocketInteropOpenSSLServer : public ::testing::TestWithParam<VersionCase> {};

// s_server forces the version (-tls1_2 / -tls1_3), requires a client
// certificate (-Verify) and offers ALPN; sslpp presents pki().client.
TEST_P(SocketInteropOpenSSLServer, ClientCertAlpnAndReversedLine) {
  const VersionCase vc = GetParam();
  const bool tls12 = std::string(vc.force) == "1.2";
  OpenSSLServer srv(
      {tls12 ? "-tls1_2" : "-tls1_3", "-Verify", "1", "-CAfile", path(pki().ca_file), "-alpn", "h2,http/1.1"});
  Context ctx = client_with_cert();
  ctx.set_alpn_protocols({"http/1.1"});
  SSLSocket s = connect_and_handshake(srv.port, ctx);
  EXPECT_EQ(s.version(), vc.expected);
  EXPECT_EQ(s.selected_alpn_protocol(), "http/1.1");
  EXPECT_EQ(s.getpeercert()->subject, (DistinguishedName{{{"commonName", "localhost"}}}));
  s.sendall(std::string_view("sslpp\n"));
  EXPECT_EQ(read_line(s), "pplss\n");
  std::error_code ec;
  EXPECT_TRUE(s.shutdown_tls(ec).ok()) << ec.message();
  s.close();
  // -naccept 1: s_server exits once the connection ends; it reports the
  // session (with the client certificate it verified) on stderr.
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
  const std::string err = srv.proc.stderr_text();
  EXPECT_TRUE(contains(err, "Peer certificate: CN = client")) << err;
  EXPECT_TRUE(contains(err, std::string("Protocol version: ") + vc.expected)) << err;
  EXPECT_TRUE(contains(srv.proc.stdout_seen() + srv.proc.read_all(), "ALPN protocols selected: http/1.1"))
      << srv.proc.describe();
}

INSTANTIATE_TEST_SUITE_P(SocketInterop, SocketInteropOpenSSLServer, kVersions, version_name);

// Without a certificate the TLS 1.3 handshake completes on the client side
// (the client speaks last), and the server's certificate_required alert
// arrives on the first read as an SSLError naming it.
TEST(SocketInteropOpenSSLServerAuth, MissingClientCertGetsCertificateRequiredAlert) {
  OpenSSLServer srv({"-tls1_3", "-Verify", "1", "-CAfile", path(pki().ca_file)});
  try {
    SSLSocket s = connect_and_handshake(srv.port, test::client_context());
    const std::string got = s.recv(100);
    ADD_FAILURE() << "read " << got.size() << " bytes without a client certificate";
  } catch (const SSLError& e) {
    EXPECT_EQ(e.reason(), "TLSV13_ALERT_CERTIFICATE_REQUIRED") << e.what();
    EXPECT_STREQ(e.class_name(), "SSLError");
  }
  EXPECT_TRUE(srv.proc.wait().has_value()) << srv.proc.describe();
}

// ---------------------------------------------------------------------------
// sslpp server, openssl s_client

// s_client's argv for 127.0.0.1:port, verifying "localhost" against the test
// CA, presenting pki().client, offering h2.
std::vector<std::string> s_client_argv(std::uint16_t port, const char* version_flag) {
  return {SSLPP_OPENSSL,
          "s_client",
          "-connect",
          "127.0.0.1:" + std::to_string(port),
          "-servername",
          "localhost",
          "-verify_hostname",
          "localhost",
          "-verify_return_error",
          "-CAfile",
          path(pki().ca_file),
          "-cert",
          path(pki().client.cert),
          "-key",
          path(pki().client.key),
          "-alpn",
          "h2",
          version_flag};
}

class SocketInteropOpenSSLClient : public ::testing::TestWithParam<VersionCase> {};

// s_client forces the version; the sslpp server requires its certificate.
TEST_P(SocketInteropOpenSSLClient, ServerRequiresClientCertAndNegotiatesAlpn) {
  const VersionCase vc = GetParam();
  const bool tls12 = std::string(vc.force) == "1.2";
  Context ctx = server_requiring_cert();
  ctx.set_alpn_protocols({"http/1.1", "h2"});
  Listener server(ctx);
  Subprocess cli(s_client_argv(server.port, tls12 ? "-tls1_2" : "-tls1_3"));
  auto [conn, peer] = server.sock.accept();
  EXPECT_EQ(conn.version(), vc.expected);
  EXPECT_EQ(conn.selected_alpn_protocol(), "h2");
  ASSERT_TRUE(conn.getpeercert());
  EXPECT_EQ(conn.getpeercert()->subject, kClientSubject);
  // s_client sends what arrives on its stdin; stdin stays open so that it
  // does not quit before our answer.
  ASSERT_TRUE(cli.write_stdin("from s_client\n")) << cli.describe();
  EXPECT_EQ(read_line(conn), "from s_client\n");
  conn.sendall(std::string_view("from sslpp server\n"));
  std::error_code ec;
  EXPECT_TRUE(conn.shutdown_tls(ec).ok()) << ec.message();  // s_client quits on close_notify
  EXPECT_TRUE(cli.wait().has_value()) << cli.describe();
  const std::string out = cli.read_all();
  EXPECT_TRUE(contains(out, "from sslpp server\n")) << out;
  EXPECT_TRUE(contains(out, "Verification: OK")) << out;
  EXPECT_TRUE(contains(out, "Verified peername: localhost")) << out;
  EXPECT_TRUE(contains(out, "ALPN protocol: h2")) << out;
  EXPECT_TRUE(contains(out, std::string("New, ") + vc.expected + ", Cipher is " + conn.cipher()->name)) << out;
}

INSTANTIATE_TEST_SUITE_P(SocketInterop, SocketInteropOpenSSLClient, kVersions, version_name);

// ===========================================================================
// GnuTLS peers

// TLS 1.2 forced on the sslpp end, ALPN chosen by gnutls-serv.
TEST(SocketInteropGnutlsServer, Tls12ForcedByClientWithAlpn) {
  GnutlsServer srv({"--alpn", "h2", "--alpn", "http/1.1"});
  Context ctx = test::client_context();
  ctx.set_maximum_version(TLSVersion::TLSv1_2);
  ctx.set_alpn_protocols({"http/1.1"});
  SSLSocket s = connect_and_handshake(srv.port, ctx);
  EXPECT_EQ(s.version(), "TLSv1.2");
  EXPECT_EQ(s.selected_alpn_protocol(), "http/1.1");
  s.sendall(std::string_view("hello gnutls\n"));
  EXPECT_EQ(read_line(s), "hello gnutls\n");
  std::error_code ec;
  EXPECT_TRUE(s.shutdown_tls(ec).ok()) << ec.message();
  s.close();
  const std::string out = srv.finish();
  EXPECT_TRUE(contains(out, "- Version: TLS1.2")) << out;
  EXPECT_TRUE(contains(out, "- Application protocol: http/1.1")) << out;
}

// TLS 1.3 forced on the gnutls end; gnutls-serv requires and verifies a
// client certificate, and sslpp presents pki().client.
TEST(SocketInteropGnutlsServer, Tls13ForcedByServerWithClientCert) {
  GnutlsServer srv({"--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3", "--require-client-cert", "--verify-client-cert",
                    "--x509cafile", path(pki().ca_file)});
  SSLSocket s = connect_and_handshake(srv.port, client_with_cert());
  EXPECT_EQ(s.version(), "TLSv1.3");
  EXPECT_FALSE(s.selected_alpn_protocol());
  s.sendall(std::string_view("with a certificate\n"));
  EXPECT_EQ(read_line(s), "with a certificate\n");
  std::error_code ec;
  EXPECT_TRUE(s.shutdown_tls(ec).ok()) << ec.message();
  s.close();
  const std::string out = srv.finish();
  EXPECT_TRUE(contains(out, "- Version: TLS1.3")) << out;
  EXPECT_TRUE(contains(out, "Subject: CN=client")) << out;
  EXPECT_TRUE(contains(out, "- Status: The certificate is trusted.")) << out;
}

class SocketInteropGnutlsClient : public ::testing::TestWithParam<VersionCase> {};

// TLS 1.2 is forced on the gnutls-cli end (priority string), TLS 1.3 on the
// sslpp end (minimum version). The sslpp server requires the client's
// certificate and picks ALPN.
TEST_P(SocketInteropGnutlsClient, ServerRequiresClientCertAndNegotiatesAlpn) {
  const VersionCase vc = GetParam();
  const bool tls12 = std::string(vc.force) == "1.2";
  Context ctx = server_requiring_cert();
  if (!tls12) {
    ctx.set_minimum_version(TLSVersion::TLSv1_3);
  }
  ctx.set_alpn_protocols({"h2"});
  Listener server(ctx);
  std::vector<std::string> extra{"--alpn", "http/1.1", "--alpn", "h2"};
  if (tls12) {
    extra.insert(extra.end(), {"--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2"});
  }
  Subprocess cli(gnutls_cli_argv(server.port, extra));
  auto [conn, peer] = server.sock.accept();
  EXPECT_EQ(conn.version(), vc.expected);
  EXPECT_EQ(conn.selected_alpn_protocol(), "h2");
  ASSERT_TRUE(conn.getpeercert());
  EXPECT_EQ(conn.getpeercert()->subject, kClientSubject);
  ASSERT_TRUE(cli.write_stdin("from gnutls-cli\n")) << cli.describe();
  EXPECT_EQ(read_line(conn), "from gnutls-cli\n");
  conn.sendall(std::string_view("from sslpp server\n"));
  std::error_code ec;
  EXPECT_TRUE(conn.shutdown_tls(ec).ok()) << ec.message();  // gnutls-cli quits on close_notify
  EXPECT_TRUE(cli.wait().has_value()) << cli.describe();
  const std::string out = cli.stdout_seen() + cli.read_all();
  EXPECT_TRUE(contains(out, "from sslpp server\n")) << out;
  EXPECT_TRUE(contains(out, "- Status: The certificate is trusted.")) << out;
  EXPECT_TRUE(contains(out, std::string("- Description: (") + (tls12 ? "TLS1.2" : "TLS1.3") + "-X.509)")) << out;
  EXPECT_TRUE(contains(out, "- Application protocol: h2")) << out;
  EXPECT_TRUE(contains(out, "- Successfully sent 1 certificate(s) to server.")) << out;
}

INSTANTIATE_TEST_SUITE_P(SocketInterop, SocketInteropGnutlsClient, kVersions, version_name);

}  // namespace
}  // namespace sslpp
