// Helpers for the tests of the sslpp command: run the real binary (bounded),
// start `sslpp serve` and the independent peers (openssl, GnuTLS, python3),
// and ask python3's ssl module for the expected answers.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sslpp/sslpp.hpp>

#include "support/pki.hpp"
#include "support/subprocess.hpp"

namespace sslpp::cli_test {

using namespace std::chrono_literals;
using test::pki;
using test::Subprocess;

inline constexpr const char* kGnutlsServ = "/usr/bin/gnutls-serv";
inline constexpr const char* kGnutlsCli = "/usr/bin/gnutls-cli";

// A whole command run takes well under a second; this bounds a stuck one.
inline constexpr std::chrono::milliseconds kRunTimeout = 30s;

inline std::string path(const std::filesystem::path& p) { return p.string(); }

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Outcome is one finished command: its exit status and its output.
struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
  // describe is everything, for failure messages.
  [[nodiscard]] std::string describe() const {
    return "exit " + std::to_string(status) + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
  }
  // one_error_line is true when stderr is exactly one line starting with "Class: ".
  [[nodiscard]] bool one_error_line(std::string_view class_name) const {
    return err.starts_with(std::string(class_name) + ": ") && err.find('\n') == err.size() - 1;
  }
};

// run_program runs argv to completion (bounded), feeding `input` on stdin.
inline Outcome run_program(std::vector<std::string> argv, std::string_view input = {},
                       std::chrono::milliseconds timeout = kRunTimeout) {
  Subprocess p(std::move(argv));
  if (!input.empty()) {
    p.write_stdin(input);
  }
  p.close_stdin();
  Outcome r;
  r.out = p.read_all(timeout);
  r.status = p.wait(timeout).value_or(-1);
  r.err = p.stderr_text();
  return r;
}

// sslpp runs the sslpp command with `args`.
inline Outcome sslpp(std::vector<std::string> args, std::string_view input = {},
                 std::chrono::milliseconds timeout = kRunTimeout) {
  args.insert(args.begin(), SSLPP_CLI);
  return run_program(std::move(args), input, timeout);
}

// python runs a python3 script (-c) with arguments and returns its stdout;
// a failing script fails the test.
inline std::string python(const std::string& script, std::vector<std::string> args = {}) {
  std::vector<std::string> argv{SSLPP_PYTHON3, "-c", script};
  argv.insert(argv.end(), args.begin(), args.end());
  const Outcome r = run_program(std::move(argv));
  EXPECT_EQ(r.status, 0) << script << "\n" << r.describe();
  return r.out;
}

// python_decode is Python's decoded certificate of a PEM file, as JSON text
// (the oracle for sslpp decode and for every "peercert").
inline std::string python_decode(const std::filesystem::path& pem) {
  std::string out = python("import ssl, json, sys; print(json.dumps(ssl._ssl._test_decode_cert(sys.argv[1]), "
                           "ensure_ascii=False))",
                           {path(pem)});
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

// port_after_colon reads the port at the end of "... HOST:PORT" or "... PORT".
inline std::uint16_t port_after_colon(const std::string& line) {
  const std::size_t pos = line.find_last_of(" :");
  const int port = std::stoi(line.substr(pos + 1));
  if (port <= 0 || port > 65535) {
    throw std::runtime_error("no port in: " + line);
  }
  return static_cast<std::uint16_t>(port);
}

// free_port is a port nobody listens on right now (for refused
// connections and for gnutls-serv, which cannot pick its own).
inline std::uint16_t free_port() {
  Socket probe(AF_INET);
  probe.bind("127.0.0.1", 0);
  return probe.getsockname().port;
}

inline std::string endpoint(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// Serve is `sslpp serve` running as a child, with its port read from its
// first line ("listening on HOST:PORT").
struct Serve {
  explicit Serve(std::vector<std::string> args) : proc(argv(std::move(args))) {
    first_line = proc.read_line().value_or("");
    if (!first_line.starts_with("listening on ")) {
      throw std::runtime_error("sslpp serve did not start: " + proc.describe());
    }
    port = port_after_colon(first_line);
  }
  static std::vector<std::string> argv(std::vector<std::string> args) {
    args.insert(args.begin(), {SSLPP_CLI, "serve"});
    return args;
  }
  // event reads the next JSON line (a connection's event).
  nlohmann::json event() {
    const auto line = proc.read_line();
    if (!line) {
      throw std::runtime_error("no event line from sslpp serve: " + proc.describe());
    }
    return nlohmann::json::parse(*line);
  }
  Subprocess proc;
  std::string first_line;
  std::uint16_t port = 0;
};

// serve_args are the options for `sslpp serve` with the test server cert.
inline std::vector<std::string> serve_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> a{"--cert", path(pki().server.cert), "--key", path(pki().server.key)};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// OpenSSLServer is `openssl s_server -rev` for one connection on a port it
// picks, serving `creds` (default: pki().server).
struct OpenSSLServer {
  explicit OpenSSLServer(std::vector<std::string> extra, const test::CredentialFiles* creds = nullptr)
      : proc(argv(std::move(extra), creds != nullptr ? *creds : pki().server)) {
    const auto line = proc.wait_for_line("ACCEPT");
    if (!line) {
      throw std::runtime_error("s_server did not start: " + proc.describe());
    }
    port = port_after_colon(*line);
  }
  static std::vector<std::string> argv(std::vector<std::string> extra, const test::CredentialFiles& creds) {
    std::vector<std::string> a{SSLPP_OPENSSL, "s_server", "-accept", "127.0.0.1:0", "-naccept", "1",
                               "-rev",        "-cert",    path(creds.cert), "-key", path(creds.key)};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  Subprocess proc;
  std::uint16_t port = 0;
};

// GnutlsServer is `gnutls-serv --echo` on a free port (retrying when
// another process takes the port first). Its readiness goes to stderr,
// which /bin/sh merges into stdout.
struct GnutlsServer {
  explicit GnutlsServer(const std::vector<std::string>& extra) {
    for (int attempt = 0; attempt < 5 && !proc; ++attempt) {
      port = free_port();
      std::vector<std::string> argv{"/bin/sh",      "-c",           "exec \"$0\" \"$@\" 2>&1",
                                    kGnutlsServ,    "--echo",       "--port",
                                    std::to_string(port), "--x509certfile", path(pki().server.cert),
                                    "--x509keyfile", path(pki().server.key)};
      argv.insert(argv.end(), extra.begin(), extra.end());
      auto p = std::make_unique<Subprocess>(std::move(argv));
      const auto line = p->wait_for_line("IPv4");
      if (line && contains(*line, "...done")) {
        proc = std::move(p);
      }
    }
    if (!proc) {
      throw std::runtime_error("gnutls-serv could not start");
    }
  }
  // finish stops it (SIGTERM makes it flush its report) and returns its output.
  std::string finish() {
    proc->kill(SIGTERM);
    proc->wait();
    return proc->stdout_seen() + proc->read_all();
  }
  std::unique_ptr<Subprocess> proc;
  std::uint16_t port = 0;
};

// json_of parses a command's stdout as exactly one JSON object.
inline nlohmann::json json_of(const Outcome& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not one JSON object: " << e.what() << "\n" << r.describe();
    return nlohmann::json::object();
  }
}

}  // namespace sslpp::cli_test
