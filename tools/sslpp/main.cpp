// sslpp: a friendly s_client / s_server, certificate tools and a demo that
// needs nothing, on top of the library's public API (issue 6).
//
// main only dispatches: it finds the subcommand, parses its options, answers
// --help, and turns whatever a command throws into the one-line report and
// exit status the issue specifies (0 ok, 1 TLS or network failure, 2 bad
// input). No exception leaves main.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <sslpp/version.hpp>

#include "commands.hpp"
#include "output.hpp"

namespace sslpp::cli {
namespace {

constexpr std::string_view kOverview =
    "usage: sslpp SUBCOMMAND [options] [arguments]\n"
    "       sslpp help SUBCOMMAND\n"
    "       sslpp --version\n"
    "\n"
    "A TLS client, an echo server, certificate tools and a self-contained demo,\n"
    "built on the sslpp library.\n"
    "\n"
    "Exit status: 0 success; 1 a TLS, verification, hostname or network failure;\n"
    "2 a usage error or bad input (missing file, unreadable PEM, bad option value).\n"
    "A failure prints one line on stderr: the error's class name, then the reason\n"
    "(\"SSLCertVerificationError: ... (verify_code=20)\").\n"
    "\n"
    "subcommands:\n";

std::string overview() {
  std::string out(kOverview);
  for (const Command& c : all_commands()) {
    std::string left = "  " + std::string(c.spec().name);
    left.resize(26, ' ');
    out += left + std::string(c.spec().summary) + "\n";
  }
  out += "\nRun `sslpp help SUBCOMMAND` (or `sslpp SUBCOMMAND --help`) for its options.\n";
  return out;
}

const Command* find_command(std::string_view name) {
  for (const Command& c : all_commands()) {
    if (c.spec().name == name) {
      return &c;
    }
  }
  return nullptr;
}

int report(const ErrorReport& r, bool json) {
  if (json) {
    std::cout << error_json(r) << std::endl;
  }
  std::cerr << error_line(r) << std::endl;
  return r.exit_status;
}

// help_for answers `sslpp help SUBCOMMAND` with that subcommand's --help.
int help_for(std::span<const std::string> names) {
  const Command* command = names.size() == 1 ? find_command(names[0]) : nullptr;
  if (command == nullptr) {
    const std::string why = names.size() == 1 ? "unknown subcommand '" + names[0] + "'" : "help takes one SUBCOMMAND";
    return report(describe_exception(std::make_exception_ptr(UsageError(why + " (see: sslpp --help)"))), false);
  }
  std::cout << help_text(command->spec());
  return exit_ok;
}

int run(const std::vector<std::string>& args) {
  if (args.empty()) {
    return report(describe_exception(std::make_exception_ptr(UsageError("no subcommand given (see: sslpp --help)"))),
                  false);
  }
  if (args[0] == "--help" || args[0] == "-h" || (args[0] == "help" && args.size() == 1)) {
    std::cout << overview();
    return exit_ok;
  }
  if (args[0] == "help") {
    return help_for(std::span(args).subspan(1));
  }
  if (args[0] == "--version") {
    // sslpp's own version, then the OpenSSL it runs on (`sslpp version` has the details).
    std::cout << "sslpp " << sslpp::version().text << " (" << openssl_version() << ")\n";
    return exit_ok;
  }
  const Command* command = find_command(args[0]);
  if (command == nullptr) {
    return report(describe_exception(std::make_exception_ptr(
                      UsageError("unknown subcommand '" + args[0] + "' (see: sslpp --help)"))),
                  false);
  }
  const CommandSpec& spec = command->spec();
  bool json = false;
  try {
    const ParsedArgs parsed = parse_args(spec, std::span(args).subspan(1));
    if (parsed.help_requested()) {
      std::cout << help_text(spec);
      return exit_ok;
    }
    json = parsed.flag("--json");
    return command->run(parsed);
  } catch (...) {
    return report(describe_exception(std::current_exception()), json);
  }
}

}  // namespace

std::span<const Command> all_commands() {
  static const Command kCommands[] = {
      {demo_spec, demo},
      {connect_spec, connect},
      {serve_spec, serve},
      {decode_spec, decode},
      {match_hostname_spec, match_hostname},
      {cert_time_spec, cert_time},
      {pem2der_spec, pem2der},
      {der2pem_spec, der2pem},
      {get_server_certificate_spec, get_server_certificate},
      {rand_spec, rand},
      {version_spec, version},
  };
  return kCommands;
}

}  // namespace sslpp::cli

int main(int argc, char** argv) {
  // A reader that goes away (`sslpp serve | head -1`) must not kill us
  // with SIGPIPE; the write fails and is reported instead.
  std::signal(SIGPIPE, SIG_IGN);
  // A descriptor 0, 1 or 2 the caller closed would be the next one opened:
  // the report written into a connection, or `connect -i` reading its own
  // socket as stdin. /dev/null takes their places (open takes the lowest).
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF && ::open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY) != fd) {
      return sslpp::cli::exit_failure;
    }
  }
  try {
    return sslpp::cli::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (...) {
    // Only reached if reporting itself fails (e.g. out of memory).
    std::fputs("RuntimeError: sslpp could not report its failure\n", stderr);
    return sslpp::cli::exit_failure;
  }
}
