// sslpp serve reloading its certificate (SIGHUP, --reload) and its
// self-signed throwaway certificate (--print-cert), against sslpp's own
// client, `sslpp connect` and `openssl s_client`.
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "cli/cli_support.hpp"

namespace sslpp::cli_test {
namespace {

namespace fs = std::filesystem;

// client_trusting_both verifies "localhost" against the test CA and
// other_ca, which issued pki().untrusted: the two credentials served here.
Context client_trusting_both() {
  Context ctx = test::client_context();
  const std::string other = pki().other_ca.certificate().pem();
  ctx.load_verify_locations(VerifyLocations{.cadata_pem = other});
  return ctx;
}

std::string sha256_of(const test::CredentialFiles& c) { return c.credential.certificate.sha256_fingerprint(); }

SSLSocket connect_to(Context& ctx, std::uint16_t port) {
  return ctx.wrap_socket(create_connection("127.0.0.1", port, 10s), {.server_hostname = "localhost"});
}

std::string served_sha256(const SSLSocket& s) { return Certificate::from_der(*s.getpeercert_der()).sha256_fingerprint(); }

// LiveFiles are the cert.pem and key.pem serve reads, in a directory of
// their own, replaced the way certbot and editors do: a new file renamed
// over the old one.
struct LiveFiles {
  explicit LiveFiles(const std::string& name) : dir(pki().dir / ("reload-" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void install(const std::string& cert_pem, const std::string& key_pem) const {
    replace(cert, cert_pem);
    replace(key, key_pem);
  }
  void install(const test::CredentialFiles& c) const {
    install(c.credential.certificate.pem(), c.credential.key.pem());
  }
  static void replace(const fs::path& file, const std::string& text) {
    const fs::path next = file.string() + ".new";
    test::write_text(next, text);
    fs::rename(next, file);
  }
  [[nodiscard]] std::vector<std::string> args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a{"--cert", path(cert), "--key", path(key)};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  fs::path dir;
  fs::path cert = dir / "cert.pem";
  fs::path key = dir / "key.pem";
};

// next_reload reads serve's lines up to the next reload event.
nlohmann::json next_reload(Serve& srv) {
  const auto line = srv.proc.wait_for_line(R"("event": "reload")");
  if (!line) {
    throw std::runtime_error("no reload event from sslpp serve: " + srv.proc.describe());
  }
  return nlohmann::json::parse(*line);
}

TEST(CliServeReload, SighupServesTheNewCertificateToNewConnectionsOnly) {
  const LiveFiles files("sighup");
  files.install(pki().server);
  Serve srv(files.args());
  Context client = client_trusting_both();
  SSLSocket before = connect_to(client, srv.port);
  EXPECT_EQ(served_sha256(before), sha256_of(pki().server));

  files.install(pki().untrusted);
  srv.proc.kill(SIGHUP);
  const nlohmann::json ev = next_reload(srv);
  EXPECT_EQ(ev["ok"], true) << ev;
  EXPECT_EQ(ev["sha256"], sha256_of(pki().untrusted)) << ev;
  EXPECT_EQ(ev["subject"], pki().untrusted.credential.certificate.subject_name()) << ev;
  EXPECT_TRUE(ev["sni"].is_null()) << ev;

  SSLSocket after = connect_to(client, srv.port);
  EXPECT_EQ(served_sha256(after), sha256_of(pki().untrusted));
  // The connection made before the reload goes on as it was.
  before.sendall("still here");
  EXPECT_EQ(before.read(), "still here");
  EXPECT_EQ(served_sha256(before), sha256_of(pki().server));
}

// BadReload is a file set that must not replace the certificate served.
struct BadReload {
  const char* name;
  const char* reason;
  void (*install)(const LiveFiles& files);
};

class CliServeBadReload : public ::testing::TestWithParam<BadReload> {};

TEST_P(CliServeBadReload, KeepsServingTheOldCertificateAndSaysWhy) {
  const BadReload& bad = GetParam();
  const LiveFiles files(bad.name);
  files.install(pki().server);
  Serve srv(files.args());
  bad.install(files);
  srv.proc.kill(SIGHUP);
  const nlohmann::json ev = next_reload(srv);
  EXPECT_EQ(ev["ok"], false) << ev;
  EXPECT_EQ(ev["class"], "CredentialError") << ev;
  EXPECT_EQ(ev["reason"], bad.reason) << ev;
  EXPECT_FALSE(ev["message"].get<std::string>().empty()) << ev;
  Context client = client_trusting_both();
  SSLSocket after = connect_to(client, srv.port);
  EXPECT_EQ(served_sha256(after), sha256_of(pki().server));
}

INSTANTIATE_TEST_SUITE_P(
    Cli, CliServeBadReload,
    ::testing::Values(
        BadReload{"mismatched_key", "KEY_MISMATCH",
                  [](const LiveFiles& f) {
                    f.install(pki().untrusted.credential.certificate.pem(), pki().server.credential.key.pem());
                  }},
        BadReload{"expired", "EXPIRED", [](const LiveFiles& f) { f.install(pki().expired); }},
        BadReload{"not_yet_valid", "NOT_YET_VALID", [](const LiveFiles& f) { f.install(pki().not_yet_valid); }},
        BadReload{"unreadable", "UNREADABLE", [](const LiveFiles& f) { fs::remove(f.cert); }},
        BadReload{"garbage", "NO_CERTIFICATE",
                  [](const LiveFiles& f) { LiveFiles::replace(f.cert, "not a certificate\n"); }}),
    [](const ::testing::TestParamInfo<BadReload>& info) { return std::string(info.param.name); });

TEST(CliServeReload, ReloadFlagPicksUpAFileReplacedByARename) {
  const LiveFiles files("watch");
  files.install(pki().server);
  Serve srv(files.args({"--reload"}));
  files.install(pki().untrusted);
  // Bounded by wait_for_line's timeout; serve reads the files once they
  // have been quiet for a moment, so both renames come in one reload.
  const nlohmann::json ev = next_reload(srv);
  EXPECT_EQ(ev["ok"], true) << ev;
  EXPECT_EQ(ev["sha256"], sha256_of(pki().untrusted)) << ev;
  Context client = client_trusting_both();
  SSLSocket after = connect_to(client, srv.port);
  EXPECT_EQ(served_sha256(after), sha256_of(pki().untrusted));
}

TEST(CliServeReload, SniCertificatesReloadToo) {
  const LiveFiles main_files("sni-main");
  const LiveFiles sni_files("sni-other");
  main_files.install(pki().server);
  sni_files.install(pki().server);
  Serve srv(main_files.args({"--sni", "other.example=" + path(sni_files.cert) + "," + path(sni_files.key)}));
  sni_files.install(pki().untrusted);
  srv.proc.kill(SIGHUP);
  const nlohmann::json first = next_reload(srv);
  const nlohmann::json second = next_reload(srv);
  EXPECT_TRUE(first["sni"].is_null()) << first;
  EXPECT_EQ(first["sha256"], sha256_of(pki().server)) << first;
  EXPECT_EQ(second["sni"], "other.example") << second;
  EXPECT_EQ(second["sha256"], sha256_of(pki().untrusted)) << second;
}

// A reload under load: client threads connect in a loop while the
// certificate is swapped back and forth. Every handshake must succeed with
// one of the two certificates.
TEST(CliServeReload, ReloadsUnderLoadLoseNoHandshake) {
  constexpr int kClients = 4;
  constexpr int kReloads = 6;
  const LiveFiles files("load");
  files.install(pki().server);
  Serve srv(files.args());
  Context client = client_trusting_both();
  const std::set<std::string> expected{sha256_of(pki().server), sha256_of(pki().untrusted)};
  std::atomic<bool> done{false};
  std::atomic<int> handshakes{0};
  std::vector<std::string> failures(kClients);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      while (!done.load() && failures[static_cast<std::size_t>(t)].empty()) {
        try {
          SSLSocket s = connect_to(client, srv.port);
          if (!expected.contains(served_sha256(s))) {
            failures[static_cast<std::size_t>(t)] = "unexpected certificate";
          }
          s.sendall("ping");
          if (s.read() != "ping") {
            failures[static_cast<std::size_t>(t)] = "no echo";
          }
          handshakes.fetch_add(1);
        } catch (const std::exception& e) {
          failures[static_cast<std::size_t>(t)] = e.what();
        }
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + 60s;  // bounds a stuck client
  for (int i = 0; i < kReloads; ++i) {
    const auto& next = i % 2 == 0 ? pki().untrusted : pki().server;
    files.install(next);
    srv.proc.kill(SIGHUP);
    const nlohmann::json ev = next_reload(srv);
    EXPECT_EQ(ev["sha256"], sha256_of(next)) << ev;
    // Let handshakes run on each certificate: of the next kClients + 1 to
    // complete, one at least began after the reload.
    const int before = handshakes.load();
    while (handshakes.load() < before + kClients + 1 && std::chrono::steady_clock::now() < deadline) {
      // Serve's event lines must be read, or its stdout fills and it stops.
      (void)srv.proc.read_line(100ms);
    }
  }
  done = true;
  for (std::thread& th : threads) {
    th.join();
  }
  for (const std::string& f : failures) {
    EXPECT_EQ(f, "");
  }
  EXPECT_LT(std::chrono::steady_clock::now(), deadline) << "handshakes stopped completing";
  EXPECT_GE(handshakes.load(), kReloads * (kClients + 1));
}

TEST(CliServeReload, SighupWithTheThrowawayCertificateSaysThereIsNothingToReload) {
  Serve srv({});
  srv.proc.kill(SIGHUP);
  const nlohmann::json ev = next_reload(srv);
  EXPECT_EQ(ev["ok"], false) << ev;
  EXPECT_EQ(ev["reason"], "THROWAWAY") << ev;
  // Still serving: SIGHUP no longer stops serve.
  const Outcome r = sslpp({"connect", "--verify", "none", endpoint(srv.port)});
  EXPECT_EQ(r.status, 0) << r.describe();
}

TEST(CliServeReload, PrintCertIsTrustedBySslppConnectAndOpenssl) {
  const fs::path cert = pki().dir / "reload-throwaway.pem";
  fs::remove(cert);
  Serve srv({"--print-cert", path(cert), "--exit-after", "3"});
  // Self-signed for localhost, 127.0.0.1 and ::1: trusted as its own anchor.
  const Certificate printed = Certificate::load(cert);
  EXPECT_EQ(printed.subject_name(), printed.issuer_name());
  const Outcome by_ip = sslpp({"connect", "--cafile", path(cert), endpoint(srv.port)});
  EXPECT_EQ(by_ip.status, 0) << by_ip.describe();
  const Outcome by_name = sslpp({"connect", "--cafile", path(cert), "--servername", "localhost", endpoint(srv.port)});
  EXPECT_EQ(by_name.status, 0) << by_name.describe();
  const Outcome s_client =
      run_program({SSLPP_OPENSSL, "s_client", "-connect", endpoint(srv.port), "-verify_return_error", "-CAfile",
                   path(cert), "-verify_hostname", "localhost", "-servername", "localhost"},
                  "Q\n");
  EXPECT_EQ(s_client.status, 0) << s_client.describe();
  EXPECT_TRUE(contains(s_client.out, "Verify return code: 0 (ok)")) << s_client.describe();
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
}

TEST(CliServeReloadInput, BadOptionsExit2BeforeListening) {
  const std::vector<std::vector<std::string>> cases = {
      {"serve", "--reload"},
      {"serve", "--print-cert", ""},
      {"serve", "--print-cert", path(pki().dir / "no-such-dir" / "cert.pem")},
      {"serve", "--cert", path(pki().server.cert), "--key", path(pki().server.key), "--print-cert",
       path(pki().dir / "reload-unused.pem")},
  };
  for (const auto& args : cases) {
    const Outcome r = sslpp(args);
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.describe();
    EXPECT_FALSE(contains(r.out, "listening")) << r.describe();
  }
}

}  // namespace
}  // namespace sslpp::cli_test
