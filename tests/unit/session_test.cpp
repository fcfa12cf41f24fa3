// Session resumption: TLS 1.3 tickets and TLS 1.2 session ids, seen from
// both ends, across contexts, and refused where it must be.
#include <sslpp/sslpp.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/echo_server.hpp"
#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::pki;
using namespace std::chrono_literals;

// connect_once runs one in-memory connection between `client` and `server`,
// offering `offer`, reads after the handshake so a TLS 1.3 ticket arrives,
// and returns the client's session and whether each end saw a resumption.
struct Outcome {
  std::optional<Session> session;
  bool client_reused = false;
  bool server_reused = false;
};

Outcome connect_once(const Context& client, const Context& server, const std::optional<Session>& offer) {
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = offer});
  Connection s = server.wrap_bio({.server_side = true});
  EXPECT_TRUE(test::handshake(c, s).ok());
  // Server -> client data carries the tickets along with it.
  s.write("x");
  test::transfer(s, c);
  EXPECT_EQ(c.read(1), "x");
  Outcome out{c.session(), c.session_reused(), s.session_reused()};
  c.shutdown();
  test::transfer(c, s);
  s.shutdown();
  return out;
}

TEST(Session, Tls13TicketResumesOnBothEnds) {
  Context client = test::client_context();
  Context server = test::server_context();
  const Outcome first = connect_once(client, server, std::nullopt);
  ASSERT_TRUE(first.session);
  EXPECT_TRUE(first.session->has_ticket());
  EXPECT_FALSE(first.client_reused);
  const Outcome second = connect_once(client, server, first.session);
  EXPECT_TRUE(second.client_reused);
  EXPECT_TRUE(second.server_reused);
  const SessionStats stats = server.session_stats();
  EXPECT_EQ(stats.accept_good, 2);
  EXPECT_EQ(stats.hits, 1);
}

TEST(Session, Tls12SessionIdResumesFromTheCache) {
  Context client = test::client_context();
  client.set_maximum_version(TLSVersion::TLSv1_2);
  Context server = test::server_context();
  server.set_options(OP_NO_TICKET);
  const Outcome first = connect_once(client, server, std::nullopt);
  ASSERT_TRUE(first.session);
  EXPECT_FALSE(first.session->has_ticket());
  EXPECT_EQ(first.session->id().size(), 32u);
  const Outcome second = connect_once(client, server, first.session);
  EXPECT_TRUE(second.client_reused);
  EXPECT_TRUE(second.server_reused);
  EXPECT_EQ(server.session_stats().number, 1);  // one session in the server's cache
}

TEST(Session, ResumesAcrossContextsThatShareIdAndTicketKeys) {
  Context client = test::client_context();
  Context a = test::server_context();
  a.set_session_id("one service");
  Context b = test::server_context();
  b.set_session_id("one service");
  const Outcome first = connect_once(client, a, std::nullopt);
  ASSERT_TRUE(first.session);
  // Different ticket keys: b cannot open a's ticket.
  EXPECT_FALSE(connect_once(client, b, first.session).server_reused);
  b.set_session_ticket_keys(a.session_ticket_keys());
  EXPECT_TRUE(connect_once(client, b, first.session).server_reused);
  // Same keys but another session id context: refused. Every context has
  // its own unless told otherwise.
  for (const char* id : {"another service", ""}) {
    Context c = test::server_context();
    c.set_session_ticket_keys(a.session_ticket_keys());
    if (*id != '\0') {
      c.set_session_id(id);
    }
    const Outcome refused = connect_once(client, c, first.session);
    EXPECT_FALSE(refused.server_reused) << id;
    EXPECT_FALSE(refused.client_reused) << id;
  }
}

TEST(Session, ClientSessionsStayWithTheirContextAndServerName) {
  Context client = test::client_context();
  Context server = test::server_context();
  const Outcome first = connect_once(client, server, std::nullopt);
  ASSERT_TRUE(first.session);
  // Offered from a context with another verification policy: refused, as
  // Python refuses, since a resumed session is not verified again.
  Context lax(PROTOCOL_TLS_CLIENT);
  lax.set_check_hostname(false);
  lax.set_verify_mode(CERT_NONE);
  EXPECT_THROW((void)lax.wrap_bio({.server_hostname = "localhost", .session = first.session}), ValueError);
  // Offered for another server name: refused.
  EXPECT_THROW((void)client.wrap_bio({.server_hostname = "other.example", .session = first.session}), ValueError);
  EXPECT_NO_THROW((void)client.wrap_bio({.server_hostname = "LOCALHOST", .session = first.session}));
}

TEST(Session, SettingsAndTheirBounds) {
  Context server(PROTOCOL_TLS_SERVER);
  EXPECT_EQ(server.get_timeout(), 300s);
  EXPECT_EQ(server.set_timeout(60s), 300s);
  EXPECT_EQ(server.get_timeout(), 60s);
  EXPECT_THROW(server.set_timeout(-1s), ValueError);
  EXPECT_THROW(server.set_timeout(0s), ValueError);  // OpenSSL would read it as two hours
  EXPECT_THROW(server.set_timeout(std::chrono::hours(24 * 8)), ValueError);
  EXPECT_EQ(server.num_tickets(), 2u);
  server.set_num_tickets(0);
  EXPECT_EQ(server.num_tickets(), 0u);
  EXPECT_THROW(Context(PROTOCOL_TLS_CLIENT).set_num_tickets(1), ValueError);
  EXPECT_THROW(server.set_session_id(std::string(33, 'x')), ValueError);
  EXPECT_NO_THROW(server.set_session_id(std::string(32, 'x')));
  EXPECT_EQ(server.session_ticket_keys().size(), 80u);
  EXPECT_THROW(server.set_session_ticket_keys(std::vector<std::byte>(48)), ValueError);
  EXPECT_EQ(server.session_stats(), SessionStats{});
}

TEST(Session, NoTicketsMeansNothingToResume) {
  Context client = test::client_context();
  Context server = test::server_context();
  server.set_num_tickets(0);
  const Outcome first = connect_once(client, server, std::nullopt);
  ASSERT_TRUE(first.session);
  EXPECT_FALSE(first.session->is_resumable());
  EXPECT_FALSE(connect_once(client, server, first.session).client_reused);
}

TEST(SessionInterop, PythonClientResumesAndBothEndsSeeIt) {
  for (const TLSVersion max : {TLSVersion::TLSv1_3, TLSVersion::TLSv1_2}) {
    Context server = test::server_context();
    server.set_maximum_version(max);
    test::EchoServer echo(server, 3);
    const auto lines = test::run_python_client(echo.port, {"localhost", "localhost", "localhost"}, true);
    ASSERT_EQ(lines.size(), 3u);
    const std::string version = max == TLSVersion::TLSv1_3 ? "TLSv1.3" : "TLSv1.2";
    EXPECT_EQ(lines[0], "localhost localhost " + version + " False");
    EXPECT_EQ(lines[1], "localhost localhost " + version + " True");
    EXPECT_EQ(lines[2], "localhost localhost " + version + " True");
    EXPECT_EQ(echo.reused(), (std::vector<bool>{false, true, true}));
    EXPECT_EQ(echo.errors(), std::vector<std::string>{});
    EXPECT_EQ(server.session_stats().hits, 2);
  }
}

TEST(SessionInterop, PythonClientIsRefusedWhenTheSessionIdContextChanges) {
  Context server = test::server_context();
  test::EchoServer first(server, 1);
  // Python offers the first server's session to a second server that shares
  // its ticket keys but not its session id context.
  Context other = test::server_context();
  other.set_session_ticket_keys(server.session_ticket_keys());
  other.set_session_id("elsewhere");
  test::EchoServer second(other, 1);
  test::Subprocess py({SSLPP_PYTHON3, "-c",
                       "import socket, ssl, sys\n"
                       "ctx = ssl.create_default_context(cafile=sys.argv[3])\n"
                       "session = None\n"
                       "for port in sys.argv[1:3]:\n"
                       "    with socket.create_connection(('127.0.0.1', int(port)), timeout=5) as raw:\n"
                       "        with ctx.wrap_socket(raw, server_hostname='localhost', session=session) as s:\n"
                       "            s.sendall(b'x'); s.recv(1)\n"
                       "            print(s.session_reused, flush=True)\n"
                       "            session = s.session\n",
                       std::to_string(first.port), std::to_string(second.port), pki().ca_file.string()});
  EXPECT_EQ(py.read_line(10s), "False") << py.describe();
  EXPECT_EQ(py.read_line(10s), "False") << py.describe();
  EXPECT_EQ(second.reused(), std::vector<bool>{false});
}

TEST(SessionInterop, SslppClientResumesAgainstSServer) {
  const test::SServer peer = test::start_s_server(pki().server, {"-rev"}, 2);
  const std::uint16_t port = peer.port;
  Context ctx = test::client_context();
  std::optional<Session> session;
  for (const bool expect_reused : {false, true}) {
    SSLSocket s = ctx.wrap_socket(create_connection("127.0.0.1", port, std::chrono::duration<double>(5)),
        {.server_hostname = "localhost", .session = session});
    s.sendall("abc\n");
    EXPECT_EQ(s.read(4), "cba\n");  // the ticket came before the data
    EXPECT_EQ(s.session_reused(), expect_reused);
    session = s.session();
    (void)s.unwrap();  // a clean close keeps the session resumable
  }
  EXPECT_EQ(peer.proc->wait(10s), 0) << peer.proc->describe();
}

// A session written as PEM and read back resumes, as `s_client -sess_out`
// and `-sess_in` do across runs; it remembers the SNI name it was made for.
TEST(Session, PemRoundTripResumes) {
  Context client = test::client_context();
  Context server = test::server_context();
  const std::vector<std::byte> sid_ctx(4, std::byte{7});
  client.set_session_id(sid_ctx);  // a second context must share it to resume
  const Outcome first = connect_once(client, server, std::nullopt);
  ASSERT_TRUE(first.session);
  const std::string pem = first.session->to_pem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN SSL SESSION PARAMETERS-----\n")) << pem;
  const Session back = Session::from_pem(pem);
  EXPECT_EQ(back.server_hostname(), "localhost");
  EXPECT_TRUE(back.is_resumable());
  EXPECT_EQ(back.to_pem(), pem);
  Context later = test::client_context();
  later.set_session_id(sid_ctx);
  const Outcome second = connect_once(later, server, back);
  EXPECT_TRUE(second.client_reused);
  EXPECT_TRUE(second.server_reused);
}

TEST(Session, FromPemRefusesWhatIsNotASession) {
  EXPECT_THROW(Session::from_pem(""), SSLError);
  EXPECT_THROW(Session::from_pem("-----BEGIN SSL SESSION PARAMETERS-----\nAAAA\n-----END SSL SESSION PARAMETERS-----\n"),
               SSLError);
  EXPECT_THROW(Session::from_pem(pki().server.credential.certificate.pem()), SSLError);
  // Marked encrypted: refused. (Without its no-passphrase callback OpenSSL
  // would prompt on a terminal; this test has none, so it checks the refusal.)
  EXPECT_THROW(Session::from_pem("-----BEGIN SSL SESSION PARAMETERS-----\nProc-Type: 4,ENCRYPTED\n"
                                 "DEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nAAAA\n"
                                 "-----END SSL SESSION PARAMETERS-----\n"),
               SSLError);
}

}  // namespace
}  // namespace sslpp
