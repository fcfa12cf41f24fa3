// A UDP relay on 127.0.0.1 between one DTLS client and its server, so a test
// can damage the path deterministically: drop, reorder, duplicate or
// MTU-limit chosen datagrams, and see the size of every datagram that
// crossed. It runs on its own thread, which the destructor stops (the thread
// polls with a short timeout, so stopping is prompt).
//
//   client  --->  relay.port()  [relay]  --->  127.0.0.1:server_port
//   client  <---  relay.port()  [relay]  <---  127.0.0.1:server_port
//
// The relay learns the client's address from the first datagram sent to
// port() (one client is enough for the tests) and talks to the server from a
// second socket of its own, so the server sees the relay as its client.
//
// Datagrams are numbered per direction from 1 in the order the relay
// receives them, before any damage: "the 2nd server->client datagram" is the
// second one the server sent, whatever happened to the first.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include <netinet/in.h>

#include "support/socket_driver.hpp"

namespace sslpp::test {

enum class Direction {
  to_server,  // client -> server
  to_client,  // server -> client
};

class UdpRelay {
 public:
  // A drop predicate sees the direction, the datagram's number in that
  // direction (from 1) and its bytes; true drops it.
  using DropRule = std::function<bool(Direction, std::size_t, std::span<const std::uint8_t>)>;

  // UdpRelay binds 127.0.0.1:0 and forwards to 127.0.0.1:server_port.
  // Throws std::runtime_error when a socket cannot be made.
  explicit UdpRelay(std::uint16_t server_port);
  ~UdpRelay();
  UdpRelay(const UdpRelay&) = delete;
  UdpRelay& operator=(const UdpRelay&) = delete;

  // port is where the client sends.
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  // Damage rules. Set them before traffic; changing them while traffic runs
  // is safe (each datagram is judged under the lock) but racy by nature.
  //
  // drop_nth drops the nth datagram (from 1) in direction `d`.
  void drop_nth(Direction d, std::size_t n);
  // drop_if drops every datagram for which `rule` returns true (one rule; a
  // later call replaces it). The rule runs on the relay's thread under its
  // lock: it must not call the relay.
  void drop_if(DropRule rule);
  // reorder_nth holds the nth datagram in direction `d` and delivers it
  // right after the next one in that direction (a swap). When no next one
  // comes within hold_limit it is delivered alone, late, so a held last
  // datagram of a flight is delayed rather than lost.
  void reorder_nth(Direction d, std::size_t n);
  // duplicate_nth sends the nth datagram in direction `d` twice, back to
  // back: the receiver must discard the replay.
  void duplicate_nth(Direction d, std::size_t n);
  // set_mtu drops (and counts in mtu_dropped) every datagram whose UDP
  // payload is larger than `max_bytes`, in both directions, as a path with
  // a small MTU does. nullopt lifts the limit.
  void set_mtu(std::optional<std::size_t> max_bytes);
  // clear_rules removes every damage rule (observations are kept).
  void clear_rules();

  // Observations, safe to read while the relay runs.
  //
  // sizes is the payload size of every datagram received in direction `d`,
  // in order, whether or not it was then dropped.
  [[nodiscard]] std::vector<std::size_t> sizes(Direction d) const;
  // largest is the biggest of sizes(d), 0 when there were none.
  [[nodiscard]] std::size_t largest(Direction d) const;
  // dropped counts datagrams dropped by any rule in direction `d`
  // (mtu_dropped included).
  [[nodiscard]] std::size_t dropped(Direction d) const;
  // mtu_dropped counts those dropped for being bigger than the MTU.
  [[nodiscard]] std::size_t mtu_dropped(Direction d) const;
  // forwarded counts datagrams sent on in direction `d` (a duplicate counts
  // twice).
  [[nodiscard]] std::size_t forwarded(Direction d) const;

  // How long a reordered datagram waits for the next one.
  static constexpr std::chrono::milliseconds hold_limit{300};

 private:
  struct Held {
    std::vector<std::uint8_t> bytes;
    std::chrono::steady_clock::time_point since;
  };
  struct Stats {
    std::vector<std::size_t> sizes;
    std::size_t dropped = 0;
    std::size_t mtu_dropped = 0;
    std::size_t forwarded = 0;
  };
  struct Rules {
    std::set<std::pair<Direction, std::size_t>> drop;
    std::set<std::pair<Direction, std::size_t>> reorder;
    std::set<std::pair<Direction, std::size_t>> duplicate;
    DropRule drop_if;
    std::optional<std::size_t> mtu;
  };

  void run() noexcept;
  // relay handles one datagram received in direction `d`.
  void relay(Direction d, std::vector<std::uint8_t> bytes);
  void send(Direction d, std::span<const std::uint8_t> bytes);
  // release_stale delivers held datagrams older than hold_limit.
  void release_stale();

  Fd front_;  // bound to port(): the client's side
  Fd back_;   // talks to the server
  std::uint16_t port_ = 0;
  std::uint16_t server_port_ = 0;

  mutable std::mutex mu_;  // guards everything below
  Rules rules_;
  std::map<Direction, Stats> stats_;
  std::map<Direction, Held> held_;
  std::optional<sockaddr_in> client_;  // learnt from the first datagram

  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once everything above is set
};

}  // namespace sslpp::test
