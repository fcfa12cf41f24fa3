// sslpp_soak: the soak of issue 11 item 9 and the idle hold of issue 12.
// Many concurrent TLS connections through a server (the example
// epoll_server, or `sslpp serve` with --serve), every echoed byte checked,
// the server's descriptors and resident memory watched; N connections held
// idle at once, with the server's memory per connection and its handshakes
// per second meanwhile; then many sequential in-memory handshakes with the
// heap watched. Prints the figures as text and as one JSON line; exits 1 if
// any criterion fails, 2 on bad usage. See README.md.
#include <algorithm>
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
#include "idle.hpp"
#include "proc_stats.hpp"
#include "report.hpp"
#include "server_process.hpp"

namespace {

using namespace sslpp::soak;

struct Options {
  ServerCommand server;
  ConcurrentOptions concurrent;
  IdleOptions idle;
  HandshakeOptions handshakes;
  std::chrono::seconds timeout{0};  // 0: --seconds + 600
};

#ifdef SSLPP_SOAK_SSLPP
constexpr const char* kSslpp = SSLPP_SOAK_SSLPP;
#else
constexpr const char* kSslpp = "";  // built without the sslpp command: --serve needs --sslpp
#endif

constexpr std::string_view usage =
    "usage: sslpp_soak [--concurrent N] [--waves W] [--seconds S] [--idle N] [--idle-handshakes M]\n"
    "                  [--in-flight K] [--hold S] [--handshakes M] [--resume-every K] [--seed X]\n"
    "                  [--timeout T] [--server PATH] [--serve] [--sslpp PATH]\n"
    "  --concurrent N       connections open at once in each wave (1000; 0 skips the concurrent soak)\n"
    "  --waves W            at most W waves (0: as many as start within --seconds, at least 3)\n"
    "  --seconds S          start waves for S seconds (60)\n"
    "  --idle N             hold N idle connections at once, then check each still echoes (0: skip; 0)\n"
    "  --idle-handshakes M  more handshakes made while the N are held, for the rate (1000)\n"
    "  --in-flight K        handshakes under way at once while opening the N and the M (32)\n"
    "  --hold S             seconds the N stay idle before the server is measured (2)\n"
    "  --handshakes M       sequential in-memory handshakes (100000; 0 skips them)\n"
    "  --resume-every K     every K-th handshake resumes a session (10; 0: all full)\n"
    "  --seed X             the payloads' seed (1)\n"
    "  --timeout T          hard limit for the whole run in seconds (S + 600)\n"
    "  --server PATH        the epoll_server example to load\n"
    "  --serve              load `sslpp serve` instead of the example\n"
    "  --sslpp PATH         the sslpp command for --serve\n";

Options parse(int argc, char** argv) {
  Options o;
  o.server.path = SSLPP_SOAK_SERVER;
  std::string sslpp = kSslpp;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << usage;
      std::exit(0);
    }
    if (flag == "--serve") {
      o.server.kind = ServerKind::serve;
      continue;
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
      if (o.concurrent.max_waves != 0 && o.concurrent.max_waves < min_waves) {
        throw std::invalid_argument("--waves needs at least " + std::to_string(min_waves) + " (" +
                                    std::to_string(rss_warmup_waves) + " to warm up, one to compare), or 0");
      }
    } else if (flag == "--seconds") {
      o.concurrent.seconds = std::chrono::seconds(number());
    } else if (flag == "--idle") {
      o.idle.connections = number();
    } else if (flag == "--idle-handshakes") {
      o.idle.extra_handshakes = number();
    } else if (flag == "--in-flight") {
      o.idle.in_flight = std::max<std::size_t>(number(), 1);
    } else if (flag == "--hold") {
      o.idle.hold = std::chrono::seconds(number());
    } else if (flag == "--handshakes") {
      o.handshakes.count = number();
    } else if (flag == "--resume-every") {
      o.handshakes.resume_every = number();
    } else if (flag == "--seed") {
      o.concurrent.seed = number();
      o.idle.seed = o.concurrent.seed;
    } else if (flag == "--timeout") {
      o.timeout = std::chrono::seconds(number());
    } else if (flag == "--server") {
      o.server.path = value;
    } else if (flag == "--sslpp") {
      sslpp = value;
    } else {
      throw std::invalid_argument("unknown option " + std::string(flag));
    }
  }
  if (o.server.kind == ServerKind::serve) {
    if (sslpp.empty()) {
      throw std::invalid_argument("--serve needs --sslpp PATH (built without the sslpp command)");
    }
    o.server.path = sslpp;
  }
  const auto limit = o.timeout.count() != 0 ? o.timeout : o.concurrent.seconds + std::chrono::seconds(600);
  o.concurrent.deadline = std::chrono::steady_clock::now() + limit;
  o.idle.deadline = o.concurrent.deadline;
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
    if (options.concurrent.connections > 0 || options.idle.connections > 0) {
      // Each process holds a descriptor per connection plus a few; the
      // server inherits the limit (serve raises its own as well).
      raise_nofile(std::max(options.concurrent.connections, options.idle.connections + options.idle.in_flight) + 256);
      const ServerProcess server(options.server);
      // The idle hold first: its memory per connection is the growth over
      // a fresh server's, not a share of what earlier waves left free.
      if (options.idle.connections > 0) {
        const IdleReport r = run_idle(options.idle, server);
        print_text(std::cout, r);
        json["idle"] = to_json(r);
        passed = passed && r.failures.empty();
      }
      if (options.concurrent.connections > 0) {
        const ConcurrentReport r = run_concurrent(options.concurrent, server);
        print_text(std::cout, r);
        json["concurrent"] = to_json(r);
        passed = passed && r.failures.empty();
      }
      json["server"] = options.server.kind == ServerKind::serve ? "sslpp serve" : "examples/epoll_server";
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
