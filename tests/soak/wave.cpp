#include "wave.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

#include <sys/epoll.h>
#include <unistd.h>

#include "client.hpp"

namespace sslpp::soak {

namespace {

using Clock = std::chrono::steady_clock;

// Epoll owns an epoll descriptor; each entry carries the client's index.
class Epoll {
 public:
  Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (fd_ < 0) {
      throw std::system_error(errno, std::system_category(), "epoll_create1");
    }
  }
  ~Epoll() { ::close(fd_); }
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;

  void control(int op, int fd, std::uint32_t events, std::size_t index) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = index;
    if (::epoll_ctl(fd_, op, fd, &ev) != 0) {
      throw std::system_error(errno, std::system_category(), "epoll_ctl");
    }
  }
  std::span<epoll_event> wait(std::chrono::milliseconds timeout) {
    const int n = ::epoll_wait(fd_, events_.data(), static_cast<int>(events_.size()), static_cast<int>(timeout.count()));
    if (n < 0 && errno != EINTR) {
      throw std::system_error(errno, std::system_category(), "epoll_wait");
    }
    return std::span(events_).first(n < 0 ? 0 : static_cast<std::size_t>(n));
  }

 private:
  int fd_;
  std::array<epoll_event, 256> events_{};
};

// Wave holds the clients of one wave and the counts the loop keeps.
class Wave {
 public:
  explicit Wave(const WaveConfig& config) : config_(config), scratch_(64 * 1024) {}

  WaveStats run() {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < config_.connections; ++i) {
      open_client(i);
    }
    while (unfinished_ > 0 && Clock::now() < config_.deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(config_.deadline - Clock::now());
      const auto wait = std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(100));
      for (const epoll_event& ev : epoll_.wait(wait)) {
        if (clients_[ev.data.u64]) {
          settle(ev.data.u64, clients_[ev.data.u64]->advance(tally_, scratch_));
        }
      }
      // Streaming starts only once no client is still connecting or
      // handshaking, so all N connections are open at once.
      if (!released_ && handshaking_ == 0) {
        release_all();
      }
    }
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (clients_[i]) {
        record_failure(i, std::string("wave deadline passed while ") + to_string(clients_[i]->phase()));
        clients_[i].reset();
      }
    }
    stats_.bytes_sent = tally_.bytes_sent;
    stats_.bytes_received = tally_.bytes_received;
    stats_.bytes_mismatched = tally_.bytes_mismatched;
    stats_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return stats_;
  }

 private:
  void open_client(std::size_t i) {
    clients_.push_back(nullptr);
    interest_.push_back(Client::first_events);
    try {
      const Client::Limits limits{config_.max_payload, config_.max_write};
      clients_[i] = std::make_unique<Client>(*config_.context, config_.port,
                                             connection_seed(config_.seed, config_.wave, i), limits);
      epoll_.control(EPOLL_CTL_ADD, clients_[i]->fd(), Client::first_events, i);
      ++unfinished_;
      ++handshaking_;
    } catch (const std::exception& e) {
      clients_[i].reset();
      record_failure(i, std::string("cannot open: ") + e.what());
    }
  }

  // settle acts on where a client got to: retire it when finished, count
  // it when it becomes ready, and wait for what it asked for.
  void settle(std::size_t i, std::uint32_t events) {
    Client& c = *clients_[i];
    if (c.phase() == Client::Phase::done || c.phase() == Client::Phase::failed) {
      retire(i);
      return;
    }
    if (c.phase() == Client::Phase::ready && !counted_ready_[i]) {
      counted_ready_[i] = true;
      --handshaking_;
      ++established_;
      stats_.established_peak = std::max(stats_.established_peak, established_);
    }
    if (events != interest_[i]) {
      interest_[i] = events;
      epoll_.control(EPOLL_CTL_MOD, c.fd(), events, i);
    }
  }

  void release_all() {
    released_ = true;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (clients_[i] && clients_[i]->phase() == Client::Phase::ready) {
        settle(i, clients_[i]->release(tally_, scratch_));
      }
    }
  }

  void retire(std::size_t i) {
    Client& c = *clients_[i];
    if (counted_ready_[i]) {
      --established_;
    } else {
      --handshaking_;
    }
    if (c.phase() == Client::Phase::done) {
      ++stats_.completed;
      stats_.checksum_mismatches += c.echo_matches() ? 0 : 1;
    } else {
      record_failure(i, c.error());
    }
    epoll_.control(EPOLL_CTL_DEL, c.fd(), 0, i);
    clients_[i].reset();  // closes the socket
    --unfinished_;
  }

  void record_failure(std::size_t i, const std::string& why) {
    ++stats_.failed;
    if (stats_.errors.size() < 10) {
      stats_.errors.push_back("wave " + std::to_string(config_.wave) + " connection " + std::to_string(i) + " (seed " +
                              std::to_string(connection_seed(config_.seed, config_.wave, i)) + "): " + why);
    }
  }

  const WaveConfig& config_;
  Epoll epoll_;
  std::vector<std::byte> scratch_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::uint32_t> interest_;
  std::vector<bool> counted_ready_ = std::vector<bool>(config_.connections);
  std::size_t unfinished_ = 0;
  std::size_t handshaking_ = 0;  // open clients not yet ready
  std::size_t established_ = 0;
  bool released_ = false;
  Tally tally_;
  WaveStats stats_;
};

}  // namespace

WaveStats run_wave(const WaveConfig& config) { return Wave(config).run(); }

}  // namespace sslpp::soak
