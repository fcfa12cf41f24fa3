/// \file
/// DTLS (TLS over datagrams, RFC 6347), as pyOpenSSL has it: what a Context
/// and a Connection made with DTLS_METHOD, DTLS_CLIENT_METHOD or
/// DTLS_SERVER_METHOD add to TLS. The cookie callbacks of the stateless
/// cookie exchange, and the keys SRTP (RFC 5764) derives from a DTLS
/// handshake. The UDP drivers are in dtls_socket.hpp.
///
/// A DTLS Connection is sans-IO like a TLS one, with datagrams in place of
/// a byte stream: each bio_write (or input_space + commit_input) is one
/// datagram received, each bio_read (or peek_output + consume_output) one
/// datagram to send, and nothing is merged or cut. OpenSSL retransmits lost
/// handshake flights on a timer the caller drives: dtls_timeout says when,
/// handle_dtls_timeout does it.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <sslpp/secure_bytes.hpp>

namespace sslpp {

class Connection;

/// The largest cookie DTLS 1.2 carries (a HelloVerifyRequest's cookie field).
inline constexpr std::size_t dtls_max_cookie_length = 255;

/// CookieGenerateCallback is pyOpenSSL's set_cookie_generate_callback
/// callback: the cookie a server sends in its HelloVerifyRequest to the
/// client of `connection` (1 to 255 bytes). A cookie should prove that the
/// client receives datagrams at its address: bind it to
/// `connection.peer_address()` with a secret, as the default one does.
using CookieGenerateCallback = std::function<std::vector<std::byte>(Connection& connection)>;

/// CookieVerifyCallback is pyOpenSSL's set_cookie_verify_callback callback:
/// true when `cookie`, echoed in a client's second ClientHello, is one the
/// server generated for that client.
using CookieVerifyCallback = std::function<bool(Connection& connection, std::span<const std::byte> cookie)>;

/// SrtpKeys are the SRTP master keys and salts of a DTLS-SRTP connection
/// (RFC 5764 section 4.2): keying material exported with the label
/// "EXTRACTOR-dtls_srtp", cut in the RFC's order. The client protects what
/// it sends with the client key and salt, the server with the server's.
struct SrtpKeys {
  /// profile is the SRTP protection profile agreed ("SRTP_AES128_CM_SHA1_80").
  std::string profile;
  /// client_key / server_key: the SRTP master keys.
  SecureBytes client_key;
  /// server_key: see client_key.
  SecureBytes server_key;
  /// client_salt / server_salt: the SRTP master salts.
  SecureBytes client_salt;
  /// server_salt: see client_salt.
  SecureBytes server_salt;
};

}  // namespace sslpp
