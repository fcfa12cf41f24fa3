// Moving bytes between the harness's connections: in-memory pairs driven to
// the end of a conversation (what the corpus generator records), and one
// side fed recorded bytes (what the handshake targets replay).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "world.hpp"

namespace sslpp_fuzz {

/// max_rounds bounds every loop that waits for progress: no input hangs.
inline constexpr int max_rounds = 32;

/// established_hook runs once, when step() sees the handshake complete and
/// before it reads anything more.
using established_hook = std::function<void(endpoint&)>;

/// transfer moves all of `from`'s pending ciphertext to `to`, appending it
/// to `log` when given; returns how many bytes moved.
std::size_t transfer(endpoint& from, endpoint& to, std::string* log);

/// converse runs the handshake, then the server's greeting, the client's
/// answer and both close_notifys, logging every byte; returns whether the
/// handshake completed. A bounded number of rounds: never hangs.
bool converse(connection_pair& p, transcript* log);

/// resumable_session runs a full exchange on `w` and returns the client's
/// session, ready to offer; nullopt when the handshake failed.
std::optional<sslpp::Session> resumable_session(const world& w);

/// step drives `e` once: the handshake until it completes, then a read
/// that drains whatever plaintext arrived. Returns the last status.
sslpp::io_status step(endpoint& e, const established_hook& established = {});

/// request_client_certificate is what the server does as soon as its
/// handshake completes: ask for a certificate after the handshake when its
/// context has post-handshake auth on (TLS 1.3).
void request_client_certificate(endpoint& server);

/// pump alternates step() and transfer() on both sides until no byte moves
/// (a bounded number of rounds), logging every byte when `log` is given.
void pump(connection_pair& p, transcript* log, const established_hook& server_established = {});

/// greeting is what the server writes after the handshake, answer the client.
inline constexpr std::string_view greeting = "hello from the server\n";
/// early_request is what a client sends as early data (features::early_data).
inline constexpr std::string_view early_request = "early request\n";
inline constexpr std::string_view answer = "hello from the client\n";

/// feed_and_drive hands `bytes` (all at once when `chunk` is 0, else
/// `chunk` bytes at a time) to `e`, driving it after each piece and
/// discarding what it sends back: a peer replaying a recorded flight.
/// Calls reached_end() when the handshake completes.
void feed_and_drive(endpoint& e, std::span<const std::byte> bytes, std::size_t chunk,
                    const established_hook& established = {});

}  // namespace sslpp_fuzz
