#include "event_loop_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <limits>

namespace sslpp::cli {

namespace {

constexpr std::uint64_t kListenerKey = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kWakerKey = kListenerKey - 1;
// Descriptors watched for the caller (watch()) count down from here; client
// keys hold a 32-bit descriptor number and a serial, far below.
constexpr std::uint64_t kFirstWatchKey = kWakerKey - 1;
// Accepting at most this many per wakeup keeps a burst of connects from
// holding up the clients already there.
constexpr int kAcceptBatch = 64;
// When accept runs out of descriptors or memory, the server stops
// accepting for this long: the client waits in the backlog, and retrying at
// once would spin on a listener that stays readable.
constexpr std::chrono::milliseconds kAcceptPause{100};

Socket listen_on(const std::string& host, std::uint16_t port) {
  Socket s(host.find(':') != std::string::npos ? AF_INET6 : AF_INET);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(host, port);
  // A burst of connects waits in the kernel's queue (capped by
  // net.core.somaxconn) instead of having its SYNs dropped and retried a
  // second later.
  s.listen(SOMAXCONN);
  s.setblocking(false);
  return s;
}

// transient_accept_error is true for the errors accept(2) reports about a
// connection that failed before we took it (Linux passes them on): the
// next one may be fine.
bool transient_accept_error(int err) noexcept {
  switch (err) {
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

std::chrono::steady_clock::duration on_clock(std::chrono::duration<double> d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

}  // namespace

EventLoopServer::EventLoopServer(Context ctx, const std::string& host, std::uint16_t port, ServerOptions options)
    : ctx_(std::move(ctx)),
      listener_(listen_on(host, port)),
      options_(options),
      policy_{on_clock(options.handshake_timeout), on_clock(options.idle_timeout), nullptr} {
  epoll_.add(listener_.fileno(), EPOLLIN, kListenerKey);
  epoll_.add(waker_.fd(), EPOLLIN, kWakerKey);
}

void EventLoopServer::stop() noexcept {
  stop_ = true;
  waker_.wake();
}

void EventLoopServer::watch(int fd, std::function<void()> on_readable) {
  epoll_.add(fd, EPOLLIN, kFirstWatchKey - watched_.size());
  watched_.push_back(std::move(on_readable));
}

void EventLoopServer::run(const ServerLog& log) {
  log_ = &log;
  policy_.log = &log;
  while (!stop_ && !finished()) {
    // The event lines of this turn go out before a wait that may be long.
    log.flush_events();
    const std::span<const epoll_event> ready = epoll_.wait(wait_time(Clock::now()));
    const Clock::time_point now = Clock::now();
    for (const epoll_event& ev : ready) {
      if (ev.data.u64 == kListenerKey) {
        accept_clients(now);
      } else if (ev.data.u64 == kWakerKey) {
        waker_.clear();
      } else if (ev.data.u64 > kFirstWatchKey - watched_.size()) {
        try {
          watched_[kFirstWatchKey - ev.data.u64]();
        } catch (...) {
          log.report_failure(describe_exception(std::current_exception()));
        }
      } else if (Slot* s = slot_for(ev.data.u64)) {
        s->client->on_ready(ev.events, now, buffers_);
        settle(s->client->fd());
      }
    }
    expire(Clock::now());
    update_accepting(Clock::now());
  }
  // The clients refer to `log`: none may outlive this call.
  slots_.clear();
  open_ = 0;
}

bool EventLoopServer::finished() const noexcept {
  return options_.exit_after && accepted_ >= *options_.exit_after && open_ == 0;
}

bool EventLoopServer::may_accept() const noexcept {
  return !accept_paused_ && (!options_.max_connections || open_ < *options_.max_connections) &&
         (!options_.exit_after || accepted_ < *options_.exit_after);
}

// wait_time is how long epoll may wait: until the next deadline or the end
// of an accept pause, rounded up (waking early would only wait again).
std::optional<std::chrono::milliseconds> EventLoopServer::wait_time(Clock::time_point now) const {
  std::optional<Clock::time_point> until = deadlines_.next();
  if (accept_paused_ && (!until || *accept_paused_ < *until)) {
    until = accept_paused_;
  }
  if (!until) {
    return std::nullopt;
  }
  if (*until <= now) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::ceil<std::chrono::milliseconds>(*until - now);
}

void EventLoopServer::accept_clients(Clock::time_point now) {
  for (int i = 0; i < kAcceptBatch && may_accept(); ++i) {
    const int fd = ::accept4(listener_.fileno(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        return;
      }
      if (transient_accept_error(err)) {
        continue;
      }
      // EMFILE, ENFILE, ENOBUFS, ENOMEM: the client stays in the backlog.
      if (!accept_failure_reported_) {
        log_->report_failure(report_of(os_error_info(err, "accept (new clients wait meanwhile)")));
        accept_failure_reported_ = true;
      }
      accept_paused_ = now + kAcceptPause;
      return;
    }
    accept_failure_reported_ = false;
    ++accepted_;
    add_client(Socket::from_fd(fd), now);
  }
}

void EventLoopServer::add_client(Socket sock, Clock::time_point now) {
  try {
    // The client's writes are whole flights already (all pending ciphertext
    // goes out in one send): Nagle's algorithm would only hold a reply back
    // until the previous one is acknowledged.
    sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    auto client = std::make_unique<ClientConnection>(std::move(sock), ctx_.wrap_bio({.server_side = true}),
                                                     make_responder(options_.protocol, *log_), policy_, now);
    const int fd = client->fd();
    if (slots_.size() <= static_cast<std::size_t>(fd)) {
      slots_.resize(static_cast<std::size_t>(fd) + 1);
    }
    const std::uint32_t serial = ++next_serial_;
    const Clock::time_point due = client->due();
    epoll_.add(fd, EPOLLIN, key_of(fd, serial));
    deadlines_.push(due, key_of(fd, serial));
    slots_[static_cast<std::size_t>(fd)] = {std::move(client), serial, EPOLLIN, due};
    ++open_;
  } catch (...) {
    // The socket closed with whatever held it.
    log_->report_failure(describe_exception(std::current_exception()));
  }
}

// settle acts on where a client got to after a call: close it when done,
// else watch the events it waits for and remember an earlier deadline.
void EventLoopServer::settle(int fd) {
  Slot& s = slots_[static_cast<std::size_t>(fd)];
  if (!s.client->done()) {
    try {
      const std::uint32_t wanted = s.client->interest();
      if (wanted != s.interest) {
        epoll_.modify(fd, wanted, key_of(fd, s.serial));
        s.interest = wanted;
      }
      const Clock::time_point due = s.client->due();
      if (due < s.scheduled) {
        deadlines_.push(due, key_of(fd, s.serial));
        s.scheduled = due;
      }
      return;
    } catch (...) {
      log_->report_failure(describe_exception(std::current_exception()));
    }
  }
  s.client.reset();  // closes the socket, which also leaves the epoll set
  --open_;
}

// expire handles the clients whose deadline has come.
void EventLoopServer::expire(Clock::time_point now) {
  while (const auto entry = deadlines_.pop_due(now)) {
    const auto [when, key] = *entry;
    Slot* s = slot_for(key);
    if (s == nullptr || when != s->scheduled) {
      continue;  // that client is gone, or an earlier reminder replaced this one
    }
    const Clock::time_point due = s->client->due();
    if (due > now) {
      // Its deadline moved on (activity since): look again then.
      deadlines_.push(due, key);
      s->scheduled = due;
      continue;
    }
    s->scheduled = Clock::time_point::max();  // whatever comes next is earlier
    s->client->on_deadline(now, buffers_);
    settle(s->client->fd());
  }
}

// update_accepting watches the listener only while a client may be accepted.
void EventLoopServer::update_accepting(Clock::time_point now) {
  if (accept_paused_ && now >= *accept_paused_) {
    accept_paused_.reset();
  }
  const bool wanted = may_accept();
  if (wanted != accepting_) {
    epoll_.modify(listener_.fileno(), wanted ? std::uint32_t{EPOLLIN} : 0, kListenerKey);
    accepting_ = wanted;
  }
}

EventLoopServer::Slot* EventLoopServer::slot_for(std::uint64_t key) noexcept {
  const std::size_t fd = key & 0xffffffffU;
  const auto serial = static_cast<std::uint32_t>(key >> 32);
  if (fd >= slots_.size() || !slots_[fd].client || slots_[fd].serial != serial) {
    return nullptr;
  }
  return &slots_[fd];
}

std::uint64_t EventLoopServer::key_of(int fd, std::uint32_t serial) noexcept {
  return (static_cast<std::uint64_t>(serial) << 32) | static_cast<std::uint32_t>(fd);
}

}  // namespace sslpp::cli
