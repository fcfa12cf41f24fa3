// Connection introspection and control against independent peers
// (openssl s_server / s_client, Python's ssl) over TCP on 127.0.0.1, for
// the values themselves: exported keying material, renegotiation either
// way, SNI names, client CA names and post-handshake authentication.
#include <sslpp/connection.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "support/hex.hpp"
#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/socket_driver.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::DriveResult;
using test::path;
using test::pki;
using test::request_client_certs_later;
using test::SocketDriver;
using test::Subprocess;
using test::upper;
using test::upper_hex;

// start_s_server runs s_server with the test server's certificate.
test::SServer start_s_server(const std::vector<std::string>& extra) {
  return test::start_s_server(pki().server, extra);
}

using ClientSide = test::TlsClient;

const SSLSocketOptions localhost_client{.server_hostname = "localhost"};

using test::SClient;

std::string explain(const DriveResult& r, const Connection& conn, Subprocess& peer) {
  return "status=" + std::to_string(static_cast<int>(r.status)) + " timed_out=" + std::to_string(r.timed_out) +
         " ec=" + r.ec.message() + " error=" + conn.last_error().message + "\n" + peer.describe();
}

TEST(ConnectionInfoInterop, ExportedKeyingMaterialMatchesOpenSSLClient) {
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    SCOPED_TRACE(version);
    SClient c(test::server_context(), {version, "-keymatexport", "EXPERIMENTAL-sslpp-interop", "-keymatexportlen",
                                       "40", "-noservername"});
    const DriveResult hs = c.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
    // s_client prints "    Keying material: <HEX>" after its handshake.
    const auto line = c.proc->wait_for_line("Keying material:");
    ASSERT_TRUE(line) << c.proc->describe();
    const std::string theirs = line->substr(line->find(':') + 1);
    const std::string ours = upper_hex(c.conn.export_keying_material("EXPERIMENTAL-sslpp-interop", 40));
    EXPECT_EQ(upper(std::string(theirs.substr(theirs.find_first_not_of(' ')))), ours);
  }
}

TEST(ConnectionInfoInterop, ClientRenegotiatesWithOpenSSLServer) {
  // OpenSSL 3 servers refuse client-initiated renegotiation unless told.
  test::SServer s = start_s_server({"-tls1_2", "-client_renegotiation", "-rev"});
  ClientSide c(test::client_context(), s.port, localhost_client);
  ASSERT_TRUE(c.driver.handshake().ok());
  ASSERT_TRUE(c.driver.write_all("one\n").ok());
  ASSERT_EQ(c.driver.read(4).data, "eno\n");
  const auto first_random = c.conn.client_random();

  c.conn.renegotiate();
  EXPECT_TRUE(c.conn.renegotiate_pending());
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  EXPECT_FALSE(c.conn.renegotiate_pending());
  EXPECT_EQ(c.conn.total_renegotiations(), 1);
  EXPECT_NE(c.conn.client_random(), first_random);
  ASSERT_TRUE(c.driver.write_all("two\n").ok());
  const DriveResult r = c.driver.read(4);
  ASSERT_TRUE(r.ok()) << explain(r, c.conn, *s.proc);
  EXPECT_EQ(r.data, "owt\n");
}

TEST(ConnectionInfoInterop, OpenSSLServerRefusingRenegotiationEndsTheConnection) {
  // Without -client_renegotiation an OpenSSL 3 server answers the new
  // ClientHello with a no_renegotiation alert, which OpenSSL's client
  // treats as fatal: our side must report it, not hang.
  test::SServer s = start_s_server({"-tls1_2", "-rev"});
  ClientSide c(test::client_context(), s.port, localhost_client);
  ASSERT_TRUE(c.driver.handshake().ok());
  c.conn.renegotiate();
  const DriveResult hs = c.driver.handshake();
  EXPECT_EQ(hs.status, io_status::error) << explain(hs, c.conn, *s.proc);
  EXPECT_EQ(c.conn.last_error().reason, "NO_RENEGOTIATION") << c.conn.last_error().message;
}

// A Python client (blocking, so every step completes before the next) that
// reads one line, sends one back (the write that carries its side of a
// renegotiation the server asked for), and reports how it ended.
constexpr const char* python_line_client = R"(
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(sys.argv[2])
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        line = b""
        while not line.endswith(b"\n"):
            line += s.recv(64)
        print("got", line.decode().strip(), flush=True)
        s.sendall(b"after\n")
        print("sent", flush=True)
        s.recv(1)
)";

TEST(ConnectionInfoInterop, PythonClientFollowsOurRenegotiation) {
  Context ctx = test::server_context();
  ctx.set_maximum_version(TLSVersion::TLSv1_2);
  const test::Listener listener = test::tcp_listen();
  Subprocess py({SSLPP_PYTHON3, "-c", python_line_client, std::to_string(listener.port), path(pki().ca_file)});
  SSLSocket sock = test::accept_tls(ctx, listener, py);
  Connection& conn = sock.connection();
  SocketDriver driver(sock);
  ASSERT_TRUE(driver.handshake().ok()) << py.describe();
  const auto first_random = conn.server_random();

  conn.renegotiate();
  EXPECT_TRUE(conn.renegotiate_pending());
  // The HelloRequest goes out ahead of the line; the client renegotiates
  // when it next writes, and our read carries the new handshake through.
  ASSERT_TRUE(driver.write_all("reneg\n").ok());
  ASSERT_EQ(py.wait_for_line("got"), "got reneg") << py.describe();
  const DriveResult r = driver.read(6);
  ASSERT_TRUE(r.ok()) << explain(r, conn, py);
  EXPECT_EQ(r.data, "after\n");
  EXPECT_EQ(conn.total_renegotiations(), 1);
  EXPECT_FALSE(conn.renegotiate_pending());
  EXPECT_NE(conn.server_random(), first_random);
  ASSERT_TRUE(py.wait_for_line("sent")) << py.describe();
}

TEST(ConnectionInfoInterop, OpenSSLServerSeesOurSniName) {
  // s_server with a second certificate runs a servername callback that
  // prints the name the client sent.
  test::SServer s = start_s_server({"-servername", "sni.example", "-cert2", path(pki().server_rsa.cert), "-key2",
                              path(pki().server_rsa.key), "-rev"});
  Context ctx = test::client_context();
  ctx.set_check_hostname(false);  // verifies the certificate, not the name: any SNI name may be sent
  ClientSide c(std::move(ctx), s.port, {});
  c.conn.set_tlsext_host_name("sni.example");
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  // s_server switched to the second certificate, which it does only for
  // the name given as -servername.
  EXPECT_EQ(c.conn.get_peer_certificate(), pki().server_rsa.credential.certificate);
  // Its stdout is block-buffered on a pipe: "CLOSE" ends the session and,
  // with -naccept 1, the process, which flushes what its callback printed.
  ASSERT_TRUE(c.driver.write_all("CLOSE\n").ok());
  EXPECT_EQ(c.driver.read_to_end().status, io_status::closed);
  static_cast<void>(c.driver.shutdown(false));  // s_server waits for our close_notify
  EXPECT_EQ(s.proc->wait(), 0) << s.proc->describe();
  const std::string out = s.proc->stdout_seen() + s.proc->read_all();
  EXPECT_NE(out.find("Hostname in TLS extension: \"sni.example\""), std::string::npos) << out;
}

TEST(ConnectionInfoInterop, WeSeeOpenSSLClientsSniName) {
  {
    SClient c(test::server_context(), {"-servername", "from-s-client.example"});
    const DriveResult hs = c.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
    EXPECT_EQ(c.conn.get_servername(), "from-s-client.example");
  }
  {
    SClient c(test::server_context(), {"-noservername"});
    const DriveResult hs = c.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
    EXPECT_EQ(c.conn.get_servername(), std::nullopt);
  }
}

TEST(ConnectionInfoInterop, CaNamesFromOpenSSLServer) {
  // s_server names the CAs of its -CAfile in its certificate request.
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    SCOPED_TRACE(version);
    test::SServer s = start_s_server({version, "-Verify", "1", "-CAfile", path(pki().ca_file), "-rev"});
    Context ctx = test::client_context();
    ctx.load_cert_chain(pki().client.cert, pki().client.key);
    ClientSide c(ctx.share(), s.port, localhost_client);
    EXPECT_TRUE(c.conn.get_client_ca_list().empty());
    const DriveResult hs = c.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
    const std::vector<Name> names = c.conn.get_client_ca_list();
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0], pki().ca.certificate().subject());
    EXPECT_EQ(names[0].to_string(), "CN=sslpp test CA");
  }
}

TEST(ConnectionInfoInterop, OpenSSLClientAnswersPostHandshakeAuth) {
  Context ctx = test::server_context();
  request_client_certs_later(ctx);
  SClient c(ctx.share(), {"-tls1_3", "-enable_pha", "-cert", path(pki().client.cert), "-key", path(pki().client.key),
                  "-noservername"});
  ASSERT_TRUE(c.driver.handshake().ok());
  EXPECT_EQ(c.conn.get_peer_certificate(), std::nullopt);
  c.conn.verify_client_post_handshake();
  ASSERT_TRUE(c.driver.write_all("cert please\n").ok());
  ASSERT_TRUE(c.proc->wait_for_line("cert please")) << c.proc->describe();
  ASSERT_TRUE(c.proc->write_stdin("here\n"));
  const DriveResult r = c.driver.read(5);
  ASSERT_TRUE(r.ok()) << explain(r, c.conn, *c.proc);
  EXPECT_EQ(r.data, "here\n");
  EXPECT_EQ(c.conn.get_peer_certificate(), pki().client.credential.certificate);
}

}  // namespace
}  // namespace sslpp
