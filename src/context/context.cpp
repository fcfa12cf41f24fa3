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

using detail::context_state;

// Python's default cipher string (PY_SSL_DEFAULT_CIPHER_STRING): forward
// secret AEAD and AES suites only; no RC4, 3DES, anonymous, NULL or SHA-1 MACs.
constexpr const char* kDefaultCiphers =
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM";

// The options Python's SSLContext starts with, minus OP_IGNORE_UNEXPECTED_EOF,
// which some Python builds add and which would hide truncation.
constexpr Options kDefaultOptions =
    OP_ALL | OP_NO_SSLv2 | OP_NO_SSLv3 | OP_NO_COMPRESSION | OP_CIPHER_SERVER_PREFERENCE | OP_SINGLE_DH_USE |
    OP_SINGLE_ECDH_USE | OP_ENABLE_MIDDLEBOX_COMPAT;

constexpr long kSessionTimeoutSeconds = 300;

void check(int ok, const char* what) {
  if (ok != 1) {
    detail::throw_openssl_error(what);
  }
}

void keylog_trampoline(const SSL* ssl, const char* line) noexcept {
  context_state* state = context_state::from(::SSL_get_SSL_CTX(ssl));
  if (state == nullptr) {
    return;
  }
  const std::lock_guard lock(state->keylog_mutex);
  if (std::FILE* f = state->keylog_file.get()) {
    std::fputs(line, f);
    std::fputc('\n', f);
    std::fflush(f);
  }
}

// password_source_for asks the context's set_passwd_cb callback, if any.
detail::password_source password_source_for(context_state& state) {
  detail::password_source source;
  if (state.password_callback) {
    source.provide = [&state](int maxlen, bool verify) {
      return state.password_callback(maxlen, verify, state.password_userdata);
    };
  }
  return source;
}

int to_openssl_version(TLSVersion v, bool is_minimum) {
  switch (v) {
    case TLSVersion::MINIMUM_SUPPORTED:
      return is_minimum ? 0 : TLS1_VERSION;
    case TLSVersion::MAXIMUM_SUPPORTED:
      return is_minimum ? TLS1_3_VERSION : 0;
    case TLSVersion::SSLv3:
      if (!HAS_SSLv3) {
        ErrorInfo info = error_info(errc::not_supported, "SSLv3 is not supported by this OpenSSL build");
        throw_error(std::move(info));
      }
      return SSL3_VERSION;
    case TLSVersion::TLSv1:
    case TLSVersion::TLSv1_1:
    case TLSVersion::TLSv1_2:
    case TLSVersion::TLSv1_3:
      return to_underlying(v);
  }
  detail::throw_value_error("Unsupported TLS/SSL version " + std::to_string(to_underlying(v)));
}

TLSVersion from_openssl_version(long v, TLSVersion unbounded) {
  return v == 0 ? unbounded : static_cast<TLSVersion>(v);
}

}  // namespace

// ---------------------------------------------------------------------------
// Construction

Context::Context() : Context(PROTOCOL_TLS_CLIENT) {}

Context::Context(Protocol protocol) : state_(std::make_shared<context_state>()) {
  const SSL_METHOD* method = nullptr;
  switch (protocol) {
    case PROTOCOL_TLS:
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
  // Idle connections give their record buffers back (about 34 KB per
  // connection); moving write buffers are allowed so a retried write may
  // come from a different address holding the same bytes.
  ::SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
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
  // and trusted certificates first when building the chain.
  ::X509_VERIFY_PARAM_set_hostflags(::SSL_CTX_get0_param(ctx), detail::hostname_check_flags);
  ::X509_VERIFY_PARAM_set_flags(::SSL_CTX_get0_param(ctx), X509_V_FLAG_TRUSTED_FIRST);
  ::SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, &detail::verify_trampoline);
  ::SSL_CTX_set_alpn_select_cb(ctx, &detail::alpn_select_trampoline, state_.get());
  ::SSL_CTX_set_default_passwd_cb(ctx, &detail::password_trampoline);

  if (protocol == TLSv1_METHOD) {
    check(::SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION), "SSL_CTX_set_min_proto_version");
    check(::SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION), "SSL_CTX_set_max_proto_version");
  } else {
    check(::SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION), "SSL_CTX_set_min_proto_version");
  }
  if (protocol == PROTOCOL_TLS_CLIENT) {
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
// Own certificate and key

void Context::load_cert_chain(const std::filesystem::path& certfile, const std::filesystem::path& keyfile,
                              std::optional<std::string_view> password) {
  if (password) {
    load_cert_chain(certfile, keyfile, [pw = std::string(*password)] { return pw; });
  } else {
    load_cert_chain(certfile, keyfile, std::function<std::string()>());
  }
}

void Context::load_cert_chain(const std::filesystem::path& certfile, const std::filesystem::path& keyfile,
                              const std::function<std::string()>& password) {
  use_certificate_chain_file(certfile);
  const std::string key_data = detail::read_file(keyfile.empty() ? certfile : keyfile);
  detail::password_source source = password_source_for(state());
  if (password) {
    source.provide = [&password](int, bool) { return password(); };
  }
  const PrivateKey key = PrivateKey::from_native(
      detail::parse_private_key(key_data, FILETYPE_PEM, &source).get());
  use_privatekey(key);
  check_privatekey();
}

void Context::use_certificate(const Certificate& certificate) {
  detail::clear_stale_errors();
  check(::SSL_CTX_use_certificate(state().ctx.get(), certificate.native_handle()), "use_certificate");
}

void Context::use_certificate_file(const std::filesystem::path& file, FileType type) {
  use_certificate(Certificate::load(file, type));
}

void Context::use_certificate_chain_file(const std::filesystem::path& file) {
  detail::require_readable_file(file);
  detail::clear_stale_errors();
  check(::SSL_CTX_use_certificate_chain_file(state().ctx.get(), file.c_str()), "use_certificate_chain_file");
}

void Context::add_extra_chain_cert(const Certificate& certificate) {
  detail::clear_stale_errors();
  // The extra chain serves every certificate of the context, whatever order
  // certificates are set in (unlike SSL_CTX_add0_chain_cert, which attaches
  // to the current one). It takes ownership of one reference on success.
  X509* ref = detail::up_ref(certificate.native_handle()).release();
  if (SSL_CTX_add_extra_chain_cert(state().ctx.get(), ref) != 1) {
    ::X509_free(ref);
    detail::throw_openssl_error("add_extra_chain_cert");
  }
}

void Context::use_privatekey(const PrivateKey& key) {
  detail::clear_stale_errors();
  check(::SSL_CTX_use_PrivateKey(state().ctx.get(), key.native_handle()), "use_privatekey");
}

void Context::use_privatekey_file(const std::filesystem::path& file, FileType type) {
  const std::string data = detail::read_file(file);
  detail::password_source source = password_source_for(state());
  const PrivateKey key = PrivateKey::from_native(detail::parse_private_key(data, type, &source).get());
  use_privatekey(key);
}

void Context::check_privatekey() const {
  detail::clear_stale_errors();
  check(::SSL_CTX_check_private_key(state().ctx.get()), "check_privatekey");
}

void Context::set_passwd_cb(PasswordCallback callback, std::any userdata) {
  state().password_callback = std::move(callback);
  state().password_userdata = std::move(userdata);
}

// ---------------------------------------------------------------------------
// Protocol settings

Options Context::options() const { return static_cast<Options>(::SSL_CTX_get_options(state().ctx.get())); }

Options Context::set_options(Options options) {
  return static_cast<Options>(::SSL_CTX_set_options(state().ctx.get(), to_underlying(options)));
}

Options Context::clear_options(Options options) {
  return static_cast<Options>(::SSL_CTX_clear_options(state().ctx.get(), to_underlying(options)));
}

TLSVersion Context::minimum_version() const {
  return from_openssl_version(::SSL_CTX_get_min_proto_version(state().ctx.get()), TLSVersion::MINIMUM_SUPPORTED);
}

TLSVersion Context::maximum_version() const {
  return from_openssl_version(::SSL_CTX_get_max_proto_version(state().ctx.get()), TLSVersion::MAXIMUM_SUPPORTED);
}

void Context::set_minimum_version(TLSVersion version) {
  detail::clear_stale_errors();
  if (::SSL_CTX_set_min_proto_version(state().ctx.get(), to_openssl_version(version, true)) != 1) {
    detail::throw_value_error("Unsupported protocol version " + std::string(to_string(version)));
  }
}

void Context::set_maximum_version(TLSVersion version) {
  detail::clear_stale_errors();
  if (::SSL_CTX_set_max_proto_version(state().ctx.get(), to_openssl_version(version, false)) != 1) {
    detail::throw_value_error("Unsupported protocol version " + std::string(to_string(version)));
  }
}

void Context::set_ciphers(std::string_view ciphers) {
  detail::clear_stale_errors();
  const std::string list(ciphers);
  if (::SSL_CTX_set_cipher_list(state().ctx.get(), list.c_str()) != 1) {
    ErrorInfo info = detail::take_error_queue(errc::invalid_argument);
    info.message = "No cipher can be selected for '" + list + "': " + info.message;
    throw_error(std::move(info));
  }
}

void Context::set_ciphersuites(std::string_view suites) {
  detail::clear_stale_errors();
  const std::string list(suites);
  if (::SSL_CTX_set_ciphersuites(state().ctx.get(), list.c_str()) != 1) {
    ErrorInfo info = detail::take_error_queue(errc::invalid_argument);
    info.message = "No TLS 1.3 cipher suite can be selected for '" + list + "': " + info.message;
    throw_error(std::move(info));
  }
}

std::vector<CipherDescription> Context::get_ciphers() const {
  std::vector<CipherDescription> out;
  const STACK_OF(SSL_CIPHER)* ciphers = ::SSL_CTX_get_ciphers(state().ctx.get());
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    char buf[256];
    CipherDescription d;
    d.name = ::SSL_CIPHER_get_name(c);
    d.protocol = ::SSL_CIPHER_get_version(c);
    d.secret_bits = ::SSL_CIPHER_get_bits(c, nullptr);
    d.description = ::SSL_CIPHER_description(c, buf, sizeof buf);
    while (!d.description.empty() && (d.description.back() == '\n' || d.description.back() == ' ')) {
      d.description.pop_back();
    }
    out.push_back(std::move(d));
  }
  return out;
}

void Context::set_alpn_protocols(const std::vector<std::string>& protocols) {
  std::vector<unsigned char> wire;
  for (const auto& p : protocols) {
    if (p.empty() || p.size() > 255) {
      detail::throw_value_error("ALPN protocol name must be 1 to 255 bytes: '" + p + "'");
    }
    wire.push_back(static_cast<unsigned char>(p.size()));
    wire.insert(wire.end(), p.begin(), p.end());
  }
  // SSL_CTX_set_alpn_protos returns 0 on success (unlike most of OpenSSL).
  if (::SSL_CTX_set_alpn_protos(state().ctx.get(), wire.data(), static_cast<unsigned int>(wire.size())) != 0) {
    detail::throw_openssl_error("set_alpn_protocols");
  }
  state().change_hooks([&](detail::handshake_hooks& h) { h.alpn_wire = std::move(wire); });
}

bool Context::release_buffers() const {
  return (::SSL_CTX_get_mode(state().ctx.get()) & SSL_MODE_RELEASE_BUFFERS) != 0;
}

void Context::set_release_buffers(bool on) {
  if (on) {
    ::SSL_CTX_set_mode(state().ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  } else {
    ::SSL_CTX_clear_mode(state().ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  }
}

std::filesystem::path Context::keylog_filename() const { return state().keylog_path; }

void Context::set_keylog_filename(const std::filesystem::path& file) {
  const std::lock_guard lock(state().keylog_mutex);
  if (file.empty()) {
    state().keylog_file.reset();
    state().keylog_path.clear();
    ::SSL_CTX_set_keylog_callback(state().ctx.get(), nullptr);
    return;
  }
  // Secrets: readable by the owner only, and not inherited by child processes.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  std::FILE* f = fd >= 0 ? ::fdopen(fd, "a") : nullptr;
  if (f == nullptr) {
    const int err = errno;
    if (fd >= 0) {
      ::close(fd);
    }
    detail::throw_os_error(err, file);
  }
  state().keylog_file.reset(f);
  state().keylog_path = file;
  ::SSL_CTX_set_keylog_callback(state().ctx.get(), &keylog_trampoline);
}

// ---------------------------------------------------------------------------
// Client certificate requests

void Context::load_client_ca(const std::filesystem::path& cafile) {
  // Replaces the list, as pyOpenSSL's does, and only once the whole file
  // has been read: a bad file leaves the list as it was. Read with our own
  // reader so a missing file is an OSError naming it.
  const auto certs = detail::parse_certificates(detail::read_file(cafile), FILETYPE_PEM);
  std::vector<Name> names;
  for (const auto& cert : certs) {
    Name name = Name::from_native(::X509_get_subject_name(cert.get()));
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  }
  set_client_ca_list(names);
}

void Context::set_client_ca_list(const std::vector<Name>& names) {
  detail::clear_stale_errors();
  STACK_OF(X509_NAME)* list = sk_X509_NAME_new_null();
  const auto fail = [&list] {
    sk_X509_NAME_pop_free(list, ::X509_NAME_free);
    detail::throw_openssl_error("set_client_ca_list");
  };
  if (list == nullptr) {
    fail();
  }
  for (const Name& name : names) {
    X509_NAME* copy = ::X509_NAME_dup(name.native_handle());
    if (copy == nullptr || sk_X509_NAME_push(list, copy) == 0) {
      ::X509_NAME_free(copy);
      fail();
    }
  }
  ::SSL_CTX_set_client_CA_list(state().ctx.get(), list);  // takes ownership
}

void Context::add_client_ca(const Certificate& certificate) {
  detail::clear_stale_errors();
  check(::SSL_CTX_add_client_CA(state().ctx.get(), certificate.native_handle()), "add_client_ca");
}

bool Context::post_handshake_auth() const { return state().post_handshake_auth; }

void Context::set_post_handshake_auth(bool on) {
  state().post_handshake_auth = on;
  ::SSL_CTX_set_post_handshake_auth(state().ctx.get(), on ? 1 : 0);
}

// ---------------------------------------------------------------------------
// Key exchange

void Context::load_tmp_dh(const std::filesystem::path& dhfile) {
  const std::string data = detail::read_file(dhfile);
  detail::clear_stale_errors();
  auto bio = detail::memory_bio(data);
  detail::unique_handle<EVP_PKEY> params(::PEM_read_bio_Parameters(bio.get(), nullptr));
  if (!params || ::EVP_PKEY_is_a(params.get(), "DH") != 1) {
    if (params) {
      ERR_raise_data(ERR_LIB_EVP, EVP_R_EXPECTING_A_DH_KEY, "the file holds other parameters");
    }
    detail::throw_openssl_error("load_tmp_dh");
  }
  // set0: on success the context owns the parameters.
  check(::SSL_CTX_set0_tmp_dh_pkey(state().ctx.get(), params.get()), "load_tmp_dh");
  params.release();
}

void Context::set_ecdh_curve(std::string_view curve_name) {
  // One named group, looked up as Python does: not OpenSSL's group-list
  // syntax, whose "DEFAULT" or "?name" would mean something else.
  const std::string name(curve_name);
  int nid = ::OBJ_sn2nid(name.c_str());
  if (nid == NID_undef) {
    nid = ::EC_curve_nist2nid(name.c_str());
  }
  detail::clear_stale_errors();
  if (nid == NID_undef || ::SSL_CTX_set1_groups(state().ctx.get(), &nid, 1) != 1) {
    ::ERR_clear_error();
    detail::throw_value_error("unknown elliptic curve name '" + name + "'");
  }
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

}  // namespace compat

}  // namespace sslpp
