// Seeds for the connection targets: real exchanges between the harness's own
// client and server, recorded byte for byte (client_handshake,
// server_handshake), and record-level programs (records).
#include <optional>
#include <string>
#include <vector>

#include "corpus/seeds.hpp"
#include "support/deterministic.hpp"
#include "support/exchange.hpp"
#include "support/records_ops.hpp"
#include "support/world.hpp"

namespace sslpp_fuzz::corpus {
namespace {

struct scenario {
  std::string name;
  client_config client;
  server_config server;
  features extras{};
};

// The exchanges recorded: both versions, with and without client
// certificates, ALPN through a list and a callback, both SNI callbacks and
// the certificate switch, resumption, post-handshake auth, verification off.
std::vector<scenario> scenarios() {
  const client_config tls13{.verify = true, .max_version = 2};
  const client_config tls12{.verify = true, .max_version = 1};
  std::vector<scenario> list;
  for (const auto& [label, base] : {std::pair{"tls13", tls13}, std::pair{"tls12", tls12}}) {
    const std::string v = label;
    client_config with_cert = base;
    with_cert.client_cert = true;
    client_config alpn = base;
    alpn.alpn = true;
    client_config other = base;
    other.other_name = true;
    client_config resume = base;
    resume.resume = true;
    client_config unverified = base;
    unverified.verify = false;
    client_config anonymous = unverified;
    anonymous.other_name = true;  // no server_hostname at all
    list.push_back({v + "_basic", base, {}});
    list.push_back({v + "_client_cert_required", with_cert, {.client_auth = 2}});
    list.push_back({v + "_client_cert_optional", with_cert, {.client_auth = 1}});
    list.push_back({v + "_no_client_cert_optional", base, {.client_auth = 1}});
    list.push_back({v + "_alpn_list", alpn, {}});
    list.push_back({v + "_alpn_callback", alpn, {.alpn_callback = true}});
    list.push_back({v + "_sni_switch_python", other, {}});
    list.push_back({v + "_sni_switch_pyopenssl", other, {.python_sni = false}});
    list.push_back({v + "_resume", resume, {}});
    list.push_back({v + "_resume_no_ticket", resume, {.no_ticket = true}});
    list.push_back({v + "_unverified", unverified, {}});
    list.push_back({v + "_anonymous", anonymous, {.keep_buffers = true}});
  }
  client_config pha = tls13;
  pha.client_cert = true;
  pha.post_handshake_auth = true;
  list.push_back({"tls13_post_handshake_auth", pha, {.client_auth = 3}});
  list.push_back({"any_version", client_config{}, {}});
  // Issue 13: pre-shared keys (both versions; a key the server does not
  // know) and OCSP stapling (checked, through the callbacks, missing).
  const features psk{.client_psk = true, .server_psk = true};
  const features unknown_psk{.client_psk = true};
  const features stapled{.ocsp_check = true, .staple = true};
  const features stapled_callbacks{.ocsp_check = true, .staple = true, .ocsp_callbacks = true};
  const features staple_required_missing{.ocsp_check = true, .ocsp_required = true};
  list.push_back({"tls13_psk", tls13, {}, psk});
  list.push_back({"tls12_psk", tls12, {}, psk});
  list.push_back({"tls13_psk_unknown", tls13, {}, unknown_psk});
  list.push_back({"tls13_ocsp", tls13, {}, stapled});
  list.push_back({"tls12_ocsp", tls12, {}, stapled});
  list.push_back({"tls13_ocsp_callbacks", tls13, {}, stapled_callbacks});
  list.push_back({"tls12_ocsp_required_missing", tls12, {}, staple_required_missing});
  client_config resume13 = tls13;
  resume13.resume = true;
  list.push_back({"tls13_early_data", resume13, {}, features{.early_data = true}});
  return list;
}

struct recording {
  transcript log;
  bool complete = false;
};

// record runs a scenario exactly as the targets set it up.
recording record(const scenario& s) {
  begin_input();
  const world w(s.client, s.server, s.extras);
  const std::optional<sslpp::Session> session = s.client.resume ? resumable_session(w) : std::nullopt;
  reset();
  connection_pair p = make_connection_pair(w, session);
  recording r;
  r.complete = converse(p, &r.log);
  return r;
}

std::string name(const recording& r, const std::string& base, const std::string& suffix) {
  return (r.complete ? "ok_" : "failed_") + base + suffix;
}

}  // namespace

seeds client_handshake_seeds() {
  seeds out;
  for (const scenario& s : scenarios()) {
    const recording r = record(s);
    const auto head = bytes().b(s.client.to_byte()).b(s.server.to_byte()).b(s.extras.to_byte());
    out.push_back({name(r, s.name, ""), bytes(head).b(0).s(r.log.server_to_client).str()});
    out.push_back({name(r, s.name, "_chunked"), bytes(head).b(5).s(r.log.server_to_client).str()});
  }
  return out;
}

seeds server_handshake_seeds() {
  seeds out;
  for (const scenario& s : scenarios()) {
    if (s.client.resume && s.server.no_ticket) {
      continue;  // resumes from the recording server's session cache, which a fresh server lacks
    }
    const recording r = record(s);
    const auto head = bytes().b(s.server.to_byte()).b(s.extras.to_byte());
    out.push_back({name(r, s.name, ""), bytes(head).b(0).s(r.log.client_to_server).str()});
    out.push_back({name(r, s.name, "_chunked"), bytes(head).b(3).s(r.log.client_to_server).str()});
  }
  return out;
}

seeds records_seeds() {
  using op = records_op;
  constexpr int client = 0;
  constexpr int server = 1;
  const auto exchange = [&](bytes& p) {
    p.b(op_byte(op::write, client)).b(2).b(op_byte(op::deliver_all, client)).b(op_byte(op::read, server));
    p.b(op_byte(op::write, server)).b(3).b(op_byte(op::deliver_all, server)).b(op_byte(op::read, client));
  };
  struct program {
    std::string name;
    bytes code;
  };
  std::vector<program> programs;
  {
    bytes p;
    exchange(p);
    p.b(op_byte(op::shutdown, client)).b(op_byte(op::deliver_all, client)).b(op_byte(op::read, server));
    p.b(op_byte(op::shutdown, server)).b(op_byte(op::deliver_all, server)).b(op_byte(op::shutdown, client));
    programs.push_back({"exchange_and_close", p});
  }
  {
    bytes p;
    p.b(op_byte(op::write, client)).b(4).b(op_byte(op::deliver, client)).b(0).b(40);
    p.b(op_byte(op::eof, server)).b(op_byte(op::read, server)).b(op_byte(op::throwing_read, server));
    programs.push_back({"truncated_record", p});
  }
  {
    bytes p;
    p.b(op_byte(op::write, client)).b(1).b(op_byte(op::deliver_all, client)).b(op_byte(op::read, server));
    p.b(op_byte(op::replay, server)).u16(0).b(30).b(op_byte(op::read, server));
    programs.push_back({"replayed_record", p});
  }
  {
    bytes p;
    p.b(op_byte(op::write, client)).b(1).b(op_byte(op::drop, client)).b(1).b(0);
    p.b(op_byte(op::write, client)).b(1).b(op_byte(op::deliver_all, client)).b(op_byte(op::read, server));
    programs.push_back({"dropped_record", p});
  }
  {
    bytes p;
    p.b(op_byte(op::inject, server)).text(std::string("\x17\x03\x03\x00\x10", 5) + "0123456789abcdef");
    p.b(op_byte(op::read, server)).b(op_byte(op::inject, client)).text("\x15\x03\x03\x00\x02\x02\x28");
    p.b(op_byte(op::read, client)).b(op_byte(op::inspect, client));
    programs.push_back({"injected", p});
  }
  {
    bytes p;
    p.b(op_byte(op::limits, server)).b(1).b(1);
    exchange(p);
    p.b(op_byte(op::inspect, server)).b(op_byte(op::unwrap, client)).b(op_byte(op::deliver_all, client));
    p.b(op_byte(op::read, server));
    programs.push_back({"limits_unwrap", p});
  }
  {
    bytes p;
    p.b(op_byte(op::renegotiate, client)).b(op_byte(op::handshake, client));
    for (int i = 0; i < 4; ++i) {
      p.b(op_byte(op::deliver_all, client)).b(op_byte(op::read, server)).b(op_byte(op::deliver_all, server));
      p.b(op_byte(op::read, client));
    }
    programs.push_back({"renegotiate", p});
  }
  {
    bytes p;
    p.b(op_byte(op::post_handshake_auth, server)).b(op_byte(op::write, server)).b(0);
    for (int i = 0; i < 3; ++i) {
      p.b(op_byte(op::deliver_all, server)).b(op_byte(op::read, client)).b(op_byte(op::deliver_all, client));
      p.b(op_byte(op::read, server));
    }
    programs.push_back({"post_handshake_auth", p});
  }
  const std::vector<std::pair<std::string, records_config>> configs{
      {"tls13", {.version = 2}},
      {"tls12", {.version = 1}},
      {"tls13_client_cert", {.version = 2, .client_cert = true, .keep_buffers = true}},
      {"tls13_pha", {.version = 2, .client_cert = true, .post_handshake_auth = true}},
      {"tls12_client_cert", {.version = 1, .client_cert = true}},
  };
  seeds out;
  for (const auto& [config_name, cfg] : configs) {
    for (const program& prog : programs) {
      // Every program establishes the pair first: all are recorded exchanges.
      out.push_back({"ok_" + config_name + "_" + prog.name, bytes().b(cfg.to_byte()).s(prog.code.str()).str()});
    }
  }
  return out;
}

}  // namespace sslpp_fuzz::corpus
