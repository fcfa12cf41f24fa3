#include "options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace sslpp::cli {

namespace {

const OptionSpec* find_option(const CommandSpec& spec, std::string_view name) {
  const auto it = std::find_if(spec.options.begin(), spec.options.end(),
                               [&](const OptionSpec& o) { return o.name == name; });
  return it == spec.options.end() ? nullptr : &*it;
}

std::string see_help(const CommandSpec& spec) { return " (see: sslpp " + std::string(spec.name) + " --help)"; }

[[noreturn]] void bad_value(std::string_view option, std::string_view text, std::string_view expected) {
  throw ValueError(std::string(option) + ": '" + std::string(text) + "' is not " + std::string(expected));
}

// parse_whole parses an unsigned decimal number with nothing around it.
std::optional<unsigned long long> parse_whole(std::string_view text) {
  unsigned long long n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  const auto it = options_.find(name);
  if (it == options_.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second.back();
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
  const auto it = options_.find(name);
  return it == options_.end() ? std::vector<std::string>{} : it->second;
}

ParsedArgs parse_args(const CommandSpec& spec, std::span<const std::string> args) {
  ParsedArgs out;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg.size() < 2 || !arg.starts_with("-")) {
      out.positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      out.help_ = true;
      return out;
    }
    const std::size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const OptionSpec* opt = find_option(spec, name);
    if (opt == nullptr) {
      throw UsageError("unknown option " + name + see_help(spec));
    }
    if (!opt->repeatable && out.options_.contains(name)) {
      throw UsageError("option " + name + " given twice");
    }
    std::vector<std::string>& slot = out.options_[name];
    if (opt->metavar.empty()) {
      if (eq != std::string::npos) {
        throw UsageError("option " + name + " takes no value");
      }
    } else if (eq != std::string::npos) {
      slot.push_back(arg.substr(eq + 1));
    } else if (i + 1 < args.size()) {
      slot.push_back(args[++i]);
    } else {
      throw UsageError("option " + name + " needs a value (" + std::string(opt->metavar) + ")");
    }
  }
  const std::size_t n = out.positionals_.size();
  if (n < spec.min_positionals || n > spec.max_positionals) {
    const std::string expected = spec.synopsis.empty() ? "no arguments" : std::string(spec.synopsis);
    throw UsageError("sslpp " + std::string(spec.name) + " takes " + expected + ", got " + std::to_string(n) +
                     " argument" + (n == 1 ? "" : "s") + see_help(spec));
  }
  return out;
}

void refuse_options(const ParsedArgs& args, std::span<const std::string_view> options, std::string_view why) {
  for (const std::string_view option : options) {
    if (args.flag(option)) {
      throw UsageError(std::string(option) + " " + std::string(why));
    }
  }
}

std::string help_text(const CommandSpec& spec) {
  std::string out = "usage: sslpp " + std::string(spec.name);
  if (!spec.options.empty()) {
    out += " [options]";
  }
  if (!spec.synopsis.empty()) {
    out += " " + std::string(spec.synopsis);
  }
  out += "\n\n" + std::string(spec.summary) + "\n";
  if (!spec.details.empty()) {
    out += "\n" + std::string(spec.details);
  }
  if (!spec.options.empty()) {
    out += "\noptions:\n";
    for (const OptionSpec& o : spec.options) {
      std::string left = "  " + std::string(o.name);
      if (!o.metavar.empty()) {
        left += " " + std::string(o.metavar);
      }
      left.resize(std::max<std::size_t>(left.size() + 2, 28), ' ');
      out += left + std::string(o.help) + (o.repeatable ? " (repeatable)" : "") + "\n";
    }
  }
  out += "  --help                    show this help\n";
  return out;
}

Endpoint parse_endpoint(std::string_view text) {
  constexpr std::string_view expected = "HOST:PORT (an IPv6 address in brackets: [::1]:443)";
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    bad_value("HOST:PORT", text, expected);
  }
  std::string_view host = text.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']') && host.size() > 2) {
    host = host.substr(1, host.size() - 2);
  } else if (host.empty() || host.find_first_of(":[]") != std::string_view::npos) {
    // A bare IPv6 address is ambiguous: which colon starts the port?
    bad_value("HOST:PORT", text, expected);
  }
  const auto port = parse_whole(text.substr(colon + 1));
  if (!port || *port < 1 || *port > 65535) {
    bad_value("HOST:PORT", text, "HOST:PORT with a port from 1 to 65535");
  }
  return {std::string(host), static_cast<std::uint16_t>(*port)};
}

std::uint16_t parse_port(std::string_view option, std::string_view text) {
  return static_cast<std::uint16_t>(parse_count(option, text, 0, 65535));
}

TLSVersion parse_tls_version(std::string_view option, std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, TLSVersion>, 4> kVersions{{
      {"TLSv1", TLSVersion::TLSv1},
      {"TLSv1.1", TLSVersion::TLSv1_1},
      {"TLSv1.2", TLSVersion::TLSv1_2},
      {"TLSv1.3", TLSVersion::TLSv1_3},
  }};
  for (const auto& [name, version] : kVersions) {
    if (text == name) {
      return version;
    }
  }
  bad_value(option, text, "one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3");
}

VerifyMode parse_verify_mode(std::string_view option, std::string_view text) {
  if (text == "none") {
    return CERT_NONE;
  }
  if (text == "optional") {
    return CERT_OPTIONAL;
  }
  if (text == "required") {
    return CERT_REQUIRED;
  }
  bad_value(option, text, "one of none, optional, required");
}

std::chrono::duration<double> parse_seconds(std::string_view option, std::string_view text) {
  double seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  // An upper bound keeps the value a valid poll() deadline.
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds <= 0 || seconds > 86400) {
    bad_value(option, text, "a number of seconds above 0, at most 86400");
  }
  return std::chrono::duration<double>(seconds);
}

std::size_t parse_count(std::string_view option, std::string_view text, std::size_t min, std::size_t max) {
  const auto n = parse_whole(text);
  if (!n || *n < min || *n > max) {
    bad_value(option, text, "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<std::size_t>(*n);
}

std::vector<std::string> parse_list(std::string_view option, std::string_view text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (item.empty()) {
      bad_value(option, text, "a comma-separated list of non-empty names");
    }
    items.emplace_back(item);
    if (comma == std::string_view::npos) {
      return items;
    }
    start = comma + 1;
  }
}

}  // namespace sslpp::cli
