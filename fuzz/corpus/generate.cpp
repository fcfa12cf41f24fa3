// sslpp_fuzz_corpus: writes the seed corpora, one directory per target.
//
//   sslpp_fuzz_corpus --target NAME --out DIR   one target's seeds into DIR
//   sslpp_fuzz_corpus --all --out ROOT          every target, into ROOT/<target>
//   [--limbo FILE]                              x509-limbo's limbo.json (certificates)
//
// DIR is emptied first. The output is the same in every run (see
// support/deterministic.hpp); ctest's fuzz_corpus_deterministic checks it.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <string_view>

#include "corpus/seeds.hpp"

namespace {

namespace fs = std::filesystem;
using namespace sslpp_fuzz::corpus;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::map<std::string, std::function<seeds()>> generators(const std::string& limbo_path) {
  return {
      {"client_handshake", client_handshake_seeds},
      {"server_handshake", server_handshake_seeds},
      {"records", records_seeds},
      {"certificate", [limbo_path] { return certificate_seeds(read_file(limbo_path)); }},
      {"credentials", credentials_seeds},
      {"match_hostname", match_hostname_seeds},
      {"cert_time", cert_time_seeds},
      {"api_sequence", api_sequence_seeds},
      {"dtls", dtls_seeds},
  };
}

void write(const fs::path& dir, const seeds& list) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const seed& s : list) {
    std::ofstream(dir / s.name, std::ios::binary) << s.bytes;
  }
  std::printf("%s: %zu seeds\n", dir.c_str(), list.size());
}

int usage() {
  std::fprintf(stderr, "usage: sslpp_fuzz_corpus (--target NAME | --all) --out DIR [--limbo FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target;
  std::string out;
  std::string limbo = SSLPP_FUZZ_LIMBO;
  bool all = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--all") {
      all = true;
    } else if (arg == "--target" && i + 1 < argc) {
      target = argv[++i];
    } else if (arg == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (arg == "--limbo" && i + 1 < argc) {
      limbo = argv[++i];
    } else {
      return usage();
    }
  }
  if (out.empty() || all == !target.empty()) {
    return usage();
  }
  const auto gens = generators(limbo);
  if (all) {
    for (const auto& [name, gen] : gens) {
      write(fs::path(out) / name, gen());
    }
    return 0;
  }
  const auto it = gens.find(target);
  if (it == gens.end()) {
    std::fprintf(stderr, "unknown target %s\n", target.c_str());
    return 2;
  }
  write(out, it->second());
  return 0;
}
