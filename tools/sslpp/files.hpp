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

}  // namespace sslpp::cli
