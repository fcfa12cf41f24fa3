// The allocation-failure sweep: one driver for every step swept (a
// Connection's handshake, write, read and shutdown; Context construction and
// its loads). A Scenario says how to set the step up, run it and judge what
// is left; sweep() counts the allocations the step makes, then fails each
// of them in turn on fresh state and checks the rules of issue 11 item 7:
//
//  - only success, an sslpp exception (OSError or ValueError and their
//    subclasses) or std::bad_alloc comes out; anything else escaping, or
//    std::terminate from a noexcept function meeting bad_alloc, is a bug;
//  - after a success the state works exactly as without the failure (the
//    scenario's check says how: data both ways, a verifying context, ...);
//  - after a failure the state either reports errors or works correctly,
//    and can always be destroyed;
//  - no leak: live bytes return to the baseline once the state is gone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sslpp::test::alloc {

// Verdict is how a swept step ended.
enum class Verdict {
  success,
  typed_error,  // an sslpp exception, or an exception-free call's error status
  bad_alloc,    // std::bad_alloc
  foreign,      // any other exception: never acceptable
};

const char* to_string(Verdict v) noexcept;

// Outcome is a step's verdict and, on failure, what was said. Filled while
// an allocation may be failing, so it holds its text in place.
struct Outcome {
  Verdict verdict = Verdict::success;
  char what[200] = {};

  bool ok() const noexcept { return verdict == Verdict::success; }
  void set(Verdict v, std::string_view text) noexcept;
};

// record_current_exception sets `out` from the exception being handled;
// call it only inside a catch block. It does not allocate.
void record_current_exception(Outcome& out) noexcept;

// capture runs `f(outcome)` and turns whatever it throws into the Outcome;
// `f` reports failures that are not exceptions by setting it itself. A
// template, not std::function, which could allocate while armed.
template <typename F>
Outcome capture(F&& f) noexcept {
  Outcome out;
  try {
    f(out);
  } catch (...) {
    record_current_exception(out);
  }
  return out;
}

// Scenario is one step to sweep, with fresh state per case. run() is the
// only part that runs while an allocation may fail; it must not allocate
// on its own account (only sslpp and OpenSSL should), and must not throw.
class Scenario {
 public:
  virtual ~Scenario() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  // expected_to_succeed says how the step ends when nothing fails.
  [[nodiscard]] virtual bool expected_to_succeed() const { return true; }
  // prepare builds fresh state brought to the start of the step.
  virtual void prepare() = 0;
  virtual Outcome run() noexcept = 0;
  // check judges the state after `outcome` with gtest assertions; the
  // allocator is disarmed again.
  virtual void check(const Outcome& outcome) = 0;
  // discard destroys the state.
  virtual void discard() noexcept = 0;
};

// KnownFinding names a scenario in which a reported bug in sslpp kills the
// process (std::terminate from a noexcept function meeting bad_alloc, a
// crash). The sweep then runs each case of that scenario first in a child
// process: a case that dies there is counted as the known finding (the
// first one's stack is printed) and skipped; every other case is judged
// in process as usual. Remove the entry once the bug is fixed.
struct KnownFinding {
  std::string_view scenario;
  std::string_view why;
};

// ChildEnd is how a function run in a child process ended.
enum class ChildEnd {
  returned,
  terminated,  // std::terminate
  crashed,     // any other signal or exit
};

// run_in_child runs `fn(arg)` in a forked child; with `print_stack`, a
// child that calls std::terminate first prints the stack of the
// allocation made to fail. The child never returns into gtest.
ChildEnd run_in_child(void (*fn)(void*), void* arg, bool print_stack);

// SweepResult is what one sweep saw, for the log and the report.
struct SweepResult {
  std::uint64_t allocations = 0;  // made by the step when nothing fails
  std::uint64_t cases = 0;        // failures injected
  std::uint64_t stride = 1;       // every stride-th allocation point was failed
  std::uint64_t successes = 0;    // cases whose step still succeeded
  std::uint64_t typed_errors = 0;
  std::uint64_t bad_allocs = 0;
  std::uint64_t known_deaths = 0;  // cases that died of a known finding (in a child)
  std::uint64_t not_fired = 0;    // the armed allocation never came (nondeterminism)
  std::uint64_t first_use_caches = 0;  // cases that kept memory only the first time (see sweep.cpp)
};

// SweepOptions bound a sweep's cost.
struct SweepOptions {
  // At most about this many cases: with more allocation points, every
  // k-th of OpenSSL's is failed, evenly spread, and still every operator
  // new (sslpp's own allocations, whose failure throws: the interesting
  // ones for sslpp's exception safety). 0: every point.
  std::uint64_t max_cases = 0;
};

// sweep runs the whole procedure on `scenario`; `known` lists the known
// findings (for scenarios it names, cases that could meet one are probed
// in a child first). SSLPP_ALLOC_MAX_CASES, when set, caps every sweep
// (for slow sanitizer and valgrind runs); SSLPP_ALLOC_FULL=1 lifts every
// cap. Problems are reported as gtest failures naming the scenario and the
// allocation number, with the stack of the failed allocation.
SweepResult sweep(Scenario& scenario, SweepOptions options, std::span<const KnownFinding> known);

// settle_thread_state frees OpenSSL's per-thread state (error queue, DRBGs):
// a failure path may leave text buffers in the error queue's slots, which
// OpenSSL keeps for reuse and frees only when the thread stops. Called
// before each baseline and each leak measurement, so both count the same.
void settle_thread_state() noexcept;

}  // namespace sslpp::test::alloc
