// Issue 10's observations, each a test: ordinary C++ that used to end in a
// connection that did not verify, in undefined behaviour, or in a misleading
// error, and is now refused, safe, or typed.
#include <sslpp/connection.hpp>
#include <sslpp/ssl_socket.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <string>
#include <type_traits>

#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using namespace std::chrono_literals;
using test::handshake;
using test::pki;
using test::transfer;

Socket loopback_listener() {
  Socket listener(AF_INET);
  listener.bind("127.0.0.1", 0);
  listener.listen();
  listener.settimeout(5s);
  return listener;
}

Context trusting_client() {
  Context ctx;  // the default: a verifying client
  ctx.load_verify_locations(pki().ca_file);
  return ctx;
}

// 1. The default Context is the secure client: it verifies certificates and
// host names.
TEST(ApiSafety, DefaultContextVerifiesCertificateAndName) {
  Context ctx;
  EXPECT_EQ(ctx.protocol(), PROTOCOL_TLS_CLIENT);
  EXPECT_EQ(ctx.verify_mode(), CERT_REQUIRED);
  EXPECT_TRUE(ctx.check_hostname());
  EXPECT_EQ(ctx.minimum_version(), TLSVersion::TLSv1_2);

  Context client = trusting_client();
  Context untrusted_server = test::server_context(&pki().untrusted);
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = untrusted_server.wrap_bio({.server_side = true});
  const auto r = handshake(c, s);
  ASSERT_EQ(r.client.status, io_status::error);
  EXPECT_EQ(r.client_ec, errc::certificate_verify_failed);
  EXPECT_EQ(c.last_error().verify_code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);

  // Without a server_hostname the default client refuses to start at all.
  EXPECT_THROW(static_cast<void>(client.wrap_bio()), ValueError);
}

// 2. A Context cannot be copied, so a copy cannot weaken another's
// connections; sharing is a named call.
TEST(ApiSafety, ContextIsMoveOnlyAndSharingIsExplicit) {
  static_assert(!std::is_copy_constructible_v<Context>);
  static_assert(!std::is_copy_assignable_v<Context>);
  static_assert(std::is_nothrow_move_constructible_v<Context>);
  Context a = trusting_client();
  Context shared = a.share();
  EXPECT_TRUE(shared == a);
  Context moved = std::move(a);
  EXPECT_TRUE(moved == shared);
  // A moved-from Context fails loudly, with a typed error.
  EXPECT_THROW(static_cast<void>(a.verify_mode()), ValueError);  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW(static_cast<void>(a.wrap_bio({.server_hostname = "localhost"})), ValueError);
}

// 3. A callback may replace itself, or any other callback, while it runs
// (AddressSanitizer reported a use-after-free here).
TEST(ApiSafety, CallbacksMayReplaceThemselvesWhileRunning) {
  Context client = trusting_client();
  Context server = test::server_context();
  int info_calls = 0;
  // "Log the first event only".
  client.set_info_callback([&info_calls](Connection& conn, InfoWhere, int) {
    ++info_calls;
    conn.get_context().set_info_callback({});
  });
  int verify_calls = 0;
  client.set_verify(VERIFY_PEER, [&verify_calls](Connection& conn, const Certificate&, int, int, bool ok) {
    ++verify_calls;
    conn.get_context().set_verify(VERIFY_PEER, {});  // replaces itself
    return ok;
  });
  server.set_alpn_protocols({"h2"});
  server.set_alpn_select_callback([](Connection& conn, const std::vector<std::string>& offered) {
    conn.get_context().set_alpn_select_callback({});
    return std::optional<std::string>(offered.front());
  });
  int sni_calls = 0;
  server.set_sni_callback([&sni_calls](Connection& conn, std::optional<std::string_view>, const Context&) {
    ++sni_calls;
    conn.get_context().set_sni_callback({});
    return std::optional<AlertDescription>();
  });
  client.set_alpn_protocols({"h2"});
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = server.wrap_bio({.server_side = true});
  const auto r = handshake(c, s);
  ASSERT_TRUE(r.ok()) << r.client_ec.message() << " / " << r.server_ec.message();
  EXPECT_EQ(info_calls, 1);
  EXPECT_EQ(verify_calls, 1);
  EXPECT_EQ(sni_calls, 1);
  EXPECT_EQ(c.selected_alpn_protocol(), "h2");
}

// 4. A setting changed after a connection was made governs its handshake:
// a context that says it checks host names does, for every connection.
TEST(ApiSafety, VerificationPolicyChangedAfterWrapAppliesToTheConnection) {
  Context ctx(PROTOCOL_TLS_CLIENT);
  ctx.load_verify_locations(pki().ca_file);
  ctx.set_check_hostname(false);
  ctx.set_verify_mode(CERT_NONE);
  Connection c = ctx.wrap_bio({.server_hostname = "bank.example"});
  ctx.set_check_hostname(true);  // also raises verify_mode to CERT_REQUIRED
  ASSERT_EQ(ctx.verify_mode(), CERT_REQUIRED);

  Context server = test::server_context();  // a certificate for localhost
  Connection s = server.wrap_bio({.server_side = true});
  const auto r = handshake(c, s);
  ASSERT_EQ(r.client.status, io_status::error);
  EXPECT_EQ(r.client_ec, errc::certificate_verify_failed);
  EXPECT_EQ(c.last_error().verify_code, X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_FALSE(c.is_handshake_done());
}

TEST(ApiSafety, TurningVerificationOnAfterWrapRejectsAnUntrustedServer) {
  Context ctx(PROTOCOL_TLS_CLIENT);
  ctx.set_check_hostname(false);
  ctx.set_verify_mode(CERT_NONE);
  Connection c = ctx.wrap_bio({.server_hostname = "localhost"});
  ctx.set_verify_mode(CERT_REQUIRED);  // trusts nothing: every server fails
  Context server = test::server_context();
  Connection s = server.wrap_bio({.server_side = true});
  const auto r = handshake(c, s);
  EXPECT_EQ(r.client.status, io_status::error);
  EXPECT_EQ(r.client_ec, errc::certificate_verify_failed);
}

// 5. Options, not positional bools: a host name can never become a bool.
template <typename C>
concept wraps_bio_from_string = requires(const C& c) { c.wrap_bio("localhost"); };
template <typename C>
concept wraps_bio_from_bool_and_string = requires(const C& c) { c.wrap_bio(false, "localhost"); };
template <typename C>
concept wraps_socket_from_string = requires(const C& c, Socket s) { c.wrap_socket(std::move(s), "localhost"); };

TEST(ApiSafety, WrapTakesOptionsAndAStringCannotBecomeABool) {
  static_assert(!wraps_bio_from_string<Context>);
  static_assert(!wraps_bio_from_bool_and_string<Context>);
  static_assert(!wraps_socket_from_string<Context>);
  const Context ctx = trusting_client();
  const Connection c = ctx.wrap_bio({.server_hostname = "localhost"});
  EXPECT_FALSE(c.server_side());
  EXPECT_EQ(c.server_hostname(), "localhost");
}

// 6. A session made for one name is refused for another, whichever of
// set_session and set_server_hostname comes first.
TEST(ApiSafety, SessionForAnotherNameIsRefusedInEitherOrder) {
  Context client = trusting_client();
  Context server = test::server_context();
  std::optional<Session> session;
  {
    Connection c = client.wrap_bio({.server_hostname = "localhost"});
    Connection s = server.wrap_bio({.server_side = true});
    ASSERT_TRUE(handshake(c, s).ok());
    s.write(std::string_view("x"));  // the ticket arrives with data
    transfer(s, c);
    std::array<std::byte, 8> buf{};
    std::error_code ec;
    static_cast<void>(c.read(buf, ec));
    session = c.session();
  }
  ASSERT_TRUE(session);
  Connection late_name(client);  // pyOpenSSL order: session first, then the name
  late_name.set_connect_state();
  late_name.set_session(*session);
  EXPECT_THROW(late_name.set_server_hostname("other.example"), ValueError);
  EXPECT_EQ(late_name.server_hostname(), std::nullopt);
  late_name.set_server_hostname("LOCALHOST");  // the same name, in another case

  EXPECT_THROW(static_cast<void>(client.wrap_bio({.server_hostname = "other.example", .session = session})),
               ValueError);
}

// session_from makes a full handshake with `client` and returns the session
// (TLS 1.3: the ticket arrives with the first data).
std::optional<Session> session_from(const Context& client, const char* name, const Context& server) {
  Connection c = client.wrap_bio({.server_hostname = name});
  Connection s = server.wrap_bio({.server_side = true});
  if (!handshake(c, s).ok()) {
    return std::nullopt;
  }
  s.write(std::string_view("x"));
  transfer(s, c);
  std::array<std::byte, 8> buf{};
  std::error_code ec;
  static_cast<void>(c.read(buf, ec));
  static_cast<void>(c.shutdown());  // a session stays resumable only after a clean close
  return c.session();
}

// A resumed session is not verified again by OpenSSL: sslpp holds it to the
// connection's own policy when the handshake finishes. A session made while
// the context did not verify does not resume on it once it does.
TEST(ApiSafety, UnverifiedSessionDoesNotResumeUnderAVerifyingPolicy) {
  Context client(PROTOCOL_TLS_CLIENT);  // trusts nothing
  client.set_check_hostname(false);
  client.set_verify_mode(CERT_NONE);
  Context server = test::server_context();
  const std::optional<Session> session = session_from(client, "localhost", server);
  ASSERT_TRUE(session);
  client.set_verify_mode(CERT_REQUIRED);
  client.set_check_hostname(true);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = session});
  Connection s = server.wrap_bio({.server_side = true});
  const auto r = handshake(c, s);
  EXPECT_TRUE(c.session_reused()) << c.last_error().message;
  ASSERT_EQ(r.client.status, io_status::error);
  EXPECT_EQ(r.client_ec, errc::certificate_verify_failed);
  EXPECT_THROW(c.write(std::string_view("secret")), SSLCertVerificationError);
}

// The same when the session handle lost its origin (re-wrapped from the
// native handle) and is offered for another name.
TEST(ApiSafety, ResumedSessionIsCheckedAgainstTheNewName) {
  Context client = trusting_client();
  Context server = test::server_context(&pki().wrong_name);  // only wrong.example
  const std::optional<Session> session = session_from(client, "wrong.example", server);
  ASSERT_TRUE(session);
  const Session anonymous = Session::from_native(session->native_handle());
  // An sslpp server refuses a session made for another name itself (its
  // servername hook); take the hook away to stand for a server that does
  // not, so that the client's own check is what is tested.
  ::SSL_CTX_set_tlsext_servername_callback(server.native_handle(), nullptr);
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = anonymous});
  Connection s = server.wrap_bio({.server_side = true});
  const auto r = handshake(c, s);
  EXPECT_TRUE(c.session_reused()) << c.last_error().message;
  ASSERT_EQ(r.client.status, io_status::error);
  EXPECT_EQ(c.last_error().verify_code, X509_V_ERR_HOSTNAME_MISMATCH);
}

// An sslpp server, callbacks or not, refuses to resume a session made for
// another server name: the handshake fails before any data.
TEST(ApiSafety, ServerRefusesASessionMadeForAnotherName) {
  Context client = trusting_client();
  Context server = test::server_context(&pki().wrong_name);
  const std::optional<Session> session = session_from(client, "wrong.example", server);
  ASSERT_TRUE(session);
  const Session anonymous = Session::from_native(session->native_handle());
  Connection c = client.wrap_bio({.server_hostname = "localhost", .session = anonymous});
  Connection s = server.wrap_bio({.server_side = true});
  const auto r = handshake(c, s);
  EXPECT_EQ(r.server.status, io_status::error);
  EXPECT_EQ(r.client.status, io_status::error);
  EXPECT_EQ(c.last_error().reason, "SSLV3_ALERT_HANDSHAKE_FAILURE") << c.last_error().message;
}

TEST(ApiSafety, SetContextRefusesAConnectionWithoutTheServerRole) {
  Context any(PROTOCOL_TLS_SERVER);
  Context other = test::server_context();
  Connection c(any);  // no role yet: OpenSSL would count it a server
  EXPECT_THROW(c.set_context(other), ValueError);
  c.set_accept_state();
  c.set_context(other);
}

// 7. Errors compose: a truncation is errc::eof, a verification failure says
// why in ec.message().
TEST(ApiSafety, TruncationAndVerificationCodesCompose) {
  Context client = trusting_client();
  Context server = test::server_context();
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = server.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(c, s).ok());
  c.bio_shutdown();  // the transport ends without close_notify
  std::array<std::byte, 16> buf{};
  std::error_code ec;
  const io_result r = c.read(buf, ec);
  EXPECT_EQ(r.status, io_status::truncated);
  EXPECT_EQ(ec, errc::eof);
  EXPECT_EQ(c.last_error().code, errc::eof);
  EXPECT_THROW(c.read(buf), SSLEOFError);

  Context strict = trusting_client();
  Connection wrong = strict.wrap_bio({.server_hostname = "wrong.example"});
  Connection s2 = server.wrap_bio({.server_side = true});
  const auto hr = handshake(wrong, s2);
  ASSERT_EQ(hr.client.status, io_status::error);
  EXPECT_EQ(hr.client_ec, errc::certificate_verify_failed);
  EXPECT_EQ(hr.client_ec.message(), "hostname mismatch");
  EXPECT_NE(wrong.last_error().message.find("Hostname mismatch"), std::string::npos);
}

// 8. Kernel TLS uses OpenSSL's socket BIO, which writes with write(2): a
// peer that has gone must not kill the process with SIGPIPE. (The test
// process does not ignore SIGPIPE.)
TEST(ApiSafety, KtlsWriteToAResetPeerRaisesNoSigpipe) {
  Context server_ctx = test::server_context();
  Socket listener = loopback_listener();
  const std::uint16_t port = listener.getsockname().port;
  auto server = std::async(std::launch::async, [&] {
    auto [tcp, peer] = listener.accept();
    SSLSocket tls = server_ctx.wrap_socket(std::move(tcp), {.server_side = true});
    tls.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
    const linger reset{1, 0};  // close with a reset, not a FIN
    ::setsockopt(tls.fileno(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    tls.close();
  });
  Context client = trusting_client();
  client.set_options(OP_ENABLE_KTLS);
  SSLSocket tls = client.wrap_socket(create_connection("127.0.0.1", port, 5s), {.server_hostname = "localhost"});
  server.get();
  const std::string chunk(16384, 'x');
  bool failed = false;
  for (int i = 0; i < 200 && !failed; ++i) {
    try {
      tls.sendall(chunk);
    } catch (const OSError&) {
      failed = true;  // EPIPE / ECONNRESET as a typed error; the process lives
    }
  }
  EXPECT_TRUE(failed);
}

// 9. Timeouts are checked: no NaN, no infinity, nothing that overflows.
TEST(ApiSafety, TimeoutsOutOfRangeAreRefused) {
  Socket s(AF_INET);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const double bad : {nan, inf, -inf, -1.0, 1e300}) {
    EXPECT_THROW(s.settimeout(std::chrono::duration<double>(bad)), ValueError) << bad;
    EXPECT_THROW(static_cast<void>(create_connection("127.0.0.1", 9, std::chrono::duration<double>(bad))),
                 ValueError)
        << bad;
  }
  s.settimeout(std::chrono::duration<double>(1e9));  // about 31 years: accepted
  EXPECT_EQ(s.gettimeout(), std::chrono::duration<double>(1e9));
}

// 9. A blocking unwrap() does not wait forever for a close_notify that never
// comes.
TEST(ApiSafety, BlockingUnwrapIsBounded) {
  Context server_ctx = test::server_context();
  Socket listener = loopback_listener();
  const std::uint16_t port = listener.getsockname().port;
  std::promise<void> client_done;
  auto server = std::async(std::launch::async, [&] {
    auto [tcp, peer] = listener.accept();
    SSLSocket tls = server_ctx.wrap_socket(std::move(tcp), {.server_side = true});
    // Holds the connection open, never answering the close_notify.
    client_done.get_future().wait_for(SSLSocket::unwrap_blocking_limit + 10s);
  });
  Context client = trusting_client();
  SSLSocket tls = client.wrap_socket(create_connection("127.0.0.1", port, 5s), {.server_hostname = "localhost"});
  tls.settimeout(std::nullopt);  // blocking
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(static_cast<void>(tls.unwrap()), TimeoutError);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, SSLSocket::unwrap_blocking_limit - 1s);
  client_done.set_value();
  server.get();
}

// 10. Secrets handed out are wiped when freed (SecureBytes).
TEST(ApiSafety, SecretsComeInWipingContainers) {
  static_assert(std::is_same_v<decltype(std::declval<Connection&>().master_key()), std::optional<SecureBytes>>);
  static_assert(std::is_same_v<decltype(std::declval<Connection&>().export_keying_material("l", 1)), SecureBytes>);
  static_assert(std::is_same_v<decltype(std::declval<Context&>().session_ticket_keys()), SecureBytes>);
  Context server = test::server_context();
  const SecureBytes keys = server.session_ticket_keys();
  EXPECT_EQ(keys.size(), 80u);
  server.set_session_ticket_keys(keys);
}

}  // namespace
}  // namespace sslpp
