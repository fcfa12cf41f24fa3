#include "engine/byte_queue.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>

namespace sslpp::detail {

void byte_queue::consume(std::size_t n) noexcept {
  head_ += std::min(n, size());
  if (head_ == tail_ && !pinned_) {
    head_ = tail_ = 0;
    if (release_idle) {
      release();
    }
  }
}

void byte_queue::unpin() noexcept {
  pinned_ = false;
  retired_.clear();
  consume(0);  // return to the start, or release, as consume would have
}

std::span<std::byte> byte_queue::space(std::size_t n) {
  if (capacity_ - tail_ < n) {
    const std::size_t queued = size();
    if (n > std::numeric_limits<std::size_t>::max() / 2 - queued) {
      throw std::bad_alloc();  // no block that large: never wrap the arithmetic below
    }
    if (capacity_ - queued >= n && head_ > 0 && !pinned_) {
      std::memmove(block_.get(), block_.get() + head_, queued);  // room at the front: slide down
    } else {
      // Grow geometrically so a burst costs O(log n) allocations, once.
      const std::size_t wanted = std::max({queued + n, capacity_ * 2, std::size_t{4096}});
      auto bigger = std::make_unique_for_overwrite<std::byte[]>(wanted);
      if (queued > 0) {
        std::memcpy(bigger.get(), block_.get() + head_, queued);
      }
      if (pinned_ && block_) {
        retired_.reserve(retired_.size() + 1);  // may throw, before anything changed
        retired_.push_back(std::move(block_));  // an asynchronous call may still use it
      }
      block_ = std::move(bigger);
      capacity_ = wanted;
    }
    head_ = 0;
    tail_ = queued;
  }
  return {block_.get() + tail_, capacity_ - tail_};
}

void byte_queue::append(std::span<const std::byte> bytes) {
  if (!bytes.empty()) {
    std::memcpy(space(bytes.size()).data(), bytes.data(), bytes.size());
    commit(bytes.size());
  }
}

std::size_t byte_queue::read(std::span<std::byte> out) noexcept {
  const std::size_t n = std::min(out.size(), size());
  if (n > 0) {
    std::memcpy(out.data(), block_.get() + head_, n);
    consume(n);
  }
  return n;
}

void byte_queue::release() noexcept {
  if (empty() && !pinned_) {
    block_.reset();
    capacity_ = head_ = tail_ = 0;
  }
}

}  // namespace sslpp::detail
