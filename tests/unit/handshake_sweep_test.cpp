// Sweeps over recorded handshakes (issue 11, item 6), TLS 1.3 and TLS 1.2:
//   (a) the peer's first flight cut at every byte offset, to a fresh client
//       (the server's flight) and to a fresh server (the ClientHello): never
//       a success, never a hang, a typed error once the transport ends;
//   (b) every byte of the server's first flight flipped, fed to a fresh
//       sslpp client and to a raw OpenSSL client built the same way: the
//       same verdict (success or failure, and OpenSSL's reason).
// A recorded server flight only applies to a client whose ClientHello (and
// key share) is byte-identical to the recorded one, so the test replaces
// OpenSSL's randomness with a seeded generator while it runs.
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp {
namespace {

using Bytes = std::vector<std::byte>;
using test::pki;

// -- Deterministic randomness --------------------------------------------------

// SplitMix64: not secure, only repeatable. Every RAND_bytes and
// RAND_priv_bytes of libssl and of the default provider's key generation
// goes through the installed RAND_METHOD in OpenSSL 3.0.
std::uint64_t g_rand_state = 0;

int deterministic_bytes(unsigned char* buf, int num) {
  for (int i = 0; i < num; ++i) {
    std::uint64_t z = (g_rand_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    buf[i] = static_cast<unsigned char>(z ^ (z >> 31));
  }
  return 1;
}
int deterministic_seed(const void*, int) { return 1; }
int deterministic_add(const void*, int, double) { return 1; }
int deterministic_status() { return 1; }

const RAND_METHOD kDeterministic = {deterministic_seed, deterministic_bytes, nullptr,
                                    deterministic_add,  deterministic_bytes, deterministic_status};

constexpr std::uint64_t kSeed = 0x5EED5EED5EED5EEDULL;

// DeterministicRandom installs the seeded generator for its lifetime and
// puts OpenSSL's own back afterwards (RAND_set_rand_method is deprecated in
// 3.0 but is the one hook libssl honours).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
class DeterministicRandom {
 public:
  DeterministicRandom() : previous_(::RAND_get_rand_method()) { ::RAND_set_rand_method(&kDeterministic); }
  ~DeterministicRandom() { ::RAND_set_rand_method(previous_); }
  DeterministicRandom(const DeterministicRandom&) = delete;
  DeterministicRandom& operator=(const DeterministicRandom&) = delete;
  static void reseed() { g_rand_state = kSeed; }

  // Aside keeps the generator's position for its lifetime: the recording's
  // server draws from it without moving the client's stream, so a replayed
  // client draws its later keys (TLS 1.2's ClientKeyExchange) from where the
  // recorded one did.
  class Aside {
   public:
    Aside() : saved_(g_rand_state) {}
    ~Aside() { g_rand_state = saved_; }
    Aside(const Aside&) = delete;
    Aside& operator=(const Aside&) = delete;

   private:
    std::uint64_t saved_;
  };

 private:
  const RAND_METHOD* previous_;
};
#pragma GCC diagnostic pop

// -- Recording -------------------------------------------------------------------

Bytes prefix(const Bytes& b, std::size_t n) { return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)}; }

// Recording is one handshake, flight by flight.
struct Recording {
  Bytes client_hello;
  Bytes server_flight;   // TLS 1.3: ServerHello .. Finished; TLS 1.2: ServerHello .. ServerHelloDone
  Bytes server_flight2;  // TLS 1.2 only: NewSessionTicket, ChangeCipherSpec, Finished
};

// Contexts holds the contexts every replay reuses: one sslpp client context,
// a server context per version, and a raw OpenSSL client context made to
// match the sslpp one.
struct Contexts {
  Context client = test::client_context();
  Context server13 = test::server_context();
  Context server12 = [] {
    Context c = test::server_context();
    c.set_maximum_version(TLSVersion::TLSv1_2);
    return c;
  }();
  std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)> raw{nullptr, &::SSL_CTX_free};

  Context& server(bool tls12) { return tls12 ? server12 : server13; }
};

// make_raw_like builds an SSL_CTX with the sslpp client context's settings:
// options, modes, versions, cipher lists, security level, verification
// parameters and trust; the per-connection name is set in raw_replay.
void make_raw_like(Contexts& s) {
  SSL_CTX* from = s.client.native_handle();
  s.raw.reset(::SSL_CTX_new(::TLS_client_method()));
  SSL_CTX* to = s.raw.get();
  ASSERT_NE(to, nullptr);
  ::SSL_CTX_clear_options(to, ::SSL_CTX_get_options(to));
  ::SSL_CTX_set_options(to, ::SSL_CTX_get_options(from));
  ::SSL_CTX_set_mode(to, ::SSL_CTX_get_mode(from));
  ASSERT_EQ(::SSL_CTX_set_min_proto_version(to, ::SSL_CTX_get_min_proto_version(from)), 1);
  ASSERT_EQ(::SSL_CTX_set_max_proto_version(to, ::SSL_CTX_get_max_proto_version(from)), 1);
  std::string tls12;
  std::string tls13;
  const STACK_OF(SSL_CIPHER)* ciphers = ::SSL_CTX_get_ciphers(from);
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    std::string& list = std::string(::SSL_CIPHER_get_version(c)) == "TLSv1.3" ? tls13 : tls12;
    list += (list.empty() ? "" : ":") + std::string(::SSL_CIPHER_get_name(c));
  }
  ASSERT_EQ(::SSL_CTX_set_cipher_list(to, tls12.c_str()), 1);
  ASSERT_EQ(::SSL_CTX_set_ciphersuites(to, tls13.c_str()), 1);
  ::SSL_CTX_set_security_level(to, ::SSL_CTX_get_security_level(from));
  ::SSL_CTX_set_verify(to, ::SSL_CTX_get_verify_mode(from), nullptr);
  ASSERT_EQ(::X509_VERIFY_PARAM_set1(::SSL_CTX_get0_param(to), ::SSL_CTX_get0_param(from)), 1);
  ::X509_VERIFY_PARAM_set_hostflags(::SSL_CTX_get0_param(to),
                                    ::X509_VERIFY_PARAM_get_hostflags(::SSL_CTX_get0_param(from)));
  ASSERT_EQ(::X509_STORE_add_cert(::SSL_CTX_get_cert_store(to), pki().ca.certificate().native_handle()), 1);
}

Recording record(Contexts& s, bool tls12) {
  Recording r;
  DeterministicRandom::reseed();
  Connection client = s.client.wrap_bio({.server_hostname = "localhost"});
  Connection server = s.server(tls12).wrap_bio({.server_side = true});
  std::error_code ec;
  EXPECT_EQ(client.do_handshake(ec).status, io_status::want_read);
  r.client_hello = test::take_output(client);
  server.bio_write(r.client_hello);
  {
    const DeterministicRandom::Aside aside;
    EXPECT_EQ(server.do_handshake(ec).status, io_status::want_read);
  }
  r.server_flight = test::take_output(server);
  client.bio_write(r.server_flight);
  EXPECT_EQ(client.do_handshake(ec).status, tls12 ? io_status::want_read : io_status::ok) << ec.message();
  server.bio_write(test::take_output(client));
  {
    const DeterministicRandom::Aside aside;
    EXPECT_EQ(server.do_handshake(ec).status, io_status::ok) << ec.message();
  }
  if (tls12) {
    r.server_flight2 = test::take_output(server);
    client.bio_write(r.server_flight2);
    EXPECT_EQ(client.do_handshake(ec).status, io_status::ok) << ec.message();
  }
  EXPECT_EQ(client.version(), tls12 ? "TLSv1.2" : "TLSv1.3");
  return r;
}

// -- Verdicts ----------------------------------------------------------------------

// Verdict is how a client took the server's flights: success, or failure
// with OpenSSL's (library, reason) and the certificate verification result.
struct Verdict {
  bool ok = false;
  int lib = 0;
  int reason = 0;
  long verify = X509_V_OK;
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

std::string describe(const Verdict& v) {
  if (v.ok) {
    return "success";
  }
  const char* why = ::ERR_reason_error_string(ERR_PACK(v.lib, 0, v.reason));
  return "failure [" + std::to_string(v.lib) + ":" + std::to_string(v.reason) + "] " + (why ? why : "?") +
         " verify=" + std::to_string(v.verify);
}

// At most this many handshake calls per replay: hello, first flight,
// second flight, end of input.
constexpr int kMaxCalls = 4;

// sslpp_replay is a fresh sslpp client taking `flight` (and `flight2`, if
// it gets that far) and then the end of the transport.
Verdict sslpp_replay(Contexts& s, const Recording& rec, const Bytes& flight, const Bytes& flight2) {
  DeterministicRandom::reseed();
  Connection c = s.client.wrap_bio({.server_hostname = "localhost"});
  std::error_code ec;
  io_result r = c.do_handshake(ec);
  EXPECT_EQ(test::take_output(c), rec.client_hello) << "the ClientHello changed: the replay would be meaningless";
  const std::vector<const Bytes*> inputs = {&flight, &flight2};
  int calls = 1;
  for (const Bytes* in : inputs) {
    if (r.status != io_status::want_read || in->empty()) {
      continue;
    }
    c.bio_write(*in);
    r = c.do_handshake(ec);
    ++calls;
    (void)test::take_output(c);
  }
  if (r.status == io_status::want_read) {
    c.bio_shutdown();
    r = c.do_handshake(ec);
    ++calls;
  }
  EXPECT_LE(calls, kMaxCalls);
  Verdict v;
  v.ok = r.ok();
  v.verify = c.verify_result();
  if (!v.ok) {
    EXPECT_TRUE(r.status == io_status::error || r.status == io_status::truncated) << to_string(r.status);
    EXPECT_TRUE(static_cast<bool>(ec));
    EXPECT_EQ(c.last_error().code, ec);
    const auto& queue = c.last_error().queue;
    if (!queue.empty()) {
      v.lib = ERR_GET_LIB(queue.back().code);
      v.reason = ERR_GET_REASON(queue.back().code);
    }
  }
  return v;
}

// raw_replay is the same with a raw OpenSSL client over a memory BIO pair.
Verdict raw_replay(Contexts& s, const Recording& rec, const Bytes& flight, const Bytes& flight2) {
  DeterministicRandom::reseed();
  std::unique_ptr<SSL, decltype(&::SSL_free)> ssl(::SSL_new(s.raw.get()), &::SSL_free);
  BIO* in = ::BIO_new(::BIO_s_mem());
  BIO* out = ::BIO_new(::BIO_s_mem());
  BIO_set_mem_eof_return(in, -1);  // empty means "more may come" until the end is marked
  ::SSL_set_bio(ssl.get(), in, out);
  ::SSL_set_connect_state(ssl.get());
  SSL_set_tlsext_host_name(ssl.get(), "localhost");
  ::SSL_set1_host(ssl.get(), "localhost");
  const auto take_output = [out] {
    Bytes b(static_cast<std::size_t>(BIO_pending(out)));
    if (!b.empty()) {
      ::BIO_read(out, b.data(), static_cast<int>(b.size()));
    }
    return b;
  };
  ::ERR_clear_error();
  int ret = ::SSL_do_handshake(ssl.get());
  EXPECT_EQ(take_output(), rec.client_hello) << "the raw client's ClientHello differs from sslpp's";
  for (const Bytes* data : {&flight, &flight2}) {
    if (ret == 1 || ::SSL_get_error(ssl.get(), ret) != SSL_ERROR_WANT_READ || data->empty()) {
      continue;
    }
    ::BIO_write(in, data->data(), static_cast<int>(data->size()));
    ret = ::SSL_do_handshake(ssl.get());
    (void)take_output();
  }
  if (ret != 1 && ::SSL_get_error(ssl.get(), ret) == SSL_ERROR_WANT_READ) {
    BIO_set_mem_eof_return(in, 0);
    ret = ::SSL_do_handshake(ssl.get());
  }
  Verdict v;
  v.ok = ret == 1;
  v.verify = ::SSL_get_verify_result(ssl.get());
  if (!v.ok) {
    const unsigned long e = ::ERR_peek_last_error();
    v.lib = ERR_GET_LIB(e);
    v.reason = ERR_GET_REASON(e);
  }
  ::ERR_clear_error();
  return v;
}

// -- (a) Cuts ------------------------------------------------------------------------

// expect_cut_fails: a fresh receiver given the first `n` bytes waits for
// more (never succeeds, sends nothing new, even when asked again), and
// fails with a typed end-of-input error once the transport ends.
void expect_cut_fails(Connection& c, std::size_t n, const char* who) {
  std::error_code ec;
  for (int call = 0; call < 2; ++call) {
    const io_result r = c.do_handshake(ec);
    ASSERT_EQ(r.status, io_status::want_read) << who << " cut at " << n << ": " << c.last_error().message;
    ASSERT_TRUE(test::take_output(c).empty()) << who << " cut at " << n << " sent something";
  }
  c.bio_shutdown();
  const io_result r = c.do_handshake(ec);
  ASSERT_TRUE(r.status == io_status::truncated || r.status == io_status::error) << who << " cut at " << n;
  ASSERT_TRUE(ec == errc::eof) << who << " cut at " << n << ": " << ec.message() << ": " << c.last_error().message;
  EXPECT_EQ(c.last_error().code, ec);
  try {
    c.do_handshake();
    ADD_FAILURE() << who << " cut at " << n << ": the throwing form succeeded";
  } catch (const SSLEOFError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << who << " cut at " << n << ": not SSLEOFError: " << e.what();
  }
}

class HandshakeSweep : public ::testing::TestWithParam<bool> {  // true: TLS 1.2
 protected:
  static void SetUpTestSuite() {
    (void)pki();  // the test PKI's keys come from OpenSSL's real generator
    random_ = std::make_unique<DeterministicRandom>();
    setup_ = std::make_unique<Contexts>();
    make_raw_like(*setup_);
    for (const bool tls12 : {false, true}) {
      recordings_[tls12 ? 1 : 0] = record(*setup_, tls12);
    }
  }
  static void TearDownTestSuite() {
    setup_.reset();
    random_.reset();
  }
  bool tls12() const { return GetParam(); }
  const Recording& rec() const { return recordings_[tls12() ? 1 : 0]; }

  static inline std::unique_ptr<DeterministicRandom> random_;
  static inline std::unique_ptr<Contexts> setup_;
  static inline Recording recordings_[2];
};

TEST_P(HandshakeSweep, ClientHelloCutAtEveryOffset) {
  const Bytes& hello = rec().client_hello;
  ASSERT_GT(hello.size(), 100u);
  for (std::size_t n = 0; n < hello.size(); ++n) {
    Connection server = setup_->server(tls12()).wrap_bio({.server_side = true});
    server.bio_write(prefix(hello, n));
    expect_cut_fails(server, n, "server");
    if (HasFatalFailure()) {
      return;
    }
  }
}

TEST_P(HandshakeSweep, ServerFlightCutAtEveryOffset) {
  // For TLS 1.2 the cuts run through both of the server's flights: the
  // first is not enough for a success, so the second is where it could go
  // wrong.
  const Bytes whole = [this] {
    Bytes b = rec().server_flight;
    b.insert(b.end(), rec().server_flight2.begin(), rec().server_flight2.end());
    return b;
  }();
  ASSERT_GT(whole.size(), 200u);
  for (std::size_t n = 0; n < whole.size(); ++n) {
    DeterministicRandom::reseed();
    Connection client = setup_->client.wrap_bio({.server_hostname = "localhost"});
    std::error_code ec;
    ASSERT_EQ(client.do_handshake(ec).status, io_status::want_read);
    ASSERT_EQ(test::take_output(client), rec().client_hello);
    client.bio_write(prefix(whole, n));
    if (tls12() && n >= rec().server_flight.size()) {
      // The whole first flight is in: the client answers it once, then waits.
      ASSERT_EQ(client.do_handshake(ec).status, io_status::want_read) << n << ": " << client.last_error().message;
      (void)test::take_output(client);
    }
    expect_cut_fails(client, n, "client");
    if (HasFatalFailure()) {
      return;
    }
  }
}

// -- (b) Flips -----------------------------------------------------------------------

TEST_P(HandshakeSweep, ServerFlightFlippedAtEveryOffsetMatchesOpenSSL) {
  const Recording& r = rec();
  // Unchanged, both clients complete the recorded handshake: the replay is sound.
  const Verdict clean = sslpp_replay(*setup_, r, r.server_flight, r.server_flight2);
  ASSERT_TRUE(clean.ok) << describe(clean);
  ASSERT_EQ(raw_replay(*setup_, r, r.server_flight, r.server_flight2), clean);
  // Two patterns at every offset: the lowest bit, and every bit of the byte.
  std::string accepted;
  std::size_t mismatches = 0;
  for (const std::byte pattern : {std::byte{0x01}, std::byte{0xFF}}) {
    for (std::size_t i = 0; i < r.server_flight.size(); ++i) {
      Bytes flipped = r.server_flight;
      flipped[i] ^= pattern;
      const Verdict ours = sslpp_replay(*setup_, r, flipped, r.server_flight2);
      const Verdict theirs = raw_replay(*setup_, r, flipped, r.server_flight2);
      if (!(ours == theirs) && ++mismatches <= 20) {
        ADD_FAILURE() << "byte " << i << " of " << r.server_flight.size() << " XOR " << std::to_integer<int>(pattern)
                      << ": sslpp " << describe(ours) << ", OpenSSL " << describe(theirs);
      }
      if (ours.ok) {
        accepted += " " + std::to_string(i) + "^" + std::to_string(std::to_integer<int>(pattern));
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  // Almost every flip breaks the handshake; the few that do not touch bytes
  // nothing authenticates (the record layer's legacy version).
  EXPECT_LT(accepted.size(), 100u) << accepted;
  std::printf("[          ] %s: %zu bytes x 2 patterns; accepted by both:%s\n", tls12() ? "TLS 1.2" : "TLS 1.3",
              r.server_flight.size(), accepted.empty() ? " none" : accepted.c_str());
}

INSTANTIATE_TEST_SUITE_P(Versions, HandshakeSweep, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "TLS12" : "TLS13"; });

}  // namespace
}  // namespace sslpp
