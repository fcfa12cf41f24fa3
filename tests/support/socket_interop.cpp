#include "support/socket_interop.hpp"

#include <stdexcept>

#include <sslpp/socket.hpp>

#include "support/openssl_peer.hpp"
#include "support/pki.hpp"

namespace sslpp::test {

namespace {

// The script PythonServer runs. argv: mode cert key cafile version alpn n
// (see PythonServer for what they mean).
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

}  // namespace

SSLSocket connect_and_handshake(std::uint16_t port, const Context& ctx, bool suppress_ragged_eofs) {
  return ctx.wrap_socket(create_connection("127.0.0.1", port, kIo),
      {.server_hostname = "localhost", .suppress_ragged_eofs = suppress_ragged_eofs});
}

std::string read_line(SSLSocket& s, std::size_t limit) {
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

PythonServer::PythonServer(const std::string& mode, const std::string& cafile, const std::string& version,
                           const std::string& alpn, std::size_t n)
    : proc({SSLPP_PYTHON3, "-c", kPythonServer, mode, path(pki().server.cert), path(pki().server.key), cafile, version,
            alpn, std::to_string(n)}) {
  const auto line = proc.wait_for_line("port ");
  if (!line) {
    throw std::runtime_error("python server did not start: " + proc.describe());
  }
  port = port_from(*line);
}

}  // namespace sslpp::test
