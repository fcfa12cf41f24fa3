#include "support/netns.hpp"

#include <gtest/gtest.h>

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <string>
#include <thread>

#include "support/socket_driver.hpp"

namespace sslpp::test {

namespace {

// narrow_loopback moves the calling thread into a new network namespace
// and brings its loopback up with `mtu`. Returns "" or what failed.
std::string narrow_loopback(int mtu) {
  // unshare moves this thread only: the rest of the test process keeps
  // the machine's network.
  if (::unshare(CLONE_NEWNET) != 0) {
    return std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
  }
  const Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return std::string("socket: ") + std::strerror(errno);
  }
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  ifr.ifr_mtu = mtu;
  if (::ioctl(fd.get(), SIOCSIFMTU, &ifr) != 0) {
    return std::string("SIOCSIFMTU: ") + std::strerror(errno);
  }
  if (::ioctl(fd.get(), SIOCGIFFLAGS, &ifr) != 0) {
    return std::string("SIOCGIFFLAGS: ") + std::strerror(errno);
  }
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(fd.get(), SIOCSIFFLAGS, &ifr) != 0) {
    return std::string("SIOCSIFFLAGS: ") + std::strerror(errno);
  }
  return {};
}

}  // namespace

void in_narrow_loopback(int mtu, const std::function<void()>& fn) {
  std::string failed;
  std::exception_ptr thrown;
  std::thread([&] {
    failed = narrow_loopback(mtu);
    if (failed.empty()) {
      try {
        fn();
      } catch (...) {
        thrown = std::current_exception();
      }
    }
  }).join();
  if (!failed.empty()) {
    ADD_FAILURE() << "a network namespace of the test's own (needs CAP_SYS_ADMIN): " << failed;
  }
  if (thrown) {
    std::rethrow_exception(thrown);
  }
}

}  // namespace sslpp::test
