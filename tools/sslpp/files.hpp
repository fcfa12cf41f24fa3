// Reading and writing the files named on the command line, "-" meaning
// stdin / stdout. Failures are sslpp's OSError with Python's wording
// ("[Errno 2] No such file or directory: 'x'").
#pragma once

#include <string>
#include <string_view>

namespace sslpp::cli {

/// read_input returns the whole content of `path` ("-": stdin), as bytes.
std::string read_input(const std::string& path);

/// write_output replaces `path` ("-": stdout) with `data`.
void write_output(const std::string& path, std::string_view data);
/// write_secret_output is write_output for a secret (a TLS session): the
/// file is created, or narrowed, to mode 0600.
void write_secret_output(const std::string& path, std::string_view data);
/// write_all writes all of `data` to the descriptor `fd`; OSError naming
/// `name` when it cannot.
void write_all(int fd, std::string_view data, const std::string& name);

}  // namespace sslpp::cli
