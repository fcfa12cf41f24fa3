#include <sslpp/context.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sslpp/connection.hpp>
#include <sslpp/error.hpp>

#include "context/context_state.hpp"
#include "internal/error_queue.hpp"
#include "x509/pem.hpp"
#include "x509/verify_name.hpp"

namespace sslpp {

namespace detail {

int context_state::ex_index() noexcept {
  static const int index = ::SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

context_state* context_state::from(const SSL_CTX* ctx) noexcept {
  return static_cast<context_state*>(::SSL_CTX_get_ex_data(ctx, ex_index()));
}

}  // namespace detail

namespace {

using detail::check;
using detail::context_state;

// Python's default cipher string (PY_SSL_DEFAULT_CIPHER_STRING): forward
// secret AEAD and AES suites only; no RC4, 3DES, anonymous, NULL or SHA-1 MACs.
constexpr const char* kDefaultCiphers =
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM";

// The options Python's SSLContext starts with, minus OP_IGNORE_UNEXPECTED_EOF,
// which some Python builds add and which would hide truncation.
constexpr Options kDefaultOptions =
    OP_ALL | Options::OP_NO_SSLv2 | Options::OP_NO_SSLv3 | OP_NO_COMPRESSION | OP_CIPHER_SERVER_PREFERENCE | OP_SINGLE_DH_USE |
    OP_SINGLE_ECDH_USE | OP_ENABLE_MIDDLEBOX_COMPAT;

constexpr long kSessionTimeoutSeconds = 300;

}  // namespace

// ---------------------------------------------------------------------------
// Construction

Context::Context() : Context(PROTOCOL_TLS_CLIENT) {}

Context::Context(Protocol protocol) : state_(std::make_shared<context_state>()) {
  const SSL_METHOD* method = nullptr;
  switch (protocol) {
    case Protocol::PROTOCOL_TLS:
    case SSLv23_METHOD:
    case TLSv1_METHOD:
      method = ::TLS_method();
      break;
    case PROTOCOL_TLS_CLIENT:
      method = ::TLS_client_method();
      break;
    case PROTOCOL_TLS_SERVER:
      method = ::TLS_server_method();
      break;
    case DTLS_METHOD:
      method = ::DTLS_method();
      break;
    case DTLS_CLIENT_METHOD:
      method = ::DTLS_client_method();
      break;
    case DTLS_SERVER_METHOD:
      method = ::DTLS_server_method();
      break;
    case SSLv2_METHOD:
      throw_error(error_info(errc::not_supported, "SSLv2_METHOD: SSL 2.0 does not exist in OpenSSL 3"));
    case SSLv3_METHOD:
      throw_error(error_info(errc::not_supported, "SSLv3_METHOD: SSL 3.0 is not supported by this OpenSSL build"));
  }
  detail::clear_stale_errors();
  state().ctx.reset(::SSL_CTX_new(method));
  if (!state().ctx) {
    detail::throw_openssl_error("SSL_CTX_new");
  }
  state().protocol = protocol;
  SSL_CTX* ctx = state().ctx.get();
  // Without this link no callback can find the context: refuse now.
  if (context_state::ex_index() < 0 || ::SSL_CTX_set_ex_data(ctx, context_state::ex_index(), state_.get()) != 1) {
    detail::throw_openssl_error("cannot link the context to its state");
  }

  ::SSL_CTX_set_options(ctx, to_underlying(kDefaultOptions));
  // Moving write buffers are allowed so a retried write may come from a
  // different address holding the same bytes (the engine's gathered
  // plaintext moves when it grows). Record buffers are kept by OpenSSL and
  // given back by the engine when a connection goes idle
  // (BufferPolicy::adaptive), not after every record.
  ::SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
  check(::SSL_CTX_set_cipher_list(ctx, kDefaultCiphers), "SSL_CTX_set_cipher_list");
  // A session id context of its own for every context: a session resumes
  // only where it was made unless contexts are given the same one
  // (set_session_id) on purpose. A shared default would let a session from
  // a context that asks for no client certificate resume on one that
  // requires it, once ticket keys are shared.
  unsigned char sid_ctx[16];
  check(::RAND_bytes(sid_ctx, sizeof sid_ctx), "RAND_bytes");
  check(::SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx), "SSL_CTX_set_session_id_context");
  // Sessions live 300 s, as the seed documents (OpenSSL 3 would keep them
  // two hours): a stolen ticket is useful for minutes, not hours.
  ::SSL_CTX_set_timeout(ctx, kSessionTimeoutSeconds);
  // Python's verification parameters: no partial wildcards ("f*.example"),
  // no commonName fallback (hostname_checks_common_name), and trusted
  // certificates first when building the chain.
  ::X509_VERIFY_PARAM_set_hostflags(::SSL_CTX_get0_param(ctx), detail::hostname_check_flags);
  ::X509_VERIFY_PARAM_set_flags(::SSL_CTX_get0_param(ctx), X509_V_FLAG_TRUSTED_FIRST);
  ::SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, &detail::verify_trampoline);
  ::SSL_CTX_set_alpn_select_cb(ctx, &detail::alpn_select_trampoline, state_.get());
  ::SSL_CTX_set_tlsext_servername_arg(ctx, state_.get());
  ::SSL_CTX_set_tlsext_servername_callback(ctx, &detail::servername_trampoline);
  ::SSL_CTX_set_default_passwd_cb(ctx, &detail::password_trampoline);

  if (protocol == TLSv1_METHOD) {
    check(::SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION), "SSL_CTX_set_min_proto_version");
    check(::SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION), "SSL_CTX_set_max_proto_version");
  } else if (is_dtls(protocol)) {
    check(::SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION), "SSL_CTX_set_min_proto_version");
    // A server never sends a HelloVerifyRequest unless the cookie exchange
    // is on; a DTLS server must not answer an unverified address with a
    // large flight (RFC 6347 4.2.1). The default cookie binds the peer's
    // address (dtls_cookie.cpp); set_cookie_*_callback replace it.
    detail::install_default_cookie(state());
  } else {
    check(::SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION), "SSL_CTX_set_min_proto_version");
  }
  if (protocol == PROTOCOL_TLS_CLIENT || protocol == DTLS_CLIENT_METHOD) {
    set_verify_mode(CERT_REQUIRED);
    state().check_hostname = true;
  }
}

detail::context_state& Context::state() const { return *shared_state(); }

const std::shared_ptr<detail::context_state>& Context::shared_state() const {
  if (!state_) {
    detail::throw_value_error("this Context was moved from: use the Context it was moved to");
  }
  return state_;
}

Protocol Context::protocol() const noexcept { return state_ ? state_->protocol : PROTOCOL_TLS_CLIENT; }

SSL_CTX* Context::native_handle() const noexcept { return state_ ? state_->ctx.get() : nullptr; }

Context create_default_context(Purpose purpose, const VerifyLocations& locations) {
  Context ctx(purpose == Purpose::SERVER_AUTH ? PROTOCOL_TLS_CLIENT : PROTOCOL_TLS_SERVER);
  const bool have_locations = !locations.cafile.empty() || !locations.capath.empty() ||
                              !locations.cadata_pem.empty() || !locations.cadata_der.empty();
  if (have_locations) {
    ctx.load_verify_locations(locations);
  } else if (ctx.verify_mode() != CERT_NONE) {
    ctx.load_default_certs(purpose);
  }
  // As CPython 3.13: a chain ends at the first trusted certificate, even one
  // that is not self-signed (RFC 5280's trust anchors: an intermediate may be
  // trusted on its own), and OpenSSL's workarounds for malformed
  // certificates are off (X509_STRICT: e.g. a CA without keyCertSign, a
  // leaf without authorityKeyIdentifier, explicit EC parameters).
  ctx.set_verify_flags(ctx.verify_flags() | VERIFY_X509_PARTIAL_CHAIN | VERIFY_X509_STRICT);
  if (const char* keylog = ::secure_getenv("SSLKEYLOGFILE"); keylog != nullptr && *keylog != '\0') {
    ctx.set_keylog_filename(keylog);
  }
  return ctx;
}

DefaultVerifyPaths get_default_verify_paths() {
  DefaultVerifyPaths p;
  p.openssl_cafile_env = ::X509_get_default_cert_file_env();
  p.openssl_cafile = ::X509_get_default_cert_file();
  p.openssl_capath_env = ::X509_get_default_cert_dir_env();
  p.openssl_capath = ::X509_get_default_cert_dir();
  // As Python: the environment shadows the built-in paths, and a path that
  // does not exist is reported as none.
  const char* file_env = ::secure_getenv(p.openssl_cafile_env.c_str());
  const char* dir_env = ::secure_getenv(p.openssl_capath_env.c_str());
  const std::string cafile = file_env != nullptr ? file_env : p.openssl_cafile;
  const std::string capath = dir_env != nullptr ? dir_env : p.openssl_capath;
  std::error_code ec;
  p.cafile = std::filesystem::is_regular_file(cafile, ec) ? cafile : std::string();
  p.capath = std::filesystem::is_directory(capath, ec) ? capath : std::string();
  return p;
}

// ---------------------------------------------------------------------------
// Verification

VerifyMode Context::verify_mode() const {
  const int mode = ::SSL_CTX_get_verify_mode(state().ctx.get());
  if ((mode & SSL_VERIFY_PEER) == 0) {
    return CERT_NONE;
  }
  return (mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT) != 0 ? CERT_REQUIRED : CERT_OPTIONAL;
}

void Context::set_verify_mode(VerifyMode mode) {
  if (mode == CERT_NONE && state().check_hostname) {
    detail::throw_value_error("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
  }
  VerifyPeer bits = VERIFY_NONE;
  if (mode == CERT_OPTIONAL) {
    bits = VERIFY_PEER;
  } else if (mode == CERT_REQUIRED) {
    bits = VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  // Keep whatever extra bits (CLIENT_ONCE, POST_HANDSHAKE) were set.
  const int extra = ::SSL_CTX_get_verify_mode(state().ctx.get()) & (SSL_VERIFY_CLIENT_ONCE | SSL_VERIFY_POST_HANDSHAKE);
  ::SSL_CTX_set_verify(state().ctx.get(), to_underlying(bits) | extra, &detail::verify_trampoline);
}

bool Context::check_hostname() const { return state().check_hostname; }

void Context::set_check_hostname(bool on) {
  if (on && verify_mode() == CERT_NONE) {
    set_verify_mode(CERT_REQUIRED);
  }
  state().check_hostname = on;
}

bool Context::hostname_checks_common_name() const {
  const unsigned int flags = ::X509_VERIFY_PARAM_get_hostflags(::SSL_CTX_get0_param(state().ctx.get()));
  return (flags & X509_CHECK_FLAG_NEVER_CHECK_SUBJECT) == 0;
}

void Context::set_hostname_checks_common_name(bool on) {
  X509_VERIFY_PARAM* param = ::SSL_CTX_get0_param(state().ctx.get());
  const unsigned int flags = ::X509_VERIFY_PARAM_get_hostflags(param);
  ::X509_VERIFY_PARAM_set_hostflags(param, on ? flags & ~X509_CHECK_FLAG_NEVER_CHECK_SUBJECT
                                              : flags | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
}

VerifyFlags Context::verify_flags() const {
  return static_cast<VerifyFlags>(::X509_VERIFY_PARAM_get_flags(::SSL_CTX_get0_param(state().ctx.get())));
}

void Context::set_verify_flags(VerifyFlags flags) {
  X509_VERIFY_PARAM* param = ::SSL_CTX_get0_param(state().ctx.get());
  const unsigned long current = ::X509_VERIFY_PARAM_get_flags(param);
  const unsigned long wanted = to_underlying(flags);
  detail::clear_stale_errors();
  if (::X509_VERIFY_PARAM_clear_flags(param, current & ~wanted) != 1 ||
      ::X509_VERIFY_PARAM_set_flags(param, wanted & ~current) != 1) {
    detail::throw_openssl_error("set_verify_flags");
  }
}

void Context::set_verify(VerifyPeer mode, VerifyCallback callback) {
  if (!has_any(mode, VERIFY_PEER) && state().check_hostname) {
    detail::throw_value_error("Cannot set VERIFY_NONE when check_hostname is enabled.");
  }
  state().change_hooks([&](detail::handshake_hooks& h) { h.verify = std::move(callback); });
  ::SSL_CTX_set_verify(state().ctx.get(), to_underlying(mode), &detail::verify_trampoline);
}

VerifyPeer Context::get_verify_mode() const {
  return static_cast<VerifyPeer>(::SSL_CTX_get_verify_mode(state().ctx.get()));
}

void Context::set_verify_depth(int depth) {
  if (depth < 0) {
    detail::throw_value_error("verify depth must not be negative");
  }
  ::SSL_CTX_set_verify_depth(state().ctx.get(), depth);
}

int Context::get_verify_depth() const { return ::SSL_CTX_get_verify_depth(state().ctx.get()); }

void Context::load_verify_locations(const VerifyLocations& locations) {
  if (locations.cafile.empty() && locations.capath.empty() && locations.cadata_pem.empty() &&
      locations.cadata_der.empty()) {
    detail::throw_value_error("cafile, capath and cadata cannot be all omitted");
  }
  X509_STORE* store = ::SSL_CTX_get_cert_store(state().ctx.get());
  const auto add_all = [store](std::string_view data, FileType type) {
    for (auto& cert : detail::parse_certificates(data, type)) {
      detail::clear_stale_errors();
      if (::X509_STORE_add_cert(store, cert.get()) != 1) {
        // A certificate already present is not an error (Python ignores it too).
        const unsigned long err = ::ERR_peek_last_error();
        if (ERR_GET_LIB(err) != ERR_LIB_X509 || ERR_GET_REASON(err) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
          detail::throw_openssl_error("load_verify_locations");
        }
        ::ERR_clear_error();
      }
    }
  };
  if (!locations.cadata_pem.empty()) {
    add_all(locations.cadata_pem, FILETYPE_PEM);
  }
  if (!locations.cadata_der.empty()) {
    add_all({reinterpret_cast<const char*>(locations.cadata_der.data()), locations.cadata_der.size()},
            FILETYPE_ASN1);
  }
  if (!locations.cafile.empty() || !locations.capath.empty()) {
    if (!locations.cafile.empty()) {
      detail::require_readable_file(locations.cafile);
    }
    detail::clear_stale_errors();
    const char* file = locations.cafile.empty() ? nullptr : locations.cafile.c_str();
    const char* path = locations.capath.empty() ? nullptr : locations.capath.c_str();
    check(::SSL_CTX_load_verify_locations(state().ctx.get(), file, path), "load_verify_locations");
  }
}

void Context::load_verify_locations(const std::filesystem::path& cafile, const std::filesystem::path& capath) {
  VerifyLocations locations;
  locations.cafile = cafile;
  locations.capath = capath;
  load_verify_locations(locations);
}

void Context::load_default_certs(Purpose) {
  detail::clear_stale_errors();
  check(::SSL_CTX_set_default_verify_paths(state().ctx.get()), "set_default_verify_paths");
}

CertStore Context::get_cert_store() const { return CertStore::from_native(::SSL_CTX_get_cert_store(state().ctx.get())); }

namespace {

// for_each_ca calls `f` with each CA certificate in the store, as Python's
// get_ca_certs walks it.
template <typename F>
void for_each_ca(SSL_CTX* ctx, F&& f) {
  X509_STORE* store = ::SSL_CTX_get_cert_store(ctx);
  const STACK_OF(X509_OBJECT)* objects = ::X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    X509* cert = ::X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i));
    if (cert != nullptr && ::X509_check_ca(cert) != 0) {
      f(Certificate::from_native(cert));
    }
  }
}

}  // namespace

std::vector<CertInfo> Context::get_ca_certs() const {
  std::vector<CertInfo> out;
  for_each_ca(state().ctx.get(), [&](const Certificate& c) { out.push_back(c.decode()); });
  return out;
}

std::vector<std::vector<std::byte>> Context::get_ca_certs_der() const {
  std::vector<std::vector<std::byte>> out;
  for_each_ca(state().ctx.get(), [&](const Certificate& c) { out.push_back(c.der()); });
  return out;
}

Context::CertStoreStats Context::cert_store_stats() const {
  CertStoreStats stats;
  const STACK_OF(X509_OBJECT)* objects = ::X509_STORE_get0_objects(::SSL_CTX_get_cert_store(state().ctx.get()));
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    const X509_OBJECT* obj = sk_X509_OBJECT_value(objects, i);
    if (::X509_OBJECT_get_type(obj) == X509_LU_X509) {
      ++stats.x509;
      if (::X509_check_ca(::X509_OBJECT_get0_X509(obj)) != 0) {
        ++stats.x509_ca;
      }
    } else if (::X509_OBJECT_get_type(obj) == X509_LU_CRL) {
      ++stats.crl;
    }
  }
  return stats;
}


// ---------------------------------------------------------------------------
// Application data, connections

void Context::set_app_data(std::any data) { state().app_data = std::move(data); }

const std::any& Context::get_app_data() const { return state().app_data; }

Connection Context::wrap_bio(const ConnectionOptions& options) const {
  Connection conn(*this);
  configure(conn, options.server_side, options.server_hostname, options.session);
  return conn;
}

void Context::configure(Connection& conn, bool server_side, std::optional<std::string_view> server_hostname,
                        const std::optional<Session>& session) const {
  if (server_side && state().protocol == PROTOCOL_TLS_CLIENT) {
    detail::throw_value_error("Cannot create a server connection with a PROTOCOL_TLS_CLIENT context");
  }
  if (!server_side && state().protocol == PROTOCOL_TLS_SERVER) {
    detail::throw_value_error("Cannot create a client connection with a PROTOCOL_TLS_SERVER context");
  }
  if (server_side && server_hostname) {
    detail::throw_value_error("server_hostname can only be specified in client mode");
  }
  if (server_side && session) {
    detail::throw_value_error("session can only be specified in client mode");
  }
  if (!server_side && state().check_hostname && !server_hostname) {
    detail::throw_value_error("check_hostname requires server_hostname");
  }
  if (server_side) {
    conn.set_accept_state();
    return;
  }
  conn.set_connect_state();
  if (server_hostname) {
    conn.set_server_hostname(*server_hostname);
  }
  if (session) {
    conn.set_session(*session);
  }
}

// ---------------------------------------------------------------------------
// Second spellings (compat.hpp)

namespace compat {

Context& ContextNames::self() noexcept { return static_cast<Context&>(*this); }

void ContextNames::set_cipher_list(std::string_view ciphers) { self().set_ciphers(ciphers); }

void ContextNames::load_dh_params(const std::filesystem::path& dhfile) { self().load_tmp_dh(dhfile); }

void ContextNames::set_default_verify_paths() { self().load_default_certs(); }

namespace {
// proto_version reads pyOpenSSL's version number: 0 means no bound.
TLSVersion proto_version(int version, TLSVersion unbounded, const char* call) {
  switch (version) {
    case 0:
      return unbounded;
    case SSL3_VERSION:
    case TLS1_VERSION:
    case TLS1_1_VERSION:
    case TLS1_2_VERSION:
    case TLS1_3_VERSION:
    case DTLS1_VERSION:
    case DTLS1_2_VERSION:
      return static_cast<TLSVersion>(version);
    default:
      detail::throw_value_error(std::string(call) + ": " + std::to_string(version) +
                                " is not a TLS or DTLS version number (TLS1_2_VERSION is 0x0303, DTLS1_2_VERSION 0xFEFD), nor 0 for no bound");
  }
}
}  // namespace

void ContextNames::set_min_proto_version(int version) {
  self().set_minimum_version(proto_version(version, TLSVersion::MINIMUM_SUPPORTED, "set_min_proto_version"));
}

void ContextNames::set_max_proto_version(int version) {
  self().set_maximum_version(proto_version(version, TLSVersion::MAXIMUM_SUPPORTED, "set_max_proto_version"));
}

void ContextNames::set_alpn_protos(const std::vector<std::string>& protocols) { self().set_alpn_protocols(protocols); }

void ContextNames::set_tmp_ecdh(std::string_view curve_name) { self().set_ecdh_curve(curve_name); }

}  // namespace compat

}  // namespace sslpp
