#include "support/udp_relay.hpp"

#include "support/socket_driver.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sslpp::test {

namespace {

// udp_socket is a UDP socket bound to 127.0.0.1 at a port the kernel picks.
Fd udp_socket() {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    throw std::runtime_error(std::string("UdpRelay: socket: ") + std::strerror(errno));
  }
  const sockaddr_in a = loopback(0);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    throw std::runtime_error(std::string("UdpRelay: bind: ") + std::strerror(errno));
  }
  return fd;
}

bool same_peer(const sockaddr_in& a, const sockaddr_in& b) {
  return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
}

}  // namespace

UdpRelay::UdpRelay(std::uint16_t server_port)
    : front_(udp_socket()), back_(udp_socket()), server_port_(server_port) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(front_.get(), reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { run(); });
}

UdpRelay::~UdpRelay() {
  stop_ = true;
  thread_.join();
}

void UdpRelay::drop_nth(Direction d, std::size_t n) {
  const std::lock_guard lock(mu_);
  rules_.drop.emplace(d, n);
}

void UdpRelay::drop_if(DropRule rule) {
  const std::lock_guard lock(mu_);
  rules_.drop_if = std::move(rule);
}

void UdpRelay::reorder_nth(Direction d, std::size_t n) {
  const std::lock_guard lock(mu_);
  rules_.reorder.emplace(d, n);
}

void UdpRelay::duplicate_nth(Direction d, std::size_t n) {
  const std::lock_guard lock(mu_);
  rules_.duplicate.emplace(d, n);
}

void UdpRelay::set_mtu(std::optional<std::size_t> max_bytes) {
  const std::lock_guard lock(mu_);
  rules_.mtu = max_bytes;
}

void UdpRelay::clear_rules() {
  const std::lock_guard lock(mu_);
  rules_ = Rules{};
}

std::vector<std::size_t> UdpRelay::sizes(Direction d) const {
  const std::lock_guard lock(mu_);
  const auto it = stats_.find(d);
  return it == stats_.end() ? std::vector<std::size_t>{} : it->second.sizes;
}

std::size_t UdpRelay::largest(Direction d) const {
  const auto all = sizes(d);
  return all.empty() ? 0 : *std::max_element(all.begin(), all.end());
}

std::size_t UdpRelay::dropped(Direction d) const {
  const std::lock_guard lock(mu_);
  const auto it = stats_.find(d);
  return it == stats_.end() ? 0 : it->second.dropped;
}

std::size_t UdpRelay::mtu_dropped(Direction d) const {
  const std::lock_guard lock(mu_);
  const auto it = stats_.find(d);
  return it == stats_.end() ? 0 : it->second.mtu_dropped;
}

std::size_t UdpRelay::forwarded(Direction d) const {
  const std::lock_guard lock(mu_);
  const auto it = stats_.find(d);
  return it == stats_.end() ? 0 : it->second.forwarded;
}

void UdpRelay::run() noexcept {
  std::vector<std::uint8_t> buf(65536);  // the largest UDP payload
  while (!stop_) {
    pollfd fds[2] = {{front_.get(), POLLIN, 0}, {back_.get(), POLLIN, 0}};
    // A short timeout keeps stop prompt and lets held datagrams age out.
    const int ready = ::poll(fds, 2, 20);
    if (ready < 0 && errno != EINTR) {
      return;
    }
    for (int i = 0; ready > 0 && i < 2; ++i) {
      if ((fds[i].revents & POLLIN) == 0) {
        continue;
      }
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t got =
          ::recvfrom(fds[i].fd, buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
      if (got < 0) {
        continue;
      }
      const auto n = static_cast<std::size_t>(got);
      if (i == 0) {
        {
          const std::lock_guard lock(mu_);
          if (!client_) {
            client_ = from;
          } else if (!same_peer(*client_, from)) {
            continue;  // one client only: a second one would be misrouted
          }
        }
        relay(Direction::to_server, {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)});
      } else if (same_peer(from, loopback(server_port_))) {
        relay(Direction::to_client, {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)});
      }
    }
    release_stale();
  }
}

void UdpRelay::relay(Direction d, std::vector<std::uint8_t> bytes) {
  const std::lock_guard lock(mu_);
  Stats& st = stats_[d];
  st.sizes.push_back(bytes.size());
  const std::size_t index = st.sizes.size();
  if (rules_.mtu && bytes.size() > *rules_.mtu) {
    ++st.dropped;
    ++st.mtu_dropped;
    return;
  }
  if (rules_.drop.contains({d, index}) || (rules_.drop_if && rules_.drop_if(d, index, bytes))) {
    ++st.dropped;
    return;
  }
  if (rules_.reorder.contains({d, index})) {
    // Deliver anything already held first, so at most one waits.
    if (const auto it = held_.find(d); it != held_.end()) {
      send(d, it->second.bytes);
      held_.erase(it);
    }
    held_[d] = Held{std::move(bytes), std::chrono::steady_clock::now()};
    return;
  }
  send(d, bytes);
  if (rules_.duplicate.contains({d, index})) {
    send(d, bytes);
  }
  // The swap: the held datagram goes right after this one.
  if (const auto it = held_.find(d); it != held_.end()) {
    send(d, it->second.bytes);
    held_.erase(it);
  }
}

void UdpRelay::send(Direction d, std::span<const std::uint8_t> bytes) {
  // Called under mu_. UDP sends to loopback do not block for long; a failed
  // send is a lost datagram, which DTLS must survive anyway.
  sockaddr_in to{};
  int fd = -1;
  if (d == Direction::to_server) {
    to = loopback(server_port_);
    fd = back_.get();
  } else {
    if (!client_) {
      return;
    }
    to = *client_;
    fd = front_.get();
  }
  if (::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) >= 0) {
    ++stats_[d].forwarded;
  }
}

void UdpRelay::release_stale() {
  const std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  for (auto it = held_.begin(); it != held_.end();) {
    if (now - it->second.since >= hold_limit) {
      send(it->first, it->second.bytes);
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace sslpp::test
