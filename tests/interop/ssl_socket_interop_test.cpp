// Interop of SSLSocket over real TCP on 127.0.0.1 with independent peers
// started by each test: openssl s_server / s_client, GnuTLS gnutls-serv /
// gnutls-cli, and Python's ssl module (server and client scripts run with
// -c). Each test checks both ends' views of one connection: what sslpp
// reports, and what the peer printed about it.
//
// Nothing here may hang: every SSLSocket carries a timeout (kIo), every
// listening socket too, and every wait on a peer is bounded by the
// Subprocess helper, whose destructor kills the peer's process group.
#include <sslpp/ssl_socket.hpp>

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/subprocess.hpp"

namespace sslpp {
namespace {

using namespace std::chrono_literals;
using test::pki;
using test::port_from;
using test::Subprocess;
using Clock = std::chrono::steady_clock;

// The timeout of every SSLSocket here: a handshake or a record takes
// milliseconds, so 5 s only ever runs out when something is stuck.
constexpr std::chrono::duration<double> kIo = 5s;

// The large transfers: 64 MiB each way, the size the brief asks for.
constexpr std::size_t kLarge = std::size_t{64} << 20;

constexpr const char* kGnutlsServ = "/usr/bin/gnutls-serv";
constexpr const char* kGnutlsCli = "/usr/bin/gnutls-cli";

std::string path(const std::filesystem::path& p) { return p.string(); }

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// free_port asks the kernel for a port nobody uses right now, for peers
// (gnutls-serv) that cannot be told to pick one themselves. Another process
// may take it before the peer binds: callers retry on a bind failure.
std::uint16_t free_port() {
  Socket probe(AF_INET);
  probe.bind("127.0.0.1", 0);
  const std::uint16_t port = probe.getsockname().port;
  probe.close();
  return port;
}

// connect_tls connects to 127.0.0.1:port and completes the handshake,
// naming the server "localhost" (SNI and hostname check).
SSLSocket connect_tls(std::uint16_t port, const Context& ctx, bool suppress_ragged_eofs = true) {
  return ctx.wrap_socket(create_connection("127.0.0.1", port, kIo),
      {.server_hostname = "localhost", .suppress_ragged_eofs = suppress_ragged_eofs});
}

// read_line reads until '\n' (kept) or the end of the stream. Bounded by the
// socket's timeout per read and by `limit` bytes in all.
std::string read_line(SSLSocket& s, std::size_t limit = 1 << 16) {
  std::string got;
  while (!contains(got, "\n") && got.size() < limit) {
    const std::string part = s.recv(limit - got.size());
    if (part.empty()) {
      break;
    }
    got += part;
  }
  return got;
}

// read_exactly reads `n` bytes (fewer only when the stream ends first).
std::string read_exactly(SSLSocket& s, std::size_t n) {
  std::string got;
  while (got.size() < n) {
    const std::string part = s.recv(n - got.size());
    if (part.empty()) {
      break;
    }
    got += part;
  }
  return got;
}

// client_with_cert is the test client context presenting pki().client.
Context client_with_cert() {
  Context ctx = test::client_context();
  ctx.load_cert_chain(pki().client.cert, pki().client.key);
  return ctx;
}

// server_requiring_cert serves pki().server and requires a client
// certificate issued by the test CA.
Context server_requiring_cert() {
  Context ctx = test::server_context();
  ctx.set_verify_mode(VerifyMode::CERT_REQUIRED);
  ctx.load_verify_locations(pki().ca_file);
  return ctx;
}

// The subject an sslpp server sees for pki().client.
const DistinguishedName kClientSubject{{{"commonName", "client"}}};

// Listener is an sslpp TLS server on 127.0.0.1: a listening SSLSocket whose
// accept() (bounded by its timeout) returns a connection after the handshake.
struct Listener {
  explicit Listener(const Context& ctx) : sock(make(ctx)), port(sock.getsockname().port) {}

  static SSLSocket make(const Context& ctx) {
    Socket listening(AF_INET);
    listening.bind("127.0.0.1", 0);
    listening.listen();
    listening.settimeout(kIo);  // the accepted socket inherits it
    return ctx.wrap_socket(std::move(listening), {.server_side = true});
  }

  SSLSocket sock;
  std::uint16_t port;
};

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

// ===========================================================================
// Python peers

// A Python ssl server for one connection. argv: mode cert key cafile version
// alpn n. A non-empty cafile requires a client certificate; version is 1.2,
// 1.3 or any (forced on both bounds); alpn is a comma list or empty. It
// prints "port N", then "session VERSION ALPN PEER_CN" after the handshake,
// then does `mode`:
//   echo:   echo everything until close_notify, then unwrap;
//   sink:   read n bytes, hash them, answer "COUNT SHA256HEX\n", unwrap;
//   source: send n seeded random bytes, print "sha256 COUNT HEX", unwrap;
//   deaf:   read n bytes, print "deaf COUNT", then stop reading until a
//           line (or EOF) arrives on stdin.
constexpr const char* kPythonServer = R"PY(
import hashlib, random, socket, ssl, sys
mode, cert, key, cafile, version, alpn, n = sys.argv[1:8]
n = int(n)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
if cafile:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile)
if version != 'any':
    v = ssl.TLSVersion.TLSv1_2 if version == '1.2' else ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = v
    ctx.maximum_version = v
if alpn:
    ctx.set_alpn_protocols(alpn.split(','))
listener = socket.create_server(('127.0.0.1', 0))
listener.settimeout(10)
print('port', listener.getsockname()[1], flush=True)
raw, _ = listener.accept()
raw.settimeout(10)
s = ctx.wrap_socket(raw, server_side=True)
peer = s.getpeercert()
cn = dict(rdn[0] for rdn in peer['subject'])['commonName'] if peer else '-'
print('session', s.version(), s.selected_alpn_protocol() or '-', cn, flush=True)

def finish():
    try:
        s.unwrap()
    except (OSError, ValueError) as e:
        print('unwrap failed', repr(e), flush=True)

if mode == 'echo':
    while True:
        data = s.recv(65536)
        if not data:
            break
        s.sendall(data)
    finish()
elif mode == 'sink':
    h = hashlib.sha256()
    got = 0
    buf = bytearray(1 << 20)
    while got < n:
        k = s.recv_into(buf)
        if k == 0:
            break
        h.update(memoryview(buf)[:k])
        got += k
    s.sendall(f'{got} {h.hexdigest()}\n'.encode())
    finish()
elif mode == 'source':
    data = random.Random(n).randbytes(n)
    s.sendall(data)
    print('sha256', len(data), hashlib.sha256(data).hexdigest(), flush=True)
    finish()
elif mode == 'deaf':
    got = 0
    while got < n:
        data = s.recv(65536)
        if not data:
            break
        got += len(data)
    print('deaf', got, flush=True)
    sys.stdin.readline()
)PY";

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

// A Python ssl client. argv: port cafile version alpn cert key message. It
// verifies "localhost", prints "session VERSION ALPN", sends message + '\n',
// reads until close_notify, prints "reply TEXT", unwraps.
constexpr const char* kPythonClient = R"PY(
import socket, ssl, sys
port, cafile, version, alpn, cert, key, message = sys.argv[1:8]
ctx = ssl.create_default_context(cafile=cafile)
if version != 'any':
    v = ssl.TLSVersion.TLSv1_2 if version == '1.2' else ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = v
    ctx.maximum_version = v
if alpn:
    ctx.set_alpn_protocols(alpn.split(','))
if cert:
    ctx.load_cert_chain(cert, key)
raw = socket.create_connection(('127.0.0.1', int(port)), timeout=10)
s = ctx.wrap_socket(raw, server_hostname='localhost')
print('session', s.version(), s.selected_alpn_protocol() or '-', flush=True)
s.sendall(message.encode() + b'\n')
reply = b''
while True:
    data = s.recv(65536)
    if not data:
        break
    reply += data
print('reply', reply.decode().rstrip('\n'), flush=True)
s.unwrap()
s.close()
)PY";

// PythonServer runs kPythonServer and knows its port.
struct PythonServer {
  PythonServer(const std::string& mode, const std::string& cafile, const std::string& version, const std::string& alpn,
               std::size_t n = 0)
      : proc({SSLPP_PYTHON3, "-c", kPythonServer, mode, path(pki().server.cert), path(pki().server.key), cafile,
              version, alpn, std::to_string(n)}) {
    const auto line = proc.wait_for_line("port ");
    if (!line) {
      throw std::runtime_error("python server did not start: " + proc.describe());
    }
    port = port_from(*line);
  }
  Subprocess proc;
  std::uint16_t port = 0;
};

// ---------------------------------------------------------------------------
// sslpp client, Python server

// VersionCase is one TLS version forced on one end of a connection.
struct VersionCase {
  const char* force;     // "1.2" or "1.3": the version one end is limited to
  const char* expected;  // what both ends then report
};

// PrintTo names a VersionCase in failure messages.
void PrintTo(const VersionCase& vc, std::ostream* os) { *os << vc.expected; }

// version_name names a parameterized test after its TLS version.
std::string version_name(const ::testing::TestParamInfo<VersionCase>& info) {
  return std::string(info.param.force) == "1.2" ? "Tls12" : "Tls13";
}

// kVersions are the cases every parameterized suite here runs.
const auto kVersions = ::testing::Values(VersionCase{"1.2", "TLSv1.2"}, VersionCase{"1.3", "TLSv1.3"});

class SocketInteropPythonServer : public ::testing::TestWithParam<VersionCase> {};

// The version is forced on the Python end only; sslpp follows. Client
// authentication and ALPN ride on the same connection.
TEST_P(SocketInteropPythonServer, ClientCertAlpnAndEcho) {
  const VersionCase vc = GetParam();
  PythonServer py("echo", path(pki().ca_file), vc.force, "h2,http/1.1");
  Context ctx = client_with_cert();
  ctx.set_alpn_protocols({"http/1.1", "h2"});
  SSLSocket s = connect_tls(py.port, ctx);
  EXPECT_EQ(s.version(), vc.expected);
  // The server's preference decides (Python's server takes the first of its
  // own list that the client offers), not the client's order.
  EXPECT_EQ(s.selected_alpn_protocol(), "h2");
  ASSERT_TRUE(s.cipher());
  EXPECT_EQ(s.cipher()->protocol, vc.expected);
  const auto session = py.proc.wait_for_line("session");
  ASSERT_TRUE(session) << py.proc.describe();
  EXPECT_EQ(*session, std::string("session ") + vc.expected + " h2 client");
  s.sendall(std::string_view("hello python\n"));
  EXPECT_EQ(read_line(s), "hello python\n");
  Socket plain = s.unwrap();  // two-way close: Python answers our close_notify
  EXPECT_GE(plain.fileno(), 0);
  EXPECT_EQ(py.proc.wait(), 0) << py.proc.describe();
  EXPECT_FALSE(contains(py.proc.stdout_seen() + py.proc.read_all(), "unwrap failed"));
}

INSTANTIATE_TEST_SUITE_P(SocketInterop, SocketInteropPythonServer, kVersions, version_name);

TEST(SocketInteropPythonServerStream, UploadOf64MiBHashesTheSameOnBothEnds) {
  PythonServer py("sink", "", "any", "", kLarge);
  SSLSocket s = connect_tls(py.port, test::client_context());
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
  SSLSocket s = connect_tls(py.port, test::client_context());
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
// SSL_ERROR_SYSCALL with errno set, which sslpp reports as pyOpenSSL does,
// SSLSyscallError carrying errno 104 (Python's ssl module raises
// ConnectionResetError here instead; see the report). It is not a ragged
// EOF: suppress_ragged_eofs (on here) must not turn a reset into "".
TEST(SocketInteropPythonServerStream, ResetMidRecordIsSyscallErrorWithEconnreset) {
  Subprocess py({SSLPP_PYTHON3, "-c", kPythonRecordServer, "rst", path(pki().server.cert), path(pki().server.key)});
  const auto line = py.wait_for_line("port ");
  ASSERT_TRUE(line) << py.describe();
  SSLSocket s = connect_tls(port_from(*line), test::client_context(), true);
  s.sendall(std::string_view("request"));
  try {
    const std::string got = s.recv(2000);
    ADD_FAILURE() << "read " << got.size() << " bytes from a reset connection";
  } catch (const SSLSyscallError& e) {
    EXPECT_EQ(e.errnum(), ECONNRESET) << e.what();
    EXPECT_EQ(e.code(), make_error_code(errc::syscall));
    EXPECT_STREQ(e.what(), "[Errno 104] Connection reset by peer");
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
    SSLSocket s = connect_tls(port_from(*line), test::client_context(), suppress);
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
  SSLSocket s = connect_tls(port_from(*line), test::client_context(), false);
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
  SSLSocket s = connect_tls(py.port, test::client_context());
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

// ---------------------------------------------------------------------------
// sslpp server, Python client

class SocketInteropPythonClient : public ::testing::TestWithParam<VersionCase> {};

// TLS 1.2 is forced on the sslpp end (max version), TLS 1.3 on the Python end.
TEST_P(SocketInteropPythonClient, ServerRequiresClientCertAndNegotiatesAlpn) {
  const VersionCase vc = GetParam();
  const bool tls12 = std::string(vc.force) == "1.2";
  Context ctx = server_requiring_cert();
  if (tls12) {
    ctx.set_maximum_version(TLSVersion::TLSv1_2);
  }
  ctx.set_alpn_protocols({"h2", "http/1.1"});
  Listener server(ctx);
  Subprocess py({SSLPP_PYTHON3, "-c", kPythonClient, std::to_string(server.port), path(pki().ca_file),
                 tls12 ? "any" : "1.3", "http/1.1,h2", path(pki().client.cert), path(pki().client.key), "hello sslpp"});
  auto [conn, peer] = server.sock.accept();
  conn.settimeout(kIo);
  EXPECT_EQ(peer.host, "127.0.0.1");
  EXPECT_EQ(conn.version(), vc.expected);
  EXPECT_EQ(conn.selected_alpn_protocol(), "h2");  // our first choice that the client offers
  const auto cert = conn.getpeercert();
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->subject, kClientSubject);
  EXPECT_EQ(read_line(conn), "hello sslpp\n");
  conn.sendall(std::string_view("sslpp says hi\n"));
  conn.unwrap();  // Python reads to our close_notify, then answers with its own
  const auto session = py.wait_for_line("session");
  ASSERT_TRUE(session) << py.describe();
  EXPECT_EQ(*session, std::string("session ") + vc.expected + " h2");
  const auto reply = py.wait_for_line("reply");
  ASSERT_TRUE(reply) << py.describe();
  EXPECT_EQ(*reply, "reply sslpp says hi");
  EXPECT_EQ(py.wait(), 0) << py.describe();
}

INSTANTIATE_TEST_SUITE_P(SocketInterop, SocketInteropPythonClient, kVersions, version_name);

// ===========================================================================
// OpenSSL peers

// OpenSSLServer runs `openssl s_server -rev` for one connection on a port
// the kernel picks, answering each line reversed.
struct OpenSSLServer {
  explicit OpenSSLServer(std::vector<std::string> extra)
      : server(test::start_s_server(pki().server, with_rev(std::move(extra)))), proc(*server.proc),
        port(server.port) {}
  static std::vector<std::string> with_rev(std::vector<std::string> extra) {
    extra.insert(extra.begin(), "-rev");
    return extra;
  }
  test::SServer server;
  Subprocess& proc;
  std::uint16_t port;
};

class SocketInteropOpenSSLServer : public ::testing::TestWithParam<VersionCase> {};

// s_server forces the version (-tls1_2 / -tls1_3), requires a client
// certificate (-Verify) and offers ALPN; sslpp presents pki().client.
TEST_P(SocketInteropOpenSSLServer, ClientCertAlpnAndReversedLine) {
  const VersionCase vc = GetParam();
  const bool tls12 = std::string(vc.force) == "1.2";
  OpenSSLServer srv(
      {tls12 ? "-tls1_2" : "-tls1_3", "-Verify", "1", "-CAfile", path(pki().ca_file), "-alpn", "h2,http/1.1"});
  Context ctx = client_with_cert();
  ctx.set_alpn_protocols({"http/1.1"});
  SSLSocket s = connect_tls(srv.port, ctx);
  EXPECT_EQ(s.version(), vc.expected);
  EXPECT_EQ(s.selected_alpn_protocol(), "http/1.1");
  EXPECT_EQ(s.getpeercert()->subject, (DistinguishedName{{{"commonName", "localhost"}}}));
  s.sendall(std::string_view("sslpp\n"));
  EXPECT_EQ(read_line(s), "pplss\n");
  std::error_code ec;
  EXPECT_TRUE(s.shutdown_tls(ec).ok()) << ec.message();
  s.close();
  // -naccept 1: s_server exits once the connection ends; it reports the
  // session (with the client certificate it verified) on stderr.
  EXPECT_EQ(srv.proc.wait(), 0) << srv.proc.describe();
  const std::string err = srv.proc.stderr_text();
  EXPECT_TRUE(contains(err, "Peer certificate: CN = client")) << err;
  EXPECT_TRUE(contains(err, std::string("Protocol version: ") + vc.expected)) << err;
  EXPECT_TRUE(contains(srv.proc.stdout_seen() + srv.proc.read_all(), "ALPN protocols selected: http/1.1"))
      << srv.proc.describe();
}

INSTANTIATE_TEST_SUITE_P(SocketInterop, SocketInteropOpenSSLServer, kVersions, version_name);

// Without a certificate the TLS 1.3 handshake completes on the client side
// (the client speaks last), and the server's certificate_required alert
// arrives on the first read as an SSLError naming it.
TEST(SocketInteropOpenSSLServerAuth, MissingClientCertGetsCertificateRequiredAlert) {
  OpenSSLServer srv({"-tls1_3", "-Verify", "1", "-CAfile", path(pki().ca_file)});
  try {
    SSLSocket s = connect_tls(srv.port, test::client_context());
    const std::string got = s.recv(100);
    ADD_FAILURE() << "read " << got.size() << " bytes without a client certificate";
  } catch (const SSLError& e) {
    EXPECT_EQ(e.reason(), "TLSV13_ALERT_CERTIFICATE_REQUIRED") << e.what();
    EXPECT_STREQ(e.class_name(), "SSLError");
  }
  EXPECT_TRUE(srv.proc.wait().has_value()) << srv.proc.describe();
}

// ---------------------------------------------------------------------------
// sslpp server, openssl s_client

// s_client's argv for 127.0.0.1:port, verifying "localhost" against the test
// CA, presenting pki().client, offering h2.
std::vector<std::string> s_client_argv(std::uint16_t port, const char* version_flag) {
  return {SSLPP_OPENSSL,
          "s_client",
          "-connect",
          "127.0.0.1:" + std::to_string(port),
          "-servername",
          "localhost",
          "-verify_hostname",
          "localhost",
          "-verify_return_error",
          "-CAfile",
          path(pki().ca_file),
          "-cert",
          path(pki().client.cert),
          "-key",
          path(pki().client.key),
          "-alpn",
          "h2",
          version_flag};
}

class SocketInteropOpenSSLClient : public ::testing::TestWithParam<VersionCase> {};

// s_client forces the version; the sslpp server requires its certificate.
TEST_P(SocketInteropOpenSSLClient, ServerRequiresClientCertAndNegotiatesAlpn) {
  const VersionCase vc = GetParam();
  const bool tls12 = std::string(vc.force) == "1.2";
  Context ctx = server_requiring_cert();
  ctx.set_alpn_protocols({"http/1.1", "h2"});
  Listener server(ctx);
  Subprocess cli(s_client_argv(server.port, tls12 ? "-tls1_2" : "-tls1_3"));
  auto [conn, peer] = server.sock.accept();
  EXPECT_EQ(conn.version(), vc.expected);
  EXPECT_EQ(conn.selected_alpn_protocol(), "h2");
  ASSERT_TRUE(conn.getpeercert());
  EXPECT_EQ(conn.getpeercert()->subject, kClientSubject);
  // s_client sends what arrives on its stdin; stdin stays open so that it
  // does not quit before our answer.
  ASSERT_TRUE(cli.write_stdin("from s_client\n")) << cli.describe();
  EXPECT_EQ(read_line(conn), "from s_client\n");
  conn.sendall(std::string_view("from sslpp server\n"));
  std::error_code ec;
  EXPECT_TRUE(conn.shutdown_tls(ec).ok()) << ec.message();  // s_client quits on close_notify
  EXPECT_TRUE(cli.wait().has_value()) << cli.describe();
  const std::string out = cli.read_all();
  EXPECT_TRUE(contains(out, "from sslpp server\n")) << out;
  EXPECT_TRUE(contains(out, "Verification: OK")) << out;
  EXPECT_TRUE(contains(out, "Verified peername: localhost")) << out;
  EXPECT_TRUE(contains(out, "ALPN protocol: h2")) << out;
  EXPECT_TRUE(contains(out, std::string("New, ") + vc.expected + ", Cipher is " + conn.cipher()->name)) << out;
}

INSTANTIATE_TEST_SUITE_P(SocketInterop, SocketInteropOpenSSLClient, kVersions, version_name);

// ===========================================================================
// GnuTLS peers

// GnutlsServer runs `gnutls-serv --echo` on a free port, retrying with
// another port when the bind fails (free_port can race with other
// processes). gnutls-serv reports readiness on stderr, which /bin/sh merges
// into stdout for wait_for_line; "...done" follows a successful bind.
struct GnutlsServer {
  explicit GnutlsServer(const std::vector<std::string>& extra) {
    for (int attempt = 0; attempt < 5 && !proc; ++attempt) {
      port = free_port();
      std::vector<std::string> argv{"/bin/sh",
                                    "-c",
                                    "exec \"$0\" \"$@\" 2>&1",
                                    kGnutlsServ,
                                    "--echo",
                                    "--port",
                                    std::to_string(port),
                                    "--x509certfile",
                                    path(pki().server.cert),
                                    "--x509keyfile",
                                    path(pki().server.key)};
      argv.insert(argv.end(), extra.begin(), extra.end());
      auto p = std::make_unique<Subprocess>(std::move(argv));
      const auto line = p->wait_for_line("IPv4");
      if (!line) {
        throw std::runtime_error("gnutls-serv did not start: " + p->describe());
      }
      if (contains(*line, "...done")) {
        proc = std::move(p);
      }
    }
    if (!proc) {
      throw std::runtime_error("gnutls-serv could not bind a port in 5 attempts");
    }
  }

  // finish stops the server with SIGTERM, which it handles by flushing its
  // stdout (the session report) and exiting, and returns all its output.
  std::string finish() {
    proc->kill(SIGTERM);
    EXPECT_TRUE(proc->wait().has_value()) << proc->describe();
    return proc->stdout_seen() + proc->read_all();
  }

  std::unique_ptr<Subprocess> proc;
  std::uint16_t port = 0;
};

// TLS 1.2 forced on the sslpp end, ALPN chosen by gnutls-serv.
TEST(SocketInteropGnutlsServer, Tls12ForcedByClientWithAlpn) {
  GnutlsServer srv({"--alpn", "h2", "--alpn", "http/1.1"});
  Context ctx = test::client_context();
  ctx.set_maximum_version(TLSVersion::TLSv1_2);
  ctx.set_alpn_protocols({"http/1.1"});
  SSLSocket s = connect_tls(srv.port, ctx);
  EXPECT_EQ(s.version(), "TLSv1.2");
  EXPECT_EQ(s.selected_alpn_protocol(), "http/1.1");
  s.sendall(std::string_view("hello gnutls\n"));
  EXPECT_EQ(read_line(s), "hello gnutls\n");
  std::error_code ec;
  EXPECT_TRUE(s.shutdown_tls(ec).ok()) << ec.message();
  s.close();
  const std::string out = srv.finish();
  EXPECT_TRUE(contains(out, "- Version: TLS1.2")) << out;
  EXPECT_TRUE(contains(out, "- Application protocol: http/1.1")) << out;
}

// TLS 1.3 forced on the gnutls end; gnutls-serv requires and verifies a
// client certificate, and sslpp presents pki().client.
TEST(SocketInteropGnutlsServer, Tls13ForcedByServerWithClientCert) {
  GnutlsServer srv({"--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3", "--require-client-cert", "--verify-client-cert",
                    "--x509cafile", path(pki().ca_file)});
  SSLSocket s = connect_tls(srv.port, client_with_cert());
  EXPECT_EQ(s.version(), "TLSv1.3");
  EXPECT_FALSE(s.selected_alpn_protocol());
  s.sendall(std::string_view("with a certificate\n"));
  EXPECT_EQ(read_line(s), "with a certificate\n");
  std::error_code ec;
  EXPECT_TRUE(s.shutdown_tls(ec).ok()) << ec.message();
  s.close();
  const std::string out = srv.finish();
  EXPECT_TRUE(contains(out, "- Version: TLS1.3")) << out;
  EXPECT_TRUE(contains(out, "Subject: CN=client")) << out;
  EXPECT_TRUE(contains(out, "- Status: The certificate is trusted.")) << out;
}

// gnutls-cli's argv for 127.0.0.1:port, verifying the name "localhost"
// against the test CA, presenting pki().client.
std::vector<std::string> gnutls_cli_argv(std::uint16_t port, std::vector<std::string> extra) {
  std::vector<std::string> a{kGnutlsCli,
                             "--x509cafile",
                             path(pki().ca_file),
                             "--verify-hostname",
                             "localhost",
                             "--sni-hostname",
                             "localhost",
                             "--x509certfile",
                             path(pki().client.cert),
                             "--x509keyfile",
                             path(pki().client.key),
                             "-p",
                             std::to_string(port)};
  a.insert(a.end(), extra.begin(), extra.end());
  a.emplace_back("127.0.0.1");
  return a;
}

class SocketInteropGnutlsClient : public ::testing::TestWithParam<VersionCase> {};

// TLS 1.2 is forced on the gnutls-cli end (priority string), TLS 1.3 on the
// sslpp end (minimum version). The sslpp server requires the client's
// certificate and picks ALPN.
TEST_P(SocketInteropGnutlsClient, ServerRequiresClientCertAndNegotiatesAlpn) {
  const VersionCase vc = GetParam();
  const bool tls12 = std::string(vc.force) == "1.2";
  Context ctx = server_requiring_cert();
  if (!tls12) {
    ctx.set_minimum_version(TLSVersion::TLSv1_3);
  }
  ctx.set_alpn_protocols({"h2"});
  Listener server(ctx);
  std::vector<std::string> extra{"--alpn", "http/1.1", "--alpn", "h2"};
  if (tls12) {
    extra.insert(extra.end(), {"--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2"});
  }
  Subprocess cli(gnutls_cli_argv(server.port, extra));
  auto [conn, peer] = server.sock.accept();
  EXPECT_EQ(conn.version(), vc.expected);
  EXPECT_EQ(conn.selected_alpn_protocol(), "h2");
  ASSERT_TRUE(conn.getpeercert());
  EXPECT_EQ(conn.getpeercert()->subject, kClientSubject);
  ASSERT_TRUE(cli.write_stdin("from gnutls-cli\n")) << cli.describe();
  EXPECT_EQ(read_line(conn), "from gnutls-cli\n");
  conn.sendall(std::string_view("from sslpp server\n"));
  std::error_code ec;
  EXPECT_TRUE(conn.shutdown_tls(ec).ok()) << ec.message();  // gnutls-cli quits on close_notify
  EXPECT_TRUE(cli.wait().has_value()) << cli.describe();
  const std::string out = cli.stdout_seen() + cli.read_all();
  EXPECT_TRUE(contains(out, "from sslpp server\n")) << out;
  EXPECT_TRUE(contains(out, "- Status: The certificate is trusted.")) << out;
  EXPECT_TRUE(contains(out, std::string("- Description: (") + (tls12 ? "TLS1.2" : "TLS1.3") + "-X.509)")) << out;
  EXPECT_TRUE(contains(out, "- Application protocol: h2")) << out;
  EXPECT_TRUE(contains(out, "- Successfully sent 1 certificate(s) to server.")) << out;
}

INSTANTIATE_TEST_SUITE_P(SocketInterop, SocketInteropGnutlsClient, kVersions, version_name);

}  // namespace
}  // namespace sslpp
