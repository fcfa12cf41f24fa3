// api_sequence's ops on connections (see api_sequence.cpp).
#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "support/expect.hpp"
#include "support/getters.hpp"
#include "targets/api_sequence_machine.hpp"

namespace sslpp_fuzz {

// run_connection_op runs the ops on connections. An op on an empty slot
// does nothing: a moved-from Connection may only be destroyed or assigned.
void machine::run_connection_op(api_op op) {
  auto& slot = conn_slot();
  if (!slot) {
    return;
  }
  sslpp::Connection& c = *slot;
  std::error_code ec;
  std::array<std::byte, 16384> buf{};
  switch (op) {
    case api_op::set_server_hostname: {
      const std::string_view name = in.text();
      if (boolean()) {
        c.set_tlsext_host_name(name);
      } else {
        c.set_server_hostname(name);
      }
      break;
    }
    case api_op::handshake:
      if (boolean()) {
        c.do_handshake();
      } else {
        (void)c.do_handshake(ec);
      }
      break;
    case api_op::transfer: {
      auto& to = conn_slot();
      const std::size_t limit = in.u16();
      if (to && &*to != &c) {
        const std::span<const std::byte> out = c.peek_output();
        const std::size_t n = limit == 0 ? out.size() : std::min<std::size_t>(limit, out.size());
        const std::size_t taken = to->bio_write(out.first(n));
        c.consume_output(taken);
      }
      break;
    }
    case api_op::read:
      if (boolean()) {
        (void)c.read(std::size_t{in.byte()} * 64);
      } else {
        (void)c.read(buf, ec);
      }
      break;
    case api_op::write: {
      const std::size_t n = std::size_t{in.byte()} * 64;
      if (boolean()) {
        (void)c.write(std::span(buf).first(n));
      } else {
        const std::array<std::span<const std::byte>, 2> parts{std::span(buf).first(n / 2),
                                                              std::span(buf).subspan(n / 2, n - n / 2)};
        (void)c.write(parts, ec);
      }
      break;
    }
    case api_op::shutdown:
      switch (in.byte() % 3) {
        case 0:
          (void)c.shutdown(ec);
          break;
        case 1:
          (void)c.shutdown();
          break;
        default:
          c.unwrap();
          break;
      }
      break;
    case api_op::bio_write:
      (void)c.bio_write(in.chunk());
      break;
    case api_op::bio_shutdown:
      c.bio_shutdown();
      break;
    case api_op::transport_limits:
      c.set_transport_limits({.input = std::size_t{in.byte()} * 256, .output = std::size_t{in.byte()} * 256});
      break;
    case api_op::connection_getters:
      call_getters(c);
      (void)c.take_callback_exception();
      (void)c.is_handshake_done();
      (void)c.server_side();
      (void)c.total_renegotiations();
      expect_typed([&] { (void)c.get_context().options(); });
      break;
    case api_op::session_transfer: {
      auto& to = conn_slot();
      if (const std::optional<sslpp::Session> s = c.session(); s && to) {
        to->set_session(*s);
      }
      break;
    }
    case api_op::renegotiate:
      if (boolean()) {
        c.renegotiate();
      } else {
        c.verify_client_post_handshake();
      }
      break;
    case api_op::set_context:
      c.set_context(ctx());
      break;
    case api_op::shutdown_bits:
      c.set_shutdown(static_cast<sslpp::ShutdownState>(in.byte() & 3));
      break;
    case api_op::in_place_io: {
      auto& to = conn_slot();
      const std::size_t n = in.u16();
      if (to && &*to != &c) {
        const std::span<const std::byte> out = c.peek_output();
        const std::span<std::byte> room = to->input_space(std::min(n, out.size()));
        std::copy_n(out.begin(), room.size(), room.begin());
        to->commit_input(room.size());
        c.consume_output(room.size());
      }
      break;
    }
    case api_op::export_keying: {
      const std::size_t len = in.byte();
      const std::string_view label = in.text();
      (void)c.export_keying_material(label, len, boolean() ? std::optional(in.chunk()) : std::nullopt);
      break;
    }
    default:
      break;
  }
}

}  // namespace sslpp_fuzz
