#include "world.hpp"

#include <array>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "pki.hpp"

namespace sslpp_fuzz {
namespace {

sslpp::TLSVersion max_version(std::uint8_t v) noexcept {
  switch (v) {
    case 1:
      return sslpp::TLSVersion::TLSv1_2;
    case 2:
      return sslpp::TLSVersion::TLSv1_3;
    default:
      return sslpp::TLSVersion::MAXIMUM_SUPPORTED;
  }
}

// Fixed ticket keys and session id context: a ticket the generator recorded
// then decrypts in the target's server, whichever contexts came first.
void fix_sessions(sslpp::Context& ctx) {
  std::array<std::byte, 80> keys{};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    keys[i] = static_cast<std::byte>(i * 7 + 1);
  }
  ctx.set_session_ticket_keys(keys);
  ctx.set_session_id("sslpp-fuzz");
}

sslpp::Context client_context(const client_config& cfg) {
  const test_pki& pki = the_pki();
  sslpp::Context ctx(sslpp::PROTOCOL_TLS_CLIENT);
  if (cfg.verify) {
    const std::string root = pki.root.certificate.pem();
    ctx.load_verify_locations(sslpp::VerifyLocations{.cadata_pem = root});
  } else {
    // The two explicit weakenings sslpp asks for.
    ctx.set_check_hostname(false);
    ctx.set_verify_mode(sslpp::CERT_NONE);
  }
  if (cfg.client_cert) {
    ctx.use_certificate(pki.client.certificate);
    ctx.use_privatekey(pki.client.key);
  }
  ctx.set_maximum_version(max_version(cfg.max_version));
  if (cfg.alpn) {
    ctx.set_alpn_protocols({"h2", "http/1.1"});
  }
  ctx.set_post_handshake_auth(cfg.post_handshake_auth);
  pin_verify_time(ctx);
  return ctx;
}

sslpp::Context server_context(const server_config& cfg, const credential& cred) {
  const test_pki& pki = the_pki();
  sslpp::Context ctx(sslpp::PROTOCOL_TLS_SERVER);
  ctx.use_certificate(cred.certificate);
  ctx.use_privatekey(cred.key);
  const std::string root = pki.root.certificate.pem();
  ctx.load_verify_locations(sslpp::VerifyLocations{.cadata_pem = root});
  ctx.add_client_ca(pki.root.certificate);
  static constexpr std::array modes{sslpp::CERT_NONE, sslpp::CERT_OPTIONAL, sslpp::CERT_REQUIRED, sslpp::CERT_REQUIRED};
  ctx.set_verify_mode(modes[cfg.client_auth & 3]);
  ctx.set_post_handshake_auth(cfg.client_auth == 3);
  ctx.set_maximum_version(max_version(cfg.max_version));
  if (cfg.no_ticket) {
    ctx.set_options(sslpp::OP_NO_TICKET);
  }
  ctx.set_release_buffers(!cfg.keep_buffers);
  fix_sessions(ctx);
  pin_verify_time(ctx);
  return ctx;
}

// The server's callbacks: (std::function wants copyable callables, and a
// Context is move-only, hence the shared_ptr around a shared handle.) SNI picks a certificate (or refuses a name), ALPN
// picks a protocol (or fails the handshake when the client offers "reject").
void add_callbacks(sslpp::Context& server, const sslpp::Context& other, bool python_sni, bool alpn_callback) {
  if (python_sni) {
    server.set_sni_callback([other = std::make_shared<sslpp::Context>(other.share())](sslpp::Connection& conn, std::optional<std::string_view> name,
                                                    const sslpp::Context&) -> std::optional<sslpp::AlertDescription> {
      if (name == "other.example.test") {
        conn.set_context(*other);
      } else if (name == "reject.example.test") {
        return sslpp::ALERT_DESCRIPTION_UNRECOGNIZED_NAME;
      }
      return std::nullopt;
    });
  } else {
    server.set_tlsext_servername_callback([other = std::make_shared<sslpp::Context>(other.share())](
                                              sslpp::Connection& conn) {
      if (conn.get_servername() == "other.example.test") {
        conn.set_context(*other);
      }
    });
  }
  if (alpn_callback) {
    server.set_alpn_select_callback(
        [](sslpp::Connection&, const std::vector<std::string>& offered) -> std::optional<std::string> {
          for (const std::string& p : offered) {
            if (p == "reject") {
              return "not-offered";
            }
            if (p == "http/1.1" || p == "h2") {
              return p;
            }
          }
          return std::nullopt;
        });
  } else {
    server.set_alpn_protocols({"http/1.1", "h2"});
  }
}

// The harness's pre-shared key: a fixed identity and 32 bytes.
constexpr std::string_view psk_identity = "fuzz-psk";
sslpp::SecureBytes psk_key() {
  sslpp::SecureBytes key(32);
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<std::byte>(0xa0 + i);
  }
  return key;
}

// add_features sets up what `f` asks for: PSK callbacks (a peer's binder
// and identity then reach them), the client's OCSP request and check, and
// the server's staple (a peer's stapled bytes then reach the check).
void add_features(sslpp::Context& client, sslpp::Context& server, const features& f) {
  if (f.client_psk) {
    client.set_psk_client_callback([](sslpp::Connection&, std::optional<std::string_view> hint) {
      (void)hint;
      return std::optional(sslpp::PskIdentity{std::string(psk_identity), psk_key()});
    });
  }
  if (f.server_psk) {
    server.set_psk_server_callback(
        [](sslpp::Connection&, std::string_view identity) -> std::optional<sslpp::SecureBytes> {
          if (identity == psk_identity) {
            return psk_key();
          }
          return std::nullopt;
        },
        "fuzz hint");
  }
  if (f.client_psk || f.server_psk) {
    // The TLS 1.2 PSK suites first, so that a server that knows the key
    // picks one; one that does not leaves them out and uses its certificate.
    const std::string suites = "kECDHEPSK:kPSK:ECDHE+AESGCM:ECDHE+CHACHA20";
    client.set_ciphers(suites);
    server.set_ciphers(suites);
  }
  if (f.ocsp_check) {
    client.set_ocsp_check(f.ocsp_required ? sslpp::OcspCheck::required : sslpp::OcspCheck::if_stapled);
  }
  if (f.ocsp_callbacks) {
    client.set_ocsp_client_callback([](sslpp::Connection& conn, std::span<const std::byte> response) {
      (void)conn.ocsp_response();
      return !response.empty() || !conn.get_verified_chain().empty();
    });
  }
  if (f.early_data) {
    server.set_max_early_data(4096);
    // Stateless tickets: a recorded resumption then replays on a fresh
    // server, which anti-replay's session cache would not know.
    server.set_options(sslpp::OP_NO_ANTI_REPLAY);
  }
  if (f.staple) {
    const std::vector<std::byte>& der = the_pki().server_ocsp;
    if (f.ocsp_callbacks) {
      server.set_ocsp_server_callback([&der](sslpp::Connection&) { return std::optional(der); });
    } else {
      server.set_ocsp_response(der);
    }
  }
}

}  // namespace

client_config client_config::from_byte(std::uint8_t b) noexcept {
  return client_config{.verify = (b & 0x01) != 0,
                       .client_cert = (b & 0x02) != 0,
                       .max_version = static_cast<std::uint8_t>((b >> 2) & 3),
                       .alpn = (b & 0x10) != 0,
                       .resume = (b & 0x20) != 0,
                       .post_handshake_auth = (b & 0x40) != 0,
                       .other_name = (b & 0x80) != 0};
}

std::uint8_t client_config::to_byte() const noexcept {
  return static_cast<std::uint8_t>((verify ? 0x01 : 0) | (client_cert ? 0x02 : 0) | (max_version & 3) << 2 |
                                   (alpn ? 0x10 : 0) | (resume ? 0x20 : 0) | (post_handshake_auth ? 0x40 : 0) |
                                   (other_name ? 0x80 : 0));
}

server_config server_config::from_byte(std::uint8_t b) noexcept {
  return server_config{.client_auth = static_cast<std::uint8_t>(b & 3),
                       .python_sni = (b & 0x04) == 0,
                       .alpn_callback = (b & 0x08) != 0,
                       .max_version = static_cast<std::uint8_t>((b >> 4) & 3),
                       .no_ticket = (b & 0x40) != 0,
                       .keep_buffers = (b & 0x80) != 0};
}

features features::from_byte(std::uint8_t b) noexcept {
  return features{.client_psk = (b & 0x01) != 0,
                  .server_psk = (b & 0x02) != 0,
                  .ocsp_check = (b & 0x04) != 0,
                  .ocsp_required = (b & 0x08) != 0,
                  .staple = (b & 0x10) != 0,
                  .ocsp_callbacks = (b & 0x20) != 0,
                  .early_data = (b & 0x40) != 0};
}

std::uint8_t features::to_byte() const noexcept {
  return static_cast<std::uint8_t>((client_psk ? 0x01 : 0) | (server_psk ? 0x02 : 0) | (ocsp_check ? 0x04 : 0) |
                                   (ocsp_required ? 0x08 : 0) | (staple ? 0x10 : 0) | (ocsp_callbacks ? 0x20 : 0) |
                                   (early_data ? 0x40 : 0));
}

std::uint8_t server_config::to_byte() const noexcept {
  return static_cast<std::uint8_t>((client_auth & 3) | (python_sni ? 0 : 0x04) | (alpn_callback ? 0x08 : 0) |
                                   (max_version & 3) << 4 | (no_ticket ? 0x40 : 0) | (keep_buffers ? 0x80 : 0));
}

world::world(const client_config& client, const server_config& server, const features& f)
    : client_cfg(client),
      server_cfg(server),
      extras(f),
      client_ctx(client_context(client)),
      server_ctx(server_context(server, the_pki().server)),
      other_ctx(server_context(server, the_pki().other_server)) {
  add_callbacks(server_ctx, other_ctx, server.python_sni, server.alpn_callback);
  add_features(client_ctx, server_ctx, f);
}

std::optional<std::string> hostname(const client_config& cfg) {
  if (cfg.other_name) {
    return cfg.verify ? std::optional<std::string>("other.example.test") : std::nullopt;
  }
  return "localhost";
}

endpoint make_client(const world& w, const std::optional<sslpp::Session>& session) {
  const stream_scope scope(stream::client);
  const std::optional<std::string> name = hostname(w.client_cfg);
  sslpp::ConnectionOptions options{.server_side = false, .server_hostname = std::nullopt, .session = session};
  if (name) {
    options.server_hostname = *name;
  }
  endpoint client{w.client_ctx.wrap_bio(options), stream::client};
  if (w.extras.ocsp_callbacks) {
    client.conn.request_ocsp();
  }
  client.early = w.extras.early_data && session.has_value();
  return client;
}

endpoint make_server(const world& w) {
  const stream_scope scope(stream::server);
  endpoint server{w.server_ctx.wrap_bio({.server_side = true}), stream::server};
  server.early = w.extras.early_data;
  return server;
}

connection_pair make_connection_pair(const world& w, const std::optional<sslpp::Session>& session) {
  endpoint client = make_client(w, session);
  endpoint server = make_server(w);
  return connection_pair{std::move(client), std::move(server)};
}


void begin_input() {
  (void)the_pki();
  reset();
}

sslpp::Context dtls_context(std::uint8_t mode) {
  const test_pki& pki = the_pki();
  const bool client = (mode & 1) != 0;
  sslpp::Context ctx(client ? sslpp::DTLS_CLIENT_METHOD : sslpp::DTLS_SERVER_METHOD);
  const std::string root = pki.root.certificate.pem();
  ctx.load_verify_locations(sslpp::VerifyLocations{.cadata_pem = root});
  if (!client) {
    ctx.use_certificate(pki.server.certificate);
    ctx.use_privatekey(pki.server.key);
    if ((mode & 4) != 0) {
      ctx.set_verify_mode(sslpp::CERT_REQUIRED);
    }
  } else if ((mode & 4) != 0) {
    ctx.use_certificate(pki.client.certificate);
    ctx.use_privatekey(pki.client.key);
  }
  if ((mode & 2) != 0) {
    ctx.set_srtp_profiles("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80");
  }
  pin_verify_time(ctx);
  return ctx;
}

}  // namespace sslpp_fuzz
