/// \file
/// DTLS over UDP: the drivers that move a DTLS Connection's datagrams
/// (dtls.hpp) through a socket and keep its retransmission timer.
///
/// DTLSSocket is one DTLS association over a connected UDP socket: a client
/// (dtls_connect), or whatever already has a connected socket. DTLSServer is
/// one UDP socket serving many clients: it answers each new address with the
/// stateless cookie exchange (no state is kept for an address until it has
/// shown that it receives there), then demultiplexes datagrams by source
/// address to one Connection per client.
///
///     sslpp::Context ctx(sslpp::DTLS_CLIENT_METHOD);
///     ctx.load_verify_locations("ca.pem");
///     sslpp::DTLSSocket s = sslpp::dtls_connect(ctx, "localhost", 4433, {.timeout = 5s});
///     s.send("ping");              // one datagram, one record
///     std::string reply = s.recv(); // one record's plaintext
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/error.hpp>
#include <sslpp/export.hpp>
#include <sslpp/socket.hpp>
#include <sslpp/status.hpp>

namespace sslpp {

namespace detail {
struct dtls_socket_state;
struct dtls_server_state;
}  // namespace detail

/// DTLSConnectOptions are dtls_connect's keyword arguments.
struct DTLSConnectOptions {
  /// server_hostname is the name to send (SNI) and verify; by default the
  /// host connected to.
  std::optional<std::string> server_hostname = std::nullopt;
  /// timeout bounds each call, the handshake included, as a socket
  /// timeout does (nullopt: no bound, zero: non-blocking).
  Timeout timeout = std::nullopt;
  /// mtu is the largest datagram to send (Connection::set_ciphertext_mtu);
  /// 0 keeps the default (1,400) until the path says less.
  std::size_t mtu = 0;
  /// family limits the addresses tried, as ConnectOptions::family.
  AddressFamily family = AddressFamily::any;
  /// do_handshake_on_connect runs the handshake before dtls_connect returns.
  bool do_handshake_on_connect = true;
};

/// DTLSSocket is a DTLS Connection over a connected UDP socket. Each call
/// honours the socket's timeout, retransmitting lost handshake flights on
/// OpenSSL's timer while it waits; with a zero timeout a call does what it
/// can without waiting and reports want_read (dtls_timeout() then says when
/// to call again, at the latest). Errors are typed as for SSLSocket;
/// TimeoutError when the timeout runs out, ConnectionRefusedError when
/// nothing listens at the peer's port. Move-only; one thread at a time.
class SSLPP_API DTLSSocket {
 public:
  /// DTLSSocket takes a connected UDP socket and a DTLS connection with
  /// its role set (Context::wrap_bio). Throws ValueError for a TLS one.
  DTLSSocket(Socket udp, Connection connection);
  ///@{
  /// Move-only.
  DTLSSocket(DTLSSocket&&) noexcept;
  DTLSSocket& operator=(DTLSSocket&&) noexcept;
  ///@}
  DTLSSocket(const DTLSSocket&) = delete;
  DTLSSocket& operator=(const DTLSSocket&) = delete;
  /// ~DTLSSocket closes the socket without close_notify (shutdown first).
  ~DTLSSocket();

  ///@{
  /// do_handshake runs the handshake to its end.
  io_result do_handshake(std::error_code& ec) noexcept;
  void do_handshake();
  ///@}
  ///@{
  /// send sends `data` as one record in one datagram (at most
  /// get_cleartext_mtu() bytes: ValueError beyond).
  io_result send(std::span<const std::byte> data, std::error_code& ec) noexcept;
  std::size_t send(std::span<const std::byte> data);
  std::size_t send(std::string_view data) { return send(std::as_bytes(std::span(data))); }
  ///@}
  ///@{
  /// recv reads one record's plaintext (up to out.size() bytes; the rest of
  /// a longer record comes with the next recv). closed (0 bytes, or the
  /// empty string) once the peer sent close_notify.
  io_result recv(std::span<std::byte> out, std::error_code& ec) noexcept;
  std::size_t recv(std::span<std::byte> out);
  std::string recv(std::size_t bufsize = 16384);
  ///@}
  ///@{
  /// shutdown sends close_notify (DTLS does not wait for the peer's).
  io_result shutdown(std::error_code& ec) noexcept;
  void shutdown();
  ///@}

  /// dtls_timeout is when to call again at the latest, on a non-blocking
  /// socket that reported want_read: the retransmission timer.
  [[nodiscard]] std::optional<std::chrono::nanoseconds> dtls_timeout() const noexcept;
  ///@{
  /// gettimeout / settimeout: the per-call timeout.
  [[nodiscard]] Timeout gettimeout() const noexcept;
  void settimeout(Timeout timeout);
  ///@}
  ///@{
  /// The connection and the socket under it.
  [[nodiscard]] Connection& connection() noexcept;
  [[nodiscard]] Socket& socket() noexcept;
  ///@}
  /// fileno is the UDP socket's descriptor.
  [[nodiscard]] int fileno() const noexcept;

 private:
  std::unique_ptr<detail::dtls_socket_state> s_;
};

/// dtls_connect resolves `host`, connects a UDP socket to it and, unless
/// told not to, runs the handshake. `ctx` must be a DTLS client context
/// that verifies (DTLS_CLIENT_METHOD does): like sslpp::connect, it makes
/// verified connections only (ValueError otherwise). To connect without
/// verifying, which is the caller's explicit choice, build the DTLSSocket
/// from create_connection(host, port, {.type = SOCK_DGRAM}) and
/// ctx.wrap_bio({.server_hostname = host}).
SSLPP_API DTLSSocket dtls_connect(const Context& ctx, std::string_view host, std::uint16_t port,
                                  const DTLSConnectOptions& options = {});

/// DTLSServerOptions bound what a DTLSServer keeps.
struct DTLSServerOptions {
  /// max_peers bounds the clients held at once (handshaking or
  /// established); a new client beyond it is not answered.
  std::size_t max_peers = 1024;
  /// max_handshakes_per_host bounds the handshakes in progress from one
  /// host (IP address, whatever its ports), so that one machine cannot take
  /// every place by starting handshakes it never finishes.
  std::size_t max_handshakes_per_host = 16;
  /// handshake_timeout drops a client whose handshake (after its cookie
  /// verified) has not finished in this time.
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
  /// idle_timeout drops an established client from which no record has
  /// come for this long (UDP has no end of connection: a client may vanish
  /// without close_notify). Only authenticated records count, and a new
  /// handshake from the same address (a restarted client) replaces the old
  /// association once its cookie verifies.
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(5);
  /// mtu: the largest datagram sent to a client; 0 keeps the default.
  std::size_t mtu = 0;
};

/// DTLSServer serves DTLS on one UDP socket to many clients, one thread at
/// a time, as an event source: next_event waits for the next thing that
/// happens (a client's handshake finished, a record from a client, a
/// client closed or failed) and retransmits handshake flights meanwhile.
///
///     sslpp::DTLSServer server(ctx, "127.0.0.1", 4433);
///     while (auto ev = server.next_event(std::nullopt)) {
///       if (ev->kind == sslpp::DTLSServer::EventKind::data) server.send(ev->peer, ev->data);
///     }
class SSLPP_API DTLSServer {
 public:
  /// EventKind says what an Event reports.
  enum class EventKind {
    /// A client finished its handshake (`connection(peer)` tells about it).
    accepted,
    /// A record from a client: `data` is its plaintext.
    data,
    /// A client sent close_notify; it is forgotten.
    closed,
    /// A client's handshake or connection failed, or it timed out; `error`
    /// says why; it is forgotten.
    failed,
  };
  /// Event is one thing that happened. `data` stays valid until the next
  /// call of next_event.
  struct Event {
    /// kind: what happened.
    EventKind kind = EventKind::data;
    /// peer names the client for send, close and connection.
    std::uint64_t peer = 0;
    /// address is the client's.
    Address address;
    /// data: a record's plaintext (EventKind::data).
    std::span<const std::byte> data;
    /// error: why (EventKind::failed).
    ErrorInfo error;
  };

  /// DTLSServer binds a UDP socket to (host, port) (port 0: the kernel
  /// picks) for `ctx`, a DTLS server context.
  DTLSServer(const Context& ctx, std::string_view host, std::uint16_t port, DTLSServerOptions options = {});
  DTLSServer(const DTLSServer&) = delete;
  DTLSServer& operator=(const DTLSServer&) = delete;
  /// ~DTLSServer closes the socket; clients are dropped without close_notify.
  ~DTLSServer();

  /// next_event returns the next event, waiting at most `timeout`
  /// (nullopt: without limit; zero: only what is ready); nullopt when the
  /// time ran out first.
  std::optional<Event> next_event(Timeout timeout);
  /// send sends `data` to `peer` as one record. Throws ValueError for an
  /// unknown peer or data beyond get_cleartext_mtu, OSError (EMSGSIZE) when
  /// the path to the client turned out narrower than the record (it was
  /// dropped; get_cleartext_mtu is the path's from then on).
  void send(std::uint64_t peer, std::span<const std::byte> data);
  /// close sends close_notify to `peer` and forgets it (nothing for an
  /// unknown peer).
  void close(std::uint64_t peer) noexcept;
  /// connection is `peer`'s connection, nullptr for an unknown peer.
  [[nodiscard]] Connection* connection(std::uint64_t peer) noexcept;
  /// peer_count is how many clients are held (handshaking or established).
  [[nodiscard]] std::size_t peer_count() const noexcept;
  /// local_address is the bound address (the port the kernel picked).
  [[nodiscard]] Address local_address() const;
  /// fileno is the UDP socket's descriptor, for an event loop's poll: call
  /// next_event(0s) when it is readable, or when next_wakeup comes.
  [[nodiscard]] int fileno() const noexcept;
  /// next_wakeup is how long until a retransmission or a timeout is due.
  [[nodiscard]] std::optional<std::chrono::nanoseconds> next_wakeup() const noexcept;

 private:
  std::unique_ptr<detail::dtls_server_state> s_;
};

}  // namespace sslpp
