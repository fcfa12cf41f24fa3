#include "epoll.hpp"

#include <sys/eventfd.h>

#include <algorithm>
#include <cerrno>

#include <sslpp/error.hpp>

namespace sslpp::cli {

namespace {

[[noreturn]] void throw_errno(const char* what) { throw_error(os_error_info(errno, what)); }

}  // namespace

Epoll::Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (fd_.get() < 0) {
    throw_errno("epoll_create1");
  }
}

void Epoll::add(int fd, std::uint32_t events, std::uint64_t key) { control(EPOLL_CTL_ADD, fd, events, key); }

void Epoll::modify(int fd, std::uint32_t events, std::uint64_t key) { control(EPOLL_CTL_MOD, fd, events, key); }

void Epoll::control(int op, int fd, std::uint32_t events, std::uint64_t key) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = key;
  if (::epoll_ctl(fd_.get(), op, fd, &ev) != 0) {
    throw_errno("epoll_ctl");
  }
}

std::span<const epoll_event> Epoll::wait(std::optional<std::chrono::milliseconds> timeout) {
  // Clamped so the count fits epoll_wait's int; a caller with a later
  // deadline simply waits again.
  const int ms = timeout ? static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(timeout->count(), 0, 3600000))
                         : -1;
  const int n = ::epoll_wait(fd_.get(), ready_.data(), static_cast<int>(ready_.size()), ms);
  if (n < 0) {
    if (errno == EINTR) {
      return {};
    }
    throw_errno("epoll_wait");
  }
  return std::span(ready_).first(static_cast<std::size_t>(n));
}

Waker::Waker() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_.get() < 0) {
    throw_errno("eventfd");
  }
}

void Waker::wake() noexcept {
  const std::uint64_t one = 1;
  // Only fails when the counter would overflow: it is readable already.
  [[maybe_unused]] const ssize_t n = ::write(fd_.get(), &one, sizeof one);
}

void Waker::clear() noexcept {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(fd_.get(), &count, sizeof count);
}

}  // namespace sslpp::cli
