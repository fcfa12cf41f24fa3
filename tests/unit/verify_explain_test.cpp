// Issue 15 item 1, beyond the failure matrix (cert_failures_test.cpp): the
// explanation of CertStore::verify, of failures decided by a verify
// callback, its absence where nothing failed, and hostile names in hints.
#include <sslpp/cert_store.hpp>
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/error.hpp>
#include <sslpp/verify_failure.hpp>

#include <gtest/gtest.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/cert_builder.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp::test {
namespace {

using namespace std::chrono_literals;

// verify_failure runs CertStore::verify and returns its explanation; a
// verification that passes, or an error without one, fails the test.
std::shared_ptr<const VerifyFailure> verify_failure(const CertStore& store, const Certificate& leaf,
                                                    const VerifyOptions& options) {
  try {
    static_cast<void>(store.verify(leaf, options));
  } catch (const SSLCertVerificationError& e) {
    EXPECT_EQ(e.info().verify_failure.get(), e.verify_failure());
    if (e.verify_failure() != nullptr) {
      EXPECT_EQ(e.depth(), e.verify_failure()->depth);
      EXPECT_EQ(e.hint(), e.verify_failure()->hint);
    }
    return e.info().verify_failure;
  }
  ADD_FAILURE() << "verify passed";
  return nullptr;
}

// printable: one line of printable ASCII, as every hint must be.
testing::AssertionResult printable(const std::string& s, std::size_t limit) {
  if (s.size() > limit) {
    return testing::AssertionFailure() << s.size() << " bytes: " << s;
  }
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x20 || b >= 0x7f) {
      return testing::AssertionFailure() << "byte " << int(b) << " in: " << s;
    }
  }
  return testing::AssertionSuccess();
}

struct Three {
  Issued root = issue(ca_spec("store root"));
  Issued intermediate = issue(ca_spec("store intermediate"), &root);
  Issued leaf = issue({.common_name = "localhost", .dns_names = {"localhost"}}, &intermediate);
  CertStore store() const {
    CertStore s;
    s.add_cert(root.cert);
    return s;
  }
};

// -- CertStore::verify --------------------------------------------------------

TEST(VerifyExplainStore, MissingIntermediateNamesVerifyOptionsUntrusted) {
  const Three t;
  const auto f = verify_failure(t.store(), t.leaf.cert, {});
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->code, 20);
  EXPECT_EQ(f->kind, VerifyHint::missing_intermediate);
  EXPECT_EQ(f->peer, PeerRole::none);
  EXPECT_EQ(f->depth, 0);
  EXPECT_EQ(f->missing_issuer, "CN=store intermediate");
  EXPECT_NE(f->hint.find("'CN=store intermediate'"), std::string::npos) << f->hint;
  EXPECT_NE(f->hint.find("VerifyOptions::untrusted"), std::string::npos) << f->hint;
  ASSERT_EQ(f->chain_sent.size(), 1U);
  EXPECT_EQ(f->chain_sent[0].sha256, t.leaf.cert.sha256_fingerprint());
  // With the intermediate given, the same leaf verifies: the hint's fix works.
  EXPECT_EQ(t.store().verify(t.leaf.cert, {.untrusted = {t.intermediate.cert}}).size(), 3U);
}

TEST(VerifyExplainStore, GivenTimeIsCheckedAtAndTheExpiredRootIsNamed) {
  const Three t;
  const auto later = std::chrono::system_clock::now() + std::chrono::hours(24 * 60);
  const auto f = verify_failure(t.store(), t.leaf.cert, {.untrusted = {t.intermediate.cert}, .time = later});
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, VerifyHint::expired);
  EXPECT_EQ(f->depth, 2) << "OpenSSL checks from the anchor down: the root is the first to have expired";
  EXPECT_NE(f->hint.find("(a CA of your trust store) expired on "), std::string::npos) << f->hint;
  EXPECT_NE(f->hint.find("update your CA bundle"), std::string::npos) << f->hint;
  EXPECT_NE(f->hint.find("; checked at "), std::string::npos) << f->hint;
  EXPECT_EQ(f->hint.find("now is"), std::string::npos) << f->hint;
  EXPECT_EQ(f->checked_at, std::chrono::floor<std::chrono::seconds>(later));
  EXPECT_EQ(f->chain_built.size(), 3U);
  EXPECT_TRUE(f->chain_built[2].from_trust_store);
  EXPECT_FALSE(f->chain_built[2].from_peer);
}

TEST(VerifyExplainStore, HostnameMismatchListsTheNames) {
  const Three t;
  const auto f = verify_failure(t.store(), t.leaf.cert, {.untrusted = {t.intermediate.cert}, .hostname = "example.test"});
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, VerifyHint::hostname_mismatch);
  EXPECT_EQ(f->checked_name, "example.test");
  EXPECT_EQ(f->hint, "certificate 'CN=localhost' is valid for DNS:localhost, not 'example.test'");
  const std::string text = f->to_text();
  EXPECT_NE(text.find("\n X 0  CN=localhost  (given)\n"), std::string::npos) << text;
}

TEST(VerifyExplainStore, ALongListOfStrayCertificatesIsCut) {
  const Three t;
  std::vector<Certificate> strays;
  for (int i = 0; i < 40; ++i) {
    strays.push_back(issue(ca_spec("stray " + std::to_string(i))).cert);
  }
  const auto f = verify_failure(t.store(), t.leaf.cert, {.untrusted = strays});
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, VerifyHint::missing_intermediate);
  EXPECT_EQ(f->chain_sent.size(), 16U);
  EXPECT_EQ(f->sent_omitted, 25U);  // the leaf and 40 strays, 16 summarised
  EXPECT_NE(f->hint.find("none of the certificates given is; its issuer 'CN=store intermediate'"), std::string::npos)
      << f->hint;
  EXPECT_LE(f->hint.size(), 512U);
  EXPECT_LT(f->to_text().size(), 16U * 1024) << "15 unused summaries at most, a few lines each";
}

// -- Hostile names ------------------------------------------------------------

TEST(VerifyExplainHostile, NamesAreEscapedOnOneBoundedLine) {
  const Issued root = issue(ca_spec("hostile root"));
  // A commonName holds at most 64 characters; a DNS name in a SAN has no limit.
  const std::string evil = "evil\x1b[31m\nline\xe2\x80\xaeright";
  const Issued leaf = issue(
      {.common_name = evil, .dns_names = {"x\x1b[2J.test", evil + std::string(4096, 'A') + ".test"}}, &root);
  CertStore store;
  store.add_cert(root.cert);
  const auto f = verify_failure(store, leaf.cert, {.hostname = "localhost"});
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->code, 62);
  EXPECT_TRUE(printable(f->hint, 512));
  EXPECT_NE(f->hint.find("x\\x1b[2J.test"), std::string::npos) << f->hint;
  EXPECT_NE(f->hint.find("evil\\x1b[31m\\x0aline\\xe2\\x80\\xaeright"), std::string::npos) << f->hint;
  // The marked chain: every line printable, none of the raw bytes.
  const std::string text = f->to_text();
  std::size_t start = 0;
  for (std::size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    EXPECT_TRUE(printable(text.substr(start, nl - start), 2048));
    start = nl + 1;
  }
  EXPECT_EQ(start, text.size()) << "the text ends with a newline";
  // The JSON keeps the names whole, escaped as JSON.
  const std::string json = f->to_json();
  EXPECT_EQ(json.find('\x1b'), std::string::npos);
  EXPECT_NE(json.find("\\u001b[31m\\nline"), std::string::npos);
}

TEST(VerifyExplainHostile, AnIssuerNameIsEscapedInTheMissingLink) {
  const Issued root = issue(ca_spec("root"));
  const Issued intermediate = issue(ca_spec("issuer\r\n\x07" + std::string(50, 'B')), &root);
  const Issued leaf = issue({.common_name = "localhost", .dns_names = {"localhost"}}, &intermediate);
  CertStore store;
  store.add_cert(root.cert);
  const auto f = verify_failure(store, leaf.cert, {});
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, VerifyHint::missing_intermediate);
  EXPECT_TRUE(printable(f->hint, 512));
  EXPECT_NE(f->hint.find("issuer\\0D\\0A\\07BBB"), std::string::npos) << f->hint;
}

// -- Callbacks, and where nothing fails -----------------------------------------

// handshake_error runs a handshake of `pair` and returns the client's error.
ErrorInfo handshake_error(MemoryPair& pair) {
  const HandshakeResult r = handshake(pair.client, pair.server);
  EXPECT_FALSE(r.client.ok());
  return pair.client.last_error();
}

TEST(VerifyExplainCallbacks, RejectingASoundCertificateIsNamed) {
  MemoryPair pair;
  pair.client_ctx.set_verify(VERIFY_PEER, [](Connection&, const Certificate&, int, int depth, bool ok) {
    return ok && depth != 0;  // refuses the server's own certificate, which is fine
  });
  const ErrorInfo e = handshake_error(pair);
  EXPECT_EQ(e.verify_code, X509_V_ERR_APPLICATION_VERIFICATION);
  ASSERT_NE(e.verify_failure, nullptr);
  EXPECT_EQ(e.verify_failure->kind, VerifyHint::rejected_by_callback);
  EXPECT_EQ(e.verify_failure->depth, 0);
  EXPECT_NE(e.verify_failure->hint.find("OpenSSL found nothing wrong with it"), std::string::npos)
      << e.verify_failure->hint;
}

TEST(VerifyExplainCallbacks, ACallbackRefusingAnExpiredCertificateKeepsTheReason) {
  MemoryPair pair;
  pair.server_ctx = server_context(&pki().expired);
  pair.server = pair.server_ctx.wrap_bio({.server_side = true});
  pair.client_ctx.set_verify(VERIFY_PEER, [](Connection&, const Certificate&, int, int, bool ok) { return ok; });
  const ErrorInfo e = handshake_error(pair);
  EXPECT_EQ(e.verify_code, X509_V_ERR_CERT_HAS_EXPIRED);
  ASSERT_NE(e.verify_failure, nullptr);
  EXPECT_EQ(e.verify_failure->kind, VerifyHint::expired);
  EXPECT_NE(e.verify_failure->hint.find("expired on"), std::string::npos) << e.verify_failure->hint;
  EXPECT_TRUE(e.verify_failure->hint.ends_with("; your verify callback did not accept it")) << e.verify_failure->hint;
}

TEST(VerifyExplainCallbacks, ANameMismatchRefusedDespiteTheCallbackIsExplained) {
  MemoryPair pair;
  pair.server_ctx = server_context(&pki().wrong_name);
  pair.server = pair.server_ctx.wrap_bio({.server_side = true});
  pair.client_ctx.set_verify(VERIFY_PEER, [](Connection&, const Certificate&, int, int, bool) { return true; });
  const ErrorInfo e = handshake_error(pair);
  EXPECT_EQ(e.verify_code, X509_V_ERR_HOSTNAME_MISMATCH);
  ASSERT_NE(e.verify_failure, nullptr);
  EXPECT_EQ(e.verify_failure->kind, VerifyHint::hostname_mismatch);
  EXPECT_NE(e.verify_failure->hint.find("DNS:wrong.example"), std::string::npos) << e.verify_failure->hint;
  EXPECT_EQ(e.verify_failure->hint.find("callback"), std::string::npos)
      << "the callback accepted; check_hostname refused: " << e.verify_failure->hint;
}

// A verify callback set on the SSL_CTX itself bypasses sslpp's trampoline:
// nothing is captured, and the explanation falls back on what the SSL keeps
// (the partial chain OpenSSL built, the depth where the code implies it).
TEST(VerifyExplainCallbacks, ANativeCallbackGivesTheFallbackExplanation) {
  MemoryPair pair;
  pair.server_ctx = server_context(&pki().untrusted);
  pair.server = pair.server_ctx.wrap_bio({.server_side = true});
  SSL_CTX_set_verify(pair.client_ctx.native_handle(), SSL_VERIFY_PEER, [](int ok, X509_STORE_CTX*) { return ok; });
  const ErrorInfo e = handshake_error(pair);
  EXPECT_EQ(e.verify_code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  ASSERT_NE(e.verify_failure, nullptr);
  const VerifyFailure& f = *e.verify_failure;
  ASSERT_FALSE(f.chain_built.empty());
  EXPECT_EQ(f.depth, static_cast<int>(f.chain_built.size()) - 1);
  ASSERT_FALSE(f.chain_sent.empty());
  EXPECT_EQ(f.chain_sent[0].sha256, pki().untrusted.credential.certificate.sha256_fingerprint());
  EXPECT_EQ(f.kind, VerifyHint::missing_intermediate);
  EXPECT_NE(f.hint.find("if that issuer is a root, trust it instead"), std::string::npos) << f.hint;
}

TEST(VerifyExplainCallbacks, AcceptedAndUnverifiedHandshakesCarryNoExplanation) {
  {
    MemoryPair pair;
    pair.server_ctx = server_context(&pki().untrusted);
    pair.server = pair.server_ctx.wrap_bio({.server_side = true});
    pair.client_ctx.set_verify(VERIFY_PEER, [](Connection&, const Certificate&, int, int, bool) { return true; });
    EXPECT_TRUE(handshake(pair.client, pair.server).ok());
    EXPECT_EQ(pair.client.last_error().verify_failure, nullptr);
  }
  {
    MemoryPair pair;
    pair.server_ctx = server_context(&pki().untrusted);
    pair.server = pair.server_ctx.wrap_bio({.server_side = true});
    pair.client_ctx.set_check_hostname(false);
    pair.client_ctx.set_verify_mode(CERT_NONE);
    EXPECT_TRUE(handshake(pair.client, pair.server).ok());
    EXPECT_EQ(pair.client.last_error().verify_failure, nullptr);
  }
}

TEST(VerifyExplainCallbacks, ErrorCopiesShareOneExplanation) {
  MemoryPair pair;
  pair.server_ctx = server_context(&pki().wrong_name);
  pair.server = pair.server_ctx.wrap_bio({.server_side = true});
  const ErrorInfo e = handshake_error(pair);
  ASSERT_NE(e.verify_failure, nullptr);
  EXPECT_EQ(e.verify_failure->kind, VerifyHint::hostname_mismatch);
  try {
    pair.client.do_handshake();
    ADD_FAILURE() << "a failed handshake must throw again";
  } catch (const SSLCertVerificationError& thrown) {
    EXPECT_EQ(thrown.verify_failure(), e.verify_failure.get()) << "the sticky error shares the explanation";
  }
}

// -- After the handshake, and across threads ------------------------------------

// TLS 1.3 post-handshake authentication: the server verifies the client's
// certificate inside a later read, and explains that failure as any other.
TEST(VerifyExplainPostHandshake, ARefusedClientCertificateIsExplained) {
  const Issued stranger = issue(ca_spec("pha stranger root"));
  const Issued client = issue({.common_name = "pha client", .ext_key_usage = "clientAuth"}, &stranger);
  MemoryPair pair;
  pair.client_ctx.use_certificate(client.cert);
  pair.client_ctx.use_privatekey(client.key);
  pair.client_ctx.set_post_handshake_auth(true);
  request_client_certs_later(pair.server_ctx);
  pair.client = pair.client_ctx.wrap_bio({.server_hostname = "localhost"});
  pair.server = pair.server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(handshake(pair.client, pair.server).ok());
  pair.server.verify_client_post_handshake();
  std::error_code ec;
  const std::byte ping[] = {std::byte{'x'}};
  ASSERT_TRUE(pair.server.write(ping, ec).ok()) << ec.message();
  std::byte buf[64];
  io_status server_status = io_status::want_read;
  for (int round = 0; round < 10 && server_status == io_status::want_read; ++round) {
    transfer(pair.server, pair.client);
    static_cast<void>(pair.client.read(buf, ec));
    transfer(pair.client, pair.server);
    server_status = pair.server.read(buf, ec).status;
  }
  ASSERT_EQ(server_status, io_status::error) << ec.message();
  const ErrorInfo& e = pair.server.last_error();
  EXPECT_EQ(e.verify_code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY) << e.message;
  ASSERT_NE(e.verify_failure, nullptr);
  EXPECT_EQ(e.verify_failure->peer, PeerRole::client);
  EXPECT_EQ(e.verify_failure->depth, 0);
  ASSERT_EQ(e.verify_failure->chain_sent.size(), 1U);
  EXPECT_EQ(e.verify_failure->chain_sent[0].sha256, client.cert.sha256_fingerprint());
  EXPECT_NE(e.verify_failure->hint.find("the client sent only its own certificate; its issuer 'CN=pha stranger root'"),
            std::string::npos)
      << e.verify_failure->hint;
}

// The explanation is immutable and shared: copies of the error read it from
// several threads at once (ThreadSanitizer runs this in CI).
TEST(VerifyExplainThreads, CopiesAreReadConcurrently) {
  const Three t;
  const auto f = verify_failure(t.store(), t.leaf.cert, {});
  ASSERT_NE(f, nullptr);
  ErrorInfo info;
  info.verify_failure = f;
  const std::string text = f->to_text();
  const std::string json = f->to_json();
  std::vector<std::thread> threads;
  std::atomic<int> same{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([info, &text, &json, &same] {
      const ErrorInfo copy = info;
      if (copy.verify_failure->to_text() == text && copy.verify_failure->to_json() == json) {
        ++same;
      }
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  EXPECT_EQ(same.load(), 8);
}

}  // namespace
}  // namespace sslpp::test
