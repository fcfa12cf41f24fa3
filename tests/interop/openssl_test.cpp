// Interop with OpenSSL's own command-line peers: `openssl s_server` and
// `openssl s_client` on 127.0.0.1 talk to an sslpp Connection driven over a
// real TCP socket. The peers share nothing with sslpp but the OpenSSL
// library, so these tests check the wire behaviour, not our own symmetry.
#include <sslpp/connection.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/socket_driver.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::CredentialFiles;
using test::DriveResult;
using test::Fd;
using test::pki;
using test::SServer;
using test::start_s_server;
using test::SocketDriver;
using test::Subprocess;

std::string path(const std::filesystem::path& p) { return p.string(); }

// ClientSide is an sslpp client connected to a peer server.
struct ClientSide {
  Context ctx;
  SSLSocket sock;
  Connection& conn = sock.connection();
  SocketDriver driver{sock};

  ClientSide(Context context, std::uint16_t port, std::string_view hostname = "localhost")
      : ctx(std::move(context)), sock(test::connect_tls(ctx, port, {.server_hostname = hostname})) {}
};

// Diagnostics for a failed drive step.
std::string explain(const DriveResult& r, Connection& conn, Subprocess& peer) {
  return "status=" + std::to_string(static_cast<int>(r.status)) + " timed_out=" + std::to_string(r.timed_out) +
         " ec=" + r.ec.message() + " error=" + conn.last_error().message + "\n" + peer.describe();
}

// ---------------------------------------------------------------------------
// sslpp client, s_server peer

TEST(OpenSSLServer, Tls13HandshakeVerifiesAndEchoes) {
  SServer s = start_s_server(pki().server, {"-tls1_3", "-rev"});
  ClientSide c(test::client_context(), s.port);
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  EXPECT_EQ(c.conn.version(), "TLSv1.3");
  ASSERT_TRUE(c.conn.cipher());
  EXPECT_EQ(c.conn.cipher()->protocol, "TLSv1.3");
  EXPECT_EQ(c.conn.cipher()->name.rfind("TLS_", 0), 0u) << c.conn.cipher()->name;
  EXPECT_EQ(c.conn.verify_result(), 0);
  const auto cert = c.conn.getpeercert();
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->subject, (DistinguishedName{{{"commonName", "localhost"}}}));
  EXPECT_EQ(c.conn.get_peer_certificate(), pki().server.credential.certificate);

  // -rev answers each line reversed: proof the data went through both ways.
  ASSERT_TRUE(c.driver.write_all("hello, s_server\n").ok());
  const DriveResult echo = c.driver.read(16);
  ASSERT_TRUE(echo.ok()) << explain(echo, c.conn, *s.proc);
  EXPECT_EQ(echo.data, "revres_s ,olleh\n");
}

TEST(OpenSSLServer, Tls12ForcedByThePeer) {
  SServer s = start_s_server(pki().server, {"-tls1_2", "-rev"});
  ClientSide c(test::client_context(), s.port);
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  EXPECT_EQ(c.conn.version(), "TLSv1.2");
  ASSERT_TRUE(c.conn.cipher());
  EXPECT_EQ(c.conn.cipher()->protocol, "TLSv1.2");
  // An EC key: the suite must be an ECDSA one, with forward secrecy.
  EXPECT_EQ(c.conn.cipher()->name.rfind("ECDHE-ECDSA-", 0), 0u) << c.conn.cipher()->name;
  ASSERT_TRUE(c.driver.write_all("abc\n").ok());
  EXPECT_EQ(c.driver.read(4).data, "cba\n");
}

TEST(OpenSSLServer, Tls12ByOurMaximumVersionWithAnRsaKey) {
  // The peer would take TLS 1.3; our cap must win.
  SServer s = start_s_server(pki().server_rsa, {"-rev"});
  Context ctx = test::client_context();
  ctx.set_maximum_version(TLSVersion::TLSv1_2);
  ClientSide c(ctx.share(), s.port);
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  EXPECT_EQ(c.conn.version(), "TLSv1.2");
  ASSERT_TRUE(c.conn.cipher());
  EXPECT_EQ(c.conn.cipher()->name.rfind("ECDHE-RSA-", 0), 0u) << c.conn.cipher()->name;
  ASSERT_TRUE(c.driver.write_all("xy\n").ok());
  EXPECT_EQ(c.driver.read(3).data, "yx\n");
}

TEST(OpenSSLServer, VerifiesAnIpAddressAgainstTheSubjectAltName) {
  SServer s = start_s_server(pki().server, {"-rev"});
  ClientSide c(test::client_context(), s.port, "127.0.0.1");
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  EXPECT_EQ(c.conn.verify_result(), 0);
}

// A verification failure: which certificate the peer serves, the name we
// ask for, and the X509_V_ERR_* we must report.
struct VerifyCase {
  const char* name;
  CredentialFiles test::Pki::*creds;
  long verify_code;
  const char* protocol_flag;
};

void PrintTo(const VerifyCase& vc, std::ostream* os) { *os << vc.name; }

class OpenSSLServerVerify : public ::testing::TestWithParam<VerifyCase> {};

TEST_P(OpenSSLServerVerify, FailsWithTheRightVerifyCode) {
  const VerifyCase& vc = GetParam();
  SServer s = start_s_server(pki().*vc.creds, {vc.protocol_flag});
  ClientSide c(test::client_context(), s.port);
  const DriveResult hs = c.driver.handshake();
  ASSERT_EQ(hs.status, io_status::error) << explain(hs, c.conn, *s.proc);
  EXPECT_FALSE(hs.socket_error);
  EXPECT_TRUE(hs.ec);
  EXPECT_EQ(c.conn.last_error().verify_code, vc.verify_code) << c.conn.last_error().message;
  EXPECT_EQ(c.conn.last_error().reason, "CERTIFICATE_VERIFY_FAILED");
  EXPECT_FALSE(c.conn.last_error().verify_message.empty());
  EXPECT_FALSE(c.conn.is_handshake_done());
  // The error is sticky, so the throwing form now raises the same failure
  // as the exception Python would raise.
  try {
    c.conn.do_handshake();
    FAIL() << "do_handshake did not throw";
  } catch (const SSLCertVerificationError& e) {
    EXPECT_EQ(e.verify_code(), vc.verify_code);
    EXPECT_EQ(e.reason(), "CERTIFICATE_VERIFY_FAILED");
    EXPECT_NE(std::string(e.what()).find("certificate verify failed"), std::string::npos) << e.what();
  }
}

constexpr long unable_to_get_issuer_locally = 20;  // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
constexpr long hostname_mismatch = 62;             // X509_V_ERR_HOSTNAME_MISMATCH
constexpr long cert_has_expired = 10;              // X509_V_ERR_CERT_HAS_EXPIRED
constexpr long cert_not_yet_valid = 9;             // X509_V_ERR_CERT_NOT_YET_VALID

INSTANTIATE_TEST_SUITE_P(
    OpenSSL, OpenSSLServerVerify,
    ::testing::Values(VerifyCase{"UnknownCaTls13", &test::Pki::untrusted, unable_to_get_issuer_locally, "-tls1_3"},
                      VerifyCase{"UnknownCaTls12", &test::Pki::untrusted, unable_to_get_issuer_locally, "-tls1_2"},
                      VerifyCase{"WrongHostnameTls13", &test::Pki::wrong_name, hostname_mismatch, "-tls1_3"},
                      VerifyCase{"WrongHostnameTls12", &test::Pki::wrong_name, hostname_mismatch, "-tls1_2"},
                      VerifyCase{"Expired", &test::Pki::expired, cert_has_expired, "-tls1_3"},
                      VerifyCase{"NotYetValid", &test::Pki::not_yet_valid, cert_not_yet_valid, "-tls1_3"}),
    [](const ::testing::TestParamInfo<VerifyCase>& info) { return std::string(info.param.name); });

TEST(OpenSSLServer, PresentsAClientCertificateToVerifyingServer) {
  // -Verify 1: the server demands a client certificate and checks it.
  SServer s = start_s_server(pki().server, {"-Verify", "1", "-CAfile", path(pki().ca_file), "-verify_return_error",
                                            "-rev"});
  Context ctx = test::client_context();
  ctx.load_cert_chain(pki().client.cert, pki().client.key);
  ClientSide c(ctx.share(), s.port);
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  // In TLS 1.3 the server judges our certificate after our handshake ends;
  // an echo proves it accepted it.
  ASSERT_TRUE(c.driver.write_all("client\n").ok());
  const DriveResult echo = c.driver.read(7);
  ASSERT_TRUE(echo.ok()) << explain(echo, c.conn, *s.proc);
  EXPECT_EQ(echo.data, "tneilc\n");
  // s_server logs the certificate it verified on stderr.
  EXPECT_NE(s.proc->stderr_text().find("Peer certificate: CN = client"), std::string::npos) << s.proc->describe();
}

TEST(OpenSSLServer, Tls13ServerRequiringACertificateRefusesUs) {
  SServer s = start_s_server(pki().server, {"-tls1_3", "-Verify", "1", "-CAfile", path(pki().ca_file),
                                            "-verify_return_error", "-rev"});
  ClientSide c(test::client_context(), s.port);
  // Our side of a TLS 1.3 handshake finishes before the server has seen
  // that we sent no certificate; its alert arrives with the next read.
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  const DriveResult r = c.driver.read(1);
  ASSERT_EQ(r.status, io_status::error) << explain(r, c.conn, *s.proc);
  EXPECT_EQ(r.data, "");
  EXPECT_EQ(c.conn.last_error().reason, "TLSV13_ALERT_CERTIFICATE_REQUIRED") << c.conn.last_error().message;
  std::array<std::byte, 8> buf{};
  EXPECT_THROW(c.conn.read(buf), SSLError);
}

TEST(OpenSSLServer, Tls12ServerRequiringACertificateFailsTheHandshake) {
  SServer s = start_s_server(pki().server, {"-tls1_2", "-Verify", "1", "-CAfile", path(pki().ca_file),
                                            "-verify_return_error"});
  ClientSide c(test::client_context(), s.port);
  const DriveResult hs = c.driver.handshake();
  ASSERT_EQ(hs.status, io_status::error) << explain(hs, c.conn, *s.proc);
  EXPECT_FALSE(hs.socket_error);
  EXPECT_EQ(c.conn.last_error().reason, "SSLV3_ALERT_HANDSHAKE_FAILURE") << c.conn.last_error().message;
  EXPECT_EQ(c.conn.last_error().verify_code, 0);  // our verification was fine
  EXPECT_THROW(c.conn.do_handshake(), SSLError);
}

TEST(OpenSSLServer, AlpnFollowsTheServersPreference) {
  SServer s = start_s_server(pki().server, {"-alpn", "h2,http/1.1", "-rev"});
  Context ctx = test::client_context();
  ctx.set_alpn_protocols({"http/1.1", "h2"});
  ClientSide c(ctx.share(), s.port);
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *s.proc);
  EXPECT_EQ(c.conn.selected_alpn_protocol(), "h2");
}

TEST(OpenSSLServer, AlpnWithoutOverlapIsAFatalAlert) {
  // OpenSSL 3's s_server answers an ALPN offer it cannot meet with the
  // no_application_protocol alert (RFC 7301), which must reach us as such.
  SServer s = start_s_server(pki().server, {"-alpn", "h2", "-rev"});
  Context ctx = test::client_context();
  ctx.set_alpn_protocols({"spdy/3"});
  ClientSide c(ctx.share(), s.port);
  const DriveResult hs = c.driver.handshake();
  ASSERT_EQ(hs.status, io_status::error) << explain(hs, c.conn, *s.proc);
  EXPECT_EQ(c.conn.last_error().reason, "TLSV1_ALERT_NO_APPLICATION_PROTOCOL") << c.conn.last_error().message;
  EXPECT_EQ(c.conn.selected_alpn_protocol(), std::nullopt);
}

TEST(OpenSSLServer, PeerCloseNotifyIsAClosedStream) {
  SServer s = start_s_server(pki().server, {"-rev"});
  ClientSide c(test::client_context(), s.port);
  ASSERT_TRUE(c.driver.handshake().ok());
  // In -rev mode the line "CLOSE" makes s_server send close_notify.
  ASSERT_TRUE(c.driver.write_all("ping\nCLOSE\n").ok());
  const DriveResult r = c.driver.read_to_end();
  EXPECT_EQ(r.status, io_status::closed) << explain(r, c.conn, *s.proc);
  EXPECT_EQ(r.data, "gnip\n");
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(c.conn.get_shutdown() & RECEIVED_SHUTDOWN, RECEIVED_SHUTDOWN);
  std::array<std::byte, 8> buf{};
  EXPECT_EQ(c.conn.read(buf), 0u);  // the throwing form reads a clean close as 0
  // Answering with our own close_notify completes the exchange.
  const DriveResult sd = c.driver.shutdown(false);
  EXPECT_EQ(sd.status, io_status::ok) << explain(sd, c.conn, *s.proc);
  EXPECT_EQ(c.conn.get_shutdown(), SENT_SHUTDOWN | RECEIVED_SHUTDOWN);
  EXPECT_EQ(s.proc->wait(), 0) << s.proc->describe();
}

TEST(OpenSSLServer, OurCloseNotifyIsAnsweredByThePeer) {
  SServer s = start_s_server(pki().server, {"-rev"});
  ClientSide c(test::client_context(), s.port);
  ASSERT_TRUE(c.driver.handshake().ok());
  ASSERT_TRUE(c.driver.write_all("x\n").ok());
  ASSERT_EQ(c.driver.read(2).data, "x\n");
  // We close first and wait for the peer's close_notify in return.
  const DriveResult sd = c.driver.shutdown(true);
  EXPECT_EQ(sd.status, io_status::ok) << explain(sd, c.conn, *s.proc);
  EXPECT_EQ(c.conn.get_shutdown(), SENT_SHUTDOWN | RECEIVED_SHUTDOWN);
}

TEST(OpenSSLServer, KilledPeerIsTruncationNotAClose) {
  SServer s = start_s_server(pki().server, {"-rev"});
  ClientSide c(test::client_context(), s.port);
  ASSERT_TRUE(c.driver.handshake().ok());
  ASSERT_TRUE(c.driver.write_all("data\n").ok());
  ASSERT_EQ(c.driver.read(5).data, "atad\n");
  // SIGKILL: the kernel closes the socket (FIN) with no close_notify.
  s.proc->kill(SIGKILL);
  ASSERT_TRUE(s.proc->wait());
  const DriveResult r = c.driver.read_to_end();
  EXPECT_EQ(r.status, io_status::truncated) << explain(r, c.conn, *s.proc);
  EXPECT_FALSE(r.socket_error);
  EXPECT_TRUE(r.ec);
  EXPECT_EQ(r.data, "");
  std::array<std::byte, 8> buf{};
  EXPECT_THROW(c.conn.read(buf), SSLEOFError);
}

// ---------------------------------------------------------------------------
// sslpp server, s_client peer

using test::SClient;

// verifying_s_client_args makes s_client check us as a careful client would.
std::vector<std::string> verifying_s_client_args() {
  return {"-CAfile", path(pki().ca_file), "-verify_return_error", "-servername", "localhost", "-verify_hostname",
          "localhost"};
}

Context server_requiring_client_certs() {
  Context ctx = test::server_context();
  ctx.set_verify_mode(CERT_REQUIRED);
  ctx.load_verify_locations(pki().ca_file);
  return ctx;
}

TEST(OpenSSLClient, Tls13ClientVerifiesUsAndDataFlowsBothWays) {
  SClient c(test::server_context(), verifying_s_client_args());
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
  EXPECT_EQ(c.conn.version(), "TLSv1.3");
  EXPECT_TRUE(c.conn.server_side());
  EXPECT_FALSE(c.conn.getpeercert());  // we asked for no client certificate
  // s_client prints its verdict on our certificate and the suite.
  ASSERT_TRUE(c.proc->wait_for_line("Verify return code: 0 (ok)")) << c.proc->describe();
  EXPECT_NE(c.proc->stdout_seen().find("TLSv1.3, Cipher is " + c.conn.cipher()->name), std::string::npos)
      << c.proc->describe();

  ASSERT_TRUE(c.driver.write_all("from sslpp\n").ok());
  ASSERT_TRUE(c.proc->wait_for_line("from sslpp")) << c.proc->describe();
  ASSERT_TRUE(c.proc->write_stdin("from s_client\n"));
  const DriveResult r = c.driver.read(14);
  ASSERT_TRUE(r.ok()) << explain(r, c.conn, *c.proc);
  EXPECT_EQ(r.data, "from s_client\n");

  // End of s_client's input: it sends close_notify and exits.
  c.proc->close_stdin();
  const DriveResult end = c.driver.read_to_end();
  EXPECT_EQ(end.status, io_status::closed) << explain(end, c.conn, *c.proc);
  EXPECT_EQ(c.driver.shutdown(false).status, io_status::ok);
  EXPECT_EQ(c.proc->wait(), 0) << c.proc->describe();
}

TEST(OpenSSLClient, Tls12ByOurMaximumVersion) {
  Context ctx = test::server_context();
  ctx.set_maximum_version(TLSVersion::TLSv1_2);
  SClient c(ctx.share(), verifying_s_client_args());
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
  EXPECT_EQ(c.conn.version(), "TLSv1.2");
  ASSERT_TRUE(c.proc->wait_for_line("Verify return code: 0 (ok)")) << c.proc->describe();
  EXPECT_NE(c.proc->stdout_seen().find("TLSv1.2, Cipher is " + c.conn.cipher()->name), std::string::npos)
      << c.proc->describe();
}

TEST(OpenSSLClient, Tls12ForcedByThePeer) {
  std::vector<std::string> args = verifying_s_client_args();
  args.push_back("-tls1_2");
  SClient c(test::server_context(&pki().server_rsa), args);
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
  EXPECT_EQ(c.conn.version(), "TLSv1.2");
  ASSERT_TRUE(c.conn.cipher());
  EXPECT_EQ(c.conn.cipher()->name.rfind("ECDHE-RSA-", 0), 0u) << c.conn.cipher()->name;
  const auto shared = c.conn.shared_ciphers();
  ASSERT_TRUE(shared);
  EXPECT_FALSE(shared->empty());
  ASSERT_TRUE(c.proc->wait_for_line("Verify return code: 0 (ok)")) << c.proc->describe();
}

TEST(OpenSSLClient, ClientCertificateIsRequiredAndVerified) {
  std::vector<std::string> args = verifying_s_client_args();
  args.insert(args.end(), {"-cert", path(pki().client.cert), "-key", path(pki().client.key)});
  SClient c(server_requiring_client_certs(), args);
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
  const auto cert = c.conn.getpeercert();
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->subject, (DistinguishedName{{{"commonName", "client"}}}));
  EXPECT_EQ(cert->to_json(), pki().client.credential.certificate.decode().to_json());
  EXPECT_EQ(c.conn.verify_result(), 0);
}

TEST(OpenSSLClient, ClientWithoutCertificateIsRefused) {
  SClient c(server_requiring_client_certs(), verifying_s_client_args());
  const DriveResult hs = c.driver.handshake();
  ASSERT_EQ(hs.status, io_status::error) << explain(hs, c.conn, *c.proc);
  EXPECT_EQ(c.conn.last_error().reason, "PEER_DID_NOT_RETURN_A_CERTIFICATE") << c.conn.last_error().message;
  EXPECT_THROW(c.conn.do_handshake(), SSLError);
  // s_client learns why from our alert.
  EXPECT_TRUE(c.proc->wait());
  EXPECT_NE(c.proc->stderr_text().find("certificate required"), std::string::npos) << c.proc->describe();
}

TEST(OpenSSLClient, ClientCertificateFromAnUnknownCaIsRejected) {
  std::vector<std::string> args = verifying_s_client_args();
  args.insert(args.end(), {"-cert", path(pki().untrusted.cert), "-key", path(pki().untrusted.key)});
  SClient c(server_requiring_client_certs(), args);
  const DriveResult hs = c.driver.handshake();
  ASSERT_EQ(hs.status, io_status::error) << explain(hs, c.conn, *c.proc);
  EXPECT_EQ(c.conn.last_error().verify_code, unable_to_get_issuer_locally) << c.conn.last_error().message;
  EXPECT_THROW(c.conn.do_handshake(), SSLCertVerificationError);
}

TEST(OpenSSLClient, AlpnIsChosenByUs) {
  Context ctx = test::server_context();
  ctx.set_alpn_protocols({"h2", "http/1.1"});
  std::vector<std::string> args = verifying_s_client_args();
  args.insert(args.end(), {"-alpn", "http/1.1,spdy/3"});
  SClient c(ctx.share(), args);
  const DriveResult hs = c.driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *c.proc);
  EXPECT_EQ(c.conn.selected_alpn_protocol(), "http/1.1");
  EXPECT_TRUE(c.proc->wait_for_line("ALPN protocol: http/1.1")) << c.proc->describe();
}

TEST(OpenSSLClient, KilledClientIsTruncation) {
  SClient c(test::server_context(), verifying_s_client_args());
  ASSERT_TRUE(c.driver.handshake().ok());
  ASSERT_TRUE(c.driver.write_all("bye\n").ok());
  // Once s_client has printed our data it has read everything we sent, so
  // the kill closes its socket with a plain FIN (no RST for unread data).
  ASSERT_TRUE(c.proc->wait_for_line("bye")) << c.proc->describe();
  c.proc->kill(SIGKILL);
  ASSERT_TRUE(c.proc->wait());
  const DriveResult r = c.driver.read_to_end();
  EXPECT_EQ(r.status, io_status::truncated) << explain(r, c.conn, *c.proc);
  EXPECT_TRUE(r.ec);
  std::array<std::byte, 8> buf{};
  EXPECT_THROW(c.conn.read(buf), SSLEOFError);
}

}  // namespace
}  // namespace sslpp
