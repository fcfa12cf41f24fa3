// guarded: how every benchmark in bench/ runs its body, so that a failure
// fails that benchmark and the run goes on.
#pragma once

#include <exception>

#include <benchmark/benchmark.h>

namespace sslpp_bench {

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

}  // namespace sslpp_bench
