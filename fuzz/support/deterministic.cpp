#include "deterministic.hpp"

#include <array>
#include <cstddef>
#include <cstring>

#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <sslpp/context.hpp>

namespace sslpp_fuzz {
namespace {

// splitmix64: tiny, fast and fully determined by its state. These bytes only
// have to be reproducible; the harness protects nothing with them.
struct splitmix {
  std::uint64_t state = 0;
  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

constexpr std::size_t stream_count = 3;
std::array<splitmix, stream_count> streams;
stream current = stream::setup;

int fill(unsigned char* buf, int num) noexcept {
  splitmix& s = streams[static_cast<std::size_t>(current)];
  for (int i = 0; i < num;) {
    const std::uint64_t word = s.next();
    const int n = num - i < 8 ? num - i : 8;
    std::memcpy(buf + i, &word, static_cast<std::size_t>(n));
    i += n;
  }
  return 1;
}
int seed(const void*, int) noexcept { return 1; }
int add(const void*, int, double) noexcept { return 1; }
int status() noexcept { return 1; }

const RAND_METHOD method = {seed, fill, nullptr, add, fill, status};

}  // namespace

void reset() {
  // RAND_set_rand_method is deprecated in OpenSSL 3.0 in favour of writing a
  // provider, but it still takes precedence over the provider DRBGs in
  // RAND_bytes_ex and RAND_priv_bytes_ex (key generation, nonces, hello
  // randoms, salts), which is all the harness needs, at a fraction of the
  // code. Hence the local suppression.
  static const bool installed = [] {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return ::RAND_set_rand_method(&method) == 1;
#pragma GCC diagnostic pop
  }();
  (void)installed;
  for (std::size_t i = 0; i < stream_count; ++i) {
    streams[i].state = 0x5EED000000000000ULL + i;
  }
  current = stream::setup;
}

stream_scope::stream_scope(stream s) noexcept : previous_(current) { current = s; }
stream_scope::~stream_scope() { current = previous_; }

void pin_verify_time(const sslpp::Context& context) {
  ::X509_VERIFY_PARAM_set_time(::SSL_CTX_get0_param(context.native_handle()), pinned_time);
}

}  // namespace sslpp_fuzz

// time() is pinned for the whole process: OpenSSL stamps sessions with it,
// computes TLS 1.3 ticket ages from it and expires sessions by it, so a
// recorded resumption only replays when every run reads the same clock.
// Defined in the executable, it takes precedence over libc's for the shared
// libcrypto and libssl too (and over the sanitizers' weak interceptor).
extern "C" std::time_t time(std::time_t* out) noexcept {
  if (out != nullptr) {
    *out = sslpp_fuzz::pinned_time;
  }
  return sslpp_fuzz::pinned_time;
}
