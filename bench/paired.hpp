// Paired rounds: how sslpp_bench times sslpp against raw OpenSSL on a
// shared, noisy machine.
//
// Separate repetitions of each side, even interleaved, are minutes apart at
// worst and seconds at best, and the load from other processes changes in
// between: one run gave 0.84 for a case whose instruction ratio is 1.005.
// Here both sides of a case run in the same round, one batch right after
// the other (tens of milliseconds apart), and the order alternates from
// round to round so that neither always gets the warm or the cold slot.
// Each round yields one ratio; the median over the rounds, with its
// interquartile range, is the figure. Load that lasts longer than a round
// slows both batches alike and cancels out of the ratio.
//
// A case is any class with once() (one iteration) and work() (what an
// iteration is worth): sslpp_bench_cases.hpp; a case whose iterations
// complete on another thread also has end_batch(), which waits for them
// (socket_bench_cases.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "median_reporter.hpp"

namespace sslpp_bench {

// cpu_seconds reads a CPU-time clock. CPU rather than wall time, as Google
// Benchmark's rates: time spent descheduled (the machine is shared) is not
// the code's cost. Cache and frequency effects of the neighbours remain;
// pairing spreads them over both sides.
inline double cpu_seconds(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// thread_cpu_seconds is this thread's CPU time.
inline double thread_cpu_seconds() { return cpu_seconds(CLOCK_THREAD_CPUTIME_ID); }

// process_cpu_seconds is the CPU time of all of this process's threads:
// the clock for a case whose work is shared with a thread of its own (the
// socket benchmark's server, which does the receiving).
inline double process_cpu_seconds() { return cpu_seconds(CLOCK_PROCESS_CPUTIME_ID); }

using CpuClock = double (*)();

// timed_batch runs n iterations of a case and returns their CPU seconds.
template <class Case>
double timed_batch(Case& c, std::int64_t n, CpuClock clock = thread_cpu_seconds) {
  const double start = clock();
  for (std::int64_t i = 0; i < n; ++i) {
    c.once();
  }
  if constexpr (requires { c.end_batch(); }) {
    c.end_batch();
  }
  return clock() - start;
}

// calibrate returns how many iterations of `c` take about `seconds`,
// growing tenfold until a batch is long enough to time (as Google
// Benchmark sizes its runs).
template <class Case>
std::int64_t calibrate(Case& c, double seconds, CpuClock clock) {
  for (std::int64_t n = 1;; n *= 10) {
    const double t = timed_batch(c, n, clock);
    if (t >= seconds / 10 || n >= (std::int64_t{1} << 40)) {
      return std::max<std::int64_t>(1, std::llround(static_cast<double>(n) * seconds / std::max(t, 1e-9)));
    }
  }
}

// quantile of sorted values, interpolating linearly between the nearest
// ranks (the common definition: R's type 7, numpy's default).
inline double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) {
    return 0;
  }
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// PairedOptions: iterations per side per round (nullopt: calibrated to
// about batch_seconds of the first side) and the clock that times them. The
// number of rounds is the benchmark's iteration count (Iterations(rounds)
// at registration).
struct PairedOptions {
  std::optional<std::int64_t> iterations;
  double batch_seconds = 0.02;
  CpuClock clock = thread_cpu_seconds;
};

// run_paired is the body of a paired benchmark: each Google Benchmark
// iteration is one round, timing `a` (sslpp) and `b` (raw) for the same
// number of iterations, `a` first in even rounds and `b` first in odd ones.
// The ratio of a round is b's time over a's: a's throughput over b's,
// above 1 when sslpp is faster. The counters (what main() prints):
//   ratio, ratio_q1, ratio_q3, ratio_min, ratio_max  over the rounds
//   a_rate, b_rate   medians of each side's throughput (work per CPU second)
//   batch            iterations per side per round
template <class A, class B>
void run_paired(benchmark::State& state, A& a, B& b, const PairedOptions& options) {
  const CpuClock clock = options.clock;
  const std::int64_t n = options.iterations ? *options.iterations : calibrate(a, options.batch_seconds, clock);
  // One round untimed: the first batches pay for lazy set-up (caches,
  // OpenSSL's fetches) that later ones do not.
  timed_batch(a, n, clock);
  timed_batch(b, n, clock);

  std::vector<double> ratios;
  std::vector<double> a_rates;
  std::vector<double> b_rates;
  bool a_first = true;
  for (auto _ : state) {
    double ta = 0;
    double tb = 0;
    if (a_first) {
      ta = timed_batch(a, n, clock);
      tb = timed_batch(b, n, clock);
    } else {
      tb = timed_batch(b, n, clock);
      ta = timed_batch(a, n, clock);
    }
    a_first = !a_first;
    state.SetIterationTime(ta + tb);
    if (ta > 0 && tb > 0) {  // a clock too coarse for one tiny batch: no ratio
      ratios.push_back(tb / ta);
      a_rates.push_back(static_cast<double>(n) * a.work() / ta);
      b_rates.push_back(static_cast<double>(n) * b.work() / tb);
    }
  }
  if (ratios.empty()) {
    state.SkipWithError("no round could be timed");
    return;
  }
  std::sort(ratios.begin(), ratios.end());
  std::sort(a_rates.begin(), a_rates.end());
  std::sort(b_rates.begin(), b_rates.end());
  state.counters["ratio"] = quantile(ratios, 0.5);
  state.counters["ratio_q1"] = quantile(ratios, 0.25);
  state.counters["ratio_q3"] = quantile(ratios, 0.75);
  state.counters["ratio_min"] = ratios.front();
  state.counters["ratio_max"] = ratios.back();
  state.counters["a_rate"] = quantile(a_rates, 0.5);
  state.counters["b_rate"] = quantile(b_rates, 0.5);
  state.counters["batch"] = static_cast<double>(n);
  state.counters["rounds"] = static_cast<double>(ratios.size());
}

// PairLine is what print_pairs needs for one paired benchmark's line.
struct PairLine {
  std::string bench;
  std::string sslpp;
  std::string raw;
  bool bytes;
  double target;
};

// print_pairs prints one line per paired benchmark that ran, in
// registration order: the median of the per-round ratios (sslpp's
// throughput over raw's, so higher is better for sslpp), the interquartile
// range and the extremes of those ratios, the number of rounds, and each
// side's median throughput.
inline void print_pairs(const MedianReporter& results, const std::vector<PairLine>& lines) {
  std::printf("\n");
  for (const PairLine& line : lines) {
    if (!results.ran(line.bench)) {
      continue;  // filtered out
    }
    const auto get = [&](const char* counter) { return results.median(line.bench, counter); };
    const auto ratio = get("ratio");
    const auto q1 = get("ratio_q1");
    const auto q3 = get("ratio_q3");
    const auto lo = get("ratio_min");
    const auto hi = get("ratio_max");
    const auto a = get("a_rate");
    const auto b = get("b_rate");
    const auto rounds = get("rounds");
    const auto batch = get("batch");
    const std::string name = line.bench.substr(0, line.bench.find('/'));
    if (!ratio || !q1 || !q3 || !lo || !hi || !a || !b || !rounds || !batch) {
      std::printf("ratio %s %s/%s = n/a (the benchmark failed)\n", name.c_str(),
                  line.sslpp.c_str(), line.raw.c_str());
      continue;
    }
    const double scale = line.bytes ? 1048576.0 : 1.0;
    const char* unit = line.bytes ? "MiB/s" : "handshakes/s";
    std::printf(
        "ratio %s %s/%s = %.3f (median of %.0f paired rounds; IQR %.3f-%.3f; min-max %.3f-%.3f; %s %.1f %s, "
        "%s %.1f %s; %.0f iterations a side a round)",
        name.c_str(), line.sslpp.c_str(), line.raw.c_str(), ratio->value, rounds->value, q1->value, q3->value,
        lo->value, hi->value, line.sslpp.c_str(), a->value / scale, unit, line.raw.c_str(), b->value / scale, unit,
        batch->value);
    if (line.target > 0) {
      std::printf(" [target >= %.2f: %s]\n", line.target, ratio->value >= line.target ? "met" : "MISSED");
    } else {
      std::printf(" [for information]\n");
    }
  }
}

}  // namespace sslpp_bench
