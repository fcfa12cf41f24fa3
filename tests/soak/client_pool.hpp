// ClientPool drives many soak Clients (client.hpp) from one epoll loop:
// it opens them, advances each on its events, holds the ones that are
// ready until released, and retires each one done or failed, keeping the
// counts a run reports. The concurrent waves and the idle hold both use it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <sslpp/context.hpp>

#include "client.hpp"
#include "../../tools/sslpp/epoll.hpp"  // the sslpp command's: one epoll wrapper for server and soak

namespace sslpp::soak {

class ClientPool {
 public:
  ClientPool(const Context& context, std::uint16_t port, Client::Limits limits);

  /// open starts a client with `seed`; `label` names it in failures. A
  /// client that cannot even start (EMFILE...) counts as failed.
  void open(std::uint64_t seed, std::string label);
  /// poll waits up to `timeout` and advances the clients that have events.
  void poll(std::chrono::milliseconds timeout);
  /// release lets every ready client stream its payload, then close.
  void release_ready();
  /// abandon closes every client still open, each counted as failed.
  void abandon(const std::string& why);

  /// unfinished: open clients (not yet done or failed).
  [[nodiscard]] std::size_t unfinished() const noexcept { return unfinished_; }
  /// handshaking: open clients not yet handshaken.
  [[nodiscard]] std::size_t handshaking() const noexcept { return unfinished_ - established_; }
  /// established: open clients past their handshake; peak: the most at once.
  [[nodiscard]] std::size_t established() const noexcept { return established_; }
  [[nodiscard]] std::size_t established_peak() const noexcept { return established_peak_; }
  [[nodiscard]] std::size_t completed() const noexcept { return completed_; }
  [[nodiscard]] std::size_t failed() const noexcept { return failed_; }
  [[nodiscard]] std::size_t checksum_mismatches() const noexcept { return checksum_mismatches_; }
  [[nodiscard]] const Tally& tally() const noexcept { return tally_; }
  /// errors are the first few failures, each with its client's label.
  [[nodiscard]] const std::vector<std::string>& errors() const noexcept { return errors_; }

 private:
  struct Entry {
    std::unique_ptr<Client> client;
    std::string label;
    std::uint32_t interest = 0;
    bool established = false;
  };

  void settle(std::size_t i, std::uint32_t events);
  void retire(std::size_t i);
  void record_failure(const std::string& label, const std::string& why);

  const Context& context_;
  std::uint16_t port_;
  Client::Limits limits_;
  cli::Epoll epoll_;
  std::vector<std::byte> scratch_ = std::vector<std::byte>(64 * 1024);
  std::vector<Entry> entries_;  // by the index epoll reports; retired entries have no client
  std::size_t unfinished_ = 0;
  std::size_t established_ = 0;
  std::size_t established_peak_ = 0;
  std::size_t completed_ = 0;
  std::size_t failed_ = 0;
  std::size_t checksum_mismatches_ = 0;
  Tally tally_;
  std::vector<std::string> errors_;
};

}  // namespace sslpp::soak
