// Waiting on a descriptor with a deadline: the one place sslpp blocks.
#pragma once

#include <chrono>
#include <optional>

#include <sslpp/socket.hpp>

namespace sslpp::detail {

// max_timeout_seconds is the longest timeout accepted (about 31 years).
inline constexpr double max_timeout_seconds = 1e9;

// check_timeout throws ValueError for a timeout that is NaN, negative,
// infinite or over max_timeout_seconds. Every call that takes a Timeout
// checks it before use.
void check_timeout(Timeout timeout);

// deadline_after turns a Python-style timeout into an absolute deadline
// (nullopt: no deadline).
std::optional<std::chrono::steady_clock::time_point> deadline_after(Timeout timeout);

// wait_fd polls `fd` for `events` until ready (true) or the deadline passes
// (false). EINTR is retried; other poll failures throw OSError.
bool wait_fd(int fd, short events, std::optional<std::chrono::steady_clock::time_point> deadline);

// alert_linger is how long a socket driver waits, at most, for the peer to
// close after a fatal alert (see linger_for_peer_close).
inline constexpr std::chrono::milliseconds alert_linger{1000};

// linger_for_peer_close ends our side of a stream socket gracefully before
// it is closed: shuts down writing (a FIN follows what we sent, e.g. a
// fatal alert), then reads and drops whatever the peer still sends until it
// closes, fails, or `limit` passes (zero: only what has arrived already).
// Closing with unread input would make the kernel send a reset, which can
// destroy the alert before the peer reads it. Never throws.
void linger_for_peer_close(int fd, std::chrono::milliseconds limit) noexcept;

}  // namespace sslpp::detail
