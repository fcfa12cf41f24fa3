// A counting allocator that can fail one chosen allocation, for the
// allocation-failure sweep (issue 11 item 7). It sees every allocation the
// process makes through OpenSSL (CRYPTO_set_mem_functions) and through the
// global operator new / new[] (replaced in sslpp_alloc_tests only, every
// variant: plain, array, aligned, nothrow). Plain malloc is not counted:
// sslpp and OpenSSL never call it directly, and the C++ runtime's exception
// objects come from it, so a throw is never the failure under test.
//
// One sequence numbers every counted allocation from both sources; arm(n)
// makes the n-th one from now fail (OpenSSL's hooks return nullptr, operator
// new throws std::bad_alloc, nothrow new returns nullptr), once.
//
// Thread safety: counters are atomics, so a stray allocation on another
// thread cannot corrupt them; but which allocation is "the n-th" is only
// meaningful while one thread allocates, as in these tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace sslpp::test::alloc {

// Stats is a snapshot of what the allocator has seen.
struct Stats {
  std::uint64_t allocations = 0;  // counted allocations so far (both sources)
  std::int64_t live_bytes = 0;    // bytes requested and not yet freed
  std::int64_t live_blocks = 0;   // blocks allocated and not yet freed
  std::int64_t openssl_live_bytes = 0;  // the part of live_bytes OpenSSL holds
};

// install puts the OpenSSL hooks in place. It must run before OpenSSL
// allocates anything, so the library calls it from a static initializer
// that runs before every other one in the executable; main() then asks
// installed() and refuses to run the tests without it.
void install() noexcept;
[[nodiscard]] bool installed() noexcept;

[[nodiscard]] Stats stats() noexcept;

// arm makes the n-th counted allocation from now (n >= 1) fail; disarm
// cancels a failure that has not happened yet. fired() says whether the
// armed failure happened since the last arm().
void arm(std::uint64_t n) noexcept;
void disarm() noexcept;
[[nodiscard]] bool fired() noexcept;

// record_sources starts noting, for each counted allocation from now on,
// whether it came from operator new (which throws when failed) or from
// OpenSSL (which gets nullptr); from_operator_new(n) then answers for the
// n-th (1-based) since that call. Only the first max_recorded are noted.
inline constexpr std::uint64_t max_recorded = std::uint64_t{1} << 20;
void record_sources() noexcept;
[[nodiscard]] bool from_operator_new(std::uint64_t n) noexcept;

// print_failed_stack writes the call stack of the last allocation made to
// fail, as raw frames (binary+offset) for addr2line, to `out`.
void print_failed_stack(std::FILE* out) noexcept;

// Armed fails the n-th allocation from its construction on, and disarms on
// every way out of the scope, so a failure never outlives the step it was
// aimed at.
class Armed {
 public:
  explicit Armed(std::uint64_t n) noexcept { arm(n); }
  Armed(const Armed&) = delete;
  Armed& operator=(const Armed&) = delete;
  ~Armed() { disarm(); }
};

}  // namespace sslpp::test::alloc
