// byte_queue: the growable FIFO of bytes under the memory transport's two
// queues and the engine's gathered plaintext (write coalescing).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace sslpp::detail {

// byte_queue is a FIFO of bytes in one growable block. Reads advance `head`;
// when the queue empties both ends return to the start, so a connection in
// steady state reuses one block and never allocates.
//
// A driver that hands queue memory to an asynchronous call (a receive into
// input space, a send straight from the output) pins the queue for the
// call's duration, because other calls on the connection may run meanwhile
// (a write while a receive is in flight). While pinned, no byte already in
// the block, and no space handed out, moves or is freed: the queue does not
// return to the start, slide down or release its block, and when it must
// grow it keeps the old block until unpin().
class byte_queue {
 public:
  [[nodiscard]] std::size_t size() const noexcept { return tail_ - head_; }
  [[nodiscard]] bool empty() const noexcept { return tail_ == head_; }
  [[nodiscard]] std::span<const std::byte> data() const noexcept { return {block_.get() + head_, size()}; }
  // consume drops the first `n` bytes (at most size()).
  void consume(std::size_t n) noexcept;
  // space returns at least `n` writable bytes after the queued ones, moving
  // or growing the block as needed; commit(k) then appends the first k.
  // Throws std::bad_alloc.
  std::span<std::byte> space(std::size_t n);
  void commit(std::size_t n) noexcept { tail_ += n; }
  // append copies `bytes` to the end. Throws std::bad_alloc, having appended
  // nothing.
  void append(std::span<const std::byte> bytes);
  // read moves up to out.size() bytes out; returns how many.
  std::size_t read(std::span<std::byte> out) noexcept;
  // release gives the block back to the heap when the queue is empty.
  void release() noexcept;
  // pin / unpin: see the class comment. unpin does what consume deferred.
  void pin() noexcept { pinned_ = true; }
  void unpin() noexcept;
  [[nodiscard]] bool pinned() const noexcept { return pinned_; }
  // release_idle makes the queue give its block back whenever it empties
  // (Context::release_buffers): an idle connection then holds none, at the
  // price of an allocation per burst, as OpenSSL's own buffers in that mode.
  bool release_idle = false;

 private:
  std::unique_ptr<std::byte[]> block_;
  std::vector<std::unique_ptr<std::byte[]>> retired_;  // blocks a pinned queue outgrew
  bool pinned_ = false;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
};

}  // namespace sslpp::detail
