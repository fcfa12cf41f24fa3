// DeadlineQueue: the event-loop server's timers, one min-heap of (time,
// key) for every connection's deadline.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

namespace sslpp::cli {

/// DeadlineQueue holds reminders: an entry says "look at `key` at `when`",
/// not "`key` expires at `when`". The owner checks each popped entry
/// against the connection it names (still there? still due then?), so a
/// deadline that moves later costs nothing until the old entry comes up
/// (the owner then pushes the new one), and only a deadline that moves
/// earlier needs a push. That keeps activity on a connection (which moves
/// its idle deadline later on every read) off the heap entirely.
template <typename Key>
class DeadlineQueue {
 public:
  using Clock = std::chrono::steady_clock;

  void push(Clock::time_point when, Key key) { heap_.push({when, key}); }

  /// next is the earliest reminder's time, if any.
  [[nodiscard]] std::optional<Clock::time_point> next() const {
    return heap_.empty() ? std::nullopt : std::optional(heap_.top().first);
  }

  /// pop_due removes and returns the earliest reminder if it is due at `now`.
  std::optional<std::pair<Clock::time_point, Key>> pop_due(Clock::time_point now) {
    if (heap_.empty() || heap_.top().first > now) {
      return std::nullopt;
    }
    auto entry = heap_.top();
    heap_.pop();
    return entry;
  }

 private:
  using Entry = std::pair<Clock::time_point, Key>;
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const noexcept { return a.first > b.first; }
  };
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
};

}  // namespace sslpp::cli
