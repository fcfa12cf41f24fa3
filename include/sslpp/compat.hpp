/// \file
/// Second spellings: the names Python's ssl and pyOpenSSL give to what sslpp's
/// core classes already do under another name. They are kept so a Python
/// user finds their way, and gathered here so the core classes show one way
/// to do each thing. Each is the call it names, with nothing added.
///
///     Python / pyOpenSSL                 sslpp's own name
///     recv(n), recv_into(buf)            read(n), read(buf)
///     send(data)                         write(data)
///     Context.set_cipher_list            Context::set_ciphers
///     Context.load_dh_params             Context::load_tmp_dh
///     Context.set_default_verify_paths   Context::load_default_certs
///     Connection.set_tlsext_host_name    (SNI only) Connection::set_server_hostname
///     Context.set_min_proto_version      Context::set_minimum_version
///     Context.set_max_proto_version      Context::set_maximum_version
///     set_alpn_protos                    set_alpn_protocols
///     Context.set_tmp_ecdh               Context::set_ecdh_curve
///     Connection.get_alpn_proto_negotiated  Connection::selected_alpn_protocol
///     Connection.get_protocol_version    Connection::protocol_version
///     Connection.get_protocol_version_name  Connection::version
///     SSLSocket.sock_shutdown            SSLSocket::shutdown
///     Context.set_tlsext_use_srtp        Context::set_srtp_profiles
///     Connection.DTLSv1_get_timeout      Connection::dtls_timeout
///     Connection.DTLSv1_handle_timeout   Connection::handle_dtls_timeout
///     Connection.DTLSv1_listen           Connection::dtls_listen
///     Connection.get_selected_srtp_profile  Connection::selected_srtp_profile
///     Error, ZeroReturnError, WantReadError, WantWriteError, SysCallError
///                                        SSLError, SSLZeroReturnError, ...
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sslpp/error.hpp>
#include <sslpp/export.hpp>

namespace sslpp {

class Context;
class Connection;
class SSLSocket;

///@{
/// pyOpenSSL's names for the exception types: Error is SSLError,
/// ZeroReturnError SSLZeroReturnError, WantReadError SSLWantReadError,
/// WantWriteError SSLWantWriteError, SysCallError SSLSyscallError.
using Error = SSLError;
using ZeroReturnError = SSLZeroReturnError;
using WantReadError = SSLWantReadError;
using WantWriteError = SSLWantWriteError;
using SysCallError = SSLSyscallError;
///@}

/// compat holds the base classes that give Context, Connection and SSLSocket
/// their second spellings. Use the names through those classes.
namespace compat {

/// StreamNames gives a TLS stream (Connection, SSLSocket) the socket
/// spellings of read and write.
template <typename Stream>
class StreamNames {
 public:
  /// recv is read(bufsize): up to `bufsize` bytes.
  std::string recv(std::size_t bufsize) { return self().read(bufsize); }
  /// recv_into is read(buffer): bytes read into `buffer`.
  std::size_t recv_into(std::span<std::byte> buffer) { return self().read(buffer); }
  /// send is write(data).
  std::size_t send(std::span<const std::byte> data) { return self().write(data); }
  /// send is write(data), for text.
  std::size_t send(std::string_view data) { return self().write(data); }

 private:
  Stream& self() noexcept { return static_cast<Stream&>(*this); }
};

/// ContextNames are Context's second spellings.
class SSLPP_API ContextNames {
 public:
  /// set_cipher_list is pyOpenSSL's name for Context::set_ciphers.
  void set_cipher_list(std::string_view ciphers);
  /// load_dh_params is Python's name for Context::load_tmp_dh.
  void load_dh_params(const std::filesystem::path& dhfile);
  /// set_default_verify_paths is pyOpenSSL's name for load_default_certs.
  void set_default_verify_paths();
  ///@{
  /// set_min_proto_version / set_max_proto_version are pyOpenSSL's names for
  /// set_minimum_version / set_maximum_version, taking OpenSSL's version
  /// numbers (TLS1_2_VERSION, 0x0303); 0 means no bound. Throws ValueError
  /// for a number that is no TLS version.
  void set_min_proto_version(int version);
  void set_max_proto_version(int version);
  ///@}
  /// set_alpn_protos is pyOpenSSL's name for set_alpn_protocols.
  void set_alpn_protos(const std::vector<std::string>& protocols);
  /// set_tmp_ecdh is pyOpenSSL's name for set_ecdh_curve, by curve name.
  void set_tmp_ecdh(std::string_view curve_name);
  /// set_tlsext_use_srtp is pyOpenSSL's name for set_srtp_profiles.
  void set_tlsext_use_srtp(std::string_view profiles);

 private:
  Context& self() noexcept;
};

/// ConnectionNames are Connection's second spellings.
class SSLPP_API ConnectionNames : public StreamNames<Connection> {
 public:
  /// set_tlsext_host_name is pyOpenSSL's: the SNI name a client sends,
  /// without verifying it (set_server_hostname does both); it replaces an
  /// earlier name. Throws ValueError on a server connection, after the
  /// handshake has started, and for a name SNI cannot carry: empty,
  /// starting with '.', with a NUL byte, over 255 bytes, or an IP address
  /// (RFC 6066 section 3; send no name instead).
  void set_tlsext_host_name(std::string_view name);
  /// set_alpn_protos is pyOpenSSL's name for set_alpn_protocols.
  void set_alpn_protos(const std::vector<std::string>& protocols);
  /// get_alpn_proto_negotiated is pyOpenSSL's selected_alpn_protocol,
  /// empty when none was agreed (pyOpenSSL's b"").
  [[nodiscard]] std::string get_alpn_proto_negotiated() const;
  /// get_protocol_version is pyOpenSSL's protocol_version as OpenSSL's
  /// number (0x0304 for TLS 1.3), 0 before the handshake.
  [[nodiscard]] int get_protocol_version() const;
  /// get_protocol_version_name is pyOpenSSL's version(): "TLSv1.3", ...,
  /// "Unknown" before the handshake.
  [[nodiscard]] std::string get_protocol_version_name() const;
  ///@{
  /// DTLSv1_get_timeout is pyOpenSSL's dtls_timeout, in seconds; nullopt
  /// (pyOpenSSL's None) while no retransmission timer runs.
  /// DTLSv1_handle_timeout is pyOpenSSL's handle_dtls_timeout: true when
  /// it retransmitted. OpenSSL's <openssl/ssl.h> defines both names as
  /// macros: where it is included, call them in parentheses,
  /// `(conn.DTLSv1_get_timeout)()`, or use the core names.
  [[nodiscard]] std::optional<double>(DTLSv1_get_timeout)() const noexcept;
  bool(DTLSv1_handle_timeout)();
  ///@}
  /// DTLSv1_listen is pyOpenSSL's: dtls_listen, throwing SSLWantReadError
  /// (WantReadError) until a ClientHello with a valid cookie has come.
  void DTLSv1_listen();
  /// get_selected_srtp_profile is pyOpenSSL's selected_srtp_profile, empty
  /// when none was agreed (pyOpenSSL's b"").
  [[nodiscard]] std::string get_selected_srtp_profile() const;

 private:
  Connection& self() noexcept;
  [[nodiscard]] const Connection& self() const noexcept;
};

/// SSLSocketNames are SSLSocket's second spellings.
class SSLPP_API SSLSocketNames : public StreamNames<SSLSocket> {
 public:
  /// sock_shutdown is pyOpenSSL's name for SSLSocket::shutdown(how).
  void sock_shutdown(int how);

 private:
  SSLSocket& self() noexcept;
};

}  // namespace compat
}  // namespace sslpp
