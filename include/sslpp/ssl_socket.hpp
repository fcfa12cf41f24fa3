/// \file
/// SSLSocket: TLS over a TCP socket (Python's SSLSocket, pyOpenSSL's
/// Connection(ctx, socket)), driving the Connection core over the socket.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iostream>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/export.hpp>
#include <sslpp/socket.hpp>
#include <sslpp/status.hpp>

namespace sslpp {

class SSLStream;

/// SSLSocket is a TLS connection over a TCP socket it owns. Make one with
/// Context::wrap_socket. It follows the socket's timeout, as Python does:
///
/// - blocking (timeout nullopt): each call waits as long as it takes;
/// - with a timeout: each call waits at most that long, then throws
///   TimeoutError (status form: io_status::error with errc::timed_out); the
///   connection stays usable, the call may be repeated;
/// - non-blocking (timeout 0): a call that would wait throws
///   SSLWantReadError / SSLWantWriteError (status form: want_read /
///   want_write): poll the fileno() and repeat the same call.
///
/// The TLS methods (version, cipher, getpeercert, ...) are Connection's and
/// mean the same here; connection() reaches the rest.
///
///     sslpp::Context ctx = sslpp::create_default_context();
///     sslpp::SSLSocket s = sslpp::connect(ctx, "example.com", 443, std::chrono::seconds(10));
///     std::cout << *s.version();
///
/// Move-only. One thread at a time. A process using it need not ignore
/// SIGPIPE: no write raises it, kernel TLS included.
class SSLPP_API SSLSocket : public compat::SSLSocketNames {
 public:
  /// The move constructor leaves the source closed.
  SSLSocket(SSLSocket&&) noexcept = default;
  ///@{
  /// Move assignment and the destructor close this socket as close() does.
  SSLSocket& operator=(SSLSocket&& other) noexcept;
  ~SSLSocket();
  ///@}

  // -- Socket operations ---------------------------------------------------

  /// accept waits for a client on this listening socket, wraps it with the
  /// same context (server side) and, with do_handshake_on_connect, completes
  /// the handshake. Returns the new SSLSocket and the peer's address.
  std::pair<SSLSocket, Address> accept();
  ///@{
  /// bind / listen are Socket's (see there), for a server SSLSocket made
  /// from an unconnected socket: accept() then serves each client.
  void bind(std::string_view host, std::uint16_t port) { sock_.bind(host, port); }
  void listen(int backlog = 128) { sock_.listen(backlog); }
  ///@}
  /// connect connects the socket and, with do_handshake_on_connect,
  /// completes the handshake.
  void connect(std::string_view host, std::uint16_t port);
  /// connect_ex is connect returning an errno value for connection errors.
  int connect_ex(std::string_view host, std::uint16_t port);
  /// close closes the socket without close_notify (call unwrap() or
  /// shutdown_tls() first for a clean close). After a TLS failure that sent
  /// the peer a fatal alert, it first shuts down writing and reads until the
  /// peer closes, for at most a second (or the socket's timeout, if
  /// shorter; a non-blocking socket does not wait), so the peer receives
  /// the alert instead of a TCP reset.
  void close() noexcept;
  /// detach gives up the descriptor (the TLS state is lost), as it is:
  /// bytes the TLS layer has read from it and not processed (at most a
  /// record header) do not go with it. unwrap() is the way from TLS back to
  /// plaintext on the same connection.
  int detach() noexcept;
  ///@{
  /// fileno, getpeername, getsockname, getsockopt, setsockopt, gettimeout,
  /// settimeout and setblocking are Socket's (see there), on the socket
  /// this SSLSocket owns. The timeout governs the TLS calls too.
  [[nodiscard]] int fileno() const noexcept { return sock_.fileno(); }
  [[nodiscard]] Address getpeername() const { return sock_.getpeername(); }
  [[nodiscard]] Address getsockname() const { return sock_.getsockname(); }
  [[nodiscard]] int getsockopt(int level, int optname) const { return sock_.getsockopt(level, optname); }
  void setsockopt(int level, int optname, int value) { sock_.setsockopt(level, optname, value); }
  [[nodiscard]] Timeout gettimeout() const noexcept { return sock_.gettimeout(); }
  void settimeout(Timeout timeout) { sock_.settimeout(timeout); }
  void setblocking(bool blocking) { sock_.setblocking(blocking); }
  ///@}
  /// shutdown shuts down the TCP socket (Python's SSLSocket.shutdown(how));
  /// no close_notify is sent.
  void shutdown(int how) { sock_.shutdown(how); }

  // -- TLS: exception-free forms -------------------------------------------

  ///@{
  /// do_handshake, read and write are Connection's, waiting on the socket
  /// as its timeout says. ok, closed and truncated mean what they do for
  /// Connection; want_read / want_write only when non-blocking;
  /// errc::timed_out when a timeout ran out.
  ///
  /// shutdown_tls is the one-way close: it sends our close_notify (waiting
  /// only to send it) and returns ok without waiting for the peer's;
  /// unwrap() is the two-way close.
  io_result do_handshake(std::error_code& ec) noexcept;
  io_result read(std::span<std::byte> out, std::error_code& ec) noexcept;
  io_result write(std::span<const std::byte> data, std::error_code& ec) noexcept;
  io_result shutdown_tls(std::error_code& ec) noexcept;
  ///@}

  // -- Write coalescing and idle buffers --------------------------------------

  /// set_coalescing is Connection's (see there): small writes gather into
  /// full records, which leave on flush(), before any read, and on
  /// shutdown; close() sends them first, as far as the socket takes them.
  void set_coalescing(bool on) noexcept { conn_.set_coalescing(on); }
  /// coalescing is true while writes are gathered.
  [[nodiscard]] bool coalescing() const noexcept { return conn_.coalescing(); }
  ///@{
  /// flush sends every gathered byte, waiting as the timeout says.
  io_result flush(std::error_code& ec) noexcept;
  void flush();
  ///@}
  /// idle_grace is how long a read waits for input before the connection
  /// counts as idle and, under BufferPolicy::adaptive, gives its record
  /// buffers back (with a timeout set; a blocking socket waits inside
  /// OpenSSL's receive, holding them as raw OpenSSL does).
  static constexpr std::chrono::milliseconds idle_grace{10};

  // -- TLS: throwing forms ------------------------------------------------------

  /// do_handshake completes the handshake, waiting as the timeout says.
  /// Throws TimeoutError when the timeout runs out, SSLWantReadError /
  /// SSLWantWriteError when non-blocking, SSLCertVerificationError when the
  /// peer's certificate does not verify, SSLError otherwise.
  void do_handshake();
  ///@{
  /// read returns the bytes read; 0 at the end of the stream: after the
  /// peer's close_notify, or after an abrupt close when suppress_ragged_eofs
  /// is on (by default it is off, and an abrupt close is SSLEOFError). The
  /// second form returns up to `len` bytes (empty at the end).
  std::size_t read(std::span<std::byte> out);
  std::string read(std::size_t len = 1024);
  ///@}
  ///@{
  /// write sends all of `data`, waiting as the timeout says, and returns
  /// its size. Non-blocking, it throws SSLWantWriteError (or
  /// SSLWantReadError): repeat it with the same data when the socket is
  /// ready.
  std::size_t write(std::span<const std::byte> data);
  std::size_t write(std::string_view data) { return write(std::as_bytes(std::span(data))); }
  ///@}
  ///@{
  /// sendall writes all of `data` or throws (Python's).
  void sendall(std::span<const std::byte> data);
  void sendall(std::string_view data) { sendall(std::as_bytes(std::span(data))); }
  ///@}
  /// sendfile sends `count` bytes (all when nullopt) of `file` from
  /// `offset` over TLS and returns how many it sent. With OP_ENABLE_KTLS on
  /// the context and kernel TLS available, the kernel encrypts and sends
  /// straight from the page cache (SSL_sendfile); otherwise sslpp reads the
  /// file 16 KiB at a time and writes TLS records. Throws OSError when the
  /// file cannot be read.
  std::size_t sendfile(const std::filesystem::path& file, std::size_t offset = 0,
                       std::optional<std::size_t> count = std::nullopt);
  /// ktls_send is true when the kernel encrypts what this socket sends.
  [[nodiscard]] bool ktls_send() const noexcept;
  /// unwrap performs the close_notify exchange, waiting for the peer's as
  /// the timeout says, and on a blocking socket at most
  /// unwrap_blocking_limit (a peer may never send one): TimeoutError when
  /// it does not come in time. Returns the plain socket (this SSLSocket is
  /// left closed), positioned just after the peer's close_notify. SSLError
  /// (reason APPLICATION_DATA_AFTER_CLOSE_NOTIFY) when it cannot be, and
  /// the bytes read past it are lost: the peer padded its close_notify to the
  /// size of a data record and sent plaintext behind it without waiting for
  /// ours, and the socket read the first bytes of it with the record (it
  /// reads each record's body with the next record's header), or OpenSSL's
  /// own read-ahead was turned on through native_handle().
  Socket unwrap();
  /// unwrap_blocking_limit bounds how long unwrap() waits on a blocking
  /// socket for the peer's close_notify.
  static constexpr std::chrono::seconds unwrap_blocking_limit{30};

  // -- TLS state (Connection's, see there) ------------------------------------

  ///@{
  /// pending, version, cipher, shared_ciphers, compression,
  /// selected_alpn_protocol, getpeercert, getpeercert_der,
  /// get_channel_binding and server_hostname are Connection's (see there):
  /// they mean the same here.
  [[nodiscard]] std::size_t pending() const noexcept { return conn_.pending(); }
  [[nodiscard]] std::optional<std::string> version() const { return conn_.version(); }
  [[nodiscard]] std::optional<CipherInfo> cipher() const { return conn_.cipher(); }
  [[nodiscard]] std::optional<std::vector<CipherInfo>> shared_ciphers() const { return conn_.shared_ciphers(); }
  [[nodiscard]] std::optional<std::string> compression() const { return conn_.compression(); }
  [[nodiscard]] std::optional<std::string> selected_alpn_protocol() const { return conn_.selected_alpn_protocol(); }
  [[nodiscard]] std::optional<CertInfo> getpeercert() const { return conn_.getpeercert(); }
  [[nodiscard]] std::optional<std::vector<std::byte>> getpeercert_der() const { return conn_.getpeercert_der(); }
  [[nodiscard]] std::optional<std::vector<std::byte>> get_channel_binding(
      std::string_view cb_type = "tls-unique") const {
    return conn_.get_channel_binding(cb_type);
  }
  [[nodiscard]] std::optional<std::string> server_hostname() const { return conn_.server_hostname(); }
  ///@}
  ///@{
  /// group, client_sigalg, server_sigalg, get_verified_chain and
  /// get_unverified_chain are Connection's (Python 3.13 - 3.15 names).
  [[nodiscard]] std::optional<std::string> group() const { return conn_.group(); }
  [[nodiscard]] std::optional<std::string> client_sigalg() const { return conn_.client_sigalg(); }
  [[nodiscard]] std::optional<std::string> server_sigalg() const { return conn_.server_sigalg(); }
  [[nodiscard]] std::vector<Certificate> get_verified_chain() const { return conn_.get_verified_chain(); }
  [[nodiscard]] std::vector<Certificate> get_unverified_chain() const { return conn_.get_unverified_chain(); }
  ///@}
  /// server_side is the SSLSocketOptions value this socket was made with.
  [[nodiscard]] bool server_side() const noexcept { return server_side_; }
  /// suppress_ragged_eofs is the SSLSocketOptions value this socket was
  /// made with.
  [[nodiscard]] bool suppress_ragged_eofs() const noexcept { return suppress_ragged_eofs_; }
  ///@{
  /// session and session_reused are Connection's (see there).
  [[nodiscard]] std::optional<Session> session() const { return conn_.session(); }
  [[nodiscard]] bool session_reused() const noexcept { return conn_.session_reused(); }
  ///@}
  /// context is another handle to the Context this socket uses
  /// (Connection::get_context).
  [[nodiscard]] Context context() const noexcept { return conn_.get_context(); }
  /// makefile is Python's: a buffered std::iostream over the TLS stream
  /// (`stream << "GET / HTTP/1.0\r\n\r\n" << std::flush; std::getline(stream, line)`).
  /// It refers to this SSLSocket, which must outlive it; flush() sends.
  /// A TLS error sets the stream's badbit (or throws, with exceptions()).
  [[nodiscard]] SSLStream makefile();
  ///@{
  /// connection is the TLS state machine underneath, for everything else.
  [[nodiscard]] Connection& connection() noexcept { return conn_; }
  [[nodiscard]] const Connection& connection() const noexcept { return conn_; }
  ///@}

 private:
  friend class Context;
  friend class compat::SSLSocketNames;
  SSLSocket(const Context& context, Socket sock, const SSLSocketOptions& options);
  template <typename Op>
  io_result drive(std::error_code& ec, Op&& op) noexcept;
  [[noreturn]] void raise(io_result r, const std::error_code& ec, const char* operation) const;
  void end_tls() noexcept;

  Socket sock_;
  Connection conn_;
  bool server_side_ = false;
  bool do_handshake_on_connect_ = true;
  bool suppress_ragged_eofs_ = false;
};

/// connect is the verified client in one call: connects to (host, port)
/// within `timeout` (nullopt: no limit), wraps the socket with `context`,
/// sending and checking `host` as the server's name, and completes the
/// handshake. The socket keeps `timeout` for later calls. Throws ValueError
/// for a context that would not verify the server (not CERT_REQUIRED, or
/// check_hostname off: use wrap_socket for that, by name), and what
/// create_connection and the handshake throw (gaierror, TimeoutError,
/// SSLCertVerificationError, ...). A verify callback set on the context
/// (set_verify) is the caller's own policy and is not second-guessed: one
/// that accepts what OpenSSL rejected is accepted here too (a host name
/// mismatch stays fatal).
///
///     sslpp::Context ctx = sslpp::create_default_context();
///     sslpp::SSLSocket s = sslpp::connect(ctx, "example.com", 443, std::chrono::seconds(10));
SSLPP_API SSLSocket connect(const Context& context, std::string_view host, std::uint16_t port,
                            Timeout timeout = std::nullopt);

/// get_server_certificate is Python's: connects to (host, port), and
/// returns the certificate the server presents, as PEM. Without `ca_certs`
/// nothing is verified (any certificate is fetched); with it, the server
/// must verify against those CAs (SSLCertVerificationError otherwise). The
/// hostname is sent as SNI but not checked, as in Python.
SSLPP_API std::string get_server_certificate(std::string_view host, std::uint16_t port,
                                             Protocol ssl_version = PROTOCOL_TLS_CLIENT,
                                             const std::filesystem::path& ca_certs = {},
                                             Timeout timeout = std::nullopt);

/// SSLStreamBuf is the std::streambuf behind SSLSocket::makefile: 16 KiB
/// get and put areas over the TLS stream.
class SSLPP_API SSLStreamBuf : public std::streambuf {
 public:
  /// SSLStreamBuf buffers `socket`, which must outlive it.
  explicit SSLStreamBuf(SSLSocket& socket);
  /// The move constructor takes over `other`'s buffers; `other` then
  /// reads and writes nothing.
  SSLStreamBuf(SSLStreamBuf&& other) noexcept;
  SSLStreamBuf& operator=(SSLStreamBuf&&) = delete;
  /// error is the exception that made the stream fail (a TLS or socket
  /// error), or null.
  [[nodiscard]] std::exception_ptr error() const noexcept { return error_; }

 protected:
  /// underflow first sends what is buffered (a request goes out before its
  /// answer is awaited), then reads the next TLS bytes into the get area;
  /// EOF at the end of the stream or on an error (see error()).
  int_type underflow() override;
  /// overflow sends the put area when it is full, then takes `ch`.
  int_type overflow(int_type ch) override;
  /// sync sends what the put area holds: -1 when that fails.
  int sync() override;

 private:
  static constexpr std::size_t kBufferSize = 16384;
  SSLSocket* socket_;
  std::unique_ptr<char[]> get_;
  std::unique_ptr<char[]> put_;
  std::exception_ptr error_;
};

/// SSLStream is the std::iostream SSLSocket::makefile returns.
class SSLPP_API SSLStream : public std::iostream {
 public:
  /// SSLStream reads and writes `socket`, which must outlive it.
  explicit SSLStream(SSLSocket& socket) : std::iostream(nullptr), buf_(socket) { rdbuf(&buf_); }
  /// The move constructor takes over `other`'s buffer.
  SSLStream(SSLStream&& other) noexcept : std::iostream(std::move(other)), buf_(std::move(other.buf_)) {
    rdbuf(&buf_);
  }
  /// ~SSLStream sends what is buffered; a failure then is dropped (a
  /// destructor must not throw): flush() first to see it.
  ~SSLStream() override { buf_.pubsync(); }
  /// error is why the stream failed, if it did (see SSLStreamBuf::error).
  [[nodiscard]] std::exception_ptr error() const noexcept { return buf_.error(); }

 private:
  SSLStreamBuf buf_;
};

}  // namespace sslpp
