#include "handshakes.hpp"

#include <array>
#include <ctime>
#include <optional>

#include <malloc.h>

#include "sanitizer.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

namespace sslpp::soak {

namespace {

using Clock = std::chrono::steady_clock;

// heap_in_use is what the process has allocated from malloc: small blocks
// in the arenas plus the large ones it mmapped.
std::size_t heap_in_use() {
  const struct mallinfo2 m = ::mallinfo2();
  return m.uordblks + m.hblkhd;
}

// Pair is one handshake's result: whether it worked (and if not, why),
// whether it resumed, and the session to resume next time.
struct Pair {
  std::string error;
  bool reused = false;
  std::optional<Session> session = std::nullopt;
};

// close_both exchanges close_notify, client first, as a well-behaved pair
// does; a connection freed without it would mark its session unresumable.
std::string close_both(Connection& client, Connection& server) {
  std::array<std::byte, 1024> buf{};
  std::error_code ec;
  // The read takes in the server's session tickets (TLS 1.3 sends them
  // after the handshake), so session() is resumable.
  if (client.read(buf, ec).status != io_status::want_read) {
    return "client read after the handshake: " + ec.message();
  }
  if (client.shutdown(ec).status != io_status::want_read) {
    return "client close_notify: " + ec.message();
  }
  test::transfer(client, server);
  if (server.read(buf, ec).status != io_status::closed || !server.shutdown(ec).ok()) {
    return "server close_notify: " + ec.message();
  }
  test::transfer(server, client);
  if (!client.shutdown(ec).ok()) {
    return "client saw no close_notify: " + ec.message();
  }
  return {};
}

Pair one_handshake(const Context& client_ctx, const Context& server_ctx, const std::optional<Session>& resume) {
  Connection client = client_ctx.wrap_bio({.server_hostname = "localhost", .session = resume});
  Connection server = server_ctx.wrap_bio({.server_side = true});
  const test::HandshakeResult r = test::handshake(client, server);
  if (!r.ok()) {
    return {.error = "handshake: " + r.client_ec.message() + " / " + r.server_ec.message()};
  }
  if (client.version() != "TLSv1.3") {
    return {.error = "negotiated " + client.version().value_or("nothing")};
  }
  Pair p{close_both(client, server), client.session_reused(), std::nullopt};
  if (resume && !p.reused && p.error.empty()) {
    p.error = "the offered session was not resumed";
  }
  p.session = client.session();
  return p;
}

}  // namespace

HandshakeReport run_handshakes(const HandshakeOptions& options) {
  HandshakeReport r;
  r.warmup = std::min<std::size_t>(1000, options.count / 5);
  r.heap_checked = !address_sanitizer && options.count > 0;
  Context client_ctx = test::client_context();
  client_ctx.set_minimum_version(TLSVersion::TLSv1_3);
  const Context server_ctx = test::server_context();
  std::optional<Session> last;  // the last full handshake's session
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  for (std::size_t i = 0; i < options.count; ++i) {
    if (i == r.warmup) {
      r.heap_after_warmup = heap_in_use();
    }
    if (Clock::now() >= options.deadline) {
      r.failures.push_back("the run's deadline passed after " + std::to_string(i) + " handshakes");
      break;
    }
    const bool resume = options.resume_every != 0 && i % options.resume_every == options.resume_every - 1 && last;
    Pair p = one_handshake(client_ctx, server_ctx, resume ? last : std::nullopt);
    ++r.count;
    ++(p.reused ? r.resumed : r.full);
    if (!p.error.empty()) {
      ++r.failed;
      if (r.failures.size() < 10) {
        r.failures.push_back("handshake " + std::to_string(i) + ": " + p.error);
      }
    } else if (!resume) {
      last = std::move(p.session);
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  r.per_second = r.seconds > 0 ? static_cast<double>(r.count) / r.seconds : 0;
  r.heap_end = heap_in_use();
  r.heap_growth = static_cast<long long>(r.heap_end) - static_cast<long long>(r.heap_after_warmup);
  if (r.heap_checked && r.heap_growth >= static_cast<long long>(heap_growth_limit)) {
    r.failures.push_back("heap grew " + std::to_string(r.heap_growth) + " bytes after the warm-up");
  }
  return r;
}

}  // namespace sslpp::soak
