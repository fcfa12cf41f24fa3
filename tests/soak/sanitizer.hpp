// Whether this build runs under AddressSanitizer: its allocator keeps freed
// blocks in quarantine (resident memory grows by design) and bypasses
// glibc's malloc (mallinfo2 sees nothing), so the memory criteria are
// reported but not enforced there; LeakSanitizer checks leaks instead.
#pragma once

namespace sslpp::soak {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool address_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool address_sanitizer = true;
#else
inline constexpr bool address_sanitizer = false;
#endif
#else
inline constexpr bool address_sanitizer = false;
#endif

}  // namespace sslpp::soak
