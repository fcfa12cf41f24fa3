// Payloads the soak sends: a deterministic byte stream per connection, so
// the echo can be checked byte for byte against a second copy of the same
// generator instead of a buffered copy of what was sent (1,000 connections
// of up to 64 KiB each would otherwise hold 64 MiB).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace sslpp::soak {

// Rng is splitmix64: tiny, fast, and good enough to make every byte
// position and size differ between connections and waves.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // size is log-uniform in [1, max]: tiny and large sizes are equally
  // likely per power of two, so 1-byte records are exercised as often as
  // full 16 KiB ones.
  std::size_t size(std::size_t max) noexcept {
    const int bits = std::bit_width(max) - 1;  // max >= 1
    const std::uint64_t low = std::uint64_t{1} << (next() % static_cast<std::uint64_t>(bits + 1));
    const std::size_t n = static_cast<std::size_t>(low + next() % low);
    return n > max ? max : n;
  }

 private:
  std::uint64_t state_;
};

// ByteStream yields the payload bytes of one connection in order.
class ByteStream {
 public:
  explicit ByteStream(std::uint64_t seed) noexcept : rng_(seed) {}

  std::byte next() noexcept {
    if (left_ == 0) {
      word_ = rng_.next();
      left_ = 8;
    }
    const auto b = static_cast<std::byte>(word_ & 0xff);
    word_ >>= 8;
    --left_;
    return b;
  }

 private:
  Rng rng_;
  std::uint64_t word_ = 0;
  int left_ = 0;
};

// Fnv1a is the running checksum of a stream (64-bit FNV-1a), reported per
// direction so a report shows the sent and echoed streams are the same.
class Fnv1a {
 public:
  void add(std::byte b) noexcept { hash_ = (hash_ ^ static_cast<std::uint64_t>(b)) * 0x100000001b3ULL; }
  [[nodiscard]] std::uint64_t value() const noexcept { return hash_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// connection_seed mixes the run's seed, the wave and the connection's
// index, so a failing connection can be replayed from the report.
inline std::uint64_t connection_seed(std::uint64_t seed, std::uint64_t wave, std::uint64_t index) noexcept {
  Rng r(seed ^ (wave << 32) ^ index);
  return r.next();
}

}  // namespace sslpp::soak
