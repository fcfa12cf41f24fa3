// What an application asks of an established connection.
#pragma once

#include <sslpp/connection.hpp>

#include "world.hpp"

namespace sslpp_fuzz {

/// exercise_established calls every getter a finished handshake offers,
/// writes, reads and shuts down: what an application does next.
void exercise_established(endpoint& e);

/// call_getters calls every getter of `c`, each allowed to throw sslpp's
/// typed exceptions (some refuse before the handshake).
void call_getters(const sslpp::Connection& c);

}  // namespace sslpp_fuzz
