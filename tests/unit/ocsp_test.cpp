// OCSP stapling (ocsp.hpp): pyOpenSSL's server and client callbacks and
// request_ocsp, Context::set_ocsp_response, and sslpp's own check of a
// stapled response, between two sslpp connections over memory (suite
// Ocsp) and against `openssl s_server -status_file` and `openssl s_client
// -status` (suite OcspInterop). Every response is made when the tests run,
// by `openssl ocsp` from an index.txt (support/ocsp_responder.hpp).
#include <sslpp/ocsp.hpp>

#include <sslpp/verify_failure.hpp>

#include <gtest/gtest.h>

#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <string>
#include <vector>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/error.hpp>

#include "support/ocsp_responder.hpp"
#include "support/openssl_peer.hpp"
#include "support/owned.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"
#include "support/socket_driver.hpp"

namespace sslpp {
namespace {

using test::ocsp_client_context;
using test::ocsp_pki;
using test::ocsp_server_context;
using test::OcspAnswer;
using test::OcspResponder;
using test::OcspStatus;
using namespace std::chrono_literals;

using Bytes = std::vector<std::byte>;

const TLSVersion kVersions[] = {TLSVersion::TLSv1_2, TLSVersion::TLSv1_3};

std::string name_of(TLSVersion v) { return v == TLSVersion::TLSv1_2 ? "TLS 1.2" : "TLS 1.3"; }

// Pair is a handshake between a client of `client_ctx` (for localhost) and
// a server of `server_ctx` at `version`; `request` makes the client call
// request_ocsp first.
struct Pair {
  Connection client;
  Connection server;
  test::HandshakeResult result;

  Pair(Context& client_ctx, Context& server_ctx, TLSVersion version, bool request = true)
      : client(client_ctx.wrap_bio({.server_hostname = "localhost"})), server(make_server(server_ctx, version)) {
    if (request) {
      client.request_ocsp();
    }
    result = test::handshake(client, server);
  }

  static Connection make_server(Context& ctx, TLSVersion version) {
    ctx.set_minimum_version(version);
    ctx.set_maximum_version(version);
    return ctx.wrap_bio({.server_side = true});
  }
};

// Checked is a client with the built-in check on.
Context checking_client(OcspCheck mode) {
  Context ctx = ocsp_client_context();
  ctx.set_ocsp_check(mode);
  return ctx;
}

// stapling is a server of the test leaf that staples `response`.
Context stapling(const Bytes& response, const test::Issued* leaf = nullptr) {
  Context ctx = ocsp_server_context(leaf);
  ctx.set_ocsp_response(response);
  return ctx;
}

// expect_check_fails asserts that a checking client refused the handshake
// with verify code `code`, a message containing `words`, and, from the
// throwing form, SSLCertVerificationError carrying the same code.
void expect_check_fails(Pair& p, long code, const std::string& words) {
  EXPECT_FALSE(p.result.client.ok());
  EXPECT_EQ(p.result.client.status, io_status::error);
  EXPECT_EQ(p.client.last_error().verify_code, code) << p.client.last_error().message;
  EXPECT_EQ(p.result.client_ec, std::error_code(static_cast<int>(code), verify_category()));
  EXPECT_TRUE(p.result.client_ec == errc::certificate_verify_failed);
  EXPECT_NE(p.client.last_error().message.find(words), std::string::npos) << p.client.last_error().message;
  // The explanation (verify_failure.hpp) names the server's certificate and
  // carries the check's own reason in its hint.
  const auto& explained = p.client.last_error().verify_failure;
  if (explained == nullptr) {
    ADD_FAILURE() << "no explanation";
  } else {
    EXPECT_EQ(explained->depth, 0);
    EXPECT_EQ(explained->kind, code == X509_V_ERR_CERT_REVOKED ? VerifyHint::revoked : VerifyHint::ocsp);
    EXPECT_NE(explained->hint.find(words), std::string::npos) << explained->hint;
    EXPECT_FALSE(explained->chain_built.empty());
  }
  try {
    p.client.do_handshake();
    ADD_FAILURE() << "the sticky error was not thrown";
  } catch (const SSLCertVerificationError& e) {
    EXPECT_EQ(e.verify_code(), code);
    EXPECT_NE(e.verify_message().find(words), std::string::npos) << e.verify_message();
  }
  EXPECT_EQ(p.client.verify_result(), code);
}

// -- Stapling and receiving (pyOpenSSL's API) --------------------------------

TEST(Ocsp, StaticResponseReachesClientCallbackExactly) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = stapling(good);
    Context client_ctx = ocsp_client_context();
    int calls = 0;
    Bytes received;
    client_ctx.set_ocsp_client_callback([&](Connection& conn, std::span<const std::byte> response) {
      ++calls;
      EXPECT_FALSE(conn.server_side());
      received.assign(response.begin(), response.end());
      return true;
    });
    Pair p(client_ctx, server_ctx, v);
    ASSERT_TRUE(p.result.ok()) << p.client.last_error().message;
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(received, good);
    EXPECT_EQ(p.client.ocsp_response(), std::optional<Bytes>(good));
    EXPECT_EQ(p.client.version(), v == TLSVersion::TLSv1_2 ? "TLSv1.2" : "TLSv1.3");
    test::expect_data_flows(p.client, p.server, "stapled");
  }
}

TEST(Ocsp, ServerCallbackStaplesForEachConnection) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = ocsp_server_context();
    int calls = 0;
    server_ctx.set_ocsp_server_callback([&](Connection& conn) -> std::optional<Bytes> {
      ++calls;
      EXPECT_TRUE(conn.server_side());
      return good;
    });
    Context client_ctx = ocsp_client_context();
    Bytes received;
    client_ctx.set_ocsp_client_callback([&](Connection&, std::span<const std::byte> response) {
      received.assign(response.begin(), response.end());
      return true;
    });
    Pair first(client_ctx, server_ctx, v);
    ASSERT_TRUE(first.result.ok()) << first.client.last_error().message;
    EXPECT_EQ(received, good);
    received.clear();
    Pair second(client_ctx, server_ctx, v);
    ASSERT_TRUE(second.result.ok()) << second.client.last_error().message;
    EXPECT_EQ(received, good);
    EXPECT_EQ(calls, 2);
  }
}

TEST(Ocsp, ServerCallbackReturningNulloptStaplesNothing) {
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = ocsp_server_context();
    server_ctx.set_ocsp_server_callback([](Connection&) -> std::optional<Bytes> { return std::nullopt; });
    Context client_ctx = ocsp_client_context();
    int calls = 0;
    std::size_t size = 99;
    client_ctx.set_ocsp_client_callback([&](Connection&, std::span<const std::byte> response) {
      ++calls;
      size = response.size();
      return true;
    });
    Pair p(client_ctx, server_ctx, v);
    ASSERT_TRUE(p.result.ok()) << p.client.last_error().message;
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(size, 0U);
    ASSERT_TRUE(p.client.ocsp_response().has_value());
    EXPECT_TRUE(p.client.ocsp_response()->empty());
  }
}

TEST(Ocsp, ServerCallbackIsNotAskedWhenTheClientDidNotRequest) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = ocsp_server_context();
    int server_calls = 0;
    server_ctx.set_ocsp_server_callback([&](Connection&) -> std::optional<Bytes> {
      ++server_calls;
      return good;
    });
    Context client_ctx = ocsp_client_context();
    int client_calls = 0;
    client_ctx.set_ocsp_client_callback([&](Connection&, std::span<const std::byte>) {
      ++client_calls;
      return true;
    });
    Pair p(client_ctx, server_ctx, v, /*request=*/false);
    ASSERT_TRUE(p.result.ok()) << p.client.last_error().message;
    EXPECT_EQ(server_calls, 0);
    EXPECT_EQ(client_calls, 0);
    EXPECT_EQ(p.client.ocsp_response(), std::nullopt);
  }
}

TEST(Ocsp, ServerCallbackReturningGarbageFailsTheHandshakeWithValueError) {
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = ocsp_server_context();
    server_ctx.set_ocsp_server_callback(
        [](Connection&) -> std::optional<Bytes> { return Bytes{std::byte{0x30}, std::byte{0x03}, std::byte{1}}; });
    Context client_ctx = ocsp_client_context();
    int client_calls = 0;
    client_ctx.set_ocsp_client_callback([&](Connection&, std::span<const std::byte>) {
      ++client_calls;
      return true;
    });
    Pair p(client_ctx, server_ctx, v);
    EXPECT_FALSE(p.result.client.ok());
    EXPECT_EQ(p.result.server.status, io_status::error);
    EXPECT_EQ(p.result.server_ec, errc::callback_failed);
    EXPECT_EQ(client_calls, 0) << "the bytes reached the client";
    const std::exception_ptr e = p.server.take_callback_exception();
    ASSERT_TRUE(e);
    try {
      std::rethrow_exception(e);
    } catch (const ValueError& error) {
      EXPECT_NE(std::string(error.what()).find("not a DER OCSP response"), std::string::npos) << error.what();
    }
  }
}

TEST(Ocsp, ServerCallbackExceptionReachesTheCaller) {
  Context server_ctx = ocsp_server_context();
  server_ctx.set_ocsp_server_callback([](Connection&) -> std::optional<Bytes> { throw std::runtime_error("no staple"); });
  Context client_ctx = ocsp_client_context();
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  client.request_ocsp();
  Connection server = server_ctx.wrap_bio({.server_side = true});
  std::error_code ec;
  EXPECT_EQ(client.do_handshake(ec).status, io_status::want_read);
  test::transfer(client, server);
  EXPECT_THROW(server.do_handshake(), std::runtime_error);
}

TEST(Ocsp, ClientCallbackReturningFalseFailsTheHandshake) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = stapling(good);
    Context client_ctx = ocsp_client_context();
    client_ctx.set_ocsp_client_callback([](Connection&, std::span<const std::byte>) { return false; });
    Pair p(client_ctx, server_ctx, v);
    EXPECT_EQ(p.result.client.status, io_status::error);
    EXPECT_FALSE(p.result.server.ok());
    EXPECT_EQ(p.result.client_ec.category(), ssl_category());
    EXPECT_EQ(p.client.last_error().verify_code, 0);
    EXPECT_NE(p.client.last_error().message.find("OCSP response rejected by the callback"), std::string::npos)
        << p.client.last_error().message;
    try {
      p.client.do_handshake();
      ADD_FAILURE() << "no exception";
    } catch (const SSLCertVerificationError&) {
      ADD_FAILURE() << "a callback's refusal is not a verification failure";
    } catch (const SSLError& e) {
      EXPECT_NE(std::string(e.what()).find("rejected by the callback"), std::string::npos) << e.what();
    }
  }
}

TEST(Ocsp, ClientCallbackExceptionReachesTheCaller) {
  OcspResponder responder;
  Context server_ctx = stapling(responder.respond({.cert = &ocsp_pki().leaf}));
  Context client_ctx = ocsp_client_context();
  client_ctx.set_ocsp_client_callback(
      [](Connection&, std::span<const std::byte>) -> bool { throw std::logic_error("cannot judge"); });
  Pair p(client_ctx, server_ctx, TLSVersion::TLSv1_3);
  EXPECT_EQ(p.result.client_ec, errc::callback_failed);
  const std::exception_ptr e = p.client.take_callback_exception();
  ASSERT_TRUE(e);
  EXPECT_THROW(std::rethrow_exception(e), std::logic_error);
}

TEST(Ocsp, OcspResponseIsNulloptBeforeTheHandshakeAndOnAServer) {
  OcspResponder responder;
  Context server_ctx = stapling(responder.respond({.cert = &ocsp_pki().leaf}));
  Context client_ctx = ocsp_client_context();
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  client.request_ocsp();
  EXPECT_EQ(client.ocsp_response(), std::nullopt);
  Connection server = server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(test::handshake(client, server).ok());
  ASSERT_TRUE(client.ocsp_response().has_value());
  EXPECT_FALSE(client.ocsp_response()->empty());
  EXPECT_EQ(server.ocsp_response(), std::nullopt);
}

TEST(Ocsp, RequestOcspIsForClientsBeforeTheHandshake) {
  Context server_ctx = ocsp_server_context();
  Connection server = server_ctx.wrap_bio({.server_side = true});
  EXPECT_THROW(server.request_ocsp(), ValueError);
  Context client_ctx = ocsp_client_context();
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  Connection peer = server_ctx.wrap_bio({.server_side = true});
  ASSERT_TRUE(test::handshake(client, peer).ok());
  try {
    client.request_ocsp();
    ADD_FAILURE() << "no exception";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("before the handshake"), std::string::npos) << e.what();
  }
}

TEST(Ocsp, SetOcspResponseRefusesWhatIsNotADerOcspResponse) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  Context ctx = ocsp_server_context();
  EXPECT_THROW(ctx.set_ocsp_response({}), ValueError);
  const Bytes garbage = {std::byte{'h'}, std::byte{'i'}};
  EXPECT_THROW(ctx.set_ocsp_response(garbage), ValueError);
  // DER, but a certificate: not an OCSPResponse.
  EXPECT_THROW(ctx.set_ocsp_response(ocsp_pki().leaf.cert.der()), ValueError);
  Bytes trailing = good;
  trailing.push_back(std::byte{0});
  EXPECT_THROW(ctx.set_ocsp_response(trailing), ValueError);
  Bytes truncated(good.begin(), good.end() - 1);
  EXPECT_THROW(ctx.set_ocsp_response(truncated), ValueError);
  EXPECT_NO_THROW(ctx.set_ocsp_response(good));
}

TEST(Ocsp, LaterSetterReplacesTheEarlierOne) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  Context server_ctx = ocsp_server_context();
  int server_calls = 0;
  server_ctx.set_ocsp_server_callback([&](Connection&) -> std::optional<Bytes> {
    ++server_calls;
    return std::nullopt;
  });
  server_ctx.set_ocsp_response(good);
  Context client_ctx = ocsp_client_context();
  Pair p(client_ctx, server_ctx, TLSVersion::TLSv1_3);
  ASSERT_TRUE(p.result.ok());
  EXPECT_EQ(server_calls, 0);
  EXPECT_EQ(p.client.ocsp_response(), std::optional<Bytes>(good));
  server_ctx.set_ocsp_server_callback([&](Connection&) -> std::optional<Bytes> {
    ++server_calls;
    return std::nullopt;
  });
  Pair q(client_ctx, server_ctx, TLSVersion::TLSv1_3);
  ASSERT_TRUE(q.result.ok());
  EXPECT_EQ(server_calls, 1);
  EXPECT_EQ(q.client.ocsp_response(), std::optional<Bytes>(Bytes{}));
}

// -- The built-in check -------------------------------------------------------

TEST(Ocsp, CheckIsOffByDefault) {
  Context ctx = ocsp_client_context();
  EXPECT_EQ(ctx.ocsp_check(), OcspCheck::off);
  ctx.set_ocsp_check(OcspCheck::required);
  EXPECT_EQ(ctx.ocsp_check(), OcspCheck::required);
  EXPECT_THROW(ctx.set_ocsp_check(static_cast<OcspCheck>(7)), ValueError);
  EXPECT_EQ(ctx.ocsp_check(), OcspCheck::required);
}

TEST(Ocsp, CheckAcceptsAGoodResponseAndAsksForItItself) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = stapling(good);
    Context client_ctx = checking_client(OcspCheck::required);
    Pair p(client_ctx, server_ctx, v, /*request=*/false);
    ASSERT_TRUE(p.result.ok()) << p.client.last_error().message;
    EXPECT_EQ(p.client.ocsp_response(), std::optional<Bytes>(good));
  }
}

TEST(Ocsp, CheckAcceptsADelegatedResponder) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf, .signer = &ocsp_pki().responder});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = stapling(good);
    Context client_ctx = checking_client(OcspCheck::required);
    Pair p(client_ctx, server_ctx, v);
    EXPECT_TRUE(p.result.ok()) << p.client.last_error().message;
  }
}

TEST(Ocsp, CheckMatchesACertIdHashedWithSha256) {
  const Bytes good = test::sign_window(ocsp_pki().leaf, -1h, 24h, test::CertIdHash::sha256);
  Context server_ctx = stapling(good);
  Context client_ctx = checking_client(OcspCheck::required);
  Pair p(client_ctx, server_ctx, TLSVersion::TLSv1_3);
  EXPECT_TRUE(p.result.ok()) << p.client.last_error().message;
}

TEST(Ocsp, CheckRejectsRevoked) {
  OcspResponder responder;
  const Bytes revoked = responder.respond({.cert = &ocsp_pki().leaf, .status = OcspStatus::revoked});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = stapling(revoked);
    Context client_ctx = checking_client(OcspCheck::if_stapled);
    Pair p(client_ctx, server_ctx, v);
    expect_check_fails(p, X509_V_ERR_CERT_REVOKED, "revoked (reason: keyCompromise)");
    EXPECT_FALSE(p.result.server.ok()) << "the server finished a handshake the client refused";
  }
}

TEST(Ocsp, CheckRejectsUnknown) {
  OcspResponder responder;
  const Bytes unknown = responder.respond({.cert = &ocsp_pki().leaf, .status = OcspStatus::unknown});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = stapling(unknown);
    Context client_ctx = checking_client(OcspCheck::required);
    Pair p(client_ctx, server_ctx, v);
    expect_check_fails(p, X509_V_ERR_OCSP_CERT_UNKNOWN, "does not know the server's certificate");
  }
}

TEST(Ocsp, CheckRejectsAnExpiredResponse) {
  const Bytes expired = test::sign_window(ocsp_pki().leaf, -48h, -24h);
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = stapling(expired);
    Context client_ctx = checking_client(OcspCheck::required);
    Pair p(client_ctx, server_ctx, v);
    expect_check_fails(p, X509_V_ERR_OCSP_VERIFY_FAILED, "has expired");
  }
}

TEST(Ocsp, CheckRejectsAResponseNotYetValid) {
  const Bytes early = test::sign_window(ocsp_pki().leaf, 1h, 48h);
  Context server_ctx = stapling(early);
  Context client_ctx = checking_client(OcspCheck::required);
  Pair p(client_ctx, server_ctx, TLSVersion::TLSv1_3);
  expect_check_fails(p, X509_V_ERR_OCSP_VERIFY_FAILED, "not yet valid");
}

TEST(Ocsp, CheckAllowsFiveMinutesOfClockSkew) {
  // nextUpdate passed a minute ago, thisUpdate a minute ahead: both inside
  // the leeway.
  Context client_ctx = checking_client(OcspCheck::required);
  for (const Bytes& response :
       {test::sign_window(ocsp_pki().leaf, -2h, -60s), test::sign_window(ocsp_pki().leaf, 60s, 2h)}) {
    Context server_ctx = stapling(response);
    Pair p(client_ctx, server_ctx, TLSVersion::TLSv1_3);
    EXPECT_TRUE(p.result.ok()) << p.client.last_error().message;
  }
}

TEST(Ocsp, CheckRejectsAResponseSignedByAStranger) {
  OcspResponder responder;
  const Bytes forged = responder.respond({.cert = &ocsp_pki().leaf, .signer = &ocsp_pki().stranger});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = stapling(forged);
    Context client_ctx = checking_client(OcspCheck::required);
    Pair p(client_ctx, server_ctx, v);
    expect_check_fails(p, X509_V_ERR_OCSP_VERIFY_FAILED, "not signed by the certificate's issuer");
  }
}

TEST(Ocsp, CheckRejectsAResponderWithoutTheOcspSigningEku) {
  OcspResponder responder;
  const Bytes response = responder.respond({.cert = &ocsp_pki().leaf, .signer = &ocsp_pki().responder_without_eku});
  Context server_ctx = stapling(response);
  Context client_ctx = checking_client(OcspCheck::required);
  Pair p(client_ctx, server_ctx, TLSVersion::TLSv1_3);
  expect_check_fails(p, X509_V_ERR_OCSP_VERIFY_FAILED, "not signed by the certificate's issuer");
}

TEST(Ocsp, CheckRejectsAResponseAboutAnotherCertificate) {
  OcspResponder responder;
  const Bytes other = responder.respond({.cert = &ocsp_pki().other_leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = stapling(other);
    Context client_ctx = checking_client(OcspCheck::required);
    Pair p(client_ctx, server_ctx, v);
    expect_check_fails(p, X509_V_ERR_OCSP_VERIFY_FAILED, "does not speak of the server's certificate");
  }
}

TEST(Ocsp, CheckRejectsAnUnsuccessfulResponse) {
  // "tryLater" is a DER OCSP response (so a server may staple it) without
  // a basic response in it.
  const test::owned<OCSP_RESPONSE, OCSP_RESPONSE_free> later(
      OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, nullptr));
  ASSERT_TRUE(later);
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_RESPONSE(later.get(), &der);
  ASSERT_GT(len, 0);
  const Bytes response(reinterpret_cast<std::byte*>(der), reinterpret_cast<std::byte*>(der) + len);
  OPENSSL_free(der);
  Context server_ctx = stapling(response);
  Context client_ctx = checking_client(OcspCheck::if_stapled);
  Pair p(client_ctx, server_ctx, TLSVersion::TLSv1_2);
  expect_check_fails(p, X509_V_ERR_OCSP_VERIFY_FAILED, "'trylater', not 'successful'");
}

// A server that staples whatever it is given: sslpp's own server refuses
// to send bytes that are not an OCSP response, so this one goes around it,
// through OpenSSL's hook on the native handle.
int staple_garbage(SSL* ssl, void* /*arg*/) {
  static const unsigned char garbage[] = {0x30, 0x03, 0x0a, 0x01, 0x00, 0xff};
  auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(garbage, sizeof garbage));
  SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(sizeof garbage));
  return SSL_TLSEXT_ERR_OK;
}

TEST(Ocsp, CheckRejectsBytesThatAreNotAnOcspResponse) {
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = ocsp_server_context();
    SSL_CTX_set_tlsext_status_cb(server_ctx.native_handle(), &staple_garbage);
    Context client_ctx = checking_client(OcspCheck::if_stapled);
    Bytes received;
    client_ctx.set_ocsp_client_callback([&](Connection&, std::span<const std::byte> response) {
      received.assign(response.begin(), response.end());
      return true;
    });
    Pair p(client_ctx, server_ctx, v);
    EXPECT_EQ(received.size(), 6U) << "the callback runs first, with the bytes as received";
    expect_check_fails(p, X509_V_ERR_OCSP_VERIFY_FAILED, "not a DER OCSP response");
  }
}

TEST(Ocsp, RequiredCheckFailsWithoutAStaple) {
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = ocsp_server_context();
    Context client_ctx = checking_client(OcspCheck::required);
    Pair p(client_ctx, server_ctx, v);
    expect_check_fails(p, X509_V_ERR_OCSP_VERIFY_NEEDED, "stapled no OCSP response");
  }
}

TEST(Ocsp, IfStapledCheckGoesOnWithoutAStaple) {
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = ocsp_server_context();
    Context client_ctx = checking_client(OcspCheck::if_stapled);
    Pair p(client_ctx, server_ctx, v);
    ASSERT_TRUE(p.result.ok()) << p.client.last_error().message;
    EXPECT_EQ(p.client.ocsp_response(), std::optional<Bytes>(Bytes{}));
  }
}

TEST(Ocsp, CheckRunsOnlyAfterTheChainVerified) {
  // The stranger's leaf is not trusted: the handshake fails on the chain
  // (OpenSSL verifies it before calling the status hook, in TLS 1.2 and
  // 1.3), and neither the callback nor the check sees the revoked staple.
  OcspResponder responder;
  const Bytes revoked = responder.respond(
      {.cert = &ocsp_pki().stranger_leaf, .status = OcspStatus::revoked, .issuer = &ocsp_pki().stranger});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context server_ctx = stapling(revoked, &ocsp_pki().stranger_leaf);
    Context client_ctx = checking_client(OcspCheck::required);
    int calls = 0;
    client_ctx.set_ocsp_client_callback([&](Connection&, std::span<const std::byte>) {
      ++calls;
      return true;
    });
    Pair p(client_ctx, server_ctx, v);
    EXPECT_FALSE(p.result.client.ok());
    EXPECT_EQ(p.client.last_error().verify_code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
        << p.client.last_error().message;
    EXPECT_EQ(calls, 0);
  }
}

TEST(Ocsp, CheckUnderCertNoneStillVerifiesTheResponseAgainstTheStore) {
  // CERT_NONE skips the chain, not the check: a response must still be
  // signed by a responder the trust store vouches for. So a good answer
  // from the untrusted stranger about its own leaf fails, while the
  // trusted root's good answer passes.
  OcspResponder responder;
  const Bytes strangers = responder.respond({.cert = &ocsp_pki().stranger_leaf, .issuer = &ocsp_pki().stranger});
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context client_ctx = checking_client(OcspCheck::required);
    client_ctx.set_check_hostname(false);
    client_ctx.set_verify_mode(CERT_NONE);
    Context untrusted = stapling(strangers, &ocsp_pki().stranger_leaf);
    Pair refused(client_ctx, untrusted, v);
    expect_check_fails(refused, X509_V_ERR_OCSP_VERIFY_FAILED, "not signed by the certificate's issuer");
    Context trusted = stapling(good);
    Pair accepted(client_ctx, trusted, v);
    EXPECT_TRUE(accepted.result.ok()) << accepted.client.last_error().message;
  }
}

TEST(Ocsp, CallbackRunsBeforeTheCheck) {
  OcspResponder responder;
  const Bytes revoked = responder.respond({.cert = &ocsp_pki().leaf, .status = OcspStatus::revoked});
  Context server_ctx = stapling(revoked);
  Context client_ctx = checking_client(OcspCheck::required);
  Bytes seen;
  client_ctx.set_ocsp_client_callback([&](Connection&, std::span<const std::byte> response) {
    seen.assign(response.begin(), response.end());
    return true;
  });
  Pair p(client_ctx, server_ctx, TLSVersion::TLSv1_3);
  EXPECT_EQ(seen, revoked);
  expect_check_fails(p, X509_V_ERR_CERT_REVOKED, "revoked");
}

// Resumed is the second of two connections between a server stapling
// `staple` and a client: the first made with the check `made_with`, the
// second offering its session with the check turned to `resumed_with`.
struct Resumed {
  Connection client;
  test::HandshakeResult result;
};

Resumed resume(const Bytes& staple, TLSVersion v, OcspCheck made_with, OcspCheck resumed_with) {
  Context server_ctx = stapling(staple);
  Context client_ctx = checking_client(made_with);
  Pair first(client_ctx, server_ctx, v);
  EXPECT_TRUE(first.result.ok()) << first.client.last_error().message;
  test::exchange(first.client, first.server);  // TLS 1.3 tickets come after the handshake
  const std::optional<Session> session = first.client.session();
  EXPECT_TRUE(session);
  client_ctx.set_ocsp_check(resumed_with);
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost"});
  if (session) {
    client.set_session(*session);
  }
  Connection server = server_ctx.wrap_bio({.server_side = true});
  const test::HandshakeResult r = test::handshake(client, server);
  return {std::move(client), r};
}

TEST(Ocsp, ResumedSessionIsNotCheckedAgain) {
  // A resumed handshake carries no certificate (and, in TLS 1.3, no
  // staple, though OpenSSL still calls the hook): `required` must not
  // fail it; the session keeps what the full handshake's check found.
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    const Resumed r = resume(good, v, OcspCheck::required, OcspCheck::required);
    ASSERT_TRUE(r.result.ok()) << r.client.last_error().message;
    EXPECT_TRUE(r.client.session_reused());
  }
}

TEST(Ocsp, SessionMadeWithoutTheCheckDoesNotResumeUnderIt) {
  // A session remembers what the check found when it was made: one made
  // while the check was off, or passed without a staple, does not resume
  // into a connection that requires a good staple.
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    const Resumed r = resume(good, v, OcspCheck::off, OcspCheck::required);
    EXPECT_FALSE(r.result.client.ok());
    EXPECT_EQ(r.client.last_error().verify_code, X509_V_ERR_OCSP_VERIFY_NEEDED) << r.client.last_error().message;
    EXPECT_EQ(r.result.client_ec, errc::certificate_verify_failed);
    const auto& explained = r.client.last_error().verify_failure;
    ASSERT_NE(explained, nullptr);
    EXPECT_TRUE(explained->resumed);
    EXPECT_EQ(explained->depth, -1) << "a resumed session keeps no chain as built";
    EXPECT_EQ(explained->kind, VerifyHint::ocsp);
    EXPECT_NE(explained->hint.find("resumed session"), std::string::npos) << explained->hint;
  }
}

// -- Against OpenSSL's own peers ----------------------------------------------

struct OpenSSLServer {
  OcspResponder& files;
  test::SServer server;

  OpenSSLServer(OcspResponder& f, const Bytes& staple, TLSVersion v)
      : files(f),
        server(test::start_s_server(
            test::write_credential(f.dir(), "leaf", Credential{ocsp_pki().leaf.cert, ocsp_pki().leaf.key}),
            {v == TLSVersion::TLSv1_2 ? "-tls1_2" : "-tls1_3", "-status_file", f.write("staple.der", staple).string()})) {
  }
};

TEST(OcspInterop, ClientReceivesTheStapleOfOpenSSLServer) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    OpenSSLServer peer(responder, good, v);
    Context ctx = ocsp_client_context();
    Bytes received;
    ctx.set_ocsp_client_callback([&](Connection&, std::span<const std::byte> response) {
      received.assign(response.begin(), response.end());
      return true;
    });
    SSLSocket sock = test::connect_tls(ctx, peer.server.port, {.server_hostname = "localhost"});
    sock.connection().request_ocsp();
    test::SocketDriver driver(sock);
    const test::DriveResult hs = driver.handshake();
    ASSERT_TRUE(hs.ok()) << hs.ec.message() << " " << sock.connection().last_error().message << "\n"
                         << peer.server.proc->describe();
    EXPECT_EQ(received, good);
    EXPECT_EQ(sock.connection().ocsp_response(), std::optional<Bytes>(good));
  }
}

TEST(OcspInterop, CheckJudgesTheStapleOfOpenSSLServer) {
  OcspResponder responder;
  const Bytes good = responder.respond({.cert = &ocsp_pki().leaf});
  const Bytes revoked = responder.respond({.cert = &ocsp_pki().leaf, .status = OcspStatus::revoked});
  for (const TLSVersion v : kVersions) {
    SCOPED_TRACE(name_of(v));
    Context ctx = checking_client(OcspCheck::required);
    {
      OpenSSLServer peer(responder, good, v);
      SSLSocket sock = test::connect_tls(ctx, peer.server.port, {.server_hostname = "localhost"});
      const test::DriveResult hs = test::SocketDriver(sock).handshake();
      EXPECT_TRUE(hs.ok()) << sock.connection().last_error().message << "\n" << peer.server.proc->describe();
    }
    {
      OpenSSLServer peer(responder, revoked, v);
      SSLSocket sock = test::connect_tls(ctx, peer.server.port, {.server_hostname = "localhost"});
      const test::DriveResult hs = test::SocketDriver(sock).handshake();
      EXPECT_FALSE(hs.ok());
      EXPECT_EQ(sock.connection().last_error().verify_code, X509_V_ERR_CERT_REVOKED)
          << sock.connection().last_error().message;
    }
  }
}

TEST(OcspInterop, OpenSSLClientPrintsTheStapleOfSslppServer) {
  OcspResponder responder;
  const std::filesystem::path root = responder.write("root.pem", ocsp_pki().root.cert.pem());
  const struct {
    OcspStatus status;
    const char* printed;
  } cases[] = {{OcspStatus::good, "Cert Status: good"}, {OcspStatus::revoked, "Cert Status: revoked"}};
  for (const auto& c : cases) {
    const Bytes response = responder.respond({.cert = &ocsp_pki().leaf, .status = c.status});
    for (const TLSVersion v : kVersions) {
      SCOPED_TRACE(name_of(v) + " " + c.printed);
      Context server_ctx = stapling(response);
      test::SClient peer(std::move(server_ctx), {v == TLSVersion::TLSv1_2 ? "-tls1_2" : "-tls1_3", "-status",
                                                 "-CAfile", root.string(), "-servername", "localhost"});
      const test::DriveResult hs = peer.driver.handshake();
      ASSERT_TRUE(hs.ok()) << peer.conn.last_error().message << "\n" << peer.proc->describe();
      EXPECT_TRUE(peer.proc->wait_for_line("OCSP Response Status: successful")) << peer.proc->describe();
      EXPECT_TRUE(peer.proc->wait_for_line(c.printed)) << peer.proc->describe();
    }
  }
}

TEST(OcspInterop, OpenSSLClientSeesNoStapleWhenNoneIsSet) {
  Context server_ctx = ocsp_server_context();
  test::SClient peer(std::move(server_ctx), {"-tls1_3", "-status", "-servername", "localhost"});
  const test::DriveResult hs = peer.driver.handshake();
  ASSERT_TRUE(hs.ok()) << peer.conn.last_error().message << "\n" << peer.proc->describe();
  EXPECT_TRUE(peer.proc->wait_for_line("OCSP response: no response sent")) << peer.proc->describe();
}

// describe_ocsp_response says what `openssl ocsp` wrote: good and revoked
// answers about the leaf, with its serial number and both update times.
TEST(Ocsp, DescribeResponseReadsStatusSerialAndTimes) {
  OcspResponder responder;
  const OcspResponseInfo good = describe_ocsp_response(responder.respond({.cert = &ocsp_pki().leaf}));
  EXPECT_EQ(good.response_status, "successful");
  ASSERT_TRUE(good.produced_at);
  ASSERT_EQ(good.certificates.size(), 1U);
  EXPECT_EQ(good.certificates[0].status, "good");
  EXPECT_EQ(good.certificates[0].serial_number, ocsp_pki().leaf.cert.serial_number());
  EXPECT_TRUE(good.certificates[0].this_update.ends_with(" GMT")) << good.certificates[0].this_update;
  EXPECT_TRUE(good.certificates[0].next_update);
  EXPECT_FALSE(good.certificates[0].revocation_time);
  const OcspResponseInfo revoked =
      describe_ocsp_response(responder.respond({.cert = &ocsp_pki().leaf, .status = OcspStatus::revoked}));
  ASSERT_EQ(revoked.certificates.size(), 1U);
  EXPECT_EQ(revoked.certificates[0].status, "revoked");
  EXPECT_TRUE(revoked.certificates[0].revocation_time);
}

TEST(Ocsp, DescribeResponseRefusesWhatIsNotAResponse) {
  EXPECT_THROW(describe_ocsp_response({}), ValueError);
  const std::vector<std::byte> garbage(16, std::byte{0x30});
  EXPECT_THROW(describe_ocsp_response(garbage), ValueError);
}

}  // namespace
}  // namespace sslpp
