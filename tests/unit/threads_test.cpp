// Sharing between threads, as the headers promise it: one Context (with its
// callbacks, session cache and trust store) used by several threads at once,
// callbacks replaced while handshakes run, sessions and certificates read
// from several threads, a certificate authority issuing from several
// threads, one CertStore verifying on several threads. These tests are what
// CI runs under ThreadSanitizer (.ci/run, SSLPP_TSAN) together with the
// socket tests that run a server thread.
#include <sslpp/cert_store.hpp>
#include <sslpp/certificate_authority.hpp>
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using test::pki;

constexpr int kThreads = 4;
constexpr int kRounds = 8;

// close_cleanly exchanges close_notify both ways. A client connection freed
// without it makes OpenSSL mark its session not resumable (a connection
// that ended abnormally may have been tampered with), and that session may
// be the one other threads are offering.
void close_cleanly(Connection& client, Connection& server) {
  std::error_code ec;
  static_cast<void>(client.shutdown(ec));
  test::transfer(client, server);
  static_cast<void>(server.shutdown(ec));
  test::transfer(server, client);
  static_cast<void>(client.shutdown(ec));
}

// run_threads runs `body(thread_index)` on kThreads threads and joins them.
template <typename Body>
void run_threads(Body body) {
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&body, t] { body(t); });
  }
  for (std::thread& t : threads) {
    t.join();
  }
}

TEST(Threads, SharedContextsWithCallbacksAndSessions) {
  Context client_ctx = test::client_context();
  Context server_ctx = test::server_context();
  server_ctx.set_alpn_protocols({"h2", "http/1.1"});
  client_ctx.set_alpn_protocols({"h2"});
  std::atomic<int> sni_calls{0};
  std::atomic<int> verify_calls{0};
  server_ctx.set_sni_callback([&](Connection&, std::optional<std::string_view> name, const Context&) {
    sni_calls += name == "localhost" ? 1 : 0;
    return std::optional<AlertDescription>();
  });
  client_ctx.set_verify(VERIFY_PEER, [&](Connection&, const Certificate& cert, int, int, bool ok) {
    verify_calls += cert.subject_name().empty() ? 0 : 1;
    return ok;
  });
  // A session made on this thread, offered by every thread.
  std::optional<Session> shared_session;
  {
    Connection cl = client_ctx.wrap_bio({.server_hostname = "localhost"});
    Connection sv = server_ctx.wrap_bio({.server_side = true});
    ASSERT_TRUE(test::handshake(cl, sv).ok());
    test::exchange(cl, sv);  // TLS 1.3 tickets arrive after the handshake
    shared_session = cl.session();
    ASSERT_TRUE(shared_session);
    close_cleanly(cl, sv);
  }
  std::atomic<int> ok{0};
  std::atomic<int> resumed{0};
  std::atomic<bool> stop{false};
  // Replacing a callback is safe at any time (context.hpp): one thread keeps
  // replacing the server's ALPN choice while the others handshake.
  std::thread replacer([&] {
    int n = 0;
    while (!stop) {
      server_ctx.set_alpn_select_callback([pick = (n++ % 2 == 0)](Connection&, const std::vector<std::string>& offered) {
        return pick && !offered.empty() ? std::optional<std::string>(offered.front()) : std::optional<std::string>("h2");
      });
      std::this_thread::yield();
    }
  });
  run_threads([&](int t) {
    for (int i = 0; i < kRounds; ++i) {
      Connection cl = client_ctx.wrap_bio({.server_hostname = "localhost",
                                           .session = (t + i) % 2 == 0 ? shared_session : std::nullopt});
      Connection sv = server_ctx.wrap_bio({.server_side = true});
      if (!test::handshake(cl, sv).ok()) {
        continue;
      }
      resumed += cl.session_reused() ? 1 : 0;
      const test::Exchanged got = [&] {
        cl.write("ping " + std::to_string(t));
        sv.write("pong");
        return test::exchange(cl, sv);
      }();
      ok += got.at_server == "ping " + std::to_string(t) && got.at_client == "pong" &&
                    cl.selected_alpn_protocol() == "h2" && cl.getpeercert().has_value()
                ? 1
                : 0;
      static_cast<void>(shared_session->id());  // read while others resume it
      close_cleanly(cl, sv);
    }
  });
  stop = true;
  replacer.join();
  EXPECT_EQ(ok.load(), kThreads * kRounds);
  EXPECT_GT(resumed.load(), 0);
  EXPECT_GE(sni_calls.load(), kThreads * kRounds);
  EXPECT_GT(verify_calls.load(), 0);
  const SessionStats stats = server_ctx.session_stats();
  EXPECT_GE(stats.accept_good, kThreads * kRounds);
}

TEST(Threads, OneAuthorityIssuesAndOneStoreVerifiesOnManyThreads) {
  const CertificateAuthority& ca = pki().ca;  // a credential shared by every thread
  CertStore store;
  store.add_cert(ca.certificate());
  std::atomic<int> verified{0};
  std::atomic<int> read_ok{0};
  const std::string root_pem = ca.certificate().pem();
  run_threads([&](int t) {
    for (int i = 0; i < kRounds; ++i) {
      const std::string name = "host" + std::to_string(t) + "-" + std::to_string(i) + ".example";
      const Credential c = ca.issue({.common_name = name, .dns_names = {name}});
      try {
        const auto chain = store.verify(c.certificate, {.hostname = name});
        verified += chain.size() == 2 && chain.back().pem() == root_pem ? 1 : 0;
      } catch (const SSLCertVerificationError&) {
      }
      // The shared root and the server's certificate, read on every thread.
      read_ok += pki().server.credential.certificate.decode().subject != ca.certificate().decode().subject ? 1 : 0;
    }
  });
  EXPECT_EQ(verified.load(), kThreads * kRounds);
  EXPECT_EQ(read_ok.load(), kThreads * kRounds);
}

}  // namespace
}  // namespace sslpp
