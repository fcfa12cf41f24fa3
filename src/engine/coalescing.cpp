// Write coalescing and buffer trimming: the engine's side of
// Connection::set_coalescing / flush / release_buffers.
//
// Small writes cost a record each (a header, a tag and a cipher call per
// 64 bytes); gathered into 16 KiB records they cost 10-30 times less. The
// gathered bytes are plaintext the caller has handed over: they leave before
// anything else the connection does that the peer could see or wait on (a
// write while coalescing is off, a read, a handshake step, a shutdown), so
// the stream the peer reads is the stream written, in order.
#include <algorithm>
#include <cerrno>
#include <new>

#include <openssl/ssl.h>

#include "engine/engine.hpp"

namespace sslpp::detail {

namespace {

// after_taking is the result of a write that took `taken` bytes before a
// step reported `r`: having taken some, it reports them (the caller repeats
// with the rest, which meets the same condition); a failure is reported as
// such whatever was taken (coalesced() says what was not sent).
io_result after_taking(std::size_t taken, const io_result& r, std::error_code& ec) noexcept {
  if (taken > 0 && (r.status == io_status::want_write || r.status == io_status::want_read)) {
    ec.clear();
    return {io_status::ok, taken, r.output_pending};
  }
  return r;
}

}  // namespace

io_result engine::flush(std::error_code& ec) noexcept {
  while (!gathered.empty()) {
    // A retry after want_write passes at least the bytes passed before:
    // the queue's head stays, only its length may grow (OpenSSL accepts a
    // moved or longer buffer, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
    const std::span<const std::byte> record = gathered.data().first(std::min(gathered.size(), record_size));
    const io_result r = write_plain(record, ec);
    if (!r.ok()) {
      return r;
    }
    gathered.consume(r.bytes);
  }
  ec.clear();
  return {io_status::ok, 0, output_pending()};
}

io_result engine::write_gathering(std::span<const std::byte> data, std::error_code& ec) noexcept {
  // Gathering starts once the handshake is done (a write before it drives
  // the handshake) and stops at a sticky error (reported by the write).
  if (!coalescing || (gate & ~gate_sigpipe) != 0) {
    const io_result f = flush(ec);
    if (!f.ok()) {
      return f;
    }
    return write_plain(data, ec);
  }
  // Every byte passes through the queue, large writes too: OpenSSL then
  // only ever holds the queue's bytes for a retry, never the caller's, so
  // a write that reports some bytes taken leaves the caller free to pass
  // anything next. The copy costs under 1% of encrypting a record.
  std::size_t taken = 0;
  for (;;) {
    if (gathered.size() >= record_size) {
      const io_result r = write_plain(gathered.data().first(record_size), ec);
      if (!r.ok()) {
        return after_taking(taken, r, ec);
      }
      gathered.consume(r.bytes);
    }
    if (data.empty()) {
      break;
    }
    const std::size_t n = std::min(data.size(), record_size - gathered.size());
    try {
      gathered.append(data.first(n));
    } catch (const std::bad_alloc&) {
      if (taken > 0) {
        break;  // report what was taken; the rest meets the failure again
      }
      // Not sticky: nothing changed, the caller may try again.
      try {
        error = os_error_info(ENOMEM, "gathering a write; nothing was taken");
      } catch (...) {
        error = ErrorInfo{};
        error.code = std::error_code(ENOMEM, std::system_category());
      }
      ec = error.code;
      return {io_status::error, 0, output_pending()};
    }
    taken += n;
    data = data.subspan(n);
  }
  ec.clear();
  return {io_status::ok, taken, output_pending()};
}

void engine::trim() noexcept {
  SSL* s = ssl.get();
  // OpenSSL refuses (returns 0) while a record is half written; a record
  // read but not yet all returned to the caller (SSL_has_pending) lives in
  // the read buffer, so it is never offered then, nor during a handshake.
  if (::SSL_in_init(s) == 0 && ::SSL_has_pending(s) == 0) {
    static_cast<void>(::SSL_free_buffers(s));
  }
  if (memory) {
    memory->input.release();  // each only when empty and not pinned by a driver
    memory->output.release();
  }
  gathered.release();
}

}  // namespace sslpp::detail
