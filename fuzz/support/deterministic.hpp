// Fixed randomness and time for the fuzz harness, so that one input always
// drives OpenSSL through the same bytes: a handshake recorded by the corpus
// generator replays exactly, and a mutation changes only what it touches.
//
// Randomness: a RAND_METHOD that serves bytes from small counter-based
// streams, one per role (setup, client, server). Each role draws only from
// its own stream, so a client fed a recorded server flight draws exactly the
// bytes it drew while the flight was recorded, however the two sides'
// calls were interleaved then.
//
// Time: time() is pinned (the harness defines it, which interposes the libc
// symbol for OpenSSL too: session times, ticket ages and lifetimes are then
// the same in every run), and each Context's verification time is pinned to
// the same instant with X509_VERIFY_PARAM_set_time.
#pragma once

#include <cstdint>
#include <ctime>

namespace sslpp {
class Context;
}

namespace sslpp_fuzz {

/// The instant every run lives at: 2026-01-01T00:00:00Z. The harness PKI is
/// valid from 2025-01-01 to 2028-01-01 around it.
inline constexpr std::time_t pinned_time = 1767225600;

/// stream names one sequence of pseudo-random bytes.
enum class stream : std::uint8_t { setup, client, server };

/// reset installs the deterministic RAND_METHOD (once), rewinds every stream
/// to its fixed seed and selects the setup stream. Every target calls it
/// first for each input, and the generator before each recording.
void reset();

/// stream_scope selects a stream for its lifetime (the previous one after).
class stream_scope {
 public:
  explicit stream_scope(stream s) noexcept;
  ~stream_scope();
  stream_scope(const stream_scope&) = delete;
  stream_scope& operator=(const stream_scope&) = delete;

 private:
  stream previous_;
};

/// pin_verify_time makes `context` verify certificates at pinned_time.
void pin_verify_time(const sslpp::Context& context);

}  // namespace sslpp_fuzz
