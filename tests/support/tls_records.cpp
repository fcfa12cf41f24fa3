#include "support/tls_records.hpp"

namespace sslpp::test::tls {

Bytes u8(unsigned v) { return {static_cast<std::byte>(v & 0xFF)}; }
Bytes u16(unsigned v) { return {static_cast<std::byte>((v >> 8) & 0xFF), static_cast<std::byte>(v & 0xFF)}; }
Bytes u24(unsigned v) {
  return {static_cast<std::byte>((v >> 16) & 0xFF), static_cast<std::byte>((v >> 8) & 0xFF),
          static_cast<std::byte>(v & 0xFF)};
}

Bytes cat(std::initializer_list<std::span<const std::byte>> parts) {
  Bytes out;
  for (const auto p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

Bytes vec8(std::span<const std::byte> body) { return cat({u8(static_cast<unsigned>(body.size())), body}); }
Bytes vec16(std::span<const std::byte> body) { return cat({u16(static_cast<unsigned>(body.size())), body}); }

Bytes text(std::string_view s) {
  const auto b = std::as_bytes(std::span(s));
  return {b.begin(), b.end()};
}

Bytes record(unsigned type, unsigned version, std::span<const std::byte> body) {
  return cat({u8(type), u16(version), u16(static_cast<unsigned>(body.size())), body});
}

Bytes handshake(unsigned msg_type, std::span<const std::byte> body) {
  return cat({u8(msg_type), u24(static_cast<unsigned>(body.size())), body});
}

Bytes alert(unsigned level, unsigned description, unsigned version) {
  return record(kAlert, version, cat({u8(level), u8(description)}));
}

Bytes extension(unsigned type, std::span<const std::byte> body) { return cat({u16(type), vec16(body)}); }

Bytes ext_server_name(std::string_view host) {
  // server_name (0): a list of one host_name (type 0) entry.
  const Bytes entry = cat({u8(0), vec16(text(host))});
  return extension(0x0000, vec16(entry));
}

Bytes ext_supported_groups(std::initializer_list<unsigned> groups) {
  Bytes list;
  for (const unsigned g : groups) {
    list = cat({list, u16(g)});
  }
  return extension(0x000a, vec16(list));
}

Bytes ext_ec_point_formats() { return extension(0x000b, vec8(u8(0))); }  // 0: uncompressed

Bytes ext_signature_algorithms(std::initializer_list<unsigned> schemes) {
  Bytes list;
  for (const unsigned s : schemes) {
    list = cat({list, u16(s)});
  }
  return extension(0x000d, vec16(list));
}

Bytes ext_supported_versions_client(std::initializer_list<unsigned> versions) {
  Bytes list;
  for (const unsigned v : versions) {
    list = cat({list, u16(v)});
  }
  return extension(0x002b, vec8(list));
}

Bytes ext_renegotiation_info() { return extension(0xff01, vec8({})); }

Bytes ClientHello::message() const {
  Bytes suites;
  for (const unsigned s : cipher_suites) {
    suites = cat({suites, u16(s)});
  }
  Bytes body =
      cat({u16(legacy_version), Bytes(32, random_fill), vec8(session_id), vec16(suites), vec8(compression_methods)});
  if (!omit_extensions_block) {
    Bytes exts;
    for (const auto& e : extensions) {
      exts = cat({exts, e});
    }
    body = cat({body, vec16(exts)});
  }
  return handshake(kClientHelloType, body);
}

Bytes ClientHello::to_record(unsigned record_version) const { return record(kHandshake, record_version, message()); }

ClientHello tls12_client_hello(std::vector<unsigned> suites) {
  ClientHello ch;
  ch.cipher_suites = std::move(suites);
  ch.extensions = {
      ext_server_name("localhost"),
      ext_supported_groups({0x0017, 0x001d}),  // secp256r1, x25519
      ext_ec_point_formats(),
      // ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256
      ext_signature_algorithms({0x0403, 0x0804, 0x0401}),
      ext_renegotiation_info(),
  };
  return ch;
}

Bytes ServerHello::to_record() const {
  Bytes exts;
  for (const auto& e : extensions) {
    exts = cat({exts, e});
  }
  const Bytes body = cat({u16(legacy_version), random, vec8(session_id), u16(cipher_suite), u8(0), vec16(exts)});
  return record(kHandshake, kTLS12, handshake(kServerHelloType, body));
}

Bytes sslv2_client_hello(unsigned version, std::initializer_list<unsigned> cipher_specs) {
  Bytes specs;
  for (const unsigned s : cipher_specs) {
    specs = cat({specs, u24(s)});
  }
  // msg_type 1 (CLIENT-HELLO), version, cipher_spec_length,
  // session_id_length (0), challenge_length (16), specs, challenge.
  const Bytes body = cat({u8(1), u16(version), u16(static_cast<unsigned>(specs.size())), u16(0), u16(16), specs,
                          Bytes(16, std::byte{0x33})});
  // Two-byte header: high bit set, 15-bit length.
  return cat({u16(0x8000 | static_cast<unsigned>(body.size())), body});
}

std::vector<Record> records(std::span<const std::byte> stream) {
  std::vector<Record> out;
  while (stream.size() >= 5) {
    const auto at = [&stream](std::size_t i) { return std::to_integer<unsigned>(stream[i]); };
    const std::size_t len = (at(3) << 8) | at(4);
    if (stream.size() < 5 + len) {
      break;
    }
    out.push_back({at(0), (at(1) << 8) | at(2), stream.subspan(5, len)});
    stream = stream.subspan(5 + len);
  }
  return out;
}

}  // namespace sslpp::test::tls
