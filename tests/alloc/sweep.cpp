#include "alloc/sweep.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <sslpp/error.hpp>

#include "alloc/failing_allocator.hpp"

namespace sslpp::test::alloc {

namespace {

// Past this many failing cases a sweep stops: the rest would only repeat.
constexpr int max_failing_cases = 20;
// The signal a child raises on std::terminate.
constexpr int child_terminated = SIGUSR1;
// Stacks printed per sweep: enough to tell the failing sites apart.
constexpr int max_stacks = 5;

// stride_for spreads at most `max_cases` cases over `allocations` points,
// as the environment allows (see sweep.hpp).
std::uint64_t stride_for(std::uint64_t allocations, std::uint64_t max_cases) {
  const char* full = std::getenv("SSLPP_ALLOC_FULL");
  if (full != nullptr && std::strcmp(full, "1") == 0) {
    return 1;
  }
  if (const char* cap = std::getenv("SSLPP_ALLOC_MAX_CASES"); cap != nullptr && *cap != '\0') {
    const std::uint64_t limit = std::strtoull(cap, nullptr, 10);
    if (limit > 0 && (max_cases == 0 || limit < max_cases)) {
      max_cases = limit;
    }
  }
  if (max_cases == 0 || allocations <= max_cases) {
    return 1;
  }
  return (allocations + max_cases - 1) / max_cases;
}

const KnownFinding* find_known(std::span<const KnownFinding> known, const std::string& scenario) {
  const auto it = std::find_if(known.begin(), known.end(), [&](const KnownFinding& k) { return k.scenario == scenario; });
  return it == known.end() ? nullptr : &*it;
}

// ProbeArgs is what a child needs to run one armed case.
struct ProbeArgs {
  Scenario* scenario;
  std::uint64_t n;
};

// probe runs one armed case as run_case does, up to the step.
void probe(void* arg) {
  auto* p = static_cast<ProbeArgs*>(arg);
  // OpenSSL reseeds its random generators on first use in a new process:
  // get that done first, or the child's allocations would not line up
  // with the parent's.
  unsigned char byte = 0;
  static_cast<void>(::RAND_bytes(&byte, 1));
  settle_thread_state();
  p->scenario->prepare();
  {
    const Armed armed(p->n);
    static_cast<void>(p->scenario->run());
  }
  p->scenario->discard();  // so a leak checker has nothing to say about a child that returned
}

// failures_so_far counts the gtest failures of the running test, so a case
// can tell whether it added any.
int failures_so_far() {
  const ::testing::TestResult* result = ::testing::UnitTest::GetInstance()->current_test_info()->result();
  int failures = 0;
  for (int i = 0; i < result->total_part_count(); ++i) {
    failures += result->GetTestPartResult(i).failed() ? 1 : 0;
  }
  return failures;
}

// Leak is what a case left behind once its state was destroyed.
struct Leak {
  std::int64_t blocks = 0;
  std::int64_t bytes = 0;
  std::int64_t openssl_bytes = 0;
  explicit operator bool() const { return blocks != 0 || bytes != 0; }
};

Leak leak_since(const Stats& baseline) {
  settle_thread_state();
  const Stats now = stats();
  return {now.live_blocks - baseline.live_blocks, now.live_bytes - baseline.live_bytes,
          now.openssl_live_bytes - baseline.openssl_live_bytes};
}

// CaseRun is what one case did.
struct CaseRun {
  Outcome outcome;
  std::uint64_t allocations = 0;  // made by the step itself
  bool fired = false;
  Leak leak;
};

// run_case runs the scenario once on fresh state with allocation `n` of
// its step failing (0: none, and note the sources), judges the state (scenario.check) and
// measures what it left behind.
CaseRun run_case(Scenario& scenario, std::uint64_t n) {
  CaseRun c;
  settle_thread_state();
  const Stats baseline = stats();
  scenario.prepare();
  if (n == 0) {
    record_sources();  // the clean run notes which of the step's allocations are operator new
  }
  {
    const std::uint64_t before = stats().allocations;
    const Armed armed(n);
    c.outcome = scenario.run();
    c.allocations = stats().allocations - before;
  }
  c.fired = fired();
  scenario.check(c.outcome);
  scenario.discard();
  c.leak = leak_since(baseline);
  return c;
}

void report_leak(const Leak& leak, const std::string& scenario, std::uint64_t n) {
  ADD_FAILURE() << scenario << ", allocation " << n << " failed: leaked " << leak.blocks << " blocks, " << leak.bytes
                << " bytes (" << leak.openssl_bytes << " of them OpenSSL's)";
}

// tally adds one case's verdict to the result.
void tally(SweepResult& result, Verdict verdict) {
  switch (verdict) {
    case Verdict::success:
      ++result.successes;
      break;
    case Verdict::typed_error:
      ++result.typed_errors;
      break;
    case Verdict::bad_alloc:
      ++result.bad_allocs;
      break;
    case Verdict::foreign:
      break;
  }
}

}  // namespace

const char* to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::success:
      return "success";
    case Verdict::typed_error:
      return "typed error";
    case Verdict::bad_alloc:
      return "std::bad_alloc";
    case Verdict::foreign:
      return "foreign exception";
  }
  return "?";
}

void Outcome::set(Verdict v, std::string_view text) noexcept {
  verdict = v;
  const std::size_t n = std::min(text.size(), sizeof what - 1);
  std::memcpy(what, text.data(), n);
  what[n] = '\0';
}

void record_current_exception(Outcome& out) noexcept {
  try {
    throw;
  } catch (const sslpp::OSError& e) {
    out.set(Verdict::typed_error, e.what());
  } catch (const sslpp::ValueError& e) {
    out.set(Verdict::typed_error, e.what());
  } catch (const std::bad_alloc&) {
    out.set(Verdict::bad_alloc, "std::bad_alloc");
  } catch (const std::exception& e) {
    out.set(Verdict::foreign, e.what());
  } catch (...) {
    out.set(Verdict::foreign, "an exception not derived from std::exception");
  }
}

ChildEnd run_in_child(void (*fn)(void*), void* arg, bool print_stack) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    static bool print = false;
    print = print_stack;
    std::set_terminate([] {
      if (print) {
        std::fputs("[alloc] std::terminate; the allocation made to fail was made here:\n", stderr);
        print_failed_stack(stderr);
      }
      // A signal, not an exit status: a checker the tests run under
      // (valgrind) may replace the exit status of a child that leaks, and
      // a child that terminates always does.
      std::signal(child_terminated, SIG_DFL);
      ::raise(child_terminated);
      std::_Exit(1);
    });
    fn(arg);
    std::_Exit(0);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) {
    return ChildEnd::crashed;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return ChildEnd::returned;
  }
  return WIFSIGNALED(status) && WTERMSIG(status) == child_terminated ? ChildEnd::terminated : ChildEnd::crashed;
}

void settle_thread_state() noexcept { ::OPENSSL_thread_stop(); }

SweepResult sweep(Scenario& scenario, SweepOptions options, std::span<const KnownFinding> known) {
  SweepResult result;
  const std::string name = scenario.name();

  // A first run, unmeasured: long-lived objects the scenario shares
  // between cases cache things on first use, which is no leak. Seen: a
  // context's trusted CA certificate caches its parsed extensions (key
  // identifiers, 2 blocks) the first time a handshake verifies against it.
  scenario.prepare();
  scenario.check(scenario.run());
  scenario.discard();

  // The count: one run with nothing failing, which must succeed and leak
  // nothing either, or the sweep would judge against a broken reference.
  {
    const CaseRun clean = run_case(scenario, 0);
    EXPECT_EQ(clean.outcome.ok(), scenario.expected_to_succeed())
        << name << " with no allocation failing: " << to_string(clean.outcome.verdict) << " " << clean.outcome.what;
    if (clean.leak) {
      report_leak(clean.leak, name, 0);
    }
    result.allocations = clean.allocations;
  }
  const std::uint64_t stride = result.stride = stride_for(result.allocations, options.max_cases);

  const KnownFinding* finding = find_known(known, name);
  int failing_cases = 0;
  int stacks = 0;
  for (std::uint64_t n = 1; n <= result.allocations && failing_cases < max_failing_cases; ++n) {
    if ((n - 1) % stride != 0 && !from_operator_new(n)) {
      continue;
    }
    // Only a failed operator new throws, so only it can meet a noexcept
    // function; OpenSSL's allocations return nullptr.
    if (finding != nullptr && from_operator_new(n)) {
      ProbeArgs args{&scenario, n};
      const ChildEnd end = run_in_child(&probe, &args, result.known_deaths == 0);
      if (end == ChildEnd::terminated) {
        if (result.known_deaths++ == 0) {
          std::fprintf(stderr, "[alloc] %s: allocation %llu terminates (known finding: %.*s)\n", name.c_str(),
                       static_cast<unsigned long long>(n), static_cast<int>(finding->why.size()), finding->why.data());
        }
        continue;
      }
      if (end != ChildEnd::returned) {
        ADD_FAILURE() << name << ", allocation " << n << ": the child crashed (not the known finding)";
        continue;  // it would crash this process too
      }
    }
    const int failures_before = failures_so_far();
    const CaseRun c = run_case(scenario, n);
    ++result.cases;
    tally(result, c.outcome.verdict);
    if (!c.fired) {
      ++result.not_fired;  // the step took another path and made fewer allocations
    }
    EXPECT_NE(c.outcome.verdict, Verdict::foreign) << name << ", allocation " << n << " failed: " << c.outcome.what;
    // A failure recorded above holds memory in gtest: judge leaks only
    // for cases that passed so far. Memory kept only the first time a
    // path runs is OpenSSL filling a cache (a failure path can take a
    // route no earlier case took): a leak is memory lost every time, so
    // a case that leaks runs again, and only a second leak counts.
    if (c.leak && failures_so_far() == failures_before) {
      const CaseRun again = run_case(scenario, n);
      if (again.leak) {
        report_leak(again.leak, name, n);
      } else {
        ++result.first_use_caches;
      }
    }
    if (failures_so_far() != failures_before) {
      ++failing_cases;
      if (stacks++ < max_stacks && c.fired) {
        std::fprintf(stderr, "[alloc] %s: stack of failed allocation %llu (%s: %s)\n", name.c_str(),
                     static_cast<unsigned long long>(n), to_string(c.outcome.verdict), c.outcome.what);
        print_failed_stack(stderr);
      }
    }
  }
  EXPECT_LT(failing_cases, max_failing_cases) << name << ": sweep stopped early";
  std::printf("[alloc] %-44s %5llu allocations, %5llu cases (stride %llu): %llu ok, %llu typed, %llu bad_alloc,"
              " %llu known-finding deaths, %llu not fired, %llu first-use caches\n",
              name.c_str(), static_cast<unsigned long long>(result.allocations),
              static_cast<unsigned long long>(result.cases), static_cast<unsigned long long>(stride),
              static_cast<unsigned long long>(result.successes), static_cast<unsigned long long>(result.typed_errors),
              static_cast<unsigned long long>(result.bad_allocs), static_cast<unsigned long long>(result.known_deaths),
              static_cast<unsigned long long>(result.not_fired),
              static_cast<unsigned long long>(result.first_use_caches));
  return result;
}

}  // namespace sslpp::test::alloc
