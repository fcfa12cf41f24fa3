#include "getters.hpp"

#include <array>
#include <span>

#include "exchange.hpp"
#include "expect.hpp"

namespace sslpp_fuzz {

void exercise_established(endpoint& e) {
  const stream_scope scope(e.rng);
  sslpp::Connection& c = e.conn;
  call_getters(c);
  std::error_code ec;
  std::array<std::byte, 4096> buf{};
  for (int i = 0; i < max_rounds; ++i) {
    if (!c.read(buf, ec).ok()) {
      break;
    }
  }
  (void)c.write(std::as_bytes(std::span(c.server_side() ? greeting : answer)), ec);
  (void)c.shutdown(ec);
  c.bio_shutdown();
  (void)c.read(buf, ec);
}

void call_getters(const sslpp::Connection& c) {
  (void)c.pending();
  (void)c.want_read();
  (void)c.want_write();
  (void)c.get_shutdown();
  (void)c.bio_pending();
  expect_typed([&] { (void)c.server_hostname(); });
  expect_typed([&] { (void)c.version(); });
  expect_typed([&] { (void)c.cipher(); });
  expect_typed([&] { (void)c.shared_ciphers(); });
  expect_typed([&] { (void)c.compression(); });
  expect_typed([&] { (void)c.selected_alpn_protocol(); });
  expect_typed([&] {
    if (const auto info = c.getpeercert()) {
      (void)info->to_json();
    }
  });
  expect_typed([&] { (void)c.getpeercert_der(); });
  expect_typed([&] {
    if (const auto cert = c.get_peer_certificate()) {
      (void)cert->decode().to_json();
      (void)cert->version();
      (void)cert->subject_name();
    }
  });
  expect_typed([&] {
    for (const sslpp::Certificate& cert : c.get_peer_cert_chain()) {
      (void)cert.decode();
    }
  });
  expect_typed([&] { (void)c.get_channel_binding(); });
  expect_typed([&] { (void)c.get_channel_binding("tls-exporter"); });
  expect_typed([&] { (void)c.protocol_version(); });
  expect_typed([&] { (void)c.group(); });
  expect_typed([&] { (void)c.client_sigalg(); });
  expect_typed([&] { (void)c.server_sigalg(); });
  expect_typed([&] {
    for (const sslpp::Certificate& cert : c.get_verified_chain()) {
      (void)cert.der();
    }
  });
  expect_typed([&] {
    for (const sslpp::Certificate& cert : c.get_unverified_chain()) {
      (void)cert.decode();
    }
  });
  expect_typed([&] { (void)c.get_certificate(); });
  expect_typed([&] { (void)c.get_verify_mode(); });
  expect_typed([&] { (void)c.get_alpn_proto_negotiated(); });
  expect_typed([&] { (void)c.get_protocol_version_name(); });
  expect_typed([&] {
    if (const auto s = c.session()) {
      (void)s->id();
      (void)s->has_ticket();
      (void)s->is_resumable();
    }
  });
  expect_typed([&] { (void)c.session_reused(); });
  expect_typed([&] { (void)c.verify_result(); });
  expect_typed([&] { (void)c.state_string(); });
  expect_typed([&] { (void)c.client_random(); });
  expect_typed([&] { (void)c.server_random(); });
  expect_typed([&] { (void)c.master_key(); });
  expect_typed([&] { (void)c.get_finished(); });
  expect_typed([&] { (void)c.get_peer_finished(); });
  expect_typed([&] { (void)c.export_keying_material("EXPORTER-sslpp-fuzz", 32); });
  expect_typed([&] { (void)c.get_cipher_list(); });
  expect_typed([&] { (void)c.get_servername(); });
  expect_typed([&] { (void)c.get_client_ca_list(); });
  expect_typed([&] { (void)c.last_error(); });
}


}  // namespace sslpp_fuzz
