/// \file
/// Context: the settings shared by connections (Python's SSLContext and
/// pyOpenSSL's Context, one type).
#pragma once

#include <any>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include <sslpp/cert_store.hpp>
#include <sslpp/certificate.hpp>
#include <sslpp/compat.hpp>
#include <sslpp/constants.hpp>
#include <sslpp/dtls.hpp>
#include <sslpp/early_data.hpp>
#include <sslpp/export.hpp>
#include <sslpp/ocsp.hpp>
#include <sslpp/psk.hpp>
#include <sslpp/secure_bytes.hpp>
#include <sslpp/session.hpp>

namespace sslpp {

class Connection;
class Context;
class Session;
class Socket;
class SSLSocket;

namespace detail {
struct context_state;
}

/// VerifyLocations names trusted CA certificates for load_verify_locations:
/// any of a file, a c_rehash'ed directory, PEM text and DER bytes (as
/// Python's cafile, capath and cadata). Empty members are not used.
struct VerifyLocations {
  /// cafile is a PEM file of CA certificates (and CRLs).
  std::filesystem::path cafile{};
  /// capath is a directory of CA certificates named by subject hash
  /// (`openssl rehash`), read when a chain needs one.
  std::filesystem::path capath{};
  /// One or more PEM certificates as text (CRLs are read from cafile).
  std::string_view cadata_pem{};
  /// One or more concatenated DER certificates.
  std::span<const std::byte> cadata_der{};
};

/// CipherDescription describes one cipher (Python's get_ciphers() entries,
/// reduced to what every OpenSSL reports).
struct CipherDescription {
  /// name is OpenSSL's name ("ECDHE-ECDSA-AES256-GCM-SHA384").
  std::string name;
  /// protocol is the version that defined it ("TLSv1.2", "TLSv1.3").
  std::string protocol;
  /// secret_bits is the strength of its key, in bits.
  int secret_bits = 0;
  /// description is OpenSSL's one-line summary (SSL_CIPHER_description):
  /// key exchange, authentication, encryption and MAC.
  std::string description;
};

/// VerifyCallback is pyOpenSSL's set_verify callback: called once per
/// certificate of the peer's chain (deepest first) with OpenSSL's verdict in
/// `ok` and its reason in `errnum` (X509_V_*); return true to accept.
/// The references are valid only during the call, which runs on the thread
/// that called do_handshake (or read/write), inside that call. An exception
/// thrown here aborts the handshake and is rethrown to that caller. With
/// check_hostname on, a hostname or IP mismatch stays fatal even if the
/// callback accepts it.
using VerifyCallback =
    std::function<bool(Connection& connection, const Certificate& certificate, int errnum, int depth, bool ok)>;

/// PasswordCallback is pyOpenSSL's set_passwd_cb callback: returns the
/// passphrase (at most `maxlen` bytes are used). `verify` is true when the
/// passphrase is being set and should be asked twice. Return an empty string
/// to fail.
using PasswordCallback = std::function<std::string(int maxlen, bool verify, const std::any& userdata)>;

/// InfoCallback is pyOpenSSL's set_info_callback callback: called as the
/// handshake moves through its states (`where` says which kind of event,
/// `ret` is OpenSSL's value for it: the alert for alerts, <= 0 for a failed
/// exit). Connection::state_string() names the state. Runs inside the
/// connection's I/O call; an exception thrown here fails that call and is
/// rethrown to its caller.
using InfoCallback = std::function<void(Connection& connection, InfoWhere where, int ret)>;

/// ServernameCallback is pyOpenSSL's set_tlsext_servername_callback
/// callback: called on a server (never on a client) when the client's hello
/// arrives, whether it sent SNI or not (Connection::get_servername()
/// tells). It may switch the connection to another Context with
/// Connection::set_context, which is how one server serves several
/// certificates. An exception aborts the handshake and is rethrown to the
/// caller of do_handshake. A resumed session made for another server name
/// is refused (handshake_failure) before the callback runs.
using ServernameCallback = std::function<void(Connection& connection)>;

/// SNICallback is Python's SSLContext.sni_callback: gets the connection, the
/// name the client asked for (nullopt without SNI) and the current context.
/// Return nullopt to go on (after set_context if another certificate should
/// be used), or an alert to abort the handshake with it.
using SNICallback = std::function<std::optional<AlertDescription>(
    Connection& connection, std::optional<std::string_view> server_name, const Context& context)>;

/// AlpnSelectCallback is pyOpenSSL's set_alpn_select_callback callback: a
/// server picks one of the protocols the client offered (listed in the
/// client's order). Return nullopt to agree on none (the server answers
/// without ALPN), or one of `offered`; any other name fails the handshake
/// with a no_application_protocol alert.
using AlpnSelectCallback =
    std::function<std::optional<std::string>(Connection& connection, const std::vector<std::string>& offered)>;

/// KeylogCallback is pyOpenSSL's set_keylog_callback callback: called with
/// each NSS key log line (without its newline) as the handshake derives
/// secrets. The line holds secrets that decrypt the connection: keep it
/// out of logs meant for others. Runs inside the connection's I/O call; an
/// exception fails that call and is rethrown to its caller.
using KeylogCallback = std::function<void(Connection& connection, std::string_view line)>;

/// ConnectionOptions are Python's wrap_bio keyword arguments, for
/// designated initialisers: `ctx.wrap_bio({.server_hostname = "example.com"})`.
struct ConnectionOptions {
  /// server_side makes a server connection; a client by default.
  bool server_side = false;
  /// server_hostname is what a client sends as SNI (unless it is an IP
  /// address) and, with check_hostname, the name or address the server's
  /// certificate must match. Copied by the wrap call: it need not outlive it.
  std::optional<std::string_view> server_hostname = std::nullopt;
  /// session is offered for resumption (clients only).
  std::optional<Session> session = std::nullopt;
};

/// SSLSocketOptions are Python's wrap_socket keyword arguments:
/// `ctx.wrap_socket(std::move(sock), {.server_hostname = "example.com"})`.
struct SSLSocketOptions {
  /// server_side makes a server socket; a client by default.
  bool server_side = false;
  /// server_hostname is as ConnectionOptions::server_hostname: the SNI
  /// name and, with check_hostname, the name the server must prove.
  std::optional<std::string_view> server_hostname = std::nullopt;
  /// session is offered for resumption (clients only).
  std::optional<Session> session = std::nullopt;
  /// do_handshake_on_connect runs the handshake in wrap_socket (a connected
  /// socket) or connect(); otherwise call do_handshake yourself.
  bool do_handshake_on_connect = true;
  /// suppress_ragged_eofs makes a close without close_notify read as end of
  /// stream (Python's default). Off by default here: a close without
  /// close_notify is SSLEOFError, because an attacker who can reset a TCP
  /// connection could otherwise cut a response short unnoticed (a
  /// truncation attack). Turn it on only for peers known to close abruptly
  /// whose protocol frames its own messages (HTTP with Content-Length).
  bool suppress_ragged_eofs = false;
};

/// SessionStats are Python's SSLContext.session_stats() counters: each is
/// OpenSSL's SSL_CTX_sess_<name>() for the context's session cache.
struct SessionStats {
  /// number is how many sessions the cache holds.
  long number = 0;
  /// connect counts handshakes started as a client.
  long connect = 0;
  /// connect_good counts those that completed.
  long connect_good = 0;
  /// connect_renegotiate counts renegotiations started as a client.
  long connect_renegotiate = 0;
  /// accept counts handshakes started as a server.
  long accept = 0;
  /// accept_good counts those that completed.
  long accept_good = 0;
  /// accept_renegotiate counts renegotiations started as a server.
  long accept_renegotiate = 0;
  /// hits counts sessions a server resumed from its cache.
  long hits = 0;
  /// misses counts sessions clients offered that the cache did not hold.
  long misses = 0;
  /// timeouts counts offered sessions that had expired.
  long timeouts = 0;
  /// cache_full counts sessions dropped because the cache was full.
  long cache_full = 0;
  /// Equal when every counter is.
  friend bool operator==(const SessionStats&, const SessionStats&) = default;
};

/// BufferPolicy: when a connection gives its record buffers back to the
/// heap. OpenSSL holds about 17 KB per direction while they are allocated;
/// allocating them again costs about 1 300 instructions per burst, which is
/// 5-9% of a 64-byte or 1 KiB write.
enum class BufferPolicy : std::uint8_t {
  /// adaptive (the default) keeps the buffers while data flows and gives
  /// them back when the connection goes idle: when its handshake completes,
  /// when an SSLSocket with a timeout has waited for input a moment
  /// (SSLSocket::idle_grace),
  /// and whenever the application calls Connection::release_buffers (a
  /// sans-IO connection cannot see time pass: call it from the event loop
  /// when a connection has had no traffic for a while).
  adaptive,
  /// release_per_record gives them back after every record, as OpenSSL's
  /// SSL_MODE_RELEASE_BUFFERS: the least memory, the most allocation.
  release_per_record,
  /// keep never gives them back until the connection is destroyed
  /// (OpenSSL's default).
  keep,
};

/// Context holds certificates, keys, trust anchors and settings for many
/// connections.
///
/// Move-only. A copy that shared its settings would let `Context b = a;
/// b.set_verify_mode(CERT_NONE)` weaken every connection `a` makes, and one
/// that copied them cannot be made (OpenSSL cannot duplicate an SSL_CTX). So
/// sharing is explicit: share() (and Connection::get_context) return another
/// handle to the same context, as a Python reference does. Every Connection
/// keeps its context alive. A moved-from Context throws ValueError from
/// every call.
///
/// Settings and connections: the verification policy (verify mode and
/// depth, check_hostname, verify flags, post-handshake auth) and a client's
/// ALPN list are applied to each connection when its handshake starts, so a
/// change made before that governs it; a handshake under way keeps the
/// policy it started with. Callbacks, a server's ALPN list, the key log
/// file and the trust store are read during each handshake, so a change
/// reaches live connections too; a callback may replace itself or any
/// other while it runs. Options,
/// versions, ciphers, certificate and key are copied into each connection
/// when it is made.
///
/// Thread safety: configure a Context on one thread. Once configured, any
/// number of threads may make and run connections from it concurrently;
/// callbacks then run on those threads, possibly at the same time. Replacing
/// a callback is safe at any time; other setters must not run while another
/// thread makes or runs a connection from the context.
///
///     sslpp::Context ctx;   // a verifying client: CERT_REQUIRED, check_hostname
///     ctx.load_verify_locations("ca.pem");
///     sslpp::Connection conn = ctx.wrap_bio({.server_hostname = "example.com"});
class SSLPP_API Context : public compat::ContextNames {
 public:
  /// Context makes the secure client context: PROTOCOL_TLS_CLIENT, with
  /// CERT_REQUIRED and check_hostname on. It trusts nothing yet: load CAs
  /// (load_verify_locations, load_default_certs), or use
  /// create_default_context, which trusts the system's store.
  Context();
  /// Context makes a context for `protocol`. PROTOCOL_TLS_CLIENT turns on
  /// CERT_REQUIRED and check_hostname; every other protocol starts with
  /// CERT_NONE, as Python's do. Every context starts with TLS 1.2 as its
  /// minimum version, OP_ALL, OP_NO_COMPRESSION, OP_CIPHER_SERVER_PREFERENCE
  /// and Python's strong cipher list. Throws NotSupportedError for
  /// SSLv2_METHOD and SSLv3_METHOD.
  explicit Context(Protocol protocol);
  ///@{
  /// The move operations leave the source moved-from: it throws ValueError
  /// from every call (connections it made keep working).
  Context(Context&&) noexcept = default;
  Context& operator=(Context&&) noexcept = default;
  ///@}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  /// ~Context drops this handle; the context lives on while another handle
  /// (share()) or a Connection made from it holds it.
  ~Context() = default;

  /// share returns another handle to this same context: a change through
  /// either is a change to both (Python's `b = a`).
  [[nodiscard]] Context share() const { return Context(shared_state()); }

  /// protocol is what this context was made with.
  [[nodiscard]] Protocol protocol() const noexcept;

  // -- Verification ---------------------------------------------------------

  /// verify_mode is Python's SSLContext.verify_mode.
  [[nodiscard]] VerifyMode verify_mode() const;
  /// set_verify_mode sets it. Throws ValueError for CERT_NONE while
  /// check_hostname is on (as Python does).
  void set_verify_mode(VerifyMode mode);
  /// check_hostname says whether client connections verify the server's
  /// name against server_hostname during the handshake (in OpenSSL).
  [[nodiscard]] bool check_hostname() const;
  /// set_check_hostname turns it on or off; turning it on while verify_mode
  /// is CERT_NONE raises verify_mode to CERT_REQUIRED, as Python does.
  void set_check_hostname(bool on);
  /// hostname_checks_common_name is Python's attribute of that name: whether
  /// the handshake's name check falls back to the subject's commonName when
  /// the certificate has no DNS subjectAltName. Off by default, as browsers,
  /// Go and rustls do (RFC 6125 deprecates the fallback; a CA constrained by
  /// name constraints does not constrain the CN). match_hostname keeps the
  /// seed's documented rules either way.
  [[nodiscard]] bool hostname_checks_common_name() const;
  /// set_hostname_checks_common_name turns the fallback on (Python 3.11's
  /// looser behaviour) or off; it governs connections whose handshake starts
  /// afterwards.
  void set_hostname_checks_common_name(bool on);
  /// security_level is Python's (read-only) SSLContext.security_level:
  /// OpenSSL's security level (SSL_CTX_get_security_level), 2 by default
  /// here (112-bit keys at least). A cipher string's "@SECLEVEL=n" changes it.
  [[nodiscard]] int security_level() const;
  ///@{
  /// verify_flags / set_verify_flags are Python's SSLContext.verify_flags
  /// (X509_V_FLAG_*). The setter replaces the whole set.
  [[nodiscard]] VerifyFlags verify_flags() const;
  void set_verify_flags(VerifyFlags flags);
  ///@}

  /// set_verify is pyOpenSSL's: sets the SSL_VERIFY_* mode and an optional
  /// callback that can override each verdict.
  void set_verify(VerifyPeer mode, VerifyCallback callback = {});
  /// get_verify_mode is pyOpenSSL's view of the mode (SSL_VERIFY_* bits).
  [[nodiscard]] VerifyPeer get_verify_mode() const;
  ///@{
  /// set_verify_depth / get_verify_depth limit how many intermediates may
  /// stand between the peer's certificate and a trust anchor (pyOpenSSL's).
  /// The setter throws ValueError for a negative depth.
  void set_verify_depth(int depth);
  [[nodiscard]] int get_verify_depth() const;
  ///@}

  /// load_verify_locations adds trusted CAs (and CRLs) from any of a file, a
  /// directory, PEM text and DER bytes. Throws ValueError when all are empty,
  /// OSError when a file cannot be read, SSLError when nothing parses.
  void load_verify_locations(const VerifyLocations& locations);
  /// load_verify_locations is pyOpenSSL's form (pemfile, capath).
  void load_verify_locations(const std::filesystem::path& cafile, const std::filesystem::path& capath = {});
  /// get_cert_store is pyOpenSSL's: the context's live trust store.
  [[nodiscard]] CertStore get_cert_store() const;
  /// get_ca_certs is Python's: the CA certificates loaded into the store
  /// (not those a capath directory would supply on demand), decoded as
  /// getpeercert() decodes.
  [[nodiscard]] std::vector<CertInfo> get_ca_certs() const;
  /// get_ca_certs_der is get_ca_certs(binary_form=True).
  [[nodiscard]] std::vector<std::vector<std::byte>> get_ca_certs_der() const;
  /// CertStoreStats counts the store's objects, as Python's cert_store_stats().
  struct CertStoreStats {
    /// x509 counts certificates.
    int x509 = 0;
    /// x509_ca counts those that are CA certificates.
    int x509_ca = 0;
    /// crl counts certificate revocation lists.
    int crl = 0;
    /// Equal when every count is.
    friend bool operator==(const CertStoreStats&, const CertStoreStats&) = default;
  };
  /// cert_store_stats counts what the trust store holds now.
  [[nodiscard]] CertStoreStats cert_store_stats() const;
  /// load_default_certs trusts the system's default CA store (Python's).
  void load_default_certs(Purpose purpose = Purpose::SERVER_AUTH);

  // -- Own certificate and key ---------------------------------------------

  /// load_cert_chain loads our certificate chain (PEM, leaf first) and its
  /// key (from `keyfile`, or from `certfile` when keyfile is empty). An
  /// encrypted key is opened with `password`. Throws OSError for unreadable
  /// files, SSLError for a wrong password or a key that does not match.
  void load_cert_chain(const std::filesystem::path& certfile, const std::filesystem::path& keyfile = {},
                       std::optional<std::string_view> password = std::nullopt);
  /// load_cert_chain with a callback that supplies the password on demand.
  void load_cert_chain(const std::filesystem::path& certfile, const std::filesystem::path& keyfile,
                       const std::function<std::string()>& password);
  /// use_certificate sets our certificate (pyOpenSSL's; load_cert_chain
  /// does this, the chain and the key in one call).
  void use_certificate(const Certificate& certificate);
  /// use_certificate_file sets our certificate from a file. Throws OSError
  /// for an unreadable file, SSLError when it holds no certificate.
  void use_certificate_file(const std::filesystem::path& file, FileType type = FILETYPE_PEM);
  /// use_certificate_chain_file sets our certificate and the chain sent with
  /// it from a PEM file, leaf first.
  void use_certificate_chain_file(const std::filesystem::path& file);
  /// add_extra_chain_cert appends an intermediate to the chain sent with
  /// our certificate.
  void add_extra_chain_cert(const Certificate& certificate);
  /// use_privatekey sets our private key; check_privatekey then says
  /// whether it matches the certificate.
  void use_privatekey(const PrivateKey& key);
  /// use_privatekey_file sets our private key from a file, asking the
  /// set_passwd_cb callback for the passphrase of an encrypted one.
  void use_privatekey_file(const std::filesystem::path& file, FileType type = FILETYPE_PEM);
  /// check_privatekey throws SSLError unless the key matches the certificate.
  void check_privatekey() const;
  /// set_passwd_cb sets the callback every later key load asks for a
  /// passphrase (pyOpenSSL's), with `userdata` passed through to it.
  void set_passwd_cb(PasswordCallback callback, std::any userdata = {});

  // -- Protocol settings ----------------------------------------------------

  /// options is the current SSL_OP_* set.
  [[nodiscard]] Options options() const;
  /// set_options adds `options` (pyOpenSSL's semantics; nothing is cleared)
  /// and returns the new set.
  Options set_options(Options options);
  /// clear_options removes `options` and returns the new set. Python's
  /// `ctx.options &= ~X` is clear_options(X).
  Options clear_options(Options options);
  ///@{
  /// minimum_version / maximum_version are Python's properties;
  /// MINIMUM_SUPPORTED / MAXIMUM_SUPPORTED mean no bound.
  [[nodiscard]] TLSVersion minimum_version() const;
  [[nodiscard]] TLSVersion maximum_version() const;
  ///@}
  ///@{
  /// set_minimum_version / set_maximum_version throw NotSupportedError for a
  /// version this OpenSSL lacks (SSLv3) and ValueError for a magic value
  /// on the wrong side.
  void set_minimum_version(TLSVersion version);
  void set_maximum_version(TLSVersion version);
  ///@}
  /// set_ciphers sets the TLS 1.2-and-below cipher list (OpenSSL syntax).
  /// Throws SSLError ("No cipher can be selected") when nothing matches.
  void set_ciphers(std::string_view ciphers);
  /// set_ciphersuites sets the TLS 1.3 suites (OpenSSL syntax).
  void set_ciphersuites(std::string_view suites);
  /// get_ciphers lists the enabled ciphers in preference order.
  [[nodiscard]] std::vector<CipherDescription> get_ciphers() const;
  /// set_alpn_protocols sets the ALPN protocols offered (client) or accepted
  /// in our order of preference (server). Throws ValueError for an empty or
  /// over-long (>255 bytes) name.
  void set_alpn_protocols(const std::vector<std::string>& protocols);
  /// buffer_policy says when connections give their record buffers (about
  /// 17 KB each way in OpenSSL, plus sslpp's transport queues) back to the
  /// heap; see BufferPolicy. BufferPolicy::adaptive by default.
  [[nodiscard]] BufferPolicy buffer_policy() const;
  /// set_buffer_policy chooses it for connections made afterwards.
  void set_buffer_policy(BufferPolicy policy);
  /// release_buffers is true unless the policy is BufferPolicy::keep.
  [[nodiscard]] bool release_buffers() const;
  /// set_release_buffers(true) is BufferPolicy::release_per_record (OpenSSL's
  /// SSL_MODE_RELEASE_BUFFERS), set_release_buffers(false) BufferPolicy::keep.
  void set_release_buffers(bool on);
  /// keylog_filename is the NSS key log file, empty when off.
  [[nodiscard]] std::filesystem::path keylog_filename() const;
  /// set_keylog_filename appends key log lines to `file` (empty: off).
  /// Throws OSError when the file cannot be opened.
  void set_keylog_filename(const std::filesystem::path& file);
  /// set_keylog_callback is pyOpenSSL's: `callback` gets each key log line
  /// (an empty function removes it). A key log file, if set, still gets
  /// its lines too.
  void set_keylog_callback(KeylogCallback callback);
  /// set_groups is Python 3.13's: the key exchange groups offered (client)
  /// or accepted (server), in preference order, as OpenSSL's colon list
  /// ("X25519:secp256r1:ffdhe2048"). Throws ValueError naming the first
  /// name this OpenSSL does not know, and for an empty list.
  void set_groups(std::string_view groups);
  /// get_groups is Python 3.15's: the names of the groups this OpenSSL
  /// implements for key exchange, within the context's minimum and maximum
  /// version (the ffdhe groups need TLS 1.3). With `include_aliases`, also
  /// the other names OpenSSL accepts for them ("prime256v1", "P-256").
  [[nodiscard]] std::vector<std::string> get_groups(bool include_aliases = false) const;
  ///@{
  /// set_client_sigalgs / set_server_sigalgs are Python 3.15's: the
  /// signature algorithms allowed for client authentication (what a server
  /// asks a client's certificate to sign with, and what a client may sign
  /// with) / for the server's handshake signature, as OpenSSL's colon list
  /// of TLS names ("ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256:ed25519").
  /// Throw ValueError naming the first name this OpenSSL does not know.
  void set_client_sigalgs(std::string_view sigalgs);
  void set_server_sigalgs(std::string_view sigalgs);
  ///@}
  ///@{
  /// dh_auto / set_dh_auto: with it on, a server picks finite-field
  /// Diffie-Hellman parameters to match its certificate's strength, so the
  /// DHE suites work without a load_tmp_dh file (what `openssl s_server`
  /// does). Off by default, as in Python; load_tmp_dh parameters win.
  [[nodiscard]] bool dh_auto() const;
  void set_dh_auto(bool on);
  ///@}
  ///@{
  /// alpn_no_overlap_alert / set_alpn_no_overlap_alert: with it on, a
  /// server whose ALPN protocols share none with a client's offer (or whose
  /// select callback returns NO_OVERLAPPING_PROTOCOLS) ends the handshake
  /// with the no_application_protocol alert, as RFC 7301 section 3.2 asks.
  /// Off by default: the server goes on without ALPN, as Python's does.
  [[nodiscard]] bool alpn_no_overlap_alert() const;
  void set_alpn_no_overlap_alert(bool on);
  ///@}

  // -- Callbacks ------------------------------------------------------------

  /// set_info_callback sets (or, with an empty function, removes) the info
  /// callback.
  void set_info_callback(InfoCallback callback);
  /// set_tlsext_servername_callback is pyOpenSSL's server-name hook.
  /// It replaces a sni_callback, and the reverse: OpenSSL has one hook.
  void set_tlsext_servername_callback(ServernameCallback callback);
  /// set_sni_callback is Python's `context.sni_callback = f`.
  void set_sni_callback(SNICallback callback);
  /// set_alpn_select_callback lets a server choose the ALPN protocol
  /// itself instead of by the set_alpn_protocols list.
  void set_alpn_select_callback(AlpnSelectCallback callback);

  // -- Pre-shared keys (psk.hpp) ---------------------------------------------

  /// set_psk_client_callback is Python 3.13's: a client offers the identity
  /// and key the callback gives (an empty function removes it). TLS 1.2 PSK
  /// suites must also be enabled with set_ciphers ("PSK" or, better,
  /// "kECDHEPSK", which adds forward secrecy). A handshake on the key
  /// authenticates the server by it, so no certificate is sent or verified
  /// (getpeercert() is nullopt); when the server answers with a certificate
  /// instead, the context's verification applies to it as usual. Throws
  /// ValueError on a PROTOCOL_TLS_SERVER context.
  void set_psk_client_callback(PskClientCallback callback);
  /// set_psk_server_callback is Python 3.13's: a server looks up the key of
  /// the identity a client sends. `identity_hint` (TLS 1.2 only; at most
  /// psk_max_identity_length bytes, no NUL) is sent to clients. Throws
  /// ValueError for a bad hint and on a PROTOCOL_TLS_CLIENT context.
  void set_psk_server_callback(PskServerCallback callback,
                               std::optional<std::string_view> identity_hint = std::nullopt);

  // -- OCSP stapling (ocsp.hpp) ----------------------------------------------

  /// set_ocsp_server_callback is pyOpenSSL's: the callback gives the
  /// response to staple for each connection whose client asks for one (an
  /// empty function removes it). It replaces a set_ocsp_response.
  void set_ocsp_server_callback(OcspServerCallback callback);
  /// set_ocsp_response staples the same DER OCSP response for every client
  /// that asks (a response file renewed by a cron job: call again with the
  /// new one). Throws ValueError for bytes that are not a DER OCSP
  /// response. It replaces a set_ocsp_server_callback.
  void set_ocsp_response(std::span<const std::byte> der);
  /// set_ocsp_client_callback is pyOpenSSL's: the callback receives the
  /// stapled response of each connection that called request_ocsp (an
  /// empty function removes it).
  void set_ocsp_client_callback(OcspClientCallback callback);
  ///@{
  /// ocsp_check / set_ocsp_check are sslpp's built-in check of a stapled
  /// response (see OcspCheck); off by default. A client with it on asks for
  /// a staple without request_ocsp. The callback, if any, runs first.
  [[nodiscard]] OcspCheck ocsp_check() const;
  void set_ocsp_check(OcspCheck check);
  ///@}

  // -- DTLS (dtls.hpp): contexts made with a DTLS_* method ---------------------

  ///@{
  /// set_cookie_generate_callback / set_cookie_verify_callback are
  /// pyOpenSSL's: the server's cookies for the HelloVerifyRequest exchange
  /// (an empty function puts the default back). The default, which every
  /// DTLS context has, is an HMAC-SHA256 of the client's address under a
  /// secret of the context's that changes every minute (a cookie is good
  /// for one to two minutes): a client gets a cookie only at an address
  /// where it receives datagrams, and a server keeps no state for it. Throws
  /// ValueError on a TLS context.
  void set_cookie_generate_callback(CookieGenerateCallback callback);
  void set_cookie_verify_callback(CookieVerifyCallback callback);
  ///@}
  /// set_srtp_profiles offers (client) or accepts (server) the SRTP
  /// protection profiles of DTLS-SRTP (RFC 5764), colon-separated, in order
  /// of preference: "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80". pyOpenSSL
  /// calls it set_tlsext_use_srtp. Throws ValueError for an unknown profile
  /// name, and on a TLS context.
  void set_srtp_profiles(std::string_view profiles);

  // -- Early data (early_data.hpp) ---------------------------------------------

  ///@{
  /// max_early_data / set_max_early_data: how many bytes of TLS 1.3 early
  /// data a server accepts on a resumed session (0, the default, refuses
  /// it; the client's early data is then rejected and must be sent again).
  /// The limit travels in the tickets the server issues: a client may send
  /// as much as its session's ticket allows. Copied into each connection
  /// when it is made. While it is not 0, anti-replay is on unless
  /// OP_NO_ANTI_REPLAY is set: each ticket resumes once, through the
  /// session cache (SESS_CACHE_SERVER, the default; see early_data.hpp).
  /// The setter throws ValueError on a PROTOCOL_TLS_CLIENT context.
  /// SSL_CTX_set_max_early_data; SSL_CTX_set_recv_max_early_data is raised
  /// to match and never lowered, since clients may hold tickets issued
  /// under an earlier, larger limit.
  [[nodiscard]] std::uint32_t max_early_data() const;
  void set_max_early_data(std::uint32_t bytes);
  ///@}

  // -- Client certificate requests --------------------------------------------

  /// load_client_ca sets the CA names the server's certificate request
  /// carries to the subjects of the certificates in `cafile` (PEM), once
  /// each, replacing the list: clients pick a certificate issued by one of
  /// them. It does not make them trusted. On error the list is unchanged.
  void load_client_ca(const std::filesystem::path& cafile);
  /// set_client_ca_list replaces the list of CA names sent.
  void set_client_ca_list(const std::vector<Name>& names);
  /// add_client_ca appends `certificate`'s subject to the list sent.
  void add_client_ca(const Certificate& certificate);
  ///@{
  /// post_handshake_auth is Python's: a client offers to send a certificate
  /// after the handshake (TLS 1.3); a server may then ask for one with
  /// Connection::verify_client_post_handshake. On a server that verifies
  /// clients, TLS 1.3 handshakes then ask for no certificate during the
  /// handshake, so CERT_REQUIRED is only enforced once
  /// verify_client_post_handshake has been answered (as in Python).
  [[nodiscard]] bool post_handshake_auth() const;
  void set_post_handshake_auth(bool on);
  ///@}

  // -- Sessions ----------------------------------------------------------------

  ///@{
  /// set_session_id sets the session id context (at most 32 bytes): a
  /// server resumes only sessions made under the same one. Every Context
  /// starts with a random one of its own, so sessions resume only where
  /// they were made; give contexts the same id (and the same ticket keys)
  /// only when they apply the same verification policy. Throws ValueError
  /// when longer.
  void set_session_id(std::span<const std::byte> id);
  void set_session_id(std::string_view id) { set_session_id(std::as_bytes(std::span(id))); }
  ///@}
  ///@{
  /// get_timeout / set_timeout are the session lifetime: 300 s by default,
  /// as the seed documents (OpenSSL 3 alone would use 7200 s). set_timeout
  /// returns the previous one; ValueError outside 1 s .. 7 days (OpenSSL
  /// would read 0 as two hours).
  [[nodiscard]] std::chrono::seconds get_timeout() const;
  std::chrono::seconds set_timeout(std::chrono::seconds timeout);
  ///@}
  ///@{
  /// num_tickets is how many TLS 1.3 session tickets a server sends after
  /// the handshake (default 2, OpenSSL's and Python's: a client may open two
  /// resumed connections at once). Each costs about 3 % of a full handshake
  /// (docs/performance.md); 1 suits clients that resume one at a time.
  /// Throws ValueError on a client-only context.
  [[nodiscard]] std::size_t num_tickets() const;
  void set_num_tickets(std::size_t n);
  /// auto_chain says whether a server whose certificate has no chain set
  /// builds one from its own trust store at every handshake (OpenSSL's
  /// automatic chain building; on by default, as in OpenSSL and Python).
  /// It finds nothing, at no cost, unless the store holds the issuers;
  /// when it does (a server that also verifies clients against the system
  /// store, say) each handshake rebuilds and verifies the chain and sends
  /// it, about 30 % more work per full handshake. Give the chain with the
  /// certificate (load_cert_chain) and turn this off then.
  [[nodiscard]] bool auto_chain() const;
  /// set_auto_chain(false) sets SSL_MODE_NO_AUTO_CHAIN: only the chain
  /// given with the certificate is sent. Affects connections made afterwards.
  void set_auto_chain(bool on);
  ///@}
  /// session_ticket_keys are the 80 bytes of key material that seal
  /// session tickets. Servers (or contexts) that share them resume each
  /// other's sessions, provided the session id context is the same.
  [[nodiscard]] SecureBytes session_ticket_keys() const;
  /// set_session_ticket_keys throws ValueError unless `keys` is 80 bytes.
  void set_session_ticket_keys(std::span<const std::byte> keys);
  /// session_stats are the context's session cache counters.
  [[nodiscard]] SessionStats session_stats() const;
  ///@{
  /// get_session_cache_mode / set_session_cache_mode are pyOpenSSL's
  /// (SESS_CACHE_*); the setter returns the previous mode.
  [[nodiscard]] SessionCacheMode get_session_cache_mode() const;
  SessionCacheMode set_session_cache_mode(SessionCacheMode mode);
  ///@}

  // -- Key exchange --------------------------------------------------------------

  /// load_tmp_dh loads finite-field Diffie-Hellman parameters (PEM "DH
  /// PARAMETERS") for the DHE cipher suites of TLS 1.2; without them a
  /// server does not negotiate DHE. Throws OSError for an unreadable file,
  /// SSLError when it holds no parameters.
  void load_tmp_dh(const std::filesystem::path& dhfile);
  /// set_ecdh_curve restricts key exchange to the named group ("prime256v1",
  /// "secp384r1", "X25519", ...). Throws ValueError for an unknown name.
  void set_ecdh_curve(std::string_view curve_name);

  // -- Application data -----------------------------------------------------

  ///@{
  /// set_app_data / get_app_data keep any value of the application's with
  /// the context (pyOpenSSL's), shared by every handle to it.
  void set_app_data(std::any data);
  [[nodiscard]] const std::any& get_app_data() const;
  ///@}

  // -- Connections ------------------------------------------------------------

  /// wrap_bio makes a sans-IO connection over memory buffers (Python's
  /// wrap_bio / SSLObject). Throws ValueError, before any I/O: for a server
  /// connection from a PROTOCOL_TLS_CLIENT context (and the reverse); for a
  /// server_hostname on a server, or one that is empty or starts with '.';
  /// for check_hostname without a server_hostname; for a session made by
  /// another context or for another server name.
  [[nodiscard]] Connection wrap_bio(const ConnectionOptions& options = {}) const;

  /// wrap_socket is Python's: TLS over `sock`, which the SSLSocket then
  /// owns. If the socket is connected and do_handshake_on_connect is set,
  /// the handshake runs now (per the socket's timeout); for an unconnected
  /// socket it runs after connect(). Throws what wrap_bio throws, ValueError
  /// for a handshake-on-connect on a non-blocking socket, and the
  /// handshake's errors. Defined beside SSLSocket: include
  /// <sslpp/ssl_socket.hpp>.
  [[nodiscard]] SSLSocket wrap_socket(Socket sock, const SSLSocketOptions& options = {}) const;

  /// native_handle is the borrowed SSL_CTX*, an escape hatch.
  [[nodiscard]] SSL_CTX* native_handle() const noexcept;

  /// Two handles are equal when they refer to the same context.
  friend bool operator==(const Context& a, const Context& b) noexcept { return a.state_ == b.state_; }

 private:
  friend class Connection;
  friend class compat::ContextNames;
  explicit Context(std::shared_ptr<detail::context_state> state) noexcept : state_(std::move(state)) {}
  // state is the context's state; ValueError on a moved-from Context.
  [[nodiscard]] detail::context_state& state() const;
  [[nodiscard]] const std::shared_ptr<detail::context_state>& shared_state() const;
  // configure gives a new connection its role, peer name and session, with
  // the checks wrap_bio and wrap_socket share.
  void configure(Connection& conn, bool server_side, std::optional<std::string_view> server_hostname,
                 const std::optional<Session>& session) const;
  std::shared_ptr<detail::context_state> state_;
};

/// DefaultVerifyPaths is Python's named tuple of where OpenSSL looks for
/// trust anchors by default. `cafile` / `capath` are the paths in effect
/// (the environment variables override OpenSSL's built-in ones), empty when
/// no such file / directory exists.
struct DefaultVerifyPaths {
  /// cafile is the CA file in effect, or empty.
  std::string cafile;
  /// capath is the CA directory in effect, or empty.
  std::string capath;
  /// openssl_cafile_env is the variable that overrides the file ("SSL_CERT_FILE").
  std::string openssl_cafile_env;
  /// openssl_cafile is OpenSSL's built-in CA file.
  std::string openssl_cafile;
  /// openssl_capath_env is the variable that overrides the directory ("SSL_CERT_DIR").
  std::string openssl_capath_env;
  /// openssl_capath is OpenSSL's built-in CA directory.
  std::string openssl_capath;
};

/// get_default_verify_paths is Python's ssl.get_default_verify_paths().
SSLPP_API DefaultVerifyPaths get_default_verify_paths();

/// get_sigalgs is Python 3.15's ssl.get_sigalgs(): the TLS names of the
/// signature algorithms this OpenSSL implements for TLS
/// ("ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256", "ed25519", ...), the
/// names set_client_sigalgs and set_server_sigalgs take.
SSLPP_API std::vector<std::string> get_sigalgs();

/// create_default_context is Python's: a context with the module's secure
/// defaults for `purpose`. For SERVER_AUTH (a client): CERT_REQUIRED and
/// check_hostname; TLS 1.2 minimum; strong ciphers only; trusts `locations`
/// or, when it is empty, the system's default CA store. Key logging to
/// $SSLKEYLOGFILE when that is set.
SSLPP_API Context create_default_context(Purpose purpose = Purpose::SERVER_AUTH,
                                         const VerifyLocations& locations = {});

}  // namespace sslpp
