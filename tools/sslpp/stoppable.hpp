// What serve's stop signals stop (serve_output.hpp): the TCP event loop
// (event_loop_server.hpp) and the DTLS echo loop (dtls_serve.cpp) alike.
#pragma once

namespace sslpp::cli {

/// Stoppable is a server loop that a signal handler may ask to end: stop()
/// must be async-signal-safe (an atomic store, a write(2) to an eventfd).
class Stoppable {
 public:
  virtual void stop() noexcept = 0;

 protected:
  Stoppable() = default;
  Stoppable(const Stoppable&) = default;
  Stoppable& operator=(const Stoppable&) = default;
  ~Stoppable() = default;
};

}  // namespace sslpp::cli
