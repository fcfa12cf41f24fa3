/// \file
/// Bitwise operators for the enum classes that are flag sets (Options,
/// VerifyFlags, VerifyPeer, ShutdownState, InfoWhere).
#pragma once

#include <sslpp/export.hpp>

#include <type_traits>

namespace sslpp {

/// enable_flag_operators<E> opts an enum class into |, &, ^, ~ and their
/// assignment forms. Specialise it to std::true_type for a flag-set enum.
template <typename E>
struct enable_flag_operators : std::false_type {};

/// flag_enum is an enum opted in with enable_flag_operators.
template <typename E>
concept flag_enum = std::is_enum_v<E> && enable_flag_operators<E>::value;

///@{
/// The bitwise operators of a flag_enum work on its bits as on its
/// underlying integer: `ctx.set_options(OP_NO_TICKET | OP_NO_RENEGOTIATION)`.
template <flag_enum E>
constexpr E operator|(E a, E b) noexcept {
  using U = std::underlying_type_t<E>;
  return static_cast<E>(static_cast<U>(a) | static_cast<U>(b));
}
template <flag_enum E>
constexpr E operator&(E a, E b) noexcept {
  using U = std::underlying_type_t<E>;
  return static_cast<E>(static_cast<U>(a) & static_cast<U>(b));
}
template <flag_enum E>
constexpr E operator^(E a, E b) noexcept {
  using U = std::underlying_type_t<E>;
  return static_cast<E>(static_cast<U>(a) ^ static_cast<U>(b));
}
template <flag_enum E>
constexpr E operator~(E a) noexcept {
  using U = std::underlying_type_t<E>;
  return static_cast<E>(~static_cast<U>(a));
}
template <flag_enum E>
constexpr E& operator|=(E& a, E b) noexcept {
  return a = a | b;
}
template <flag_enum E>
constexpr E& operator&=(E& a, E b) noexcept {
  return a = a & b;
}
template <flag_enum E>
constexpr E& operator^=(E& a, E b) noexcept {
  return a = a ^ b;
}
///@}

/// has_all(set, flags) is true when every bit of `flags` is in `set`.
template <flag_enum E>
constexpr bool has_all(E set, E flags) noexcept {
  return (set & flags) == flags;
}

/// has_any(set, flags) is true when at least one bit of `flags` is in `set`.
template <flag_enum E>
constexpr bool has_any(E set, E flags) noexcept {
  using U = std::underlying_type_t<E>;
  return static_cast<U>(set & flags) != 0;
}

/// to_underlying gives the integer value of any enum (C++23's std::to_underlying).
template <typename E>
  requires std::is_enum_v<E>
constexpr std::underlying_type_t<E> to_underlying(E e) noexcept {
  return static_cast<std::underlying_type_t<E>>(e);
}

}  // namespace sslpp
