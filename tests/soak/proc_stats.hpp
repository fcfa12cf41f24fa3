// What the soak measures about a process, read from /proc: open
// descriptors, resident memory and CPU time; and the descriptor limit it
// needs.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include <sys/types.h>

namespace sslpp::soak {

// fd_count is how many descriptors `pid` has open (entries of
// /proc/PID/fd; for our own process the directory stream's descriptor is
// not counted). Throws std::runtime_error when the process is gone.
std::size_t fd_count(pid_t pid);

// rss_kib is VmRSS from /proc/PID/status, in KiB.
std::size_t rss_kib(pid_t pid);

// cpu_seconds is the CPU time `pid` has used, user plus system
// (/proc/PID/stat).
double cpu_seconds(pid_t pid);

// settle_fds waits until `pid` has `target` descriptors (without a target:
// until the count holds still for a quarter of a second) or `timeout`
// passes, and returns the last count: a peer's close() may land a moment
// after the close_notify that announced it.
std::size_t settle_fds(pid_t pid, std::optional<std::size_t> target, std::chrono::milliseconds timeout);

// raise_nofile raises the soft RLIMIT_NOFILE to at least `wanted` (capped
// at the hard limit; children inherit it) and returns the new soft limit.
std::size_t raise_nofile(std::size_t wanted);

}  // namespace sslpp::soak
