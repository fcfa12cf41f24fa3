// The Python side of sslpp_socket_bench: a script for Debian's python3 that
// measures Python's ssl module over TCP loopback doing what the C++ cases do
// (client and server in one process, the server on a thread), and prints one
// line per repetition; and run_python, which runs it in a child process and
// collects its results. The script is kept here, as a string, so the
// benchmark binary needs no file beside it.
//
// The script's arguments: CERTDIR REPETITIONS MIN_TIME FIXED_ITERATIONS CASES
//   CERTDIR holds ca.pem, cert.pem and key.pem; FIXED_ITERATIONS > 0 runs each
//   case once for exactly that many iterations (for callgrind); CASES is a
//   comma-separated list of handshake_ecdsa, bulk_16384, bulk_1024.
// Its output lines:
//   negotiated TLSv1.3 TLS_AES_256_GCM_SHA384
//   result <case> <rate>        (handshakes/s, or bytes/s for bulk)
#pragma once

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "socket_bench_sides.hpp"

extern char** environ;

namespace sslpp_bench {

inline constexpr const char* kPythonScript = R"PY(
import socket
import ssl
import sys
import threading
import time

HOST = "127.0.0.1"
NAME = "localhost"
READ_SIZE = 16384


def contexts(certdir):
    # Python's own defaults for each role: the client verifies the chain and
    # the hostname, TLS 1.2 minimum, Python's cipher string; as sslpp's.
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certdir + "/cert.pem", certdir + "/key.pem")
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(certdir + "/ca.pem")
    return client, server


class Server:
    """A listening SSLSocket on 127.0.0.1 served by a thread running fn."""

    def __init__(self, server_ctx, fn):
        self.listener = server_ctx.wrap_socket(socket.socket(socket.AF_INET), server_side=True)
        self.listener.bind((HOST, 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.error = None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn):
        try:
            fn(self.listener)
        except BaseException as e:  # reported by join()
            self.error = e

    def join(self):
        self.thread.join()
        self.listener.close()
        if self.error is not None:
            raise self.error


def connect(client_ctx, port):
    return client_ctx.wrap_socket(socket.create_connection((HOST, port)), server_hostname=NAME)


def run_handshakes(client_ctx, server_ctx, n):
    # One iteration: TCP connect, full handshake (verified), close_notify
    # exchange, close; the server does the same from its side.
    def serve(listener):
        for _ in range(n):
            conn, _ = listener.accept()
            conn.unwrap().close()

    server = Server(server_ctx, serve)
    start = time.perf_counter()
    for _ in range(n):
        s = connect(client_ctx, server.port)
        s.unwrap().close()
    elapsed = time.perf_counter() - start
    server.join()
    return elapsed, n


def receive(conn, buf, got, until):
    while got < until:
        r = conn.recv_into(buf)
        if r == 0:
            raise EOFError("the client closed early")
        got += r
    return got


def run_bulk(client_ctx, server_ctx, n, size):
    # One warm-up write, then n timed writes of `size` bytes; the server
    # reads and discards and acknowledges each phase with one byte, so the
    # timing ends when the server has everything.
    total = (n + 1) * size

    def serve(listener):
        conn, _ = listener.accept()
        with conn:
            buf = bytearray(READ_SIZE)
            got = receive(conn, buf, 0, size)
            conn.sendall(b"k")
            receive(conn, buf, got, total)
            conn.sendall(b"k")

    server = Server(server_ctx, serve)
    payload = b"\x5a" * size
    with connect(client_ctx, server.port) as s:
        s.sendall(payload)
        if s.recv(1) != b"k":
            raise RuntimeError("no acknowledgement")
        start = time.perf_counter()
        for _ in range(n):
            s.sendall(payload)
        if s.recv(1) != b"k":
            raise RuntimeError("no acknowledgement")
        elapsed = time.perf_counter() - start
    server.join()
    return elapsed, n * size


def calibrate(run, min_time):
    # As Google Benchmark does: grow the iteration count until one run takes
    # about min_time. Bounded: at most 30 tries.
    n = 1
    for _ in range(30):
        elapsed, _ = run(n)
        if elapsed >= min_time or n >= 10_000_000:
            return n
        if elapsed <= 0:
            n *= 10
        else:
            n = max(n + 1, min(n * 10, int(n * 1.4 * min_time / elapsed)))
    return n


def main():
    certdir, repetitions, min_time, fixed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    cases = [c for c in sys.argv[5].split(",") if c]
    client_ctx, server_ctx = contexts(certdir)

    def probe(listener):
        conn, _ = listener.accept()
        conn.unwrap().close()

    server = Server(server_ctx, probe)
    s = connect(client_ctx, server.port)
    print("negotiated", s.version(), s.cipher()[0], flush=True)
    s.unwrap().close()
    server.join()

    runs = {
        "handshake_ecdsa": lambda n: run_handshakes(client_ctx, server_ctx, n),
        "bulk_16384": lambda n: run_bulk(client_ctx, server_ctx, n, 16384),
        "bulk_1024": lambda n: run_bulk(client_ctx, server_ctx, n, 1024),
    }
    for case in cases:
        run = runs[case]
        if fixed > 0:
            n, reps = fixed, 1
        else:
            n, reps = calibrate(run, min_time), repetitions
        for _ in range(reps):
            elapsed, amount = run(n)
            print("result", case, amount / elapsed, flush=True)


main()
)PY";

}  // namespace sslpp_bench

namespace sslpp_bench::loopback {

// ===========================================================================
// Python's ssl, in a child process

// TempDir is a private directory under /tmp, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sslpp_socket_bench.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw_errno("mkdtemp");
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream out(path_ / name, std::ios::binary);
    out << text;
    if (!out.flush()) {
      throw std::runtime_error("cannot write " + (path_ / name).string());
    }
  }

 private:
  std::filesystem::path path_;
};

// ChildProcess runs a command with its stdout on a pipe. If it is still
// running when this object goes, it is killed and reaped: no process is
// left behind, whatever happens to the benchmark.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv) {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
      throw_errno("pipe2");
    }
    out_ = UniqueFd(fds[0]);
    UniqueFd write_end(fds[1]);
    posix_spawn_file_actions_t actions;
    if (::posix_spawn_file_actions_init(&actions) != 0) {
      throw std::runtime_error("posix_spawn_file_actions_init failed");
    }
    // dup2 clears close-on-exec on the copy; the originals close at exec.
    ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    const int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error(std::string("cannot run ") + argv[0] + ": " + std::strerror(rc));
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      static_cast<void>(wait());
    }
  }

  // read_all collects stdout until the child closes it or `limit` passes;
  // returns nullopt on timeout.
  std::optional<std::string> read_all(std::chrono::seconds limit) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return std::nullopt;
      }
      pollfd p{out_.get(), POLLIN, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
      if (rc < 0 && errno != EINTR) {
        throw_errno("poll");
      }
      if (rc <= 0) {
        continue;
      }
      std::array<char, 4096> buf;  // NOLINT: filled before use
      const ssize_t n = ::read(out_.get(), buf.data(), buf.size());
      if (n == 0) {
        return text;
      }
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        throw_errno("read");
      }
      text.append(buf.data(), static_cast<std::size_t>(n));
    }
  }

  // wait reaps the child and returns its exit status (-1 when it did not
  // exit normally).
  int wait() {
    int status = 0;
    pid_t r = -1;
    for (int attempt = 0; attempt < 100; ++attempt) {
      r = ::waitpid(pid_, &status, 0);
      if (r >= 0 || errno != EINTR) {
        break;
      }
    }
    pid_ = -1;
    return r > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  UniqueFd out_;
};

// PythonResults is what run_python collected.
struct PythonResults {
  std::string negotiated;
  std::map<std::string, std::vector<double>> rates;  // case -> one rate per repetition
  std::string error;
};

// split_words splits `text` at white space.
inline std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  std::string w;
  while (in >> w) {
    words.push_back(w);
  }
  return words;
}

// run_python runs the script with `command` (a python3 and its arguments)
// for `cases`, in a temporary directory holding the test PKI, and collects
// what it printed; any failure is in `error`.
inline PythonResults run_python(const std::vector<std::string>& command, int repetitions, double min_time,
                                long long fixed_iterations, const std::vector<std::string>& cases) {
  PythonResults results;
  if (cases.empty()) {
    return results;
  }
  try {
    const TempDir dir;
    dir.write("ca.pem", pki().ca_pem);
    dir.write("cert.pem", pki().server.certificate.pem());
    dir.write("key.pem", pki().server.key.pem());
    std::string case_list;
    for (const std::string& c : cases) {
      case_list += (case_list.empty() ? "" : ",") + c;
    }
    std::vector<std::string> argv = command;
    // -I: isolated mode, no user site-packages or PYTHON* variables.
    for (const char* a : {"-I", "-c", sslpp_bench::kPythonScript}) {
      argv.emplace_back(a);
    }
    argv.push_back(dir.path().string());
    argv.push_back(std::to_string(repetitions));
    argv.push_back(std::to_string(min_time));
    argv.push_back(std::to_string(fixed_iterations));
    argv.push_back(case_list);
    ChildProcess child(argv);
    // Generous: under callgrind Python runs about 50 times slower.
    const std::optional<std::string> out = child.read_all(std::chrono::seconds(1800));
    if (!out) {
      results.error = "timed out (killed)";
      return results;
    }
    if (const int status = child.wait(); status != 0) {
      results.error = "exit status " + std::to_string(status);
    }
    std::istringstream lines(*out);
    std::string line;
    for (int i = 0; i < 100000 && std::getline(lines, line); ++i) {
      const std::vector<std::string> w = split_words(line);
      if (w.size() >= 3 && w[0] == "negotiated") {
        results.negotiated = w[1] + " " + w[2];
      } else if (w.size() == 3 && w[0] == "result") {
        results.rates[w[1]].push_back(std::strtod(w[2].c_str(), nullptr));
      }
    }
  } catch (const std::exception& e) {
    results.error = e.what();
  }
  return results;
}

}  // namespace sslpp_bench::loopback
