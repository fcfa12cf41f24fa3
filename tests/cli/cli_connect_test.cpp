// sslpp connect and sslpp get-server-certificate against independent
// servers on 127.0.0.1 (openssl s_server, gnutls-serv, a python3 ssl
// server, and sslpp serve where the point is the client), and every failure
// mode: verification (compared with what Python's ssl reports for the same
// server), hostname, expiry, CRLs, versions, refused, timeout, unresolvable
// names, a peer that hangs up, and bad input.
#include <thread>

#include "cli/cli_support.hpp"

namespace sslpp::cli_test {
namespace {

using Clock = std::chrono::steady_clock;

// sha256_of_der is the SHA-256 of a PEM certificate's DER, by Python.
std::string sha256_of_der(const std::filesystem::path& pem) {
  std::string out = python("import ssl, sys, hashlib; print(hashlib.sha256(ssl.PEM_cert_to_DER_cert("
                           "open(sys.argv[1]).read())).hexdigest())",
                           {path(pem)});
  return out.substr(0, out.find('\n'));
}

// client_key_encrypted is pki().client's key encrypted with "secret".
std::filesystem::path client_key_encrypted() {
  const auto file = pki().dir / "cli-client-key-encrypted.pem";
  if (!std::filesystem::exists(file)) {
    test::write_text(file, pki().client.credential.key.pem("secret"));
  }
  return file;
}

std::vector<std::string> connect_args(std::uint16_t port, std::vector<std::string> extra) {
  std::vector<std::string> a{"connect", endpoint(port), "--cafile", path(pki().ca_file), "--servername", "localhost"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// ===========================================================================
// Interop: what the client reports, and what the server saw

class CliConnectOpenssl : public ::testing::TestWithParam<const char*> {};

// s_server forces the version, requires a client certificate and offers
// ALPN; sslpp connect presents the client certificate with an encrypted key.
TEST_P(CliConnectOpenssl, ServerJsonWithClientCertAlpnAndReply) {
  const std::string version = GetParam();
  OpenSSLServer srv({version == "TLSv1.2" ? "-tls1_2" : "-tls1_3", "-Verify", "1", "-CAfile", path(pki().ca_file),
                     "-alpn", "h2,http/1.1"});
  const Outcome r = sslpp(connect_args(srv.port, {"--cert", path(pki().client.cert), "--key",
                                                  path(client_key_encrypted()), "--password", "secret", "--alpn",
                                                  "http/1.1", "--send", "sslpp\n", "--json"}));
  ASSERT_EQ(r.status, 0) << r.describe() << srv.proc.describe();
  const nlohmann::json j = json_of(r);
  EXPECT_EQ(j["version"], version);
  ASSERT_TRUE(j["cipher"].is_array());
  EXPECT_EQ(j["cipher"][1], version);
  EXPECT_GE(j["cipher"][2].get<int>(), 128);
  EXPECT_EQ(j["alpn"], "http/1.1");
  EXPECT_EQ(j["server_hostname"], "localhost");
  EXPECT_EQ(j["session_reused"], false);
  EXPECT_EQ(j["peercert"], nlohmann::json::parse(python_decode(pki().server.cert)));
  EXPECT_EQ(j["peercert_sha256"], sha256_of_der(pki().server.cert));
  EXPECT_EQ(j["received"], "pplss\n");  // s_server -rev reverses each line
  EXPECT_EQ(j["end_of_stream"], "idle");  // s_server keeps the connection open
  EXPECT_EQ(j.size(), 9u) << j;
  EXPECT_TRUE(srv.proc.wait().has_value()) << srv.proc.describe();
  const std::string err = srv.proc.stderr_text();
  EXPECT_TRUE(contains(err, "Peer certificate: CN = client")) << err;
  EXPECT_TRUE(contains(err, "Protocol version: " + version)) << err;
  EXPECT_TRUE(contains(err, "Ciphersuite: " + j["cipher"][0].get<std::string>())) << err;
}

INSTANTIATE_TEST_SUITE_P(Cli, CliConnectOpenssl, ::testing::Values("TLSv1.2", "TLSv1.3"),
                         [](const auto& info) { return std::string(info.param) == "TLSv1.2" ? "Tls12" : "Tls13"; });

TEST(CliConnectGnutls, Tls12WithAlpnAndEcho) {
  GnutlsServer srv({"--alpn", "h2", "--alpn", "http/1.1"});
  const Outcome r = sslpp(connect_args(srv.port, {"--max-version", "TLSv1.2", "--alpn", "http/1.1", "--send",
                                                  "hello gnutls\n", "--json"}));
  ASSERT_EQ(r.status, 0) << r.describe();
  const nlohmann::json j = json_of(r);
  EXPECT_EQ(j["version"], "TLSv1.2");
  EXPECT_EQ(j["alpn"], "http/1.1");
  EXPECT_EQ(j["received"], "hello gnutls\n");
  const std::string out = srv.finish();
  EXPECT_TRUE(contains(out, "- Version: TLS1.2")) << out;
  EXPECT_TRUE(contains(out, "- Application protocol: http/1.1")) << out;
}

// A python3 ssl server that requires a client certificate, answers in upper
// case, prints what it negotiated as JSON, and closes cleanly (close_notify)
// or, with a fourth argument "abrupt", without close_notify.
constexpr const char* kPythonServer =
    "import ssl, socket, sys, json\n"
    "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "ctx.load_cert_chain(sys.argv[1], sys.argv[2])\n"
    "ctx.verify_mode = ssl.CERT_REQUIRED\n"
    "ctx.load_verify_locations(sys.argv[3])\n"
    "ctx.set_alpn_protocols(['h2'])\n"
    "srv = socket.create_server(('127.0.0.1', 0))\n"
    "srv.settimeout(10)\n"
    "print('port', srv.getsockname()[1], flush=True)\n"
    "conn, _ = srv.accept()\n"
    "conn.settimeout(10)\n"
    "s = ctx.wrap_socket(conn, server_side=True)\n"
    "s.sendall(s.recv(1024).upper())\n"
    "print(json.dumps({'version': s.version(), 'cipher': s.cipher(), 'alpn': s.selected_alpn_protocol(),\n"
    "                  'peer': s.getpeercert()['subject']}), flush=True)\n"
    "if sys.argv[4:] == ['abrupt']:\n"
    "    s.close()\n"
    "    sys.exit(0)\n"
    "try:\n"
    "    s.unwrap()\n"
    "except OSError:\n"
    "    pass\n";

TEST(CliConnectPython, ClientCertAlpnAndCleanClose) {
  Subprocess srv({SSLPP_PYTHON3, "-c", kPythonServer, path(pki().server.cert), path(pki().server.key),
                  path(pki().ca_file)});
  const auto line = srv.wait_for_line("port");
  ASSERT_TRUE(line) << srv.describe();
  const auto started = Clock::now();
  const Outcome r = sslpp(connect_args(port_after_colon(*line), {"--cert", path(pki().client.cert), "--key",
                                                                 path(pki().client.key), "--alpn", "h2",
                                                                 "--send", "quiet please", "--json"}));
  ASSERT_EQ(r.status, 0) << r.describe() << srv.describe();
  // The server's close_notify ends the read: no 2 s idle wait.
  EXPECT_LT(Clock::now() - started, 1900ms);
  const nlohmann::json ours = json_of(r);
  const auto theirs_line = srv.read_line();
  ASSERT_TRUE(theirs_line) << srv.describe();
  const nlohmann::json theirs = nlohmann::json::parse(*theirs_line);
  EXPECT_EQ(ours["received"], "QUIET PLEASE");
  EXPECT_EQ(ours["end_of_stream"], "close_notify");
  EXPECT_EQ(ours["version"], theirs["version"]);
  EXPECT_EQ(ours["cipher"], theirs["cipher"]);
  EXPECT_EQ(ours["alpn"], "h2");
  EXPECT_EQ(theirs["alpn"], "h2");
  EXPECT_EQ(theirs["peer"], nlohmann::json::parse(R"([[["commonName", "client"]]])"));
  EXPECT_EQ(srv.wait(), 0) << srv.describe();
}

// The reply ends with a TCP close and no close_notify: what arrived is shown,
// and marked as possibly truncated, in JSON and in text.
TEST(CliConnectPython, CloseWithoutCloseNotifyIsReportedAsTruncated) {
  for (const bool json : {true, false}) {
    Subprocess srv({SSLPP_PYTHON3, "-c", kPythonServer, path(pki().server.cert), path(pki().server.key),
                    path(pki().ca_file), "abrupt"});
    const auto line = srv.wait_for_line("port");
    ASSERT_TRUE(line) << srv.describe();
    std::vector<std::string> extra = {"--cert", path(pki().client.cert), "--key", path(pki().client.key),
                                      "--send", "cut short?"};
    if (json) {
      extra.emplace_back("--json");
    }
    const Outcome r = sslpp(connect_args(port_after_colon(*line), extra));
    ASSERT_EQ(r.status, 0) << r.describe() << srv.describe();
    if (json) {
      const nlohmann::json ours = json_of(r);
      EXPECT_EQ(ours["received"], "CUT SHORT?");
      EXPECT_EQ(ours["end_of_stream"], "truncated");
    } else {
      EXPECT_NE(r.out.find("TCP closed without close_notify: the reply may be truncated"), std::string::npos)
          << r.describe();
    }
    EXPECT_EQ(srv.wait(), 0) << srv.describe();
  }
}

TEST(CliConnect, TextOutputSaysTheSameFacts) {
  Serve srv(serve_args({"--exit-after", "1", "--alpn", "h2"}));
  const Outcome r = sslpp(connect_args(srv.port, {"--alpn", "h2", "--send", "ping"}));
  ASSERT_EQ(r.status, 0) << r.describe();
  for (const char* expected : {"connected to 127.0.0.1:", "version:         TLSv1.3", "alpn:            h2",
                               "server hostname: localhost", "session reused:  no", "subject:        commonName=localhost",
                               "issuer:         commonName=sslpp test CA", "received:        4 bytes: \"ping\""}) {
    EXPECT_TRUE(contains(r.out, expected)) << expected << "\n" << r.out;
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

TEST(CliConnect, Ipv6AddressInBrackets) {
  Serve srv(serve_args({"--host", "::1", "--exit-after", "1"}));
  EXPECT_TRUE(srv.first_line.starts_with("listening on [::1]:")) << srv.first_line;
  // No --servername: the address itself is verified against the IP SAN.
  const Outcome r = sslpp({"connect", "[::1]:" + std::to_string(srv.port), "--cafile", path(pki().ca_file), "--json"});
  ASSERT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(json_of(r)["server_hostname"], "::1");
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

TEST(CliConnect, KeylogFileGetsNssLines) {
  Serve srv(serve_args({"--exit-after", "1"}));
  const auto keylog = pki().dir / "cli-keylog.txt";
  const Outcome r = sslpp(connect_args(srv.port, {"--keylog", path(keylog)}));
  ASSERT_EQ(r.status, 0) << r.describe();
  const Outcome text = run_program({"/bin/cat", path(keylog)});
  EXPECT_TRUE(contains(text.out, "CLIENT_HANDSHAKE_TRAFFIC_SECRET ")) << text.out;
  EXPECT_TRUE(contains(text.out, "CLIENT_TRAFFIC_SECRET_0 ")) << text.out;
}

TEST(CliConnect, VersionBoundsAndCiphers) {
  {
    OpenSSLServer srv({"-tls1_2"});
    const Outcome r = sslpp(connect_args(srv.port, {"--min-version", "TLSv1.3", "--json"}));
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(r.one_error_line("SSLError")) << r.describe();
    EXPECT_EQ(json_of(r)["error"]["library"], "SSL") << r.out;
  }
  {
    OpenSSLServer srv({});
    const Outcome r = sslpp(connect_args(srv.port, {"--max-version", "TLSv1.2", "--ciphers",
                                                    "ECDHE-ECDSA-AES128-GCM-SHA256", "--json"}));
    ASSERT_EQ(r.status, 0) << r.describe();
    const nlohmann::json j = json_of(r);
    EXPECT_EQ(j["version"], "TLSv1.2");
    EXPECT_EQ(j["cipher"][0], "ECDHE-ECDSA-AES128-GCM-SHA256");
    EXPECT_EQ(j["cipher"][2], 128);
  }
}

// ===========================================================================
// Verification failures

// python_verify_failure is what Python's ssl says when it connects to
// 127.0.0.1:port as `server_hostname` with create_default_context(cafile).
nlohmann::json python_verify_failure(std::uint16_t port, const std::string& server_hostname,
                                     const std::string& cafile) {
  const std::string out = python(
      "import ssl, socket, sys, json\n"
      "ctx = ssl.create_default_context(cafile=sys.argv[3] or None)\n"
      "try:\n"
      "    with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10) as raw:\n"
      "        ctx.wrap_socket(raw, server_hostname=sys.argv[2])\n"
      "    print(json.dumps({'class': 'none'}))\n"
      "except ssl.SSLCertVerificationError as e:\n"
      "    print(json.dumps({'class': type(e).__name__, 'library': e.library, 'reason': e.reason,\n"
      "                      'verify_code': e.verify_code, 'verify_message': e.verify_message}))\n",
      {std::to_string(port), server_hostname, cafile});
  return nlohmann::json::parse(out);
}

struct VerifyCase {
  const char* name;
  const test::CredentialFiles* server;
  std::string cafile;  // empty: the system's default store
  long verify_code;
};

TEST(CliConnectVerify, FailuresMatchPythonAndEndWithVerifyCode) {
  const std::vector<VerifyCase> cases = {
      {"untrusted, system store", &pki().untrusted, "", 20},
      {"untrusted, test CA", &pki().untrusted, path(pki().ca_file), 20},
      {"expired", &pki().expired, path(pki().ca_file), 10},
      {"not yet valid", &pki().not_yet_valid, path(pki().ca_file), 9},
      {"hostname mismatch", &pki().wrong_name, path(pki().ca_file), 62},
  };
  for (const VerifyCase& c : cases) {
    Serve srv({"--cert", path(c.server->cert), "--key", path(c.server->key), "--exit-after", "3"});
    const nlohmann::json expected = python_verify_failure(srv.port, "localhost", c.cafile);
    std::vector<std::string> args{"connect", endpoint(srv.port), "--servername", "localhost"};
    if (!c.cafile.empty()) {
      args.insert(args.end(), {"--cafile", c.cafile});
    }
    const Outcome text = sslpp(args);
    EXPECT_EQ(text.status, 1) << c.name << text.describe();
    EXPECT_TRUE(text.one_error_line("SSLCertVerificationError")) << c.name << text.describe();
    EXPECT_TRUE(text.err.ends_with("(verify_code=" + std::to_string(c.verify_code) + ")\n")) << c.name << text.err;
    args.push_back("--json");
    const Outcome json = sslpp(args);
    EXPECT_EQ(json.status, 1) << c.name << json.describe();
    const nlohmann::json e = json_of(json)["error"];
    EXPECT_EQ(e["class"], expected["class"]) << c.name << json.out;
    EXPECT_EQ(e["library"], expected["library"]) << c.name << json.out;
    EXPECT_EQ(e["reason"], expected["reason"]) << c.name << json.out;
    EXPECT_EQ(e["verify_code"], expected["verify_code"]) << c.name << json.out;
    EXPECT_EQ(e["verify_code"], c.verify_code) << c.name << json.out;
    EXPECT_EQ(e["verify_message"], expected["verify_message"]) << c.name << json.out;
    EXPECT_TRUE(contains(e["message"].get<std::string>(), "CERTIFICATE_VERIFY_FAILED")) << json.out;
    EXPECT_EQ(json.err, text.err) << c.name;
  }
}

TEST(CliConnectVerify, HostnameChecksCanBeTurnedOff) {
  Serve srv({"--cert", path(pki().wrong_name.cert), "--key", path(pki().wrong_name.key), "--exit-after", "2"});
  const Outcome no_check = sslpp(connect_args(srv.port, {"--no-check-hostname", "--json"}));
  ASSERT_EQ(no_check.status, 0) << no_check.describe();
  EXPECT_EQ(json_of(no_check)["peercert"], nlohmann::json::parse(python_decode(pki().wrong_name.cert)));
  // --verify none: nothing is verified, so Python's getpeercert() is {},
  // while the DER (and its hash) is still there.
  const Outcome none = sslpp({"connect", endpoint(srv.port), "--verify", "none", "--json"});
  ASSERT_EQ(none.status, 0) << none.describe();
  const nlohmann::json j = json_of(none);
  EXPECT_EQ(j["peercert"], nlohmann::json::object());
  EXPECT_EQ(j["peercert_sha256"], sha256_of_der(pki().wrong_name.cert));
  EXPECT_EQ(j["received"], nullptr);
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

TEST(CliConnectVerify, CrlRevokedMissingAndClean) {
  const auto revoked = pki().dir / "cli-crl-revoked.pem";
  const auto clean = pki().dir / "cli-crl-clean.pem";
  test::write_text(revoked, pki().ca.crl_pem({pki().server.credential.certificate}));
  test::write_text(clean, pki().ca.crl_pem({}));
  Serve srv(serve_args({"--exit-after", "4"}));
  const Outcome r = sslpp(connect_args(srv.port, {"--crlfile", path(revoked)}));
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("SSLCertVerificationError")) << r.describe();
  EXPECT_TRUE(r.err.ends_with("(verify_code=23)\n")) << r.err;  // X509_V_ERR_CERT_REVOKED
  const Outcome missing = sslpp(connect_args(srv.port, {"--crl-check", "leaf"}));
  EXPECT_EQ(missing.status, 1) << missing.describe();
  EXPECT_TRUE(missing.err.ends_with("(verify_code=3)\n")) << missing.err;  // unable to get CRL
  const Outcome chain = sslpp(connect_args(srv.port, {"--crlfile", path(revoked), "--crl-check", "chain"}));
  EXPECT_EQ(chain.status, 1) << chain.describe();
  EXPECT_TRUE(chain.err.ends_with("(verify_code=23)\n")) << chain.err;
  const Outcome ok = sslpp(connect_args(srv.port, {"--crlfile", path(clean), "--crl-check", "chain"}));
  EXPECT_EQ(ok.status, 0) << ok.describe();
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// ===========================================================================
// Failures below TLS: exit 1 with their own class, never a hang

TEST(CliConnectNetwork, RefusedPort) {
  const std::uint16_t port = free_port();
  const Outcome r = sslpp({"connect", endpoint(port), "--json"});
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("ConnectionRefusedError")) << r.describe();
  const nlohmann::json e = json_of(r)["error"];
  EXPECT_EQ(e["class"], "ConnectionRefusedError");
  EXPECT_EQ(e["library"], nullptr);
  EXPECT_EQ(e["verify_code"], nullptr);
}

TEST(CliConnectNetwork, SilentServerTimesOutWithinTimeout) {
  // A listener that never accepts: the kernel completes the TCP handshake,
  // then nobody answers the ClientHello.
  Socket listener(AF_INET);
  listener.bind("127.0.0.1", 0);
  listener.listen();
  const auto started = Clock::now();
  const Outcome r = sslpp({"connect", endpoint(listener.getsockname().port), "--timeout", "1"});
  const auto elapsed = Clock::now() - started;
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("TimeoutError")) << r.describe();
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 4s);
}

TEST(CliConnectNetwork, PeerHangsUpDuringHandshake) {
  Socket listener(AF_INET);
  listener.bind("127.0.0.1", 0);
  listener.listen();
  listener.settimeout(10s);
  std::thread peer([&] {
    auto [conn, addr] = listener.accept();
    std::array<std::byte, 4096> hello{};
    static_cast<void>(conn.recv(hello));  // take the ClientHello, so the close is a FIN, not a reset
    conn.close();
  });
  const Outcome r = sslpp({"connect", endpoint(listener.getsockname().port), "--timeout", "5"});
  peer.join();
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("SSLEOFError")) << r.describe();
}

TEST(CliConnectNetwork, NameThatDoesNotResolve) {
  const Outcome r = sslpp({"connect", "name-that-does-not-exist.invalid:443", "--timeout", "2"});
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("gaierror")) << r.describe();
}

// ===========================================================================
// Bad input: exit 2 before any connection is made

TEST(CliConnectInput, MissingAndUnreadableFilesExit2) {
  // Port 1 would refuse: exit 2 (not 1) shows the input is checked first.
  const std::string missing = path(pki().dir / "missing.pem");
  struct Case {
    std::vector<std::string> extra;
    const char* error_class;
  };
  for (const Case& c : std::vector<Case>{
           {{"--cafile", missing}, "OSError"},
           {{"--capath", missing, "--cafile", path(pki().server.key)}, "SSLError"},
           {{"--cert", missing}, "OSError"},
           {{"--cert", path(pki().client.cert), "--key", missing}, "OSError"},
           {{"--cert", path(pki().client.cert), "--key", path(client_key_encrypted()), "--password", "wrong"},
            "SSLError"},
           {{"--cert", path(pki().client.cert), "--key", path(pki().server.key)}, "SSLError"},
           {{"--crlfile", missing}, "OSError"},
           {{"--crlfile", path(pki().ca_file)}, "SSLError"},
           {{"--keylog", path(pki().dir / "no-such-dir" / "keys.txt")}, "OSError"},
           {{"--ciphers", "NO-SUCH-CIPHER"}, "SSLError"},
       }) {
    std::vector<std::string> args{"connect", "127.0.0.1:1"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    const Outcome r = sslpp(args);
    EXPECT_EQ(r.status, 2) << c.extra[0] << " " << c.extra[1] << r.describe();
    EXPECT_TRUE(r.one_error_line(c.error_class)) << c.extra[1] << r.describe();
  }
  const Outcome json = sslpp({"connect", "127.0.0.1:1", "--cafile", missing, "--json"});
  EXPECT_EQ(json_of(json)["error"]["class"], "OSError") << json.describe();
}

// ===========================================================================
// get-server-certificate

TEST(CliGetServerCertificate, PrintsWhatPythonPrints) {
  Serve srv(serve_args({"--exit-after", "5"}));
  const std::string expected = python("import ssl, sys; sys.stdout.write(ssl.get_server_certificate(('127.0.0.1', "
                                      "int(sys.argv[1]))))",
                                      {std::to_string(srv.port)});
  EXPECT_EQ(expected, pki().server.credential.certificate.pem());
  const Outcome r = sslpp({"get-server-certificate", endpoint(srv.port)});
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, expected);
  const Outcome verified = sslpp({"get-server-certificate", endpoint(srv.port), "--cafile", path(pki().ca_file),
                                  "--timeout", "5"});
  EXPECT_EQ(verified.status, 0) << verified.describe();
  EXPECT_EQ(verified.out, expected);
  // Against the wrong CA: verification fails, as in Python.
  const auto other = pki().dir / "cli-other-ca.pem";
  test::write_text(other, pki().other_ca.certificate().pem());
  const Outcome refused = sslpp({"get-server-certificate", endpoint(srv.port), "--cafile", path(other)});
  EXPECT_EQ(refused.status, 1) << refused.describe();
  EXPECT_TRUE(refused.one_error_line("SSLCertVerificationError")) << refused.describe();
  EXPECT_TRUE(refused.err.ends_with("(verify_code=20)\n")) << refused.err;
}

TEST(CliGetServerCertificate, Failures) {
  const Outcome missing = sslpp({"get-server-certificate", "127.0.0.1:1", "--cafile", path(pki().dir / "nope.pem")});
  EXPECT_EQ(missing.status, 2) << missing.describe();
  EXPECT_TRUE(missing.one_error_line("OSError")) << missing.describe();
  const Outcome refused = sslpp({"get-server-certificate", endpoint(free_port())});
  EXPECT_EQ(refused.status, 1) << refused.describe();
  EXPECT_TRUE(refused.one_error_line("ConnectionRefusedError")) << refused.describe();
  Socket listener(AF_INET);
  listener.bind("127.0.0.1", 0);
  listener.listen();
  const auto started = Clock::now();
  const Outcome silent = sslpp({"get-server-certificate", endpoint(listener.getsockname().port), "--timeout", "1"});
  EXPECT_EQ(silent.status, 1) << silent.describe();
  EXPECT_TRUE(silent.one_error_line("TimeoutError")) << silent.describe();
  EXPECT_LT(Clock::now() - started, 4s);
}

}  // namespace
}  // namespace sslpp::cli_test
