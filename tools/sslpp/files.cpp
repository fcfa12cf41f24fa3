#include "files.hpp"

#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <sslpp/error.hpp>

namespace sslpp::cli {

namespace {

[[noreturn]] void file_error(const std::string& path) {
  // errno 0 would read "[Errno 0] Success": say EIO then.
  throw OSError(os_error_info(errno != 0 ? errno : EIO, "'" + path + "'"));
}

}  // namespace

std::string read_input(const std::string& path) {
  if (path == "-") {
    std::ostringstream all;
    all << std::cin.rdbuf();
    if (std::cin.bad()) {
      file_error("<stdin>");
    }
    return std::move(all).str();
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    file_error(path);
  }
  std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    file_error(path);  // e.g. a directory: opens, but cannot be read
  }
  return data;
}

void write_output(const std::string& path, std::string_view data) {
  if (path == "-") {
    std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
    std::cout.flush();
    if (!std::cout) {
      file_error("<stdout>");
    }
    return;
  }
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) {
    file_error(path);
  }
}

}  // namespace sslpp::cli
