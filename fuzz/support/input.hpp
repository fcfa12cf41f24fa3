// input: reads a fuzz input front to back. Every read succeeds: past the
// end it yields zeros and empty strings, so any byte string is a valid
// program and the harness never rejects an input.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sslpp_fuzz {

class input {
 public:
  input(const std::uint8_t* data, std::size_t size) noexcept : data_(data, size) {}

  [[nodiscard]] bool empty() const noexcept { return pos_ >= data_.size(); }
  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }

  std::uint8_t byte() noexcept { return empty() ? 0 : data_[pos_++]; }
  bool flag() noexcept { return (byte() & 1) != 0; }
  std::uint16_t u16() noexcept {
    const std::uint16_t hi = byte();
    return static_cast<std::uint16_t>(hi << 8 | byte());
  }
  /// bytes takes up to `n` bytes.
  std::span<const std::byte> bytes(std::size_t n) noexcept {
    n = std::min(n, remaining());
    const auto out = std::as_bytes(data_.subspan(pos_, n));
    pos_ += n;
    return out;
  }
  /// chunk takes a length byte, then that many bytes.
  std::span<const std::byte> chunk() noexcept { return bytes(byte()); }
  /// text is chunk() as characters.
  std::string_view text() noexcept {
    const auto b = chunk();
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  /// rest takes everything left.
  std::span<const std::byte> rest() noexcept { return bytes(remaining()); }
  std::string_view rest_text() noexcept {
    const auto b = rest();
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

/// as_text views bytes as characters.
inline std::string_view as_text(std::span<const std::byte> b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace sslpp_fuzz
