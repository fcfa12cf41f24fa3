// api_sequence: the input is a program of calls on Contexts and
// Connections (support/api_ops.hpp), run against pools of three contexts
// and four connections over memory buffers. Contexts start as a verifying
// client and a server trusting the harness root, so programs reach real
// handshakes; from there anything goes: settings changed under live
// connections, objects moved, callbacks that throw or replace contexts.
// sslpp's typed exceptions are expected; anything else is a finding.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include "support/api_ops.hpp"
#include "support/expect.hpp"
#include "support/input.hpp"
#include "support/pki.hpp"
#include "support/world.hpp"
#include "targets/api_sequence_machine.hpp"

namespace {

using namespace sslpp_fuzz;


constexpr std::array protocols{sslpp::Protocol::PROTOCOL_TLS_CLIENT, sslpp::Protocol::PROTOCOL_TLS_SERVER,
                               sslpp::Protocol::PROTOCOL_TLS,        sslpp::Protocol::SSLv2_METHOD,
                               sslpp::Protocol::SSLv3_METHOD,        sslpp::Protocol::SSLv23_METHOD,
                               sslpp::Protocol::TLSv1_METHOD};

sslpp::TLSVersion version(std::uint8_t b) {
  constexpr std::array known{sslpp::TLSVersion::MINIMUM_SUPPORTED, sslpp::TLSVersion::MAXIMUM_SUPPORTED,
                             sslpp::TLSVersion::SSLv3, sslpp::TLSVersion::TLSv1, sslpp::TLSVersion::TLSv1_1,
                             sslpp::TLSVersion::TLSv1_2, sslpp::TLSVersion::TLSv1_3};
  // Past the known values: any int, as a cast from user input would give.
  return b < known.size() ? known[b] : static_cast<sslpp::TLSVersion>(0x0300 + b - 16);
}

std::uint64_t u64(input& in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = v << 8 | in.byte();
  }
  return v;
}

sslpp::Context default_client() {
  sslpp::Context ctx(sslpp::PROTOCOL_TLS_CLIENT);
  const std::string root = the_pki().root.certificate.pem();
  ctx.load_verify_locations(sslpp::VerifyLocations{.cadata_pem = root});
  pin_verify_time(ctx);
  return ctx;
}

sslpp::Context default_server() {
  sslpp::Context ctx(sslpp::PROTOCOL_TLS_SERVER);
  ctx.use_certificate(the_pki().server.certificate);
  ctx.use_privatekey(the_pki().server.key);
  const std::string root = the_pki().root.certificate.pem();
  ctx.load_verify_locations(sslpp::VerifyLocations{.cadata_pem = root});
  pin_verify_time(ctx);
  return ctx;
}

}  // namespace

namespace sslpp_fuzz {

void machine::run(api_op op) {
  switch (op) {
    case api_op::new_context: {
      auto& slot = contexts[in.byte() % context_slots];
      slot.emplace(protocols[in.byte() % protocols.size()]);
      pin_verify_time(*slot);
      break;
    }
    case api_op::share_context: {
      sslpp::Context shared = ctx().share();
      contexts[in.byte() % context_slots] = std::move(shared);
      break;
    }
    case api_op::move_context: {
      sslpp::Context& from = ctx();
      auto& to = contexts[in.byte() % context_slots];
      if (!to || &*to != &from) {
        to = std::move(from);
      }
      break;
    }
    case api_op::set_verify_mode: {
      sslpp::Context& c = ctx();
      c.set_verify_mode(static_cast<sslpp::VerifyMode>(in.byte() % 4));
      break;
    }
    case api_op::set_check_hostname: {
      sslpp::Context& c = ctx();
      c.set_check_hostname(boolean());
      break;
    }
    case api_op::set_verify_flags: {
      sslpp::Context& c = ctx();
      c.set_verify_flags(static_cast<sslpp::VerifyFlags>(u64(in) & 0xFFFFFFul));
      break;
    }
    case api_op::set_verify: {
      sslpp::Context& c = ctx();
      const auto peer = static_cast<sslpp::VerifyPeer>(in.byte() & 0x1f);
      c.set_verify(peer, verify_callback(in.byte()));
      break;
    }
    case api_op::set_verify_depth: {
      sslpp::Context& c = ctx();
      c.set_verify_depth(static_cast<std::int8_t>(in.byte()));
      break;
    }
    case api_op::load_ca: {
      sslpp::Context& c = ctx();
      const sslpp::Certificate& root = the_pki().root.certificate;
      switch (in.byte() % 3) {
        case 0: {
          const std::string pem = root.pem();
          c.load_verify_locations(sslpp::VerifyLocations{.cadata_pem = pem});
          break;
        }
        case 1: {
          const std::vector<std::byte> der = root.der();
          c.load_verify_locations(sslpp::VerifyLocations{.cadata_der = der});
          break;
        }
        default:
          c.load_verify_locations(sslpp::VerifyLocations{.cadata_pem = in.text()});
          break;
      }
      break;
    }
    case api_op::load_credential: {
      sslpp::Context& c = ctx();
      const test_pki& pki = the_pki();
      const std::array creds{&pki.server, &pki.other_server, &pki.client};
      const credential& cred = *creds[in.byte() % creds.size()];
      c.use_certificate(cred.certificate);
      c.use_privatekey(cred.key);
      c.add_client_ca(pki.root.certificate);
      break;
    }
    case api_op::check_privatekey:
      ctx().check_privatekey();
      break;
    case api_op::set_options: {
      sslpp::Context& c = ctx();
      (void)c.set_options(static_cast<sslpp::Options>(u64(in)));
      break;
    }
    case api_op::clear_options: {
      sslpp::Context& c = ctx();
      (void)c.clear_options(static_cast<sslpp::Options>(u64(in)));
      break;
    }
    case api_op::set_min_version: {
      sslpp::Context& c = ctx();
      c.set_minimum_version(version(in.byte()));
      break;
    }
    case api_op::set_max_version: {
      sslpp::Context& c = ctx();
      c.set_maximum_version(version(in.byte()));
      break;
    }
    case api_op::set_ciphers: {
      sslpp::Context& c = ctx();
      c.set_ciphers(in.text());
      break;
    }
    case api_op::set_ciphersuites: {
      sslpp::Context& c = ctx();
      c.set_ciphersuites(in.text());
      break;
    }
    case api_op::set_alpn_protocols: {
      sslpp::Context& c = ctx();
      std::vector<std::string> protocols_list(in.byte() % 4);
      for (std::string& p : protocols_list) {
        p = in.text();
      }
      c.set_alpn_protocols(protocols_list);
      break;
    }
    case api_op::set_release_buffers: {
      sslpp::Context& c = ctx();
      c.set_release_buffers(boolean());
      break;
    }
    case api_op::set_info_callback: {
      sslpp::Context& c = ctx();
      switch (in.byte() % 3) {
        case 0:
          c.set_info_callback({});
          break;
        case 1:
          c.set_info_callback([](sslpp::Connection& conn, sslpp::InfoWhere, int) { (void)conn.state_string(); });
          break;
        default:
          c.set_info_callback([](sslpp::Connection&, sslpp::InfoWhere where, int) {
            if ((where & sslpp::InfoWhere::handshake_done) != sslpp::InfoWhere::none) {
              throw planned_exception{};
            }
          });
          break;
      }
      break;
    }
    case api_op::set_sni_callback: {
      sslpp::Context& c = ctx();
      const std::uint8_t kind = in.byte() % 6;
      const sslpp::Context* target = callback_targets.emplace_back(std::make_unique<sslpp::Context>(ctx().share())).get();
      switch (kind) {
        case 0:
          c.set_sni_callback({});
          break;
        case 1:
          c.set_sni_callback([target](sslpp::Connection& conn, std::optional<std::string_view>,
                                                          const sslpp::Context&) -> std::optional<sslpp::AlertDescription> {
            conn.set_context(*target);
            return std::nullopt;
          });
          break;
        case 2:
          c.set_sni_callback([](sslpp::Connection&, std::optional<std::string_view> name,
                                const sslpp::Context&) -> std::optional<sslpp::AlertDescription> {
            if (name && name->size() % 2 == 1) {
              return static_cast<sslpp::AlertDescription>(name->size());
            }
            return std::nullopt;
          });
          break;
        case 3:
          c.set_sni_callback([](sslpp::Connection&, std::optional<std::string_view>,
                                const sslpp::Context&) -> std::optional<sslpp::AlertDescription> {
            throw planned_exception{};
          });
          break;
        case 4:
          c.set_tlsext_servername_callback(
              [target](sslpp::Connection& conn) { conn.set_context(*target); });
          break;
        default:
          c.set_tlsext_servername_callback([](sslpp::Connection& conn) {
            // A callback that replaces the hook it runs in.
            conn.get_context().set_tlsext_servername_callback({});
          });
          break;
      }
      break;
    }
    case api_op::set_alpn_select: {
      sslpp::Context& c = ctx();
      switch (in.byte() % 4) {
        case 0:
          c.set_alpn_select_callback([](sslpp::Connection&, const std::vector<std::string>& offered) {
            return offered.empty() ? std::nullopt : std::optional<std::string>(offered.front());
          });
          break;
        case 1:
          c.set_alpn_select_callback([](sslpp::Connection&, const std::vector<std::string>&) {
            return std::optional<std::string>("never-offered");
          });
          break;
        case 2:
          c.set_alpn_select_callback(
              [](sslpp::Connection&, const std::vector<std::string>&) -> std::optional<std::string> {
                throw planned_exception{};
              });
          break;
        default:
          c.set_alpn_select_callback({});
          break;
      }
      break;
    }
    case api_op::set_post_handshake_auth: {
      sslpp::Context& c = ctx();
      c.set_post_handshake_auth(boolean());
      break;
    }
    case api_op::set_session_id: {
      sslpp::Context& c = ctx();
      c.set_session_id(in.chunk());
      break;
    }
    case api_op::set_timeout: {
      sslpp::Context& c = ctx();
      (void)c.set_timeout(std::chrono::seconds(static_cast<std::int16_t>(in.u16())) * 64);
      break;
    }
    case api_op::set_num_tickets: {
      sslpp::Context& c = ctx();
      c.set_num_tickets(in.byte() % 8);
      break;
    }
    case api_op::set_ticket_keys: {
      sslpp::Context& c = ctx();
      c.set_session_ticket_keys(in.chunk());
      break;
    }
    case api_op::set_ecdh_curve: {
      sslpp::Context& c = ctx();
      c.set_ecdh_curve(in.text());
      break;
    }
    case api_op::context_getters: {
      const sslpp::Context& c = ctx();
      (void)c.protocol();
      expect_typed([&] { (void)c.verify_mode(); });
      expect_typed([&] { (void)c.check_hostname(); });
      expect_typed([&] { (void)c.verify_flags(); });
      expect_typed([&] { (void)c.get_verify_mode(); });
      expect_typed([&] { (void)c.get_verify_depth(); });
      expect_typed([&] { (void)c.get_ca_certs(); });
      expect_typed([&] { (void)c.cert_store_stats(); });
      expect_typed([&] { (void)c.options(); });
      expect_typed([&] { (void)c.minimum_version(); });
      expect_typed([&] { (void)c.maximum_version(); });
      expect_typed([&] { (void)c.get_ciphers(); });
      expect_typed([&] { (void)c.release_buffers(); });
      expect_typed([&] { (void)c.post_handshake_auth(); });
      expect_typed([&] { (void)c.get_timeout(); });
      expect_typed([&] { (void)c.num_tickets(); });
      expect_typed([&] { (void)c.session_ticket_keys(); });
      expect_typed([&] { (void)c.session_stats(); });
      expect_typed([&] { (void)c.keylog_filename(); });
      break;
    }
    case api_op::wrap_bio: {
      auto& slot = conn_slot();
      const sslpp::Context& c = ctx();
      const bool server = boolean();
      std::optional<std::string> host;
      switch (in.byte() % 3) {
        case 0:
          host = "localhost";
          break;
        case 1:
          host = std::string(in.text());
          break;
        default:
          break;
      }
      sslpp::Connection made = c.wrap_bio({.server_side = server, .server_hostname = host});
      slot = std::move(made);
      break;
    }
    case api_op::new_connection: {
      auto& slot = conn_slot();
      sslpp::Connection made(ctx());
      switch (in.byte() % 3) {
        case 0:
          made.set_connect_state();
          break;
        case 1:
          made.set_accept_state();
          break;
        default:
          break;
      }
      slot = std::move(made);
      break;
    }
    case api_op::move_connection: {
      auto& from = conn_slot();
      auto& to = conn_slot();
      if (from && &from != &to) {
        to = std::move(from);
        from.reset();  // a moved-from Connection may only be destroyed or assigned to
      }
      break;
    }
    default:
      if (op >= api_op::set_groups) {
        run_modern_op(op);
      } else {
        run_connection_op(op);
      }
      break;
  }
}

}  // namespace sslpp_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sslpp_fuzz;
  begin_input();
  input in(data, size);
  machine m{{}, {}, {}, in};
  expect_typed([&] {
    m.contexts[0].emplace(default_client());
    m.contexts[1].emplace(default_server());
  });
  for (int steps = 0; steps < 512 && !in.empty(); ++steps) {
    const auto op = static_cast<api_op>(in.byte() % static_cast<int>(api_op::count));
    expect_typed([&] { m.run(op); });
  }
  return 0;
}
