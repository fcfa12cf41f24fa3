// Issue 15 item 1: `sslpp connect` explains a failed verification. Against
// `sslpp serve` on 127.0.0.1 with chains built by the test (a server that
// sends no intermediate, an expired leaf, a leaf for another host, a
// self-signed leaf): stdout prints the chain with the broken link marked and
// a hint naming the facts, stderr keeps its one "Class: reason
// (verify_code=N)" line, and --json adds error.depth, error.hint and
// error.chain (null for every other failure).
#include <ctime>
#include <string>
#include <vector>

#include "cli/cli_support.hpp"
#include "support/cert_builder.hpp"
#include "support/utc_text.hpp"

namespace sslpp::cli_test {
namespace {

using test::ca_spec;
using test::CertSpec;
using test::issue;
using test::Issued;

// Served is one chain written out for `sslpp serve` and the client's --cafile.
struct Served {
  std::filesystem::path ca, cert, key, leaf;
};

// write_chain writes the root as the CA file, and `sent` (the leaf first)
// as the server's certificate file.
Served write_chain(const std::string& name, const Issued& root, const std::vector<const Issued*>& sent) {
  Served s{pki().dir / ("explain-" + name + "-ca.pem"), pki().dir / ("explain-" + name + "-chain.pem"),
           pki().dir / ("explain-" + name + "-key.pem"), pki().dir / ("explain-" + name + "-leaf.pem")};
  test::write_text(s.ca, root.cert.pem());
  std::string chain;
  for (const Issued* c : sent) {
    chain += c->cert.pem();
  }
  test::write_text(s.cert, chain);
  test::write_text(s.key, sent.front()->key.pem());
  test::write_text(s.leaf, sent.front()->cert.pem());
  return s;
}

// sha256_of_der is the SHA-256 of a PEM certificate's DER, by Python.
std::string sha256_of_der(const std::filesystem::path& pem) {
  std::string out = python("import ssl, sys, hashlib; print(hashlib.sha256(ssl.PEM_cert_to_DER_cert("
                           "open(sys.argv[1]).read())).hexdigest())",
                           {path(pem)});
  return out.substr(0, out.find('\n'));
}


std::vector<std::string> connect_to(const Serve& srv, const Served& s, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"connect", endpoint(srv.port), "--servername", "localhost", "--cafile", path(s.ca)};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// expect_verify_failure checks the parts every explained failure shares:
// exit 1, stderr's one line ending with the code, and a hint line on stdout.
void expect_verify_failure(const Outcome& r, long code) {
  EXPECT_EQ(r.status, 1) << r.describe();
  EXPECT_TRUE(r.one_error_line("SSLCertVerificationError")) << r.describe();
  EXPECT_TRUE(r.err.ends_with("(verify_code=" + std::to_string(code) + ")\n")) << r.describe();
  EXPECT_TRUE(r.out.starts_with("verification failed (verify_code=" + std::to_string(code) + ")")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\nhint: ")) << r.describe();
}

TEST(CliVerifyExplain, MissingIntermediateIsMarkedAndNamed) {
  const Issued root = issue(ca_spec("explain root"));
  const Issued intermediate = issue(ca_spec("explain issuing CA"), &root);
  const Issued leaf = issue({.common_name = "localhost", .dns_names = {"localhost"}}, &intermediate);
  const Served broken = write_chain("leaf-only", root, {&leaf});
  const Served whole = write_chain("whole", root, {&leaf, &intermediate});

  Serve good({"--cert", path(whole.cert), "--key", path(whole.key), "--exit-after", "1"});
  const Outcome control = sslpp(connect_to(good, whole));
  EXPECT_EQ(control.status, 0) << "the same chain with its intermediate must verify: " << control.describe();

  Serve srv({"--cert", path(broken.cert), "--key", path(broken.key), "--exit-after", "2"});
  const Outcome r = sslpp(connect_to(srv, broken));
  expect_verify_failure(r, 20);
  EXPECT_TRUE(contains(r.out, "\n X 1  CN=explain issuing CA  MISSING: not sent, not in your trust store\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "\n   0  CN=localhost  (sent by the server)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "hint: the server sent only its own certificate; its issuer 'CN=explain issuing CA' "
                              "is not in your trust store: the server must send its intermediate certificate(s); "
                              "if that issuer is a root, trust it instead (--cafile)\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "the server sent 1 certificate.")) << r.out;

  const Outcome j = sslpp(connect_to(srv, broken, {"--json"}));
  EXPECT_EQ(j.status, 1) << j.describe();
  const nlohmann::json e = json_of(j)["error"];
  EXPECT_EQ(e["verify_code"], 20) << j.out;
  EXPECT_EQ(e["depth"], 0) << j.out;
  EXPECT_TRUE(contains(e["hint"].get<std::string>(), "'CN=explain issuing CA'")) << j.out;
  EXPECT_EQ(e["chain"]["hint_kind"], "missing_intermediate") << j.out;
  EXPECT_EQ(e["chain"]["missing_issuer"], "CN=explain issuing CA") << j.out;
  EXPECT_EQ(e["chain"]["peer"], "server") << j.out;
  EXPECT_EQ(e["chain"]["checked_name"], "localhost") << j.out;
  ASSERT_EQ(e["chain"]["sent"].size(), 1U) << j.out;
  EXPECT_EQ(e["chain"]["sent"][0]["sha256"], sha256_of_der(broken.leaf)) << j.out;
  EXPECT_EQ(e["chain"]["built"][0]["subject"], "CN=localhost") << j.out;
  EXPECT_EQ(j.err, r.err) << "--json keeps the stderr line";
}

TEST(CliVerifyExplain, ExpiredLeafGivesItsDates) {
  const Issued root = issue(ca_spec("explain root"));
  const Issued leaf = issue({.common_name = "localhost",
                             .dns_names = {"localhost"},
                             .not_before = std::chrono::hours(-72),
                             .not_after = std::chrono::hours(-48)},
                            &root);
  const Served s = write_chain("expired", root, {&leaf});
  Serve srv({"--cert", path(s.cert), "--key", path(s.key), "--exit-after", "1"});
  const Outcome r = sslpp(connect_to(srv, s));
  expect_verify_failure(r, 10);
  const std::string not_after = test::utc_text(leaf.cert.not_after());
  EXPECT_TRUE(contains(r.out, "\n X 0  CN=localhost  (sent by the server)  EXPIRED " + not_after + "\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "hint: certificate 'CN=localhost' (the server's certificate) expired on " + not_after +
                                  "; now is "))
      << r.out;
  EXPECT_TRUE(contains(r.out, "(2 days ago): the server must renew it\n")) << r.out;
}

TEST(CliVerifyExplain, WrongHostListsTheNamesItCarries) {
  const Issued root = issue(ca_spec("explain root"));
  const Issued leaf =
      issue({.common_name = "shop.test", .dns_names = {"shop.test", "www.shop.test"}, .ip_addresses = {"192.0.2.7"}},
            &root);
  const Served s = write_chain("wrong-host", root, {&leaf});
  Serve srv({"--cert", path(s.cert), "--key", path(s.key), "--exit-after", "2"});
  const Outcome r = sslpp(connect_to(srv, s));
  expect_verify_failure(r, 62);
  EXPECT_TRUE(contains(r.out, "hint: certificate 'CN=shop.test' is valid for DNS:shop.test, DNS:www.shop.test, "
                              "IP:192.0.2.7, not 'localhost'\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "verification failed (verify_code=62): checked 'localhost' at ")) << r.out;

  const Outcome j = sslpp(connect_to(srv, s, {"--json"}));
  const nlohmann::json e = json_of(j)["error"];
  EXPECT_EQ(e["depth"], 0) << j.out;
  EXPECT_EQ(e["chain"]["hint_kind"], "hostname_mismatch") << j.out;
  EXPECT_EQ(e["chain"]["built"][0]["san"], nlohmann::json::parse(
                                               R"([["DNS", "shop.test"], ["DNS", "www.shop.test"], )"
                                               R"(["IP Address", "192.0.2.7"]])"))
      << j.out;
}

TEST(CliVerifyExplain, SelfSignedGivesTheFingerprintToPin) {
  const Issued root = issue(ca_spec("explain root"));
  const Issued leaf = issue({.common_name = "localhost", .dns_names = {"localhost"}});
  const Served s = write_chain("self-signed", root, {&leaf});
  Serve srv({"--cert", path(s.cert), "--key", path(s.key), "--exit-after", "1"});
  const Outcome r = sslpp(connect_to(srv, s));
  expect_verify_failure(r, 18);
  EXPECT_TRUE(contains(r.out, "\n X 0  CN=localhost  (sent by the server)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "is self-signed and not in your trust store: trust exactly this certificate (sha256 " +
                                  sha256_of_der(s.leaf) + ")"))
      << r.out;
}

TEST(CliVerifyExplain, ServeErrorEventExplainsAClientCertificate) {
  const Issued root = issue(ca_spec("explain client root"));
  const Issued intermediate = issue(ca_spec("explain client issuing CA"), &root);
  const Issued client = issue({.common_name = "explain client", .ext_key_usage = "clientAuth"}, &intermediate);
  const Served s = write_chain("client", root, {&client});
  Serve srv({"--cert", path(pki().server.cert), "--key", path(pki().server.key), "--cafile", path(s.ca), "--verify",
             "required", "--exit-after", "1"});
  const Outcome r = sslpp({"connect", endpoint(srv.port), "--cafile", path(pki().ca_file), "--cert", path(s.cert),
                           "--key", path(s.key), "--send", "x", "--timeout", "5"});
  EXPECT_EQ(r.status, 1) << r.describe();
  const nlohmann::json event = srv.event();
  EXPECT_EQ(event["event"], "error") << event;
  EXPECT_EQ(event["verify_code"], 20) << event;
  EXPECT_EQ(event["depth"], 0) << event;
  EXPECT_TRUE(contains(event["hint"].get<std::string>(),
                       "the client sent only its own certificate; its issuer 'CN=explain client issuing CA'"))
      << event;
}

TEST(CliVerifyExplain, OtherFailuresHaveNullExplanation) {
  const Outcome r = sslpp({"connect", endpoint(free_port()), "--json"});
  EXPECT_EQ(r.status, 1) << r.describe();
  const nlohmann::json e = json_of(r)["error"];
  ASSERT_TRUE(e.contains("depth")) << r.out;
  EXPECT_TRUE(e["depth"].is_null()) << r.out;
  EXPECT_TRUE(e["hint"].is_null()) << r.out;
  EXPECT_TRUE(e["chain"].is_null()) << r.out;
  const Outcome text = sslpp({"connect", endpoint(free_port())});
  EXPECT_EQ(text.out, "") << "no chain is printed for a failure that is not a verification";
}

}  // namespace
}  // namespace sslpp::cli_test
