#include "files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>

#include <sslpp/error.hpp>

namespace sslpp::cli {

namespace {

// POSIX calls rather than iostreams: they give the errno that the report
// needs ("Is a directory"), where a filebuf throws its own text or none.

[[noreturn]] void file_error(const std::string& path) {
  throw OSError(os_error_info(errno != 0 ? errno : EIO, "'" + path + "'"));
}

// Fd closes a descriptor this file opened.
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ > STDERR_FILENO) {
      ::close(fd_);
    }
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string read_input(const std::string& path) {
  const Fd fd(path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  const std::string name = path == "-" ? "<stdin>" : path;
  if (fd.get() < 0) {
    file_error(name);
  }
  std::string data;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) {
      return data;
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      file_error(name);
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
}

namespace {

void write_file(const std::string& path, std::string_view data, mode_t mode) {
  if (path == "-") {
    std::cout.flush();  // keep the order of anything printed before
  }
  const Fd fd(path == "-" ? STDOUT_FILENO : ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  const std::string name = path == "-" ? "<stdout>" : path;
  if (fd.get() < 0) {
    file_error(name);
  }
  // An existing file keeps its mode through O_TRUNC: a secret narrows it.
  if (path != "-" && mode == 0600 && ::fchmod(fd.get(), mode) != 0) {
    file_error(name);
  }
  write_all(fd.get(), data, name);
}

}  // namespace

void write_all(int fd, std::string_view data, const std::string& name) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      file_error(name);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void write_output(const std::string& path, std::string_view data) { write_file(path, data, 0644); }

void write_secret_output(const std::string& path, std::string_view data) { write_file(path, data, 0600); }

}  // namespace sslpp::cli
