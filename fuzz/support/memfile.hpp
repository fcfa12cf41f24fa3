// memfile: bytes behind a file name, for the APIs that only take paths
// (load_cert_chain, load_tmp_dh, ...). An anonymous memory file named
// through /proc/self/fd: nothing touches the disk and nothing is left
// behind, whatever the input does.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace sslpp_fuzz {

class memfile {
 public:
  explicit memfile(std::span<const std::byte> contents);
  ~memfile();
  memfile(const memfile&) = delete;
  memfile& operator=(const memfile&) = delete;

  [[nodiscard]] std::filesystem::path path() const;

 private:
  int fd_;
};

}  // namespace sslpp_fuzz
