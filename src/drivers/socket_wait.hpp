// Waiting on a descriptor with a deadline: the one place sslpp blocks.
#pragma once

#include <chrono>
#include <optional>

#include <sslpp/socket.hpp>

namespace sslpp::detail {

// deadline_after turns a Python-style timeout into an absolute deadline
// (nullopt: no deadline).
std::optional<std::chrono::steady_clock::time_point> deadline_after(Timeout timeout);

// wait_fd polls `fd` for `events` until ready (true) or the deadline passes
// (false). EINTR is retried; other poll failures throw OSError.
bool wait_fd(int fd, short events, std::optional<std::chrono::steady_clock::time_point> deadline);

}  // namespace sslpp::detail
