// epoll_server: one thread serving many TLS clients with non-blocking
// sockets and epoll. Every TLS call uses the exception-free form: "want
// read" and "want write" are statuses that tell the loop what to wait for,
// never exceptions.
//
// Each client gets its bytes echoed back until it sends close_notify, which
// the server answers with its own before closing the socket.
// A client that has not finished its handshake within the handshake timeout
// is dropped, so clients that connect and stall cannot pile up; they cost
// the others nothing meanwhile, as they raise no events.
// Usage: epoll_server CERTCHAIN KEY [CONNECTIONS [HANDSHAKE_TIMEOUT]].
// Prints "listening on 127.0.0.1:PORT"; exits after CONNECTIONS clients
// (default, or a negative number: run until killed); HANDSHAKE_TIMEOUT in
// seconds (default 10).

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include <sslpp/sslpp.hpp>

namespace {

// Client is one connection's state between events.
using Clock = std::chrono::steady_clock;

struct Client {
  Client(sslpp::SSLSocket s, Clock::time_point handshake_deadline)
      : tls(std::move(s)), deadline(handshake_deadline) {}

  sslpp::SSLSocket tls;
  Clock::time_point deadline;  // for the handshake
  bool handshaken = false;
  bool closing = false;  // the client sent close_notify: ours is due
  std::string unsent;    // echoed bytes the socket could not take yet
};

enum class Next { wait_read, wait_write, close };

// want maps a status to what the loop waits for next.
Next want(const sslpp::io_result& r) {
  switch (r.status) {
    case sslpp::io_status::want_read:
      return Next::wait_read;
    case sslpp::io_status::want_write:
      return Next::wait_write;
    default:
      return Next::close;  // closed, truncated or an error: the client is done
  }
}

// answer_close_notify sends our close_notify, so the client knows it got
// every byte; a full socket buffer makes it wait for EPOLLOUT and retry.
Next answer_close_notify(Client& c) {
  std::error_code ec;
  c.closing = true;
  const sslpp::io_result r = c.tls.shutdown_tls(ec);
  return r.status == sslpp::io_status::want_write ? Next::wait_write : Next::close;
}

// serve advances one client as far as it can go without blocking.
Next serve(Client& c) {
  std::error_code ec;
  if (c.closing) {
    return answer_close_notify(c);
  }
  if (!c.handshaken) {
    const sslpp::io_result r = c.tls.do_handshake(ec);
    if (!r.ok()) {
      return want(r);
    }
    c.handshaken = true;
  }
  std::array<std::byte, 16384> buf{};
  for (;;) {
    while (!c.unsent.empty()) {
      const sslpp::io_result w = c.tls.write(std::as_bytes(std::span(c.unsent)), ec);
      if (!w.ok()) {
        return want(w);
      }
      c.unsent.erase(0, w.bytes);
    }
    const sslpp::io_result r = c.tls.read(buf, ec);
    if (r.status == sslpp::io_status::closed) {
      return answer_close_notify(c);
    }
    if (!r.ok()) {
      return want(r);
    }
    c.unsent.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::cerr << "usage: epoll_server CERTCHAIN KEY [CONNECTIONS [HANDSHAKE_TIMEOUT]]\n";
    return 2;
  }
  const long limit = argc > 3 ? std::atol(argv[3]) : -1;
  const std::chrono::duration<double> handshake_timeout(argc > 4 ? std::atof(argv[4]) : 10.0);
  sslpp::Context context(sslpp::PROTOCOL_TLS_SERVER);
  context.load_cert_chain(argv[1], argv[2]);

  sslpp::Socket listener(AF_INET);
  listener.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  listener.bind("127.0.0.1", 0);
  // A burst of connects waits in the kernel's queue (capped by
  // net.core.somaxconn) instead of having its SYNs dropped and retried.
  listener.listen(SOMAXCONN);
  listener.setblocking(false);
  std::cout << "listening on 127.0.0.1:" << listener.getsockname().port << std::endl;

  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener.fileno();
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listener.fileno(), &ev);

  std::map<int, std::unique_ptr<Client>> clients;
  long finished = 0;
  std::array<epoll_event, 64> events{};
  Clock::time_point next_sweep = Clock::now();
  while (limit < 0 || finished < limit) {
    // Wake at least every 100 ms to drop clients past their handshake
    // deadline.
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == listener.fileno()) {
        for (;;) {  // accept everything waiting
          try {
            auto [sock, peer] = listener.accept();
            sock.setblocking(false);
            // The handshake's last flight and the first echo go out in two
            // writes: with Nagle's algorithm the second would wait for the
            // client's delayed ACK of the first (40 ms on Linux).
            sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
            auto c = std::make_unique<Client>(
                context.wrap_socket(std::move(sock), {.server_side = true, .do_handshake_on_connect = false}),
                Clock::now() + std::chrono::duration_cast<Clock::duration>(handshake_timeout));
            const int cfd = c->tls.fileno();
            epoll_event cev{};
            cev.events = EPOLLIN;
            cev.data.fd = cfd;
            ::epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
            clients.emplace(cfd, std::move(c));
          } catch (const sslpp::OSError&) {
            break;  // EAGAIN: no more pending connections
          }
        }
        continue;
      }
      const auto it = clients.find(fd);
      if (it == clients.end()) {
        continue;
      }
      const Next next = serve(*it->second);
      if (next == Next::close) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        clients.erase(it);  // closes the socket
        ++finished;
        continue;
      }
      epoll_event cev{};
      cev.events = next == Next::wait_read ? EPOLLIN : EPOLLOUT;
      cev.data.fd = fd;
      ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &cev);
    }
    const Clock::time_point now = Clock::now();
    if (now < next_sweep) {
      continue;
    }
    next_sweep = now + std::chrono::milliseconds(100);
    for (auto it = clients.begin(); it != clients.end();) {
      if (!it->second->handshaken && now >= it->second->deadline) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, it->first, nullptr);
        it = clients.erase(it);  // closes the socket
        ++finished;
      } else {
        ++it;
      }
    }
  }
  ::close(ep);
  std::cout << "served " << finished << " connections" << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
