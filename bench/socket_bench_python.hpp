// The Python side of sslpp_socket_bench: a script for Debian's python3 that
// measures Python's ssl module over TCP loopback doing what the C++ cases do
// (client and server in one process, the server on a thread), and prints one
// line per repetition. It is kept here, as a string, so the benchmark binary
// needs no file beside it.
//
// Arguments: CERTDIR REPETITIONS MIN_TIME FIXED_ITERATIONS CASES
//   CERTDIR holds ca.pem, cert.pem and key.pem; FIXED_ITERATIONS > 0 runs each
//   case once for exactly that many iterations (for callgrind); CASES is a
//   comma-separated list of handshake_ecdsa, bulk_16384, bulk_1024.
// Output lines:
//   negotiated TLSv1.3 TLS_AES_256_GCM_SHA384
//   result <case> <rate>        (handshakes/s, or bytes/s for bulk)
#pragma once

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
