// ReloadableCredential: the slot a server's handshakes take their
// certificate from, and the certificate callback that hands each connection
// the credential current when its ClientHello is read.
//
// The slot holds an immutable snapshot behind a mutex-guarded shared_ptr: a
// handshake copies the pointer (a short critical section), a replacement
// publishes a new snapshot. SSL_use_cert_and_key takes its own references,
// so a connection keeps its credential however often the slot changes.
#include <sslpp/context.hpp>
#include <sslpp/credential_reload.hpp>

#include <mutex>

#include <openssl/ssl.h>

#include "internal/error_queue.hpp"
#include "internal/handle.hpp"

namespace sslpp {

namespace detail {

// credential_snapshot is one published credential, with the chain already
// in the form SSL_use_cert_and_key takes.
struct credential_snapshot {
  ServerCredential credential;
  unique_handle<STACK_OF(X509)> chain;
};

struct credential_slot {
  CredentialPolicy policy;

  [[nodiscard]] std::shared_ptr<const credential_snapshot> load() const {
    const std::lock_guard lock(mutex);
    return current;
  }
  void publish(std::shared_ptr<const credential_snapshot> next) {
    const std::lock_guard lock(mutex);
    current = std::move(next);
    ++generation;
  }

  mutable std::mutex mutex;  // guards the two below: loads stay short
  std::shared_ptr<const credential_snapshot> current;
  std::uint64_t generation = 0;
};

}  // namespace detail

namespace {

using detail::credential_slot;
using detail::credential_snapshot;
using detail::unique_handle;

// make_snapshot checks `candidate` (throwing CredentialError) and prepares
// it for handshakes.
std::shared_ptr<const credential_snapshot> make_snapshot(ServerCredential candidate, const CredentialPolicy& policy) {
  check_credential(candidate, policy);
  unique_handle<STACK_OF(X509)> chain(sk_X509_new_null());
  if (!chain) {
    throw std::bad_alloc();
  }
  for (const Certificate& cert : candidate.chain) {
    unique_handle<X509> ref = detail::up_ref(cert.native_handle());
    if (sk_X509_push(chain.get(), ref.get()) == 0) {
      throw std::bad_alloc();
    }
    (void)ref.release();  // the stack owns it now
  }
  return std::make_shared<const credential_snapshot>(credential_snapshot{std::move(candidate), std::move(chain)});
}

// The ex_data index on an SSL_CTX holding a heap shared_ptr to the slot
// attached to it, freed with the SSL_CTX.
void free_attached(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::shared_ptr<credential_slot>*>(ptr);
}

int attached_index() noexcept {
  static const int index = ::SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_attached);
  return index;
}

// The ex_data index on an SSL marking a connection that has taken its
// credential: it keeps that one (a TLS 1.3 HelloRetryRequest or a TLS 1.2
// renegotiation calls the certificate callback again).
int taken_index() noexcept {
  static const int index = ::SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int taken_marker = 0;  // its address is the mark

// cert_trampoline is the SSL_CTX_set_cert_cb callback. OpenSSL calls it on a
// server after the ClientHello (and after the servername callback, so a
// connection switched to another context gets that context's callback)
// and before it picks the cipher suite and signature algorithm, which
// depend on the key. The slot is found through the connection's current
// context, which the SSL holds (and the context the slot), rather than
// through the callback's argument, which SSL_new copied and a later attach
// would leave dangling.
int cert_trampoline(SSL* ssl, void*) noexcept {
  if (::SSL_is_server(ssl) != 1 || ::SSL_get_ex_data(ssl, taken_index()) != nullptr) {
    return 1;
  }
  const auto* attached =
      static_cast<const std::shared_ptr<credential_slot>*>(::SSL_CTX_get_ex_data(::SSL_get_SSL_CTX(ssl), attached_index()));
  if (attached == nullptr) {
    return 0;  // fail closed: the hook is here, its credential is not
  }
  const credential_slot* slot = attached->get();
  const std::shared_ptr<const credential_snapshot> snapshot = slot->load();
  // The context's own certificate, if it was given one, must not be picked
  // instead (OpenSSL chooses among the certificates a connection holds).
  ::SSL_certs_clear(ssl);
  if (::SSL_use_cert_and_key(ssl, snapshot->credential.certificate.native_handle(),
                             snapshot->credential.key.native_handle(), snapshot->chain.get(), 1) != 1 ||
      ::SSL_set_ex_data(ssl, taken_index(), &taken_marker) != 1) {
    return 0;  // the handshake fails with an internal_error alert
  }
  return 1;
}

}  // namespace

ReloadableCredential::ReloadableCredential(ServerCredential initial, CredentialPolicy policy)
    : slot_(std::make_shared<credential_slot>()) {
  slot_->policy = std::move(policy);
  slot_->current = make_snapshot(std::move(initial), slot_->policy);
}

void ReloadableCredential::replace(ServerCredential candidate) {
  // Checked outside the lock: a slow check never holds up a handshake.
  slot_->publish(make_snapshot(std::move(candidate), slot_->policy));
}

void ReloadableCredential::replace(ServerCredential candidate, std::error_code& ec) {
  try {
    replace(std::move(candidate));
    ec.clear();
  } catch (const CredentialError& e) {
    ec = e.code();
  }
}

void ReloadableCredential::reload(const std::filesystem::path& certfile, const std::filesystem::path& keyfile,
                                  std::optional<std::string_view> password) {
  replace(ServerCredential::load(certfile, keyfile, password));
}

void ReloadableCredential::reload(const std::filesystem::path& certfile, const std::filesystem::path& keyfile,
                                  std::optional<std::string_view> password, std::error_code& ec) {
  try {
    reload(certfile, keyfile, password);
    ec.clear();
  } catch (const CredentialError& e) {
    ec = e.code();
  }
}

std::shared_ptr<const ServerCredential> ReloadableCredential::current() const {
  std::shared_ptr<const credential_snapshot> snapshot = slot_->load();
  const ServerCredential* credential = &snapshot->credential;
  return {std::move(snapshot), credential};
}

std::uint64_t ReloadableCredential::generation() const {
  const std::lock_guard lock(slot_->mutex);
  return slot_->generation;
}

void ReloadableCredential::attach(Context& context) const {
  if (context.protocol() == PROTOCOL_TLS_CLIENT) {
    detail::throw_value_error("ReloadableCredential::attach needs a server context (PROTOCOL_TLS_SERVER)");
  }
  SSL_CTX* ctx = context.native_handle();
  const int index = attached_index();
  if (index < 0) {
    throw std::bad_alloc();
  }
  auto holder = std::make_unique<std::shared_ptr<credential_slot>>(slot_);
  std::unique_ptr<std::shared_ptr<credential_slot>> previous(
      static_cast<std::shared_ptr<credential_slot>*>(::SSL_CTX_get_ex_data(ctx, index)));
  detail::clear_stale_errors();
  if (::SSL_CTX_set_ex_data(ctx, index, holder.get()) != 1) {
    (void)previous.release();  // still attached
    detail::throw_openssl_error("ReloadableCredential::attach");
  }
  (void)holder.release();  // the context owns it now
  ::SSL_CTX_set_cert_cb(ctx, &cert_trampoline, nullptr);
}

}  // namespace sslpp
