// The engine: the one owner of an SSL*. It runs each OpenSSL call and
// classifies its outcome, keeps the sticky error, holds what callbacks leave
// behind for the caller, and applies the context's verification policy when
// the handshake starts. It knows nothing about where ciphertext goes: that
// is the transport's business (memory_transport, or a socket BIO), and
// moving it is the driver's (Connection, SSLSocket).
#pragma once

#include <any>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <openssl/ssl.h>

#include <sslpp/connection.hpp>
#include <sslpp/status.hpp>

#include "context/context_state.hpp"
#include "engine/memory_transport.hpp"
#include "engine/socket_transport.hpp"
#include "internal/error_queue.hpp"
#include "internal/handle.hpp"
#include "x509/verify_explain.hpp"

namespace sslpp::detail {

// session_origin is what a client Session remembers of where it was made:
// the context (by serial) and the server name.
struct session_origin {
  std::uint64_t context_serial = 0;
  std::optional<std::string> hostname;
};

struct engine {
  // Bits of `gate`: any set bit diverts I/O calls off the fast path, which
  // a connection leaves once its first handshake is done.
  static constexpr std::uint8_t gate_fatal = 1;      // a sticky error
  static constexpr std::uint8_t gate_policy = 2;     // the context's policy is not applied yet
  static constexpr std::uint8_t gate_handshake = 4;  // first handshake not finished: check it when it is
  static constexpr std::uint8_t gate_sigpipe = 8;    // OpenSSL's socket BIO: every call blocks SIGPIPE

  // engine makes the SSL for `context`: over a memory transport when
  // `socket_fd` < 0, else over that socket descriptor (not owned). Throws
  // SSLError.
  engine(std::shared_ptr<context_state> context, int socket_fd);
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine();

  // Declared before `ssl` so they are destroyed after it: callbacks that
  // run inside SSL_free still find the context state alive, and the BIO
  // never outlives the queues it points to.
  std::shared_ptr<context_state> context;
  // After set_context, the context the connection was made with: OpenSSL
  // keeps using it for the session cache and its hooks, so it must live on.
  std::shared_ptr<context_state> original_context;
  std::unique_ptr<memory_transport> memory;  // null over a socket
  unique_handle<SSL> ssl;
  Connection* owner = nullptr;  // kept current by Connection's move operations

  std::uint8_t gate = gate_policy | gate_handshake;
  io_status fatal_status = io_status::error;
  ErrorInfo error;
  std::exception_ptr callback_exception;
  // hook_refusal says why one of sslpp's own handshake hooks refused (the
  // OCSP check, an OCSP client callback that returned false), which
  // OpenSSL reports only as a bare INVALID_STATUS_RESPONSE: classify adds
  // it to the error. A verify code other than X509_V_OK makes the error a
  // verification failure (SSLCertVerificationError). Null until one does.
  struct refusal {
    long verify_code = 0;
    std::string reason;
  };
  std::unique_ptr<const refusal> hook_refusal;
  // failed_verify is what the verify trampoline captured when it refused a
  // certificate under a verifying mode (verify_explain.hpp): classify turns
  // it into the error's explanation. Null on the success path.
  std::unique_ptr<verify_capture> failed_verify;

  // TLS 1.3 early data (early_data.cpp): early_open while the client may
  // still write it or the server still read it, early_over once another
  // I/O call has run or the server read its end. OpenSSL fails an
  // early-data call out of turn with a fatal error; knowing the phase lets
  // the early-data calls refuse first, with a ValueError.
  enum class early_phase : std::uint8_t { none, open, over };
  early_phase early = early_phase::none;
  bool early_call = false;       // the call under way is an early-data one
  std::uint64_t early_sent = 0;  // client: early data bytes taken so far

  std::optional<std::string> hostname;
  // Where the session offered for resumption was made, when known.
  std::shared_ptr<const session_origin> offered_origin;
  bool check_hostname = false;  // the policy applied at the handshake's start
  bool accept_state = false;    // set_accept_state was called: a server
  // Connection::set_verify and set_alpn_protocols: this connection's own
  // verify mode and callback, and ALPN list (wire format), instead of the
  // context's.
  std::optional<int> own_verify_mode;
  VerifyCallback own_verify_callback;
  std::optional<std::vector<unsigned char>> own_alpn_wire;
  // A server's PSK callback gave a key for the client's identity: OpenSSL
  // then counts the TLS 1.3 handshake as a resumption, of a session that
  // carries no server name (the servername hook must not refuse it).
  bool psk_key_given = false;
  // DTLS: the random value a default cookie binds when the driver gave no
  // peer address (context_dtls.cpp).
  bool cookie_nonce_made = false;
  unsigned char cookie_nonce[16] = {};
  std::any app_data;

  // -- Buffers (BufferPolicy) and write coalescing (coalescing.cpp) ---------
  BufferPolicy buffers = BufferPolicy::adaptive;
  // With coalescing on, write() gathers plaintext here once the handshake
  // is done and encrypts it a full record at a time; flush() encrypts the
  // rest. Anything here goes out before any other write, a read, a
  // handshake step or a shutdown, so no byte is reordered.
  bool coalescing = false;
  // A DTLS connection: every write is one datagram (never coalesced).
  bool datagrams = false;
  byte_queue gathered;
  static constexpr std::size_t record_size = 16384;  // SSL3_RT_MAX_PLAIN_LENGTH
  // OpenSSL holds a write that reported want_*: it must be repeated with
  // the same bytes (and no fewer) before any other write. direct_pending:
  // a caller's write (write_direct), which must be repeated by the caller;
  // gathered_pending: the length of a flush's record, repeated exactly so
  // that its completion says precisely what left.
  bool direct_pending = false;
  std::size_t gathered_pending = 0;

  // write_gathering is Connection::write while coalescing is on or bytes
  // are gathered: reports the bytes taken (gathered or encrypted).
  io_result write_gathering(std::span<const std::byte> data, std::error_code& ec) noexcept;
  // flush encrypts everything gathered: ok once it is all output; the
  // sticky error when the connection has failed.
  io_result flush(std::error_code& ec) noexcept;
  // trim gives OpenSSL's record buffers and the transport's queue blocks
  // back to the heap where nothing is held in them (whatever the policy).
  void trim() noexcept;
  // write_datagram is a DTLS connection's write (dtls.cpp): refused when
  // it would not fit in one datagram, else write_direct.
  io_result write_datagram(std::span<const std::byte> data, std::error_code& ec) noexcept;
  // write_direct is one SSL_write_ex of the caller's `data` through perform.
  io_result write_direct(std::span<const std::byte> data, std::error_code& ec) noexcept {
    const io_result r = perform(
        ec, [data](SSL* s, std::size_t* n) { return ::SSL_write_ex(s, data.data(), data.size(), n); });
    direct_pending = r.status == io_status::want_write || r.status == io_status::want_read;
    return r;
  }
  // failed is true once the connection has a sticky error; report_failure
  // reports it as an I/O call would.
  [[nodiscard]] bool failed() const noexcept { return (gate & gate_fatal) != 0; }
  io_result report_failure(std::error_code& ec) const noexcept {
    ec = error.code;
    return {fatal_status, 0, output_pending()};
  }

  // verify_context is the context whose verification policy applies: the
  // one the connection was made with, even after set_context (OpenSSL keeps
  // its verify mode, so its callback and trust store must stay too).
  [[nodiscard]] const context_state& verify_context() const noexcept {
    return original_context ? *original_context : *context;
  }

  // perform runs one SSL I/O call: the gate, a clean error queue, the call,
  // and classification of a failure. `op(ssl, &n)` returns OpenSSL's int
  // result and stores the byte count.
  template <typename Op>
  io_result perform(std::error_code& ec, Op&& op) noexcept {
    if (gate != 0) [[unlikely]] {
      return perform_gated(ec, op);
    }
    return run(ec, op);
  }

  // classify turns a failed SSL call (ret <= 0) into a status, recording
  // the details in `error`. Errors other than want_* are made sticky.
  io_result classify(int ret, int sys, std::error_code& ec) noexcept;
  // explain_failure adds the explanation of verification failure `code`
  // to `info` (ErrorInfo::verify_failure), from failed_verify when it is
  // about that code, else from what the SSL still holds; `extra` is a
  // hook's own reason. Out of memory leaves `info` without one. Consumes
  // failed_verify.
  void explain_failure(ErrorInfo& info, long code, bool resumed, std::string_view extra) noexcept;
  // fail makes `info` the sticky error and reports it.
  io_result fail(ErrorInfo info, io_status status, std::error_code& ec) noexcept;
  // refuse reports a call refused before any I/O (ValueError in the
  // throwing form): errc::invalid_argument with `message`, not sticky.
  io_result refuse(std::string_view message, std::error_code& ec) noexcept;
  // may_have_sent_alert is true when the connection failed in TLS itself
  // (a protocol or verification error, a callback that aborted the
  // handshake): OpenSSL then sends a fatal alert, which a socket driver
  // must not destroy with a reset by closing on unread input.
  [[nodiscard]] bool may_have_sent_alert() const noexcept;

  // output_pending is true when ciphertext waits for the driver.
  [[nodiscard]] bool output_pending() const noexcept { return memory && !memory->output.empty(); }

  // refuse_if_session_mismatch throws ValueError when the session set for
  // resumption was made by another context or for another server name than
  // `name`: a resumed session is not verified again.
  void refuse_if_session_mismatch(const std::optional<std::string>& name) const;

  // name_verdict is X509_V_OK when `peer` (may be null) is valid for `name`
  // (a DNS name or an IP address) under the host `flags`, else the
  // mismatch code.
  static long name_verdict(X509* peer, const std::string& name, unsigned int flags) noexcept;

  static engine* from(const SSL* ssl) noexcept;
  static int ex_index() noexcept;

 private:
  template <typename Op>
  io_result run(std::error_code& ec, Op& op) noexcept {
    clear_stale_errors();
    errno = 0;
    std::size_t n = 0;
    const int ret = op(ssl.get(), &n);
    // A callback that threw fails the call even when OpenSSL carried on
    // (e.g. a verify callback under VERIFY_NONE).
    if (ret > 0 && !callback_exception) [[likely]] {
      ec.clear();
      return {io_status::ok, n, output_pending()};
    }
    return classify(ret, errno, ec);
  }

  template <typename Op>
  io_result perform_gated(std::error_code& ec, Op& op) noexcept {
    if (!pass_gate(ec)) {
      return {fatal_status_or_error(), 0, output_pending()};
    }
    if (early == early_phase::open && !early_call) {
      // OpenSSL fails the connection on early data left unread.
      if (accept_state || ::SSL_is_server(ssl.get()) == 1) {
        return refuse("read early data to its end first (read_early_data returns 0 bytes), then do_handshake", ec);
      }
      early = early_phase::over;  // a client's other I/O call ends its early data
    }
    io_result r;
    if ((gate & gate_sigpipe) != 0) {
      const sigpipe_guard guard;
      r = run(ec, op);
    } else {
      r = run(ec, op);
    }
    if ((gate & gate_handshake) != 0 && r.status != io_status::error && ::SSL_is_init_finished(ssl.get()) == 1) {
      gate &= static_cast<std::uint8_t>(~gate_handshake);
      if (!check_finished_handshake(ec)) {
        return {io_status::error, 0, output_pending()};
      }
      // The handshake's buffers are done with; data may not follow at once.
      if (buffers == BufferPolicy::adaptive) {
        trim();
      }
    }
    return r;
  }

  // pass_gate answers a call the gate diverted: applies the context's
  // policy on the handshake's first call; false (with `ec` set) when the
  // call must fail instead.
  bool pass_gate(std::error_code& ec) noexcept;
  // check_finished_handshake holds a client's finished handshake to the
  // policy it verifies with: a resumed session, which OpenSSL does not
  // verify again and which may have been made by a connection that did not
  // verify, or for another name; and the host name of every handshake with
  // a certificate, which OpenSSL may have left unchecked (see there).
  bool check_finished_handshake(std::error_code& ec) noexcept;
  bool apply_policy(std::error_code& ec) noexcept;
  [[nodiscard]] io_status fatal_status_or_error() const noexcept {
    return (gate & gate_fatal) != 0 ? fatal_status : io_status::error;
  }
};

}  // namespace sslpp::detail
