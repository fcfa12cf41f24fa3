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
#include <cstring>
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
  if (gathered.empty() && failed()) {
    return report_failure(ec);  // nothing to send, and nothing could be
  }
  while (!gathered.empty()) {
    // A record OpenSSL holds half-written is repeated with exactly its
    // length: the same bytes, in place (the queue's block never moves: see
    // write_gathering), so that its completion means that record, no more.
    const std::size_t n = gathered_pending != 0 ? gathered_pending : std::min(gathered.size(), record_size);
    const io_result r = perform(ec, [record = gathered.data().first(n)](SSL* s, std::size_t* written) {
      return ::SSL_write_ex(s, record.data(), record.size(), written);
    });
    if (!r.ok()) {
      gathered_pending = r.status == io_status::want_write || r.status == io_status::want_read ? n : 0;
      return r;
    }
    gathered_pending = 0;
    gathered.consume(r.bytes);
  }
  ec.clear();
  return {io_status::ok, 0, output_pending()};
}

io_result engine::write_gathering(std::span<const std::byte> data, std::error_code& ec) noexcept {
  // Gathering starts once the handshake is done (a write before it drives
  // the handshake) and stops at a sticky error (reported by the write) and
  // after our close_notify (the write then fails as OpenSSL says). A
  // caller's write that OpenSSL holds half-written is repeated as it was.
  if (!coalescing || (gate & ~gate_sigpipe) != 0 || direct_pending ||
      (::SSL_get_shutdown(ssl.get()) & SSL_SENT_SHUTDOWN) != 0) {
    if (!direct_pending) {
      const io_result f = flush(ec);
      if (!f.ok()) {
        return f;
      }
    }
    return write_direct(data, ec);
  }
  // Every byte passes through the queue, large writes too: OpenSSL then
  // only ever holds the queue's bytes for a retry, never the caller's, so
  // a write that reports some bytes taken leaves the caller free to pass
  // anything next. The copy costs under 1% of encrypting a record.
  std::size_t taken = 0;
  for (;;) {
    if (gathered.size() >= record_size) {
      const io_result f = flush(ec);
      if (!f.ok()) {
        return after_taking(taken, f, ec);
      }
    }
    if (data.empty()) {
      break;
    }
    const std::size_t n = std::min(data.size(), record_size - gathered.size());
    try {
      // A whole record's room from the start, so the block never moves
      // under a record OpenSSL holds for a retry.
      static_cast<void>(gathered.space(record_size - gathered.size()));
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
  // gathered keeps its block while a flush's record is held for a retry.
  // "RH": waiting for a record header, so no record is half read (OpenSSL
  // before 3.0.14 freed a buffer it was still reading into: CVE-2024-4741).
  // Not for DTLS: OpenSSL 3.0's DTLS write path never makes its write
  // buffer again once freed (it would write through a null pointer).
  if (!datagrams && ::SSL_in_init(s) == 0 && ::SSL_has_pending(s) == 0 &&
      std::strcmp(::SSL_rstate_string(s), "RH") == 0) {
    static_cast<void>(::SSL_free_buffers(s));
  }
  if (memory) {
    memory->input.release();  // each only when empty and not pinned by a driver
    memory->output.release();
  }
  if (gathered_pending == 0) {
    gathered.release();
  }
}

}  // namespace sslpp::detail
