#include "client.hpp"

#include <cerrno>

#include <sys/socket.h>

namespace sslpp::soak {

namespace {

// connecting_socket is a non-blocking socket whose connect to
// 127.0.0.1:port has started (or, rarely on loopback, finished), wrapped
// for TLS; the handshake waits until the socket is writable.
SSLSocket connecting_socket(const Context& context, std::uint16_t port) {
  Socket sock(AF_INET);
  sock.setblocking(false);
  const int err = sock.connect_ex("127.0.0.1", port);
  if (err != 0 && err != EINPROGRESS) {
    throw std::system_error(err, std::system_category(), "connect");
  }
  return context.wrap_socket(std::move(sock), {.server_hostname = "localhost", .do_handshake_on_connect = false});
}

// events_for maps a want_* status to the epoll events that end the wait.
std::uint32_t events_for(const io_result& r) noexcept {
  return r.status == io_status::want_write ? EPOLLOUT : EPOLLIN;
}

bool wants_io(const io_result& r) noexcept {
  return r.status == io_status::want_read || r.status == io_status::want_write;
}

}  // namespace

Client::Client(const Context& context, std::uint16_t port, std::uint64_t seed, Limits limits)
    : tls_(connecting_socket(context, port)),
      seed_(seed),
      limits_(limits),
      phase_(Phase::connecting),
      sizes_(seed),
      outgoing_(seed + 1),
      expected_(seed + 1) {
  total_ = sizes_.size(limits_.max_payload);
}

std::uint32_t Client::advance(Tally& tally, std::span<std::byte> scratch) {
  switch (phase_) {
    case Phase::connecting:
      return finish_connect();
    case Phase::handshaking:
      return handshake();
    case Phase::streaming:
      return stream(tally, scratch);
    case Phase::closing:
      return send_close_notify();
    case Phase::draining:
      return drain(tally, scratch);
    case Phase::ready:
      // Only an error or hang-up wakes a client that waits for nothing.
      error_ = "the connection broke while waiting for the other clients";
      phase_ = Phase::failed;
      return 0;
    case Phase::done:
    case Phase::failed:
      return 0;
  }
  return 0;
}

std::uint32_t Client::release(Tally& tally, std::span<std::byte> scratch) {
  phase_ = Phase::streaming;
  return stream(tally, scratch);
}

std::uint32_t Client::finish_connect() {
  const int err = tls_.getsockopt(SOL_SOCKET, SO_ERROR);
  if (err != 0) {
    error_ = "connect: " + std::system_category().message(err);
    phase_ = Phase::failed;
    return 0;
  }
  phase_ = Phase::handshaking;
  return handshake();
}

std::uint32_t Client::handshake() {
  std::error_code ec;
  const io_result r = tls_.do_handshake(ec);
  if (r.ok()) {
    phase_ = Phase::ready;
    return 0;
  }
  return wants_io(r) ? events_for(r) : fail("handshake", r, ec);
}

std::uint32_t Client::stream(Tally& tally, std::span<std::byte> scratch) {
  std::error_code ec;
  // Read first: the server echoes as it reads, and it cannot take more
  // than its socket buffer holds unless we take the echo.
  for (;;) {
    const io_result r = tls_.read(scratch, ec);
    if (r.ok()) {
      check_echo(scratch.first(r.bytes), tally);
      continue;
    }
    if (r.status == io_status::want_read) {
      break;
    }
    return wants_io(r) ? events_for(r) : fail("read", r, ec);
  }
  while (sent_ < total_) {
    if (chunk_.empty()) {
      chunk_.resize(sizes_.size(std::min(limits_.max_write, total_ - sent_)));
      for (std::byte& b : chunk_) {
        b = outgoing_.next();
        sent_sum_.add(b);
      }
      chunk_done_ = 0;
    }
    const io_result w = tls_.write(std::span(chunk_).subspan(chunk_done_), ec);
    if (!w.ok()) {
      // Reads still matter while the write waits: the echo frees the server.
      return wants_io(w) ? (events_for(w) | EPOLLIN) : fail("write", w, ec);
    }
    chunk_done_ += w.bytes;
    sent_ += w.bytes;
    tally.bytes_sent += w.bytes;
    if (chunk_done_ == chunk_.size()) {
      chunk_.clear();
    }
  }
  if (received_ < total_) {
    return EPOLLIN;
  }
  phase_ = Phase::closing;
  return send_close_notify();
}

std::uint32_t Client::send_close_notify() {
  std::error_code ec;
  const io_result r = tls_.shutdown_tls(ec);
  if (r.ok()) {
    phase_ = Phase::draining;
    return EPOLLIN;
  }
  return wants_io(r) ? events_for(r) : fail("shutdown", r, ec);
}

std::uint32_t Client::drain(Tally& tally, std::span<std::byte> scratch) {
  std::error_code ec;
  for (;;) {
    const io_result r = tls_.read(scratch, ec);
    if (r.ok()) {
      check_echo(scratch.first(r.bytes), tally);  // more than was sent: counted as mismatched
      continue;
    }
    if (r.status == io_status::closed) {
      phase_ = Phase::done;  // the server's close_notify: it saw ours and every byte
      return 0;
    }
    return wants_io(r) ? events_for(r) : fail("waiting for close_notify", r, ec);
  }
}

void Client::check_echo(std::span<const std::byte> got, Tally& tally) {
  tally.bytes_received += got.size();
  for (const std::byte b : got) {
    received_sum_.add(b);
    if (received_ >= total_ || b != expected_.next()) {
      ++tally.bytes_mismatched;
    }
    ++received_;
  }
}

std::uint32_t Client::fail(const char* step, const io_result& r, const std::error_code& ec) {
  error_ = std::string(step) + ": " + std::string(sslpp::to_string(r.status)) + ", " + ec.message();
  phase_ = Phase::failed;
  return 0;
}

const char* to_string(Client::Phase phase) noexcept {
  switch (phase) {
    case Client::Phase::connecting:
      return "connecting";
    case Client::Phase::handshaking:
      return "handshaking";
    case Client::Phase::ready:
      return "ready";
    case Client::Phase::streaming:
      return "streaming";
    case Client::Phase::closing:
      return "closing";
    case Client::Phase::draining:
      return "draining";
    case Client::Phase::done:
      return "done";
    case Client::Phase::failed:
      return "failed";
  }
  return "?";
}

}  // namespace sslpp::soak
