// sslpp_soak: the soak of issue 11 item 9. Many concurrent TLS connections
// through the example epoll_server, every echoed byte checked, the server's
// descriptors and resident memory watched; then many sequential in-memory
// handshakes with the heap watched. Prints the figures as text and as one
// JSON line; exits 1 if any criterion fails, 2 on bad usage. See README.md.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "concurrent.hpp"
#include "handshakes.hpp"
#include "report.hpp"

namespace {

using namespace sslpp::soak;

struct Options {
  ConcurrentOptions concurrent;
  HandshakeOptions handshakes;
  std::chrono::seconds timeout{0};  // 0: --seconds + 600
};

constexpr std::string_view usage =
    "usage: sslpp_soak [--concurrent N] [--waves W] [--seconds S] [--handshakes M]\n"
    "                  [--resume-every K] [--seed X] [--timeout T] [--server PATH]\n"
    "  --concurrent N    connections open at once in each wave (1000; 0 skips the concurrent soak)\n"
    "  --waves W         at most W waves (0: as many as start within --seconds, at least 2)\n"
    "  --seconds S       start waves for S seconds (60)\n"
    "  --handshakes M    sequential in-memory handshakes (100000; 0 skips them)\n"
    "  --resume-every K  every K-th handshake resumes a session (10; 0: all full)\n"
    "  --seed X          the payloads' seed (1)\n"
    "  --timeout T       hard limit for the whole run in seconds (S + 600)\n"
    "  --server PATH     the epoll_server example to soak\n";

Options parse(int argc, char** argv) {
  Options o;
  o.concurrent.server = SSLPP_SOAK_SERVER;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << usage;
      std::exit(0);
    }
    if (i + 1 >= argc) {
      throw std::invalid_argument("missing value for " + std::string(flag));
    }
    const std::string value = argv[++i];
    const auto number = [&value] { return static_cast<std::size_t>(std::stoull(value)); };
    if (flag == "--concurrent") {
      o.concurrent.connections = number();
    } else if (flag == "--waves") {
      o.concurrent.max_waves = number();
    } else if (flag == "--seconds") {
      o.concurrent.seconds = std::chrono::seconds(number());
    } else if (flag == "--handshakes") {
      o.handshakes.count = number();
    } else if (flag == "--resume-every") {
      o.handshakes.resume_every = number();
    } else if (flag == "--seed") {
      o.concurrent.seed = number();
    } else if (flag == "--timeout") {
      o.timeout = std::chrono::seconds(number());
    } else if (flag == "--server") {
      o.concurrent.server = value;
    } else {
      throw std::invalid_argument("unknown option " + std::string(flag));
    }
  }
  const auto limit = o.timeout.count() != 0 ? o.timeout : o.concurrent.seconds + std::chrono::seconds(600);
  o.concurrent.deadline = std::chrono::steady_clock::now() + limit;
  o.handshakes.deadline = o.concurrent.deadline;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n" << usage;
    return 2;
  }
  try {
    nlohmann::json json = nlohmann::json::object();
    bool passed = true;
    if (options.concurrent.connections > 0) {
      const ConcurrentReport r = run_concurrent(options.concurrent);
      print_text(std::cout, r);
      json["concurrent"] = to_json(r);
      passed = passed && r.failures.empty();
    }
    if (options.handshakes.count > 0) {
      const HandshakeReport r = run_handshakes(options.handshakes);
      print_text(std::cout, r);
      json["sequential"] = to_json(r);
      passed = passed && r.failures.empty();
    }
    json["passed"] = passed;
    std::cout << json.dump() << std::endl;
    return passed ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "sslpp_soak: " << e.what() << "\n";
    return 1;
  }
}
