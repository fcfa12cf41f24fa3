#include "support/echo_server.hpp"

#include <chrono>
#include <exception>

#include <sslpp/socket.hpp>

#include <gtest/gtest.h>

#include "support/pki.hpp"
#include "support/subprocess.hpp"

namespace sslpp::test {

using namespace std::chrono_literals;

EchoServer::EchoServer(const Context& ctx, int connections) : listener_(ctx.wrap_socket(Socket(),
    {.server_side = true})) {
  listener_.settimeout(std::chrono::duration<double>(5));
  listener_.bind("127.0.0.1", 0);
  listener_.listen();
  port = listener_.getsockname().port;
  thread_ = std::thread([this, connections] {
    for (int i = 0; i < connections; ++i) {
      try {
        auto accepted = listener_.accept();
        SSLSocket& s = accepted.first;
        {
          const std::lock_guard lock(mutex_);
          reused_.push_back(s.session_reused());
        }
        s.write(s.read(1));
      } catch (const std::exception& e) {
        const std::lock_guard lock(mutex_);
        errors_.emplace_back(e.what());
      }
    }
  });
}

EchoServer::~EchoServer() { finish(); }

void EchoServer::finish() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::vector<std::string> EchoServer::errors() {
  finish();
  return errors_;
}

std::vector<bool> EchoServer::reused() {
  finish();
  return reused_;
}

namespace {
constexpr const char* kPythonClient = R"PY(
import socket, ssl, sys
port, cafile, resume, names = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "resume", sys.argv[4:]
ctx = ssl.create_default_context(cafile=cafile)
session = None
for name in names:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=name, session=session) as s:
                cn = dict(rdn[0] for rdn in s.getpeercert()["subject"])["commonName"]
                s.sendall(b"x")
                s.recv(1)
                print(name, cn, s.version(), s.session_reused, flush=True)
                if resume:
                    session = s.session
    except Exception as e:
        print(name, "ERROR", type(e).__name__, str(e).replace("\n", " "), flush=True)
)PY";
}  // namespace

std::vector<std::string> run_python_client(std::uint16_t port, const std::vector<std::string>& names,
                                           bool resume) {
  std::vector<std::string> argv = {SSLPP_PYTHON3, "-c", kPythonClient, std::to_string(port), pki().ca_file.string(),
                                   resume ? "resume" : "fresh"};
  argv.insert(argv.end(), names.begin(), names.end());
  Subprocess py(argv);
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto line = py.read_line(10s);
    if (!line) {
      ADD_FAILURE() << "python client stopped early: " << py.describe();
      break;
    }
    lines.push_back(*line);
  }
  EXPECT_EQ(py.wait(10s), 0) << py.describe();
  return lines;
}

}  // namespace sslpp::test
