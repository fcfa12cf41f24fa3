#include "socket_pump.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace sslpp::cli {

namespace {

bool would_block(int err) noexcept { return err == EAGAIN || err == EWOULDBLOCK; }

// recv_some is recv(2) with EINTR retried; the result as a PumpResult step.
PumpResult recv_some(int fd, std::span<std::byte> into) noexcept {
  for (;;) {
    const ssize_t n = ::recv(fd, into.data(), into.size(), 0);
    if (n > 0) {
      return {.bytes = static_cast<std::size_t>(n)};
    }
    if (n == 0) {
      return {.eof = true};
    }
    if (errno != EINTR) {
      return {.error = would_block(errno) ? 0 : errno};
    }
  }
}

// pull reads the socket through `scratch` until it has nothing more, at
// EOF, on an error or after `budget` bytes, handing each read to `take`,
// which returns false when it cannot take the bytes.
template <typename Take>
PumpResult pull(int fd, std::span<std::byte> scratch, std::size_t budget, Take&& take) noexcept {
  PumpResult total;
  while (total.bytes < budget) {
    const PumpResult step = recv_some(fd, scratch.first(std::min(scratch.size(), budget - total.bytes)));
    if (step.bytes > 0 && !take(scratch.first(step.bytes))) {
      total.error = ENOMEM;
      return total;
    }
    total.bytes += step.bytes;
    total.eof = step.eof;
    total.error = step.error;
    if (step.bytes < scratch.size()) {
      break;  // drained (a short read), EOF or an error
    }
  }
  return total;
}

}  // namespace

PumpResult receive(Connection& tls, int fd, std::span<std::byte> scratch, std::size_t budget) noexcept {
  // bio_write takes less only when out of memory: the stream has a hole then.
  return pull(fd, scratch, budget, [&tls](std::span<const std::byte> got) { return tls.bio_write(got) == got.size(); });
}

PumpResult send_pending(Connection& tls, int fd) noexcept {
  PumpResult total;
  for (;;) {
    const std::span<const std::byte> out = tls.peek_output();
    if (out.empty()) {
      return total;
    }
    const ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      total.error = would_block(errno) ? 0 : errno;
      return total;
    }
    tls.consume_output(static_cast<std::size_t>(n));
    total.bytes += static_cast<std::size_t>(n);
  }
}

PumpResult discard(int fd, std::span<std::byte> scratch, std::size_t budget) noexcept {
  return pull(fd, scratch, budget, [](std::span<const std::byte>) { return true; });
}

}  // namespace sslpp::cli
