// The readiness notifications the event-loop server waits on: one epoll
// instance (level-triggered), and a Waker through which another thread
// interrupts the wait.
#pragma once

#include <sys/epoll.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

#include "unique_fd.hpp"

namespace sslpp::cli {

/// Epoll watches descriptors, each registered with a caller-chosen 64-bit
/// key that comes back with its events. Level-triggered: a descriptor stays
/// ready until its condition is consumed, so a handler may stop early (to
/// be fair to others) and be called again. Calls throw OSError. A closed
/// descriptor leaves the set by itself (none is ever duplicated here).
class Epoll {
 public:
  Epoll();

  void add(int fd, std::uint32_t events, std::uint64_t key);
  void modify(int fd, std::uint32_t events, std::uint64_t key);

  /// wait returns the ready entries (valid until the next wait), after at
  /// most `timeout` (nullopt: no limit); none when interrupted by a signal.
  std::span<const epoll_event> wait(std::optional<std::chrono::milliseconds> timeout);

 private:
  void control(int op, int fd, std::uint32_t events, std::uint64_t key);

  UniqueFd fd_;
  std::array<epoll_event, 256> ready_{};
};

/// Waker is an eventfd: wake() from any thread makes it readable, so a loop
/// that watches it returns from Epoll::wait; the loop then calls clear().
class Waker {
 public:
  Waker();
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  void wake() noexcept;
  void clear() noexcept;

 private:
  UniqueFd fd_;
};

}  // namespace sslpp::cli
