// sslpp_socket_bench: sslpp's SSLSocket against raw OpenSSL on a socket BIO,
// and against Python's ssl, over TCP loopback (127.0.0.1).
//
// Each case runs a client on the benchmark thread and a server on a second
// thread of the same process, both ends using the API under test. The
// machine is shared and noisy, so main() prints ratios of medians of
// interleaved repetitions; docs/performance.md ("Over TCP loopback") has the
// results and the callgrind instruction counts that judge them.
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <regex>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <benchmark/benchmark.h>

#include <sslpp/certificate_authority.hpp>
#include <sslpp/context.hpp>
#include <sslpp/socket.hpp>
#include <sslpp/ssl_socket.hpp>

#include "median_reporter.hpp"
#include "raw_openssl.hpp"
#include "settings_check.hpp"
#include "socket_bench_python.hpp"

extern char** environ;

// ===========================================================================
// Allocation counting
//
// Every allocation call is counted, by the role of the thread that makes it
// (the client is the benchmark thread, the server its own thread) and by
// allocator: C++ (the replaced global operator new, which is what sslpp's
// own code would use) or OpenSSL (CRYPTO_set_mem_functions, first thing in
// main). A count is a difference of two readings.

namespace {

using sslpp_bench::CtxPtr;
using sslpp_bench::make_raw_contexts;
using sslpp_bench::openssl_failure;
using sslpp_bench::RawContexts;
using sslpp_bench::RawMode;
using sslpp_bench::require;
using sslpp_bench::SslPtr;

enum Role : int { role_other = 0, role_client = 1, role_server = 2 };
constexpr int kRoles = 3;

// Plain int with a constant initializer: reading it from operator new needs
// no thread_local initialisation call, which could itself allocate.
thread_local int t_role = role_other;

std::array<std::atomic<std::uint64_t>, kRoles> g_cxx_allocs{};
std::array<std::atomic<std::uint64_t>, kRoles> g_openssl_allocs{};

void count_cxx() noexcept { g_cxx_allocs[static_cast<std::size_t>(t_role)].fetch_add(1, std::memory_order_relaxed); }
void count_openssl() noexcept {
  g_openssl_allocs[static_cast<std::size_t>(t_role)].fetch_add(1, std::memory_order_relaxed);
}

void* openssl_malloc(std::size_t n, const char*, int) {
  count_openssl();
  return std::malloc(n);
}
void* openssl_realloc(void* p, std::size_t n, const char*, int) {
  count_openssl();
  return std::realloc(p, n);
}
void openssl_free(void* p, const char*, int) { std::free(p); }

// Not inlined: gcc would otherwise see free() applied to what a replaced
// operator new returned and warn (-Wmismatched-new-delete), although that
// operator new got it from malloc.
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }

void* counted_new(std::size_t n) {
  count_cxx();
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    return p;
  }
  throw std::bad_alloc();
}

void* counted_aligned_new(std::size_t n, std::align_val_t al) {
  count_cxx();
  const auto align = std::max(static_cast<std::size_t>(al), sizeof(void*));
  // aligned_alloc wants a size that is a multiple of the alignment.
  const std::size_t size = (std::max<std::size_t>(n, 1) + align - 1) / align * align;
  if (void* p = std::aligned_alloc(align, size)) {
    return p;
  }
  throw std::bad_alloc();
}

// AllocReading is the number of allocation calls so far, per role and allocator.
struct AllocReading {
  std::array<std::uint64_t, kRoles> cxx{};
  std::array<std::uint64_t, kRoles> openssl{};
};

AllocReading read_allocs() {
  AllocReading r;
  for (std::size_t i = 0; i < kRoles; ++i) {
    r.cxx[i] = g_cxx_allocs[i].load(std::memory_order_relaxed);
    r.openssl[i] = g_openssl_allocs[i].load(std::memory_order_relaxed);
  }
  return r;
}

}  // namespace

// The replaced global allocation functions (all of them, so no allocation
// escapes the count). No new_handler loop: nothing here installs one.
void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  count_cxx();
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept { return ::operator new(n, tag); }
void* operator new(std::size_t n, std::align_val_t al) { return counted_aligned_new(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return counted_aligned_new(n, al); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }

namespace {

// ===========================================================================
// Test PKI and the shared settings

constexpr const char* kHost = "localhost";   // the certificate's name, checked by every client
constexpr const char* kAddress = "127.0.0.1";  // where every socket lives
constexpr std::size_t kReadSize = 16384;     // every server reads into a buffer this big


struct Pki {
  sslpp::CertificateAuthority ca;
  sslpp::Credential server;
  std::string ca_pem;
};

// pki is made once, before anything is timed.
const Pki& pki() {
  static const Pki instance = [] {
    auto ca = sslpp::CertificateAuthority::create("sslpp socket bench CA");
    sslpp::CertificateRequest request;
    request.common_name = kHost;
    request.dns_names = {kHost};
    request.key_type = sslpp::KeyType::ec_p256;
    auto server = ca.issue(request);
    std::string pem = ca.certificate().pem();
    return Pki{std::move(ca), std::move(server), std::move(pem)};
  }();
  return instance;
}


[[noreturn]] void throw_errno(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// ===========================================================================
// The sslpp side: create_connection + wrap_socket, a listening SSLSocket,
// SSLSocket::sendall / read / unwrap, all blocking.

class SslppSide {
 public:
  using Conn = sslpp::SSLSocket;
  using Listener = sslpp::SSLSocket;

  // With keep_buffers, release_buffers is off on both contexts.
  explicit SslppSide(bool keep_buffers)
      : client_ctx_(sslpp::PROTOCOL_TLS_CLIENT), server_ctx_(sslpp::PROTOCOL_TLS_SERVER) {
    if (keep_buffers) {
      client_ctx_.set_release_buffers(false);
      server_ctx_.set_release_buffers(false);
    }
    sslpp::VerifyLocations trust;
    trust.cadata_pem = pki().ca_pem;
    client_ctx_.load_verify_locations(trust);
    server_ctx_.use_certificate(pki().server.certificate);
    server_ctx_.use_privatekey(pki().server.key);
    server_ctx_.check_privatekey();
  }

  [[nodiscard]] Listener listen() const {
    Listener l = server_ctx_.wrap_socket(sslpp::Socket(AF_INET, SOCK_STREAM), {.server_side = true});
    l.bind(kAddress, 0);
    l.listen();
    return l;
  }
  static std::uint16_t port(const Listener& l) { return l.getsockname().port; }
  static int fileno(const Listener& l) { return l.fileno(); }

  // accept returns a server connection whose handshake is done.
  [[nodiscard]] Conn accept(Listener& l) const { return l.accept().first; }
  // connect returns a client connection whose handshake is done.
  [[nodiscard]] Conn connect(std::uint16_t port) const {
    return client_ctx_.wrap_socket(sslpp::create_connection(kAddress, port), {.server_hostname = kHost});
  }

  static std::size_t read(Conn& c, std::span<std::byte> out) { return c.read(out); }
  static void write_all(Conn& c, std::span<const std::byte> data) { c.sendall(data); }
  // close is the two-way close_notify exchange, then the TCP close.
  static void close(Conn& c) { static_cast<void>(c.unwrap()); }
  static SSL* native(Conn& c) { return c.connection().native_handle(); }

  [[nodiscard]] SSL_CTX* client_native() const { return client_ctx_.native_handle(); }
  [[nodiscard]] SSL_CTX* server_native() const { return server_ctx_.native_handle(); }

 private:
  sslpp::Context client_ctx_;
  sslpp::Context server_ctx_;
};

// ===========================================================================
// The raw side: OpenSSL's socket BIO (SSL_set_fd) on blocking sockets,
// written as a careful C programmer would.

struct FreeAddrinfo {
  void operator()(addrinfo* p) const noexcept { ::freeaddrinfo(p); }
};
using AddrinfoPtr = std::unique_ptr<addrinfo, FreeAddrinfo>;

// UniqueFd owns a descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  [[nodiscard]] int get() const noexcept { return fd_; }
  void reset() noexcept {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
};


// RawConn is a connected socket and its SSL; the SSL is freed first (it
// does not own the descriptor: SSL_set_fd's BIO is BIO_NOCLOSE).
struct RawConn {
  UniqueFd fd;
  SslPtr ssl;
};

class RawSide {
 public:
  using Conn = RawConn;
  using Listener = UniqueFd;

  explicit RawSide(RawMode mode)
      : contexts_(make_raw_contexts(mode, pki().ca.certificate(), pki().server)) {}

  [[nodiscard]] static Listener listen() {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
      throw_errno("socket");
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = 0;  // the kernel picks
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd.get(), 128) != 0) {
      throw_errno("bind/listen");
    }
    return fd;
  }
  static std::uint16_t port(const Listener& l) {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    if (::getsockname(l.get(), reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
      throw_errno("getsockname");
    }
    return ntohs(sa.sin_port);
  }
  static int fileno(const Listener& l) { return l.get(); }

  [[nodiscard]] Conn accept(Listener& l) const {
    Conn c;
    for (int attempt = 0; attempt < 100 && c.fd.get() < 0; ++attempt) {
      c.fd = UniqueFd(::accept4(l.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (c.fd.get() < 0 && errno != EINTR) {
        throw_errno("accept4");
      }
    }
    if (c.fd.get() < 0) {
      throw std::runtime_error("accept4 kept being interrupted");
    }
    attach(c, contexts_.server.get());
    ::ERR_clear_error();
    const int r = ::SSL_accept(c.ssl.get());
    if (r != 1) {
      fail(c, r, "SSL_accept");
    }
    return c;
  }

  // connect resolves and connects as sslpp::create_connection does
  // (getaddrinfo, first address that connects), then handshakes with SNI
  // and the hostname check.
  [[nodiscard]] Conn connect(std::uint16_t port) const {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    std::array<char, 8> service{};
    std::snprintf(service.data(), service.size(), "%u", static_cast<unsigned>(port));
    addrinfo* found = nullptr;
    if (::getaddrinfo(kAddress, service.data(), &hints, &found) != 0) {
      throw std::runtime_error("getaddrinfo failed");
    }
    const AddrinfoPtr list(found);
    Conn c;
    for (const addrinfo* ai = list.get(); ai != nullptr && c.fd.get() < 0; ai = ai->ai_next) {
      UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
      if (fd.get() >= 0 && ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
        c.fd = std::move(fd);
      }
    }
    if (c.fd.get() < 0) {
      throw_errno("connect");
    }
    attach(c, contexts_.client.get());
    SSL* ssl = c.ssl.get();
    require(SSL_set_tlsext_host_name(ssl, kHost) == 1, "SSL_set_tlsext_host_name");
    require(::SSL_set1_host(ssl, kHost) == 1, "SSL_set1_host");
    ::ERR_clear_error();
    const int r = ::SSL_connect(ssl);
    if (r != 1) {
      fail(c, r, "SSL_connect");
    }
    return c;
  }

  // Every I/O call starts with an empty error queue, as SSL_get_error(3)
  // requires and as nginx and CPython do.
  static std::size_t read(Conn& c, std::span<std::byte> out) {
    std::size_t n = 0;
    ::ERR_clear_error();
    const int r = ::SSL_read_ex(c.ssl.get(), out.data(), out.size(), &n);
    if (r == 1) {
      return n;
    }
    if (::SSL_get_error(c.ssl.get(), r) == SSL_ERROR_ZERO_RETURN) {
      return 0;  // close_notify
    }
    fail(c, r, "SSL_read_ex");
  }
  static void write_all(Conn& c, std::span<const std::byte> data) {
    // Blocking, without SSL_MODE_ENABLE_PARTIAL_WRITE: one call writes all;
    // the loop is for form, and each turn makes progress or throws.
    while (!data.empty()) {
      std::size_t n = 0;
      ::ERR_clear_error();
      const int r = ::SSL_write_ex(c.ssl.get(), data.data(), data.size(), &n);
      if (r != 1) {
        fail(c, r, "SSL_write_ex");
      }
      data = data.subspan(n);
    }
  }
  static void close(Conn& c) {
    // The first call sends our close_notify (0: the peer's not seen yet);
    // the second, on a blocking socket, waits for the peer's.
    ::ERR_clear_error();
    int r = ::SSL_shutdown(c.ssl.get());
    if (r == 0) {
      ::ERR_clear_error();
      r = ::SSL_shutdown(c.ssl.get());
    }
    if (r != 1) {
      fail(c, r, "SSL_shutdown");
    }
  }
  static SSL* native(Conn& c) { return c.ssl.get(); }

  [[nodiscard]] SSL_CTX* client_native() const { return contexts_.client.get(); }
  [[nodiscard]] SSL_CTX* server_native() const { return contexts_.server.get(); }

 private:
  static void attach(Conn& c, SSL_CTX* ctx) {
    c.ssl.reset(::SSL_new(ctx));
    require(c.ssl != nullptr, "SSL_new");
    require(::SSL_set_fd(c.ssl.get(), c.fd.get()) == 1, "SSL_set_fd");
  }

  [[noreturn]] static void fail(Conn& c, int r, const char* what) {
    const int err = ::SSL_get_error(c.ssl.get(), r);
    throw std::runtime_error(openssl_failure(std::string(what) + " failed (SSL_get_error " + std::to_string(err) +
                                             ", errno " + std::to_string(errno) + ")"));
  }

  RawContexts contexts_;
};

// ===========================================================================
// The server thread

// ServerThread runs `body` on its own thread, which counts as the server in
// the allocation figures. When it stops, or when this object is destroyed
// first (the client failed), the listening socket is shut down: that wakes
// a server blocked in accept() and refuses later connects, so neither end
// can wait forever for the other. The listener itself outlives this object.
class ServerThread {
 public:
  ServerThread(int listen_fd, std::function<void()> body) : listen_fd_(listen_fd) {
    thread_ = std::thread([this, body = std::move(body)] {
      t_role = role_server;
      try {
        body();
      } catch (const std::exception& e) {
        error_ = e.what();
      } catch (...) {
        error_ = "unknown exception";
      }
      ::shutdown(listen_fd_, SHUT_RDWR);
    });
  }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;
  ~ServerThread() { static_cast<void>(join()); }

  // join waits for the thread and returns its error ("" when none).
  std::string join() {
    if (thread_.joinable()) {
      ::shutdown(listen_fd_, SHUT_RDWR);  // no effect once the server is done
      thread_.join();
    }
    return error_;
  }

 private:
  int listen_fd_;
  std::string error_;
  std::thread thread_;
};

// ===========================================================================
// The cases, shared by both sides: the same loops, buffer sizes and checks.

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

// 1. Handshakes: each iteration is a new TCP connection, a full TLS 1.3
// handshake (the client verifies the chain and the hostname), the two-way
// close_notify exchange and the TCP close, on both ends.
template <class Side>
void bm_handshake(benchmark::State& state, const Side& side) {
  const benchmark::IterationCount n = state.max_iterations;
  auto listener = side.listen();
  const std::uint16_t port = Side::port(listener);
  ServerThread server(Side::fileno(listener), [&] {
    for (benchmark::IterationCount i = 0; i < n; ++i) {
      auto c = side.accept(listener);
      Side::close(c);
    }
  });
  for (auto _ : state) {
    auto c = side.connect(port);
    Side::close(c);
  }
  if (const std::string error = server.join(); !error.empty()) {
    state.SkipWithError(("server: " + error).c_str());
    return;
  }
  state.SetItemsProcessed(state.iterations());
}

// receive reads and discards until `got` reaches `until`.
template <class Side>
void receive(typename Side::Conn& c, std::span<std::byte> buf, std::uint64_t& got, std::uint64_t until) {
  while (got < until) {
    const std::size_t r = Side::read(c, buf);
    if (r == 0) {
      throw std::runtime_error("the client closed early");
    }
    got += r;
  }
}

template <class Side>
void await_ack(typename Side::Conn& c) {
  std::array<std::byte, 1> ack{};
  if (Side::read(c, ack) != 1 || ack[0] != std::byte{'k'}) {
    throw std::runtime_error("no acknowledgement from the server");
  }
}

// 2. Bulk transfer client -> server over one connection in writes of `size`
// bytes; the server reads into a 16 KiB buffer and discards. One warm-up
// write comes first. The server acknowledges the warm-up and the end with
// one byte each, so the timing (manual, wall clock) ends only when the
// server has every byte, not when the last write fits in the socket buffers.
template <class Side>
void bm_bulk(benchmark::State& state, const Side& side, std::size_t size) {
  const auto n = static_cast<std::uint64_t>(state.max_iterations);
  const std::uint64_t total = (n + 1) * size;
  const std::array<std::byte, 1> ack{std::byte{'k'}};
  auto listener = side.listen();
  const std::uint16_t port = Side::port(listener);
  ServerThread server(Side::fileno(listener), [&] {
    auto c = side.accept(listener);
    std::vector<std::byte> buf(kReadSize);
    std::uint64_t got = 0;
    receive<Side>(c, buf, got, size);
    Side::write_all(c, ack);
    receive<Side>(c, buf, got, total);
    Side::write_all(c, ack);
  });
  auto c = side.connect(port);
  const std::vector<std::byte> payload(size, std::byte{0x5a});
  Side::write_all(c, payload);
  await_ack<Side>(c);

  // Both ends are between calls here and at the end (the server has sent
  // its acknowledgement), so the difference is the steady state.
  const AllocReading before = read_allocs();
  AllocReading after;
  std::uint64_t done = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    Side::write_all(c, payload);
    if (++done == n) {
      await_ack<Side>(c);
      after = read_allocs();
      state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
  if (const std::string error = server.join(); !error.empty()) {
    state.SkipWithError(("server: " + error).c_str());
    return;
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
  const auto per_write = [n](std::uint64_t a, std::uint64_t b) {
    return static_cast<double>(b - a) / static_cast<double>(n);
  };
  state.counters["c_cxx_allocs"] = per_write(before.cxx[role_client], after.cxx[role_client]);
  state.counters["c_ossl_allocs"] = per_write(before.openssl[role_client], after.openssl[role_client]);
  state.counters["s_cxx_allocs"] = per_write(before.cxx[role_server], after.cxx[role_server]);
  state.counters["s_ossl_allocs"] = per_write(before.openssl[role_server], after.openssl[role_server]);
}

// ===========================================================================
// Start-up checks: sslpp and raw are configured alike and negotiate alike.

using sslpp_bench::check_sides;
using sslpp_bench::negotiated;

// probe makes one loopback connection and describes what it negotiated.
template <class Side>
std::string probe(const Side& side) {
  auto listener = side.listen();
  ServerThread server(Side::fileno(listener), [&] {
    auto c = side.accept(listener);
    Side::close(c);
  });
  auto c = side.connect(Side::port(listener));
  std::string what = negotiated(Side::native(c));
  Side::close(c);
  if (const std::string error = server.join(); !error.empty()) {
    throw std::runtime_error("probe server: " + error);
  }
  return what;
}

std::string check_settings() {
  return check_sides(SslppSide(false), RawSide(RawMode::release_buffers),
                     [](const auto& side) { return probe(side); });
}

// ===========================================================================
// Python's ssl, in a child process

// TempDir is a private directory under /tmp, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sslpp_socket_bench.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw_errno("mkdtemp");
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream out(path_ / name, std::ios::binary);
    out << text;
    if (!out.flush()) {
      throw std::runtime_error("cannot write " + (path_ / name).string());
    }
  }

 private:
  std::filesystem::path path_;
};

// ChildProcess runs a command with its stdout on a pipe. If it is still
// running when this object goes, it is killed and reaped: no process is
// left behind, whatever happens to the benchmark.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv) {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
      throw_errno("pipe2");
    }
    out_ = UniqueFd(fds[0]);
    UniqueFd write_end(fds[1]);
    posix_spawn_file_actions_t actions;
    if (::posix_spawn_file_actions_init(&actions) != 0) {
      throw std::runtime_error("posix_spawn_file_actions_init failed");
    }
    // dup2 clears close-on-exec on the copy; the originals close at exec.
    ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    const int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error(std::string("cannot run ") + argv[0] + ": " + std::strerror(rc));
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      static_cast<void>(wait());
    }
  }

  // read_all collects stdout until the child closes it or `limit` passes;
  // returns nullopt on timeout.
  std::optional<std::string> read_all(std::chrono::seconds limit) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return std::nullopt;
      }
      pollfd p{out_.get(), POLLIN, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
      if (rc < 0 && errno != EINTR) {
        throw_errno("poll");
      }
      if (rc <= 0) {
        continue;
      }
      std::array<char, 4096> buf;  // NOLINT: filled before use
      const ssize_t n = ::read(out_.get(), buf.data(), buf.size());
      if (n == 0) {
        return text;
      }
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        throw_errno("read");
      }
      text.append(buf.data(), static_cast<std::size_t>(n));
    }
  }

  // wait reaps the child and returns its exit status (-1 when it did not
  // exit normally).
  int wait() {
    int status = 0;
    pid_t r = -1;
    for (int attempt = 0; attempt < 100; ++attempt) {
      r = ::waitpid(pid_, &status, 0);
      if (r >= 0 || errno != EINTR) {
        break;
      }
    }
    pid_ = -1;
    return r > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  UniqueFd out_;
};

struct PythonResults {
  std::string negotiated;
  std::map<std::string, std::vector<double>> rates;  // case -> one rate per repetition
  std::string error;
};

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  std::string w;
  while (in >> w) {
    words.push_back(w);
  }
  return words;
}

PythonResults run_python(const std::vector<std::string>& command, int repetitions, double min_time,
                         long long fixed_iterations, const std::vector<std::string>& cases) {
  PythonResults results;
  if (cases.empty()) {
    return results;
  }
  try {
    const TempDir dir;
    dir.write("ca.pem", pki().ca_pem);
    dir.write("cert.pem", pki().server.certificate.pem());
    dir.write("key.pem", pki().server.key.pem());
    std::string case_list;
    for (const std::string& c : cases) {
      case_list += (case_list.empty() ? "" : ",") + c;
    }
    std::vector<std::string> argv = command;
    // -I: isolated mode, no user site-packages or PYTHON* variables.
    for (const char* a : {"-I", "-c", sslpp_bench::kPythonScript}) {
      argv.emplace_back(a);
    }
    argv.push_back(dir.path().string());
    argv.push_back(std::to_string(repetitions));
    argv.push_back(std::to_string(min_time));
    argv.push_back(std::to_string(fixed_iterations));
    argv.push_back(case_list);
    ChildProcess child(argv);
    // Generous: under callgrind Python runs about 50 times slower.
    const std::optional<std::string> out = child.read_all(std::chrono::seconds(1800));
    if (!out) {
      results.error = "timed out (killed)";
      return results;
    }
    if (const int status = child.wait(); status != 0) {
      results.error = "exit status " + std::to_string(status);
    }
    std::istringstream lines(*out);
    std::string line;
    for (int i = 0; i < 100000 && std::getline(lines, line); ++i) {
      const std::vector<std::string> w = split_words(line);
      if (w.size() >= 3 && w[0] == "negotiated") {
        results.negotiated = w[1] + " " + w[2];
      } else if (w.size() == 3 && w[0] == "result") {
        results.rates[w[1]].push_back(std::strtod(w[2].c_str(), nullptr));
      }
    }
  } catch (const std::exception& e) {
    results.error = e.what();
  }
  return results;
}

// ===========================================================================
// Registration

struct Timing {
  std::optional<double> min_time;                      // nullopt: --benchmark_min_time decides
  std::optional<benchmark::IterationCount> iterations;  // exactly this many (for callgrind)
};

void apply(benchmark::internal::Benchmark* b, const Timing& timing) {
  if (timing.iterations) {
    b->Iterations(*timing.iterations);
  } else if (timing.min_time) {
    b->MinTime(*timing.min_time);
  }
}

template <class Side, class Arg>
void register_side(const std::string& label, const Timing& timing, bool handshakes, Arg arg) {
  if (handshakes) {
    auto* b = benchmark::RegisterBenchmark(("handshake_ecdsa/" + label).c_str(), [=](benchmark::State& state) {
      guarded(state, [&] { bm_handshake(state, Side(arg)); });
    });
    // Both ends work in turn: wall-clock time is the handshake rate.
    b->UseRealTime();
    apply(b, timing);
  }
  for (const std::size_t size : {std::size_t{16384}, std::size_t{1024}}) {
    auto* b = benchmark::RegisterBenchmark(("bulk_" + std::to_string(size) + "/" + label).c_str(),
                                           [=](benchmark::State& state) {
                                             guarded(state, [&] { bm_bulk(state, Side(arg), size); });
                                           });
    b->UseManualTime();
    apply(b, timing);
  }
}

// ===========================================================================
// Results

constexpr double kMiB = 1048576.0;

void print_ratio(const std::string& bench, const std::string& side, const std::string& baseline,
                 std::optional<sslpp_bench::MedianReporter::Sample> ours,
                 std::optional<sslpp_bench::MedianReporter::Sample> theirs, const char* unit, double scale,
                 bool with_target) {
  if (!ours || !theirs || theirs->value <= 0) {
    std::printf("ratio %s %s/%s = n/a (a benchmark failed, was filtered out or was not run)\n", bench.c_str(),
                side.c_str(), baseline.c_str());
    return;
  }
  const double ratio = ours->value / theirs->value;
  std::printf("ratio %s %s/%s = %.3f (medians of %zu and %zu repetitions: %s %.1f %s, %s %.1f %s)", bench.c_str(),
              side.c_str(), baseline.c_str(), ratio, ours->repetitions, theirs->repetitions, side.c_str(),
              ours->value / scale, unit, baseline.c_str(), theirs->value / scale, unit);
  if (with_target) {
    std::printf(" [target >= 0.97: %s]\n", ratio >= 0.97 ? "met" : "MISSED");
  } else {
    std::printf(" [for information]\n");
  }
}

void print_allocations(const sslpp_bench::MedianReporter& results) {
  const auto get = [&](const std::string& name, const char* counter) {
    return results.median(name, counter);
  };
  for (const char* bench : {"bulk_16384", "bulk_1024"}) {
    for (const auto& [side, baseline] : {std::pair<std::string, std::string>{"sslpp", "raw"},
                                         std::pair<std::string, std::string>{"sslpp_keep_buffers", "raw_keep_buffers"}}) {
      std::array<double, 8> v{};
      bool complete = true;
      std::size_t k = 0;
      for (const std::string& who : {side, baseline}) {
        for (const char* counter : {"c_cxx_allocs", "c_ossl_allocs", "s_cxx_allocs", "s_ossl_allocs"}) {
          const auto m = get(std::string(bench) + "/" + who, counter);
          complete = complete && m.has_value();
          v[k++] = m ? m->value : 0;
        }
      }
      if (!complete) {
        std::printf("allocations per write %s %s vs %s: n/a\n", bench, side.c_str(), baseline.c_str());
        continue;
      }
      // sslpp adds nothing when its own (C++) allocations are zero and
      // OpenSSL allocates as much under it as under the raw code.
      const auto same = [](double a, double b) { return a - b < 0.01 && b - a < 0.01; };
      const bool none_added = v[0] < 0.01 && v[2] < 0.01 && same(v[1], v[5]) && same(v[3], v[7]);
      std::printf(
          "allocations per write %s: %s client %.2f C++ + %.2f OpenSSL, server %.2f C++ + %.2f OpenSSL; "
          "%s client %.2f C++ + %.2f OpenSSL, server %.2f C++ + %.2f OpenSSL [sslpp adds none: %s]\n",
          bench, side.c_str(), v[0], v[1], v[2], v[3], baseline.c_str(), v[4], v[5], v[6], v[7],
          none_added ? "met" : "MISSED");
    }
  }
}

void print_results(const sslpp_bench::MedianReporter& results, const PythonResults& python) {
  std::printf("\n");
  const auto python_median = [&](const std::string& bench) -> std::optional<sslpp_bench::MedianReporter::Sample> {
    const auto it = python.rates.find(bench);
    if (it == python.rates.end() || it->second.empty()) {
      return std::nullopt;
    }
    return sslpp_bench::MedianReporter::median_of(it->second);
  };
  const auto line = [&](const std::string& bench, const char* counter, const char* unit, double scale) {
    const auto ours = results.median(bench + "/sslpp", counter);
    print_ratio(bench, "sslpp", "raw", ours, results.median(bench + "/raw", counter), unit, scale, true);
    if (bench != "handshake_ecdsa") {
      print_ratio(bench, "sslpp_keep_buffers", "raw_keep_buffers",
                  results.median(bench + "/sslpp_keep_buffers", counter),
                  results.median(bench + "/raw_keep_buffers", counter), unit, scale, true);
    }
    print_ratio(bench, "sslpp", "python", ours, python_median(bench), unit, scale, false);
  };
  line("handshake_ecdsa", "items_per_second", "handshakes/s", 1.0);
  line("bulk_16384", "bytes_per_second", "MiB/s", kMiB);
  line("bulk_1024", "bytes_per_second", "MiB/s", kMiB);
  print_allocations(results);
}

// ===========================================================================
// main

constexpr int kDefaultRepetitions = 15;
constexpr double kDefaultMinTime = 0.15;

std::optional<std::string> flag_value(const std::vector<std::string>& args, std::string_view flag) {
  for (const std::string& a : args) {
    if (a.starts_with(flag) && a.size() > flag.size() && a[flag.size()] == '=') {
      return a.substr(flag.size() + 1);
    }
  }
  return std::nullopt;
}

// python_cases are the Python cases the benchmark filter lets through (a
// leading '-' negates it, as in Google Benchmark).
std::vector<std::string> python_cases(const std::optional<std::string>& filter) {
  std::vector<std::string> cases;
  for (const char* c : {"handshake_ecdsa", "bulk_16384", "bulk_1024"}) {
    bool selected = true;
    if (filter && !filter->empty() && *filter != "all") {
      const bool negate = filter->front() == '-';
      const std::regex re(negate ? filter->substr(1) : *filter);
      selected = std::regex_search(std::string(c) + "/python", re) != negate;
    }
    if (selected) {
      cases.emplace_back(c);
    }
  }
  return cases;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any other OpenSSL call: OpenSSL refuses new allocators once it
  // has allocated anything.
  if (::CRYPTO_set_mem_functions(&openssl_malloc, &openssl_realloc, &openssl_free) != 1) {
    std::fprintf(stderr, "CRYPTO_set_mem_functions failed: OpenSSL allocated before main()\n");
    return 1;
  }
  t_role = role_client;
  // OpenSSL's socket BIO writes with write(2): a peer that closed early
  // must give EPIPE, not kill the process (Python ignores SIGPIPE too).
  std::signal(SIGPIPE, SIG_IGN);

  // Our own flags, taken out before Google Benchmark sees the rest:
  //   --bench_iterations=N  every case (Python's too) runs exactly N iterations, once
  //   --python=COMMAND      the Python to run (words split on spaces; empty: skip)
  std::vector<std::string> args;
  Timing timing;
  std::string python = "/usr/bin/python3";
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--bench_iterations=")) {
      timing.iterations = std::strtoll(argv[i] + std::strlen("--bench_iterations="), nullptr, 10);
      if (*timing.iterations <= 0) {
        std::fprintf(stderr, "--bench_iterations wants a positive count\n");
        return 1;
      }
    } else if (arg.starts_with("--python=")) {
      python = std::string(arg.substr(std::strlen("--python=")));
    } else {
      args.emplace_back(arg);
    }
  }
  // Many short repetitions in random order, so that bursts of load from
  // other processes hit both sides alike; the user's flags win.
  if (!flag_value(args, "--benchmark_repetitions")) {
    args.emplace_back("--benchmark_repetitions=" + std::to_string(timing.iterations ? 1 : kDefaultRepetitions));
  }
  if (!flag_value(args, "--benchmark_enable_random_interleaving")) {
    args.emplace_back("--benchmark_enable_random_interleaving=true");
  }
  if (!flag_value(args, "--benchmark_min_time")) {
    timing.min_time = kDefaultMinTime;
  }
  const int repetitions = std::max(1, std::atoi(flag_value(args, "--benchmark_repetitions")->c_str()));
  const double min_time =
      timing.min_time ? *timing.min_time : std::strtod(flag_value(args, "--benchmark_min_time")->c_str(), nullptr);
  const std::optional<std::string> filter = flag_value(args, "--benchmark_filter");

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

  std::string agreed;
  try {
    agreed = check_settings();
    std::printf("negotiated on both sides over 127.0.0.1: %s\n", agreed.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "settings check failed: %s\n", e.what());
    return 1;
  }
  std::fflush(stdout);

  // sslpp's defaults (release_buffers on) against raw in the same mode;
  // for bulk, also release_buffers off against OpenSSL's default mode.
  register_side<SslppSide>("sslpp", timing, true, false);
  register_side<RawSide>("raw", timing, true, RawMode::release_buffers);
  register_side<SslppSide>("sslpp_keep_buffers", timing, false, true);
  register_side<RawSide>("raw_keep_buffers", timing, false, RawMode::keep_buffers);

  const auto options = static_cast<benchmark::ConsoleReporter::OutputOptions>(
      benchmark::ConsoleReporter::OO_Tabular |
      (::isatty(STDOUT_FILENO) == 1 ? benchmark::ConsoleReporter::OO_Color : benchmark::ConsoleReporter::OO_None));
  sslpp_bench::MedianReporter reporter(options);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::fflush(stdout);

  // Python afterwards, alone on the machine (it would disturb the C++ cases
  // if run beside them).
  PythonResults py;
  const std::vector<std::string> command = split_words(python);
  if (!command.empty()) {
    py = run_python(command, repetitions, min_time, timing.iterations.value_or(0), python_cases(filter));
    if (!py.negotiated.empty()) {
      // Python cannot name the key exchange group; version and cipher must match.
      const bool same = agreed.starts_with(py.negotiated + " ");
      std::printf("python negotiated: %s [%s]\n", py.negotiated.c_str(),
                  same ? "same version and cipher as sslpp and raw" : "DIFFERENT from sslpp and raw");
    }
    for (const auto& [bench, rates] : py.rates) {
      const auto m = sslpp_bench::MedianReporter::median_of(rates);
      std::printf("python %s: median of %zu repetitions %.1f %s\n", bench.c_str(), m.repetitions,
                  bench == "handshake_ecdsa" ? m.value : m.value / kMiB,
                  bench == "handshake_ecdsa" ? "handshakes/s" : "MiB/s");
    }
    if (!py.error.empty()) {
      std::printf("python failed: %s\n", py.error.c_str());
    }
  }
  print_results(reporter, py);
  return reporter.any_failed() || !py.error.empty() ? 1 : 0;
}
