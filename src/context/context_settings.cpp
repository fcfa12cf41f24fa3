// Context's settings beyond verification: its own certificate and key,
// protocol versions, ciphers, ALPN, key logging and client CA names. Key
// exchange and signature settings are in context_key_exchange.cpp.
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
#include "internal/secret.hpp"
#include "x509/pem.hpp"
#include "x509/verify_name.hpp"

namespace sslpp {

namespace {

using detail::check;
using detail::context_state;

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

// to_openssl_version is OpenSSL's number for `v` as a minimum or maximum of
// a TLS or (`dtls`) a DTLS context; 0 is no bound. A TLS version on a DTLS
// context, or the reverse, is a ValueError: OpenSSL would take the number
// and silently mean something else (or nothing).
int to_openssl_version(TLSVersion v, bool is_minimum, bool dtls) {
  switch (v) {
    case TLSVersion::MINIMUM_SUPPORTED:
      return is_minimum ? 0 : (dtls ? DTLS1_VERSION : TLS1_VERSION);
    case TLSVersion::MAXIMUM_SUPPORTED:
      return is_minimum ? (dtls ? DTLS1_2_VERSION : TLS1_3_VERSION) : 0;
    case TLSVersion::SSLv3:
      if (!HAS_SSLv3) {
        ErrorInfo info = error_info(errc::not_supported, "SSLv3 is not supported by this OpenSSL build");
        throw_error(std::move(info));
      }
      [[fallthrough]];
    case TLSVersion::TLSv1:
    case TLSVersion::TLSv1_1:
    case TLSVersion::TLSv1_2:
    case TLSVersion::TLSv1_3:
      if (dtls) {
        detail::throw_value_error(std::string(to_string(v)) +
                                  " is a TLS version and this is a DTLS context: use TLSVersion::DTLSv1_2 or DTLSv1");
      }
      return to_underlying(v);
    case TLSVersion::DTLSv1:
    case TLSVersion::DTLSv1_2:
      if (!dtls) {
        detail::throw_value_error(std::string(to_string(v)) +
                                  " is a DTLS version and this is a TLS context (made with a DTLS_* method, it would be one)");
      }
      return to_underlying(v);
  }
  detail::throw_value_error("Unsupported TLS/SSL version " + std::to_string(to_underlying(v)));
}

TLSVersion from_openssl_version(long v, TLSVersion unbounded) {
  return v == 0 ? unbounded : static_cast<TLSVersion>(v);
}

}  // namespace

// ---------------------------------------------------------------------------
// Own certificate and key

void Context::load_cert_chain(const std::filesystem::path& certfile, const std::filesystem::path& keyfile,
                              std::optional<std::string_view> password) {
  if (password) {
    // The callable refers to the caller's password (alive for this call)
    // instead of keeping a copy that would outlive it unwiped.
    const std::string_view pw = *password;
    load_cert_chain(certfile, keyfile, [pw] { return std::string(pw); });
  } else {
    load_cert_chain(certfile, keyfile, std::function<std::string()>());
  }
}

void Context::load_cert_chain(const std::filesystem::path& certfile, const std::filesystem::path& keyfile,
                              const std::function<std::string()>& password) {
  use_certificate_chain_file(certfile);
  const detail::secret_text key_data(detail::read_file(keyfile.empty() ? certfile : keyfile));
  detail::password_source source = password_source_for(state());
  if (password) {
    source.provide = [&password](int, bool) { return password(); };
  }
  const PrivateKey key = PrivateKey::from_native(
      detail::parse_private_key(key_data.str(), FILETYPE_PEM, &source).get());
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
  const detail::secret_text data(detail::read_file(file));
  detail::password_source source = password_source_for(state());
  const PrivateKey key = PrivateKey::from_native(detail::parse_private_key(data.str(), type, &source).get());
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
  if (::SSL_CTX_set_min_proto_version(state().ctx.get(), to_openssl_version(version, true, is_dtls(protocol()))) != 1) {
    detail::throw_value_error("Unsupported protocol version " + std::string(to_string(version)));
  }
}

void Context::set_maximum_version(TLSVersion version) {
  detail::clear_stale_errors();
  if (::SSL_CTX_set_max_proto_version(state().ctx.get(), to_openssl_version(version, false, is_dtls(protocol()))) != 1) {
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

std::vector<unsigned char> detail::alpn_wire_format(const std::vector<std::string>& protocols) {
  std::vector<unsigned char> wire;
  for (const auto& p : protocols) {
    if (p.empty() || p.size() > 255) {
      detail::throw_value_error("ALPN protocol name must be 1 to 255 bytes: '" + p + "'");
    }
    wire.push_back(static_cast<unsigned char>(p.size()));
    wire.insert(wire.end(), p.begin(), p.end());
  }
  return wire;
}

void Context::set_alpn_protocols(const std::vector<std::string>& protocols) {
  std::vector<unsigned char> wire = detail::alpn_wire_format(protocols);
  // SSL_CTX_set_alpn_protos returns 0 on success (unlike most of OpenSSL).
  if (::SSL_CTX_set_alpn_protos(state().ctx.get(), wire.data(), static_cast<unsigned int>(wire.size())) != 0) {
    detail::throw_openssl_error("set_alpn_protocols");
  }
  state().change_hooks([&](detail::handshake_hooks& h) { h.alpn_wire = std::move(wire); });
}

bool Context::alpn_no_overlap_alert() const { return state().alpn_no_overlap_alert; }

void Context::set_alpn_no_overlap_alert(bool on) { state().alpn_no_overlap_alert = on; }

BufferPolicy Context::buffer_policy() const {
  if ((::SSL_CTX_get_mode(state().ctx.get()) & SSL_MODE_RELEASE_BUFFERS) != 0) {
    return BufferPolicy::release_per_record;
  }
  return state().buffer_policy;
}

void Context::set_buffer_policy(BufferPolicy policy) {
  detail::context_state& s = state();
  if (policy == BufferPolicy::release_per_record) {
    ::SSL_CTX_set_mode(s.ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  } else {
    ::SSL_CTX_clear_mode(s.ctx.get(), SSL_MODE_RELEASE_BUFFERS);
    s.buffer_policy = policy;
  }
}

bool Context::auto_chain() const { return (::SSL_CTX_get_mode(state().ctx.get()) & SSL_MODE_NO_AUTO_CHAIN) == 0; }

void Context::set_auto_chain(bool on) {
  if (on) {
    ::SSL_CTX_clear_mode(state().ctx.get(), SSL_MODE_NO_AUTO_CHAIN);
  } else {
    ::SSL_CTX_set_mode(state().ctx.get(), SSL_MODE_NO_AUTO_CHAIN);
  }
}

bool Context::release_buffers() const { return buffer_policy() != BufferPolicy::keep; }

void Context::set_release_buffers(bool on) {
  set_buffer_policy(on ? BufferPolicy::release_per_record : BufferPolicy::keep);
}

std::filesystem::path Context::keylog_filename() const { return state().keylog_path; }

void Context::set_keylog_filename(const std::filesystem::path& file) {
  const std::lock_guard lock(state().keylog_mutex);
  if (file.empty()) {
    state().keylog_file.reset();
    state().keylog_path.clear();
    if (!state().hooks()->keylog) {
      ::SSL_CTX_set_keylog_callback(state().ctx.get(), nullptr);
    }
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
  ::SSL_CTX_set_keylog_callback(state().ctx.get(), &detail::keylog_trampoline);
}

void Context::set_keylog_callback(KeylogCallback callback) {
  const bool any = static_cast<bool>(callback);
  state().change_hooks([&](detail::handshake_hooks& h) { h.keylog = std::move(callback); });
  const std::lock_guard lock(state().keylog_mutex);
  // No hook when neither a file nor a callback wants the lines.
  const bool wanted = any || state().keylog_file != nullptr;
  ::SSL_CTX_set_keylog_callback(state().ctx.get(), wanted ? &detail::keylog_trampoline : nullptr);
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
// Sessions and security level

SessionCacheMode Context::get_session_cache_mode() const {
  return static_cast<SessionCacheMode>(::SSL_CTX_get_session_cache_mode(state().ctx.get()));
}

SessionCacheMode Context::set_session_cache_mode(SessionCacheMode mode) {
  return static_cast<SessionCacheMode>(::SSL_CTX_set_session_cache_mode(state().ctx.get(), to_underlying(mode)));
}

int Context::security_level() const { return ::SSL_CTX_get_security_level(state().ctx.get()); }

}  // namespace sslpp
