/// \file
/// Pre-shared keys (Python 3.13's set_psk_client_callback and
/// set_psk_server_callback): TLS 1.2 PSK cipher suites and TLS 1.3 external
/// PSKs, authenticated by a key both ends already hold instead of by a
/// certificate.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <sslpp/secure_bytes.hpp>

namespace sslpp {

class Connection;

/// psk_max_identity_length is OpenSSL's PSK_MAX_IDENTITY_LEN: the longest
/// identity hint, in bytes. An identity may be one byte shorter (255):
/// OpenSSL's buffer for it counts the terminating NUL, as Python's check does.
inline constexpr std::size_t psk_max_identity_length = 256;
/// psk_max_key_length is the longest key OpenSSL takes, in bytes (its
/// PSK_MAX_PSK_LEN).
inline constexpr std::size_t psk_max_key_length = 512;

/// PskIdentity is what a client's PSK callback answers: the identity it
/// sends (1 to psk_max_identity_length - 1 bytes, no NUL) and the key that
/// goes with it (1 to psk_max_key_length bytes). Python's callback returns the same pair.
struct PskIdentity {
  /// identity names the key to the server; it travels in the clear.
  std::string identity;
  /// key is the secret itself, wiped when released.
  SecureBytes key;
};

/// PskClientCallback is Python's set_psk_client_callback callback. `hint`
/// is the identity hint a TLS 1.2 server sent (nullopt when it sent none,
/// and always on TLS 1.3, which has no hint). Return the identity and key
/// to use, or nullopt to offer none: on TLS 1.2 a PSK suite then fails the
/// handshake; on TLS 1.3 the handshake goes on with a certificate. An
/// identity or key out of bounds fails the handshake with ValueError, as an
/// exception from the callback does (rethrown to the caller of the I/O call).
/// On TLS 1.3 the key is offered with TLS_AES_128_GCM_SHA256 (so that suite
/// must stay enabled on the client) and the server may pick any SHA-256
/// suite; that is what `openssl s_client -psk` and GnuTLS do as well.
using PskClientCallback = std::function<std::optional<PskIdentity>(Connection& connection,
                                                                   std::optional<std::string_view> hint)>;

/// PskServerCallback is Python's set_psk_server_callback callback: given
/// the identity the client sent, return its key, or nullopt when the
/// identity is unknown (TLS 1.2 then fails with unknown_psk_identity; TLS
/// 1.3 falls back to the server's certificate when it has one).
using PskServerCallback = std::function<std::optional<SecureBytes>(Connection& connection, std::string_view identity)>;

}  // namespace sslpp
