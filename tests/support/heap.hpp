// heap_in_use: how many heap bytes this thread's malloc arena has in use,
// for tests that check memory is given back.
#pragma once

#include <malloc.h>

#include <cstddef>
#include <optional>

namespace sslpp::test {

// heap_in_use is glibc's count (mallinfo2: the main arena, which the main
// thread allocates from); nullopt where another allocator stands in for
// glibc's (AddressSanitizer, ThreadSanitizer, valgrind), which counts
// nothing there. The caller then checks behaviour only.
inline std::optional<std::size_t> heap_in_use() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return std::nullopt;
#else
  const std::size_t n = mallinfo2().uordblks;
  return n == 0 ? std::nullopt : std::optional<std::size_t>(n);
#endif
}

}  // namespace sslpp::test
