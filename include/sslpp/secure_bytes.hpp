/// \file
/// SecureBytes: bytes that are secret (key material, master secrets), wiped
/// before their memory goes back to the heap.
#pragma once

#include <sslpp/export.hpp>

#include <cstddef>
#include <memory>
#include <vector>

#include <openssl/crypto.h>

namespace sslpp {

/// cleansing_allocator allocates as std::allocator does and wipes each block
/// (OPENSSL_cleanse, which the compiler cannot optimise away) before it is
/// freed, when the container is destroyed or grows.
template <typename T>
struct cleansing_allocator {
  /// value_type is what it allocates (the Allocator requirements).
  using value_type = T;
  ///@{
  /// The constructors hold no state: any two cleansing_allocators are equal.
  cleansing_allocator() noexcept = default;
  template <typename U>
  cleansing_allocator(const cleansing_allocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  ///@}
  /// allocate gets room for `n` objects from std::allocator.
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  /// deallocate wipes the `n` objects at `p`, then frees them.
  void deallocate(T* p, std::size_t n) noexcept {
    ::OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  /// Always equal: memory from one may be freed by another.
  template <typename U>
  friend bool operator==(const cleansing_allocator&, const cleansing_allocator<U>&) noexcept {
    return true;
  }
};

/// SecureBytes holds secret bytes: Connection::master_key,
/// export_keying_material and Context::session_ticket_keys return it, so a
/// secret does not linger in freed memory. It is a std::vector in every
/// other respect (std::span views it).
using SecureBytes = std::vector<std::byte, cleansing_allocator<std::byte>>;

}  // namespace sslpp
