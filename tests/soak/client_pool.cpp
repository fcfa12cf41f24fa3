#include "client_pool.hpp"

#include <algorithm>
#include <exception>

namespace sslpp::soak {

ClientPool::ClientPool(const Context& context, std::uint16_t port, Client::Limits limits)
    : context_(context), port_(port), limits_(limits) {}

void ClientPool::open(std::uint64_t seed, std::string label) {
  try {
    auto client = std::make_unique<Client>(context_, port_, seed, limits_);
    epoll_.add(client->fd(), Client::first_events, entries_.size());
    entries_.push_back({std::move(client), std::move(label), Client::first_events, false});
    ++unfinished_;
  } catch (const std::exception& e) {
    record_failure(label, std::string("cannot open: ") + e.what());
  }
}

void ClientPool::poll(std::chrono::milliseconds timeout) {
  for (const epoll_event& ev : epoll_.wait(timeout)) {
    Entry& e = entries_[ev.data.u64];
    if (e.client) {
      settle(ev.data.u64, e.client->advance(tally_, scratch_));
    }
  }
}

void ClientPool::release_ready() {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].client && entries_[i].client->phase() == Client::Phase::ready) {
      settle(i, entries_[i].client->release(tally_, scratch_));
    }
  }
}

void ClientPool::abandon(const std::string& why) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (Entry& e = entries_[i]; e.client) {
      record_failure(e.label, why + " while " + to_string(e.client->phase()));
      e.client.reset();  // closes the socket
      --unfinished_;
      if (e.established) {
        --established_;
      }
    }
  }
}

// settle acts on where a client got to: retire it when finished, count it
// when its handshake is done, and wait for what it asked for.
void ClientPool::settle(std::size_t i, std::uint32_t events) {
  Entry& e = entries_[i];
  const Client::Phase phase = e.client->phase();
  if (phase == Client::Phase::done || phase == Client::Phase::failed) {
    retire(i);
    return;
  }
  if (!e.established && phase != Client::Phase::connecting && phase != Client::Phase::handshaking) {
    e.established = true;
    ++established_;
    established_peak_ = std::max(established_peak_, established_);
  }
  if (events != e.interest) {
    e.interest = events;
    epoll_.modify(e.client->fd(), events, i);
  }
}

void ClientPool::retire(std::size_t i) {
  Entry& e = entries_[i];
  if (e.client->phase() == Client::Phase::done) {
    ++completed_;
    checksum_mismatches_ += e.client->echo_matches() ? 0 : 1;
  } else {
    record_failure(e.label, e.client->error());
  }
  if (e.established) {
    --established_;
  }
  e.client.reset();  // closes the socket, which leaves the epoll set
  e.label.clear();
  e.label.shrink_to_fit();
  --unfinished_;
}

void ClientPool::record_failure(const std::string& label, const std::string& why) {
  ++failed_;
  if (errors_.size() < 10) {
    errors_.push_back(label + ": " + why);
  }
}

}  // namespace sslpp::soak
