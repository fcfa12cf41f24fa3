// What every handshake trampoline needs: the Connection an SSL belongs to,
// and a guard that keeps a callback's exception for the caller of the I/O
// call instead of letting it unwind through OpenSSL's C frames.
#pragma once

#include <exception>

#include <openssl/ssl.h>

#include "engine/engine.hpp"

namespace sslpp::detail {

// connection_of finds the engine of the Connection an SSL belongs to;
// nullptr when it has none (an SSL sslpp did not make, or one being
// destroyed).
inline engine* connection_of(const SSL* ssl) noexcept {
  engine* conn = ssl != nullptr ? engine::from(ssl) : nullptr;
  return conn != nullptr && conn->owner != nullptr ? conn : nullptr;
}

// guarded runs `f`; if it throws, the exception is kept for the caller of
// the I/O call (the first one only: later ones are consequences) and false
// is returned.
template <typename F>
bool guarded(engine& conn, F&& f) noexcept {
  try {
    f();
    return true;
  } catch (...) {
    if (!conn.callback_exception) {
      conn.callback_exception = std::current_exception();
    }
    return false;
  }
}

}  // namespace sslpp::detail
