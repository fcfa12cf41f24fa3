#include "engine/engine.hpp"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "x509/ocsp_check.hpp"
#include "x509/verify_name.hpp"

namespace sslpp::detail {

namespace {

// authenticated_by_psk is true when a pre-shared key (psk.hpp), not a
// certificate, authenticated the server of the client handshake `s` just
// finished: a TLS 1.2 PSK suite, or a TLS 1.3 session made from a key (or
// from a ticket issued on one). OpenSSL counts a TLS 1.3 external PSK as a
// resumed session, and a session made on a key has no certificate to hold
// to the policy.
bool authenticated_by_psk(const SSL* s) noexcept {
  if (::SSL_version(s) == TLS1_3_VERSION) {
    return is_key_session(::SSL_get0_session(s));
  }
  const SSL_CIPHER* cipher = ::SSL_get_current_cipher(s);
  return cipher != nullptr && ::SSL_CIPHER_get_auth_nid(cipher) == NID_auth_psk;
}

}  // namespace

int engine::ex_index() noexcept {
  static const int index = ::SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

engine* engine::from(const SSL* ssl) noexcept { return static_cast<engine*>(::SSL_get_ex_data(ssl, ex_index())); }

engine::engine(std::shared_ptr<context_state> ctx, int socket_fd) : context(std::move(ctx)) {
  clear_stale_errors();
  ssl.reset(::SSL_new(context->ctx.get()));
  if (!ssl) {
    throw_openssl_error("cannot create connection");
  }
  // Without this link no callback can find the connection, and a verify
  // callback that cannot be asked fails the handshake: refuse now instead.
  if (ex_index() < 0 || ::SSL_set_ex_data(ssl.get(), ex_index(), this) != 1) {
    throw_openssl_error("cannot link the connection to its state");
  }
  if ((::SSL_CTX_get_mode(context->ctx.get()) & SSL_MODE_RELEASE_BUFFERS) != 0) {
    buffers = BufferPolicy::release_per_record;  // OpenSSL's mode bit, however it was set
  } else {
    buffers = context->buffer_policy;
  }
  const bool datagrams = is_dtls(context->protocol);
  if (socket_fd >= 0 && datagrams) {
    throw_value_error(
        "a DTLS context runs over datagrams, not a stream socket: use sslpp::DTLSSocket, DTLSServer or a "
        "Connection fed datagram by datagram");
  }
  if (socket_fd >= 0) {
    // With OP_ENABLE_KTLS the caller asked the kernel to encrypt, which only
    // OpenSSL's own socket BIO can arrange; every call that may write then
    // runs with SIGPIPE blocked (sigpipe_guard).
    const bool openssl_socket_bio = (::SSL_CTX_get_options(context->ctx.get()) & SSL_OP_ENABLE_KTLS) != 0;
    if (openssl_socket_bio) {
      gate |= gate_sigpipe;
    }
    unique_handle<BIO> bio(openssl_socket_bio ? ::BIO_new_socket(socket_fd, BIO_NOCLOSE)
                                              : new_socket_bio(socket_fd).release());
    if (!bio) {
      throw_openssl_error("cannot create socket BIO");
    }
    // SSL_set_bio takes the single reference when both directions are one BIO.
    ::SSL_set_bio(ssl.get(), bio.get(), bio.get());
    static_cast<void>(bio.release());
  } else {
    memory = std::make_unique<memory_transport>(datagrams);
    this->datagrams = datagrams;
    // Per record, the queues give their blocks back as OpenSSL does its
    // buffers; adaptively, trim() does, when the connection goes idle.
    const bool release = buffers == BufferPolicy::release_per_record;
    memory->input.release_idle = release;
    memory->output.release_idle = release;
    // The SSL takes one reference for both directions; the transport keeps its own.
    BIO* bio = memory->bio();
    ::BIO_up_ref(bio);
    ::SSL_set_bio(ssl.get(), bio, bio);
  }
}

engine::~engine() {
  // Callbacks that OpenSSL runs while the SSL is freed find no owner.
  owner = nullptr;
  ssl.reset();
}

io_result engine::fail(ErrorInfo info, io_status status, std::error_code& ec) noexcept {
  error = std::move(info);
  if (!gathered.empty()) {
    try {
      const std::size_t n = gathered.size();
      error.message += " (" + std::to_string(n) + (n == 1 ? " byte" : " bytes") +
                       " taken by write coalescing were not sent: Connection::coalesced)";
    } catch (...) {  // out of memory: coalesced() still says how many
    }
  }
  ec = error.code;
  gate |= gate_fatal;
  fatal_status = status;
  return {status, 0, output_pending()};
}

io_result engine::classify(int ret, int sys, std::error_code& ec) noexcept {
  if (callback_exception) {
    ::ERR_clear_error();
    ErrorInfo info;
    try {
      info = error_info(errc::callback_failed);
    } catch (...) {
      info.code = make_error_code(errc::callback_failed);
    }
    return fail(std::move(info), io_status::error, ec);
  }
  const int err = ::SSL_get_error(ssl.get(), ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      ec.clear();
      return {io_status::want_read, 0, output_pending()};
    case SSL_ERROR_WANT_WRITE:
      ec.clear();
      return {io_status::want_write, 0, output_pending()};
    case SSL_ERROR_ZERO_RETURN:
      ec.clear();
      return {io_status::closed, 0, output_pending()};
    default:
      break;
  }
  io_status status = io_status::error;
  ErrorInfo info;
  try {
    if (err == SSL_ERROR_WANT_X509_LOOKUP) {
      error = error_info(errc::want_x509_lookup);
      ec = error.code;
      return {io_status::error, 0, output_pending()};  // not sticky: the caller may retry
    }
    if (err == SSL_ERROR_SYSCALL) {
      // An empty queue and no errno: the transport ended without close_notify.
      if (::ERR_peek_error() == 0 && sys == 0) {
        info = error_info(errc::eof);
        status = io_status::truncated;
      } else {
        info = take_error_queue(errc::syscall);
        info.sys_errno = sys;
        if (sys != 0) {
          // As Python: the transport's own failure is an OSError of its
          // errno (ConnectionResetError, BrokenPipeError, ...), during the
          // handshake and after it.
          info.code = std::error_code(sys, std::system_category());
          info.message = std::string("[Errno ") + std::to_string(sys) + "] " + std::generic_category().message(sys);
        } else if (info.code.category() != std::system_category()) {
          info.code = make_error_code(errc::syscall);
        }
      }
    } else {
      info = take_error_queue(errc::syscall);
      if (info.reason == "UNEXPECTED_EOF_WHILE_READING") {
        status = io_status::truncated;
      } else if (info.reason == "READ_TIMEOUT_EXPIRED") {
        // DTLS gave up retransmitting: the peer is gone (TimeoutError).
        info.code = make_error_code(errc::timed_out);
        info.message = "DTLS peer did not answer " + std::to_string(DTLS1_TMO_ALERT_COUNT) +
                       " retransmissions: " + info.message;
      } else if (info.reason == "CERTIFICATE_VERIFY_FAILED") {
        add_verify_failure(info, ::SSL_get_verify_result(ssl.get()), hostname);
        explain_failure(info, info.verify_code, false, {});
      } else if (hook_refusal) {
        if (hook_refusal->verify_code != X509_V_OK) {
          add_verify_failure(info, hook_refusal->verify_code, hostname);
          info.verify_message += ": " + hook_refusal->reason;
          explain_failure(info, info.verify_code, false, hook_refusal->reason);
        }
        info.message += ": " + hook_refusal->reason;
      }
    }
  } catch (...) {
    // Out of memory while describing the error: keep the code, lose the words.
    info = ErrorInfo{};
    info.code = make_error_code(errc::syscall);
  }
  ::ERR_clear_error();
  return fail(std::move(info), status, ec);
}

io_result engine::refuse(std::string_view message, std::error_code& ec) noexcept {
  try {
    error = error_info(errc::invalid_argument, message);
  } catch (...) {
    error = ErrorInfo{};
    error.code = make_error_code(errc::invalid_argument);  // out of memory: the code alone
  }
  ec = error.code;
  return {io_status::error, 0, output_pending()};
}

bool engine::may_have_sent_alert() const noexcept {
  if ((gate & gate_fatal) == 0 || error.sys_errno != 0) {
    return false;
  }
  const std::error_category& category = error.code.category();
  return category == ssl_category() || category == verify_category() ||
         error.code == make_error_code(errc::callback_failed);
}

bool engine::pass_gate(std::error_code& ec) noexcept {
  if ((gate & gate_fatal) != 0) {
    ec = error.code;
    return false;
  }
  if ((gate & gate_policy) == 0) {
    return true;
  }
  // gate_policy: the first call of the handshake applies the context's
  // verification policy as it is now, so a setting changed after the
  // connection was made still governs its handshake.
  if (::SSL_in_before(ssl.get()) != 1) {
    gate &= static_cast<std::uint8_t>(~gate_policy);  // a handshake already under way keeps its policy
    return true;
  }
  if (!apply_policy(ec)) {
    return false;
  }
  gate &= static_cast<std::uint8_t>(~gate_policy);
  return true;
}

bool engine::apply_policy(std::error_code& ec) noexcept {
  clear_stale_errors();
  const context_state& policy = verify_context();
  SSL_CTX* ctx = policy.ctx.get();
  SSL* s = ssl.get();
  const bool server = accept_state || ::SSL_is_server(s) == 1;
  int mode = own_verify_mode.value_or(::SSL_CTX_get_verify_mode(ctx));
  // A connection's own VERIFY_NONE (Connection::set_verify) must not meet a
  // context that checks host names: Connection::set_verify refuses it when
  // called, but the context's check_hostname may be turned on afterwards,
  // and a connection may become a client only later (set_connect_state).
  // Without a verified chain the name check would vouch for nothing.
  if (!server && policy.check_hostname && (mode & SSL_VERIFY_PEER) == 0) {
    static_cast<void>(refuse(
        "check_hostname requires verification: this connection's set_verify(VERIFY_NONE) turns it off", ec));
    return false;
  }
  // As Python does: a server that verifies clients and allows post-handshake
  // authentication may ask for a certificate after the handshake.
  if (server && policy.post_handshake_auth && (mode & SSL_VERIFY_PEER) != 0) {
    mode |= SSL_VERIFY_POST_HANDSHAKE;
  }
  ::SSL_set_verify(s, mode, ::SSL_CTX_get_verify_callback(ctx));
  X509_VERIFY_PARAM* param = ::SSL_get0_param(s);
  const X509_VERIFY_PARAM* wanted = ::SSL_CTX_get0_param(ctx);
  // The context's parameters as they are now: set1 copies every field the
  // context set (purpose, trust, time, policies) and ORs its flags into
  // ours, cleared first; depth and host flags, which it skips at their
  // defaults, are made exact by hand.
  ::X509_VERIFY_PARAM_clear_flags(param, ::X509_VERIFY_PARAM_get_flags(param));
  bool ok = ::X509_VERIFY_PARAM_set1(param, wanted) == 1;
  ::X509_VERIFY_PARAM_set_hostflags(param, ::X509_VERIFY_PARAM_get_hostflags(wanted));
  ::SSL_set_verify_depth(s, ::SSL_CTX_get_verify_depth(ctx));
  check_hostname = !server && policy.check_hostname;
  if (!server) {
    ::SSL_set_post_handshake_auth(s, policy.post_handshake_auth ? 1 : 0);
    // OpenSSL copied the client's ALPN list when the SSL was made; offer
    // the list as it is now, as the rest of the policy (or the
    // connection's own, from Connection::set_alpn_protocols).
    const std::shared_ptr<const handshake_hooks> hooks = context->hooks();
    const std::vector<unsigned char>& alpn = own_alpn_wire ? *own_alpn_wire : hooks->alpn_wire;
    ok = ::SSL_set_alpn_protos(s, alpn.empty() ? nullptr : alpn.data(), static_cast<unsigned int>(alpn.size())) == 0;
    // With the OCSP check on, a client asks for a staple itself (ocsp.hpp).
    if (ok && policy.ocsp_check != OcspCheck::off) {
      ok = ::SSL_set_tlsext_status_type(s, TLSEXT_STATUSTYPE_ocsp) == 1;
    }
  }
  if (ok && check_hostname) {
    if (!hostname) {
      static_cast<void>(refuse("check_hostname requires server_hostname", ec));
      return false;  // not sticky: set_server_hostname, then call again
    }
    ok = set_verify_name(param, *hostname, is_ip_address(*hostname));
  } else if (ok) {
    // No name to check: clear any set earlier, under another policy.
    ok = ::X509_VERIFY_PARAM_set1_host(param, nullptr, 0) == 1 && ::X509_VERIFY_PARAM_set1_ip(param, nullptr, 0) == 1;
  }
  if (!ok) {
    try {
      error = take_error_queue(errc::invalid_argument, "applying the context's policy");
    } catch (...) {
      error.code = make_error_code(errc::invalid_argument);
    }
    ::ERR_clear_error();
    ec = error.code;
    return false;
  }
  return true;
}

bool engine::check_finished_handshake(std::error_code& ec) noexcept {
  // A capture left by a certificate that a callback set through
  // native_handle() let pass anyway explains nothing: drop it.
  failed_verify.reset();
  SSL* s = ssl.get();
  if (accept_state || ::SSL_is_server(s) == 1) {
    return true;
  }
  X509* peer = ::SSL_get0_peer_certificate(s);
  const bool resumed = ::SSL_session_reused(s) == 1;
  if (!resumed && peer == nullptr) {
    return true;  // a full handshake without a certificate: OpenSSL's verification decided
  }
  if (peer == nullptr && authenticated_by_psk(s)) {
    return true;  // the key authenticated the server; there is no certificate to hold to the policy
  }
  long code = X509_V_OK;
  if (resumed && (::SSL_get_verify_mode(s) & SSL_VERIFY_PEER) != 0) {
    // The verdict recorded when the session was made.
    code = peer == nullptr ? X509_V_ERR_UNSPECIFIED : ::SSL_get_verify_result(s);
  }
  // The OCSP check's, likewise: a session made while it was off (or passed
  // without a staple) does not satisfy a connection that requires one.
  const OcspCheck ocsp = verify_context().ocsp_check;
  if (code == X509_V_OK && resumed && ocsp != OcspCheck::off) {
    const ocsp_mark need = ocsp == OcspCheck::required ? ocsp_mark::good : ocsp_mark::unstapled;
    if (to_underlying(session_mark(::SSL_get0_session(s))) < to_underlying(need)) {
      code = X509_V_ERR_OCSP_VERIFY_NEEDED;
    }
  }
  // The name is checked again after a full handshake too: OpenSSL 3.0's
  // ssl_verify_cert_chain ignores a failure of X509_VERIFY_PARAM_set1, so
  // when copying the name to check runs out of memory, the chain is
  // verified against no name at all (the allocation-failure sweep found a
  // wrong name accepted that way).
  if (code == X509_V_OK && check_hostname && hostname) {
    code = name_verdict(peer, *hostname, ::X509_VERIFY_PARAM_get_hostflags(::SSL_get0_param(s)));
  }
  if (code == X509_V_OK) {
    return true;
  }
  ErrorInfo info;
  try {
    ERR_raise(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED);
    info = take_error_queue(errc::syscall);
    add_verify_failure(info, code, hostname);
    if (resumed) {
      info.message += " (resumed session)";
    }
    explain_failure(info, code, resumed, {});
  } catch (...) {
    info.code = std::error_code(static_cast<int>(code), verify_category());
    info.verify_code = code;
  }
  ::ERR_clear_error();
  fail(std::move(info), io_status::error, ec);
  return false;
}

void engine::explain_failure(ErrorInfo& info, long code, bool resumed, std::string_view extra) noexcept {
  const std::unique_ptr<verify_capture> capture = std::move(failed_verify);
  try {
    SSL* s = ssl.get();
    explain_input in;
    in.code = code;
    in.capture = capture.get();
    in.peer = accept_state || ::SSL_is_server(s) == 1 ? PeerRole::client : PeerRole::server;
    in.security_level = ::SSL_get_security_level(s);
    in.resumed = resumed;
    if (check_hostname && hostname) {
      in.checked_name = hostname;
    }
    in.sent = ::SSL_get_peer_cert_chain(s);
    in.built = ::SSL_get0_verified_chain(s);
    in.extra = extra;
    info.verify_failure = explain(in);
  } catch (...) {
    // Out of memory: the error keeps its code and message, without the explanation.
  }
}

long engine::name_verdict(X509* peer, const std::string& name, unsigned int flags) noexcept {
  const bool ip = is_ip_address(name);
  const bool match = peer != nullptr && (ip ? ::X509_check_ip_asc(peer, name.c_str(), flags) == 1
                                            : ::X509_check_host(peer, name.data(), name.size(), flags, nullptr) == 1);
  if (match) {
    return X509_V_OK;
  }
  return ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH;
}

void engine::refuse_if_session_mismatch(const std::optional<std::string>& name) const {
  if (!offered_origin) {
    return;
  }
  if (offered_origin->context_serial != verify_context().serial) {
    throw_value_error("Session refers to a different SSLContext.");
  }
  if (offered_origin->hostname && name && ::OPENSSL_strcasecmp(offered_origin->hostname->c_str(), name->c_str()) != 0) {
    throw_value_error("Session was made for server_hostname '" + *offered_origin->hostname + "', not '" + *name +
                      "': set the name first, or offer a session made for it.");
  }
}

}  // namespace sslpp::detail
