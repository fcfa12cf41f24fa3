// replay_main: runs a fuzz target over files, without a fuzzing engine. Used
// by every build's ctest cases (GCC has no libFuzzer) to replay the
// generated seed corpora and the committed regressions.
//
//   fuzz_<target>_replay [--target NAME --skip-list FILE] PATH...
//
// Each PATH is a file or a directory of files. A file listed in the skip
// list as "NAME/<file name>" is skipped (a known finding not fixed yet). An
// input whose name starts with "ok_" is a recorded exchange that must reach
// the end of its scenario (see reached_end()); one that does not fails the
// run, which is how lost determinism shows.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "expect.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> expand(const std::vector<std::string>& args) {
  std::vector<fs::path> files;
  for (const std::string& arg : args) {
    if (fs::is_directory(arg)) {
      std::vector<fs::path> in_dir;
      for (const auto& entry : fs::directory_iterator(arg)) {
        if (entry.is_regular_file()) {
          in_dir.push_back(entry.path());
        }
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::exists(arg)) {
      files.emplace_back(arg);
    }
  }
  return files;
}

std::set<std::string> read_skip_list(const std::string& file) {
  std::set<std::string> skip;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (!line.empty()) {
      skip.insert(line);
    }
  }
  return skip;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target;
  std::set<std::string> skip;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--target" && i + 1 < argc) {
      target = argv[++i];
    } else if (arg == "--skip-list" && i + 1 < argc) {
      skip = read_skip_list(argv[++i]);
    } else {
      paths.emplace_back(arg);
    }
  }
  int run = 0;
  int skipped = 0;
  int ended = 0;
  int failures = 0;
  for (const fs::path& file : expand(paths)) {
    const std::string name = file.filename().string();
    if (skip.contains(target + "/" + name)) {
      ++skipped;
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    (void)sslpp_fuzz::take_reached_end();
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ++run;
    const bool reached = sslpp_fuzz::take_reached_end();
    ended += reached ? 1 : 0;
    if (name.starts_with("ok_") && !reached) {
      std::fprintf(stderr, "FAIL: %s is a recorded exchange but did not reach the end\n", file.c_str());
      ++failures;
    }
  }
  std::printf("replayed %d inputs (%d skipped as known failures), %d reached the end, %d failures\n", run, skipped,
              ended, failures);
  return failures == 0 && run > 0 ? 0 : 1;
}
