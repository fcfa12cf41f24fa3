// Which benchmarks sslpp_bench registers, and the lines it prints from
// their results.
//
// Every timed case is registered in two forms, over the same case class
// (sslpp_bench_cases.hpp), so both do the same work per iteration:
//
//  * "<case>/<side>", each side alone (sslpp, raw; for bulk also
//    sslpp_keep_buffers, raw_keep_buffers): Google Benchmark's own loop.
//    This is what callgrind counts (bench/callgrind.sh, with
//    --bench_iterations=N). A default run leaves them out: they time the
//    two sides at different moments, which on a shared machine compares
//    the load more than the code.
//  * "<case>/<a>_vs_<b>", the paired rounds (paired.hpp): both sides in
//    every round, one right after the other. The default run's timings.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "guarded.hpp"
#include "median_reporter.hpp"
#include "paired.hpp"
#include "sslpp_bench_cases.hpp"
#include "sslpp_bench_sides.hpp"

namespace sslpp_bench::memory {

// RunOptions come from sslpp_bench's own flags.
struct RunOptions {
  // --bench_iterations=N: exactly N iterations for each side alone, and N
  // per side per round for the paired cases (no calibration).
  std::optional<benchmark::IterationCount> iterations;
  // --bench_rounds=N: rounds per paired case.
  int rounds = 50;
  // Each side's batch in a round, when not fixed by --bench_iterations:
  // long enough that the CPU clock and the loop cost nothing, short enough
  // that both batches of a round see the same machine.
  double batch_seconds = 0.02;
};

// Variant is one side in one buffer mode; its label names its benchmarks.
struct Variant {
  const char* label;
  bool sslpp;
  bool keep_buffers;
};
inline constexpr Variant kSslpp{"sslpp", true, false};
inline constexpr Variant kRaw{"raw", false, false};
inline constexpr Variant kSslppKeep{"sslpp_keep_buffers", true, true};
inline constexpr Variant kRawKeep{"raw_keep_buffers", false, true};

// Pair is an sslpp variant timed against a raw one; `target` is the least
// ratio the issues ask of it (0: the line is for information).
struct Pair {
  Variant sslpp;
  Variant raw;
  double target;
};

// register_side registers "<name>/<label>": one side alone.
template <class Side, template <class> class Case, class... Args>
void register_side(const std::string& name, const char* label, Key key, const Config& config,
                   const RunOptions& options, Args... args) {
  auto* b = benchmark::RegisterBenchmark((name + "/" + label).c_str(), [=](benchmark::State& state) {
    guarded(state, [&] {
      const Side side(credential(key), config);
      check_expect(probe(side), config.expect);
      Case<Side> c(side, args...);
      run_counted(state, c);
      if constexpr (Case<Side>::kBytes) {
        state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(c.work()));
      } else {
        state.SetItemsProcessed(state.iterations());
      }
    });
  });
  if (options.iterations) {
    b->Iterations(*options.iterations);
  }
}

// register_pair registers "<name>/<sslpp>_vs_<raw>": paired rounds. Its set-up
// checks that the two sides are configured alike (check_pair) and shows
// what they negotiated as the benchmark's label.
template <template <class> class Case, class... Args>
void register_pair(const std::string& name, Key key, const Config& config, const Pair& pair,
                   const RunOptions& options, Args... args) {
  Config a_config = config;
  a_config.keep_buffers = pair.sslpp.keep_buffers;
  Config b_config = config;
  b_config.keep_buffers = pair.raw.keep_buffers;
  const PairedOptions paired{options.iterations, options.batch_seconds};
  const std::string bench = name + "/" + pair.sslpp.label + "_vs_" + pair.raw.label;
  benchmark::RegisterBenchmark(bench.c_str(),
                               [=](benchmark::State& state) {
                                 guarded(state, [&] {
                                   const SslppSide a(credential(key), a_config);
                                   const RawSide b(credential(key), b_config);
                                   state.SetLabel(check_pair(a, b, config.expect));
                                   Case<SslppSide> case_a(a, args...);
                                   Case<RawSide> case_b(b, args...);
                                   run_paired(state, case_a, case_b, paired);
                                 });
                               })
      ->Iterations(options.rounds)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

// register_case registers one timed case: each of `sides` alone, and each
// of `pairs`; remembers the pairs' lines in `lines`.
template <template <class> class Case, class... Args>
void register_case(std::vector<PairLine>& lines, const RunOptions& options, const std::string& name, Key key,
                   const Config& config, std::initializer_list<Variant> sides, std::initializer_list<Pair> pairs,
                   Args... args) {
  for (const Variant& v : sides) {
    Config c = config;
    c.keep_buffers = v.keep_buffers;
    if (v.sslpp) {
      register_side<SslppSide, Case>(name, v.label, key, c, options, args...);
    } else {
      register_side<RawSide, Case>(name, v.label, key, c, options, args...);
    }
  }
  for (const Pair& p : pairs) {
    register_pair<Case>(name, key, config, p, options, args...);
    lines.push_back({name + "/" + p.sslpp.label + "_vs_" + p.raw.label, p.sslpp.label, p.raw.label,
                     Case<SslppSide>::kBytes, p.target});
  }
}

// register_heap registers heap_idle_pair for one side: a fixed amount of
// work (one iteration holds 16 pairs), deterministic, so neither timed nor
// paired.
template <class Side>
void register_heap(const Variant& v, bool traffic = false) {
  const std::string name = std::string(traffic ? "heap_idle_pair_after_traffic/" : "heap_idle_pair/") + v.label;
  benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    guarded(state, [&] {
      Config config;
      config.keep_buffers = v.keep_buffers;
      bm_heap(state, Side(pki().ecdsa, config), traffic);
    });
  })
      ->Iterations(1)
      ->Repetitions(3);
}

// print_heap prints the heap case's line (medians of its 3 repetitions,
// which are identical: the count is deterministic).
inline void print_heap(const MedianReporter& results) {
  for (const char* name : {"heap_idle_pair", "heap_idle_pair_after_traffic"}) {
    const std::string base = name;
    if (!results.ran(base + "/sslpp") && !results.ran(base + "/raw")) {
      continue;  // filtered out
    }
    const auto ours = results.median(base + "/sslpp", "bytes_per_pair");
    const auto rb = results.median(base + "/raw", "bytes_per_pair");
    const auto plain = results.median(base + "/raw_keep_buffers", "bytes_per_pair");
    if (ours && rb && plain && rb->value > 0) {
      const bool met = ours->value <= rb->value + 1024;
      std::printf(
          "ratio %s sslpp/raw_release_buffers = %.3f (sslpp %.0f bytes, raw release-buffers %.0f bytes, "
          "raw default %.0f bytes) [target sslpp <= raw release-buffers + 1024 bytes: %s]\n",
          name, ours->value / rb->value, ours->value, rb->value, plain->value, met ? "met" : "MISSED");
    } else {
      std::printf("ratio %s sslpp/raw_release_buffers = n/a (a benchmark failed or was filtered out)\n", name);
    }
  }
}

// print_wire prints the bytes on the wire per 16 KiB batch of small writes.
inline void print_wire() {
  const double ours = g_wire_bytes<SslppSide>;
  const double raw = g_wire_bytes<RawSide>;
  if (ours > 0 && raw > 0) {
    std::printf("wire bytes per 16 KiB batch of 64-byte writes: sslpp coalesced %.0f, raw (a record per write) %.0f "
                "(%.2f)\n",
                ours, raw, ours / raw);
  }
}

}  // namespace sslpp_bench::memory
