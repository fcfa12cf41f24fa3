// Command-line parsing for the sslpp program: each subcommand declares its
// options once (CommandSpec), and that one table drives both parsing and
// --help. Values are turned into types on the way in (TLSVersion,
// VerifyMode, a port, a timeout), so the commands never see bad text.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sslpp/sslpp.hpp>

namespace sslpp::cli {

/// UsageError is a command line that does not parse (unknown option,
/// missing value, wrong number of arguments). Exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// OptionSpec describes one option. An empty `metavar` makes it a flag.
struct OptionSpec {
  std::string_view name;     // "--cafile"
  std::string_view metavar;  // "FILE"; empty for a flag
  std::string_view help;
  bool repeatable = false;
};

/// CommandSpec describes one subcommand, for parsing and for --help.
struct CommandSpec {
  std::string_view name;
  std::string_view synopsis;  // the positional part, e.g. "HOST:PORT"
  std::size_t min_positionals = 0;
  std::size_t max_positionals = 0;
  std::string_view summary;  // one line for `sslpp --help`
  std::string_view details;  // paragraphs for `sslpp NAME --help`
  std::vector<OptionSpec> options;
};

/// ParsedArgs is a command line that matched its CommandSpec.
class ParsedArgs {
 public:
  [[nodiscard]] const std::vector<std::string>& positionals() const noexcept { return positionals_; }
  [[nodiscard]] bool flag(std::string_view name) const { return options_.contains(name); }
  /// value is the option's value, nullopt when it was not given.
  [[nodiscard]] std::optional<std::string> value(std::string_view name) const;
  /// values are every value of a repeatable option, in order.
  [[nodiscard]] std::vector<std::string> values(std::string_view name) const;
  /// help_requested is true when --help was given (nothing else is checked then).
  [[nodiscard]] bool help_requested() const noexcept { return help_; }

 private:
  friend ParsedArgs parse_args(const CommandSpec& spec, std::span<const std::string> args);
  std::map<std::string, std::vector<std::string>, std::less<>> options_;
  std::vector<std::string> positionals_;
  bool help_ = false;
};

/// parse_args matches `args` (the words after the subcommand) against
/// `spec`. Options may come before or after positionals, as `--opt VALUE`
/// or `--opt=VALUE`; `--` ends the options. Throws UsageError.
ParsedArgs parse_args(const CommandSpec& spec, std::span<const std::string> args);

/// refuse_options throws UsageError ("OPTION WHY") for the first of
/// `options` that `args` has.
void refuse_options(const ParsedArgs& args, std::span<const std::string_view> options, std::string_view why);

/// help_text is the --help page of one subcommand.
std::string help_text(const CommandSpec& spec);

// ---------------------------------------------------------------------------
// Typed values. Each parser throws sslpp::ValueError naming the option and
// the accepted values, so a bad value reads "ValueError: --verify: ...".

/// Endpoint is HOST:PORT; HOST is a name, an IPv4 address, or an IPv6
/// address in brackets ("[::1]:443"), stored without the brackets.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

/// parse_endpoint parses HOST:PORT with a port from 1 to 65535.
Endpoint parse_endpoint(std::string_view text);
/// parse_port parses 0..65535 (0: any free port).
std::uint16_t parse_port(std::string_view option, std::string_view text);
/// parse_tls_version parses TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3.
TLSVersion parse_tls_version(std::string_view option, std::string_view text);
/// parse_verify_mode parses none, optional or required.
VerifyMode parse_verify_mode(std::string_view option, std::string_view text);
/// parse_seconds parses a positive number of seconds ("10", "0.5").
std::chrono::duration<double> parse_seconds(std::string_view option, std::string_view text);
/// parse_count parses a whole number from `min` to `max`.
std::size_t parse_count(std::string_view option, std::string_view text, std::size_t min, std::size_t max);
/// parse_list splits "a,b,c" and rejects empty items.
std::vector<std::string> parse_list(std::string_view option, std::string_view text);

}  // namespace sslpp::cli
