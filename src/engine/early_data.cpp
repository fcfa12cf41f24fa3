// TLS 1.3 early data (0-RTT): the server's setting on Context, and the
// status forms of the early-data calls on Connection (early_data.hpp; the
// throwing forms are with the others in drivers/connection.cpp).
//
// OpenSSL answers an early-data call made out of turn (by the wrong role,
// after the handshake moved on, beyond the ticket's limit) with a fatal
// error, which would end the connection. These calls check first and refuse
// with a ValueError that says what is wrong, leaving the connection as it
// was; only then do they run through engine::perform, behind the same gate
// as every other I/O call (sticky error, the verify policy applied at the
// handshake's start). The engine tracks the phase: another I/O call ends a
// client's early data, and is refused on a server still reading it.
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include <algorithm>
#include <ctime>
#include <optional>
#include <string>

#include <openssl/ssl.h>

#include "context/context_state.hpp"
#include "engine/engine.hpp"
#include "internal/error_queue.hpp"

namespace sslpp {

namespace {

using phase = detail::engine::early_phase;

bool sticky(const detail::engine& e) noexcept { return (e.gate & detail::engine::gate_fatal) != 0; }

// refusal is the refused call's result when `describe()` names a problem
// (ValueError, before any I/O), else nothing. A sticky error goes first:
// perform reports it again, as for every I/O call.
template <typename Describe>
std::optional<io_result> refusal(detail::engine& e, std::error_code& ec, Describe describe) noexcept {
  if (sticky(e)) {
    return std::nullopt;
  }
  try {
    const std::string problem = describe();
    if (problem.empty()) {
      return std::nullopt;
    }
    return e.refuse(problem, ec);
  } catch (...) {
    return e.refuse({}, ec);  // out of memory while explaining
  }
}

// perform_early runs `op` through the engine as an early-data call, which
// neither ends early data nor is refused while it lasts (engine.hpp).
template <typename Op>
io_result perform_early(detail::engine& e, std::error_code& ec, Op op) noexcept {
  e.early_call = true;
  const io_result r = e.perform(ec, op);
  e.early_call = false;
  return r;
}

// write_problem says why `e` cannot send `size` more bytes of early data,
// or nothing when it can.
std::string write_problem(const detail::engine& e, std::size_t size);
// read_problem says why `e` cannot read early data into `size` bytes, or
// nothing when it can.
std::string read_problem(const detail::engine& e, std::size_t size);

}  // namespace

// ---------------------------------------------------------------------------
// Context

std::uint32_t Context::max_early_data() const { return ::SSL_CTX_get_max_early_data(state().ctx.get()); }

void Context::set_max_early_data(std::uint32_t bytes) {
  if (state().protocol == PROTOCOL_TLS_CLIENT) {
    detail::throw_value_error(
        "set_max_early_data is a server setting (SSLContext is not a server context); a client sends as much early "
        "data as its session's ticket allows");
  }
  SSL_CTX* ctx = state().ctx.get();
  // recv_max_early_data bounds what a server takes, accepted or skipped,
  // before it aborts the connection. Clients may still hold tickets issued
  // under an earlier, larger setting, so it grows with max_early_data and
  // never shrinks (SSL_CTX_set_recv_max_early_data(3)).
  const std::uint32_t recv = std::max(bytes, ::SSL_CTX_get_recv_max_early_data(ctx));
  detail::clear_stale_errors();
  detail::check(::SSL_CTX_set_recv_max_early_data(ctx, recv), "set_max_early_data");
  detail::check(::SSL_CTX_set_max_early_data(ctx, bytes), "set_max_early_data");
}

// ---------------------------------------------------------------------------
// Connection: the status forms

io_result Connection::write_early_data(std::span<const std::byte> data, std::error_code& ec) noexcept {
  detail::engine& e = *impl_;
  if (const std::optional<io_result> refused = refusal(e, ec, [&] { return write_problem(e, data.size()); })) {
    return *refused;
  }
  if (data.empty() && !sticky(e)) {
    ec.clear();
    return {io_status::ok, 0, e.output_pending()};
  }
  const io_result r = perform_early(
      e, ec, [data](SSL* ssl, std::size_t* n) { return ::SSL_write_early_data(ssl, data.data(), data.size(), n); });
  if (r.ok() || r.status == io_status::want_read || r.status == io_status::want_write) {
    // A want_* is retried with the same bytes, which OpenSSL then expects.
    e.early = phase::open;
    e.early_sent += r.bytes;
  }
  return r;
}

io_result Connection::read_early_data(std::span<std::byte> out, std::error_code& ec) noexcept {
  detail::engine& e = *impl_;
  if (const std::optional<io_result> refused = refusal(e, ec, [&] { return read_problem(e, out.size()); })) {
    return *refused;
  }
  if (e.early == phase::over && !sticky(e)) {
    // Early data ended (read to its end, or another call went on with the
    // handshake): there is no more, as the first "0 bytes" said.
    ec.clear();
    return {io_status::ok, 0, e.output_pending()};
  }
  const io_result r = perform_early(e, ec, [out](SSL* ssl, std::size_t* n) {
    const int ret = ::SSL_read_early_data(ssl, out.data(), out.size(), n);
    if (ret == SSL_READ_EARLY_DATA_FINISH) {
      *n = 0;
      return 1;
    }
    return ret == SSL_READ_EARLY_DATA_SUCCESS ? 1 : 0;
  });
  if (r.status == io_status::want_read || r.status == io_status::want_write) {
    e.early = phase::open;
  } else if (r.ok()) {
    e.early = r.bytes > 0 ? phase::open : phase::over;
  }
  return r;
}

EarlyDataStatus Connection::early_data_status() const noexcept {
  switch (::SSL_get_early_data_status(impl_->ssl.get())) {
    case SSL_EARLY_DATA_ACCEPTED:
      return EarlyDataStatus::accepted;
    case SSL_EARLY_DATA_REJECTED:
      return EarlyDataStatus::rejected;
    default:
      return EarlyDataStatus::not_sent;
  }
}

namespace {

// moved_on is true when the handshake went on without early data: an I/O
// call other than the early-data ones has run.
bool moved_on(const detail::engine& e) noexcept {
  return e.early == phase::over || (e.early == phase::none && ::SSL_in_before(e.ssl.get()) != 1);
}

std::string write_problem(const detail::engine& e, std::size_t size) {
  SSL* ssl = e.ssl.get();
  if (::SSL_is_server(ssl) == 1) {
    return "write_early_data is for clients; a server reads early data with read_early_data";
  }
  if (moved_on(e)) {
    return "write_early_data: the handshake has moved on; early data goes before any other I/O call "
           "(do_handshake, read, write). Send it as ordinary data with write";
  }
  const SSL_SESSION* session = ::SSL_get_session(ssl);
  if (session == nullptr) {
    return "write_early_data needs a session to resume: set_session with a Session from an earlier connection "
           "to this server";
  }
  // OpenSSL would quietly offer no session at all (and then fail the
  // early write with no error): one whose connection ended without a
  // shutdown is marked not resumable, and an expired ticket is not sent.
  if (::SSL_SESSION_is_resumable(session) != 1) {
    return "write_early_data: the session can no longer be resumed (the connection it came from ended without "
           "shutdown, or it was never complete)";
  }
  const long age = static_cast<long>(std::time(nullptr)) - ::SSL_SESSION_get_time(session);
  if (age > static_cast<long>(::SSL_SESSION_get_ticket_lifetime_hint(session))) {
    return "write_early_data: the session's ticket has expired (" + std::to_string(age) +
           " s old; the server allowed " + std::to_string(::SSL_SESSION_get_ticket_lifetime_hint(session)) + " s)";
  }
  // Early data leaves before the handshake can hold the session to this
  // connection's policy (check_finished_handshake), so hold it here: a
  // session made by a connection that did not verify, or for another name,
  // would otherwise carry the request under keys an attacker may hold.
  const detail::context_state& policy = e.verify_context();
  const int mode = e.own_verify_mode.value_or(::SSL_CTX_get_verify_mode(policy.ctx.get()));
  if ((mode & SSL_VERIFY_PEER) != 0) {
    X509* peer = ::SSL_SESSION_get0_peer(const_cast<SSL_SESSION*>(session));
    const bool on_key = peer == nullptr && detail::is_key_session(session);
    if (!on_key && (peer == nullptr || ::SSL_get_verify_result(ssl) != X509_V_OK)) {
      return "write_early_data: the session was not verified when it was made, and this connection verifies; "
             "resume it without early data (do_handshake checks it), or make a new one";
    }
    if (!on_key && policy.check_hostname && e.hostname &&
        detail::engine::name_verdict(peer, *e.hostname,
                                     ::X509_VERIFY_PARAM_get_hostflags(::SSL_CTX_get0_param(policy.ctx.get()))) !=
            X509_V_OK) {
      return "write_early_data: the session's certificate is not valid for '" + *e.hostname + "'";
    }
  }
  const std::uint64_t max = ::SSL_SESSION_get_max_early_data(session);
  if (max == 0) {
    return "write_early_data: the session's ticket does not allow early data (the server did not enable it with "
           "set_max_early_data, or the session is not TLS 1.3)";
  }
  if (size > max - std::min(max, e.early_sent)) {
    return "write_early_data: " + std::to_string(size) + " bytes is more than the session's ticket allows (" +
           std::to_string(max) + " bytes of early data in all, " + std::to_string(e.early_sent) +
           " already sent); send the rest with write after do_handshake";
  }
  return {};
}

std::string read_problem(const detail::engine& e, std::size_t size) {
  if (::SSL_is_server(e.ssl.get()) != 1) {
    return "read_early_data is for servers; a client sends early data with write_early_data";
  }
  if (size == 0) {
    return "read_early_data needs room for at least one byte (0 bytes read means the early data is over)";
  }
  if (e.early == phase::none && ::SSL_in_before(e.ssl.get()) != 1) {
    return "read_early_data: the handshake started without it, so any early data was rejected; call it before "
           "any other I/O call (do_handshake, read, write)";
  }
  return {};
}

}  // namespace

}  // namespace sslpp
