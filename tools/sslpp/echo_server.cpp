#include "echo_server.hpp"

#include <array>
#include <condition_variable>
#include <iostream>
#include <list>
#include <mutex>
#include <thread>

#include "output.hpp"

namespace sslpp::cli {

namespace {

using namespace std::chrono_literals;

// A client gets this long to complete its handshake, so a silent or slow
// one cannot hold a connection slot for long.
constexpr std::chrono::duration<double> kHandshakeTimeout = 10s;
// After the handshake, an idle client is dropped after this long.
constexpr std::chrono::duration<double> kIdleTimeout = 300s;
// How often run() looks at stop() while no client arrives.
constexpr std::chrono::duration<double> kStopPoll = 200ms;

// handshake_event is the JSON line for a completed handshake.
std::string handshake_event(const SSLSocket& tls) {
  const auto peercert = tls.getpeercert();
  return JsonObject()
      .string("event", "handshake")
      .optional_string("version", tls.version())
      .raw("cipher", json_cipher(tls.cipher()))
      .optional_string("alpn", tls.selected_alpn_protocol())
      .optional_string("servername", tls.connection().get_servername())
      .raw("peercert", peercert ? peercert->to_json() : "null")
      .str();
}

// error_event is the JSON line for a handshake that failed.
std::string error_event(const ErrorReport& r) {
  return JsonObject()
      .string("event", "error")
      .string("class", r.class_name)
      .optional_string("reason", r.reason ? r.reason : std::optional<std::string>(r.message))
      .string("message", r.message)
      .raw("verify_code", r.verify_code ? std::to_string(*r.verify_code) : "null")
      .str();
}

// log_error writes a failure that is not a connection's event to stderr.
void log_error(const std::exception_ptr& error) noexcept {
  try {
    static std::mutex m;
    const std::lock_guard lock(m);
    std::cerr << error_line(describe_exception(error)) << std::endl;
  } catch (...) {
    // Nothing sensible remains to be done with a failure to log.
  }
}

// echo sends back what arrives until the client closes.
void echo(SSLSocket& tls) {
  std::array<std::byte, 16384> buf{};
  while (const std::size_t n = tls.read(buf)) {
    tls.sendall(std::span(buf.data(), n));
  }
}

Socket listen_on(const std::string& host, std::uint16_t port) {
  Socket s(host.find(':') != std::string::npos ? AF_INET6 : AF_INET);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(host, port);
  s.listen();
  // A bounded accept: a client that leaves between poll and accept must
  // not block the loop. Accepted sockets get their own timeouts.
  s.settimeout(1s);
  return s;
}

}  // namespace

EchoServer::EchoServer(Context ctx, const std::string& host, std::uint16_t port)
    : ctx_(std::move(ctx)), listener_(listen_on(host, port)) {}

void EchoServer::run(std::optional<std::size_t> max_connections, const EventSink& emit) {
  struct Worker {
    std::thread thread;
    bool done = false;  // guarded by m
  };
  std::mutex m;
  std::condition_variable changed;
  std::list<Worker> workers;  // a list: each thread refers to its own entry
  std::size_t active = 0;
  std::size_t accepted = 0;

  while (!stop_ && (!max_connections || accepted < *max_connections)) {
    {
      std::unique_lock lock(m);
      changed.wait(lock, [&] { return active < kMaxConcurrent; });
      // A worker marks itself done under the lock as its last act, so
      // joining it here cannot wait for anything.
      for (auto it = workers.begin(); it != workers.end();) {
        if (it->done) {
          it->thread.join();
          it = workers.erase(it);
        } else {
          ++it;
        }
      }
    }
    std::optional<Socket> client;
    try {
      if (!listener_.wait_readable(kStopPoll)) {
        continue;
      }
      client.emplace(listener_.accept().first);
    } catch (const TimeoutError&) {
      continue;  // the client left before we took it
    } catch (...) {
      // EMFILE and the like: say so, and keep serving.
      log_error(std::current_exception());
      std::this_thread::sleep_for(100ms);
      continue;
    }
    ++accepted;
    const std::lock_guard lock(m);
    Worker& w = workers.emplace_back();
    ++active;
    try {
      w.thread = std::thread([this, &m, &changed, &active, &w, &emit, sock = std::move(*client)]() mutable {
        serve_connection(ctx_, std::move(sock), emit);
        const std::lock_guard done_lock(m);
        w.done = true;
        --active;
        changed.notify_all();
      });
    } catch (...) {
      // No thread for this client (its socket closes with the lambda).
      workers.pop_back();
      --active;
      log_error(std::current_exception());
    }
  }
  for (Worker& w : workers) {
    w.thread.join();
  }
}

void serve_connection(const Context& ctx, Socket client, const EventSink& emit) noexcept {
  std::optional<SSLSocket> tls;
  try {
    client.settimeout(kHandshakeTimeout);
    tls.emplace(ctx.wrap_socket(std::move(client), {.server_side = true, .do_handshake_on_connect = false}));
    tls->do_handshake();
  } catch (...) {
    try {
      emit(error_event(describe_exception(std::current_exception())));
    } catch (...) {
      log_error(std::current_exception());
    }
    // tls's destructor sends the FIN after our alert and waits (a second
    // at most) for the client to close, so it reads the alert rather than
    // a reset.
    return;
  }
  try {
    emit(handshake_event(*tls));
    tls->settimeout(kIdleTimeout);
    echo(*tls);
    std::error_code ec;
    tls->shutdown_tls(ec);  // our close_notify; the client may be gone already
  } catch (...) {
    // After the handshake line: stdout keeps one line per connection, so
    // a later failure (reset, idle timeout) goes to stderr.
    log_error(std::current_exception());
  }
}

}  // namespace sslpp::cli
