// MedianReporter: Google Benchmark's console output, plus every repetition's
// counters kept so that main() can print ratios of medians afterwards.
// Shared by every benchmark in bench/.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

namespace sslpp_bench {

class MedianReporter : public benchmark::ConsoleReporter {
 public:
  using benchmark::ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      Series& s = series_[run.run_name.function_name];
      if (run.error_occurred) {
        s.failed = true;
        continue;
      }
      // Only the repetitions themselves: aggregates are recomputed here so
      // that any counter, not just the ones Google Benchmark aggregates,
      // has a median.
      if (run.run_type == Run::RT_Iteration) {
        for (const auto& [name, counter] : run.counters) {
          s.values[name].push_back(counter.value);
        }
      } else if (run.aggregate_name == "median") {
        // With --benchmark_display_aggregates_only only aggregates arrive.
        for (const auto& [name, counter] : run.counters) {
          s.medians[name] = Sample{counter.value, static_cast<std::size_t>(run.repetitions)};
        }
      }
    }
    benchmark::ConsoleReporter::ReportRuns(runs);
  }

  // Sample is a median and how many repetitions it came from.
  struct Sample {
    double value = 0;
    std::size_t repetitions = 0;
  };

  // median of one counter of one benchmark; nullopt when the benchmark
  // failed, did not run, or has no such counter.
  [[nodiscard]] std::optional<Sample> median(const std::string& benchmark, const std::string& counter) const {
    const auto it = series_.find(benchmark);
    if (it == series_.end() || it->second.failed) {
      return std::nullopt;
    }
    const auto values = it->second.values.find(counter);
    if (values != it->second.values.end() && !values->second.empty()) {
      return median_of(values->second);
    }
    const auto aggregate = it->second.medians.find(counter);
    if (aggregate != it->second.medians.end()) {
      return aggregate->second;
    }
    return std::nullopt;
  }

  // quartiles of one counter of one benchmark (the spread around the
  // median); nullopt as for median, or when only aggregates arrived.
  [[nodiscard]] std::optional<std::pair<double, double>> quartiles(const std::string& benchmark,
                                                                   const std::string& counter) const {
    const auto it = series_.find(benchmark);
    if (it == series_.end() || it->second.failed) {
      return std::nullopt;
    }
    const auto values = it->second.values.find(counter);
    if (values == it->second.values.end() || values->second.empty()) {
      return std::nullopt;
    }
    std::vector<double> v = values->second;
    std::sort(v.begin(), v.end());
    return std::pair{v[v.size() / 4], v[(3 * v.size()) / 4 - (v.size() % 4 == 0 ? 1 : 0)]};
  }

  // ran: whether the benchmark reported at all (it may have failed).
  [[nodiscard]] bool ran(const std::string& benchmark) const { return series_.count(benchmark) != 0; }

  [[nodiscard]] bool any_failed() const {
    return std::any_of(series_.begin(), series_.end(), [](const auto& kv) { return kv.second.failed; });
  }

  // median_of is the middle value (mean of the two middle ones for an even count).
  static Sample median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    if (n == 0) {
      return {};
    }
    return {n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, n};
  }

 private:
  struct Series {
    std::map<std::string, std::vector<double>> values;
    std::map<std::string, Sample> medians;
    bool failed = false;
  };
  std::map<std::string, Series> series_;
};

}  // namespace sslpp_bench
