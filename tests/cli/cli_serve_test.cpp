// sslpp serve with independent clients on 127.0.0.1 (openssl s_client,
// gnutls-cli, a python3 ssl client, sslpp connect), several at once, with
// misbehaving ones mixed in, and bad input.
#include <thread>

#include "cli/cli_support.hpp"
#include "support/socket_driver.hpp"

namespace sslpp::cli_test {
namespace {

std::vector<std::string> client_auth_args(const char* mode, std::vector<std::string> extra) {
  std::vector<std::string> a = serve_args({"--cafile", path(pki().ca_file), "--verify", mode});
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

nlohmann::json client_peercert() { return nlohmann::json::parse(python_decode(pki().client.cert)); }

// ===========================================================================
// Interop

class CliServeOpenssl : public ::testing::TestWithParam<const char*> {};

// The version is forced on the sslpp side; s_client presents its certificate.
TEST_P(CliServeOpenssl, ClientCertAlpnAndEcho) {
  const std::string version = GetParam();
  Serve srv(client_auth_args("required", {"--alpn", "h2,http/1.1", "--min-version", version, "--max-version", version,
                                          "--exit-after", "1"}));
  Subprocess cli({SSLPP_OPENSSL, "s_client", "-connect", endpoint(srv.port), "-servername", "localhost",
                  "-verify_hostname", "localhost", "-verify_return_error", "-CAfile", path(pki().ca_file), "-cert",
                  path(pki().client.cert), "-key", path(pki().client.key), "-alpn", "h2"});
  const nlohmann::json e = srv.event();
  EXPECT_EQ(e["event"], "handshake");
  EXPECT_EQ(e["version"], version);
  EXPECT_EQ(e["cipher"][1], version);
  EXPECT_EQ(e["alpn"], "h2");
  EXPECT_EQ(e["peercert"], client_peercert());
  ASSERT_TRUE(cli.write_stdin("from s_client\n")) << cli.describe();
  EXPECT_TRUE(cli.wait_for_line("from s_client")) << cli.describe();
  cli.close_stdin();  // s_client closes the connection at the end of its input
  EXPECT_TRUE(cli.wait().has_value()) << cli.describe();
  const std::string out = cli.stdout_seen();
  EXPECT_TRUE(contains(out, "Verification: OK")) << out;
  EXPECT_TRUE(contains(out, "ALPN protocol: h2")) << out;
  EXPECT_TRUE(contains(out, ", Cipher is " + e["cipher"][0].get<std::string>())) << out;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();  // --exit-after 1
}

INSTANTIATE_TEST_SUITE_P(Cli, CliServeOpenssl, ::testing::Values("TLSv1.2", "TLSv1.3"),
                         [](const auto& info) { return std::string(info.param) == "TLSv1.2" ? "Tls12" : "Tls13"; });

TEST(CliServeGnutls, ClientCertAlpnAndEcho) {
  Serve srv(client_auth_args("required", {"--alpn", "h2", "--exit-after", "1"}));
  Subprocess cli({kGnutlsCli, "--x509cafile", path(pki().ca_file), "--verify-hostname", "localhost", "--sni-hostname",
                  "localhost", "--x509certfile", path(pki().client.cert), "--x509keyfile", path(pki().client.key),
                  "--alpn", "h2", "-p", std::to_string(srv.port), "127.0.0.1"});
  const nlohmann::json e = srv.event();
  EXPECT_EQ(e["event"], "handshake");
  EXPECT_EQ(e["version"], "TLSv1.3");
  EXPECT_EQ(e["alpn"], "h2");
  EXPECT_EQ(e["peercert"], client_peercert());
  ASSERT_TRUE(cli.write_stdin("from gnutls-cli\n")) << cli.describe();
  EXPECT_TRUE(cli.wait_for_line("from gnutls-cli")) << cli.describe();
  cli.close_stdin();
  EXPECT_TRUE(cli.wait().has_value()) << cli.describe();
  const std::string out = cli.stdout_seen() + cli.read_all();
  EXPECT_TRUE(contains(out, "- Status: The certificate is trusted.")) << out;
  EXPECT_TRUE(contains(out, "- Application protocol: h2")) << out;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

TEST(CliServePython, Tls12CipherAlpnAndEcho) {
  Serve srv(client_auth_args("optional", {"--alpn", "http/1.1", "--max-version", "TLSv1.2", "--ciphers",
                                          "ECDHE-ECDSA-AES256-GCM-SHA384", "--exit-after", "1"}));
  const std::string out = python(
      "import ssl, socket, sys, json\n"
      "ctx = ssl.create_default_context(cafile=sys.argv[2])\n"
      "ctx.load_cert_chain(sys.argv[3], sys.argv[4])\n"
      "ctx.set_alpn_protocols(['http/1.1'])\n"
      "with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10) as raw:\n"
      "    s = ctx.wrap_socket(raw, server_hostname='localhost')\n"
      "    s.sendall(b'python says hi')\n"
      "    echo = b''\n"
      "    while len(echo) < 14:\n"
      "        echo += s.recv(100)\n"
      "    print(json.dumps({'version': s.version(), 'cipher': s.cipher(), 'alpn': s.selected_alpn_protocol(),\n"
      "                      'echo': echo.decode()}))\n"
      "    s.unwrap()\n",
      {std::to_string(srv.port), path(pki().ca_file), path(pki().client.cert), path(pki().client.key)});
  const nlohmann::json theirs = nlohmann::json::parse(out);
  const nlohmann::json e = srv.event();
  EXPECT_EQ(theirs["echo"], "python says hi");
  EXPECT_EQ(e["version"], "TLSv1.2");
  EXPECT_EQ(e["version"], theirs["version"]);
  EXPECT_EQ(e["cipher"], theirs["cipher"]);
  EXPECT_EQ(e["cipher"][0], "ECDHE-ECDSA-AES256-GCM-SHA384");
  EXPECT_EQ(e["alpn"], "http/1.1");
  EXPECT_EQ(e["peercert"], client_peercert());
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// ===========================================================================
// Several clients, misbehaving ones among them

// insecure_client trusts anything: the default certificate is throwaway.
Context insecure_client() {
  Context ctx(PROTOCOL_TLS_CLIENT);
  ctx.set_check_hostname(false);
  ctx.set_verify_mode(CERT_NONE);
  return ctx;
}

TEST(CliServe, ServesSeveralAtOnceAndSurvivesMisbehavingClients) {
  Serve srv({"--exit-after", "5"});
  // A: a good client that stays connected, idle, through everything below.
  SSLSocket a = insecure_client().wrap_socket(create_connection("127.0.0.1", srv.port, 5s),
      {.server_hostname = "localhost"});
  // The default certificate: localhost, 127.0.0.1 and ::1.
  const CertInfo cert = Certificate::from_der(*a.getpeercert_der()).decode();
  ASSERT_TRUE(cert.subjectAltName);
  EXPECT_EQ(*cert.subjectAltName, (std::vector<GeneralName>{{"DNS", "localhost", {}},
                                                            {"IP Address", "127.0.0.1", {}},
                                                            {"IP Address", "0:0:0:0:0:0:0:1", {}}}));
  {
    // Not TLS at all.
    Socket raw = create_connection("127.0.0.1", srv.port, 5s);
    raw.sendall(std::as_bytes(std::span(std::string_view("GET / HTTP/1.0\r\n\r\n"))));
    std::array<std::byte, 256> buf{};
    try {
      while (raw.recv(buf) > 0) {  // the server's alert, then its close
      }
    } catch (const ConnectionResetError&) {
      // Also fine: the server closed with our bytes unread.
    }
  }
  {
    // Connects and leaves without a word.
    Socket raw = create_connection("127.0.0.1", srv.port, 5s);
  }
  // A client that does not trust the certificate and aborts the handshake.
  const Outcome distrust = sslpp({"connect", endpoint(srv.port), "--cafile", path(pki().ca_file)});
  EXPECT_EQ(distrust.status, 1) << distrust.describe();
  // B is served while A still holds its connection.
  const Outcome b = sslpp({"connect", endpoint(srv.port), "--verify", "none", "--send", "from B", "--json"});
  ASSERT_EQ(b.status, 0) << b.describe();
  EXPECT_EQ(json_of(b)["received"], "from B");
  // A still works, after all that.
  a.sendall(std::string_view("from A"));
  EXPECT_EQ(a.recv(100), "from A");
  std::error_code ec;
  a.shutdown_tls(ec);
  a.close();

  int handshakes = 0;
  std::vector<std::string> error_classes;
  for (int i = 0; i < 5; ++i) {
    const nlohmann::json e = srv.event();
    if (e["event"] == "handshake") {
      ++handshakes;
      EXPECT_EQ(e["peercert"], nullptr);
      // A asked for "localhost"; B connected to an IP address, which is never sent as SNI.
      EXPECT_TRUE(e["servername"] == "localhost" || e["servername"].is_null()) << e;
    } else {
      ASSERT_EQ(e["event"], "error") << e;
      EXPECT_TRUE(e["reason"].is_string()) << e;
      error_classes.push_back(e["class"]);
    }
  }
  EXPECT_EQ(handshakes, 2);
  ASSERT_EQ(error_classes.size(), 3u);
  for (const std::string& c : error_classes) {
    EXPECT_TRUE(c == "SSLError" || c == "SSLEOFError") << c;
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// A record the server cannot accept after the handshake (TLS 1.3's
// ChangeCipherSpec after Finished, a probe of TLS test suites), followed by
// more bytes: serve answers with an alert and closes without a reset, so
// the client reads the alert.
TEST(CliServe, BadRecordAfterTheHandshakeGetsTheAlertNotAReset) {
  constexpr int kRounds = 3;
  Serve srv({"--exit-after", std::to_string(kRounds)});
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(round);
    SSLSocket c = insecure_client().wrap_socket(create_connection("127.0.0.1", srv.port, 5s),
        {.server_hostname = "localhost"});
    EXPECT_EQ(test::send_bad_record_and_read(c), "SSLV3_ALERT_UNEXPECTED_MESSAGE");
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

TEST(CliServe, ClientAuthenticationRequiredAndOptional) {
  {
    Serve srv(client_auth_args("required", {"--exit-after", "1"}));
    // TLS 1.3: the client finishes first; the server's alert meets its read.
    const Outcome r = sslpp({"connect", endpoint(srv.port), "--cafile", path(pki().ca_file), "--servername",
                             "localhost", "--send", "x"});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(r.one_error_line("SSLError")) << r.describe();
    EXPECT_TRUE(contains(r.err, "CERTIFICATE_REQUIRED")) << r.err;
    const nlohmann::json e = srv.event();
    EXPECT_EQ(e["event"], "error");
    EXPECT_EQ(e["class"], "SSLError");
    EXPECT_EQ(e["reason"], "PEER_DID_NOT_RETURN_A_CERTIFICATE");
    EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
  }
  {
    Serve srv(client_auth_args("optional", {"--exit-after", "2"}));
    const std::vector<std::string> base{"connect", endpoint(srv.port), "--cafile", path(pki().ca_file),
                                        "--servername", "localhost"};
    EXPECT_EQ(sslpp(base).status, 0);
    EXPECT_EQ(srv.event()["peercert"], nullptr);
    std::vector<std::string> with_cert = base;
    with_cert.insert(with_cert.end(), {"--cert", path(pki().client.chain)});  // key in the same file
    const Outcome r = sslpp(with_cert);
    EXPECT_EQ(r.status, 0) << r.describe();
    EXPECT_EQ(srv.event()["peercert"], client_peercert());
    EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
  }
}

TEST(CliServe, SniPicksTheCertificateTheClientAsksFor) {
  const std::string sni = "wrong.example=" + path(pki().wrong_name.cert) + "," + path(pki().wrong_name.key);
  Serve srv(serve_args({"--sni", sni, "--exit-after", "3"}));
  const auto connect = [&](const std::string& name) {
    return sslpp({"connect", endpoint(srv.port), "--cafile", path(pki().ca_file), "--servername", name, "--json"});
  };
  const Outcome wrong = connect("wrong.example");
  ASSERT_EQ(wrong.status, 0) << wrong.describe();
  EXPECT_EQ(json_of(wrong)["peercert"], nlohmann::json::parse(python_decode(pki().wrong_name.cert)));
  EXPECT_EQ(srv.event()["servername"], "wrong.example");
  const Outcome local = connect("localhost");
  ASSERT_EQ(local.status, 0) << local.describe();
  EXPECT_EQ(json_of(local)["peercert"], nlohmann::json::parse(python_decode(pki().server.cert)));
  EXPECT_EQ(srv.event()["servername"], "localhost");
  // Python as the client, asking in upper case: DNS names ignore case.
  const std::string subject = python(
      "import ssl, socket, sys\n"
      "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
      "ctx.check_hostname = False\n"
      "ctx.load_verify_locations(sys.argv[2])\n"
      "with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10) as raw:\n"
      "    with ctx.wrap_socket(raw, server_hostname='WRONG.EXAMPLE') as s:\n"
      "        print(s.getpeercert()['subject'])\n",
      {std::to_string(srv.port), path(pki().ca_file)});
  EXPECT_EQ(subject, "((('commonName', 'wrong.example'),),)\n");
  EXPECT_EQ(srv.event()["servername"], "WRONG.EXAMPLE");
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// ===========================================================================
// Bad input and failures to start

TEST(CliServeInput, BadInputExits2BeforeListening) {
  const std::string missing = path(pki().dir / "missing.pem");
  const std::string enc = path(pki().encrypted_key);
  const std::vector<std::vector<std::string>> cases = {
      {"--cert", missing},
      {"--cert", path(pki().server.cert), "--key", missing},
      {"--cert", path(pki().server.cert), "--key", path(pki().client.key)},
      {"--cert", path(pki().server.cert), "--key", enc, "--password", "wrong"},
      {"--cafile", missing, "--verify", "optional"},
      {"--ciphers", "NO-SUCH-CIPHER"},
      {"--alpn", ","},
      {"--max-version", "TLSv1.4"},
      {"--sni", "example.com=" + missing + "," + missing},
  };
  for (const auto& args : cases) {
    std::vector<std::string> argv{"serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    const Outcome r = sslpp(argv, {}, 10s);
    EXPECT_EQ(r.status, 2) << args[1] << r.describe();
    EXPECT_TRUE(r.out.empty()) << r.describe();
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.describe();
  }
  // An encrypted key with its password is fine.
  Serve ok({"--cert", path(pki().server.cert), "--key", enc, "--password", pki().key_password, "--exit-after",
            "1"});
  const Outcome r = sslpp({"connect", endpoint(ok.port), "--cafile", path(pki().ca_file), "--servername", "localhost"});
  EXPECT_EQ(r.status, 0) << r.describe();
}

TEST(CliServeInput, PortInUseExits1) {
  Socket taken(AF_INET);
  taken.bind("127.0.0.1", 0);
  taken.listen();
  const Outcome r = sslpp({"serve", "--port", std::to_string(taken.getsockname().port)}, {}, 10s);
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("OSError")) << r.describe();
  EXPECT_TRUE(contains(r.err, "Address already in use")) << r.err;
}

}  // namespace
}  // namespace sslpp::cli_test
