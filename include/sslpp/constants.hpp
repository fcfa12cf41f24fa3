/// \file
/// The seeds' constants as typed enums and flag sets: CERT_*, VERIFY_*,
/// PROTOCOL_* / *_METHOD, OP_*, TLSVersion, FILETYPE_*, SENT_SHUTDOWN /
/// RECEIVED_SHUTDOWN, HAS_*, and the OpenSSL version queries.
///
/// The numeric values are OpenSSL's (static_asserted in src/constants.cpp), so
/// this header does not pull <openssl/ssl.h> into user code. Each enum's
/// values are also module-level constants under the seed's names
/// (sslpp::CERT_REQUIRED is VerifyMode::CERT_REQUIRED), as Python spells them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sslpp/export.hpp>
#include <sslpp/flags.hpp>

namespace sslpp {

// ---------------------------------------------------------------------------
// Protocols (Python's PROTOCOL_*, pyOpenSSL's *_METHOD)

/// Protocol selects how a Context is made. Python's PROTOCOL_* and
/// pyOpenSSL's *_METHOD name values of this one type.
enum class Protocol {
  /// Negotiates the highest version both ends support, either side.
  PROTOCOL_TLS,
  /// Client only; verification (CERT_REQUIRED) and check_hostname on.
  PROTOCOL_TLS_CLIENT,
  /// Server only.
  PROTOCOL_TLS_SERVER,
  /// SSL 2.0: OpenSSL 3 has none; making a Context throws NotSupportedError.
  SSLv2_METHOD,
  /// SSL 3.0: OpenSSL 3 as built here has none; throws NotSupportedError.
  SSLv3_METHOD,
  /// pyOpenSSL's name for "any version": the same as PROTOCOL_TLS.
  SSLv23_METHOD,
  /// TLS 1.0 only (min = max = TLSv1). OpenSSL's default security level
  /// refuses TLS 1.0; lowering it ("@SECLEVEL=0") is the caller's explicit act.
  TLSv1_METHOD,
  /// DTLS (datagram TLS, RFC 6347), either side: pyOpenSSL's DTLS_METHOD.
  /// Verifies nothing until set_verify, as pyOpenSSL's. DTLS 1.2 minimum.
  DTLS_METHOD,
  /// DTLS client: verification (CERT_REQUIRED) and check_hostname on, as
  /// PROTOCOL_TLS_CLIENT. DTLS 1.2 minimum.
  DTLS_CLIENT_METHOD,
  /// DTLS server. DTLS 1.2 minimum; cookie exchange on (DTLSv1_listen).
  DTLS_SERVER_METHOD,
};
/// PROTOCOL_TLS makes a context for either side that verifies nothing
/// (CERT_NONE). Python deprecates it (3.10): say which side you are.
[[deprecated("use PROTOCOL_TLS_CLIENT (verifies) or PROTOCOL_TLS_SERVER, as Python 3.10 asks")]]
inline constexpr Protocol PROTOCOL_TLS = Protocol::PROTOCOL_TLS;
/// PROTOCOL_SSLv23 is Python's older name for PROTOCOL_TLS, deprecated with it.
[[deprecated("use PROTOCOL_TLS_CLIENT (verifies) or PROTOCOL_TLS_SERVER, as Python 3.10 asks")]]
inline constexpr Protocol PROTOCOL_SSLv23 = Protocol::PROTOCOL_TLS;
///@{
/// The Protocol values under Python's (PROTOCOL_*) and pyOpenSSL's
/// (*_METHOD) names: see Protocol for what each makes.
inline constexpr Protocol PROTOCOL_TLS_CLIENT = Protocol::PROTOCOL_TLS_CLIENT;
inline constexpr Protocol PROTOCOL_TLS_SERVER = Protocol::PROTOCOL_TLS_SERVER;
inline constexpr Protocol SSLv2_METHOD = Protocol::SSLv2_METHOD;
inline constexpr Protocol SSLv3_METHOD = Protocol::SSLv3_METHOD;
inline constexpr Protocol SSLv23_METHOD = Protocol::SSLv23_METHOD;
inline constexpr Protocol TLSv1_METHOD = Protocol::TLSv1_METHOD;
///@}
///@{
/// pyOpenSSL's modern method names: TLS_METHOD is PROTOCOL_TLS (either
/// side, CERT_NONE, as pyOpenSSL's Context(TLS_METHOD) verifies nothing
/// until set_verify), TLS_CLIENT_METHOD PROTOCOL_TLS_CLIENT (verifying),
/// TLS_SERVER_METHOD PROTOCOL_TLS_SERVER.
inline constexpr Protocol TLS_METHOD = Protocol::PROTOCOL_TLS;
inline constexpr Protocol TLS_CLIENT_METHOD = Protocol::PROTOCOL_TLS_CLIENT;
inline constexpr Protocol TLS_SERVER_METHOD = Protocol::PROTOCOL_TLS_SERVER;
///@}
///@{
/// pyOpenSSL's DTLS method names: a Context made with one of them runs
/// DTLS over datagrams (dtls.hpp) with the same engine, errors and secure
/// defaults as TLS. DTLS_CLIENT_METHOD verifies the server and its name.
inline constexpr Protocol DTLS_METHOD = Protocol::DTLS_METHOD;
inline constexpr Protocol DTLS_CLIENT_METHOD = Protocol::DTLS_CLIENT_METHOD;
inline constexpr Protocol DTLS_SERVER_METHOD = Protocol::DTLS_SERVER_METHOD;
///@}

/// is_dtls is true for the DTLS protocols.
constexpr bool is_dtls(Protocol p) noexcept {
  return p == Protocol::DTLS_METHOD || p == Protocol::DTLS_CLIENT_METHOD || p == Protocol::DTLS_SERVER_METHOD;
}

/// Purpose says what create_default_context builds a context for.
enum class Purpose {
  /// Authenticate servers: a client context (CERT_REQUIRED, check_hostname).
  SERVER_AUTH,
  /// Authenticate clients: a server context.
  CLIENT_AUTH,
};

/// TLSVersion names protocol versions for minimum_version/maximum_version;
/// the values are Python's (the wire versions, plus two magic bounds).
enum class TLSVersion : int {
  /// As a minimum: no bound of sslpp's; the oldest version OpenSSL allows.
  MINIMUM_SUPPORTED = -2,
  /// As a maximum: no bound; the newest version OpenSSL has (TLS 1.3).
  MAXIMUM_SUPPORTED = -1,
  /// SSL 3.0: not in OpenSSL 3 as built here (NotSupportedError).
  SSLv3 = 0x0300,
  /// TLS 1.0 (RFC 2246): below every Context's default minimum.
  TLSv1 = 0x0301,
  /// TLS 1.1 (RFC 4346): below every Context's default minimum.
  TLSv1_1 = 0x0302,
  /// TLS 1.2 (RFC 5246): the default minimum.
  TLSv1_2 = 0x0303,
  /// TLS 1.3 (RFC 8446).
  TLSv1_3 = 0x0304,
  /// DTLS 1.0 (RFC 4347), for DTLS contexts only: below their default minimum.
  DTLSv1 = 0xFEFF,
  /// DTLS 1.2 (RFC 6347), for DTLS contexts only: their default minimum and
  /// the newest DTLS that OpenSSL 3.0 has.
  DTLSv1_2 = 0xFEFD,
};

/// to_string gives Python's spelling of a TLSVersion ("TLSv1_2").
SSLPP_API std::string_view to_string(TLSVersion v) noexcept;

// ---------------------------------------------------------------------------
// Verification

/// VerifyMode is Python's verify_mode (CERT_*).
enum class VerifyMode : int {
  /// Client: any certificate is accepted. Server: none is requested.
  CERT_NONE = 0,
  /// Server: a certificate is requested and verified when sent.
  /// Client: same as CERT_REQUIRED.
  CERT_OPTIONAL = 1,
  /// The peer must present a certificate that verifies.
  CERT_REQUIRED = 2,
};
///@{
/// The VerifyMode values under Python's names (ssl.CERT_*).
inline constexpr VerifyMode CERT_NONE = VerifyMode::CERT_NONE;
inline constexpr VerifyMode CERT_OPTIONAL = VerifyMode::CERT_OPTIONAL;
inline constexpr VerifyMode CERT_REQUIRED = VerifyMode::CERT_REQUIRED;
///@}

/// VerifyPeer is pyOpenSSL's set_verify mode (OpenSSL's SSL_VERIFY_* bits).
enum class VerifyPeer : int {
  /// Client: the server's certificate is not verified. Server: none is asked for.
  VERIFY_NONE = 0x00,
  /// Verify the peer's certificate (a server asks the client for one).
  VERIFY_PEER = 0x01,
  /// Server, with VERIFY_PEER: a client that sends no certificate fails.
  VERIFY_FAIL_IF_NO_PEER_CERT = 0x02,
  /// Server, with VERIFY_PEER: ask only in the first handshake, not in
  /// renegotiations.
  VERIFY_CLIENT_ONCE = 0x04,
  /// Server, with VERIFY_PEER: ask a TLS 1.3 client only after the
  /// handshake (Connection::verify_client_post_handshake).
  VERIFY_POST_HANDSHAKE = 0x08,
};
/// VerifyPeer is a flag set: the operators of flags.hpp apply.
template <>
struct enable_flag_operators<VerifyPeer> : std::true_type {};
///@{
/// The VerifyPeer bits under pyOpenSSL's names (OpenSSL.SSL.VERIFY_*).
inline constexpr VerifyPeer VERIFY_NONE = VerifyPeer::VERIFY_NONE;
inline constexpr VerifyPeer VERIFY_PEER = VerifyPeer::VERIFY_PEER;
inline constexpr VerifyPeer VERIFY_FAIL_IF_NO_PEER_CERT = VerifyPeer::VERIFY_FAIL_IF_NO_PEER_CERT;
inline constexpr VerifyPeer VERIFY_CLIENT_ONCE = VerifyPeer::VERIFY_CLIENT_ONCE;
inline constexpr VerifyPeer VERIFY_POST_HANDSHAKE = VerifyPeer::VERIFY_POST_HANDSHAKE;
///@}

/// VerifyFlags is Python's verify_flags (OpenSSL's X509_V_FLAG_* bits).
enum class VerifyFlags : unsigned long {
  /// No flags: OpenSSL's default chain checks.
  VERIFY_DEFAULT = 0,
  /// Check the leaf's CRL; fails when no CRL for its issuer is loaded.
  VERIFY_CRL_CHECK_LEAF = 0x4,
  /// Check CRLs of the whole chain.
  VERIFY_CRL_CHECK_CHAIN = 0x4 | 0x8,
  /// Disable workarounds for broken certificates.
  VERIFY_X509_STRICT = 0x20,
  /// Accept RFC 3820 proxy certificates.
  VERIFY_ALLOW_PROXY_CERTS = 0x40,
  /// Prefer trusted certificates when building the chain (on by default).
  VERIFY_X509_TRUSTED_FIRST = 0x8000,
  /// Accept a chain that ends at a trusted intermediate.
  VERIFY_X509_PARTIAL_CHAIN = 0x80000,
};
/// VerifyFlags is a flag set: the operators of flags.hpp apply.
template <>
struct enable_flag_operators<VerifyFlags> : std::true_type {};
///@{
/// The VerifyFlags bits under Python's names (ssl.VERIFY_*).
inline constexpr VerifyFlags VERIFY_DEFAULT = VerifyFlags::VERIFY_DEFAULT;
inline constexpr VerifyFlags VERIFY_CRL_CHECK_LEAF = VerifyFlags::VERIFY_CRL_CHECK_LEAF;
inline constexpr VerifyFlags VERIFY_CRL_CHECK_CHAIN = VerifyFlags::VERIFY_CRL_CHECK_CHAIN;
inline constexpr VerifyFlags VERIFY_X509_STRICT = VerifyFlags::VERIFY_X509_STRICT;
inline constexpr VerifyFlags VERIFY_ALLOW_PROXY_CERTS = VerifyFlags::VERIFY_ALLOW_PROXY_CERTS;
inline constexpr VerifyFlags VERIFY_X509_TRUSTED_FIRST = VerifyFlags::VERIFY_X509_TRUSTED_FIRST;
inline constexpr VerifyFlags VERIFY_X509_PARTIAL_CHAIN = VerifyFlags::VERIFY_X509_PARTIAL_CHAIN;
///@}

// ---------------------------------------------------------------------------
// Options (OpenSSL's SSL_OP_* bits)

/// Options is the set of SSL_OP_* bits (Python's ssl.Options). Each is
/// OpenSSL's SSL_OP_<name> (SSL_CTX_set_options(3) says what it does); the
/// comments here add what sslpp does with it.
enum class Options : std::uint64_t {
  /// The empty set.
  OP_NONE = 0,
  /// Do not negotiate the extended master secret (RFC 7627): weakens TLS 1.2.
  OP_NO_EXTENDED_MASTER_SECRET = 1ULL << 0,
  /// Let a client connect to servers without secure renegotiation
  /// (RFC 5746). Off, as in OpenSSL 3.
  OP_LEGACY_SERVER_CONNECT = 1ULL << 2,
  /// Kernel TLS offload where the platform offers it.
  OP_ENABLE_KTLS = 1ULL << 3,
  /// Pad the ClientHello (RFC 7685), a workaround for broken middleboxes.
  OP_TLSEXT_PADDING = 1ULL << 4,
  /// Work around old Safari's broken ECDHE-ECDSA (part of OP_ALL).
  OP_SAFARI_ECDHE_ECDSA_BUG = 1ULL << 6,
  /// Treat EOF without close_notify as a clean close. Never set by sslpp:
  /// it makes truncation attacks invisible. Setting it is the caller's choice.
  OP_IGNORE_UNEXPECTED_EOF = 1ULL << 7,
  /// Let a server follow a renegotiation the client starts (TLS 1.2). Off
  /// by default in OpenSSL 3: client-initiated renegotiation costs the
  /// server a handshake per request (a denial-of-service lever).
  OP_ALLOW_CLIENT_RENEGOTIATION = 1ULL << 8,
  /// Turn off the empty-fragment countermeasure to BEAST for CBC in TLS 1.0
  /// (left out of OP_ALL, see there).
  OP_DONT_INSERT_EMPTY_FRAGMENTS = 1ULL << 11,
  /// DTLS: the MTU is told (Connection::set_ciphertext_mtu, which sets
  /// this), not asked of the transport.
  OP_NO_QUERY_MTU = 1ULL << 12,
  /// DTLS server: answer a first ClientHello with a HelloVerifyRequest
  /// (the cookie exchange). Set on every DTLS context.
  OP_COOKIE_EXCHANGE = 1ULL << 13,
  /// No stateless session tickets: a server resumes from its own cache only.
  OP_NO_TICKET = 1ULL << 14,
  /// Set on every Context: TLS compression leaks secrets (CRIME).
  OP_NO_COMPRESSION = 1ULL << 17,
  /// Make TLS 1.3 look like a resumed TLS 1.2 session to middleboxes. Set on
  /// every Context, as Python and OpenSSL do.
  OP_ENABLE_MIDDLEBOX_COMPAT = 1ULL << 20,
  /// Set on every Context: a server picks the cipher by its own order.
  OP_CIPHER_SERVER_PREFERENCE = 1ULL << 22,
  /// Turn off a server's anti-replay protection of TLS 1.3 early data
  /// (each session ticket accepted once, through the session cache): its
  /// tickets are then self-contained and resume any number of times, early
  /// data included. Never set by sslpp (early_data.hpp).
  OP_NO_ANTI_REPLAY = 1ULL << 24,
  /// Version switches: prefer Context::set_minimum_version and
  /// set_maximum_version, which say the same by name.
  OP_NO_SSLv3 = 1ULL << 25,
  /// See OP_NO_SSLv3.
  OP_NO_TLSv1 = 1ULL << 26,
  /// See OP_NO_SSLv3.
  OP_NO_TLSv1_2 = 1ULL << 27,
  /// See OP_NO_SSLv3.
  OP_NO_TLSv1_1 = 1ULL << 28,
  /// See OP_NO_SSLv3.
  OP_NO_TLSv1_3 = 1ULL << 29,
  /// Refuse TLS 1.2 renegotiation, from either side.
  OP_NO_RENEGOTIATION = 1ULL << 30,
  /// Work around a GOST (CryptoPro) implementation bug (part of OP_ALL).
  OP_CRYPTOPRO_TLSEXT_BUG = 1ULL << 31,
  /// Harmless bug workarounds: Python's OP_ALL, which is OpenSSL's SSL_OP_ALL
  /// without SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS (that one weakens CBC in TLS 1.0).
  OP_ALL = (1ULL << 31) | (1ULL << 4) | (1ULL << 6),
  /// Obsolete: OpenSSL 3 always uses fresh (EC)DH keys; the bit is 0.
  OP_SINGLE_DH_USE = 0,
  /// Obsolete, as OP_SINGLE_DH_USE; the bit is 0.
  OP_SINGLE_ECDH_USE = 0,
  /// Obsolete: export RSA is gone from OpenSSL; the bit is 0.
  OP_EPHEMERAL_RSA = 0,
  /// SSL 2.0 is gone from OpenSSL; the bit is 0 (always "no SSLv2").
  OP_NO_SSLv2 = 0,
};
/// Options is a flag set: the operators of flags.hpp apply.
template <>
struct enable_flag_operators<Options> : std::true_type {};
/// OP_ALL is Options::OP_ALL under Python's name, as are the OP_*
/// constants below.
inline constexpr Options OP_ALL = Options::OP_ALL;
///@{
/// The version switches Python deprecates (3.10): name the bounds instead,
/// with Context::set_minimum_version / set_maximum_version.
[[deprecated("use Context::set_minimum_version / set_maximum_version, as Python 3.10 asks")]]
inline constexpr Options OP_NO_SSLv2 = Options::OP_NO_SSLv2;
[[deprecated("use Context::set_minimum_version / set_maximum_version, as Python 3.10 asks")]]
inline constexpr Options OP_NO_SSLv3 = Options::OP_NO_SSLv3;
[[deprecated("use Context::set_minimum_version / set_maximum_version, as Python 3.10 asks")]]
inline constexpr Options OP_NO_TLSv1 = Options::OP_NO_TLSv1;
[[deprecated("use Context::set_minimum_version / set_maximum_version, as Python 3.10 asks")]]
inline constexpr Options OP_NO_TLSv1_1 = Options::OP_NO_TLSv1_1;
[[deprecated("use Context::set_minimum_version / set_maximum_version, as Python 3.10 asks")]]
inline constexpr Options OP_NO_TLSv1_2 = Options::OP_NO_TLSv1_2;
[[deprecated("use Context::set_minimum_version / set_maximum_version, as Python 3.10 asks")]]
inline constexpr Options OP_NO_TLSv1_3 = Options::OP_NO_TLSv1_3;
///@}
///@{
/// The Options bits under Python's names (ssl.OP_*).
inline constexpr Options OP_NO_RENEGOTIATION = Options::OP_NO_RENEGOTIATION;
inline constexpr Options OP_CIPHER_SERVER_PREFERENCE = Options::OP_CIPHER_SERVER_PREFERENCE;
inline constexpr Options OP_NO_COMPRESSION = Options::OP_NO_COMPRESSION;
inline constexpr Options OP_NO_TICKET = Options::OP_NO_TICKET;
inline constexpr Options OP_NO_QUERY_MTU = Options::OP_NO_QUERY_MTU;
inline constexpr Options OP_COOKIE_EXCHANGE = Options::OP_COOKIE_EXCHANGE;
inline constexpr Options OP_SINGLE_DH_USE = Options::OP_SINGLE_DH_USE;
inline constexpr Options OP_SINGLE_ECDH_USE = Options::OP_SINGLE_ECDH_USE;
inline constexpr Options OP_EPHEMERAL_RSA = Options::OP_EPHEMERAL_RSA;
inline constexpr Options OP_ENABLE_MIDDLEBOX_COMPAT = Options::OP_ENABLE_MIDDLEBOX_COMPAT;
inline constexpr Options OP_IGNORE_UNEXPECTED_EOF = Options::OP_IGNORE_UNEXPECTED_EOF;
inline constexpr Options OP_ENABLE_KTLS = Options::OP_ENABLE_KTLS;
inline constexpr Options OP_LEGACY_SERVER_CONNECT = Options::OP_LEGACY_SERVER_CONNECT;
inline constexpr Options OP_ALLOW_CLIENT_RENEGOTIATION = Options::OP_ALLOW_CLIENT_RENEGOTIATION;
inline constexpr Options OP_NO_ANTI_REPLAY = Options::OP_NO_ANTI_REPLAY;
///@}

// ---------------------------------------------------------------------------
// Files, shutdown state

/// FileType is pyOpenSSL's FILETYPE_*: the encoding of a certificate or key file.
enum class FileType : int {
  /// PEM: base64 between "-----BEGIN ...-----" lines.
  FILETYPE_PEM = 1,
  /// DER.
  FILETYPE_ASN1 = 2,
};
///@{
/// The FileType values under pyOpenSSL's names.
inline constexpr FileType FILETYPE_PEM = FileType::FILETYPE_PEM;
inline constexpr FileType FILETYPE_ASN1 = FileType::FILETYPE_ASN1;
///@}

/// ShutdownState is pyOpenSSL's get_shutdown()/set_shutdown() bit vector.
enum class ShutdownState : int {
  /// No close_notify sent or received.
  NONE = 0,
  /// Our close_notify has been sent.
  SENT_SHUTDOWN = 1,
  /// The peer's close_notify has been received.
  RECEIVED_SHUTDOWN = 2,
};
/// ShutdownState is a flag set: the operators of flags.hpp apply.
template <>
struct enable_flag_operators<ShutdownState> : std::true_type {};
///@{
/// The ShutdownState bits under pyOpenSSL's names.
inline constexpr ShutdownState SENT_SHUTDOWN = ShutdownState::SENT_SHUTDOWN;
inline constexpr ShutdownState RECEIVED_SHUTDOWN = ShutdownState::RECEIVED_SHUTDOWN;
///@}

// ---------------------------------------------------------------------------
// Callbacks: info callback states, alerts

/// InfoWhere is the `where` bit set an info callback receives (OpenSSL's
/// SSL_CB_* and SSL_ST_* bits, pyOpenSSL's SSL_CB_* constants). OpenSSL
/// defines those names as macros, so the enumerators are lower-case.
enum class InfoWhere : int {
  /// No bit.
  none = 0,
  /// The handshake moved to a new state (state_string() names it).
  loop = 0x01,
  /// The handshake call returned; `ret` <= 0 means it failed.
  exit = 0x02,
  /// With alert: the alert was received.
  read = 0x04,
  /// With alert: the alert was sent.
  write = 0x08,
  /// An alert; `ret` holds its level and description.
  alert = 0x4000,
  /// A handshake starts.
  handshake_start = 0x10,
  /// A handshake is complete.
  handshake_done = 0x20,
  /// With loop/exit: the connection is a client (connect) or a server (accept).
  connect = 0x1000,
  /// See connect.
  accept = 0x2000,
  /// An alert received (SSL_CB_READ_ALERT).
  read_alert = alert | read,
  /// An alert sent (SSL_CB_WRITE_ALERT).
  write_alert = alert | write,
  /// A client's state change (SSL_CB_CONNECT_LOOP).
  connect_loop = connect | loop,
  /// A client's handshake call returned (SSL_CB_CONNECT_EXIT).
  connect_exit = connect | exit,
  /// A server's state change (SSL_CB_ACCEPT_LOOP).
  accept_loop = accept | loop,
  /// A server's handshake call returned (SSL_CB_ACCEPT_EXIT).
  accept_exit = accept | exit,
};
/// InfoWhere is a flag set: the operators of flags.hpp apply.
template <>
struct enable_flag_operators<InfoWhere> : std::true_type {};

/// AlertDescription is Python's ssl.AlertDescription: the TLS alert an SNI
/// callback may answer with to abort the handshake. Each value is the alert
/// of that name in RFC 8446 section 6 (and RFC 5246 for the older ones).
enum class AlertDescription : int {
  ALERT_DESCRIPTION_CLOSE_NOTIFY = 0,
  ALERT_DESCRIPTION_UNEXPECTED_MESSAGE = 10,
  ALERT_DESCRIPTION_BAD_RECORD_MAC = 20,
  ALERT_DESCRIPTION_RECORD_OVERFLOW = 22,
  ALERT_DESCRIPTION_DECOMPRESSION_FAILURE = 30,
  ALERT_DESCRIPTION_HANDSHAKE_FAILURE = 40,
  ALERT_DESCRIPTION_BAD_CERTIFICATE = 42,
  ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE = 43,
  ALERT_DESCRIPTION_CERTIFICATE_REVOKED = 44,
  ALERT_DESCRIPTION_CERTIFICATE_EXPIRED = 45,
  ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN = 46,
  ALERT_DESCRIPTION_ILLEGAL_PARAMETER = 47,
  ALERT_DESCRIPTION_UNKNOWN_CA = 48,
  ALERT_DESCRIPTION_ACCESS_DENIED = 49,
  ALERT_DESCRIPTION_DECODE_ERROR = 50,
  ALERT_DESCRIPTION_DECRYPT_ERROR = 51,
  ALERT_DESCRIPTION_PROTOCOL_VERSION = 70,
  ALERT_DESCRIPTION_INSUFFICIENT_SECURITY = 71,
  ALERT_DESCRIPTION_INTERNAL_ERROR = 80,
  ALERT_DESCRIPTION_USER_CANCELLED = 90,
  ALERT_DESCRIPTION_NO_RENEGOTIATION = 100,
  ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION = 110,
  ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE = 111,
  ALERT_DESCRIPTION_UNRECOGNIZED_NAME = 112,
  ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
  ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE = 114,
  ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY = 115,
};
///@{
/// The alerts an SNI callback most often answers with, under Python's names
/// (every value is AlertDescription::ALERT_DESCRIPTION_*).
inline constexpr AlertDescription ALERT_DESCRIPTION_HANDSHAKE_FAILURE = AlertDescription::ALERT_DESCRIPTION_HANDSHAKE_FAILURE;
inline constexpr AlertDescription ALERT_DESCRIPTION_INTERNAL_ERROR = AlertDescription::ALERT_DESCRIPTION_INTERNAL_ERROR;
inline constexpr AlertDescription ALERT_DESCRIPTION_UNRECOGNIZED_NAME = AlertDescription::ALERT_DESCRIPTION_UNRECOGNIZED_NAME;
inline constexpr AlertDescription ALERT_DESCRIPTION_ACCESS_DENIED = AlertDescription::ALERT_DESCRIPTION_ACCESS_DENIED;
///@}

/// CHANNEL_BINDING_TYPES lists the cb_type values get_channel_binding
/// accepts: "tls-unique" (RFC 5929; TLS 1.2 only, RFC 9266 leaves it
/// undefined for TLS 1.3) and "tls-exporter" (RFC 9266).
inline constexpr std::array<std::string_view, 2> CHANNEL_BINDING_TYPES{"tls-unique", "tls-exporter"};

/// NO_OVERLAPPING_PROTOCOLS is pyOpenSSL's answer of an ALPN select
/// callback that agrees on no protocol: the server goes on without ALPN
/// (or, with Context::set_alpn_no_overlap_alert, ends the handshake with
/// no_application_protocol).
inline constexpr std::nullopt_t NO_OVERLAPPING_PROTOCOLS = std::nullopt;

// ---------------------------------------------------------------------------
// Session cache

/// SessionCacheMode is pyOpenSSL's session cache mode (OpenSSL's
/// SSL_SESS_CACHE_* bits): which sides keep sessions in the context's
/// cache. OpenSSL's default, and sslpp's, is SESS_CACHE_SERVER.
enum class SessionCacheMode : long {
  /// No cache: a server resumes only from self-contained tickets. A server
  /// that allows early data (with anti-replay on) issues tickets that name
  /// cached sessions, so it then resumes none (early_data.hpp).
  SESS_CACHE_OFF = 0x0000,
  /// Clients store their sessions in the cache.
  SESS_CACHE_CLIENT = 0x0001,
  /// Servers store sessions, and look up the ones clients offer by id.
  SESS_CACHE_SERVER = 0x0002,
  /// Both.
  SESS_CACHE_BOTH = 0x0003,
  /// Do not flush expired sessions every 255 connections.
  SESS_CACHE_NO_AUTO_CLEAR = 0x0080,
  /// Do not look sessions up in the internal cache.
  SESS_CACHE_NO_INTERNAL_LOOKUP = 0x0100,
  /// Do not store sessions in the internal cache.
  SESS_CACHE_NO_INTERNAL_STORE = 0x0200,
  /// Neither look up nor store in the internal cache.
  SESS_CACHE_NO_INTERNAL = 0x0300,
};
/// SessionCacheMode is a flag set: the operators of flags.hpp apply.
template <>
struct enable_flag_operators<SessionCacheMode> : std::true_type {};
///@{
/// The SessionCacheMode bits under pyOpenSSL's names.
inline constexpr SessionCacheMode SESS_CACHE_OFF = SessionCacheMode::SESS_CACHE_OFF;
inline constexpr SessionCacheMode SESS_CACHE_CLIENT = SessionCacheMode::SESS_CACHE_CLIENT;
inline constexpr SessionCacheMode SESS_CACHE_SERVER = SessionCacheMode::SESS_CACHE_SERVER;
inline constexpr SessionCacheMode SESS_CACHE_BOTH = SessionCacheMode::SESS_CACHE_BOTH;
inline constexpr SessionCacheMode SESS_CACHE_NO_AUTO_CLEAR = SessionCacheMode::SESS_CACHE_NO_AUTO_CLEAR;
inline constexpr SessionCacheMode SESS_CACHE_NO_INTERNAL_LOOKUP = SessionCacheMode::SESS_CACHE_NO_INTERNAL_LOOKUP;
inline constexpr SessionCacheMode SESS_CACHE_NO_INTERNAL_STORE = SessionCacheMode::SESS_CACHE_NO_INTERNAL_STORE;
inline constexpr SessionCacheMode SESS_CACHE_NO_INTERNAL = SessionCacheMode::SESS_CACHE_NO_INTERNAL;
///@}

// ---------------------------------------------------------------------------
// What this OpenSSL offers (HAS_*)

/// HAS_SNI is Python's: server name indication is available (always).
SSLPP_API extern const bool HAS_SNI;
/// HAS_ECDH is Python's: elliptic-curve key exchange is built in.
SSLPP_API extern const bool HAS_ECDH;
/// HAS_ALPN is Python's: ALPN is available (always).
SSLPP_API extern const bool HAS_ALPN;
/// HAS_NPN is always false: NPN, superseded by ALPN, is not offered
/// (as in Python 3.10 and later).
SSLPP_API extern const bool HAS_NPN;
/// HAS_NEVER_CHECK_COMMON_NAME is Python's: the name check can ignore the
/// subject's commonName (always; see Context::hostname_checks_common_name).
SSLPP_API extern const bool HAS_NEVER_CHECK_COMMON_NAME;
/// Always false: OpenSSL 3 has no SSL 2.0.
SSLPP_API extern const bool HAS_SSLv2;
/// HAS_PSK is Python's: pre-shared keys (TLS 1.2 PSK suites) are available.
SSLPP_API extern const bool HAS_PSK;
/// HAS_PSK_TLS13 is Python's: TLS 1.3 external pre-shared keys are
/// available (through the same callbacks; see psk.hpp).
SSLPP_API extern const bool HAS_PSK_TLS13;
/// HAS_PHA is Python's: TLS 1.3 post-handshake client authentication is
/// available (Context::set_post_handshake_auth).
SSLPP_API extern const bool HAS_PHA;
///@{
/// HAS_SSLv3 ... HAS_TLSv1_3 are Python's: OpenSSL was built with that
/// version. Built with is not allowed by default: a Context's minimum is
/// TLS 1.2, and OpenSSL's default security level refuses TLS 1.0 and 1.1.
SSLPP_API extern const bool HAS_SSLv3;
SSLPP_API extern const bool HAS_TLSv1;
SSLPP_API extern const bool HAS_TLSv1_1;
SSLPP_API extern const bool HAS_TLSv1_2;
SSLPP_API extern const bool HAS_TLSv1_3;
///@}

// ---------------------------------------------------------------------------
// OpenSSL's version. The seeds' names OPENSSL_VERSION, OPENSSL_VERSION_NUMBER,
// SSLeay_version and SSLEAY_* are macros in OpenSSL's own headers, so in C++
// they are spelled in lower case (docs/seed-map.md lists each).

/// openssl_version is Python's OPENSSL_VERSION: the loaded library's version
/// string, e.g. "OpenSSL 3.0.19 27 Jan 2026".
SSLPP_API std::string openssl_version();

/// openssl_version_number is OPENSSL_VERSION_NUMBER of the loaded library.
SSLPP_API unsigned long openssl_version_number() noexcept;

/// OpenSSLVersionInfo is Python's OPENSSL_VERSION_INFO 5-tuple.
struct OpenSSLVersionInfo {
  /// major is 3 for OpenSSL 3.x.
  unsigned major;
  /// minor is the minor version (0 for 3.0.19).
  unsigned minor;
  /// fix is the next byte of the number, decoded in the pre-3.0 layout as
  /// Python does: always 0 for OpenSSL 3, whose patch release is in `patch`.
  unsigned fix;
  /// patch is the patch release (19 for 3.0.19).
  unsigned patch;
  /// status is the last nibble: always 0 for OpenSSL 3 (before 3.0, 0xf
  /// marked a release).
  unsigned status;
  /// Equal when every member is.
  friend bool operator==(const OpenSSLVersionInfo&, const OpenSSLVersionInfo&) = default;
};

/// openssl_version_info decodes openssl_version_number() as Python does.
SSLPP_API OpenSSLVersionInfo openssl_version_info() noexcept;

/// SSLeayType selects the string ssleay_version returns (pyOpenSSL's SSLEAY_*).
enum class SSLeayType : int {
  /// SSLEAY_VERSION: the version text.
  version = 0,
  /// SSLEAY_CFLAGS: the compiler flags OpenSSL was built with.
  cflags = 1,
  /// SSLEAY_BUILT_ON: the build date.
  built_on = 2,
  /// SSLEAY_PLATFORM: the target platform.
  platform = 3,
  /// SSLEAY_DIR: OPENSSLDIR.
  dir = 4,
};

/// ssleay_version is pyOpenSSL's SSLeay_version(type): OpenSSL_version(type).
SSLPP_API std::string ssleay_version(SSLeayType type);

}  // namespace sslpp
