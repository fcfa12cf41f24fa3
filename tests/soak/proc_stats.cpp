#include "proc_stats.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

namespace sslpp::soak {

namespace {

std::filesystem::path proc_dir(pid_t pid) { return std::filesystem::path("/proc") / std::to_string(pid); }

}  // namespace

std::size_t fd_count(pid_t pid) {
  std::error_code ec;
  std::size_t n = 0;
  for (std::filesystem::directory_iterator it(proc_dir(pid) / "fd", ec), end; !ec && it != end; it.increment(ec)) {
    ++n;
  }
  if (ec) {
    throw std::runtime_error("cannot list /proc/" + std::to_string(pid) + "/fd: " + ec.message());
  }
  // Listing our own fd directory opens one descriptor, which it then sees.
  return pid == ::getpid() && n > 0 ? n - 1 : n;
}

std::size_t rss_kib(pid_t pid) {
  std::ifstream status(proc_dir(pid) / "status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) {
      return std::stoul(line.substr(6));  // "VmRSS:   1234 kB"
    }
  }
  throw std::runtime_error("no VmRSS for process " + std::to_string(pid));
}

double cpu_seconds(pid_t pid) {
  std::ifstream stat(proc_dir(pid) / "stat");
  std::string text;
  std::getline(stat, text);
  // "PID (COMM) STATE ...": COMM may hold spaces, so count from its ')'.
  const std::size_t paren = text.rfind(')');
  if (paren == std::string::npos) {
    throw std::runtime_error("no /proc/" + std::to_string(pid) + "/stat");
  }
  std::istringstream fields(text.substr(paren + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) {  // fields 3 (state) to 13
    fields >> skip;
  }
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  fields >> utime >> stime;  // fields 14 and 15, in clock ticks
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::size_t settle_fds(pid_t pid, std::optional<std::size_t> target, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  std::size_t last = fd_count(pid);
  auto unchanged_since = Clock::now();
  for (;;) {
    const std::size_t n = fd_count(pid);
    if (n != last) {
      last = n;
      unchanged_since = Clock::now();
    }
    const bool still = !target && Clock::now() - unchanged_since >= std::chrono::milliseconds(250);
    if (n == target || still || Clock::now() >= deadline) {
      return n;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::size_t raise_nofile(std::size_t wanted) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    throw std::runtime_error("getrlimit failed");
  }
  if (lim.rlim_cur < wanted) {
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(wanted, lim.rlim_max);
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      throw std::runtime_error("setrlimit failed");
    }
  }
  return static_cast<std::size_t>(lim.rlim_cur);
}

}  // namespace sslpp::soak
