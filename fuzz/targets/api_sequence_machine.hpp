// api_sequence's machine: the pools a program runs against and the
// program's input. Its ops are split in three files: api_sequence.cpp (the
// entry point and the Context ops), api_sequence_connections.cpp, and
// api_sequence_modern.cpp (issue 13's settings and getters).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include "support/api_ops.hpp"
#include "support/input.hpp"

namespace sslpp_fuzz {

struct machine {
  // The contexts SNI callbacks switch to, owned here rather than by the
  // callbacks: a callback holding a handle to its own context would make a
  // reference cycle (a leak the harness, not sslpp, would have made).
  // Declared first, so destroyed after every context that points into it.
  std::vector<std::unique_ptr<sslpp::Context>> callback_targets;
  std::array<std::optional<sslpp::Context>, context_slots> contexts;
  std::array<std::optional<sslpp::Connection>, connection_slots> connections;
  input& in;

  // ctx and conn_slot read a slot number; an empty context slot gets a
  // default client Context.
  sslpp::Context& ctx() {
    auto& slot = contexts[in.byte() % context_slots];
    if (!slot) {
      slot.emplace();
    }
    return *slot;
  }
  std::optional<sslpp::Connection>& conn_slot() { return connections[in.byte() % connection_slots]; }
  bool boolean() { return in.flag(); }
  void run(api_op op);
  void run_connection_op(api_op op);
  void run_modern_op(api_op op);
};

// verify_callback is the set_verify callback of `kind`: none, one that
// decodes and accepts, one that keeps OpenSSL's verdict, one that throws.
sslpp::VerifyCallback verify_callback(std::uint8_t kind);

}  // namespace sslpp_fuzz
