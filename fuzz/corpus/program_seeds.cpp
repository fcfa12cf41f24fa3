// Seeds for the text targets (match_hostname, cert_time) and programs for
// api_sequence.
#include <string>
#include <vector>

#include "corpus/seeds.hpp"
#include "support/api_ops.hpp"

namespace sslpp_fuzz::corpus {

seeds match_hostname_seeds() {
  // Line 1 is the host; then entries, first byte '0' DNS, '1' IP Address,
  // '2' email, '3' URI, '4' DirName, '5' othername, '6' commonName, '7' O+CN.
  const std::vector<std::pair<std::string, std::string>> cases{
      {"dns_exact", "localhost\n0localhost"},
      {"dns_wildcard", "www.example.com\n0*.example.com"},
      {"dns_wildcard_two_labels", "a.b.example.com\n0*.example.com"},
      {"dns_partial_wildcard", "www.example.com\n0w*.example.com"},
      {"dns_two_wildcards", "www.example.com\n0*.*.com"},
      {"dns_trailing_dot", "example.com.\n0example.com"},
      {"dns_case", "EXAMPLE.com\n0example.COM"},
      {"dns_idna", "xn--knig-5qa.example\n0xn--knig-5qa.example"},
      {"dns_u_label", "k\xc3\xb6nig.example\n0xn--knig-5qa.example"},
      {"ipv4", "127.0.0.1\n1127.0.0.1"},
      {"ipv4_short_form", "127.1\n1127.0.0.1"},
      {"ipv4_bad_entry", "127.0.0.1\n1127.1"},
      {"ipv6", "::1\n10:0:0:0:0:0:0:1"},
      {"ip_vs_dns", "127.0.0.1\n0127.0.0.1"},
      {"common_name", "example.com\n6example.com"},
      {"common_name_ignored", "example.com\n0other.com\n6example.com"},
      {"multi_rdn", "example.com\n7example.com"},
      {"many_entries", "x.example\n0a.example\n0b.example\n2me@x.example\n3https://x.example/\n1192.0.2.1"},
      {"nul_byte", std::string("a.example\0.evil\n0a.example", sizeof("a.example\0.evil\n0a.example") - 1)},
      {"empty_host", "\n0example.com"},
      {"dirname", "example.com\n4CN=example.com"},
  };
  seeds out;
  for (const auto& [name, text] : cases) {
    out.push_back({name, text});
  }
  return out;
}

seeds cert_time_seeds() {
  return {
      {"python_doc", "Jan  5 09:34:43 2018 GMT"},
      {"one_digit_day", "May 9 00:00:00 2007 GMT"},
      {"lower_case", "jan 05 09:34:43 2018 gmt"},
      {"leap_second", "Dec 31 23:59:60 2016 GMT"},
      {"second_61", "Dec 31 23:59:61 9999 GMT"},
      {"feb_30", "Feb 30 00:00:00 2019 GMT"},
      {"year_1", "Jan  1 00:00:00 0001 GMT"},
      {"tabs", "Jan\t5\t09:34:43\t2018\tGMT"},
      {"arabic_digits", "Jan \xd9\xa5 09:34:43 2018 GMT"},
      {"trailing", "Jan  5 09:34:43 2018 GMT "},
      {"bad_month", "Foo  5 09:34:43 2018 GMT"},
      {"five_digit_year", "Jan  5 09:34:43 20180 GMT"},
  };
}

namespace {

class program {
 public:
  program& op(api_op o) {
    code_.b(static_cast<int>(o));
    return *this;
  }
  program& b(int v) {
    code_.b(v);
    return *this;
  }
  program& text(std::string_view v) {
    code_.text(v);
    return *this;
  }
  // handshake_pair: client in conn 0 from ctx 0, server in conn 1 from ctx 1,
  // then enough handshake steps and transfers to finish.
  program& handshake_pair() { return client_and_server().handshake_steps(); }
  program& client_and_server() {
    op(api_op::wrap_bio).b(0).b(0).b(0).b(0);  // conn 0, ctx 0, client, "localhost"
    op(api_op::wrap_bio).b(1).b(1).b(1).b(2);  // conn 1, ctx 1, server, no name
    return *this;
  }
  // handshake_steps: enough handshake steps and transfers between conn 0
  // and conn 1 to finish.
  program& handshake_steps() {
    for (int i = 0; i < 4; ++i) {
      op(api_op::handshake).b(0).b(0).op(api_op::transfer).b(0).b(1).b(0).b(0);
      op(api_op::handshake).b(1).b(0).op(api_op::transfer).b(1).b(0).b(0).b(0);
    }
    return *this;
  }
  program& exchange() {
    op(api_op::write).b(0).b(2).b(0).op(api_op::transfer).b(0).b(1).b(0).b(0).op(api_op::read).b(1).b(0);
    op(api_op::write).b(1).b(1).b(1).op(api_op::transfer).b(1).b(0).b(0).b(0).op(api_op::read).b(0).b(1).b(4);
    return *this;
  }
  program& close() {
    op(api_op::shutdown).b(0).b(0).op(api_op::transfer).b(0).b(1).b(0).b(0).op(api_op::read).b(1).b(0);
    op(api_op::shutdown).b(1).b(1).op(api_op::transfer).b(1).b(0).b(0).b(0).op(api_op::shutdown).b(0).b(2);
    return *this;
  }
  [[nodiscard]] std::string str() const { return code_.str(); }

 private:
  bytes code_;
};

}  // namespace

seeds api_sequence_seeds() {
  seeds out;
  out.push_back({"handshake", program().handshake_pair().exchange().close().str()});
  out.push_back({"getters", program()
                                .op(api_op::context_getters).b(0).op(api_op::context_getters).b(1)
                                .handshake_pair().op(api_op::connection_getters).b(0)
                                .op(api_op::connection_getters).b(1).op(api_op::export_keying).b(0).b(32)
                                .text("EXPORTER-test").b(1).text("ctx").str()});
  out.push_back({"callbacks", program()
                                  .op(api_op::set_alpn_protocols).b(0).b(2).text("h2").text("http/1.1")
                                  .op(api_op::set_alpn_select).b(1).b(0)
                                  .op(api_op::set_sni_callback).b(1).b(1).b(1)
                                  .op(api_op::set_info_callback).b(0).b(1)
                                  .op(api_op::set_verify).b(0).b(1).b(1)
                                  .handshake_pair().exchange().str()});
  out.push_back({"throwing_callbacks", program()
                                           .op(api_op::set_sni_callback).b(1).b(3).b(1)
                                           .op(api_op::set_info_callback).b(0).b(2)
                                           .handshake_pair().op(api_op::connection_getters).b(1).str()});
  out.push_back({"modern", program()
                               .op(api_op::set_groups).b(0).text("x25519:secp384r1")
                               .op(api_op::set_sigalgs).b(1).b(0).text("ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256")
                               .op(api_op::set_keylog_callback).b(0).b(1)
                               .op(api_op::server_conveniences).b(1).b(1).b(1)
                               .op(api_op::modern_getters).b(0).b(1)
                               .client_and_server()
                               .op(api_op::connection_alpn).b(0).b(1).text("h2")
                               .op(api_op::connection_verify).b(1).b(0).b(2)
                               .handshake_steps().op(api_op::connection_getters).b(0).exchange().str()});
  out.push_back({"coalescing", program()
                                   .op(api_op::set_buffer_policy).b(0).b(0)
                                   .handshake_pair()
                                   .op(api_op::coalescing).b(0).b(0)  // conn 0: on
                                   .op(api_op::write).b(0).b(1).b(0)
                                   .op(api_op::write).b(0).b(1).b(0)
                                   .op(api_op::coalescing).b(0).b(5)
                                   .op(api_op::coalescing).b(0).b(2)  // flush
                                   .op(api_op::transfer).b(0).b(1).b(0).b(0)
                                   .op(api_op::coalescing).b(1).b(4)  // conn 1: release_buffers
                                   .op(api_op::read).b(1).b(0)
                                   .op(api_op::write).b(0).b(3).b(0)
                                   .exchange().close().str()});
  out.push_back({"ciphers", program()
                                .op(api_op::set_ciphers).b(1).text("ECDHE+AESGCM:!aNULL")
                                .op(api_op::set_ciphersuites).b(1).text("TLS_CHACHA20_POLY1305_SHA256")
                                .op(api_op::set_max_version).b(0).b(5)
                                .op(api_op::set_ecdh_curve).b(1).text("X25519")
                                .handshake_pair().exchange().str()});
  out.push_back({"bad_settings", program()
                                     .op(api_op::set_ciphers).b(0).text("NOTHING")
                                     .op(api_op::set_min_version).b(0).b(2)
                                     .op(api_op::set_verify_mode).b(0).b(0)
                                     .op(api_op::set_session_id).b(1).text(std::string(40, 'x'))
                                     .op(api_op::set_ticket_keys).b(1).text("short")
                                     .op(api_op::set_timeout).b(1).b(0).b(0)
                                     .op(api_op::new_context).b(2).b(3).str()});
  out.push_back({"moves_and_shares", program()
                                         .op(api_op::share_context).b(0).b(2)
                                         .op(api_op::wrap_bio).b(0).b(2).b(0).b(0)
                                         .op(api_op::move_context).b(0).b(2)
                                         .op(api_op::wrap_bio).b(1).b(1).b(1).b(2)
                                         .op(api_op::move_connection).b(0).b(3)
                                         .op(api_op::handshake).b(3).b(0).op(api_op::transfer).b(3).b(1).b(0).b(0)
                                         .op(api_op::context_getters).b(0).str()});
  out.push_back({"resumption", program()
                                   .handshake_pair().exchange().close()
                                   .op(api_op::wrap_bio).b(2).b(0).b(0).b(0)
                                   .op(api_op::session_transfer).b(0).b(2)
                                   .op(api_op::wrap_bio).b(3).b(1).b(1).b(2)
                                   .op(api_op::handshake).b(2).b(0).op(api_op::transfer).b(2).b(3).b(0).b(0)
                                   .op(api_op::handshake).b(3).b(0).op(api_op::transfer).b(3).b(2).b(0).b(0)
                                   .op(api_op::handshake).b(2).b(0).op(api_op::connection_getters).b(2).str()});
  out.push_back({"in_place_and_limits", program()
                                            .op(api_op::transport_limits).b(0).b(1).b(1)
                                            .op(api_op::wrap_bio).b(0).b(0).b(0).b(0)
                                            .op(api_op::wrap_bio).b(1).b(1).b(1).b(2)
                                            .op(api_op::handshake).b(0).b(0)
                                            .op(api_op::in_place_io).b(0).b(1).b(1).b(0)
                                            .op(api_op::handshake).b(1).b(1)
                                            .op(api_op::bio_write).b(1).text("GET / HTTP/1.1\r\n\r\n")
                                            .op(api_op::bio_shutdown).b(1).op(api_op::handshake).b(1).b(0).str()});
  out.push_back({"renegotiate_pha", program()
                                        .op(api_op::set_max_version).b(0).b(5)
                                        .op(api_op::set_post_handshake_auth).b(0).b(1)
                                        .handshake_pair().op(api_op::renegotiate).b(0).b(1)
                                        .op(api_op::renegotiate).b(1).b(0).exchange().str()});
  return out;
}

}  // namespace sslpp_fuzz::corpus
