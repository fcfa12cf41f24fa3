/// \file
/// Connection: one TLS connection as a sans-IO state machine over memory
/// buffers (Python's SSLObject + MemoryBIO, pyOpenSSL's Connection(ctx, None)).
/// SSLSocket (ssl_socket.hpp) drives this same core over a socket.
#pragma once

#include <any>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <openssl/types.h>

#include <sslpp/certificate.hpp>
#include <sslpp/constants.hpp>
#include <sslpp/context.hpp>
#include <sslpp/dtls.hpp>
#include <sslpp/early_data.hpp>
#include <sslpp/error.hpp>
#include <sslpp/export.hpp>
#include <sslpp/secure_bytes.hpp>
#include <sslpp/session.hpp>
#include <sslpp/socket.hpp>
#include <sslpp/status.hpp>

namespace sslpp {

namespace detail {
struct engine;
}

/// CipherInfo is Python's cipher() triple.
struct CipherInfo {
  /// name is OpenSSL's name of the cipher suite ("TLS_AES_256_GCM_SHA384").
  std::string name;
  /// protocol is the version that defined the suite ("TLSv1.3"), as Python
  /// reports it (SSL_CIPHER_get_version): older than the version in use for
  /// some TLS 1.2 suites; version() says which is in use.
  std::string protocol;
  /// secret_bits is the strength of its key, in bits.
  int secret_bits = 0;
  /// Equal when every member is.
  friend bool operator==(const CipherInfo&, const CipherInfo&) = default;
};

/// Connection is one TLS connection. Bytes from the network go in with
/// bio_write; bytes for the network come out with bio_read; plaintext moves
/// with read and write. Nothing here blocks or touches a socket.
///
/// Every I/O call has two forms. The exception-free form
/// (`read(buf, ec)`) returns an io_result; it never throws, and sslpp
/// allocates nothing on its steady-state path (OpenSSL may allocate record
/// buffers itself, see Context::set_release_buffers). The throwing form (`read(buf)`) is a thin layer
/// over it that raises Python's exception for each outcome
/// (SSLWantReadError, SSLZeroReturnError, SSLEOFError, ...).
///
/// A fatal error is sticky: after one, every I/O call reports it again; only
/// bio_read (to flush the alert) still works. OpenSSL's error queue is
/// cleared before each call, so no stale error attaches to it.
///
/// Move-only. A moved-from Connection may only be destroyed or assigned to.
/// Thread safety: one thread at a time per connection; different
/// connections (from one Context) may run on different threads.
///
///     sslpp::Connection client = ctx.wrap_bio({.server_hostname = "localhost"});
///     std::error_code ec;
///     auto r = client.do_handshake(ec);   // io_status::want_read
///     std::byte out[16384];
///     std::size_t n = client.bio_read(out);  // ClientHello, for the peer
class SSLPP_API Connection : public compat::ConnectionNames {
 public:
  /// Connection makes a connection over memory buffers with no role yet
  /// (pyOpenSSL's Connection(ctx, None)); call set_connect_state or
  /// set_accept_state before the handshake.
  explicit Connection(const Context& context);
  ///@{
  /// The move operations leave `other` moved-from: destroy it or assign to it.
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  ///@}
  /// ~Connection frees the SSL without sending close_notify (shutdown()
  /// first for a clean close).
  ~Connection();

  // -- Transport (the sans-IO side) ------------------------------------------
  // On a DTLS connection (dtls.hpp) every call below moves whole datagrams:
  // bio_write and commit_input take one datagram each (an empty one, one
  // over 65,535 bytes, or one past the input limit, 256 KiB unless set, is
  // dropped: 0 taken); bio_read gives one datagram, only when it fits in
  // `out` (bio_pending is its size); peek_output is the next datagram and
  // consume_output(n), any n > 0, drops it whole.

  ///@{
  /// bio_write hands ciphertext received from the peer to the connection and
  /// returns how many bytes it took: all of them, unless an input limit is
  /// set (set_transport_limits) and reached, or memory ran out (then it
  /// takes what fitted, possibly nothing). Offer the rest again later; never
  /// drop it. Garbage is accepted here and fails the next read/handshake
  /// with SSLError.
  std::size_t bio_write(std::span<const std::byte> data) noexcept;
  std::size_t bio_write(std::string_view data) noexcept { return bio_write(std::as_bytes(std::span(data))); }
  ///@}
  /// bio_read moves up to `out.size()` bytes of ciphertext for the peer into
  /// `out` and returns how many (0 when none is pending). Never throws.
  std::size_t bio_read(std::span<std::byte> out) noexcept;
  /// bio_read returns up to `bufsize` pending bytes (empty when none).
  std::string bio_read(std::size_t bufsize);
  /// bio_pending is how many ciphertext bytes wait for bio_read.
  [[nodiscard]] std::size_t bio_pending() const noexcept;
  /// bio_shutdown marks end of input: the peer's transport has closed. A
  /// later read then reports closed (after close_notify) or truncated.
  void bio_shutdown() noexcept;

  /// peek_output is the pending ciphertext, in place: send some of it, then
  /// consume_output(n) what was sent. No copy is made. The span stays valid,
  /// its bytes in place, until consume_output or bio_read, even while other
  /// calls on this connection run (a read while an asynchronous send of
  /// these bytes is in flight); output they add comes after it.
  [[nodiscard]] std::span<const std::byte> peek_output() const noexcept;
  /// consume_output drops the first `n` bytes of pending ciphertext.
  void consume_output(std::size_t n) noexcept;
  /// input_space is room for up to `n` bytes of the peer's ciphertext, to
  /// receive into directly (e.g. with recv(2)); commit_input(k) then hands
  /// the first k bytes to the connection. The room is not initialised (no
  /// time is spent clearing it): commit only bytes you wrote. It stays in
  /// place until commit_input, bio_write or the next input_space, even while
  /// other calls on this connection run (a write while an asynchronous
  /// receive into it is in flight). Empty when the input limit is reached.
  /// Throws std::bad_alloc.
  [[nodiscard]] std::span<std::byte> input_space(std::size_t n);
  /// commit_input hands the first `n` bytes of the room input_space gave to
  /// the connection, as bio_write would; `n` must not exceed that room.
  void commit_input(std::size_t n) noexcept;
  /// TransportLimits bound the ciphertext a connection buffers. With an
  /// input limit, bio_write takes no more than fits: stop reading the
  /// socket until the connection has consumed some. With an output limit,
  /// write and do_handshake report want_write when the pending output is
  /// full: drain it, then repeat the call. Unbounded by default.
  struct TransportLimits {
    /// input bounds the peer's ciphertext waiting to be processed, in bytes.
    std::size_t input = SIZE_MAX;
    /// output bounds our ciphertext waiting to be sent, in bytes.
    std::size_t output = SIZE_MAX;
  };
  /// set_transport_limits sets both bounds; they apply from the next call.
  void set_transport_limits(TransportLimits limits) noexcept;

  // -- Role and peer name --------------------------------------------------

  ///@{
  /// set_connect_state / set_accept_state make this a client / a server
  /// (pyOpenSSL's), before the handshake. Connections from wrap_bio
  /// already have their role.
  void set_connect_state();
  void set_accept_state();
  ///@}
  /// server_side is true for a server connection.
  [[nodiscard]] bool server_side() const noexcept;
  /// server_hostname is the name given for SNI and verification, if any.
  [[nodiscard]] std::optional<std::string> server_hostname() const;
  /// set_server_hostname sets the name to send as SNI (not for IP
  /// addresses) and, when the context's check_hostname is on, the name or
  /// address the certificate must match. Before the handshake only.
  /// Throws ValueError for an empty name, one starting with '.', or one
  /// with a NUL byte.
  void set_server_hostname(std::string_view hostname);

  // -- Handshake and data: exception-free forms ------------------------------

  /// do_handshake advances the handshake: ok when it is complete.
  io_result do_handshake(std::error_code& ec) noexcept;
  /// read decrypts up to `out.size()` bytes: ok with bytes > 0, want_read
  /// when more ciphertext is needed, closed after close_notify, truncated
  /// when the input ended without one, error otherwise.
  io_result read(std::span<std::byte> out, std::error_code& ec) noexcept;
  /// write encrypts all of `data` and reports the plaintext bytes taken;
  /// want_write when an output limit is set and reached (drain, then repeat
  /// with the same data).
  io_result write(std::span<const std::byte> data, std::error_code& ec) noexcept;
  /// write (gather) encrypts the buffers in order, one call for all:
  /// reports the bytes taken. When a limit stops it after some buffers were
  /// taken it reports ok with that count; repeat with the rest.
  io_result write(std::span<const std::span<const std::byte>> buffers, std::error_code& ec) noexcept;
  /// shutdown sends close_notify: ok once both ends' close_notify have
  /// passed, want_read while the peer's is still awaited. It never waits.
  io_result shutdown(std::error_code& ec) noexcept;

  // -- Write coalescing and buffers ----------------------------------------
  /// set_coalescing(true) gathers small writes into full records: once the
  /// handshake is done, write() takes the bytes and encrypts them a 16 KiB
  /// record at a time, so 256 writes of 64 bytes cost one record, not 256
  /// (10-30 times less CPU, a quarter fewer bytes on the wire). Off by
  /// default.
  ///
  /// The rule: gathered bytes go out before anything else this connection
  /// does that the peer could see or wait on: a read (so a request is sent
  /// before its reply is awaited), a handshake step, a shutdown, a write
  /// with coalescing off; and when flush() is called. A driver that waits
  /// for the peer without calling read (its event loop waits on the socket
  /// first) calls flush() before it waits: until then write() reports no
  /// output pending. Turning coalescing off does not flush by itself; the
  /// next write or flush does. No effect on a DTLS connection, whose
  /// every write is one datagram.
  void set_coalescing(bool on) noexcept;
  /// coalescing is true while writes are gathered.
  [[nodiscard]] bool coalescing() const noexcept;
  /// flush encrypts every gathered byte: ok when all of it is pending output
  /// (send it), want_write when an output limit stopped it (drain, then
  /// flush again), error when the connection has failed: the gathered
  /// bytes were not sent, and coalesced() says how many.
  io_result flush(std::error_code& ec) noexcept;
  /// flush throws as write does.
  void flush();
  /// coalesced is how many plaintext bytes write() has taken and not yet
  /// encrypted.
  [[nodiscard]] std::size_t coalesced() const noexcept;
  /// release_buffers gives the record buffers back to the heap now, those
  /// OpenSSL holds and sslpp's transport queues, wherever nothing is held
  /// in them (a partly read record stays, and so does its buffer). For an
  /// event loop's idle timer under BufferPolicy::adaptive; works under any
  /// policy. A later record allocates them again (about 1 300 instructions).
  void release_buffers() noexcept;

  // -- Handshake and data: throwing forms ------------------------------------

  /// do_handshake throws SSLWantReadError / SSLWantWriteError while the
  /// handshake needs I/O, SSLCertVerificationError when verification
  /// fails, SSLError otherwise.
  void do_handshake();
  /// read returns the bytes read, 0 after the peer's close_notify. Throws
  /// SSLWantReadError when more ciphertext is needed, SSLEOFError on
  /// truncation.
  std::size_t read(std::span<std::byte> out);
  /// read returns up to `len` bytes (Python's SSLObject.read(len)).
  std::string read(std::size_t len = 1024);
  ///@{
  /// write returns the plaintext bytes taken (all of them on memory buffers).
  std::size_t write(std::span<const std::byte> data);
  std::size_t write(std::string_view data) { return write(std::as_bytes(std::span(data))); }
  ///@}
  ///@{
  /// sendall writes all of `data` or throws.
  void sendall(std::span<const std::byte> data);
  void sendall(std::string_view data) { sendall(std::as_bytes(std::span(data))); }
  ///@}
  /// shutdown sends close_notify and returns true when the exchange is
  /// complete (pyOpenSSL's), false while the peer's close_notify is awaited.
  bool shutdown();
  /// unwrap is Python's SSLObject.unwrap: shutdown, throwing
  /// SSLWantReadError while the peer's close_notify is awaited, and SSLError
  /// APPLICATION_DATA_AFTER_CLOSE_NOTIFY when bytes that followed the peer's
  /// close_notify were read with it (SSLSocket::unwrap says when).
  void unwrap();

  // -- State -------------------------------------------------------------------

  /// pending is how many decrypted bytes read() can return without input.
  [[nodiscard]] std::size_t pending() const noexcept;
  ///@{
  /// want_read / want_write are pyOpenSSL's: the last call needs the
  /// transport to be readable / writable.
  [[nodiscard]] bool want_read() const noexcept;
  [[nodiscard]] bool want_write() const noexcept;
  ///@}
  /// is_handshake_done is true once the handshake has completed.
  [[nodiscard]] bool is_handshake_done() const noexcept;
  ///@{
  /// get_shutdown / set_shutdown are pyOpenSSL's SENT/RECEIVED_SHUTDOWN bits.
  [[nodiscard]] ShutdownState get_shutdown() const noexcept;
  void set_shutdown(ShutdownState state) noexcept;
  ///@}

  // -- After the handshake ------------------------------------------------------

  /// version is "TLSv1.3", "TLSv1.2", ..., or nullopt before the handshake.
  [[nodiscard]] std::optional<std::string> version() const;
  /// cipher is (name, protocol, secret bits), or nullopt before the handshake.
  [[nodiscard]] std::optional<CipherInfo> cipher() const;
  /// shared_ciphers lists the ciphers both sides offered; nullopt on a
  /// client or before the handshake.
  [[nodiscard]] std::optional<std::vector<CipherInfo>> shared_ciphers() const;
  /// compression names the compression in use, nullopt for none.
  [[nodiscard]] std::optional<std::string> compression() const;
  /// selected_alpn_protocol is the ALPN protocol agreed, if any.
  [[nodiscard]] std::optional<std::string> selected_alpn_protocol() const;
  /// getpeercert is Python's getpeercert(): nullopt when the peer sent no
  /// certificate; an empty CertInfo when it was not verified (CERT_NONE);
  /// else the decoded certificate. Throws ValueError before the handshake.
  [[nodiscard]] std::optional<CertInfo> getpeercert() const;
  /// getpeercert_der is getpeercert(binary_form=True): the DER bytes, even
  /// when unverified. Throws ValueError before the handshake.
  [[nodiscard]] std::optional<std::vector<std::byte>> getpeercert_der() const;
  /// get_peer_certificate is pyOpenSSL's: the peer's certificate, if any.
  [[nodiscard]] std::optional<Certificate> get_peer_certificate() const;
  /// get_peer_cert_chain is the chain the peer sent (empty if none).
  [[nodiscard]] std::vector<Certificate> get_peer_cert_chain() const;
  /// get_channel_binding returns channel binding data, nullopt before the
  /// handshake: "tls-unique" (RFC 5929, the first Finished message) on TLS
  /// 1.2, "tls-exporter" (RFC 9266: 32 bytes exported with the label
  /// "EXPORTER-Channel-Binding") on TLS 1.3, and on TLS 1.2 with the
  /// extended master secret. Throws ValueError for a cb_type not in
  /// CHANNEL_BINDING_TYPES, for "tls-unique" on TLS 1.3 (RFC 9266 says it
  /// is undefined there; Python 3.11 returns bytes anyway), and for
  /// "tls-exporter" on TLS 1.2 without the extended master secret.
  [[nodiscard]] std::optional<std::vector<std::byte>> get_channel_binding(
      std::string_view cb_type = "tls-unique") const;
  /// session is the current session (for resumption on a later connection).
  /// On TLS 1.3 it is resumable once the server's ticket has been read (a
  /// read after the handshake). A connection destroyed without shutdown()
  /// marks its session not resumable, as OpenSSL does for any SSL_free
  /// without a clean close.
  [[nodiscard]] std::optional<Session> session() const;
  /// set_session offers `session` for resumption; before the handshake only.
  /// A resumed session is not verified again, so a session from another
  /// client context, or made for another server_hostname, is refused with
  /// ValueError (here, or by a later set_server_hostname).
  void set_session(const Session& session);
  /// session_reused is true when the handshake resumed a session.
  [[nodiscard]] bool session_reused() const noexcept;
  /// verify_result is OpenSSL's X509_V_* verdict on the peer's certificate.
  [[nodiscard]] long verify_result() const noexcept;
  /// protocol_version is the version in use (TLSVersion::TLSv1_3, ...),
  /// nullopt before the handshake.
  [[nodiscard]] std::optional<TLSVersion> protocol_version() const noexcept;
  /// group is Python 3.15's SSLSocket.group(): the key exchange group the
  /// handshake used ("X25519", "secp256r1", "ffdhe2048"), nullopt before
  /// the handshake and when none was used (a TLS 1.2 RSA key exchange, a
  /// plain PSK suite).
  [[nodiscard]] std::optional<std::string> group() const;
  ///@{
  /// client_sigalg / server_sigalg are Python 3.15's: the TLS name of the
  /// signature algorithm the client / the server signed its handshake with
  /// ("ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256", "ed25519"), nullopt
  /// before the handshake and when that side did not sign (a client without
  /// a certificate, a resumed session, a PSK handshake).
  [[nodiscard]] std::optional<std::string> client_sigalg() const;
  [[nodiscard]] std::optional<std::string> server_sigalg() const;
  ///@}
  /// get_verified_chain is Python 3.13's and pyOpenSSL's: the peer's chain
  /// as verification built it, leaf first, ending at the trust anchor.
  /// Empty before the handshake, when the peer sent no certificate, and
  /// when its chain was not verified (CERT_NONE): unlike Python, which then
  /// returns the unverified chain, a list called verified is verified.
  [[nodiscard]] std::vector<Certificate> get_verified_chain() const;
  /// get_unverified_chain is Python 3.13's: the certificates the peer sent,
  /// leaf first, as sent (on a server too, where OpenSSL leaves the leaf
  /// out of get_peer_cert_chain). Empty when the peer sent none.
  [[nodiscard]] std::vector<Certificate> get_unverified_chain() const;
  /// get_certificate is pyOpenSSL's: our own certificate, if one is set.
  [[nodiscard]] std::optional<Certificate> get_certificate() const;
  /// ocsp_response is the OCSP response the server stapled (client, after
  /// request_ocsp or with an OcspCheck on): nullopt before the handshake or
  /// when none was asked for, empty when the server stapled none.
  [[nodiscard]] std::optional<std::vector<std::byte>> ocsp_response() const;
  /// early_data_status says whether TLS 1.3 early data was sent and
  /// accepted (see early_data.hpp), on both ends; final once the handshake
  /// is done (a client that sent early data reads rejected until the
  /// server accepts it). SSL_get_early_data_status.
  [[nodiscard]] EarlyDataStatus early_data_status() const noexcept;

  // -- Per-connection settings (pyOpenSSL) ------------------------------------

  /// set_verify is pyOpenSSL's Connection.set_verify: this connection's
  /// verify mode and callback instead of the context's, before the
  /// handshake. Throws ValueError for VERIFY_NONE on a client whose
  /// context checks host names (as Context::set_verify_mode refuses
  /// CERT_NONE then), and after the handshake has started.
  void set_verify(VerifyPeer mode, VerifyCallback callback = {});
  /// get_verify_mode is this connection's verify mode (its own, or the
  /// context's when set_verify was not called).
  [[nodiscard]] VerifyPeer get_verify_mode() const;
  /// use_certificate is pyOpenSSL's: this connection's own certificate
  /// instead of the context's (before the handshake, or from a servername
  /// callback). Throws SSLError when it does not match a key already set.
  void use_certificate(const Certificate& certificate);
  /// use_privatekey is pyOpenSSL's: this connection's own private key.
  /// Throws SSLError when it does not match a certificate already set.
  void use_privatekey(const PrivateKey& key);
  /// set_alpn_protocols sets this connection's ALPN protocols instead of
  /// the context's (as Context::set_alpn_protocols), before the handshake.
  void set_alpn_protocols(const std::vector<std::string>& protocols);
  /// request_ocsp is pyOpenSSL's: a client asks the server to staple an
  /// OCSP response, handed to the context's OCSP client callback and kept
  /// for ocsp_response(). Before the handshake; ValueError on a server.
  void request_ocsp();

  // -- Early data (TLS 1.3, early_data.hpp) -------------------------------------

  /// write_early_data sends `data` as early data (client, on a resumed
  /// TLS 1.3 session whose ticket allows it, before any other I/O call):
  /// ok with all of `data` taken. Call it as often as needed, then
  /// do_handshake; early_data_status() then says whether the server took
  /// it. On want_write, call it again with the same bytes. ValueError (ec:
  /// errc::invalid_argument, io_status::error, nothing sent, the
  /// connection unchanged) when this connection cannot send early data: a
  /// server, no session, a ticket without early data, more bytes in all
  /// than the ticket allows, or the handshake already moved on (any other
  /// I/O call ends early data). A sticky error is reported again first.
  /// SSL_write_early_data.
  io_result write_early_data(std::span<const std::byte> data, std::error_code& ec) noexcept;
  /// read_early_data reads early data (server, as its first I/O call): ok
  /// with bytes > 0 for data, ok with 0 bytes once there is no (more)
  /// early data, none sent, rejected or read to its end (then call
  /// do_handshake; later calls say 0 again), want_read when more input is
  /// needed. A server that never calls it rejects early data; one that
  /// started must read to the end (0 bytes) first: until then its other
  /// I/O calls are refused with ValueError, since OpenSSL would fail the
  /// connection on early data left unread. ValueError (as
  /// write_early_data) on a client, for an empty `out`, and once another
  /// I/O call started the handshake without it. SSL_read_early_data.
  io_result read_early_data(std::span<std::byte> out, std::error_code& ec) noexcept;
  ///@{
  /// The throwing forms: write_early_data returns the bytes taken;
  /// read_early_data the bytes read, 0 when early data is over.
  std::size_t write_early_data(std::span<const std::byte> data);
  std::size_t read_early_data(std::span<std::byte> out);
  ///@}

  // -- DTLS (dtls.hpp): connections of a DTLS context ----------------------------
  // Each calls throws ValueError on a TLS connection, except the getters,
  // which answer nullopt or 0 there.

  /// dtls_timeout is how long until OpenSSL wants to retransmit its last
  /// handshake flight (a flight, or the peer's answer, may have been lost):
  /// call handle_dtls_timeout then. nullopt while no timer runs (the
  /// handshake done, or not started). pyOpenSSL's DTLSv1_get_timeout.
  [[nodiscard]] std::optional<std::chrono::nanoseconds> dtls_timeout() const noexcept;
  ///@{
  /// handle_dtls_timeout retransmits the last flight when the timer has
  /// run out (the datagrams then wait in the output) and returns true; false
  /// when it had not. The timer doubles with each retransmission, from 1 s
  /// to 60 s; after 12 unanswered ones the connection fails with a
  /// TimeoutError (errc::timed_out). pyOpenSSL's DTLSv1_handle_timeout.
  bool handle_dtls_timeout(std::error_code& ec) noexcept;
  bool handle_dtls_timeout();
  ///@}
  ///@{
  /// dtls_listen is a DTLS server's stateless cookie exchange
  /// (DTLSv1_listen), on a connection that has not begun a handshake: it
  /// reads the datagram fed in. A ClientHello without a valid cookie is
  /// answered with a HelloVerifyRequest (in the output, to send to the
  /// peer) and dropped: want_read, and the connection may listen again for
  /// the next peer. A ClientHello with a valid cookie: ok, OpenSSL keeps it,
  /// and do_handshake goes on with this peer. Anything else is dropped
  /// (want_read). With the default cookie, call set_peer_address and feed
  /// one datagram before each call: the cookie is bound to that address
  /// (ValueError otherwise). Cookie callbacks: both or neither (ValueError).
  /// The throwing form returns true for ok and false for want_read.
  io_result dtls_listen(std::error_code& ec) noexcept;
  bool dtls_listen();
  ///@}
  ///@{
  /// set_peer_address tells a DTLS connection where its datagrams come
  /// from, as a driver receiving them knows: what the default cookie binds,
  /// and what peer_address tells a cookie callback. peer_address is nullopt
  /// until set.
  void set_peer_address(const Address& peer);
  [[nodiscard]] std::optional<Address> peer_address() const;
  ///@}
  /// set_ciphertext_mtu sets the largest datagram this connection sends
  /// (the path's MTU less the IP and UDP headers): handshake messages are
  /// fragmented to fit, and a write larger than get_cleartext_mtu is
  /// refused. 1,400 unless set (or a driver learns the path's). Throws
  /// ValueError below OpenSSL's minimum (256) and above 65,535.
  void set_ciphertext_mtu(std::size_t mtu);
  /// get_cleartext_mtu is the largest write that fits in one datagram
  /// under the current MTU and cipher (0 before the handshake has chosen
  /// one, and on a TLS connection).
  [[nodiscard]] std::size_t get_cleartext_mtu() const noexcept;
  /// selected_srtp_profile is the SRTP profile the handshake agreed
  /// (Context::set_srtp_profiles), nullopt when none.
  [[nodiscard]] std::optional<std::string> selected_srtp_profile() const;
  /// srtp_keys are the SRTP keys and salts of the agreed profile (RFC
  /// 5764 4.2). Throws ValueError before the handshake and when no profile
  /// was agreed.
  [[nodiscard]] SrtpKeys srtp_keys() const;

  // -- Introspection and control (pyOpenSSL) -----------------------------------

  /// state_string is OpenSSL's long name of the handshake state
  /// ("SSL negotiation finished successfully", "before SSL initialization").
  [[nodiscard]] std::string state_string() const;
  ///@{
  /// client_random / server_random are the hello randoms (32 bytes), nullopt
  /// before they exist.
  [[nodiscard]] std::optional<std::vector<std::byte>> client_random() const;
  [[nodiscard]] std::optional<std::vector<std::byte>> server_random() const;
  ///@}
  /// master_key is the TLS 1.2 master secret, nullopt until the handshake
  /// completes (and while a renegotiation runs). Throws NotSupportedError on
  /// TLS 1.3, which has no master secret (use export_keying_material).
  [[nodiscard]] std::optional<SecureBytes> master_key() const;
  ///@{
  /// get_finished / get_peer_finished are the Finished messages sent and
  /// received, nullopt before they exist.
  [[nodiscard]] std::optional<std::vector<std::byte>> get_finished() const;
  [[nodiscard]] std::optional<std::vector<std::byte>> get_peer_finished() const;
  ///@}
  /// export_keying_material is RFC 5705 / RFC 8446 7.5: `length` bytes
  /// derived from the session for `label` and the optional `context`. On
  /// TLS 1.2 no context and an empty one give different bytes; TLS 1.3
  /// defines them as the same. Throws ValueError before the handshake
  /// completes (or while a renegotiation runs) and for a zero length;
  /// SSLError for a label TLS 1.2 reserves ("master secret", ...).
  [[nodiscard]] SecureBytes export_keying_material(
      std::string_view label, std::size_t length,
      std::optional<std::span<const std::byte>> context = std::nullopt) const;
  /// get_cipher_list is the names of the ciphers this connection would
  /// offer or accept, in preference order: the TLS 1.3 suites
  /// (set_ciphersuites) first, then the set_ciphers list.
  [[nodiscard]] std::vector<std::string> get_cipher_list() const;
  /// renegotiate asks for a new handshake on TLS 1.2 (it then runs on the
  /// next do_handshake/read/write). Throws SSLError when refused: on TLS
  /// 1.3, with OP_NO_RENEGOTIATION, or before the first handshake has
  /// completed; the connection stays usable. A peer may still refuse: an
  /// OpenSSL 3 server rejects client-initiated renegotiation by default,
  /// which ends the connection with an SSLError from the next I/O call.
  void renegotiate();
  /// renegotiate_pending is true while a renegotiation is in progress.
  [[nodiscard]] bool renegotiate_pending() const noexcept;
  /// total_renegotiations counts the renegotiations so far.
  [[nodiscard]] long total_renegotiations() const noexcept;
  /// verify_client_post_handshake asks a TLS 1.3 client for its certificate
  /// after the handshake (the client must have offered post-handshake
  /// authentication, and the server's verify mode include VERIFY_PEER);
  /// the request goes out with the next write or read, and the answer is
  /// taken in by a later read. Throws SSLError, saying which condition
  /// failed, when it cannot be asked; the connection stays usable.
  void verify_client_post_handshake();
  /// get_servername is the SNI name: what a client sends, or what a server
  /// received; nullopt when none.
  [[nodiscard]] std::optional<std::string> get_servername() const;
  /// get_client_ca_list is the CA names a server sends in its certificate
  /// request; on a client, those it received (empty until then).
  [[nodiscard]] std::vector<Name> get_client_ca_list() const;
  /// set_context switches a server connection to another Context's
  /// certificate, key and chain: from a servername callback (to serve the
  /// certificate the client asked for) or before the handshake. The
  /// verification of client certificates (mode, callback, trust store)
  /// stays the original context's. Throws ValueError on a client
  /// connection or an empty Context.
  void set_context(const Context& context);

  // -- Context, errors, application data -----------------------------------------

  /// get_context is another handle to the Context this connection uses
  /// (see Context::share).
  [[nodiscard]] Context get_context() const noexcept;
  /// last_error is the failure the last call reported (its ErrorInfo).
  [[nodiscard]] const ErrorInfo& last_error() const noexcept;
  /// take_callback_exception returns (and clears) the exception a callback
  /// threw during the last call that reported errc::callback_failed.
  std::exception_ptr take_callback_exception() noexcept;
  ///@{
  /// set_app_data / get_app_data keep any value of the application's with
  /// the connection (pyOpenSSL's), e.g. for a callback to find.
  void set_app_data(std::any data);
  [[nodiscard]] const std::any& get_app_data() const noexcept;
  ///@}

  /// native_handle is the borrowed SSL*, an escape hatch.
  [[nodiscard]] SSL* native_handle() const noexcept;

 private:
  friend class Context;
  friend class SSLSocket;
  friend class compat::ConnectionNames;
  friend struct detail::engine;
  // Connection over a connected socket descriptor (not owned); fd < 0
  // means memory buffers.
  Connection(const Context& context, int fd);
  [[noreturn]] void raise(io_status status) const;

  std::unique_ptr<detail::engine> impl_;
};

}  // namespace sslpp
