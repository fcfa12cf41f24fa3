// sslpp connect's s_client-like options: --showcerts, --trace, --status,
// --sess-out / --sess-in, -i (interactive, stdin from a pipe), -4 / -6, how
// the server's stream ended (close_notify or a bare TCP close), and every
// new option's bad value as a usage error before any connection.
#include "cli/cli_support.hpp"
#include "support/ocsp_responder.hpp"

namespace sslpp::cli_test {
namespace {

using test::CredentialFiles;

std::vector<std::string> connect_args(std::uint16_t port, std::vector<std::string> extra) {
  std::vector<std::string> a{"connect", endpoint(port), "--cafile", path(pki().ca_file), "--servername", "localhost"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

std::string read_file(const std::filesystem::path& file) { return run_program({"/bin/cat", path(file)}).out; }

// python_tls_server starts Python's ssl as a one-connection server on
// 127.0.0.1 (it prints "port N"), accepts, completes the handshake as `s`,
// then runs `body`.
Subprocess python_tls_server(const std::string& body) {
  return Subprocess({SSLPP_PYTHON3, "-c",
                     "import socket, ssl, sys\n"
                     "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[1], sys.argv[2])\n"
                     "srv = socket.create_server(('127.0.0.1', 0)); srv.settimeout(20)\n"
                     "print('port', srv.getsockname()[1], flush=True)\n"
                     "conn, _ = srv.accept(); conn.settimeout(20)\n"
                     "s = ctx.wrap_socket(conn, server_side=True)\n" +
                         body,
                     path(pki().server.cert), path(pki().server.key)});
}

// ===========================================================================
// --showcerts

TEST(CliConnectShowcerts, EveryCertificateTheServerSentReadableAndPem) {
  const auto chain = pki().dir / "cli-showcerts-chain.pem";
  test::write_text(chain, read_file(pki().server.cert) + read_file(pki().ca_file));
  for (const bool json : {true, false}) {
    Serve srv({"--cert", path(chain), "--key", path(pki().server.key), "--exit-after", "1"});
    std::vector<std::string> extra{"--showcerts"};
    if (json) {
      extra.emplace_back("--json");
    }
    const Outcome r = sslpp(connect_args(srv.port, extra));
    ASSERT_EQ(r.status, 0) << r.describe();
    if (json) {
      const nlohmann::json j = json_of(r);
      ASSERT_EQ(j["peer_chain"].size(), 2U) << r.out;
      EXPECT_EQ(j["peer_chain"][0]["decoded"]["subject"], nlohmann::json::parse(R"([[["commonName", "localhost"]]])"));
      EXPECT_EQ(j["peer_chain"][1]["decoded"]["subject"],
                nlohmann::json::parse(R"([[["commonName", "sslpp test CA"]]])"));
      EXPECT_EQ(j["peer_chain"][0]["sha256"], j["peercert_sha256"]);
      EXPECT_EQ(j["peer_chain"][0]["pem"], pki().server.credential.certificate.pem());
      EXPECT_EQ(j["peer_chain"][1]["pem"], read_file(pki().ca_file));
    } else {
      for (const char* expected : {"peer chain:      2 certificates", "  [0]\n    subject:        commonName=localhost",
                                   "  [1]\n    subject:        commonName=sslpp test CA", "    sha256:         ",
                                   "-----BEGIN CERTIFICATE-----"}) {
        EXPECT_TRUE(contains(r.out, expected)) << expected << "\n" << r.out;
      }
    }
    EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
  }
}

// --showcerts shows certificates nobody verified: their names may hold
// bytes a terminal obeys, which the text report escapes.
TEST(CliConnectShowcerts, ControlBytesInNamesAreEscaped) {
  const CredentialFiles evil = test::write_credential(
      pki().dir, "cli-evil-name",
      pki().other_ca.issue({.common_name = "evil\x1b]0;title\x07", .dns_names = {"localhost"}}));
  Serve srv({"--cert", path(evil.cert), "--key", path(evil.key), "--exit-after", "1"});
  const Outcome r = sslpp(connect_args(srv.port, {"--showcerts", "--verify", "none"}));
  ASSERT_EQ(r.status, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "    subject:        commonName=evil\\x1b]0;title\\x07\n")) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

TEST(CliConnectShowcerts, WithoutTheOptionTheJsonHasNoChain) {
  Serve srv(serve_args({"--exit-after", "1"}));
  const Outcome r = sslpp(connect_args(srv.port, {"--json"}));
  ASSERT_EQ(r.status, 0) << r.describe();
  EXPECT_FALSE(json_of(r).contains("peer_chain")) << r.out;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// ===========================================================================
// --trace

TEST(CliConnectTrace, HandshakeMessagesGoToStderrAndJsonStaysOneObject) {
  Serve srv(serve_args({"--exit-after", "1"}));
  const Outcome r = sslpp(connect_args(srv.port, {"--trace", "--json"}));
  ASSERT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(json_of(r)["version"], "TLSv1.3");
  for (const char* expected :
       {">>> TLS 1.3 Handshake ClientHello (", "<<< TLS 1.3 Handshake ServerHello (",
        "<<< TLS 1.3 Handshake EncryptedExtensions (", "<<< TLS 1.3 Handshake Certificate (",
        "<<< TLS 1.3 Handshake CertificateVerify (", "<<< TLS 1.3 Handshake Finished (",
        ">>> TLS 1.3 Handshake Finished (", ">>> TLS 1.3 Alert warning close notify"}) {
    EXPECT_TRUE(contains(r.err, expected)) << expected << "\n" << r.err;
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

TEST(CliConnectTrace, TheAlertOfAFailedVerificationIsTraced) {
  Serve srv({"--cert", path(pki().untrusted.cert), "--key", path(pki().untrusted.key), "--exit-after", "1"});
  const Outcome r = sslpp(connect_args(srv.port, {"--trace"}));
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, ">>> TLS 1.3 Alert fatal unknown CA\n")) << r.err;
  // The report is still the last line.
  EXPECT_TRUE(contains(r.err, "\nSSLCertVerificationError: ")) << r.err;
  srv.proc.wait();
}

// ===========================================================================
// --status

struct StatusServer {
  explicit StatusServer(const std::vector<std::string>& extra)
      : proc([&] {
          std::vector<std::string> a{SSLPP_OPENSSL, "s_server", "-accept", "127.0.0.1:0", "-naccept", "1",
                                     "-cert", path(files.write("leaf.pem", test::ocsp_pki().leaf.cert.pem())),
                                     "-key", path(files.write("leaf-key.pem", test::ocsp_pki().leaf.key.pem()))};
          a.insert(a.end(), extra.begin(), extra.end());
          return a;
        }()) {
    const auto line = proc.wait_for_line("ACCEPT");
    if (!line) {
      throw std::runtime_error("s_server did not start: " + proc.describe());
    }
    port = port_after_colon(*line);
  }
  static test::OcspResponder& responder() {
    static test::OcspResponder r;
    return r;
  }
  test::OcspResponder& files = responder();
  Subprocess proc;
  std::uint16_t port = 0;
};

std::vector<std::string> status_args(std::uint16_t port, std::vector<std::string> extra) {
  const auto root = StatusServer::responder().write("root.pem", test::ocsp_pki().root.cert.pem());
  std::vector<std::string> a{"connect", endpoint(port), "--cafile", path(root), "--servername", "localhost", "--status"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

TEST(CliConnectStatus, ShowsTheStapledResponse) {
  auto& responder = StatusServer::responder();
  const auto staple =
      responder.write("revoked.der", responder.respond({.cert = &test::ocsp_pki().leaf, .status = test::OcspStatus::revoked}));
  for (const bool json : {true, false}) {
    StatusServer srv({"-status_file", path(staple)});
    std::vector<std::string> extra;
    if (json) {
      extra.emplace_back("--json");
    }
    const Outcome r = sslpp(status_args(srv.port, extra));
    // Shown, not checked: a revoked staple does not fail the connection.
    ASSERT_EQ(r.status, 0) << r.describe() << srv.proc.describe();
    const std::string serial = test::ocsp_pki().leaf.cert.serial_number();
    if (json) {
      const nlohmann::json ocsp = json_of(r)["ocsp"];
      EXPECT_EQ(ocsp["response_status"], "successful") << r.out;
      ASSERT_EQ(ocsp["certificates"].size(), 1U) << r.out;
      EXPECT_EQ(ocsp["certificates"][0]["status"], "revoked");
      EXPECT_EQ(ocsp["certificates"][0]["serial_number"], serial);
      EXPECT_TRUE(ocsp["certificates"][0]["next_update"].is_string());
    } else {
      for (const std::string& expected : std::vector<std::string>{"OCSP response:   successful, produced ",
                                                                   "  serial " + serial + ": revoked since ",
                                                                   "    this update:  ", "    next update:  "}) {
        EXPECT_TRUE(contains(r.out, expected)) << expected << "\n" << r.out;
      }
    }
    srv.proc.kill(SIGTERM);
  }
}

TEST(CliConnectStatus, NoStapleIsSaid) {
  StatusServer srv({});
  const Outcome r = sslpp(status_args(srv.port, {}));
  ASSERT_EQ(r.status, 0) << r.describe() << srv.proc.describe();
  EXPECT_TRUE(contains(r.out, "OCSP response:   none (the server stapled no OCSP response)")) << r.out;
  srv.proc.kill(SIGTERM);
}

// ===========================================================================
// --sess-out / --sess-in

class CliConnectSessions : public ::testing::TestWithParam<const char*> {};

TEST_P(CliConnectSessions, SecondRunResumesTheSavedSession) {
  Serve srv(serve_args({"--exit-after", "2", "--max-version", GetParam()}));
  const auto file = pki().dir / (std::string("cli-session-") + GetParam() + ".pem");
  std::filesystem::remove(file);
  const Outcome first = sslpp(connect_args(srv.port, {"--sess-out", path(file), "--json"}));
  ASSERT_EQ(first.status, 0) << first.describe();
  EXPECT_FALSE(json_of(first)["session_reused"].get<bool>());
  EXPECT_TRUE(read_file(file).starts_with("-----BEGIN SSL SESSION PARAMETERS-----\n"));
  // It holds the session's secret: only its owner may read it.
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const Outcome second = sslpp(connect_args(srv.port, {"--sess-in", path(file)}));
  ASSERT_EQ(second.status, 0) << second.describe();
  EXPECT_TRUE(contains(second.out, "session reused:  yes")) << second.out;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

INSTANTIATE_TEST_SUITE_P(Cli, CliConnectSessions, ::testing::Values("TLSv1.2", "TLSv1.3"),
                         [](const auto& info) { return std::string(info.param).replace(5, 1, "_"); });

// A session saved by a run that did not verify (--verify none) must not
// resume into a run that does: OpenSSL does not verify a resumed session.
TEST(CliConnectSessionChecks, AnUnverifiedSessionDoesNotPassVerification) {
  Serve srv({"--cert", path(pki().untrusted.cert), "--key", path(pki().untrusted.key), "--exit-after", "2"});
  const auto file = pki().dir / "cli-session-unverified.pem";
  const Outcome first = sslpp(connect_args(srv.port, {"--verify", "none", "--sess-out", path(file)}));
  ASSERT_EQ(first.status, 0) << first.describe();
  const Outcome second = sslpp(connect_args(srv.port, {"--sess-in", path(file)}));
  EXPECT_EQ(second.status, 1) << second.describe();
  EXPECT_TRUE(second.one_error_line("SSLCertVerificationError")) << second.describe();
  EXPECT_TRUE(contains(second.err, "unable to get local issuer certificate (resumed session)")) << second.err;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

TEST(CliConnectSessionChecks, ASessionForAnotherNameIsBadInput) {
  Serve srv(serve_args({"--exit-after", "1"}));
  const auto file = pki().dir / "cli-session-localhost.pem";
  const Outcome first = sslpp(connect_args(srv.port, {"--sess-out", path(file)}));
  ASSERT_EQ(first.status, 0) << first.describe();
  const Outcome other = sslpp({"connect", endpoint(srv.port), "--servername", "other.example", "--sess-in", path(file)});
  EXPECT_EQ(other.status, 2) << other.describe();
  EXPECT_TRUE(other.one_error_line("ValueError")) << other.describe();
  EXPECT_TRUE(contains(other.err, "was made for 'localhost', not 'other.example'")) << other.err;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// ===========================================================================
// -i: stdin to the server, the server to stdout

TEST(CliConnectInteractive, PipedInputIsEchoedAndTheCleanCloseIsReported) {
  for (const bool json : {false, true}) {
    Serve srv(serve_args({"--exit-after", "1"}));
    std::vector<std::string> extra{"-i"};
    if (json) {
      extra.emplace_back("--json");
    }
    const Outcome r = sslpp(connect_args(srv.port, extra), "ping\npong\n");
    ASSERT_EQ(r.status, 0) << r.describe();
    // stdout is the server's bytes and nothing else; the report is on stderr.
    EXPECT_EQ(r.out, "ping\npong\n");
    if (json) {
      const nlohmann::json j = nlohmann::json::parse(r.err);
      EXPECT_EQ(j["end_of_stream"], "close_notify") << r.err;
      EXPECT_EQ(j["version"], "TLSv1.3");
    } else {
      EXPECT_TRUE(contains(r.err, "version:         TLSv1.3")) << r.err;
      EXPECT_TRUE(r.err.ends_with("end of stream:   close_notify\n")) << r.err;
    }
    EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
  }
}

// With stdin closed by the caller, the socket must not become descriptor 0
// and be read as the user's input: stdin reads as empty (/dev/null).
TEST(CliConnectInteractive, ClosedStdinIsEmptyNotTheSocket) {
  Serve srv(serve_args({"--exit-after", "1"}));
  std::string command = "exec \"$0\"";
  for (const std::string& arg : connect_args(srv.port, {"-i", "--json"})) {
    command += " '" + arg + "'";
  }
  const Outcome r = run_program({"/bin/sh", "-c", command + " <&-", SSLPP_CLI});
  ASSERT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(nlohmann::json::parse(r.err)["end_of_stream"], "close_notify") << r.err;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// The server answers, then closes TCP without close_notify: what came is
// shown, and the report says it may be cut short.
TEST(CliConnectInteractive, ABareTcpCloseIsReportedAsTruncated) {
  Subprocess srv = python_tls_server(
      "s.sendall(s.recv(1024).upper())\n"
      "raw = socket.socket(fileno=s.detach())\n"
      "raw.settimeout(20)\n"
      "raw.shutdown(socket.SHUT_WR)\n"
      "while raw.recv(4096):\n"
      "    pass\n");
  const auto line = srv.wait_for_line("port");
  ASSERT_TRUE(line) << srv.describe();
  const Outcome r = sslpp(connect_args(port_after_colon(*line), {"-i", "--json"}), "cut short?\n");
  ASSERT_EQ(r.status, 0) << r.describe() << srv.describe();
  EXPECT_EQ(r.out, "CUT SHORT?\n");
  EXPECT_EQ(nlohmann::json::parse(r.err)["end_of_stream"], "truncated") << r.err;
  EXPECT_EQ(srv.wait(), 0) << srv.describe();
}

// On a terminal (script(1) gives connect one), the server's control bytes
// are shown escaped, a C1 control split across two records (two reads)
// included, while a character split the same way ("é") is shown whole.
TEST(CliConnectInteractive, ControlBytesAreEscapedOnATerminal) {
  Subprocess srv = python_tls_server(
      "s.sendall(b'caf\\xc3')\n"
      "s.sendall(b'\\xa9 \\x1b[31mred\\x07 \\xc2')\n"
      "s.sendall(b'\\x9b2J end\\n')\n"
      "s.unwrap()\n");
  const auto line = srv.wait_for_line("port");
  ASSERT_TRUE(line) << srv.describe();
  const std::string command = std::string(SSLPP_CLI) + " connect " + endpoint(port_after_colon(*line)) +
                              " --cafile " + path(pki().ca_file) + " --servername localhost -i 2>/dev/null";
  const Outcome r = run_program({"/usr/bin/script", "-q", "-c", command, "/dev/null"});
  EXPECT_TRUE(contains(r.out, "caf\xc3\xa9 \\x1b[31mred\\x07 \\xc2\\x9b2J end")) << r.describe();
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.describe();
  EXPECT_EQ(r.out.find('\x07'), std::string::npos) << r.describe();
  EXPECT_EQ(srv.wait(), 0) << srv.describe();
}

// ===========================================================================
// -4 / -6

TEST(CliConnectFamily, SixReachesIpv6LoopbackAndRefusesAnIpv4Address) {
  Serve srv(serve_args({"--host", "::1", "--exit-after", "1"}));
  const std::string v6 = "[::1]:" + std::to_string(srv.port);
  const Outcome four = sslpp({"connect", v6, "-4", "--cafile", path(pki().ca_file)});
  EXPECT_EQ(four.status, 1) << four.describe();
  EXPECT_TRUE(four.one_error_line("gaierror")) << four.describe();
  const Outcome six = sslpp({"connect", v6, "-6", "--cafile", path(pki().ca_file), "--json"});
  ASSERT_EQ(six.status, 0) << six.describe();
  EXPECT_EQ(json_of(six)["server_hostname"], "::1");
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
  const Outcome v4_as_6 = sslpp({"connect", endpoint(free_port()), "-6"});
  EXPECT_EQ(v4_as_6.status, 1) << v4_as_6.describe();
  EXPECT_TRUE(v4_as_6.one_error_line("gaierror")) << v4_as_6.describe();
}

// ===========================================================================
// Bad values: exit 2, one line, before any connection (nothing listens at
// the port, so an attempt to connect would exit 1).

TEST(CliConnectMoreInput, EveryNewOptionsBadValueIsAUsageErrorFirst) {
  const auto garbage = pki().dir / "cli-session-garbage.pem";
  test::write_text(garbage, "not a session\n");
  const std::string target = endpoint(free_port());
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"-4", "-6"}, "UsageError: -4 and -6 exclude each other"},
      {{"-i", "--send", "x"}, "UsageError: -i and --send exclude each other"},
      {{"--showcerts=yes"}, "UsageError: option --showcerts takes no value"},
      {{"--trace=1"}, "UsageError: option --trace takes no value"},
      {{"--status", "--status"}, "UsageError: option --status given twice"},
      {{"--starttls"}, "UsageError: option --starttls needs a value (PROTOCOL)"},
      {{"--starttls", "SMTP"}, "ValueError: --starttls: 'SMTP' is not one of"},
      {{"--sess-in", path(pki().dir / "no-such-session.pem")}, "OSError: [Errno 2] No such file or directory"},
      {{"--sess-in", path(garbage)}, "SSLError: not a PEM TLS session"},
      {{"--sess-out", "/no-such-directory/session.pem"}, "OSError: [Errno 2] No such file or directory"},
      {{"--sess-out", path(pki().dir)}, "OSError: [Errno 21] Is a directory"},
      {{"--sess-out", "-"}, "UsageError: --sess-out needs a file: stdout carries the report"},
      {{"-x"}, "UsageError: unknown option -x"},
  };
  for (const auto& [extra, expected] : cases) {
    std::vector<std::string> argv{"connect", target};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const Outcome r = sslpp(argv);
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(r.err.starts_with(expected)) << expected << "\n" << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  }
}

TEST(CliConnectMoreInput, HelpListsEveryOption) {
  const Outcome r = sslpp({"connect", "--help"});
  ASSERT_EQ(r.status, 0) << r.describe();
  for (const char* option : {"  -i ", "  --starttls PROTOCOL ", "  --showcerts ", "  --status ", "  --trace ",
                             "  --sess-out FILE ", "  --sess-in FILE ", "  -4 ", "  -6 "}) {
    EXPECT_TRUE(contains(r.out, option)) << option << "\n" << r.out;
  }
}

}  // namespace
}  // namespace sslpp::cli_test
