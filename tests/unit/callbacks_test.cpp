// The Context's callbacks against real peers: SNI switching certificates,
// verify callbacks that override and that reject, the info callback, ALPN
// selection, passphrase callbacks, client CA lists, and callbacks that throw.
#include <sslpp/sslpp.hpp>

#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/echo_server.hpp"
#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::pki;
using test::EchoServer;
using test::run_python_client;
using test::Subprocess;
using namespace std::chrono_literals;

Credential issue(const std::string& name) {
  CertificateRequest req;
  req.common_name = name;
  req.dns_names = {name};
  return pki().ca.issue(req);
}

Context server_context_for(const Credential& cred) {
  Context ctx(PROTOCOL_TLS_SERVER);
  ctx.use_certificate(cred.certificate);
  ctx.use_privatekey(cred.key);
  return ctx;
}

TEST(CallbacksInterop, ServernameCallbackServesThreeCertificates) {
  std::map<std::string, Context> by_name;
  for (const char* name : {"alpha.test", "beta.test", "gamma.test"}) {
    by_name.emplace(name, server_context_for(issue(name)));
  }
  Context front = server_context_for(issue("default.test"));
  std::vector<std::string> seen;
  std::mutex m;
  front.set_tlsext_servername_callback([&](Connection& conn) {
    const auto name = conn.get_servername();
    const std::lock_guard lock(m);
    seen.push_back(name.value_or("<none>"));
    if (name) {
      if (auto it = by_name.find(*name); it != by_name.end()) {
        conn.set_context(it->second);
      }
    }
  });
  EchoServer server(front, 4);
  const auto lines = run_python_client(server.port, {"alpha.test", "beta.test", "gamma.test", "default.test"});
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines[0].starts_with("alpha.test alpha.test ")) << lines[0];
  EXPECT_TRUE(lines[1].starts_with("beta.test beta.test ")) << lines[1];
  EXPECT_TRUE(lines[2].starts_with("gamma.test gamma.test ")) << lines[2];
  EXPECT_TRUE(lines[3].starts_with("default.test default.test ")) << lines[3];
  EXPECT_EQ(server.errors(), std::vector<std::string>{});
  EXPECT_EQ(seen, (std::vector<std::string>{"alpha.test", "beta.test", "gamma.test", "default.test"}));
}

TEST(CallbacksInterop, PythonStyleSniCallbackCanRefuseWithAnAlert) {
  Context alpha = server_context_for(issue("alpha.test"));
  Context front = server_context_for(issue("default.test"));
  front.set_sni_callback([&](Connection& conn, std::optional<std::string_view> name,
                             const Context& current) -> std::optional<AlertDescription> {
    EXPECT_EQ(current, front);  // the context the connection has so far
    if (name == "alpha.test") {
      conn.set_context(alpha);
      return std::nullopt;
    }
    return ALERT_DESCRIPTION_UNRECOGNIZED_NAME;
  });
  EchoServer server(front, 2);
  const auto lines = run_python_client(server.port, {"alpha.test", "nobody.test"});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].starts_with("alpha.test alpha.test ")) << lines[0];
  EXPECT_NE(lines[1].find("ERROR SSLError"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("UNRECOGNIZED_NAME"), std::string::npos) << lines[1];
  const auto errors = server.errors();
  ASSERT_EQ(errors.size(), 1u);
  // OpenSSL's name for a server-name hook that refused.
  EXPECT_NE(errors[0].find("CALLBACK_FAILED"), std::string::npos) << errors[0];
}

TEST(CallbacksInterop, ServernameCallbackThatThrowsReachesTheServer) {
  Context front = server_context_for(issue("default.test"));
  front.set_tlsext_servername_callback([](Connection&) { throw std::runtime_error("no such tenant"); });
  // Through the sans-IO form, the exception itself comes back.
  Context client = test::client_context();
  Connection c = client.wrap_bio({.server_hostname = "default.test"});
  Connection s = front.wrap_bio({.server_side = true});
  try {
    (void)test::handshake(c, s);
    s.do_handshake();
    FAIL() << "the handshake should have failed";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "no such tenant");
  }
  // And a Python client sees the handshake refused, the server lives on.
  EchoServer server(front, 1);
  const auto lines = run_python_client(server.port, {"default.test"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("ERROR"), std::string::npos) << lines[0];
  const auto errors = server.errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "no such tenant");
}

TEST(CallbacksInterop, VerifyCallbackOverridesAFailureAgainstSServer) {
  test::SServer peer = test::start_s_server(pki().server, {"-rev"});
  Context ctx(PROTOCOL_TLS_CLIENT);  // trusts nothing: verification fails
  struct Call {
    int errnum;
    int depth;
    bool ok;
    std::string subject;
  };
  std::vector<Call> calls;
  ctx.set_verify(VERIFY_PEER, [&](Connection&, const Certificate& cert, int errnum, int depth, bool ok) {
    calls.push_back({errnum, depth, ok, cert.subject_name()});
    return true;
  });
  SSLSocket s = ctx.wrap_socket(create_connection("127.0.0.1", peer.port, std::chrono::duration<double>(5)),
      {.server_hostname = "localhost"});
  s.sendall("abc\n");
  EXPECT_EQ(s.read(4), "cba\n");
  ASSERT_FALSE(calls.empty());
  EXPECT_FALSE(calls.front().ok);
  EXPECT_EQ(calls.front().errnum, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_EQ(calls.back().depth, 0);
  EXPECT_EQ(calls.back().subject, "CN=localhost");
}

TEST(CallbacksInterop, VerifyCallbackRejectsAValidChainFromPython) {
  // A Python server with a valid certificate; our callback says no.
  Subprocess py({SSLPP_PYTHON3, "-c",
                 "import socket, ssl, sys\n"
                 "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
                 "ctx.load_cert_chain(sys.argv[1], sys.argv[2])\n"
                 "ls = socket.create_server(('127.0.0.1', 0))\n"
                 "ls.settimeout(5)\n"
                 "print(ls.getsockname()[1], flush=True)\n"
                 "c, _ = ls.accept()\n"
                 "try:\n"
                 "    ctx.wrap_socket(c, server_side=True)\n"
                 "except ssl.SSLError as e:\n"
                 "    print('server saw', e.reason, flush=True)\n",
                 pki().server.cert.string(), pki().server.key.string()});
  const auto port_line = py.read_line();
  ASSERT_TRUE(port_line) << py.describe();
  Context ctx = test::client_context();
  std::vector<int> depths;
  ctx.set_verify(VERIFY_PEER, [&](Connection&, const Certificate&, int, int depth, bool ok) {
    depths.push_back(depth);
    EXPECT_TRUE(ok);
    return depth != 0;  // the leaf is refused
  });
  try {
    (void)ctx.wrap_socket(create_connection("127.0.0.1", static_cast<std::uint16_t>(std::stoi(*port_line)),
                                            std::chrono::duration<double>(5)), {.server_hostname = "localhost"});
    FAIL() << "the handshake should have failed";
  } catch (const SSLCertVerificationError& e) {
    EXPECT_EQ(e.verify_code(), X509_V_ERR_APPLICATION_VERIFICATION);
  }
  EXPECT_EQ(depths, (std::vector<int>{1, 0}));
  const auto saw = py.read_line();
  ASSERT_TRUE(saw) << py.describe();
  EXPECT_NE(saw->find("server saw"), std::string::npos) << *saw;
}

TEST(CallbacksInterop, InfoCallbackSeesTheHandshakeStatesInOrder) {
  test::SServer peer = test::start_s_server(pki().server, {"-tls1_2", "-rev"});
  Context ctx = test::client_context();
  std::vector<std::pair<InfoWhere, std::string>> events;
  ctx.set_info_callback([&](Connection& conn, InfoWhere where, int) { events.emplace_back(where, conn.state_string()); });
  SSLSocket s = ctx.wrap_socket(create_connection("127.0.0.1", peer.port, std::chrono::duration<double>(5)),
      {.server_hostname = "localhost"});
  s.sendall("ping\n");
  EXPECT_EQ(s.read(5), "gnip\n");
  ASSERT_GE(events.size(), 4u);
  EXPECT_TRUE(has_all(events.front().first, InfoWhere::handshake_start));
  const auto done = std::find_if(events.begin(), events.end(),
                                 [](const auto& e) { return has_all(e.first, InfoWhere::handshake_done); });
  ASSERT_NE(done, events.end());
  EXPECT_TRUE(std::any_of(events.begin(), done, [](const auto& e) { return has_all(e.first, InfoWhere::connect_loop); }));
  EXPECT_EQ(done->second, "SSL negotiation finished successfully");
  // Removing the callback stops the calls.
  const std::size_t before = events.size();
  ctx.set_info_callback({});
  s.unwrap();
  EXPECT_EQ(events.size(), before);
}

TEST(Callbacks, InfoCallbackRecordsATls12Renegotiation) {
  Context client = test::client_context();
  client.set_maximum_version(TLSVersion::TLSv1_2);
  std::vector<std::string> states;
  int starts = 0;
  int dones = 0;
  client.set_info_callback([&](Connection& conn, InfoWhere where, int) {
    starts += has_all(where, InfoWhere::handshake_start) ? 1 : 0;
    dones += has_all(where, InfoWhere::handshake_done) ? 1 : 0;
    if (has_all(where, InfoWhere::connect_loop)) {
      states.push_back(conn.state_string());
    }
  });
  Context server = test::server_context();
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = server.wrap_bio({.server_side = true});
  ASSERT_TRUE(test::handshake(c, s).ok());
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(dones, 1);
  const std::size_t first_handshake_states = states.size();
  s.renegotiate();
  s.write("after");
  // The HelloRequest and the new handshake ride along with the data.
  std::string got;
  for (int round = 0; round < 10 && (got.empty() || dones < 2); ++round) {
    test::transfer(s, c);
    std::error_code ec;
    std::byte buf[16];
    const io_result r = c.read(buf, ec);
    if (r.ok()) {
      got.append(reinterpret_cast<const char*>(buf), r.bytes);
    }
    test::transfer(c, s);
    (void)s.read(buf, ec);
  }
  EXPECT_EQ(got, "after");
  EXPECT_EQ(starts, 2);
  EXPECT_EQ(dones, 2);
  EXPECT_EQ(c.total_renegotiations(), 1);
  // The second handshake went through the client states again, in order.
  ASSERT_GT(states.size(), first_handshake_states);
  const std::vector<std::string> second(states.begin() + static_cast<long>(first_handshake_states), states.end());
  const auto at = [&second](const char* state) { return std::find(second.begin(), second.end(), state); };
  EXPECT_LT(at("SSLv3/TLS read hello request"), at("SSLv3/TLS write client hello")) << testing::PrintToString(second);
  // (an abbreviated handshake: the renegotiation resumes the session)
  EXPECT_LT(at("SSLv3/TLS write client hello"), at("SSLv3/TLS read server hello")) << testing::PrintToString(second);
  EXPECT_LT(at("SSLv3/TLS read server hello"), at("SSLv3/TLS write finished")) << testing::PrintToString(second);
  EXPECT_LT(at("SSLv3/TLS write finished"), second.end()) << testing::PrintToString(second);
}

TEST(Callbacks, InfoCallbackThatThrowsFailsTheCall) {
  Context server = test::server_context();
  server.set_info_callback([](Connection&, InfoWhere where, int) {
    if (has_all(where, InfoWhere::handshake_done)) {
      throw std::logic_error("from the info callback");
    }
  });
  Context client = test::client_context();
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = server.wrap_bio({.server_side = true});
  const auto r = test::handshake(c, s);
  EXPECT_FALSE(r.server.ok());
  EXPECT_EQ(r.server_ec, errc::callback_failed);
  EXPECT_THROW(std::rethrow_exception(s.take_callback_exception()), std::logic_error);
}

TEST(CallbacksInterop, AlpnSelectCallbackChoosesFromWhatPythonOffers) {
  Context server = test::server_context();
  std::vector<std::string> offered;
  server.set_alpn_select_callback([&](Connection&, const std::vector<std::string>& protocols) {
    offered = protocols;
    return std::optional<std::string>(protocols.back());
  });
  EchoServer echo(server, 1);
  Subprocess py({SSLPP_PYTHON3, "-c",
                 "import socket, ssl, sys\n"
                 "ctx = ssl.create_default_context(cafile=sys.argv[2])\n"
                 "ctx.set_alpn_protocols(['h2', 'spdy/3', 'http/1.1'])\n"
                 "with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5) as raw:\n"
                 "    with ctx.wrap_socket(raw, server_hostname='localhost') as s:\n"
                 "        s.sendall(b'x'); s.recv(1)\n"
                 "        print(s.selected_alpn_protocol(), flush=True)\n",
                 std::to_string(echo.port), pki().ca_file.string()});
  EXPECT_EQ(py.read_line(), "http/1.1") << py.describe();
  EXPECT_EQ(offered, (std::vector<std::string>{"h2", "spdy/3", "http/1.1"}));
  EXPECT_EQ(echo.errors(), std::vector<std::string>{});
}

TEST(Callbacks, InfoCallbackThatThrowsDuringShutdownFailsIt) {
  Context client = test::client_context();
  bool armed = false;
  client.set_info_callback([&armed](Connection&, InfoWhere where, int) {
    if (armed && has_all(where, InfoWhere::write_alert)) {
      throw std::logic_error("at close_notify");
    }
  });
  Context server = test::server_context();
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = server.wrap_bio({.server_side = true});
  ASSERT_TRUE(test::handshake(c, s).ok());
  armed = true;
  EXPECT_THROW(c.shutdown(), std::logic_error);
}

TEST(Callbacks, AlpnSelectCallbackNoneAndUnofferedAnswers) {
  const auto run = [](std::optional<std::string> answer) {
    Context server = test::server_context();
    server.set_alpn_select_callback([answer](Connection&, const std::vector<std::string>&) { return answer; });
    Context client = test::client_context();
    client.set_alpn_protocols({"a", "b"});
    Connection c = client.wrap_bio({.server_hostname = "localhost"});
    Connection s = server.wrap_bio({.server_side = true});
    const auto r = test::handshake(c, s);
    return std::make_pair(r.ok(), c.selected_alpn_protocol());
  };
  EXPECT_EQ(run("b"), std::make_pair(true, std::optional<std::string>("b")));
  EXPECT_EQ(run(std::nullopt), std::make_pair(true, std::optional<std::string>()));
  EXPECT_FALSE(run("not-offered").first);
}

TEST(Callbacks, PassphraseCallbackWrongThenRight) {
  Context ctx(PROTOCOL_TLS_SERVER);
  int calls = 0;
  std::string answer = "wrong";
  ctx.set_passwd_cb(
      [&](int maxlen, bool verify, const std::any& userdata) {
        ++calls;
        EXPECT_GT(maxlen, 0);
        EXPECT_FALSE(verify);
        EXPECT_EQ(std::any_cast<int>(userdata), 42);
        return answer;
      },
      42);
  EXPECT_THROW(ctx.use_privatekey_file(pki().encrypted_key), SSLError);
  answer = pki().key_password;
  EXPECT_NO_THROW(ctx.use_privatekey_file(pki().encrypted_key));
  EXPECT_EQ(calls, 2);
  // A callback that throws: its exception, not an OpenSSL one.
  ctx.set_passwd_cb([](int, bool, const std::any&) -> std::string { throw std::domain_error("vault locked"); });
  EXPECT_THROW(ctx.use_privatekey_file(pki().encrypted_key), std::domain_error);
}

TEST(CallbacksInterop, ClientCaListReachesOpensslClient) {
  Context server = test::server_context();
  server.load_verify_locations(pki().ca_file);
  server.set_verify(VERIFY_PEER);
  server.load_client_ca(pki().ca_file);
  server.add_client_ca(pki().other_ca.certificate());
  EchoServer echo(server, 1);
  Subprocess client({SSLPP_OPENSSL, "s_client", "-connect", "127.0.0.1:" + std::to_string(echo.port), "-cert",
                     pki().client.cert.string(), "-key", pki().client.key.string(), "-CAfile",
                     pki().ca_file.string(), "-tls1_2"});
  client.write_stdin("x");
  const std::string out = client.read_all(10s);
  EXPECT_NE(out.find("Acceptable client certificate CA names"), std::string::npos) << out;
  const std::string names = out.substr(out.find("Acceptable client certificate CA names"));
  EXPECT_NE(names.find("CN = " + *pki().ca.certificate().subject().get("CN") + "\n"), std::string::npos) << names;
  EXPECT_NE(names.find("CN = " + *pki().other_ca.certificate().subject().get("CN") + "\n"), std::string::npos) << names;
  EXPECT_EQ(echo.errors(), std::vector<std::string>{});

  // set_client_ca_list replaces the list.
  server.set_client_ca_list({pki().other_ca.certificate().subject()});
  Connection s = server.wrap_bio({.server_side = true});
  EXPECT_EQ(s.get_client_ca_list(), (std::vector<Name>{pki().other_ca.certificate().subject()}));
  EXPECT_THROW(server.load_client_ca("/nonexistent/ca.pem"), OSError);
  EXPECT_THROW(server.load_client_ca(pki().server.key), SSLError);  // no certificate in it
  EXPECT_EQ(server.wrap_bio({.server_side = true}).get_client_ca_list().size(), 1u);  // unchanged by the failures
  // load_client_ca replaces the list, one name per CA however often listed.
  const auto twice = pki().dir / "ca-twice.pem";
  test::write_text(twice, pki().ca.certificate().pem() + pki().ca.certificate().pem());
  server.load_client_ca(twice);
  EXPECT_EQ(server.wrap_bio({.server_side = true}).get_client_ca_list(),
            (std::vector<Name>{pki().ca.certificate().subject()}));
}

TEST(Callbacks, DhParametersEnableDheSuites) {
  const auto params = pki().dir / "dh.pem";
  Subprocess gen({SSLPP_OPENSSL, "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out",
                  params.string()});
  ASSERT_EQ(gen.wait(10s), 0) << gen.describe();
  const auto try_dhe = [](Context& server) {
    Context client = test::client_context();
    client.set_maximum_version(TLSVersion::TLSv1_2);
    client.set_ciphers("DHE-RSA-AES128-GCM-SHA256");
    Connection c = client.wrap_bio({.server_hostname = "localhost"});
    Connection s = server.wrap_bio({.server_side = true});
    const auto r = test::handshake(c, s);
    return r.ok() ? c.cipher()->name : std::string("failed");
  };
  Context server(PROTOCOL_TLS_SERVER);
  server.load_cert_chain(pki().server_rsa.cert, pki().server_rsa.key);
  server.set_ciphers("DHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(try_dhe(server), "failed");  // no parameters: no DHE
  server.load_dh_params(params);
  EXPECT_EQ(try_dhe(server), "DHE-RSA-AES128-GCM-SHA256");
  EXPECT_THROW(server.load_tmp_dh(pki().server.cert), SSLError);  // not parameters
  EXPECT_THROW(server.load_tmp_dh("/nonexistent/dh.pem"), OSError);
}

TEST(Callbacks, EcdhCurveChoosesTheGroup) {
  Context server = test::server_context();
  server.set_ecdh_curve("secp384r1");
  Context client = test::client_context();
  Connection c = client.wrap_bio({.server_hostname = "localhost"});
  Connection s = server.wrap_bio({.server_side = true});
  ASSERT_TRUE(test::handshake(c, s).ok());
  EXPECT_EQ(::SSL_get_negotiated_group(s.native_handle()), NID_secp384r1);
  EXPECT_THROW(server.set_ecdh_curve("no-such-curve"), ValueError);
  EXPECT_THROW(server.set_ecdh_curve(""), ValueError);
  EXPECT_THROW(server.set_ecdh_curve("DEFAULT"), ValueError);        // group-list syntax is not a curve
  EXPECT_THROW(server.set_ecdh_curve("?secp384r1"), ValueError);
  EXPECT_NO_THROW(server.set_ecdh_curve("P-256"));                   // NIST names, as Python accepts
  EXPECT_NO_THROW(server.set_ecdh_curve("X25519"));
}

}  // namespace
}  // namespace sslpp

namespace sslpp {
namespace {

TEST(Callbacks, SetContextKeepsTheOriginalClientVerification) {
  // A verifies client certificates against the test CA, with a callback; B
  // (the certificate for the name asked) trusts another CA and has none.
  Context a = test::server_context();
  a.load_verify_locations(pki().ca_file);
  a.set_verify_mode(CERT_REQUIRED);
  int a_callback_calls = 0;
  a.set_verify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT, [&](Connection&, const Certificate&, int, int, bool ok) {
    ++a_callback_calls;
    return ok;
  });
  Context b = server_context_for(issue("alpha.test"));
  b.load_verify_locations(VerifyLocations{.cadata_pem = pki().other_ca.certificate().pem()});
  a.set_tlsext_servername_callback([&](Connection& conn) { conn.set_context(b); });
  Context client = test::client_context();
  client.load_cert_chain(pki().client.cert, pki().client.key);
  Connection c = client.wrap_bio({.server_hostname = "alpha.test"});
  Connection s = a.wrap_bio({.server_side = true});
  ASSERT_TRUE(test::handshake(c, s).ok());
  EXPECT_GT(a_callback_calls, 0);
  ASSERT_TRUE(s.get_peer_certificate());
  EXPECT_EQ(s.get_peer_certificate()->subject().get("CN"), "client");
  EXPECT_EQ(c.get_peer_certificate()->subject().get("CN"), "alpha.test");
  // set_context is a server's: never on a client, never with an empty Context.
  Connection other = client.wrap_bio({.server_hostname = "localhost"});
  EXPECT_THROW(other.set_context(b), ValueError);
  Context moved = std::move(b);
  EXPECT_THROW(s.set_context(b), ValueError);  // NOLINT(bugprone-use-after-move): on purpose
}

TEST(Callbacks, ServernameHookRefusesASessionMadeForAnotherName) {
  Context server = test::server_context();
  server.set_session_id("both names");
  server.set_tlsext_servername_callback([](Connection&) {});
  Context client(PROTOCOL_TLS_CLIENT);  // no name checks: the server is what is tested
  client.set_check_hostname(false);
  client.set_verify_mode(CERT_NONE);
  const auto connect = [&](const char* name, const std::optional<Session>& offer) {
    Connection c(client);
    if (offer) {
      c.set_session(*offer);
    }
    c.set_tlsext_host_name(name);
    c.set_connect_state();
    Connection s = server.wrap_bio({.server_side = true});
    const bool ok = test::handshake(c, s).ok();
    std::optional<Session> session;
    if (ok) {
      s.write("t");
      test::transfer(s, c);
      (void)c.read(1);
      session = c.session();
      c.shutdown();
      test::transfer(c, s);
    }
    return std::make_tuple(ok, ok && s.session_reused(), session);
  };
  const auto [ok1, reused1, session] = connect("a.test", std::nullopt);
  ASSERT_TRUE(ok1);
  ASSERT_TRUE(session);
  const auto [ok2, reused2, unused2] = connect("a.test", session);
  EXPECT_TRUE(ok2);
  EXPECT_TRUE(reused2);
  const auto [ok3, reused3, unused3] = connect("b.test", session);
  EXPECT_FALSE(ok3);
  EXPECT_FALSE(reused3);
}

}  // namespace
}  // namespace sslpp
