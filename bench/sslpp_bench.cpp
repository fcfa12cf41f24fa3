// sslpp_bench: sslpp against the raw OpenSSL C API over in-memory pairs.
//
// Both sides run in the same process and the same run, with the same TLS
// settings (checked at start-up), and are driven by the same templates, so the
// only difference between "sslpp" and "raw" is the API under test. The machine
// is noisy, so main() prints ratios of medians of interleaved repetitions
// rather than absolute figures. docs/performance.md has the results.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <benchmark/benchmark.h>

#include "median_reporter.hpp"
#include "raw_openssl.hpp"
#include "settings_check.hpp"

#include <sslpp/certificate_authority.hpp>
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/session.hpp>
#include <sslpp/status.hpp>

// ===========================================================================
// Heap accounting
//
// Every block from OpenSSL (through CRYPTO_set_mem_functions) and from C++
// (through the replaced global operator new) carries its size in a header, so
// a free can subtract exactly what its allocation added. The counters are
// live bytes; a measurement is the difference of two readings.

namespace {

using sslpp_bench::CtxPtr;
using sslpp_bench::make_raw_contexts;
using sslpp_bench::openssl_failure;
using sslpp_bench::RawContexts;
using sslpp_bench::RawMode;
using sslpp_bench::require;
using sslpp_bench::SslPtr;

// 16 bytes keeps the pointer we hand out as aligned as malloc's own.
constexpr std::size_t kHeader = alignof(std::max_align_t);
static_assert(kHeader >= sizeof(std::size_t));

std::atomic<long long> g_openssl_live{0};
std::atomic<long long> g_cxx_live{0};

std::size_t& header_of(void* base) noexcept { return *static_cast<std::size_t*>(base); }

void* counted_malloc(std::size_t n, std::atomic<long long>& live) noexcept {
  if (n > SIZE_MAX - kHeader) {
    return nullptr;
  }
  void* base = std::malloc(n + kHeader);
  if (base == nullptr) {
    return nullptr;
  }
  header_of(base) = n;
  live.fetch_add(static_cast<long long>(n), std::memory_order_relaxed);
  return static_cast<std::byte*>(base) + kHeader;
}

// Not inlined: inlined into a caller of the replaced operator delete, the
// free() below would look to gcc like freeing memory from operator new
// (-Wmismatched-new-delete), though this file's operator new used malloc.
[[gnu::noinline]] void counted_free(void* p, std::atomic<long long>& live) noexcept {
  if (p == nullptr) {
    return;
  }
  void* base = static_cast<std::byte*>(p) - kHeader;
  live.fetch_sub(static_cast<long long>(header_of(base)), std::memory_order_relaxed);
  std::free(base);
}

void* counted_realloc(void* p, std::size_t n, std::atomic<long long>& live) noexcept {
  if (p == nullptr) {
    return counted_malloc(n, live);
  }
  if (n == 0) {
    // realloc(p, 0) is implementation-defined; OpenSSL means "free".
    counted_free(p, live);
    return nullptr;
  }
  if (n > SIZE_MAX - kHeader) {
    return nullptr;
  }
  void* base = static_cast<std::byte*>(p) - kHeader;
  const std::size_t old = header_of(base);
  void* grown = std::realloc(base, n + kHeader);
  if (grown == nullptr) {
    return nullptr;  // the old block is untouched and still counted
  }
  header_of(grown) = n;
  live.fetch_add(static_cast<long long>(n) - static_cast<long long>(old), std::memory_order_relaxed);
  return static_cast<std::byte*>(grown) + kHeader;
}

void* openssl_malloc(std::size_t n, const char*, int) { return counted_malloc(n, g_openssl_live); }
void* openssl_realloc(void* p, std::size_t n, const char*, int) { return counted_realloc(p, n, g_openssl_live); }
void openssl_free(void* p, const char*, int) { counted_free(p, g_openssl_live); }

// Over-aligned C++ blocks: the header sits just below the returned pointer,
// which is `align` bytes above the real start of the block.
void* counted_aligned_new(std::size_t n, std::align_val_t al) {
  const std::size_t align = std::max(static_cast<std::size_t>(al), kHeader);
  if (n > SIZE_MAX - 2 * align) {
    throw std::bad_alloc();
  }
  // aligned_alloc wants a size that is a multiple of the alignment.
  const std::size_t total = (n + align + align - 1) / align * align;
  void* base = std::aligned_alloc(align, total);
  if (base == nullptr) {
    throw std::bad_alloc();
  }
  std::byte* p = static_cast<std::byte*>(base) + align;
  header_of(p - kHeader) = n;
  g_cxx_live.fetch_add(static_cast<long long>(n), std::memory_order_relaxed);
  return p;
}

[[gnu::noinline]] void counted_aligned_delete(void* p, std::align_val_t al) noexcept {
  if (p == nullptr) {
    return;
  }
  const std::size_t align = std::max(static_cast<std::size_t>(al), kHeader);
  std::byte* bytes = static_cast<std::byte*>(p);
  g_cxx_live.fetch_sub(static_cast<long long>(header_of(bytes - kHeader)), std::memory_order_relaxed);
  std::free(bytes - align);
}

// HeapReading is the live byte count at one moment.
struct HeapReading {
  long long openssl = 0;
  long long cxx = 0;
  [[nodiscard]] long long total() const { return openssl + cxx; }
};

HeapReading read_heap() {
  return {g_openssl_live.load(std::memory_order_relaxed), g_cxx_live.load(std::memory_order_relaxed)};
}

}  // namespace

// The replaced global allocation functions. No new_handler loop: the
// benchmark never installs one, and running out of memory ends the run anyway.
void* operator new(std::size_t n) {
  if (void* p = counted_malloc(n == 0 ? 1 : n, g_cxx_live)) {
    return p;
  }
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n == 0 ? 1 : n, g_cxx_live); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n == 0 ? 1 : n, g_cxx_live);
}
void operator delete(void* p) noexcept { counted_free(p, g_cxx_live); }
void operator delete[](void* p) noexcept { counted_free(p, g_cxx_live); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p, g_cxx_live); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p, g_cxx_live); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p, g_cxx_live); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p, g_cxx_live); }
void* operator new(std::size_t n, std::align_val_t al) { return counted_aligned_new(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return counted_aligned_new(n, al); }
void operator delete(void* p, std::align_val_t al) noexcept { counted_aligned_delete(p, al); }
void operator delete[](void* p, std::align_val_t al) noexcept { counted_aligned_delete(p, al); }
void operator delete(void* p, std::size_t, std::align_val_t al) noexcept { counted_aligned_delete(p, al); }
void operator delete[](void* p, std::size_t, std::align_val_t al) noexcept { counted_aligned_delete(p, al); }

namespace {

// ===========================================================================
// Test PKI and the shared settings

constexpr const char* kHost = "localhost";


struct Pki {
  sslpp::CertificateAuthority ca;
  sslpp::Credential ecdsa;
  sslpp::Credential rsa;
  std::string ca_pem;
};

sslpp::CertificateRequest localhost_request(sslpp::KeyType type) {
  sslpp::CertificateRequest r;
  r.common_name = kHost;
  r.dns_names = {kHost};
  r.key_type = type;
  return r;
}

// pki is made once: RSA key generation is slow and must not land in a timing.
const Pki& pki() {
  static const Pki instance = [] {
    auto ca = sslpp::CertificateAuthority::create("sslpp bench CA");
    auto ecdsa = ca.issue(localhost_request(sslpp::KeyType::ec_p256));
    auto rsa = ca.issue(localhost_request(sslpp::KeyType::rsa2048));
    std::string pem = ca.certificate().pem();
    return Pki{std::move(ca), std::move(ecdsa), std::move(rsa), std::move(pem)};
  }();
  return instance;
}


// The result of one step on either API, reduced to what the drivers need.
enum class Io { ok, want, failed };
struct Step {
  Io status = Io::failed;
  std::size_t bytes = 0;
};

// ===========================================================================
// The sslpp side

class SslppSide {
 public:
  using Connection = sslpp::Connection;
  using Session = sslpp::Session;

  // With `keep_buffers`, both contexts turn release_buffers off.
  explicit SslppSide(const sslpp::Credential& server_credential, bool keep_buffers = false)
      : client_ctx_(sslpp::PROTOCOL_TLS_CLIENT), server_ctx_(sslpp::PROTOCOL_TLS_SERVER) {
    if (keep_buffers) {
      client_ctx_.set_release_buffers(false);
      server_ctx_.set_release_buffers(false);
    }
    sslpp::VerifyLocations trust;
    trust.cadata_pem = pki().ca_pem;
    client_ctx_.load_verify_locations(trust);
    server_ctx_.use_certificate(server_credential.certificate);
    server_ctx_.use_privatekey(server_credential.key);
    server_ctx_.check_privatekey();
  }

  [[nodiscard]] Connection client(const Session* session = nullptr) const {
    return client_ctx_.wrap_bio(
        {.server_hostname = kHost, .session = session ? std::optional<Session>(*session) : std::nullopt});
  }
  [[nodiscard]] Connection server() const { return server_ctx_.wrap_bio({.server_side = true}); }
  [[nodiscard]] SSL_CTX* client_native() const { return client_ctx_.native_handle(); }
  [[nodiscard]] SSL_CTX* server_native() const { return server_ctx_.native_handle(); }

  static std::optional<Session> session(const Connection& c) { return c.session(); }
  static bool reused(const Connection& c) { return c.session_reused(); }
  static bool verified(const Connection& c) { return c.verify_result() == X509_V_OK; }
  static SSL* native(const Connection& c) { return c.native_handle(); }

  static std::size_t pull(Connection& c, std::span<std::byte> out) { return c.bio_read(out); }
  static void push(Connection& c, std::span<const std::byte> in) { c.bio_write(in); }

  static Step handshake(Connection& c) {
    std::error_code ec;
    return convert(c.do_handshake(ec));
  }
  static Step read(Connection& c, std::span<std::byte> out) {
    std::error_code ec;
    return convert(c.read(out, ec));
  }
  static Step write(Connection& c, std::span<const std::byte> in) {
    std::error_code ec;
    return convert(c.write(in, ec));
  }
  static Step shutdown(Connection& c) {
    std::error_code ec;
    return convert(c.shutdown(ec));
  }

 private:
  static Step convert(sslpp::io_result r) {
    switch (r.status) {
      case sslpp::io_status::ok:
        return {Io::ok, r.bytes};
      case sslpp::io_status::want_read:
      case sslpp::io_status::want_write:
        return {Io::want, 0};
      default:
        return {Io::failed, 0};
    }
  }

  sslpp::Context client_ctx_;
  sslpp::Context server_ctx_;
};

// ===========================================================================
// The raw OpenSSL side, written as a careful C programmer would

struct FreeSession {
  void operator()(SSL_SESSION* p) const noexcept { ::SSL_SESSION_free(p); }
};
struct FreeBio {
  void operator()(BIO* p) const noexcept { ::BIO_free(p); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, FreeSession>;
using BioPtr = std::unique_ptr<BIO, FreeBio>;

// RawConnection is an SSL with its two memory BIOs (owned by the SSL).
struct RawConnection {
  SslPtr ssl;
  BIO* rbio = nullptr;  // network -> TLS
  BIO* wbio = nullptr;  // TLS -> network
};


class RawSide {
 public:
  using Connection = RawConnection;
  using Session = SessionPtr;

  RawSide(const sslpp::Credential& server_credential, RawMode mode)
      : contexts_(make_raw_contexts(mode, pki().ca.certificate(), server_credential)) {}

  [[nodiscard]] Connection client(const Session* session = nullptr) const {
    Connection c = make_connection(contexts_.client.get());
    SSL* ssl = c.ssl.get();
    require(SSL_set_tlsext_host_name(ssl, kHost) == 1, "SSL_set_tlsext_host_name");
    require(::SSL_set1_host(ssl, kHost) == 1, "SSL_set1_host");
    ::SSL_set_connect_state(ssl);
    if (session != nullptr) {
      require(::SSL_set_session(ssl, session->get()) == 1, "SSL_set_session");
    }
    return c;
  }
  [[nodiscard]] Connection server() const {
    Connection c = make_connection(contexts_.server.get());
    ::SSL_set_accept_state(c.ssl.get());
    return c;
  }
  [[nodiscard]] SSL_CTX* client_native() const { return contexts_.client.get(); }
  [[nodiscard]] SSL_CTX* server_native() const { return contexts_.server.get(); }

  static std::optional<Session> session(const Connection& c) {
    SSL_SESSION* s = ::SSL_get1_session(c.ssl.get());
    if (s == nullptr) {
      return std::nullopt;
    }
    return SessionPtr(s);
  }
  static bool reused(const Connection& c) { return ::SSL_session_reused(c.ssl.get()) == 1; }
  static bool verified(const Connection& c) { return ::SSL_get_verify_result(c.ssl.get()) == X509_V_OK; }
  static SSL* native(const Connection& c) { return c.ssl.get(); }

  static std::size_t pull(Connection& c, std::span<std::byte> out) {
    std::size_t n = 0;
    if (::BIO_read_ex(c.wbio, out.data(), out.size(), &n) != 1) {
      return 0;  // nothing pending
    }
    return n;
  }
  static void push(Connection& c, std::span<const std::byte> in) {
    std::size_t n = 0;
    // A memory BIO takes everything or fails for lack of memory; the
    // handshake or read that follows then reports the damage.
    static_cast<void>(::BIO_write_ex(c.rbio, in.data(), in.size(), &n));
  }

  // Each I/O call starts with an empty error queue, as SSL_get_error(3)
  // requires ("The current thread's error queue must be empty before the
  // TLS/SSL I/O operation is attempted") and as nginx and CPython do; sslpp
  // does the same, more cheaply (it peeks before clearing).
  static Step handshake(Connection& c) {
    ::ERR_clear_error();
    const int r = ::SSL_do_handshake(c.ssl.get());
    return r == 1 ? Step{Io::ok, 0} : failure(c, r);
  }
  static Step read(Connection& c, std::span<std::byte> out) {
    std::size_t n = 0;
    ::ERR_clear_error();
    const int r = ::SSL_read_ex(c.ssl.get(), out.data(), out.size(), &n);
    return r == 1 ? Step{Io::ok, n} : failure(c, r);
  }
  static Step write(Connection& c, std::span<const std::byte> in) {
    std::size_t n = 0;
    ::ERR_clear_error();
    const int r = ::SSL_write_ex(c.ssl.get(), in.data(), in.size(), &n);
    return r == 1 ? Step{Io::ok, n} : failure(c, r);
  }
  static Step shutdown(Connection& c) {
    ::ERR_clear_error();
    const int r = ::SSL_shutdown(c.ssl.get());
    if (r == 0) {
      return {Io::want, 0};  // ours is sent; the peer's is not awaited
    }
    return r == 1 ? Step{Io::ok, 0} : failure(c, r);
  }

 private:
  static Connection make_connection(SSL_CTX* ctx) {
    Connection c;
    c.ssl.reset(::SSL_new(ctx));
    BioPtr rbio(::BIO_new(::BIO_s_mem()));
    BioPtr wbio(::BIO_new(::BIO_s_mem()));
    require(c.ssl != nullptr && rbio != nullptr && wbio != nullptr, "SSL_new/BIO_new");
    // An empty buffer means "no data yet" (retry), not end of file.
    BIO_set_mem_eof_return(rbio.get(), -1);
    BIO_set_mem_eof_return(wbio.get(), -1);
    c.rbio = rbio.get();
    c.wbio = wbio.get();
    // SSL_set_bio takes ownership of both.
    ::SSL_set_bio(c.ssl.get(), rbio.release(), wbio.release());
    return c;
  }

  static Step failure(Connection& c, int r) {
    switch (::SSL_get_error(c.ssl.get(), r)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        return {Io::want, 0};
      default:
        // A failed connection is dropped; leave no error for the next one.
        ::ERR_clear_error();
        return {Io::failed, 0};
    }
  }

  RawContexts contexts_;
};

// ===========================================================================
// Drivers shared by both sides: the same loop shapes, buffer sizes and
// checks, so only the API under test differs.

constexpr std::size_t kBounce = 16384;

// move_ciphertext moves every pending byte from one side's output to the
// other's input; returns how many moved.
template <class Side>
std::size_t move_ciphertext(typename Side::Connection& from, typename Side::Connection& to) {
  std::array<std::byte, kBounce> buf;  // NOLINT: filled before it is read
  std::size_t total = 0;
  while (const std::size_t n = Side::pull(from, buf)) {
    Side::push(to, std::span<const std::byte>(buf.data(), n));
    total += n;
  }
  return total;
}

// handshake drives both sides until both are done and nothing moves, as
// tests/support/pump.cpp does; bounded so a bug cannot loop forever.
template <class Side>
bool handshake(typename Side::Connection& client, typename Side::Connection& server) {
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 100; ++round) {
    if (!client_done) {
      const Step s = Side::handshake(client);
      if (s.status == Io::failed) {
        return false;
      }
      client_done = s.status == Io::ok;
    }
    const std::size_t a = move_ciphertext<Side>(client, server);
    if (!server_done) {
      const Step s = Side::handshake(server);
      if (s.status == Io::failed) {
        return false;
      }
      server_done = s.status == Io::ok;
    }
    const std::size_t b = move_ciphertext<Side>(server, client);
    if (client_done && server_done && a == 0 && b == 0) {
      return true;
    }
  }
  return false;
}

// drain_tickets lets the client process the TLS 1.3 session tickets that
// arrive after its handshake: one read, which must find no data and ask for
// more. Only then is the connection idle and its session resumable.
template <class Side>
bool drain_tickets(typename Side::Connection& client) {
  std::array<std::byte, 1> buf{};
  return Side::read(client, buf).status == Io::want;
}

// connect makes an established, idle pair (client offering `session`).
template <class Side>
bool connect(typename Side::Connection& client, typename Side::Connection& server) {
  return handshake<Side>(client, server) && drain_tickets<Side>(client) && Side::verified(client);
}

// guarded runs a benchmark body; an exception fails the benchmark instead
// of ending the process.
template <class Body>
void guarded(benchmark::State& state, Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

// 1. Full handshakes: new connections, client verifying chain and hostname.
template <class Side>
void bm_handshake(benchmark::State& state, const Side& side) {
  for (auto _ : state) {
    auto client = side.client();
    auto server = side.server();
    if (!connect<Side>(client, server)) {
      state.SkipWithError("handshake failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// 2. Resumed handshakes: each client offers the session of a first one.
template <class Side>
void bm_resume(benchmark::State& state, const Side& side) {
  std::optional<typename Side::Session> session;
  {
    auto client = side.client();
    auto server = side.server();
    if (!connect<Side>(client, server)) {
      state.SkipWithError("first handshake failed");
      return;
    }
    session = Side::session(client);
    // Close cleanly: OpenSSL marks the session of a connection freed
    // without sending close_notify as not resumable.
    if (Side::shutdown(client).status == Io::failed) {
      state.SkipWithError("shutdown failed");
      return;
    }
  }
  if (!session) {
    state.SkipWithError("no session after the first handshake");
    return;
  }
  for (auto _ : state) {
    auto client = side.client(&*session);
    auto server = side.server();
    if (!connect<Side>(client, server)) {
      state.SkipWithError("resumed handshake failed");
      break;
    }
    if (!Side::reused(client) || !Side::reused(server)) {
      state.SkipWithError("the session was not resumed (full handshake instead)");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// 3. Bulk transfer client -> server in writes of `size` bytes: write, move
// the ciphertext, read all of it on the other side.
template <class Side>
void bm_bulk(benchmark::State& state, const Side& side, std::size_t size) {
  auto client = side.client();
  auto server = side.server();
  if (!connect<Side>(client, server)) {
    state.SkipWithError("handshake failed");
    return;
  }
  std::vector<std::byte> payload(size, std::byte{0x5a});
  std::array<std::byte, 16384> in{};
  for (auto _ : state) {
    const Step w = Side::write(client, payload);
    if (w.status != Io::ok || w.bytes != size) {
      state.SkipWithError("write failed");
      break;
    }
    move_ciphertext<Side>(client, server);
    std::size_t got = 0;
    while (got < size) {
      const Step r = Side::read(server, in);
      if (r.status != Io::ok) {
        break;
      }
      got += r.bytes;
    }
    if (got != size) {
      state.SkipWithError("read came up short");
      break;
    }
    benchmark::DoNotOptimize(in.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

// 4. Heap bytes per established idle pair. kPairs pairs are held at once
// and the growth divided by kPairs; one pair made and dropped first takes
// OpenSSL's one-time lazy allocations (algorithm fetch caches, the thread's
// error state) out of the figure.
template <class Side>
void bm_heap(benchmark::State& state, const Side& side) {
  constexpr int kPairs = 16;
  {
    auto client = side.client();
    auto server = side.server();
    if (!connect<Side>(client, server)) {
      state.SkipWithError("warm-up handshake failed");
      return;
    }
  }
  double per_pair = 0;
  double client_bytes = 0;
  double server_bytes = 0;
  double cxx_bytes = 0;
  for (auto _ : state) {
    // The harness's own storage is reserved before the first reading.
    std::vector<typename Side::Connection> clients;
    std::vector<typename Side::Connection> servers;
    clients.reserve(kPairs);
    servers.reserve(kPairs);
    const HeapReading before = read_heap();
    for (int i = 0; i < kPairs; ++i) {
      clients.emplace_back(side.client());
      servers.emplace_back(side.server());
      if (!connect<Side>(clients.back(), servers.back())) {
        state.SkipWithError("handshake failed");
        return;
      }
    }
    const HeapReading idle = read_heap();
    // Dropping the servers first splits the figure between the two ends.
    servers.clear();
    const HeapReading clients_only = read_heap();
    per_pair = static_cast<double>(idle.total() - before.total()) / kPairs;
    server_bytes = static_cast<double>(idle.total() - clients_only.total()) / kPairs;
    client_bytes = per_pair - server_bytes;
    cxx_bytes = static_cast<double>(idle.cxx - before.cxx) / kPairs;
  }
  state.counters["bytes_per_pair"] = per_pair;
  state.counters["client_bytes"] = client_bytes;
  state.counters["server_bytes"] = server_bytes;
  state.counters["cxx_bytes"] = cxx_bytes;
}

// ===========================================================================
// Start-up checks: the two sides really are configured alike.

using sslpp_bench::check_sides;
using sslpp_bench::negotiated;

template <class Side>
std::string probe(const Side& side) {
  auto client = side.client();
  auto server = side.server();
  if (!connect<Side>(client, server)) {
    throw std::runtime_error("probe handshake failed");
  }
  return negotiated(Side::native(client));
}

// check_settings fails the run unless both sides are configured alike and
// negotiate the same thing; returns what they negotiated.
std::string check_settings() {
  return check_sides(SslppSide(pki().ecdsa), RawSide(pki().ecdsa, RawMode::release_buffers),
                     [](const auto& side) { return probe(side); });
}

// ===========================================================================
// Registration

// Timing says how long each timed benchmark runs: for `min_time` seconds
// (nullopt: --benchmark_min_time decides), or for exactly `iterations`
// iterations, which makes instruction counts under callgrind comparable.
struct Timing {
  std::optional<double> min_time;
  std::optional<benchmark::IterationCount> iterations;
};

// register_side registers one side's benchmarks under "<case>/<label>".
template <class Side, class... SideArgs>
void register_side(const std::string& label, const Timing& timing, bool timed_handshakes, SideArgs... args) {
  const auto timed = [&](benchmark::internal::Benchmark* b) {
    if (timing.iterations) {
      b->Iterations(*timing.iterations);
    } else if (timing.min_time) {
      b->MinTime(*timing.min_time);
    }
  };
  if (timed_handshakes) {
    timed(benchmark::RegisterBenchmark(("handshake_ecdsa/" + label).c_str(), [=](benchmark::State& state) {
      guarded(state, [&] { bm_handshake(state, Side(pki().ecdsa, args...)); });
    }));
    timed(benchmark::RegisterBenchmark(("handshake_rsa/" + label).c_str(), [=](benchmark::State& state) {
      guarded(state, [&] { bm_handshake(state, Side(pki().rsa, args...)); });
    }));
    timed(benchmark::RegisterBenchmark(("resume/" + label).c_str(), [=](benchmark::State& state) {
      guarded(state, [&] { bm_resume(state, Side(pki().ecdsa, args...)); });
    }));
  }
  for (const std::size_t size : {std::size_t{16384}, std::size_t{1024}, std::size_t{64}}) {
    timed(benchmark::RegisterBenchmark(("bulk_" + std::to_string(size) + "/" + label).c_str(),
                                       [=](benchmark::State& state) {
                                         guarded(state, [&] { bm_bulk(state, Side(pki().ecdsa, args...), size); });
                                       }));
  }
  // A fixed amount of work: one iteration holds kPairs pairs.
  benchmark::RegisterBenchmark(("heap_idle_pair/" + label).c_str(), [=](benchmark::State& state) {
    guarded(state, [&] { bm_heap(state, Side(pki().ecdsa, args...)); });
  })
      ->Iterations(1)
      ->Repetitions(3);
}

// ===========================================================================
// Results: collect every run while the console shows it, then print ratios
// of medians.

using RatioReporter = sslpp_bench::MedianReporter;

// print_ratio prints one throughput ratio (higher is better); returns false
// when it could not be computed.
bool print_ratio(const RatioReporter& results, const std::string& bench, const std::string& counter,
                 const std::string& side, const std::string& baseline, const char* unit, double scale,
                 bool with_target) {
  const auto ours = results.median(bench + "/" + side, counter);
  const auto theirs = results.median(bench + "/" + baseline, counter);
  if (!ours || !theirs || theirs->value <= 0) {
    std::printf("ratio %s %s/%s = n/a (a benchmark failed or was filtered out)\n", bench.c_str(), side.c_str(),
                baseline.c_str());
    return false;
  }
  const double ratio = ours->value / theirs->value;
  std::printf("ratio %s %s/%s = %.3f (median of %zu repetitions: %s %.1f %s, %s %.1f %s)", bench.c_str(),
              side.c_str(), baseline.c_str(), ratio, std::min(ours->repetitions, theirs->repetitions), side.c_str(),
              ours->value / scale, unit, baseline.c_str(), theirs->value / scale, unit);
  if (with_target) {
    std::printf(" [target >= 0.97: %s]", ratio >= 0.97 ? "met" : "MISSED");
  } else {
    std::printf(" [for information]");
  }
  std::printf("\n");
  return true;
}

void print_ratios(const RatioReporter& results) {
  std::printf("\n");
  for (const char* bench : {"handshake_ecdsa", "handshake_rsa", "resume"}) {
    print_ratio(results, bench, "items_per_second", "sslpp", "raw", "handshakes/s", 1.0, true);
  }
  for (const char* bench : {"bulk_16384", "bulk_1024", "bulk_64"}) {
    print_ratio(results, bench, "bytes_per_second", "sslpp", "raw", "MiB/s", 1048576.0, true);
  }
  for (const char* bench : {"bulk_16384", "bulk_1024", "bulk_64"}) {
    print_ratio(results, bench, "bytes_per_second", "sslpp_keep_buffers", "raw_keep_buffers", "MiB/s", 1048576.0,
                true);
  }
  // What the buffer mode itself costs, for the reader choosing one.
  for (const char* bench : {"bulk_16384", "bulk_1024", "bulk_64"}) {
    print_ratio(results, bench, "bytes_per_second", "sslpp", "raw_keep_buffers", "MiB/s", 1048576.0, false);
  }
  const auto ours = results.median("heap_idle_pair/sslpp", "bytes_per_pair");
  const auto rb = results.median("heap_idle_pair/raw", "bytes_per_pair");
  const auto plain = results.median("heap_idle_pair/raw_keep_buffers", "bytes_per_pair");
  if (ours && rb && plain && rb->value > 0) {
    const bool met = ours->value <= rb->value + 1024;
    std::printf(
        "ratio heap_per_idle_pair sslpp/raw_release_buffers = %.3f (sslpp %.0f bytes, raw release-buffers %.0f bytes, "
        "raw default %.0f bytes) [target sslpp <= raw release-buffers + 1024 bytes: %s]\n",
        ours->value / rb->value, ours->value, rb->value, plain->value, met ? "met" : "MISSED");
  } else {
    std::printf("ratio heap_per_idle_pair sslpp/raw_release_buffers = n/a (a benchmark failed or was filtered out)\n");
  }
}

// The default run: 20 x 0.15 s per benchmark, about 75 s in all. Many short
// repetitions give a steadier median on a shared machine than a few long ones.
constexpr int kDefaultRepetitions = 20;
constexpr double kDefaultMinTime = 0.15;

bool has_flag(const std::vector<std::string>& args, std::string_view flag) {
  return std::any_of(args.begin(), args.end(), [flag](const std::string& a) { return a.starts_with(flag); });
}

}  // namespace

int main(int argc, char** argv) {
  // Before any other OpenSSL call: OpenSSL refuses new allocators once it
  // has allocated anything.
  if (::CRYPTO_set_mem_functions(&openssl_malloc, &openssl_realloc, &openssl_free) != 1) {
    std::fprintf(stderr, "CRYPTO_set_mem_functions failed: OpenSSL allocated before main()\n");
    return 1;
  }

  // Our own flag, taken out before Google Benchmark sees the rest:
  // --bench_iterations=N runs every timed benchmark for exactly N iterations.
  std::vector<std::string> args;
  Timing timing;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--bench_iterations=")) {
      timing.iterations = std::strtoll(argv[i] + std::strlen("--bench_iterations="), nullptr, 10);
      if (*timing.iterations <= 0) {
        std::fprintf(stderr, "--bench_iterations wants a positive count\n");
        return 1;
      }
    } else {
      args.emplace_back(arg);
    }
  }
  // Defaults the comparison needs, unless the user chose otherwise: many
  // short repetitions (ratios are of medians), interleaved in random order
  // so that bursts of load from other processes hit both sides alike.
  if (!has_flag(args, "--benchmark_repetitions")) {
    args.emplace_back("--benchmark_repetitions=" + std::to_string(kDefaultRepetitions));
  }
  if (!has_flag(args, "--benchmark_enable_random_interleaving")) {
    args.emplace_back("--benchmark_enable_random_interleaving=true");
  }
  // A MinTime set in code overrides the flag, so set none when the user
  // gives one.
  if (!has_flag(args, "--benchmark_min_time")) {
    timing.min_time = kDefaultMinTime;
  }
  std::vector<char*> arg_ptrs;
  for (std::string& a : args) {
    arg_ptrs.push_back(a.data());
  }
  arg_ptrs.push_back(nullptr);
  int bench_argc = static_cast<int>(args.size());
  benchmark::Initialize(&bench_argc, arg_ptrs.data());
  if (benchmark::ReportUnrecognizedArguments(bench_argc, arg_ptrs.data())) {
    return 1;
  }

  try {
    std::printf("negotiated on both sides: %s\n", check_settings().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "settings check failed: %s\n", e.what());
    return 1;
  }
  std::fflush(stdout);

  // Each sslpp configuration is compared with raw OpenSSL configured the
  // same way: sslpp's defaults (release-buffers mode) against raw in that
  // mode, and sslpp with release_buffers off against raw in OpenSSL's
  // default mode. The buffer mode matters for bulk transfer and memory, not
  // for handshakes, so the second pair runs bulk and heap only.
  register_side<SslppSide>("sslpp", timing, true);
  register_side<RawSide>("raw", timing, true, RawMode::release_buffers);
  register_side<SslppSide>("sslpp_keep_buffers", timing, false, true);
  register_side<RawSide>("raw_keep_buffers", timing, false, RawMode::keep_buffers);

  const auto options = static_cast<benchmark::ConsoleReporter::OutputOptions>(
      benchmark::ConsoleReporter::OO_Tabular |
      (::isatty(STDOUT_FILENO) == 1 ? benchmark::ConsoleReporter::OO_Color : benchmark::ConsoleReporter::OO_None));
  RatioReporter reporter(options);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::fflush(stdout);

  print_ratios(reporter);
  return reporter.any_failed() ? 1 : 0;
}
