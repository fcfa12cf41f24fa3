// The subcommands of the sslpp program. Each one's source file defines its
// CommandSpec (options and --help text) and its entry point, which gets the
// parsed command line and returns the exit status. Failures are thrown;
// main reports them (output.hpp) with the right exit status.
#pragma once

#include <span>

#include "options.hpp"

namespace sslpp::cli {

/// Command pairs a subcommand's description with its entry point.
struct Command {
  const CommandSpec& (*spec)();
  int (*run)(const ParsedArgs& args);
};

// demo.cpp
const CommandSpec& demo_spec();
int demo(const ParsedArgs& args);

// connect.cpp
const CommandSpec& connect_spec();
int connect(const ParsedArgs& args);

// serve.cpp
const CommandSpec& serve_spec();
int serve(const ParsedArgs& args);

// cert_commands.cpp
const CommandSpec& decode_spec();
int decode(const ParsedArgs& args);
const CommandSpec& match_hostname_spec();
int match_hostname(const ParsedArgs& args);
const CommandSpec& cert_time_spec();
int cert_time(const ParsedArgs& args);
const CommandSpec& pem2der_spec();
int pem2der(const ParsedArgs& args);
const CommandSpec& der2pem_spec();
int der2pem(const ParsedArgs& args);
const CommandSpec& get_server_certificate_spec();
int get_server_certificate(const ParsedArgs& args);

// misc_commands.cpp
const CommandSpec& rand_spec();
int rand(const ParsedArgs& args);
const CommandSpec& version_spec();
int version(const ParsedArgs& args);

/// all_commands lists every subcommand in the order --help shows them.
std::span<const Command> all_commands();

}  // namespace sslpp::cli
