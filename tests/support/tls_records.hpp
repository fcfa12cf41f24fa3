// A small TLS record and handshake-message builder for the hostile-bytes
// tests: enough of RFC 5246 / RFC 8446 to write ClientHellos, ServerHellos,
// alerts and SSLv2-format hellos byte by byte, so a test can offer what no
// real peer of ours would (SSLv3, RC4, a downgrade marker).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sslpp::test::tls {

using Bytes = std::vector<std::byte>;

// Record content types (RFC 8446 5.1).
inline constexpr unsigned kChangeCipherSpec = 20;
inline constexpr unsigned kAlert = 21;
inline constexpr unsigned kHandshake = 22;
inline constexpr unsigned kApplicationData = 23;

// Handshake message types (RFC 8446 4).
inline constexpr unsigned kClientHelloType = 1;
inline constexpr unsigned kServerHelloType = 2;

// Protocol versions on the wire.
inline constexpr unsigned kSSL3 = 0x0300;
inline constexpr unsigned kTLS10 = 0x0301;
inline constexpr unsigned kTLS11 = 0x0302;
inline constexpr unsigned kTLS12 = 0x0303;
inline constexpr unsigned kTLS13 = 0x0304;

// Big-endian integers and length-prefixed vectors (RFC 8446 3.4).
Bytes u8(unsigned v);
Bytes u16(unsigned v);
Bytes u24(unsigned v);
Bytes vec8(std::span<const std::byte> body);
Bytes vec16(std::span<const std::byte> body);
Bytes cat(std::initializer_list<std::span<const std::byte>> parts);
Bytes text(std::string_view s);

// record is one TLSPlaintext: type, legacy version, 16-bit length, body.
Bytes record(unsigned type, unsigned version, std::span<const std::byte> body);
// handshake is one handshake message: type, 24-bit length, body.
Bytes handshake(unsigned msg_type, std::span<const std::byte> body);
// alert is an alert record (level 1 warning, 2 fatal).
Bytes alert(unsigned level, unsigned description, unsigned version = kTLS12);
// extension is one extension: 16-bit type, 16-bit length, body.
Bytes extension(unsigned type, std::span<const std::byte> body);

// The extensions a modern ClientHello carries.
Bytes ext_server_name(std::string_view host);
Bytes ext_supported_groups(std::initializer_list<unsigned> groups);
Bytes ext_ec_point_formats();  // uncompressed only
Bytes ext_signature_algorithms(std::initializer_list<unsigned> schemes);
Bytes ext_supported_versions_client(std::initializer_list<unsigned> versions);
Bytes ext_renegotiation_info();  // empty: an initial handshake

// ClientHello (RFC 5246 7.4.1.2, RFC 8446 4.1.2).
struct ClientHello {
  unsigned legacy_version = kTLS12;
  std::byte random_fill{0x11};  // the 32-byte random, one repeated byte: no need for real randomness here
  Bytes session_id{};
  std::vector<unsigned> cipher_suites{};
  Bytes compression_methods{std::byte{0}};  // null only
  std::vector<Bytes> extensions{};
  bool omit_extensions_block = false;  // SSLv3 and TLS 1.0 hellos may have none

  Bytes message() const;                                    // the handshake message
  Bytes to_record(unsigned record_version = kTLS10) const;  // in one record (RFC 8446 5.1: 0x0301 for the first)
};

// tls12_client_hello is a TLS 1.2 ClientHello that OpenSSL 3's server accepts
// for an EC P-256 or RSA certificate when `suites` holds a suite it allows:
// SNI, P-256 and X25519, uncompressed points, ECDSA and RSA-PSS/PKCS#1
// signatures with SHA-256, and the empty renegotiation_info an initial
// handshake sends.
ClientHello tls12_client_hello(std::vector<unsigned> suites);

// ServerHello (RFC 5246 7.4.1.3).
struct ServerHello {
  unsigned legacy_version = kTLS12;
  Bytes random = Bytes(32, std::byte{0x42});
  Bytes session_id = Bytes(32, std::byte{0x5a});
  unsigned cipher_suite = 0;
  std::vector<Bytes> extensions{};

  Bytes to_record() const;
};

// sslv2_client_hello is an SSL 2.0-format CLIENT-HELLO (the SSLv2
// "compatible" hello, RFC 6101 E.2 / RFC 5246 E.2): a 2-byte header with
// the high bit set, msg type 1, `version`, then the cipher specs (3 bytes
// each), an empty session id and a 16-byte challenge.
Bytes sslv2_client_hello(unsigned version, std::initializer_list<unsigned> cipher_specs);

// Record is one record found in a byte stream.
struct Record {
  unsigned type = 0;
  unsigned version = 0;
  std::span<const std::byte> body;
};
// records splits `stream` into records; a partial one at the end is left out.
std::vector<Record> records(std::span<const std::byte> stream);

}  // namespace sslpp::test::tls
