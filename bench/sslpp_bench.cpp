// sslpp_bench: sslpp against the raw OpenSSL C API over in-memory pairs.
//
// Both sides run in the same process and the same run, with the same TLS
// settings (checked at start-up and by each paired case), and are driven by
// the same templates, so the only difference between "sslpp" and "raw" is the
// API under test. The machine is noisy, so the timings come from paired
// rounds (paired.hpp): both sides one right after the other in every round,
// one ratio per round, and main() prints the median ratio with its spread.
// docs/performance.md has the results.
//
// This file holds the allocation functions that feed the heap counters, the
// list of cases, and main(); the two sides are in sslpp_bench_sides.hpp, the
// cases in sslpp_bench_cases.hpp, their registration and the printed lines
// in sslpp_bench_register.hpp.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <openssl/crypto.h>

#include <benchmark/benchmark.h>

#include "median_reporter.hpp"
#include "sslpp_bench_cases.hpp"
#include "sslpp_bench_register.hpp"
#include "sslpp_bench_sides.hpp"

// ===========================================================================
// Heap accounting
//
// Every block from OpenSSL (through CRYPTO_set_mem_functions) and from C++
// (through the replaced global operator new) carries its size in a header, so
// a free can subtract exactly what its allocation added. The counters
// (sslpp_bench_cases.hpp) are live bytes; a measurement is the difference of
// two readings.

namespace {

using sslpp_bench::MedianReporter;
using sslpp_bench::memory::check_settings;
using sslpp_bench::memory::Config;
using sslpp_bench::memory::g_cxx_live;
using sslpp_bench::memory::g_openssl_live;
using sslpp_bench::memory::Key;
using sslpp_bench::memory::kRaw;
using sslpp_bench::memory::kRawKeep;
using sslpp_bench::memory::kSslpp;
using sslpp_bench::memory::kSslppKeep;
using sslpp_bench::memory::Pair;
using sslpp_bench::PairLine;
using sslpp_bench::memory::print_heap;
using sslpp_bench::print_pairs;
using sslpp_bench::memory::RawSide;
using sslpp_bench::memory::register_case;
using sslpp_bench::memory::register_heap;
using sslpp_bench::memory::RunOptions;
using sslpp_bench::memory::SslppSide;

// 16 bytes keeps the pointer we hand out as aligned as malloc's own.
constexpr std::size_t kHeader = alignof(std::max_align_t);
static_assert(kHeader >= sizeof(std::size_t));

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

// The default run: every paired case, and the heap case; the sides alone
// only when a --benchmark_filter names them (callgrind.sh does).
constexpr const char* kDefaultFilter = "_vs_|^heap_idle_pair";

bool has_flag(const std::vector<std::string>& args, std::string_view flag) {
  return std::any_of(args.begin(), args.end(), [flag](const std::string& a) { return a.starts_with(flag); });
}

// positive_flag reads the N of "--name=N"; nullopt (after a message) when
// it is not a positive number.
std::optional<long long> positive_flag(std::string_view arg, std::string_view name) {
  const long long n = std::strtoll(std::string(arg.substr(name.size())).c_str(), nullptr, 10);
  if (n <= 0) {
    std::fprintf(stderr, "%.*s wants a positive count\n", static_cast<int>(name.size() - 1), name.data());
    return std::nullopt;
  }
  return n;
}

// configured is the default Config changed by `set` (designated
// initializers would do, but gcc's -Wmissing-field-initializers objects).
template <class Set>
Config configured(Set set) {
  Config c;
  set(c);
  return c;
}

// register_all registers every case; returns the paired lines to print.
std::vector<PairLine> register_all(const RunOptions& o) {
  using sslpp_bench::memory::BulkCase;
  using sslpp_bench::memory::HandshakeCase;
  using sslpp_bench::memory::ResumeCase;
  using sslpp_bench::memory::SmallWritesCase;
  std::vector<PairLine> lines;
  const Pair like_for_like{kSslpp, kRaw, 0.97};
  const auto handshake = [&](const std::string& name, Key key, const Config& config) {
    register_case<HandshakeCase>(lines, o, name, key, config, {kSslpp, kRaw}, {like_for_like});
  };
  // Full and resumed handshakes; the buffer mode does not matter to them.
  handshake("handshake_ecdsa", Key::ecdsa, {});
  handshake("handshake_rsa", Key::rsa, {});
  register_case<ResumeCase>(lines, o, "resume", Key::ecdsa, {}, {kSslpp, kRaw}, {like_for_like});
  register_case<ResumeCase>(lines, o, "resume_tls12", Key::ecdsa, configured([](Config& c) {
                              c.client_tls12 = true;
                              c.expect = "TLSv1.2";
                            }),
                            {kSslpp, kRaw}, {like_for_like}, /*close_each=*/true);
  // Handshake cost by server configuration: each varies handshake_ecdsa
  // (2 tickets, automatic chain building on, X25519, nothing in the
  // server's trust store, so the chain build it tries finds no issuer and
  // only the leaf is sent).
  handshake("handshake_tickets0", Key::ecdsa, configured([](Config& c) { c.tickets = 0; }));
  handshake("handshake_tickets1", Key::ecdsa, configured([](Config& c) { c.tickets = 1; }));
  handshake("handshake_no_auto_chain", Key::ecdsa, configured([](Config& c) { c.no_auto_chain = true; }));
  // The CA in the server's store: the chain build succeeds and the server
  // sends leaf and CA, unless automatic chain building is off.
  handshake("handshake_server_ca", Key::ecdsa, configured([](Config& c) { c.server_trusts_ca = true; }));
  handshake("handshake_server_ca_no_auto_chain", Key::ecdsa, configured([](Config& c) {
              c.server_trusts_ca = true;
              c.no_auto_chain = true;
            }));
  // Both ends P-256; then the server alone, which makes a default client
  // (key share for X25519 only) go through a HelloRetryRequest.
  handshake("handshake_p256", Key::ecdsa, configured([](Config& c) {
              c.client_groups = c.server_groups = "P-256";
              c.expect = "prime256v1";
            }));
  handshake("handshake_p256_hrr", Key::ecdsa, configured([](Config& c) {
              c.server_groups = "P-256";
              c.expect = "prime256v1";
            }));
  // Bulk: each sslpp buffer mode against raw in the same mode, and (for
  // the reader choosing a mode) sslpp's default against raw's default.
  for (const std::size_t size : {std::size_t{16384}, std::size_t{1024}, std::size_t{64}}) {
    register_case<BulkCase>(lines, o, "bulk_" + std::to_string(size), Key::ecdsa, {},
                            {kSslpp, kRaw, kSslppKeep, kRawKeep},
                            {{kSslpp, kRawKeep, 0.97}, {kSslppKeep, kRawKeep, 0.97}, {kSslpp, kRaw, 0}}, size);
  }
  // Small writes: 16 KiB as 64-byte writes, sslpp coalescing against raw
  // OpenSSL writing a record per call (issue 14 asks for 10x).
  register_case<SmallWritesCase>(lines, o, "writes_64_coalesced", Key::ecdsa, {}, {kSslpp, kRawKeep},
                                 {{kSslpp, kRawKeep, 10.0}}, std::size_t{64});
  // Heap per idle pair, just after the handshake and after traffic. sslpp's
  // adaptive policy is judged against raw with released buffers (+1 KB).
  for (const bool traffic : {false, true}) {
    register_heap<SslppSide>(kSslpp, traffic);
    register_heap<RawSide>(kRaw, traffic);
    register_heap<SslppSide>(kSslppKeep, traffic);
    register_heap<RawSide>(kRawKeep, traffic);
  }
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any other OpenSSL call: OpenSSL refuses new allocators once it
  // has allocated anything.
  if (::CRYPTO_set_mem_functions(&openssl_malloc, &openssl_realloc, &openssl_free) != 1) {
    std::fprintf(stderr, "CRYPTO_set_mem_functions failed: OpenSSL allocated before main()\n");
    return 1;
  }

  // Our own flags, taken out before Google Benchmark sees the rest.
  std::vector<std::string> args;
  RunOptions options;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--bench_iterations=")) {
      const auto n = positive_flag(arg, "--bench_iterations=");
      if (!n) {
        return 1;
      }
      options.iterations = *n;
    } else if (arg.starts_with("--bench_rounds=")) {
      const auto n = positive_flag(arg, "--bench_rounds=");
      if (!n) {
        return 1;
      }
      options.rounds = static_cast<int>(*n);
    } else {
      args.emplace_back(arg);
    }
  }
  const bool listing = std::find(args.begin(), args.end(), "--benchmark_list_tests") != args.end() ||
                       std::find(args.begin(), args.end(), "--benchmark_list_tests=true") != args.end();
  if (!has_flag(args, "--benchmark_filter")) {
    args.emplace_back(std::string("--benchmark_filter=") + kDefaultFilter);
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

  const std::vector<PairLine> lines = register_all(options);

  const auto console = static_cast<benchmark::ConsoleReporter::OutputOptions>(
      benchmark::ConsoleReporter::OO_Tabular |
      (::isatty(STDOUT_FILENO) == 1 ? benchmark::ConsoleReporter::OO_Color : benchmark::ConsoleReporter::OO_None));
  MedianReporter reporter(console);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::fflush(stdout);

  // A listing ran nothing: no lines to print.
  if (!listing) {
    print_pairs(reporter, lines);
    print_heap(reporter);
    sslpp_bench::memory::print_wire();
  }
  return reporter.any_failed() ? 1 : 0;
}
