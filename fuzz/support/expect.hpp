// What a target may see thrown, and what counts as reaching the end.
#pragma once

#include <new>

#include <sslpp/error.hpp>

namespace sslpp_fuzz {

/// planned_exception is what harness callbacks throw on purpose, to drive
/// sslpp's callback-failure paths; sslpp must hand it back unchanged.
struct planned_exception {};

/// expect_typed runs `f` and swallows the outcomes sslpp documents: its
/// typed exceptions (OSError and SSLError below it, ValueError),
/// std::bad_alloc, and the harness's own planned_exception. Anything else
/// escapes the target and terminates the process: a finding.
template <typename F>
void expect_typed(F&& f) {
  try {
    f();
  } catch (const sslpp::OSError&) {
  } catch (const sslpp::ValueError&) {
  } catch (const std::bad_alloc&) {
  } catch (const planned_exception&) {
  }
}

/// reached_end records that the current input got to the end of its
/// scenario (a handshake completed, a pair was established). The replay
/// runner checks it for the generator's recorded exchanges ("ok_*" files),
/// which is how a broken recording or lost determinism shows up.
void reached_end() noexcept;
bool take_reached_end() noexcept;

}  // namespace sslpp_fuzz
