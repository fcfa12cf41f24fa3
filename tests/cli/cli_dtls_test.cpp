// sslpp connect --dtls and sslpp serve --dtls: with each other, with the
// independent DTLS peers (openssl s_server / s_client, gnutls-cli --udp),
// an untrusted certificate, a stop signal, and the options DTLS refuses.
#include "cli/cli_support.hpp"
#include "support/dtls_peers.hpp"

namespace sslpp::cli_test {
namespace {

constexpr const char* kSrtp = "SRTP_AES128_CM_SHA1_80";

// dtls_connect_args are connect --dtls's options trusting the test CA;
// --timeout 1 also makes the wait for replies after --send 1 s.
std::vector<std::string> dtls_connect_args(std::uint16_t port, std::vector<std::string> extra) {
  std::vector<std::string> a{"connect",   "--dtls",          endpoint(port), "--cafile", path(pki().ca_file),
                             "--servername", "localhost", "--timeout",    "1"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

nlohmann::json decoded(const test::CredentialFiles& creds) { return nlohmann::json::parse(python_decode(creds.cert)); }

// serve --dtls and connect --dtls: --send and -i echoed, the same session
// facts on both sides, SRTP agreed, and one handshake and one closed event
// per client.
TEST(CliDtls, ServeAndConnectEchoWithEventsAndSrtp) {
  Serve srv(serve_args({"--dtls", "--srtp", kSrtp, "--exit-after", "2"}));

  const Outcome sent = sslpp(dtls_connect_args(srv.port, {"--json", "--srtp", kSrtp, "--send", "ping over udp"}));
  ASSERT_EQ(sent.status, 0) << sent.describe();
  const nlohmann::json j = json_of(sent);
  EXPECT_EQ(j["version"], "DTLSv1.2") << j;
  EXPECT_EQ(j["received"], "ping over udp") << j;
  EXPECT_EQ(j["end_of_stream"], "idle") << j;  // UDP: no end but the server's silence
  EXPECT_EQ(j["srtp_profile"], kSrtp) << j;
  EXPECT_EQ(j["peercert"], decoded(pki().server)) << j;
  EXPECT_EQ(j["server_hostname"], "localhost") << j;

  const nlohmann::json hs = srv.event();
  EXPECT_EQ(hs["event"], "handshake") << hs;
  EXPECT_EQ(hs["version"], "DTLSv1.2") << hs;
  EXPECT_EQ(hs["cipher"], j["cipher"]) << hs;
  EXPECT_EQ(hs["servername"], "localhost") << hs;
  EXPECT_EQ(hs["peercert"], nullptr) << hs;
  EXPECT_EQ(hs["srtp_profile"], kSrtp) << hs;
  ASSERT_TRUE(hs["client"].is_string()) << hs;
  EXPECT_TRUE(hs["client"].get<std::string>().starts_with("127.0.0.1:")) << hs;
  const nlohmann::json closed = srv.event();  // connect's close_notify
  EXPECT_EQ(closed["event"], "closed") << closed;
  EXPECT_EQ(closed["client"], hs["client"]) << closed;

  // -i: each line one record; the records come back to stdout as they came.
  const Outcome talk = sslpp(dtls_connect_args(srv.port, {"-i"}), "first line\nsecond line\nno newline");
  ASSERT_EQ(talk.status, 0) << talk.describe();
  EXPECT_EQ(talk.out, "first line\nsecond line\nno newline") << talk.describe();
  EXPECT_TRUE(contains(talk.err, "version:         DTLSv1.2")) << talk.describe();
  EXPECT_TRUE(contains(talk.err, "end of stream:   idle")) << talk.describe();
  EXPECT_EQ(srv.event()["event"], "handshake");
  EXPECT_EQ(srv.event()["event"], "closed");
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();  // --exit-after 2
}

// connect --dtls against openssl s_server -dtls1_2: verified, SRTP agreed
// with OpenSSL's own DTLS, the record arrives.
TEST(CliDtls, ConnectToOpensslServer) {
  test::DtlsPeerOptions options;
  options.srtp = kSrtp;
  test::SServer server = test::start_dtls_s_server(options);
  const Outcome r = sslpp(dtls_connect_args(server.port, {"--json", "--srtp", kSrtp, "--send", "hello s_server\n"}));
  ASSERT_EQ(r.status, 0) << r.describe() << server.proc->describe();
  const nlohmann::json j = json_of(r);
  EXPECT_EQ(j["version"], "DTLSv1.2") << j;
  EXPECT_EQ(j["srtp_profile"], kSrtp) << j;
  EXPECT_EQ(j["peercert"], decoded(pki().server)) << j;
  EXPECT_TRUE(server.proc->wait_for_line("hello s_server")) << server.proc->describe();
  const std::string out = server.proc->stdout_seen();
  EXPECT_TRUE(contains(out, "CIPHER is " + j["cipher"][0].get<std::string>())) << out;
  EXPECT_TRUE(contains(out, std::string("SRTP Extension negotiated, profile=") + kSrtp)) << out;
}

// serve --dtls against openssl s_client -dtls1_2: the handshake event and
// the echo; s_client's close_notify at the end of its input ends it.
TEST(CliDtls, ServeToOpensslClient) {
  Serve srv(serve_args({"--dtls", "--exit-after", "1"}));
  const auto cli = test::start_dtls_s_client(srv.port, {});
  ASSERT_TRUE(test::wait_for_dtls_handshake(*cli, test::DtlsPeer::openssl_client, false)) << cli->describe();
  const nlohmann::json e = srv.event();
  EXPECT_EQ(e["event"], "handshake") << e;
  EXPECT_EQ(e["version"], "DTLSv1.2") << e;
  EXPECT_TRUE(contains(cli->stdout_seen(), "Verify return code: 0 (ok)")) << cli->describe();
  EXPECT_TRUE(contains(cli->stdout_seen(), ", Cipher is " + e["cipher"][0].get<std::string>())) << cli->describe();
  ASSERT_TRUE(cli->write_stdin("from s_client\n")) << cli->describe();
  EXPECT_TRUE(cli->wait_for_line("from s_client")) << cli->describe();
  cli->close_stdin();
  EXPECT_EQ(srv.event()["event"], "closed");
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// serve --dtls requiring a client certificate, against gnutls-cli --udp: the
// certificate in the event, the echo; gnutls-cli never closes, so the idle
// timeout ends it (a failure after the handshake: stderr, not an event).
TEST(CliDtls, ServeToGnutlsClientWithClientCertificate) {
  Serve srv(serve_args({"--dtls", "--cafile", path(pki().ca_file), "--verify", "required", "--idle-timeout", "1",
                        "--exit-after", "1"}));
  const auto cli = test::start_gnutls_udp_client(srv.port, {});
  ASSERT_TRUE(test::wait_for_dtls_handshake(*cli, test::DtlsPeer::gnutls_client, false)) << cli->describe();
  const nlohmann::json e = srv.event();
  EXPECT_EQ(e["event"], "handshake") << e;
  EXPECT_EQ(e["version"], "DTLSv1.2") << e;
  EXPECT_EQ(e["peercert"], decoded(pki().client)) << e;
  ASSERT_TRUE(cli->write_stdin("from gnutls-cli\n")) << cli->describe();
  EXPECT_TRUE(cli->wait_for_line("from gnutls-cli")) << cli->describe();
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();  // the idle timeout ended the client
  EXPECT_TRUE(contains(srv.proc.stderr_text(), "TimeoutError")) << srv.proc.describe();
  cli->kill(SIGTERM);
}

// A server whose certificate no trusted CA issued: connect --dtls fails as
// connect does (exit 1, the class on stderr, the marked chain on stdout,
// the JSON error with its verify code and hint), and serve reports the
// client's alert as an error event.
TEST(CliDtls, UntrustedCertificateFailsVerification) {
  Serve srv({"--dtls", "--cert", path(pki().untrusted.cert), "--key", path(pki().untrusted.key), "--exit-after", "2",
             "--handshake-timeout", "2"});
  const Outcome text = sslpp(dtls_connect_args(srv.port, {}));
  EXPECT_EQ(text.status, 1) << text.describe();
  EXPECT_TRUE(text.one_error_line("SSLCertVerificationError")) << text.describe();
  EXPECT_TRUE(contains(text.err, "(verify_code=20)")) << text.describe();
  EXPECT_FALSE(text.out.empty()) << text.describe();  // the chain, marked

  const Outcome json = sslpp(dtls_connect_args(srv.port, {"--json"}));
  EXPECT_EQ(json.status, 1) << json.describe();
  const nlohmann::json err = json_of(json)["error"];
  EXPECT_EQ(err["class"], "SSLCertVerificationError") << err;
  EXPECT_EQ(err["verify_code"], 20) << err;
  EXPECT_TRUE(err["hint"].is_string()) << err;

  for (int i = 0; i < 2; ++i) {
    const nlohmann::json e = srv.event();
    EXPECT_EQ(e["event"], "error") << e;
    EXPECT_TRUE(e["class"].is_string()) << e;
    EXPECT_TRUE(e["client"].is_string()) << e;
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// SIGTERM stops serve --dtls as it stops serve (ended by the signal), and
// a client still held gets close_notify.
TEST(CliDtls, SigtermStopsServeAndClosesClients) {
  Serve srv(serve_args({"--dtls"}));
  Context ctx(DTLS_CLIENT_METHOD);
  ctx.load_verify_locations(test::pki().ca_file);  // serve_args: pki().server, which names 127.0.0.1
  DTLSSocket client = dtls_connect(ctx, "127.0.0.1", srv.port, {.timeout = 5s});
  client.send("still here");
  EXPECT_EQ(client.recv(), "still here");
  EXPECT_EQ(srv.event()["event"], "handshake");
  srv.proc.kill(SIGTERM);
  EXPECT_EQ(srv.proc.wait(), 128 + SIGTERM) << srv.proc.describe();
  EXPECT_EQ(client.recv(), "");  // close_notify
}

// What cannot apply to DTLS is a usage error, before any connection.
TEST(CliDtls, RefusedOptionsAreUsageErrors) {
  const struct {
    std::vector<std::string> args;
    std::string_view says;
  } cases[] = {
      {{"connect", "--dtls", "--starttls", "smtp", "127.0.0.1:1"}, "--starttls cannot be used with --dtls"},
      {{"connect", "--dtls", "--sess-out", "/tmp/x.pem", "127.0.0.1:1"}, "--sess-out cannot be used with --dtls"},
      {{"connect", "--mtu", "1200", "127.0.0.1:1"}, "--mtu needs --dtls"},
      {{"serve", "--dtls", "--http"}, "--http cannot be used with --dtls"},
      {{"serve", "--srtp", kSrtp}, "--srtp needs --dtls"},
  };
  for (const auto& c : cases) {
    const Outcome r = sslpp(c.args);
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(r.one_error_line("UsageError")) << r.describe();
    EXPECT_TRUE(contains(r.err, c.says)) << r.describe();
  }
  const Outcome mtu = sslpp({"connect", "--dtls", "--mtu", "100", "127.0.0.1:1"});
  EXPECT_EQ(mtu.status, 2) << mtu.describe();
  EXPECT_TRUE(mtu.one_error_line("ValueError")) << mtu.describe();
}

}  // namespace
}  // namespace sslpp::cli_test
