// DTLSServer: one UDP socket, many DTLS clients. A datagram from an address
// the server holds goes to that client's Connection. One from a new address
// goes to the listener, a Connection that only runs DTLSv1_listen: a
// ClientHello without a valid cookie is answered with a HelloVerifyRequest
// and forgotten, so a flood of ClientHellos from forged addresses costs one
// small answer each and no memory. When a cookie verifies, the listener
// becomes that client's Connection and a fresh one listens.
#include <sslpp/dtls_socket.hpp>

#include <cerrno>
#include <deque>
#include <unordered_map>
#include <vector>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "drivers/datagram_io.hpp"
#include "drivers/socket_address.hpp"
#include "drivers/socket_wait.hpp"
#include "internal/error_queue.hpp"

namespace sslpp {

namespace {

using clock = std::chrono::steady_clock;

// The datagrams read per wake-up before timers get their turn again.
constexpr int receive_batch = 64;

// host_key is a client's host (its address without the port). An IPv6
// address with its scope: fe80::1 on one link is not fe80::1 on another.
std::string host_key(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(a);
    return std::string(reinterpret_cast<const char*>(&in6.sin6_addr), 16) +
           std::string(reinterpret_cast<const char*>(&in6.sin6_scope_id), 4);
  }
  return std::string(reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in&>(a).sin_addr), 4);
}

// starts_over is true for a datagram that begins a new handshake: its first
// record a handshake record of epoch 0 holding a ClientHello. Only the
// header fields that route it are read; OpenSSL parses it.
bool starts_over(std::span<const std::byte> d) noexcept {
  constexpr std::size_t record_header = 13;
  return d.size() > record_header && d[0] == std::byte{22} && d[3] == std::byte{0} && d[4] == std::byte{0} &&
         d[record_header] == std::byte{1};
}

// address_key is a client's address as a map key: port and host.
std::string address_key(const sockaddr_storage& a) {
  const in_port_t port = a.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(a).sin6_port
                                                 : reinterpret_cast<const sockaddr_in&>(a).sin_port;
  return std::string(reinterpret_cast<const char*>(&port), sizeof port) + host_key(a);
}

struct peer_state {
  std::uint64_t id = 0;
  std::string key;
  std::string host;
  Address address;
  sockaddr_storage raw{};
  socklen_t raw_len = 0;
  Connection conn;
  bool established = false;
  clock::time_point started;
  clock::time_point last_heard;
};

ErrorInfo timed_out(const std::string& what) { return error_info(errc::timed_out, what); }

}  // namespace

struct detail::dtls_server_state {
  using EventKind = DTLSServer::EventKind;
  using Event = DTLSServer::Event;

  Context ctx;
  DTLSServerOptions options;
  Socket udp;
  std::optional<Connection> listener;
  std::unordered_map<std::uint64_t, std::unique_ptr<peer_state>> peers;
  std::unordered_map<std::string, std::uint64_t> by_address;
  std::uint64_t next_id = 1;

  // Events not yet returned; their data lives in `arena`, which is emptied
  // (keeping its capacity) when next_event starts with none queued.
  struct pending {
    EventKind kind;
    std::uint64_t peer;
    Address address;
    std::size_t offset = 0;
    std::size_t size = 0;
    ErrorInfo error;
  };
  std::deque<pending> events;
  std::vector<std::byte> arena;
  std::vector<std::byte> datagram = std::vector<std::byte>(65536);
  std::vector<std::byte> plaintext = std::vector<std::byte>(16384);

  dtls_server_state(const Context& c, DTLSServerOptions o, Socket s) : ctx(c.share()), options(o), udp(std::move(s)) {}

  // send_out sends what `p`'s connection has for it; returns 0 or an errno
  // (send_datagrams: EMSGSIZE, the path to the client is narrower than the
  // record, after the handshake).
  int send_out(peer_state& p) noexcept {
    return detail::send_datagrams(p.conn, udp.fileno(), reinterpret_cast<const sockaddr*>(&p.raw), p.raw_len);
  }

  void event(EventKind kind, const peer_state& p, ErrorInfo error = {}) {
    events.push_back(pending{kind, p.id, p.address, 0, 0, std::move(error)});
  }

  void forget(std::uint64_t id) noexcept {
    const auto it = peers.find(id);
    if (it != peers.end()) {
      by_address.erase(it->second->key);
      peers.erase(it);
    }
  }

  void fail(peer_state& p, ErrorInfo error) {
    event(EventKind::failed, p, std::move(error));
    forget(p.id);
  }

  // advance takes `p` as far as its input allows: the handshake, then the
  // records that came. Returns false when `p` was forgotten.
  bool advance(peer_state& p) {
    std::error_code ec;
    if (!p.established) {
      const io_result r = p.conn.do_handshake(ec);
      static_cast<void>(send_out(p));
      if (r.status == io_status::want_read || r.status == io_status::want_write) {
        return true;
      }
      if (!r.ok()) {
        fail(p, p.conn.last_error());
        return false;
      }
      p.established = true;
      p.last_heard = clock::now();
      event(EventKind::accepted, p);
    }
    for (;;) {
      const io_result r = p.conn.read(plaintext, ec);
      static_cast<void>(send_out(p));
      if (r.ok()) {
        // Only a record that authenticated keeps the client alive: junk
        // from a forged address must not hold its place for ever.
        p.last_heard = clock::now();
        const std::size_t offset = arena.size();
        arena.insert(arena.end(), plaintext.begin(), plaintext.begin() + static_cast<std::ptrdiff_t>(r.bytes));
        events.push_back(pending{EventKind::data, p.id, p.address, offset, r.bytes, {}});
        continue;
      }
      if (r.status == io_status::want_read || r.status == io_status::want_write) {
        return true;
      }
      if (r.status == io_status::closed) {
        // Answer close_notify with ours, as a TLS server would: the client
        // may be waiting for it before it closes its socket.
        static_cast<void>(p.conn.shutdown(ec));
        static_cast<void>(send_out(p));
        event(EventKind::closed, p);
        forget(p.id);
      } else {
        fail(p, p.conn.last_error());
      }
      return false;
    }
  }

  Connection make_listener() {
    Connection c = ctx.wrap_bio({.server_side = true});
    if (options.mtu != 0) {
      c.set_ciphertext_mtu(options.mtu);
    }
    return c;
  }

  void dispatch(std::span<const std::byte> data, const sockaddr_storage& from, socklen_t from_len) {
    std::string key = address_key(from);
    std::uint64_t replaces = 0;
    if (const auto known = by_address.find(key); known != by_address.end()) {
      peer_state& p = *peers.at(known->second);
      if (!(p.established && starts_over(data))) {
        if (p.conn.bio_write(data) > 0) {
          advance(p);
        }
        return;
      }
      // A client that restarted from the same address (RFC 6347 4.2.8):
      // the old association ends only once the new ClientHello's cookie
      // verifies, so a forged one cannot end it.
      replaces = p.id;
    } else if (peers.size() >= options.max_peers) {
      return;  // full: a new client is not answered (it retries; the server holds no more)
    }
    if (!listener) {
      listener.emplace(make_listener());
    }
    listener->set_peer_address(detail::to_address(reinterpret_cast<const sockaddr*>(&from)));
    if (listener->bio_write(data) == 0) {
      return;
    }
    std::error_code ec;
    const io_result r = listener->dtls_listen(ec);
    static_cast<void>(
        detail::send_datagrams(*listener, udp.fileno(), reinterpret_cast<const sockaddr*>(&from), from_len));
    if (r.status == io_status::error) {
      listener.reset();  // a callback failed: a fresh listener for the next datagram
      return;
    }
    if (!r.ok()) {
      return;  // answered (or dropped) and forgotten
    }
    std::string host = host_key(from);
    if (handshakes_from(host) >= options.max_handshakes_per_host) {
      // One host, however many ports it receives on, may not hold every
      // handshake slot. It will retry; the listener starts afresh.
      listener.reset();
      return;
    }
    if (replaces != 0) {
      ErrorInfo ended = error_info(errc::eof, "the client began a new handshake from the same address");
      fail(*peers.at(replaces), std::move(ended));
    }
    auto p = std::make_unique<peer_state>(peer_state{next_id++, std::move(key), std::move(host),
                                                     detail::to_address(reinterpret_cast<const sockaddr*>(&from)),
                                                     from, from_len, std::move(*listener), false, clock::now(),
                                                     clock::now()});
    listener.reset();
    peer_state& added = *p;
    by_address.emplace(added.key, added.id);
    peers.emplace(added.id, std::move(p));
    advance(added);
  }

  [[nodiscard]] std::size_t handshakes_from(const std::string& host) const noexcept {
    std::size_t n = 0;
    for (const auto& [id, p] : peers) {
      n += !p->established && p->host == host ? 1 : 0;
    }
    return n;
  }

  void receive() {
    for (int i = 0; i < receive_batch; ++i) {
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(udp.fileno(), datagram.data(), datagram.size(), MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return;  // EAGAIN, or an ICMP error for an earlier send: nothing to read now
      }
      if (n == 0 || (from.ss_family != AF_INET && from.ss_family != AF_INET6)) {
        continue;
      }
      dispatch(std::span(datagram).first(static_cast<std::size_t>(n)), from, len);
    }
  }

  // run_timers retransmits due flights and drops clients past their time.
  void run_timers() {
    const clock::time_point now = clock::now();
    std::vector<peer_state*> due;
    for (auto& [id, p] : peers) {
      due.push_back(p.get());
    }
    for (peer_state* p : due) {
      if (!p->established && now - p->started > options.handshake_timeout) {
        fail(*p, timed_out("DTLS handshake with " + p->address.host + " did not finish in " +
                           std::to_string(options.handshake_timeout.count()) + " ms"));
        continue;
      }
      if (p->established && now - p->last_heard > options.idle_timeout) {
        fail(*p, timed_out("DTLS client " + p->address.host + " was silent for " +
                           std::to_string(options.idle_timeout.count()) + " ms"));
        continue;
      }
      const std::optional<std::chrono::nanoseconds> timer = p->conn.dtls_timeout();
      if (timer && timer->count() == 0) {
        std::error_code ec;
        static_cast<void>(p->conn.handle_dtls_timeout(ec));
        static_cast<void>(send_out(*p));
        if (ec) {
          fail(*p, p->conn.last_error());
        }
      }
    }
  }

  [[nodiscard]] std::optional<std::chrono::nanoseconds> wakeup() const noexcept {
    std::optional<clock::duration> soonest;
    const clock::time_point now = clock::now();
    const auto consider = [&](clock::duration d) {
      if (d < clock::duration::zero()) {
        d = clock::duration::zero();
      }
      if (!soonest || d < *soonest) {
        soonest = d;
      }
    };
    for (const auto& [id, p] : peers) {
      if (const auto timer = p->conn.dtls_timeout()) {
        consider(*timer);
      }
      consider(p->established ? p->last_heard + options.idle_timeout - now
                              : p->started + options.handshake_timeout - now);
    }
    if (!soonest) {
      return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::nanoseconds>(*soonest);
  }

  Event pop() {
    pending& front = events.front();
    Event ev;
    ev.kind = front.kind;
    ev.peer = front.peer;
    ev.address = std::move(front.address);
    ev.data = std::span<const std::byte>(arena).subspan(front.offset, front.size);
    ev.error = std::move(front.error);
    events.pop_front();
    return ev;
  }
};

DTLSServer::DTLSServer(const Context& ctx, std::string_view host, std::uint16_t port, DTLSServerOptions options) {
  if (!is_dtls(ctx.protocol()) || ctx.protocol() == DTLS_CLIENT_METHOD) {
    detail::throw_value_error("DTLSServer: the context must be a DTLS server one (DTLS_SERVER_METHOD or DTLS_METHOD)");
  }
  if (options.max_peers == 0 || options.max_handshakes_per_host == 0) {
    detail::throw_value_error("DTLSServer: max_peers and max_handshakes_per_host must be at least 1");
  }
  const std::string h(host);
  Address probe{h, port, h.find(':') != std::string::npos ? AF_INET6 : AF_INET};
  sockaddr_storage raw{};
  static_cast<void>(detail::to_sockaddr(probe, raw));  // a numeric address, as a server binds
  Socket udp(probe.family, SOCK_DGRAM);
  udp.bind(host, port);
  detail::forbid_fragmentation(udp.fileno(), probe.family);
  s_ = std::make_unique<detail::dtls_server_state>(ctx, options, std::move(udp));
}

DTLSServer::~DTLSServer() = default;

std::optional<DTLSServer::Event> DTLSServer::next_event(Timeout timeout) {
  detail::check_timeout(timeout);
  const std::optional<clock::time_point> deadline = detail::deadline_after(timeout);
  detail::dtls_server_state& s = *s_;
  if (s.events.empty()) {
    s.arena.clear();  // the data of the event returned last is released now
  }
  for (;;) {
    if (!s.events.empty()) {
      return s.pop();
    }
    s.run_timers();
    if (s.events.empty()) {
      s.receive();
    }
    if (!s.events.empty()) {
      continue;
    }
    const clock::time_point now = clock::now();
    if (deadline && now >= *deadline) {
      return std::nullopt;
    }
    std::optional<clock::time_point> wake = deadline;
    if (const auto due = s.wakeup(); due && (!wake || now + *due < *wake)) {
      wake = now + std::chrono::duration_cast<clock::duration>(*due);
    }
    static_cast<void>(detail::wait_fd(s.udp.fileno(), POLLIN, wake));
  }
}

void DTLSServer::send(std::uint64_t peer, std::span<const std::byte> data) {
  detail::dtls_server_state& s = *s_;
  const auto it = s.peers.find(peer);
  if (it == s.peers.end() || !it->second->established) {
    detail::throw_value_error("DTLSServer::send: no established client " + std::to_string(peer));
  }
  peer_state& p = *it->second;
  std::error_code ec;
  const io_result r = p.conn.write(data, ec);
  const int err = s.send_out(p);
  if (r.status == io_status::error || r.status == io_status::truncated) {
    const ErrorInfo error = p.conn.last_error();
    if (ec != errc::invalid_argument) {
      s.forget(peer);  // the connection failed for good
    }
    throw_error(error);
  }
  if (err == EMSGSIZE) {
    // The record was dropped; the connection now knows the path's MTU.
    throw_error(os_error_info(
        err, "the path to " + p.address.host + " takes at most " + std::to_string(p.conn.get_cleartext_mtu()) +
                 " bytes of data per datagram: send it again in smaller pieces"));
  }
}

void DTLSServer::close(std::uint64_t peer) noexcept {
  detail::dtls_server_state& s = *s_;
  const auto it = s.peers.find(peer);
  if (it == s.peers.end()) {
    return;
  }
  std::error_code ec;
  static_cast<void>(it->second->conn.shutdown(ec));
  static_cast<void>(s.send_out(*it->second));
  s.forget(peer);
}

Connection* DTLSServer::connection(std::uint64_t peer) noexcept {
  const auto it = s_->peers.find(peer);
  return it == s_->peers.end() ? nullptr : &it->second->conn;
}

std::size_t DTLSServer::peer_count() const noexcept { return s_->peers.size(); }

Address DTLSServer::local_address() const { return s_->udp.getsockname(); }

int DTLSServer::fileno() const noexcept { return s_->udp.fileno(); }

std::optional<std::chrono::nanoseconds> DTLSServer::next_wakeup() const noexcept { return s_->wakeup(); }

}  // namespace sslpp
