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
// iteration is worth): sslpp_bench_cases.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <optional>
#include <vector>

#include <benchmark/benchmark.h>

namespace sslpp_bench {

// thread_cpu_seconds is this thread's CPU time. CPU rather than wall time,
// as Google Benchmark's rates: time spent descheduled (the machine is
// shared) is not the code's cost. Cache and frequency effects of the
// neighbours remain; pairing spreads them over both sides.
inline double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// timed_batch runs n iterations of a case and returns their CPU seconds.
template <class Case>
double timed_batch(Case& c, std::int64_t n) {
  const double start = thread_cpu_seconds();
  for (std::int64_t i = 0; i < n; ++i) {
    c.once();
  }
  return thread_cpu_seconds() - start;
}

// calibrate returns how many iterations of `c` take about `seconds`,
// growing tenfold until a batch is long enough to time (as Google
// Benchmark sizes its runs).
template <class Case>
std::int64_t calibrate(Case& c, double seconds) {
  for (std::int64_t n = 1;; n *= 10) {
    const double t = timed_batch(c, n);
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
// about batch_seconds of the first side). The number of rounds is the
// benchmark's iteration count (Iterations(rounds) at registration).
struct PairedOptions {
  std::optional<std::int64_t> iterations;
  double batch_seconds = 0.02;
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
  const std::int64_t n = options.iterations ? *options.iterations : calibrate(a, options.batch_seconds);
  // One round untimed: the first batches pay for lazy set-up (caches,
  // OpenSSL's fetches) that later ones do not.
  timed_batch(a, n);
  timed_batch(b, n);

  std::vector<double> ratios;
  std::vector<double> a_rates;
  std::vector<double> b_rates;
  bool a_first = true;
  for (auto _ : state) {
    double ta = 0;
    double tb = 0;
    if (a_first) {
      ta = timed_batch(a, n);
      tb = timed_batch(b, n);
    } else {
      tb = timed_batch(b, n);
      ta = timed_batch(a, n);
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

}  // namespace sslpp_bench
