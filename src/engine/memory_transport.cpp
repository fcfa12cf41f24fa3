#include "engine/memory_transport.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "internal/error_queue.hpp"

namespace sslpp::detail {

// ---------------------------------------------------------------------------
// The BIO OpenSSL sees

namespace {

memory_transport& transport_of(BIO* bio) noexcept { return *static_cast<memory_transport*>(::BIO_get_data(bio)); }

// OpenSSL reads a record header, then its body: from the input queue.
int transport_read(BIO* bio, char* data, std::size_t len, std::size_t* read) noexcept {
  memory_transport& t = transport_of(bio);
  ::BIO_clear_retry_flags(bio);
  const std::size_t n = t.input.read(std::as_writable_bytes(std::span(data, len)));
  if (n > 0) {
    *read = n;
    return 1;
  }
  if (!t.input_ended) {
    ::BIO_set_retry_read(bio);  // no data yet: want_read, not end of stream
  }
  return 0;
}

// OpenSSL writes whole records: into the output queue, as far as the limit
// allows (it retries the rest after the driver drains, as with a socket).
int transport_write(BIO* bio, const char* data, std::size_t len, std::size_t* written) noexcept {
  memory_transport& t = transport_of(bio);
  ::BIO_clear_retry_flags(bio);
  const std::size_t room = t.output_limit > t.output.size() ? t.output_limit - t.output.size() : 0;
  const std::size_t n = std::min(len, room);
  if (n == 0) {
    ::BIO_set_retry_write(bio);
    return 0;
  }
  try {
    std::memcpy(t.output.space(n).data(), data, n);
  } catch (const std::bad_alloc&) {
    // Said in the queue, so the failure is an error, never taken for the
    // end of the stream.
    ERR_raise(ERR_LIB_BIO, ERR_R_MALLOC_FAILURE);
    return 0;
  }
  t.output.commit(n);
  *written = n;
  return 1;
}

long transport_ctrl(BIO* bio, int cmd, long, void*) noexcept {
  memory_transport& t = transport_of(bio);
  switch (cmd) {
    case BIO_CTRL_PENDING:
      return static_cast<long>(std::min<std::size_t>(t.input.size(), LONG_MAX));
    case BIO_CTRL_WPENDING:
      return static_cast<long>(std::min<std::size_t>(t.output.size(), LONG_MAX));
    case BIO_CTRL_EOF:
      // OpenSSL asks after a read of 0 with no retry: truncation, or (with
      // OP_IGNORE_UNEXPECTED_EOF) a quiet close.
      return t.input_ended && t.input.empty() ? 1 : 0;
    case BIO_CTRL_FLUSH:
      return 1;
    default:
      return 0;
  }
}

BIO_METHOD* transport_method() {
  static BIO_METHOD* const method =
      make_transport_method("sslpp memory transport", &transport_read, &transport_write, &transport_ctrl);
  return method;
}

}  // namespace

BIO_METHOD* make_transport_method(const char* name, transport_read_fn* read, transport_write_fn* write,
                                  transport_ctrl_fn* ctrl) noexcept {
  const int index = ::BIO_get_new_index();
  BIO_METHOD* m = index < 0 ? nullptr : ::BIO_meth_new(index | BIO_TYPE_SOURCE_SINK, name);
  if (m != nullptr) {
    ::BIO_meth_set_read_ex(m, read);
    ::BIO_meth_set_write_ex(m, write);
    ::BIO_meth_set_ctrl(m, ctrl);
  }
  return m;
}

memory_transport::memory_transport(bool datagrams) : datagrams_(datagrams) {
  if (datagrams) {
    input_limit = default_datagram_input_limit;
  }
  BIO_METHOD* method = datagrams ? datagram_method() : transport_method();
  bio_.reset(method != nullptr ? ::BIO_new(method) : nullptr);
  if (!bio_) {
    throw_openssl_error("cannot create the memory transport");
  }
  ::BIO_set_data(bio_.get(), this);
  ::BIO_set_init(bio_.get(), 1);
}

std::size_t memory_transport::feed(std::span<const std::byte> data) noexcept {
  if (datagrams_) {
    return feed_datagram(data);
  }
  const std::size_t room = input_limit > input.size() ? input_limit - input.size() : 0;
  const std::size_t n = std::min(data.size(), room);
  granted_ = 0;  // space() below may move what input_space handed out
  input.unpin();
  if (n == 0) {
    return 0;
  }
  try {
    std::memcpy(input.space(n).data(), data.data(), n);
  } catch (const std::bad_alloc&) {
    return 0;  // nothing taken; the driver may try again
  }
  input.commit(n);
  return n;
}

std::span<std::byte> memory_transport::input_space(std::size_t n) {
  if (datagrams_) {
    return datagram_space(n);
  }
  const std::size_t room = input_limit > input.size() ? input_limit - input.size() : 0;
  n = std::min(n, room);
  granted_ = 0;
  input.unpin();
  if (n == 0) {
    return {};
  }
  const std::span<std::byte> space = input.space(n).first(n);
  granted_ = n;
  // Until commit: OpenSSL may read queued input meanwhile, and must not move
  // the space a receive is filling.
  input.pin();
  return space;
}

void memory_transport::commit_input(std::size_t n) noexcept {
  if (datagrams_) {
    commit_datagram(n);
    return;
  }
  input.commit(std::min(n, granted_));
  granted_ = 0;
  input.unpin();
}

std::span<const std::byte> memory_transport::peek_output() noexcept {
  if (output.empty()) {
    return {};  // nothing handed out, nothing to hold in place (or keep from release)
  }
  output.pin();
  return datagrams_ ? next_output_datagram() : output.data();
}

void memory_transport::consume_output(std::size_t n) noexcept {
  if (datagrams_ && n > 0 && !output.empty()) {
    n = datagram_header + next_output_datagram().size();  // a datagram leaves whole or not at all
  }
  output.consume(n);
  output.unpin();
}

std::size_t memory_transport::read_output(std::span<std::byte> out) noexcept {
  const std::size_t n = datagrams_ ? read_output_datagram(out) : output.read(out);
  output.unpin();
  return n;
}

std::size_t memory_transport::pending_output() const noexcept {
  return datagrams_ ? next_output_datagram().size() : output.size();
}

}  // namespace sslpp::detail
