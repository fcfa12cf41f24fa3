// The TLS server behind `sslpp serve` and `sslpp demo`: one thread, one
// epoll loop, every client a ClientConnection (a state machine over a
// non-blocking socket and a Connection over memory buffers). No thread and
// no buffer per client: an idle connection costs its socket, its OpenSSL
// state and a few hundred bytes of ours. Slow or silent clients cost the
// others nothing, since they raise no events, and the handshake and idle
// timeouts close them.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sslpp/sslpp.hpp>

#include "client_connection.hpp"
#include "deadline_queue.hpp"
#include "epoll.hpp"
#include "responders.hpp"
#include "server_log.hpp"
#include "stoppable.hpp"

namespace sslpp::cli {

struct ServerOptions {
  AppProtocol protocol = AppProtocol::echo;
  /// max_connections caps the connections open at once; while at the cap
  /// the server accepts nothing, so new clients wait in the listen backlog.
  /// Without it, only the descriptor limit caps them.
  std::optional<std::size_t> max_connections{};
  /// exit_after makes run() accept that many connections, then return once
  /// they have all ended.
  std::optional<std::size_t> exit_after{};
  std::chrono::duration<double> handshake_timeout = std::chrono::seconds(10);
  std::chrono::duration<double> idle_timeout = std::chrono::seconds(300);
};

class EventLoopServer final : public Stoppable {
 public:
  /// EventLoopServer listens on host:port (port 0: any free port) with TLS
  /// settings from `ctx` (server side). Throws OSError when it cannot bind.
  EventLoopServer(Context ctx, const std::string& host, std::uint16_t port, ServerOptions options);

  /// address is where it listens, with the actual port.
  [[nodiscard]] Address address() const { return listener_.getsockname(); }

  /// run serves clients on the calling thread until options.exit_after
  /// connections have ended, or stop() is called (it then returns at once,
  /// closing the connections still open). Reports go to `log`, whose
  /// flush is called before each wait for events. A failing client never
  /// ends it; running out of descriptors pauses accepting for a moment.
  void run(const ServerLog& log);

  /// stop makes run() return soon. Any thread, and signal handlers.
  void stop() noexcept override;

  /// watch makes run() call `on_readable` on its thread whenever `fd` is
  /// readable (level-triggered: the callback must consume what made it so):
  /// how serve's SIGHUP pipe and file watch reach the loop. The descriptor
  /// must outlive run(). What the callback throws is reported as a failure.
  void watch(int fd, std::function<void()> on_readable);

 private:
  using Clock = std::chrono::steady_clock;
  // Slot is the server's bookkeeping for one descriptor number.
  struct Slot {
    std::unique_ptr<ClientConnection> client;
    std::uint32_t serial = 0;     // tells this client's events and timers from an earlier one's
    std::uint32_t interest = 0;   // the events epoll watches for it
    Clock::time_point scheduled;  // its latest entry in deadlines_
  };

  [[nodiscard]] bool finished() const noexcept;
  [[nodiscard]] bool may_accept() const noexcept;
  std::optional<std::chrono::milliseconds> wait_time(Clock::time_point now) const;
  void accept_clients(Clock::time_point now);
  void add_client(Socket sock, Clock::time_point now);
  void settle(int fd);
  void expire(Clock::time_point now);
  void update_accepting(Clock::time_point now);
  Slot* slot_for(std::uint64_t key) noexcept;
  static std::uint64_t key_of(int fd, std::uint32_t serial) noexcept;

  Context ctx_;
  Socket listener_;
  ServerOptions options_;
  ConnectionPolicy policy_;
  const ServerLog* log_ = nullptr;
  Epoll epoll_;
  Waker waker_;
  std::atomic<bool> stop_ = false;
  std::vector<Slot> slots_;  // indexed by descriptor
  DeadlineQueue<std::uint64_t> deadlines_;
  std::size_t open_ = 0;      // clients open now
  std::size_t accepted_ = 0;  // clients accepted so far
  std::uint32_t next_serial_ = 0;
  bool accepting_ = true;                             // the listener is in the epoll set with EPOLLIN
  std::optional<Clock::time_point> accept_paused_;    // out of descriptors: accept again then
  bool accept_failure_reported_ = false;              // since the last successful accept
  std::vector<std::function<void()>> watched_;         // by key: kFirstWatchKey - index
  std::array<std::byte, 16384> scratch_{};
  Buffers buffers_{scratch_, {}};
};

}  // namespace sslpp::cli
