#include "exchange.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

#include "expect.hpp"

namespace sslpp_fuzz {

std::size_t transfer(endpoint& from, endpoint& to, std::string* log) {
  std::size_t moved = 0;
  for (;;) {
    const std::span<const std::byte> out = from.conn.peek_output();
    if (out.empty()) {
      return moved;
    }
    if (log != nullptr) {
      log->append(reinterpret_cast<const char*>(out.data()), out.size());
    }
    const std::size_t taken = [&] {
      const stream_scope scope(to.rng);
      return to.conn.bio_write(out);
    }();
    from.conn.consume_output(out.size());
    moved += out.size();
    if (taken < out.size()) {
      return moved;  // an input limit: the rest is dropped, as a full socket would not
    }
  }
}

namespace {

// early_step sends a client's early data, or reads a server's until it is
// over; want_read when a server needs more input first.
sslpp::io_status early_step(endpoint& e) {
  std::error_code ec;
  if (!e.conn.server_side()) {
    (void)e.conn.write_early_data(std::as_bytes(std::span(early_request)), ec);
    e.early = false;
    return sslpp::io_status::ok;
  }
  std::array<std::byte, 1024> buf{};
  for (int i = 0; i < max_rounds; ++i) {
    const sslpp::io_result r = e.conn.read_early_data(buf, ec);
    if (!r.ok()) {
      if (r.status != sslpp::io_status::want_read) {
        e.early = false;  // refused or failed: the handshake call reports it
      }
      return r.status;
    }
    if (r.bytes == 0) {
      break;
    }
  }
  e.early = false;
  return sslpp::io_status::ok;
}

}  // namespace

sslpp::io_status step(endpoint& e, const established_hook& established) {
  const stream_scope scope(e.rng);
  std::error_code ec;
  if (e.early && early_step(e) == sslpp::io_status::want_read) {
    return sslpp::io_status::want_read;
  }
  if (!e.conn.is_handshake_done()) {
    const sslpp::io_result r = e.conn.do_handshake(ec);
    if (!r.ok()) {
      return r.status;
    }
    if (established) {
      established(e);
    }
  }
  std::array<std::byte, 4096> buf{};
  for (int i = 0; i < max_rounds; ++i) {
    const sslpp::io_result r = e.conn.read(buf, ec);
    if (!r.ok()) {
      return r.status;
    }
  }
  return sslpp::io_status::ok;
}

void pump(connection_pair& p, transcript* log, const established_hook& server_established) {
  for (int round = 0; round < max_rounds; ++round) {
    step(p.client);
    std::size_t moved = transfer(p.client, p.server, log != nullptr ? &log->client_to_server : nullptr);
    step(p.server, server_established);
    moved += transfer(p.server, p.client, log != nullptr ? &log->server_to_client : nullptr);
    if (moved == 0) {
      return;
    }
  }
}

namespace {

void write_text(endpoint& e, std::string_view text) {
  const stream_scope scope(e.rng);
  std::error_code ec;
  (void)e.conn.write(std::as_bytes(std::span(text)), ec);
}

void close(endpoint& e) {
  const stream_scope scope(e.rng);
  std::error_code ec;
  (void)e.conn.shutdown(ec);
}

}  // namespace

void request_client_certificate(endpoint& server) {
  if (server.conn.get_context().post_handshake_auth() && server.conn.version() == "TLSv1.3") {
    const stream_scope scope(server.rng);
    expect_typed([&] { server.conn.verify_client_post_handshake(); });
  }
}

bool converse(connection_pair& p, transcript* log) {
  // The server asks for a post-handshake certificate the moment its
  // handshake completes, as the server_handshake target does.
  pump(p, log, request_client_certificate);
  if (!p.client.conn.is_handshake_done() || !p.server.conn.is_handshake_done()) {
    return false;
  }
  write_text(p.server, greeting);
  pump(p, log);
  write_text(p.client, answer);
  pump(p, log);
  close(p.client);
  pump(p, log);
  close(p.server);
  pump(p, log);
  close(p.client);
  return true;
}

std::optional<sslpp::Session> resumable_session(const world& w) {
  connection_pair p = make_connection_pair(w, std::nullopt);
  if (!converse(p, nullptr)) {
    return std::nullopt;
  }
  return p.client.conn.session();
}

void feed_and_drive(endpoint& e, std::span<const std::byte> bytes, std::size_t chunk,
                    const established_hook& established) {
  // SSLPP_FUZZ_TRACE=1 prints each step's outcome: why a replay stops short.
  static const bool trace = std::getenv("SSLPP_FUZZ_TRACE") != nullptr;
  const std::size_t piece = chunk == 0 ? bytes.size() : chunk;
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min(piece, bytes.size() - offset);
    {
      const stream_scope scope(e.rng);
      (void)e.conn.bio_write(bytes.subspan(offset, n));
    }
    offset += n;
    const sslpp::io_status status = step(e, established);
    e.conn.consume_output(e.conn.peek_output().size());
    if (trace) {
      std::fprintf(stderr, "fed %zu/%zu bytes: %s%s%s\n", offset, bytes.size(), to_string(status).data(),
                   status == sslpp::io_status::error ? ": " : "",
                   status == sslpp::io_status::error ? e.conn.last_error().message.c_str() : "");
    }
    if (status == sslpp::io_status::error || status == sslpp::io_status::closed ||
        status == sslpp::io_status::truncated) {
      break;
    }
  } while (offset < bytes.size());
  if (e.conn.is_handshake_done()) {
    reached_end();
  }
}

}  // namespace sslpp_fuzz
