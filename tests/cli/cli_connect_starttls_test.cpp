// sslpp connect --starttls against fake servers (tests/data/starttls/
// fake_server.py, python3): the upgrade dance of each protocol, then TLS;
// a server that refuses the upgrade, or speaks another protocol, ends the
// command with exit 1 and one line naming the protocol and the step.
#include <map>

#include "cli/cli_support.hpp"

namespace sslpp::cli_test {
namespace {

const char* const kFakeServer = SSLPP_SOURCE_DIR "/tests/data/starttls/fake_server.py";

// FakeServer runs fake_server.py for one connection.
struct FakeServer {
  FakeServer(const std::string& protocol, const std::string& scenario)
      : proc({SSLPP_PYTHON3, kFakeServer, protocol, scenario, path(pki().server.cert), path(pki().server.key)}) {
    const auto line = proc.wait_for_line("port");
    if (!line) {
      throw std::runtime_error("fake_server.py did not start: " + proc.describe());
    }
    port = port_after_colon(*line);
  }
  // report is the server's last line: what it saw, and whether TLS happened.
  nlohmann::json report() {
    const auto line = proc.wait_for_line("\"saw\"");
    if (!line) {
      throw std::runtime_error("no report from fake_server.py: " + proc.describe());
    }
    return nlohmann::json::parse(*line);
  }
  Subprocess proc;
  std::uint16_t port = 0;
};

Outcome connect_starttls(std::uint16_t port, const std::string& protocol, std::vector<std::string> extra = {}) {
  std::vector<std::string> a{"connect", endpoint(port), "--cafile", path(pki().ca_file), "--servername", "localhost",
                             "--starttls", protocol};
  a.insert(a.end(), extra.begin(), extra.end());
  return sslpp(a);
}

class CliStartTls : public ::testing::TestWithParam<const char*> {};

// The dance, then a verified TLS connection that carries --send's bytes.
TEST_P(CliStartTls, UpgradesThenSpeaksTls) {
  const std::string protocol = GetParam();
  FakeServer srv(protocol, "ok");
  const Outcome r = connect_starttls(srv.port, protocol, {"--send", "hello", "--json"});
  ASSERT_EQ(r.status, 0) << r.describe() << srv.proc.describe();
  const nlohmann::json ours = json_of(r);
  EXPECT_EQ(ours["received"], "HELLO");
  EXPECT_EQ(ours["end_of_stream"], "close_notify");
  EXPECT_EQ(ours["server_hostname"], "localhost");
  const nlohmann::json theirs = srv.report();
  EXPECT_TRUE(theirs["tls"].get<bool>()) << theirs;
  EXPECT_EQ(theirs["version"], ours["version"]);
  // What the client said before TLS, protocol by protocol.
  const auto& saw = theirs["saw"];
  if (protocol == "smtp") {
    EXPECT_EQ(saw, nlohmann::json({"EHLO [127.0.0.1]\r\n", "STARTTLS\r\n"}));
  } else if (protocol == "imap") {
    EXPECT_EQ(saw, nlohmann::json({"a1 STARTTLS\r\n"}));
  } else if (protocol == "pop3") {
    EXPECT_EQ(saw, nlohmann::json({"STLS\r\n"}));
  } else if (protocol == "ftp") {
    EXPECT_EQ(saw, nlohmann::json({"AUTH TLS\r\n"}));
  } else if (protocol == "postgres") {
    EXPECT_EQ(saw, nlohmann::json({"0000000804d2162f"}));
  } else if (protocol == "xmpp") {
    ASSERT_EQ(saw.size(), 3U) << saw;
    EXPECT_TRUE(contains(saw[1].get<std::string>(), "to='localhost'")) << saw;
    EXPECT_EQ(saw[2], "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  } else if (protocol == "ldap") {
    // LDAPMessage { messageID 1, ExtendedRequest { requestName 1.3.6.1.4.1.1466.20037 } }
    EXPECT_EQ(saw, nlohmann::json({"301d02010177188016312e332e362e312e342e312e313436362e3230303337"}));
  }
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// The server says no: exit 1, one line naming the protocol and what it refused.
TEST_P(CliStartTls, RefusalIsOneLineNamingTheStep) {
  const std::string protocol = GetParam();
  FakeServer srv(protocol, "refuse");
  const Outcome r = connect_starttls(srv.port, protocol);
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("StartTLSError")) << r.describe();
  EXPECT_TRUE(r.err.starts_with("StartTLSError: " + protocol + ": ")) << r.err;
  const std::map<std::string, std::string> expected{
      {"smtp", "server did not advertise STARTTLS after EHLO: '250 8BITMIME'"},
      {"imap", "server refused STARTTLS: 'a1 NO STARTTLS is not available now'"},
      {"pop3", "server refused STLS: '-ERR not now'"},
      {"ftp", "expected 234 in reply to AUTH TLS, got: '504 Security mechanism not understood'"},
      {"postgres", "server refused SSL (answered 'N' to SSLRequest)"},
      {"xmpp", "server refused STARTTLS: '<failure xmlns=\\x27urn:ietf:params:xml:ns:xmpp-tls\\x27/>'"},
      {"ldap", "server refused StartTLS: resultCode 2: 'StartTLS not supported'"},
  };
  EXPECT_TRUE(contains(r.err, expected.at(protocol))) << r.err;
  EXPECT_FALSE(srv.report()["tls"].get<bool>());
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// The server speaks another protocol: the first answer gives it away.
TEST_P(CliStartTls, AnotherProtocolIsOneLine) {
  const std::string protocol = GetParam();
  FakeServer srv(protocol, "other");
  const Outcome r = connect_starttls(srv.port, protocol, {"--json"});
  EXPECT_EQ(r.status, 1) << r.describe();
  const nlohmann::json error = json_of(r)["error"];
  EXPECT_EQ(error["class"], "StartTLSError") << r.out;
  const std::string message = error["message"].get<std::string>();
  EXPECT_TRUE(message.starts_with(protocol + ": ")) << message;
  const std::map<std::string, std::string> expected{
      {"smtp", "expected a numbered reply to the greeting, got: '* OK IMAP4rev1 ready'"},
      {"imap", "expected an '* OK' greeting, got: '220 mail.example ESMTP'"},
      {"pop3", "expected a '+OK' greeting, got: '* OK IMAP4rev1 ready'"},
      {"ftp", "expected a numbered reply to the greeting, got: '* OK IMAP4rev1 ready'"},
      {"postgres", "not a PostgreSQL server: the answer to SSLRequest begins: '2'"},
      {"xmpp", "not an XMPP server: expected XML while waiting for the stream features, got: '220 mail.example ESMTP'"},
      {"ldap", "not an LDAP server: the answer begins: '2'"},
  };
  EXPECT_TRUE(contains(message, expected.at(protocol))) << message;
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

INSTANTIATE_TEST_SUITE_P(Cli, CliStartTls,
                         ::testing::Values("smtp", "imap", "pop3", "ftp", "postgres", "xmpp", "ldap"),
                         [](const auto& info) { return std::string(info.param); });

// Text after the server's last reply is not read by the dance (it reads one
// byte at a time): it reaches TLS, which fails on it, rather than being
// skipped or taken for the server's TLS bytes.
TEST(CliStartTlsBounds, TextAfterTheLastReplyGoesToTlsAndFailsIt) {
  FakeServer srv("smtp", "inject");
  const Outcome r = connect_starttls(srv.port, "smtp", {"--send", "hello"});
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("SSLError")) << r.describe();
  EXPECT_TRUE(contains(r.err, "WRONG_VERSION_NUMBER") || contains(r.err, "RECORD_LAYER_FAILURE")) << r.err;
  EXPECT_FALSE(srv.report()["tls"].get<bool>());
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

// A server that accepts and says nothing: the dance is bounded by --timeout.
TEST(CliStartTlsBounds, SilentServerEndsWithinTheTimeout) {
  Socket listener(AF_INET);
  listener.bind("127.0.0.1", 0);
  listener.listen();
  const Outcome r = sslpp({"connect", endpoint(listener.getsockname().port), "--starttls", "smtp", "--timeout", "0.5"});
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("StartTLSError")) << r.describe();
  EXPECT_TRUE(contains(r.err, "smtp: no answer within the timeout while waiting for the greeting")) << r.err;
}

// Bytes a terminal would act on are shown escaped in the error line.
TEST(CliStartTlsBounds, ServerTextInTheErrorIsEscaped) {
  Subprocess srv({SSLPP_PYTHON3, "-c",
                  "import socket\n"
                  "s = socket.create_server(('127.0.0.1', 0)); s.settimeout(20)\n"
                  "print('port', s.getsockname()[1], flush=True)\n"
                  "c, _ = s.accept(); c.sendall(b'\\x1b[31mred\\x07\\r\\n'); c.settimeout(20)\n"
                  "try:\n    c.recv(100)\nexcept OSError:\n    pass\n"});
  const auto line = srv.wait_for_line("port");
  ASSERT_TRUE(line) << srv.describe();
  const Outcome r = sslpp({"connect", endpoint(port_after_colon(*line)), "--starttls", "pop3"});
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("StartTLSError")) << r.describe();
  EXPECT_TRUE(contains(r.err, "'\\x1b[31mred\\x07'")) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
  EXPECT_EQ(srv.wait(), 0) << srv.describe();
}

TEST(CliStartTlsBounds, UnknownProtocolIsAUsageErrorBeforeAnyConnection) {
  // Nothing listens there: a connection attempt would exit 1, not 2.
  const Outcome r = sslpp({"connect", endpoint(free_port()), "--starttls", "telnet"});
  EXPECT_EQ(r.status, 2) << r.describe();
  EXPECT_TRUE(r.one_error_line("ValueError")) << r.describe();
  EXPECT_TRUE(contains(r.err, "smtp, imap, pop3, ftp, postgres, xmpp, ldap")) << r.err;
}

}  // namespace
}  // namespace sslpp::cli_test
