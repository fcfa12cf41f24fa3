// The state behind a Connection: the SSL, its memory BIOs, the sticky error
// and what callbacks leave behind for the caller.
#pragma once

#include <any>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <sslpp/connection.hpp>

#include "context_state.hpp"
#include "handle.hpp"

namespace sslpp::detail {

struct connection_state {
  // Bits of `gate`: any set bit diverts I/O calls off the fast path.
  static constexpr std::uint8_t gate_fatal = 1;          // a sticky error
  static constexpr std::uint8_t gate_needs_hostname = 2;  // check_hostname without server_hostname

  // Declared before `ssl` so it is destroyed after it: callbacks that run
  // inside SSL_free still find the context state alive.
  std::shared_ptr<context_state> context;
  // After set_context, the context the connection was made with: OpenSSL
  // keeps using it for the session cache and its hooks, so it must live on.
  std::shared_ptr<context_state> original_context;
  unique_handle<SSL> ssl;
  BIO* rbio = nullptr;  // network -> TLS; owned by `ssl`
  BIO* wbio = nullptr;  // TLS -> network; owned by `ssl`
  Connection* owner = nullptr;  // kept current by Connection's move operations

  std::uint8_t gate = 0;
  io_status fatal_status = io_status::error;
  ErrorInfo error;
  std::exception_ptr callback_exception;

  std::optional<std::string> hostname;
  bool check_hostname = false;  // the context's setting when the role was chosen
  bool accept_state = false;    // set_accept_state was called: a server
  bool memory_bios = true;      // false: the SSL reads and writes a socket
  std::any app_data;

  // verify_context is the context whose verification policy applies: the
  // one the connection was made with, even after set_context (OpenSSL keeps
  // its verify mode, so its callback and trust store must stay too).
  const context_state& verify_context() const noexcept { return original_context ? *original_context : *context; }

  static connection_state* from(const SSL* ssl) noexcept;
  static int ex_index() noexcept;
};

}  // namespace sslpp::detail
