// --starttls: the plain-text upgrade dance some protocols do on their own
// port before the TLS handshake (SMTP's STARTTLS, IMAP's STARTTLS, POP3's
// STLS, FTP's AUTH TLS, PostgreSQL's SSLRequest, XMPP's <starttls/>, LDAP's
// StartTLS extended operation). Each dance reads exactly the bytes it needs,
// one at a time, so no byte of the server's TLS reply is read ahead of the
// handshake.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <sslpp/sslpp.hpp>

namespace sslpp::cli {

/// StartTlsProtocol is a protocol --starttls knows.
enum class StartTlsProtocol { smtp, imap, pop3, ftp, postgres, xmpp, ldap };

/// parse_starttls parses one of smtp, imap, pop3, ftp, postgres, xmpp, ldap.
StartTlsProtocol parse_starttls(std::string_view option, std::string_view text);

/// StartTLSError is a server that refused the upgrade or spoke another
/// protocol: "StartTLSError: smtp: server did not advertise STARTTLS after
/// EHLO: ...". Exit status 1, like every failure of the peer.
class StartTLSError : public OSError {
 public:
  using OSError::OSError;
  [[nodiscard]] const char* class_name() const noexcept override { return "StartTLSError"; }
};

/// starttls runs the dance for `protocol` on the connected plain socket,
/// within `timeout` in all. `domain` is the server's name where the
/// protocol sends one (XMPP's stream header). Throws StartTLSError,
/// TimeoutError or the socket's OSError.
void starttls(Socket& sock, StartTlsProtocol protocol, std::string_view domain,
              std::chrono::duration<double> timeout);

}  // namespace sslpp::cli
