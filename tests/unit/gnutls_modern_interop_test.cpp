// GnuTLS 3.7.9 as the independent peer for OCSP stapling (ocsp.hpp) and
// TLS 1.3 early data (early_data.hpp). OCSP, over TLS 1.2 and 1.3:
// gnutls-serv --ocsp-response against an sslpp client (the staple's bytes,
// sslpp's own check), and gnutls-cli against an sslpp server that staples
// (gnutls-cli checks a stapled response itself). Early data: an sslpp
// client resuming with early data against gnutls-serv --earlydata, and
// gnutls-cli --earlydata -r against an sslpp server.
// Every peer runs on 127.0.0.1 (gnutls-serv has no option to bind one
// address: it listens on every interface, as in the other GnuTLS tests),
// every response is made when the tests run (support/ocsp_responder.hpp),
// and every file lives in a temporary directory each test removes.
#include <sslpp/ocsp.hpp>
#include <sslpp/early_data.hpp>

#include <gtest/gtest.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <stdlib.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sslpp/sslpp.hpp>

#include "support/gnutls_peer.hpp"
#include "support/ocsp_responder.hpp"
#include "support/pki.hpp"
#include "support/socket_driver.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::ocsp_client_context;
using test::ocsp_pki;
using test::ocsp_server_context;
using test::OcspResponder;
using test::OcspStatus;

using Bytes = std::vector<std::byte>;

const TLSVersion kVersions[] = {TLSVersion::TLSv1_2, TLSVersion::TLSv1_3};

std::string name_of(TLSVersion v) { return v == TLSVersion::TLSv1_2 ? "TLSv1.2" : "TLSv1.3"; }

// priority is GnuTLS's priority string for exactly `v`.
std::string priority(TLSVersion v) {
  return v == TLSVersion::TLSv1_2 ? "NORMAL:-VERS-ALL:+VERS-TLS1.2" : "NORMAL:-VERS-ALL:+VERS-TLS1.3";
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// outcome is a one-line account of a driven step.
std::string outcome(const test::DriveResult& r, const Connection& conn) {
  return "status=" + std::to_string(static_cast<int>(r.status)) + " ec=" + r.ec.message() +
         " error=" + conn.last_error().message;
}

std::string explain(const test::DriveResult& r, const Connection& conn, test::Subprocess& peer) {
  return outcome(r, conn) + "\n" + peer.describe();
}

Bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto* b = reinterpret_cast<const std::byte*>(text.data());
  return {b, b + text.size()};
}

// ===========================================================================
// OCSP: an sslpp client against gnutls-serv --ocsp-response

// StaplingGnutlsServer is gnutls-serv --echo serving ocsp_pki().leaf at
// exactly `v` and stapling `staple` (written in `files`' directory).
// gnutls-serv refuses at start a response whose status is not good ("The
// session or certificate has expired") unless told to ignore that.
struct StaplingGnutlsServer {
  test::GnutlsServer server;

  StaplingGnutlsServer(const OcspResponder& files, const Bytes& staple, TLSVersion v, bool ignore_errors = false)
      : server(test::write_credential(files.dir(), "leaf", Credential{ocsp_pki().leaf.cert, ocsp_pki().leaf.key}),
               args(files, staple, v, ignore_errors)) {}

  static std::vector<std::string> args(const OcspResponder& files, const Bytes& staple, TLSVersion v,
                                       bool ignore_errors) {
    std::vector<std::string> a{"--ocsp-response", files.write("staple.der", staple).string(), "--priority",
                               priority(v)};
    if (ignore_errors) {
      a.emplace_back("--ignore-ocsp-response-errors");
    }
    return a;
  }
};


TEST(GnutlsInterop13, OcspClientReceivesTheStapleOfGnutlsServerExactly) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    StaplingGnutlsServer peer(responder, good, v);
    Context ctx = ocsp_client_context();
    int calls = 0;
    Bytes received;
    ctx.set_ocsp_client_callback([&](Connection& conn, std::span<const std::byte> response) {
      ++calls;
      EXPECT_FALSE(conn.server_side());
      received.assign(response.begin(), response.end());
      return true;
    });
    test::TlsClient c(ctx.share(), peer.server.port);
    c.conn.request_ocsp();
    const test::DriveResult hs = c.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *peer.server.proc);
    EXPECT_EQ(c.conn.version(), name_of(v));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(received, good);
    EXPECT_EQ(c.conn.ocsp_response(), std::optional<Bytes>(good));
    // gnutls-serv --echo answers the line: the connection carries data.
    ASSERT_TRUE(c.driver.write_all("stapled\n").ok());
    EXPECT_EQ(c.driver.read(8).data, "stapled\n") << peer.server.proc->describe();
  }
}

TEST(GnutlsInterop13, OcspGnutlsServerStaplesNothingUnlessAsked) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    StaplingGnutlsServer peer(responder, good, v);
    Context ctx = ocsp_client_context();
    int calls = 0;
    ctx.set_ocsp_client_callback([&](Connection&, std::span<const std::byte>) {
      ++calls;
      return true;
    });
    test::TlsClient c(ctx.share(), peer.server.port);  // no request_ocsp
    const test::DriveResult hs = c.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *peer.server.proc);
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(c.conn.ocsp_response(), std::nullopt);
  }
}

TEST(GnutlsInterop13, OcspRequiredCheckJudgesTheStapleOfGnutlsServer) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  const Bytes revoked = responder.respond({.cert = &ocsp_pki().leaf, .status = OcspStatus::revoked});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context ctx = ocsp_client_context();
    ctx.set_ocsp_check(OcspCheck::required);  // asks for the staple itself: no request_ocsp
    {
      StaplingGnutlsServer peer(responder, good, v);
      test::TlsClient c(ctx.share(), peer.server.port);
      const test::DriveResult hs = c.driver.handshake();
      ASSERT_TRUE(hs.ok()) << explain(hs, c.conn, *peer.server.proc);
      EXPECT_EQ(c.conn.version(), name_of(v));
      EXPECT_EQ(c.conn.verify_result(), X509_V_OK);
      EXPECT_EQ(c.conn.ocsp_response(), std::optional<Bytes>(good));
    }
    {
      StaplingGnutlsServer peer(responder, revoked, v, /*ignore_errors=*/true);
      test::TlsClient c(ctx.share(), peer.server.port);
      const test::DriveResult hs = c.driver.handshake();
      EXPECT_EQ(hs.status, io_status::error) << explain(hs, c.conn, *peer.server.proc);
      EXPECT_TRUE(hs.ec == errc::certificate_verify_failed) << hs.ec.message();
      EXPECT_EQ(c.conn.last_error().verify_code, X509_V_ERR_CERT_REVOKED) << c.conn.last_error().message;
      EXPECT_EQ(c.conn.verify_result(), X509_V_ERR_CERT_REVOKED);
      // The staple did arrive: the refusal is about its content.
      EXPECT_EQ(c.conn.ocsp_response(), std::optional<Bytes>(revoked));
      try {
        c.conn.do_handshake();
        ADD_FAILURE() << "the sticky error was not thrown";
      } catch (const SSLCertVerificationError& e) {
        EXPECT_EQ(e.verify_code(), X509_V_ERR_CERT_REVOKED);
      }
    }
  }
}

// ===========================================================================
// OCSP: gnutls-cli against an sslpp server that staples
//
// What gnutls-cli 3.7.9 does with a staple (found by hand, asserted below):
// it always asks for one (status_request), and checks whatever arrives
// against its trust store, with or without --ocsp (which adds online
// checks). A good staple is reported on the "- Options:" line as "OCSP
// status request," and, under -V, printed as "OCSP Response Information:"
// with "Certificate Status: good"; --save-ocsp writes its bytes. A revoked
// staple fails the handshake: "The certificate was revoked via OCSP",
// "The certificate chain is revoked.", exit status 1. No staple: nothing on
// the "- Options:" line, and no failure.

// StaplingServer is an sslpp server (ocsp_pki().leaf at exactly `v`)
// accepting gnutls-cli, which trusts ocsp_pki().root, checks the name
// localhost, prints verbosely (-V) and saves the staple it gets in `saved`.
struct StaplingServer {
  test::Listener listener = test::tcp_listen();
  std::unique_ptr<test::Subprocess> proc;
  SSLSocket sock;
  Connection& conn = sock.connection();
  test::SocketDriver driver{sock};

  StaplingServer(const Context& ctx, const OcspResponder& files, const std::filesystem::path& saved, TLSVersion v)
      : proc(std::make_unique<test::Subprocess>(std::vector<std::string>{
            test::kGnutlsCli, "-V", "--x509cafile", files.write("root.pem", ocsp_pki().root.cert.pem()).string(),
            "--verify-hostname", "localhost", "--priority", priority(v), "--save-ocsp=" + saved.string(), "-p",
            std::to_string(listener.port), "127.0.0.1"})),
        sock(test::accept_tls(ctx, listener, *proc)) {}
};

Context stapling(const Bytes& response, TLSVersion v) {
  Context ctx = ocsp_server_context();
  ctx.set_minimum_version(v);
  ctx.set_maximum_version(v);
  if (!response.empty()) {
    ctx.set_ocsp_response(response);
  }
  return ctx;
}

TEST(GnutlsInterop13, OcspGnutlsClientChecksAndPrintsAGoodStaple) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    const std::filesystem::path saved = responder.dir() / ("saved-" + name_of(v) + ".der");
    StaplingServer s(stapling(good, v), responder, saved, v);
    const test::DriveResult hs = s.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, s.conn, *s.proc);
    EXPECT_EQ(s.conn.version(), name_of(v));
    const auto options = s.proc->wait_for_line("- Options:");
    ASSERT_TRUE(options) << s.proc->describe();
    EXPECT_TRUE(contains(*options, "OCSP status request,")) << *options;
    EXPECT_TRUE(s.proc->wait_for_line("OCSP Response Information:")) << s.proc->describe();
    EXPECT_TRUE(s.proc->wait_for_line("Response Status: Successful")) << s.proc->describe();
    EXPECT_TRUE(s.proc->wait_for_line("Certificate Status: good")) << s.proc->describe();
    EXPECT_TRUE(s.proc->wait_for_line("- Simple Client Mode:")) << s.proc->describe();
    ASSERT_TRUE(s.proc->write_stdin("from gnutls-cli\n"));
    EXPECT_EQ(s.driver.read(16).data, "from gnutls-cli\n") << s.proc->describe();
    s.proc->close_stdin();  // gnutls-cli then closes the connection and exits
    EXPECT_EQ(s.driver.read_to_end().status, io_status::closed);
    static_cast<void>(s.driver.shutdown(false));
    EXPECT_EQ(s.proc->wait(), 0) << s.proc->describe();
    EXPECT_EQ(read_file(saved), good);
  }
}

TEST(GnutlsInterop13, OcspGnutlsClientFailsOnARevokedStaple) {
  OcspResponder responder;
  const Bytes revoked = responder.respond({.cert = &ocsp_pki().leaf, .status = OcspStatus::revoked});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    const std::filesystem::path saved = responder.dir() / ("saved-" + name_of(v) + ".der");
    StaplingServer s(stapling(revoked, v), responder, saved, v);
    const test::DriveResult hs = s.driver.handshake();
    // gnutls-cli refuses the certificate with a bad_certificate alert,
    // which fails our handshake too.
    EXPECT_EQ(hs.status, io_status::error) << explain(hs, s.conn, *s.proc);
    EXPECT_EQ(s.conn.last_error().reason, "SSLV3_ALERT_BAD_CERTIFICATE") << s.conn.last_error().message;
    EXPECT_EQ(s.proc->wait(), 1) << s.proc->describe();
    const std::string out = s.proc->stdout_seen() + s.proc->read_all() + s.proc->stderr_text();
    EXPECT_TRUE(contains(out, "The certificate was revoked via OCSP")) << out;
    EXPECT_TRUE(contains(out, "The certificate chain is revoked.")) << out;
    EXPECT_TRUE(contains(out, "PKI verification of server certificate failed")) << out;
    EXPECT_FALSE(contains(out, "Handshake was completed")) << out;
  }
}

TEST(GnutlsInterop13, OcspGnutlsClientSeesNoStapleWhenNoneIsSet) {
  OcspResponder responder;
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    const std::filesystem::path saved = responder.dir() / ("saved-" + name_of(v) + ".der");
    StaplingServer s(stapling({}, v), responder, saved, v);
    const test::DriveResult hs = s.driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, s.conn, *s.proc);
    const auto options = s.proc->wait_for_line("- Options:");
    ASSERT_TRUE(options) << s.proc->describe();
    EXPECT_FALSE(contains(*options, "OCSP")) << *options;
    s.proc->close_stdin();
    EXPECT_EQ(s.driver.read_to_end().status, io_status::closed);
    static_cast<void>(s.driver.shutdown(false));
    EXPECT_EQ(s.proc->wait(), 0) << s.proc->describe();
    EXPECT_FALSE(contains(s.proc->stdout_seen() + s.proc->read_all(), "OCSP Response Information"))
        << s.proc->describe();
    EXPECT_FALSE(std::filesystem::exists(saved) && !read_file(saved).empty());
  }
}

// ===========================================================================
// Early data (TLS 1.3 0-RTT)

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s)); }

// TempDir is a fresh temporary directory, removed with everything in it
// by the destructor.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "sslpp-gnutls13-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

const std::string kTls13Only = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

// What gnutls-serv 3.7.9 does with early data (found by hand): with
// --earlydata it takes up to --maxearlydata bytes (its tickets announce
// that limit) and, at -d 4 and above, logs "early data accepted"; at -d 5
// it logs each early record it decrypts ("decrypted early data with
// length: N"). Its --echo loop does not answer early data: it reads it
// with gnutls_record_recv_early_data and then overwrites what it read with
// an ordinary gnutls_record_recv, so the bytes are dropped. What it
// received is therefore judged from its log, not from an echo.
TEST(GnutlsInterop13, EarlyDataGnutlsServerAcceptsOurs) {
  // Both connections go to the one process, whose ticket key and
  // anti-replay database know the ticket.
  test::GnutlsServer srv({"--earlydata", "--maxearlydata", "1024", "--priority", kTls13Only, "-d", "5"});
  Context ctx = test::client_context();
  std::optional<Session> session;
  {
    SSLSocket sock = test::connect_tls(ctx, srv.port, {.server_hostname = "localhost"});
    test::SocketDriver driver(sock);
    const test::DriveResult hs = driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, sock.connection(), *srv.proc);
    EXPECT_EQ(sock.connection().early_data_status(), EarlyDataStatus::not_sent);
    // The tickets travel ahead of the echo.
    ASSERT_TRUE(driver.write_all("ticket\n").ok());
    ASSERT_EQ(driver.read(7).data, "ticket\n") << srv.proc->describe();
    session = sock.connection().session();
    ASSERT_TRUE(session && session->has_ticket());
    EXPECT_EQ(::SSL_SESSION_get_max_early_data(session->native_handle()), 1024u);
    static_cast<void>(driver.shutdown(false));
  }
  SSLSocket sock = test::connect_tls(ctx, srv.port, {.server_hostname = "localhost", .session = session});
  test::SocketDriver driver(sock);
  Connection& conn = sock.connection();
  const std::string early = "early from sslpp\n";  // 17 bytes
  std::error_code ec;
  const io_result w = test::drive_call(sock, ec, [&](std::error_code& e) { return conn.write_early_data(bytes_of(early), e); });
  ASSERT_TRUE(w.ok()) << ec.message() << ": " << conn.last_error().message;
  EXPECT_EQ(w.bytes, early.size());
  const test::DriveResult hs = driver.handshake();
  ASSERT_TRUE(hs.ok()) << explain(hs, conn, *srv.proc);
  EXPECT_EQ(conn.early_data_status(), EarlyDataStatus::accepted);
  EXPECT_TRUE(conn.session_reused());
  EXPECT_EQ(conn.version(), "TLSv1.3");
  EXPECT_TRUE(srv.proc->wait_for_line("early data accepted")) << srv.proc->describe();
  EXPECT_TRUE(srv.proc->wait_for_line("decrypted early data with length: 17,")) << srv.proc->describe();
  // Ordinary data after it flows both ways; the echo is of it alone (the
  // early data was dropped, as said above, not echoed).
  ASSERT_TRUE(driver.write_all("after\n").ok());
  EXPECT_EQ(driver.read(6).data, "after\n") << srv.proc->describe();
  static_cast<void>(driver.shutdown(false));
  sock.close();
  const std::string out = srv.finish();
  EXPECT_TRUE(contains(out, "*** This is a resumed session")) << out;
}

// gnutls-cli 3.7.9 -r makes a full connection, disconnects and resumes on a
// second one; with --earlydata=FILE it sends the whole file as early data
// on the second. It does so against `openssl s_server -early_data` too
// (found by hand: s_server prints the file's bytes as "Early data
// received"). On the first connection it waits for a TLS 1.3 ticket only
// for its round-trip estimate plus 60 ms (gnutls_session_get_data2); on a
// loaded machine the ticket can come later, and gnutls-cli then resumes
// nothing and sends no early data. Such a run (our second connection saw
// no session offered and no early data) is retried, up to three runs; any
// other outcome is judged.
TEST(GnutlsInterop13, EarlyDataGnutlsClientSendsUsAFile) {
  TempDir dir;
  const std::string early = std::string("early from gnutls-cli\n") + test::binary_text(300);
  const std::filesystem::path file = dir.path() / "early.bin";
  test::write_text(file, early);
  ASSERT_EQ(read_file(file).size(), early.size());

  Context ctx = test::server_context();
  ctx.set_max_early_data(1024);
  std::string runs;  // what each run's connections ended with, for failure messages
  for (int run = 1; run <= 3; ++run) {
    test::Listener listener = test::tcp_listen();
    test::Subprocess cli(
        test::gnutls_cli_argv(listener.port, {"--priority", kTls13Only, "--earlydata=" + file.string(), "-r"}));
    {
      SSLSocket sock = test::accept_tls(ctx, listener, cli);
      test::SocketDriver driver(sock);
      const test::DriveResult hs = driver.handshake();
      ASSERT_TRUE(hs.ok()) << explain(hs, sock.connection(), cli);
      EXPECT_FALSE(sock.connection().session_reused());
      EXPECT_EQ(sock.connection().early_data_status(), EarlyDataStatus::not_sent);
      // gnutls-cli takes its ticket and disconnects; our shutdown keeps the
      // ticket's session in the cache (a connection freed without one takes
      // it out, and the ticket would no longer resume).
      const test::DriveResult end = driver.read_to_end();
      const test::DriveResult bye = driver.shutdown(false);
      runs += "run " + std::to_string(run) + ", first connection: " + outcome(end, sock.connection()) +
              ", then our shutdown: " + outcome(bye, sock.connection()) + "\n";
    }
    SSLSocket sock = test::accept_tls(ctx, listener, cli);
    test::SocketDriver driver(sock);
    Connection& conn = sock.connection();
    std::string got;
    std::array<std::byte, 64> buf{};  // smaller than the file: it comes in pieces
    for (int i = 0; i < 1000; ++i) {
      std::error_code ec;
      const io_result r = test::drive_call(sock, ec, [&](std::error_code& e) { return conn.read_early_data(buf, e); });
      ASSERT_TRUE(r.ok()) << ec.message() << ": " << conn.last_error().message << "\n" << cli.describe();
      if (r.bytes == 0) {
        break;
      }
      got.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
    }
    const test::DriveResult hs = driver.handshake();
    ASSERT_TRUE(hs.ok()) << explain(hs, conn, cli);
    if (!conn.session_reused() && conn.early_data_status() == EarlyDataStatus::not_sent && got.empty()) {
      runs += "run " + std::to_string(run) + ": gnutls-cli offered no session\n";
      continue;  // its ticket came too late for it: the Subprocess destructor ends it
    }
    EXPECT_EQ(got.size(), early.size()) << runs;
    EXPECT_TRUE(got == early);
    EXPECT_EQ(conn.early_data_status(), EarlyDataStatus::accepted) << runs;
    EXPECT_TRUE(conn.session_reused()) << runs;
    EXPECT_EQ(conn.version(), "TLSv1.3");
    EXPECT_TRUE(cli.wait_for_line("*** This is a resumed session")) << cli.describe();
    // Ordinary data after it flows both ways.
    ASSERT_TRUE(cli.write_stdin("after early data\n"));
    EXPECT_EQ(driver.read(17).data, "after early data\n") << cli.describe();
    ASSERT_TRUE(driver.write_all("from sslpp server\n").ok());
    EXPECT_TRUE(cli.wait_for_line("from sslpp server")) << cli.describe();
    cli.close_stdin();  // gnutls-cli then closes the connection and exits
    EXPECT_EQ(driver.read_to_end().status, io_status::closed);
    static_cast<void>(driver.shutdown(false));
    EXPECT_EQ(cli.wait(), 0) << cli.describe();
    return;
  }
  ADD_FAILURE() << "gnutls-cli resumed in none of three runs:\n" << runs;
}

}  // namespace
}  // namespace sslpp
