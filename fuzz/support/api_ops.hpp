// The api_sequence target's instruction set, shared with the corpus
// generator that writes programs in it. Each instruction is one byte (the
// op, modulo count) followed by its arguments; "ctx" and "conn" arguments
// are one byte each, taken modulo the pool sizes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sslpp_fuzz {

inline constexpr std::size_t context_slots = 3;
inline constexpr std::size_t connection_slots = 4;

enum class api_op : std::uint8_t {
  new_context,         // ctx, protocol: Context(protocol) into the slot
  share_context,       // ctx, ctx: the second slot becomes share() of the first
  move_context,        // ctx, ctx: move-assign (leaves the source moved-from)
  set_verify_mode,     // ctx, mode
  set_check_hostname,  // ctx, bool
  set_verify_flags,    // ctx, flags byte
  set_verify,          // ctx, peer bits, callback kind (none, accept, reject, throw)
  set_verify_depth,    // ctx, depth (signed byte)
  load_ca,             // ctx, which (root PEM, root DER, text from input)
  load_credential,     // ctx, which (server, other, client): use_certificate + use_privatekey
  check_privatekey,    // ctx
  set_options,         // ctx, 8 bytes
  clear_options,       // ctx, 8 bytes
  set_min_version,     // ctx, version index
  set_max_version,     // ctx, version index
  set_ciphers,         // ctx, text
  set_ciphersuites,    // ctx, text
  set_alpn_protocols,  // ctx, count, texts
  set_release_buffers, // ctx, bool
  set_info_callback,   // ctx, kind
  set_sni_callback,    // ctx, kind (python: switch, alert, throw; pyOpenSSL: switch, throw; none)
  set_alpn_select,     // ctx, kind
  set_post_handshake_auth,  // ctx, bool
  set_session_id,      // ctx, bytes
  set_timeout,         // ctx, u16 seconds
  set_num_tickets,     // ctx, count
  set_ticket_keys,     // ctx, bytes
  set_ecdh_curve,      // ctx, text
  context_getters,     // ctx
  wrap_bio,            // conn, ctx, server?, hostname kind, [text]
  new_connection,      // conn, ctx, role (none, connect, accept)
  move_connection,     // conn, conn
  set_server_hostname, // conn, text, pyOpenSSL spelling?
  handshake,           // conn, throwing?
  transfer,            // conn, conn, limit u16 (0: all)
  read,                // conn, throwing?
  write,               // conn, len
  shutdown,            // conn, form (status, throwing, unwrap)
  bio_write,           // conn, bytes
  bio_shutdown,        // conn
  transport_limits,    // conn, in, out
  connection_getters,  // conn
  session_transfer,    // conn, conn: set_session(from.session())
  renegotiate,         // conn, also verify_client_post_handshake
  set_context,         // conn, ctx
  shutdown_bits,       // conn, bits: set_shutdown
  in_place_io,         // conn, conn, n: input_space/commit_input, peek/consume
  export_keying,       // conn, len, label text
  // Issue 13's additions (api_sequence_modern.cpp); appended, so programs
  // written before them keep their meaning.
  set_groups,          // ctx, text
  set_sigalgs,         // ctx, client side?, text
  set_keylog_callback, // ctx, kind (none, record, throw)
  server_conveniences, // ctx, dh_auto?, ALPN mismatch alert?
  set_session_cache_mode,  // ctx, byte
  modern_getters,      // ctx, include aliases?: get_groups, security_level, get_sigalgs
  connection_verify,   // conn, peer bits, callback kind (as set_verify)
  connection_credential,  // conn, which (server, other, client), key first?
  connection_alpn,     // conn, count, texts
  // Issue 14's (api_sequence_modern.cpp), appended likewise.
  set_buffer_policy,   // ctx, policy (adaptive, per record, keep)
  coalescing,          // conn, form (on, off, flush status, flush throwing, release_buffers, coalesced)
  count,
};

}  // namespace sslpp_fuzz
