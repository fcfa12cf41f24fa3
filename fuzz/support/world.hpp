// The contexts and in-memory pairs the handshake targets and the corpus
// generator share. A recording only replays if the generator and the target
// build the very same contexts in the very same order, so both come here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include "deterministic.hpp"

namespace sslpp_fuzz {

/// client_config is the first byte of a client_handshake input.
struct client_config {
  bool verify = true;          // CA loaded, CERT_REQUIRED, check_hostname; else CERT_NONE
  bool client_cert = false;    // a certificate to answer a CertificateRequest with
  std::uint8_t max_version = 0;  // 0, 3: any; 1: TLS 1.2; 2: TLS 1.3
  bool alpn = false;           // offer "h2", "http/1.1"
  bool resume = false;         // offer a session from a full handshake run first
  bool post_handshake_auth = false;
  bool other_name = false;     // ask for "other.example.test" (no name at all when not verifying)

  static client_config from_byte(std::uint8_t b) noexcept;
  [[nodiscard]] std::uint8_t to_byte() const noexcept;
};

/// server_config is the first byte of a server_handshake input.
struct server_config {
  std::uint8_t client_auth = 0;  // 0: CERT_NONE, 1: CERT_OPTIONAL, 2: CERT_REQUIRED, 3: that + post-handshake auth
  bool python_sni = true;        // set_sni_callback; else set_tlsext_servername_callback
  bool alpn_callback = false;    // set_alpn_select_callback; else set_alpn_protocols
  std::uint8_t max_version = 0;  // as client_config
  bool no_ticket = false;        // OP_NO_TICKET
  bool keep_buffers = false;     // set_release_buffers(false)

  static server_config from_byte(std::uint8_t b) noexcept;
  [[nodiscard]] std::uint8_t to_byte() const noexcept;
};

/// features are the handshake extensions issue 13 added, for both sides:
/// the byte after the configs in the handshake targets' inputs.
struct features {
  bool client_psk = false;     // the client offers identity "fuzz-psk" (TLS 1.3 external PSK, TLS 1.2 PSK suites)
  bool server_psk = false;     // the server knows "fuzz-psk" (and enables the TLS 1.2 PSK suites)
  bool ocsp_check = false;     // the client asks for a staple and checks it (if stapled)
  bool ocsp_required = false;  // with ocsp_check: a staple is required
  bool staple = false;         // the server staples the harness's OCSP response
  bool ocsp_callbacks = false; // through set_ocsp_server_callback / request_ocsp + set_ocsp_client_callback
  bool early_data = false;     // the server takes early data; a resuming client sends some

  static features from_byte(std::uint8_t b) noexcept;
  [[nodiscard]] std::uint8_t to_byte() const noexcept;
};

/// world is one client context and two server contexts (the second is what
/// the SNI callback switches to for "other.example.test").
struct world {
  world(const client_config& client, const server_config& server, const features& extras = {});
  client_config client_cfg;
  server_config server_cfg;
  features extras;
  sslpp::Context client_ctx;
  sslpp::Context server_ctx;
  sslpp::Context other_ctx;
};

/// endpoint is a connection and the random stream its calls draw from.
struct endpoint {
  sslpp::Connection conn;
  stream rng;
  // Early data still to send (a client) or to read (a server) before the
  // handshake: features::early_data.
  bool early = false;
};

/// transcript is what each side sent, in order.
struct transcript {
  std::string client_to_server;
  std::string server_to_client;
};

/// connection_pair is a client and a server from one world.
struct connection_pair {
  endpoint client;
  endpoint server;
};

/// hostname is what a client built from `cfg` asks for, if anything.
std::optional<std::string> hostname(const client_config& cfg);

/// make_client makes the client connection of `w` (offering `session`).
endpoint make_client(const world& w, const std::optional<sslpp::Session>& session);
endpoint make_server(const world& w);
connection_pair make_connection_pair(const world& w, const std::optional<sslpp::Session>& session);

/// dtls_context is the DTLS target's context for its mode byte (bit 0 a
/// client, else a server; bit 1 SRTP; bit 2 client certificates), verifying
/// at the pinned time against the harness root.
sslpp::Context dtls_context(std::uint8_t mode);

/// begin_input starts an input: builds the PKI on first use, then rewinds
/// every random stream. Every target calls it first.
void begin_input();

}  // namespace sslpp_fuzz
