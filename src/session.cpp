#include <sslpp/session.hpp>

#include <openssl/ssl.h>

#include "internal/handle.hpp"

namespace sslpp {

void Session::free_session::operator()(SSL_SESSION* p) const noexcept { ::SSL_SESSION_free(p); }

Session Session::from_native(SSL_SESSION* session) noexcept { return Session(detail::up_ref(session).release()); }

std::vector<std::byte> Session::id() const {
  unsigned int len = 0;
  const unsigned char* id = ::SSL_SESSION_get_id(session_.get(), &len);
  const auto* p = reinterpret_cast<const std::byte*>(id);
  return {p, p + len};
}

long Session::timeout() const noexcept { return ::SSL_SESSION_get_timeout(session_.get()); }

long Session::time() const noexcept { return ::SSL_SESSION_get_time(session_.get()); }

bool Session::has_ticket() const noexcept { return ::SSL_SESSION_has_ticket(session_.get()) == 1; }

bool Session::is_resumable() const noexcept { return ::SSL_SESSION_is_resumable(session_.get()) == 1; }

}  // namespace sslpp
