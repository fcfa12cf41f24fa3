#include "memfile.hpp"

#include <stdexcept>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace sslpp_fuzz {

memfile::memfile(std::span<const std::byte> contents) : fd_(::memfd_create("sslpp-fuzz", MFD_CLOEXEC)) {
  if (fd_ < 0) {
    throw std::runtime_error("memfd_create failed");
  }
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd_, contents.data() + done, contents.size() - done);
    if (n <= 0) {
      ::close(fd_);
      throw std::runtime_error("memfd write failed");
    }
    done += static_cast<std::size_t>(n);
  }
}

memfile::~memfile() { ::close(fd_); }

std::filesystem::path memfile::path() const { return "/proc/self/fd/" + std::to_string(fd_); }

}  // namespace sslpp_fuzz
