// SSLSocket streams over real TCP on 127.0.0.1 against Python's ssl module:
// 64 MiB each way, hashed on both ends, and peers that reset, close or
// stall in the middle of a record or stop reading, which sslpp must report
// as Python's ssl would (or as pyOpenSSL does, where the two differ).
//
// Nothing here may hang: every SSLSocket carries a timeout (kIo), and every
// wait on a peer is bounded by the Subprocess helper, whose destructor kills
// the peer's process group.
#include <sslpp/ssl_socket.hpp>

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/socket_interop.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using namespace std::chrono_literals;
using test::connect_and_handshake;
using test::contains;
using test::kIo;
using test::path;
using test::pki;
using test::port_from;
using test::PythonServer;
using test::read_exactly;
using test::read_line;
using test::Subprocess;
using Clock = std::chrono::steady_clock;

// The large transfers: 64 MiB each way, the size the brief asks for.
constexpr std::size_t kLarge = std::size_t{64} << 20;

// Sha256 hashes a stream with OpenSSL's EVP, to compare against what the
// Python peer's hashlib computed over the same bytes.
class Sha256 {
 public:
  Sha256() : ctx_(::EVP_MD_CTX_new(), &::EVP_MD_CTX_free) {
    if (!ctx_ || ::EVP_DigestInit_ex(ctx_.get(), ::EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("EVP_DigestInit_ex failed");
    }
  }
  void update(std::span<const std::byte> data) {
    if (::EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
      throw std::runtime_error("EVP_DigestUpdate failed");
    }
  }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (::EVP_DigestFinal_ex(ctx_.get(), md.data(), &len) != 1) {
      throw std::runtime_error("EVP_DigestFinal_ex failed");
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out += digits[md[i] >> 4];
      out += digits[md[i] & 0xf];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&::EVP_MD_CTX_free)> ctx_;
};

// pattern is `size` bytes in which no 8-byte word repeats (splitmix64 of a
// counter), so a lost, duplicated or reordered chunk changes the hash.
std::vector<std::byte> pattern(std::size_t size) {
  std::vector<std::byte> out(size);
  std::uint64_t state = 0x5eedULL;
  for (std::size_t i = 0; i < size; i += 8) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    std::memcpy(out.data() + i, &z, std::min<std::size_t>(8, size - i));
  }
  return out;
}

// seconds_since is the time since `start`, for bounds in assertions.
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// A Python server that speaks TLS through SSLObject over a plain socket, so
// that it holds the raw records and can send part of one. argv: mode cert
// key. It prints "port N", completes the handshake, waits for one request
// record, encrypts 1000 'R' bytes as one record, sends the first half of
// that record and prints "half". Then, by mode:
//   rst:   SO_LINGER 0 and close: the kernel sends RST;
//   fin:   close: an orderly TCP FIN without close_notify;
//   stall: wait for a line on stdin, send the rest of the record and a
//          close_notify, close.
constexpr const char* kPythonRecordServer = R"PY(
import socket, ssl, struct, sys, time
mode, cert, key = sys.argv[1:4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
listener = socket.create_server(('127.0.0.1', 0))
listener.settimeout(10)
print('port', listener.getsockname()[1], flush=True)
raw, _ = listener.accept()
raw.settimeout(10)
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(incoming, outgoing, server_side=True)

def flush():
    data = outgoing.read()
    if data:
        raw.sendall(data)

def feed():
    data = raw.recv(65536)
    if not data:
        sys.exit('client closed early')
    incoming.write(data)

while True:
    try:
        tls.do_handshake()
        break
    except ssl.SSLWantReadError:
        flush()
        feed()
flush()
request = b''
while not request:
    try:
        request = tls.read(100)
    except ssl.SSLWantReadError:
        flush()
        feed()
flush()  # anything pending (TLS 1.3 tickets) goes first: the split below is inside one record
tls.write(b'R' * 1000)
record = outgoing.read()
half = len(record) // 2
raw.sendall(record[:half])
print('half', half, len(record), flush=True)
if mode == 'stall':
    sys.stdin.readline()
    raw.sendall(record[half:])
    try:
        tls.unwrap()
    except ssl.SSLWantReadError:
        pass
    flush()
    time.sleep(0.5)
    raw.close()
else:
    # Let the half record reach the client first: SO_LINGER 0 drops unsent data.
    time.sleep(0.2)
    if mode == 'rst':
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    raw.close()
print('closed', flush=True)
)PY";

TEST(SocketInteropPythonServerStream, UploadOf64MiBHashesTheSameOnBothEnds) {
  PythonServer py("sink", "", "any", "", kLarge);
  SSLSocket s = connect_and_handshake(py.port, test::client_context());
  const std::vector<std::byte> data = pattern(kLarge);
  const auto start = Clock::now();
  // 1 MiB per call: as in Python, the timeout bounds a whole write call,
  // not each record, so one 64 MiB call could outlast kIo on a slow machine
  // while making steady progress. Each 1 MiB call is still 64 records.
  constexpr std::size_t kChunk = 1 << 20;
  for (std::size_t off = 0; off < data.size(); off += kChunk) {
    s.sendall(std::span(data).subspan(off, std::min(kChunk, data.size() - off)));
  }
  const std::string answer = read_line(s);
  Sha256 sha;
  sha.update(data);
  EXPECT_EQ(answer, std::to_string(kLarge) + " " + sha.hex() + "\n");
  EXPECT_LT(seconds_since(start), 20.0);
  s.unwrap();
  EXPECT_EQ(py.proc.wait(), 0) << py.proc.describe();
}

TEST(SocketInteropPythonServerStream, DownloadOf64MiBHashesTheSameOnBothEnds) {
  PythonServer py("source", "", "any", "", kLarge);
  SSLSocket s = connect_and_handshake(py.port, test::client_context());
  const auto start = Clock::now();
  Sha256 sha;
  std::size_t total = 0;
  std::vector<std::byte> buf(1 << 20);
  // Ends at Python's close_notify; bounded by kLarge plus one buffer in case
  // the peer sent too much, and by kIo per read.
  while (total <= kLarge) {
    const std::size_t n = s.read(buf);
    if (n == 0) {
      break;
    }
    sha.update(std::span(buf).first(n));
    total += n;
  }
  EXPECT_EQ(total, kLarge);
  const auto line = py.proc.wait_for_line("sha256", 10s);
  ASSERT_TRUE(line) << py.proc.describe();
  EXPECT_EQ(*line, "sha256 " + std::to_string(kLarge) + " " + sha.hex());
  EXPECT_LT(seconds_since(start), 20.0);
  s.unwrap();
  EXPECT_EQ(py.proc.wait(), 0) << py.proc.describe();
}

// A peer that resets the connection in the middle of a record. The half
// record is received, then recv() fails with ECONNRESET: OpenSSL reports
// SSL_ERROR_SYSCALL with errno set, which sslpp reports as Python's ssl
// module does, ConnectionResetError (an OSError, not an SSLError). It is
// not a ragged EOF: suppress_ragged_eofs (on here) must not turn a reset
// into "".
TEST(SocketInteropPythonServerStream, ResetMidRecordIsConnectionResetError) {
  Subprocess py({SSLPP_PYTHON3, "-c", kPythonRecordServer, "rst", path(pki().server.cert), path(pki().server.key)});
  const auto line = py.wait_for_line("port ");
  ASSERT_TRUE(line) << py.describe();
  SSLSocket s = connect_and_handshake(port_from(*line), test::client_context(), true);
  s.sendall(std::string_view("request"));
  try {
    const std::string got = s.recv(2000);
    ADD_FAILURE() << "read " << got.size() << " bytes from a reset connection";
  } catch (const ConnectionResetError& e) {
    EXPECT_EQ(e.code(), std::error_code(ECONNRESET, std::system_category())) << e.what();
    EXPECT_STREQ(e.what(), "[Errno 104] Connection reset by peer");
    EXPECT_EQ(dynamic_cast<const SSLError*>(&e), nullptr);
  }
  EXPECT_TRUE(py.wait_for_line("closed")) << py.describe();
  EXPECT_TRUE(contains(py.stdout_seen(), "half ")) << py.describe();
}

// The same cut with an orderly FIN instead of RST: OpenSSL sees end of
// stream inside a record (UNEXPECTED_EOF_WHILE_READING). Without
// suppress_ragged_eofs that is SSLEOFError; with it, end of stream.
TEST(SocketInteropPythonServerStream, FinMidRecordIsEofError) {
  for (const bool suppress : {false, true}) {
    SCOPED_TRACE(suppress ? "suppress_ragged_eofs" : "no suppress_ragged_eofs");
    Subprocess py({SSLPP_PYTHON3, "-c", kPythonRecordServer, "fin", path(pki().server.cert), path(pki().server.key)});
    const auto line = py.wait_for_line("port ");
    ASSERT_TRUE(line) << py.describe();
    SSLSocket s = connect_and_handshake(port_from(*line), test::client_context(), suppress);
    s.sendall(std::string_view("request"));
    if (suppress) {
      EXPECT_EQ(s.recv(2000), "");
    } else {
      EXPECT_THROW(s.recv(2000), SSLEOFError);
    }
    EXPECT_TRUE(py.wait_for_line("closed")) << py.describe();
  }
}

// A peer that stops in the middle of a record: the read times out within
// its timeout, the test carries on, and once the peer resumes the same
// connection delivers the whole record (OpenSSL kept the half it had).
TEST(SocketInteropPythonServerStream, ReadTimeoutMidRecordThenTheRecordCompletes) {
  Subprocess py({SSLPP_PYTHON3, "-c", kPythonRecordServer, "stall", path(pki().server.cert), path(pki().server.key)});
  const auto line = py.wait_for_line("port ");
  ASSERT_TRUE(line) << py.describe();
  SSLSocket s = connect_and_handshake(port_from(*line), test::client_context(), false);
  s.sendall(std::string_view("request"));
  const auto half = py.wait_for_line("half ");
  ASSERT_TRUE(half) << py.describe();
  // One TLS 1.3 record of 1000 bytes: 5 header + 1000 + 1 type + 16 tag.
  EXPECT_EQ(*half, "half 511 1022");
  s.settimeout(0.3s);
  const auto start = Clock::now();
  try {
    const std::string got = s.recv(2000);
    ADD_FAILURE() << "read " << got.size() << " bytes of a half record";
  } catch (const TimeoutError& e) {
    EXPECT_STREQ(e.what(), "The read operation timed out");
  }
  const double waited = seconds_since(start);
  EXPECT_GE(waited, 0.25);
  EXPECT_LT(waited, 3.0);
  ASSERT_TRUE(py.write_stdin("go\n")) << py.describe();
  s.settimeout(kIo);
  EXPECT_EQ(read_exactly(s, 1000), std::string(1000, 'R'));
  EXPECT_EQ(s.recv(10), "");  // close_notify: not an EOF error although suppression is off
  EXPECT_EQ(py.wait(), 0) << py.describe();
}

// A peer that stops reading: once the socket buffers fill, a write waits and
// times out within its timeout.
TEST(SocketInteropPythonServerStream, WriteTimeoutWhenPeerStopsReading) {
  PythonServer py("deaf", "", "any", "", 1 << 16);
  SSLSocket s = connect_and_handshake(py.port, test::client_context());
  s.settimeout(0.3s);
  // Far more than any socket buffer holds (a few MiB at most on loopback).
  const std::vector<std::byte> data = pattern(std::size_t{32} << 20);
  constexpr std::size_t kChunk = 1 << 16;
  std::size_t sent = 0;
  const auto start = Clock::now();
  try {
    while (sent < data.size()) {
      s.sendall(std::span(data).subspan(sent, kChunk));
      sent += kChunk;
    }
    ADD_FAILURE() << "32 MiB went to a peer that reads nothing";
  } catch (const TimeoutError& e) {
    EXPECT_STREQ(e.what(), "The write operation timed out");
  }
  EXPECT_LT(seconds_since(start), 10.0);
  EXPECT_GE(sent, std::size_t{1} << 16);  // the peer did read its first 64 KiB
  const auto deaf = py.proc.wait_for_line("deaf");
  ASSERT_TRUE(deaf) << py.proc.describe();
  EXPECT_EQ(*deaf, "deaf " + std::to_string(1 << 16));
  // The peer is still alive and stuck, as the test meant; release it.
  EXPECT_FALSE(py.proc.wait(0ms).has_value());
  py.proc.close_stdin();
  EXPECT_EQ(py.proc.wait(), 0) << py.proc.describe();
}

}  // namespace
}  // namespace sslpp
