// Interop with Python's ssl module (Debian's python3) without sockets:
// Python's SSLObject over MemoryBIO talks to an sslpp memory-BIO Connection
// through a pipe (sans-IO against sans-IO). Python reports what it observed
// as JSON, so the tests compare both ends' views of the same connection.
#include <sslpp/connection.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "support/pki.hpp"
#include "support/python_json.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using test::cipher_json;
using test::json_object;
using test::json_text;
using test::path;
using test::pki;
using test::Subprocess;

// (c): Python's SSLObject over MemoryBIO against an sslpp memory-BIO
// Connection. Neither side touches a socket: ciphertext travels as hex
// lines, "D <hex>" from Python on stdout and "<hex>" to Python on stdin.

constexpr const char* python_sans_io = R"PY(
import json, ssl, sys
cafile, mode = sys.argv[1:3]
ctx = ssl.create_default_context(cafile=cafile)
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(incoming, outgoing, server_hostname='localhost')

def send_pending():
    data = outgoing.read()
    if data:
        print('D ' + data.hex(), flush=True)

def receive():
    line = sys.stdin.readline()
    if not line:
        incoming.write_eof()
        return
    incoming.write(bytes.fromhex(line.strip()))

def run(op):
    while True:
        try:
            result = op()
        except ssl.SSLWantReadError:
            send_pending()
            receive()
            continue
        send_pending()
        return result

run(obj.do_handshake)
print('I ' + json.dumps({'version': obj.version(), 'cipher': obj.cipher(), 'peercert': obj.getpeercert()}),
      flush=True)
run(lambda: obj.write(b'hello from SSLObject'))
if mode == 'abort':
    sys.exit(0)  # the transport just ends: no close_notify
data = run(lambda: obj.read(1024))
print('R ' + json.dumps(data.decode()), flush=True)
run(obj.unwrap)
print('E', flush=True)
)PY";

std::string to_hex(std::span<const std::byte> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::byte b : bytes) {
    out += digits[std::to_integer<unsigned>(b) >> 4];
    out += digits[std::to_integer<unsigned>(b) & 0xf];
  }
  return out;
}

std::vector<std::byte> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> unsigned {
    if (c >= '0' && c <= '9') {
      return static_cast<unsigned>(c - '0');
    }
    if (c >= 'a' && c <= 'f') {
      return static_cast<unsigned>(c - 'a' + 10);
    }
    throw std::runtime_error(std::string("bad hex digit ") + c);
  };
  if (hex.size() % 2 != 0) {
    throw std::runtime_error("odd hex length");
  }
  std::vector<std::byte> out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<std::byte>((nibble(hex[i]) << 4) | nibble(hex[i + 1])));
  }
  return out;
}

// PipePeer carries ciphertext between `conn` and the Python SSLObject.
struct PipePeer {
  Connection& conn;
  Subprocess& proc;
  std::vector<std::string> messages;  // Python's non-ciphertext lines
  bool eof_sent = false;

  // send_pending writes our pending ciphertext to Python as one hex line.
  bool send_pending() {
    std::array<std::byte, 16384> buf{};
    std::string hex;
    while (std::size_t n = conn.bio_read(buf)) {
      hex += to_hex(std::span(buf.data(), n));
    }
    return hex.empty() || proc.write_stdin(hex + "\n");
  }

  // receive takes Python's next line: ciphertext goes to the connection,
  // anything else is kept in `messages`. The end of Python's output is the
  // end of the transport (bio_shutdown), reported once. False after that
  // or on timeout.
  bool receive() {
    const auto line = proc.read_line();
    if (!line) {
      if (proc.stdout_closed() && !eof_sent) {
        eof_sent = true;
        conn.bio_shutdown();
        return true;
      }
      return false;
    }
    if (line->rfind("D ", 0) == 0) {
      conn.bio_write(from_hex(std::string_view(*line).substr(2)));
    } else {
      messages.push_back(*line);
    }
    return true;
  }

  // drive repeats `op` until it stops asking for ciphertext; a bounded
  // number of rounds, each bounded in time by read_line.
  template <typename Op>
  io_result drive(Op op, std::error_code& ec) {
    for (int round = 0; round < 1000; ++round) {
      const io_result r = op(ec);
      const bool sent = send_pending();
      if (r.status == io_status::closed || r.status == io_status::truncated || r.status == io_status::error) {
        // Our verdict is what matters; the alert OpenSSL sends on a
        // truncation may well find Python already gone.
        return r;
      }
      if (!sent) {
        return io_result{io_status::error, 0};
      }
      if (r.status != io_status::want_read) {
        return r;
      }
      if (!receive()) {
        return r;  // still want_read: Python went quiet or away
      }
    }
    return io_result{io_status::want_read, 0};
  }
};

void sans_io_exchange(Context server_ctx, const std::string& expected_version) {
  Subprocess proc({SSLPP_PYTHON3, "-c", python_sans_io, path(pki().ca_file), "clean"});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  PipePeer peer{server, proc, {}};
  std::error_code ec;

  const io_result hs = peer.drive([&](std::error_code& e) { return server.do_handshake(e); }, ec);
  ASSERT_TRUE(hs.ok()) << ec.message() << " " << server.last_error().message << "\n" << proc.describe();
  EXPECT_EQ(server.version(), expected_version);

  std::array<std::byte, 1024> buf{};
  io_result r = peer.drive([&](std::error_code& e) { return server.read(buf, e); }, ec);
  ASSERT_TRUE(r.ok()) << ec.message() << "\n" << proc.describe();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), r.bytes), "hello from SSLObject");

  ASSERT_TRUE(server.write(std::as_bytes(std::span(std::string_view("hello from sslpp"))), ec).ok());
  ASSERT_TRUE(peer.send_pending());

  // Python reads, reports, then unwraps: its close_notify ends our stream.
  r = peer.drive([&](std::error_code& e) { return server.read(buf, e); }, ec);
  EXPECT_EQ(r.status, io_status::closed) << ec.message() << "\n" << proc.describe();
  r = server.shutdown(ec);
  EXPECT_TRUE(r.ok()) << ec.message();
  ASSERT_TRUE(peer.send_pending());
  // The rest of Python's output: its report lines and the end marker.
  while (!proc.stdout_closed() && peer.receive()) {
  }
  EXPECT_EQ(proc.wait(), 0) << proc.describe();

  ASSERT_EQ(peer.messages.size(), 3u) << proc.describe();
  ASSERT_EQ(peer.messages[0].rfind("I ", 0), 0u);
  const auto info = json_object(std::string_view(peer.messages[0]).substr(2));
  EXPECT_EQ(info.at("version"), json_text(expected_version));
  ASSERT_TRUE(server.cipher());
  EXPECT_EQ(info.at("cipher"), cipher_json(*server.cipher()));
  EXPECT_EQ(info.at("peercert"), pki().server.credential.certificate.decode().to_json());
  EXPECT_EQ(peer.messages[1], "R " + json_text("hello from sslpp"));
  EXPECT_EQ(peer.messages[2], "E");
}

TEST(PythonSansIO, SSLObjectTalksToConnectionTls13) { sans_io_exchange(test::server_context(), "TLSv1.3"); }

TEST(PythonSansIO, SSLObjectTalksToConnectionTls12) {
  Context ctx = test::server_context();
  ctx.set_maximum_version(TLSVersion::TLSv1_2);
  sans_io_exchange(ctx.share(), "TLSv1.2");
}

TEST(PythonSansIO, SSLObjectEndingWithoutCloseNotifyIsTruncation) {
  Subprocess proc({SSLPP_PYTHON3, "-c", python_sans_io, path(pki().ca_file), "abort"});
  Context ctx = test::server_context();
  Connection server = ctx.wrap_bio({.server_side = true});
  PipePeer peer{server, proc, {}};
  std::error_code ec;
  ASSERT_TRUE(peer.drive([&](std::error_code& e) { return server.do_handshake(e); }, ec).ok()) << proc.describe();
  std::array<std::byte, 1024> buf{};
  const io_result data = peer.drive([&](std::error_code& e) { return server.read(buf, e); }, ec);
  ASSERT_TRUE(data.ok()) << proc.describe();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), data.bytes), "hello from SSLObject");
  // Python exits after writing: its output ends with no close_notify.
  const io_result r = peer.drive([&](std::error_code& e) { return server.read(buf, e); }, ec);
  EXPECT_EQ(r.status, io_status::truncated) << proc.describe();
  EXPECT_TRUE(peer.eof_sent);
  EXPECT_TRUE(ec);
  EXPECT_THROW(server.read(buf), SSLEOFError);
  EXPECT_EQ(proc.wait(), 0) << proc.describe();
}

}  // namespace
}  // namespace sslpp
