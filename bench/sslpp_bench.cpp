// sslpp_bench: sslpp against the raw OpenSSL C API over in-memory pairs.
//
// Both sides run in the same process and the same run, with the same TLS
// settings (checked at start-up), and are driven by the same templates, so the
// only difference between "sslpp" and "raw" is the API under test. The machine
// is noisy, so main() prints ratios of medians of interleaved repetitions
// rather than absolute figures. docs/performance.md has the results.
//
// This file holds the allocation functions that feed the heap counters,
// the registration of every case, the ratios printed at the end, and main();
// the two sides are in sslpp_bench_sides.hpp, the cases in
// sslpp_bench_cases.hpp.
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

#include "guarded.hpp"
#include "median_reporter.hpp"
#include "raw_openssl.hpp"
#include "sslpp_bench_cases.hpp"
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

using sslpp_bench::guarded;
using sslpp_bench::RawMode;
using sslpp_bench::memory::bm_bulk;
using sslpp_bench::memory::bm_handshake;
using sslpp_bench::memory::bm_heap;
using sslpp_bench::memory::bm_resume;
using sslpp_bench::memory::check_settings;
using sslpp_bench::memory::g_cxx_live;
using sslpp_bench::memory::g_openssl_live;
using sslpp_bench::memory::pki;
using sslpp_bench::memory::RawSide;
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
