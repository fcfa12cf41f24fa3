// The TLS options connect and serve share (own certificate, versions,
// ciphers, ALPN): their specs and how they configure a Context, written once.
#pragma once

#include <vector>

#include <sslpp/sslpp.hpp>

#include "options.hpp"

namespace sslpp::cli {

/// credential_options are --cert, --key and --password.
std::vector<OptionSpec> credential_options(std::string_view cert_help);

/// protocol_options are --alpn, --min-version, --max-version and --ciphers.
std::vector<OptionSpec> protocol_options();

/// load_credential loads --cert/--key/--password into `ctx`; returns false
/// when no --cert was given. --key or --password without --cert is a
/// UsageError. Reading errors propagate (call inside as_bad_input).
bool load_credential(const ParsedArgs& args, Context& ctx);

/// apply_protocol_options applies --alpn, --min-version, --max-version
/// and --ciphers to `ctx`.
void apply_protocol_options(const ParsedArgs& args, Context& ctx);

/// dtls_options are --dtls, --mtu and --srtp: connect's and serve's.
std::vector<OptionSpec> dtls_options();

/// dtls_only_options are the options refused without --dtls.
inline constexpr std::string_view dtls_only_options[] = {"--mtu", "--srtp"};

/// parse_mtu is --mtu (256 to 65535, what Connection::set_ciphertext_mtu
/// takes), 0 when it was not given.
std::size_t parse_mtu(const ParsedArgs& args);

/// apply_srtp applies --srtp to a DTLS context.
void apply_srtp(const ParsedArgs& args, Context& ctx);

/// concat joins option lists into one spec's list.
std::vector<OptionSpec> concat(std::initializer_list<std::vector<OptionSpec>> lists);

}  // namespace sslpp::cli
