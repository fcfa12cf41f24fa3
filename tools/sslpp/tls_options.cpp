#include "tls_options.hpp"

namespace sslpp::cli {

std::vector<OptionSpec> credential_options(std::string_view cert_help) {
  return {
      {"--cert", "FILE", cert_help},
      {"--key", "FILE", "its private key (PEM; default: read from --cert)"},
      {"--password", "PASS", "the passphrase of an encrypted --key (and of --sni keys)"},
  };
}

std::vector<OptionSpec> protocol_options() {
  return {
      {"--alpn", "a,b,...", "ALPN protocols, in order of preference"},
      {"--min-version", "V", "lowest protocol version: TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3"},
      {"--max-version", "V", "highest protocol version (same names)"},
      {"--ciphers", "STRING", "OpenSSL cipher list for TLS 1.2 and below"},
  };
}

bool load_credential(const ParsedArgs& args, Context& ctx) {
  const auto cert = args.value("--cert");
  if (!cert) {
    if (args.flag("--key") || args.flag("--password")) {
      throw UsageError("--key and --password need --cert");
    }
    return false;
  }
  const auto key = args.value("--key");
  ctx.load_cert_chain(*cert, key.value_or(""), args.value("--password"));
  return true;
}

void apply_protocol_options(const ParsedArgs& args, Context& ctx) {
  if (const auto v = args.value("--min-version")) {
    ctx.set_minimum_version(parse_tls_version("--min-version", *v));
  }
  if (const auto v = args.value("--max-version")) {
    ctx.set_maximum_version(parse_tls_version("--max-version", *v));
  }
  if (const auto v = args.value("--ciphers")) {
    ctx.set_ciphers(*v);
  }
  if (const auto v = args.value("--alpn")) {
    ctx.set_alpn_protocols(parse_list("--alpn", *v));
  }
}

std::vector<OptionSpec> dtls_options() {
  return {
      {"--dtls", "", "DTLS 1.2 over UDP instead of TLS over TCP"},
      {"--mtu", "N", "with --dtls: the largest datagram to send, 256 to 65535 (default 1400, less if the path "
                     "says so)"},
      {"--srtp", "PROFILES", "with --dtls: the SRTP profiles to offer or accept, in order of preference "
                             "(SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM); JSON: srtp_profile"},
  };
}

std::size_t parse_mtu(const ParsedArgs& args) {
  const auto v = args.value("--mtu");
  return v ? parse_count("--mtu", *v, 256, 65535) : 0;
}

void apply_srtp(const ParsedArgs& args, Context& ctx) {
  if (const auto profiles = args.value("--srtp")) {
    ctx.set_srtp_profiles(*profiles);
  }
}

std::vector<OptionSpec> concat(std::initializer_list<std::vector<OptionSpec>> lists) {
  std::vector<OptionSpec> out;
  for (const auto& list : lists) {
    out.insert(out.end(), list.begin(), list.end());
  }
  return out;
}

}  // namespace sslpp::cli
