// api_sequence's ops for issue 13's settings and getters (see
// api_sequence.cpp): groups, signature algorithms, the key log callback,
// the server conveniences, the session cache mode, and a connection's own
// verify mode, credentials and ALPN list.
#include <array>
#include <string>
#include <vector>

#include "support/expect.hpp"
#include "support/pki.hpp"
#include "targets/api_sequence_machine.hpp"

namespace sslpp_fuzz {

sslpp::VerifyCallback verify_callback(std::uint8_t kind) {
  switch (kind % 4) {
    case 0:
      return {};
    case 1:
      return [](sslpp::Connection&, const sslpp::Certificate& cert, int, int, bool) {
        (void)cert.decode();
        return true;
      };
    case 2:
      return [](sslpp::Connection&, const sslpp::Certificate&, int, int, bool ok) { return ok; };
    default:
      return [](sslpp::Connection&, const sslpp::Certificate&, int, int, bool) -> bool { throw planned_exception{}; };
  }
}

void machine::run_modern_op(api_op op) {
  switch (op) {
    case api_op::set_groups:
      ctx().set_groups(in.text());
      break;
    case api_op::set_sigalgs: {
      sslpp::Context& c = ctx();
      if (boolean()) {
        c.set_client_sigalgs(in.text());
      } else {
        c.set_server_sigalgs(in.text());
      }
      break;
    }
    case api_op::set_keylog_callback: {
      sslpp::Context& c = ctx();
      switch (in.byte() % 3) {
        case 0:
          c.set_keylog_callback({});
          break;
        case 1:
          c.set_keylog_callback([](sslpp::Connection& conn, std::string_view line) {
            (void)conn.server_side();
            (void)line.size();
          });
          break;
        default:
          c.set_keylog_callback([](sslpp::Connection&, std::string_view) { throw planned_exception{}; });
          break;
      }
      break;
    }
    case api_op::server_conveniences: {
      sslpp::Context& c = ctx();
      c.set_dh_auto(boolean());
      c.set_alpn_no_overlap_alert(boolean());
      break;
    }
    case api_op::set_session_cache_mode: {
      sslpp::Context& c = ctx();
      (void)c.set_session_cache_mode(static_cast<sslpp::SessionCacheMode>(in.byte() & 0x3f) |
                                     static_cast<sslpp::SessionCacheMode>((in.byte() & 0x07) << 7));
      break;
    }
    case api_op::set_buffer_policy: {
      sslpp::Context& c = ctx();
      c.set_buffer_policy(static_cast<sslpp::BufferPolicy>(in.byte() % 3));
      (void)c.buffer_policy();
      break;
    }
    case api_op::modern_getters: {
      const sslpp::Context& c = ctx();
      expect_typed([&] { (void)c.get_groups(boolean()); });
      expect_typed([&] { (void)c.security_level(); });
      expect_typed([&] { (void)c.dh_auto(); });
      expect_typed([&] { (void)c.alpn_no_overlap_alert(); });
      expect_typed([&] { (void)c.get_session_cache_mode(); });
      expect_typed([&] { (void)sslpp::get_sigalgs(); });
      break;
    }
    default: {
      // The ops on one of the machine's connections.
      auto& slot = conn_slot();
      if (!slot) {
        return;  // a moved-from Connection may only be destroyed or assigned
      }
      sslpp::Connection& c = *slot;
      switch (op) {
        case api_op::connection_verify: {
          const auto peer = static_cast<sslpp::VerifyPeer>(in.byte() & 0x1f);
          c.set_verify(peer, verify_callback(in.byte()));
          break;
        }
        case api_op::connection_credential: {
          const test_pki& pki = the_pki();
          const std::array creds{&pki.server, &pki.other_server, &pki.client};
          const credential& cred = *creds[in.byte() % creds.size()];
          if (boolean()) {
            c.use_privatekey(cred.key);
            c.use_certificate(cred.certificate);
          } else {
            c.use_certificate(cred.certificate);
            c.use_privatekey(cred.key);
          }
          break;
        }
        case api_op::connection_alpn: {
          std::vector<std::string> protocols(in.byte() % 4);
          for (std::string& p : protocols) {
            p = in.text();
          }
          c.set_alpn_protocols(protocols);
          break;
        }
        case api_op::coalescing: {
          std::error_code ec;
          switch (in.byte() % 6) {
            case 0:
              c.set_coalescing(true);
              break;
            case 1:
              c.set_coalescing(false);
              break;
            case 2:
              (void)c.flush(ec);
              break;
            case 3:
              c.flush();
              break;
            case 4:
              c.release_buffers();
              break;
            default:
              (void)c.coalesced();
              (void)c.coalescing();
              break;
          }
          break;
        }
        default:
          break;
      }
      break;
    }
  }
}

}  // namespace sslpp_fuzz
