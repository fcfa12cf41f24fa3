/// \file
/// Session: a resumable TLS session, held by reference.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

// OpenSSL declares SSL_SESSION in <openssl/ssl.h>; repeating the typedef keeps
// that header out of user code.
/// \cond
typedef struct ssl_session_st SSL_SESSION;
/// \endcond

#include <sslpp/export.hpp>

namespace sslpp {

namespace detail {
struct session_origin;
}

/// Session is a TLS session a client can offer on a later connection to
/// resume it (Python's SSLSession). It holds the OpenSSL session by reference:
/// passing it on never re-encodes it. Copies share the same session.
/// Thread-safe to share between threads.
class SSLPP_API Session {
 public:
  /// from_native takes a new reference to `session` (borrowed).
  static Session from_native(SSL_SESSION* session);

  /// id is the session ID (may be empty for TLS 1.3 tickets).
  [[nodiscard]] std::vector<std::byte> id() const;
  ///@{
  /// timeout is the lifetime in seconds; time the creation time (epoch seconds).
  [[nodiscard]] long timeout() const noexcept;
  [[nodiscard]] long time() const noexcept;
  ///@}
  /// has_ticket is true when the session carries a TLS session ticket.
  [[nodiscard]] bool has_ticket() const noexcept;
  /// is_resumable is false for a session that can no longer be offered.
  [[nodiscard]] bool is_resumable() const noexcept;
  /// server_hostname is the SNI name the session was made with, nullopt
  /// when none was sent (a server addressed by IP address).
  [[nodiscard]] std::optional<std::string> server_hostname() const;

  /// to_pem is the session as an "SSL SESSION PARAMETERS" PEM block (what
  /// `openssl s_client -sess_out` writes). It holds the session's master
  /// secret: whoever reads it can decrypt the connections that resume it.
  [[nodiscard]] std::string to_pem() const;
  /// from_pem reads what to_pem (or `openssl s_client -sess_out`) wrote;
  /// SSLError when `pem` holds no session or a malformed one. A session
  /// read back does not know the Context that made it, so set_session
  /// cannot refuse it; a client connection still holds a resumed session
  /// to its own policy when the handshake ends (the verdict recorded when
  /// the session was made, the server name).
  static Session from_pem(std::string_view pem);

  /// native_handle is the borrowed SSL_SESSION*, valid while this object
  /// (or a copy) lives.
  [[nodiscard]] SSL_SESSION* native_handle() const noexcept { return session_.get(); }

 private:
  struct free_session {
    void operator()(SSL_SESSION* p) const noexcept;
  };
  friend class Connection;
  // Not noexcept: the shared_ptr allocates (std::bad_alloc; the session is freed).
  explicit Session(SSL_SESSION* owned) : session_(owned, free_session{}) {}
  std::shared_ptr<SSL_SESSION> session_;
  // Where a client connection made it (Connection::session), so that
  // set_session can refuse it elsewhere. Kept in the handle, not in the
  // shared SSL_SESSION: a getter never writes to what other threads read.
  std::shared_ptr<const detail::session_origin> origin_;
};

}  // namespace sslpp
