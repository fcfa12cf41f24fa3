// What `sslpp serve` (serve.cpp, TLS over TCP) and `sslpp serve --dtls`
// (dtls_serve.cpp, DTLS over UDP) share: the server's certificate, client
// authentication, the listening line and the option values they both take.
#pragma once

#include <cstddef>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <sslpp/sslpp.hpp>

#include "options.hpp"
#include "output.hpp"
#include "serve_output.hpp"

namespace sslpp::cli {

/// use_server_credential loads --cert/--key/--password into `ctx` and
/// returns true; without --cert it gives `ctx` a throwaway self-signed
/// certificate for localhost, 127.0.0.1 and ::1 (written to --print-cert
/// FILE, if given) and returns false.
bool use_server_credential(const ParsedArgs& args, Context& ctx);

/// apply_client_auth applies --cafile and --verify (default none).
void apply_client_auth(const ParsedArgs& args, Context& ctx);

/// print_cert writes `cert` (PEM) to --print-cert FILE, when given.
void print_cert(const ParsedArgs& args, const Certificate& cert);

/// check_reload_options refuses --reload and --print-cert where they mean
/// nothing, before anything is loaded.
void check_reload_options(const ParsedArgs& args);

/// address_text is HOST:PORT, an IPv6 host in brackets.
std::string address_text(const Address& a);

/// listening_line is serve's first line: "listening on HOST:PORT".
std::string listening_line(const Address& a);

/// optional_count is a count option's value (1 to 2^32-1), nullopt when
/// it was not given.
std::optional<std::size_t> optional_count(const ParsedArgs& args, std::string_view option);

/// serve_until_stopped prints the listening line, runs `server` with `log`
/// until it ends or SIGINT/SIGTERM stops it, and ends as serve ends: by
/// the signal (end_by_signal), else with exit_ok once `lines` are out.
template <typename Server, typename Log>
int serve_until_stopped(Server& server, const Log& log, HeldLines& lines) {
  std::cout << listening_line(server.address()) << std::endl;
  {
    const StopSignals signals(server);
    server.run(log);
  }
  if (const int signo = StopSignals::received()) {
    end_by_signal(signo, lines);
  }
  lines.write_out();
  return exit_ok;
}

/// serve_dtls is `sslpp serve --dtls` (dtls_serve.cpp).
int serve_dtls(const ParsedArgs& args);

}  // namespace sslpp::cli
