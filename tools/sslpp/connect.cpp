// sslpp connect HOST:PORT: a TLS client that reports what it negotiated.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "files.hpp"
#include "output.hpp"
#include "tls_options.hpp"

namespace sslpp::cli {

namespace {

using namespace std::chrono_literals;

// After --send, reading stops once the peer is quiet this long (issue 6).
constexpr std::chrono::duration<double> kIdleAfterSend = 2s;
constexpr std::chrono::duration<double> kDefaultTimeout = 10s;

// client_context builds the client's Context from the options. It reads
// files, so the caller runs it as input (exit 2 on failure).
Context client_context(const ParsedArgs& args) {
  VerifyLocations trust;
  const auto cafile = args.value("--cafile");
  const auto capath = args.value("--capath");
  if (cafile) {
    trust.cafile = *cafile;
  }
  if (capath) {
    trust.capath = *capath;
  }
  // Python's create_default_context: CERT_REQUIRED, check_hostname, and the
  // system store when no trust anchors are named.
  Context ctx = create_default_context(Purpose::SERVER_AUTH, trust);
  const VerifyMode mode = parse_verify_mode("--verify", args.value("--verify").value_or("required"));
  if (mode == CERT_NONE || args.flag("--no-check-hostname")) {
    ctx.set_check_hostname(false);  // first: CERT_NONE is refused while it is on
  }
  ctx.set_verify_mode(mode);

  const auto crl_check = args.value("--crl-check");
  if (const auto crlfile = args.value("--crlfile")) {
    ctx.get_cert_store().add_crl(read_input(*crlfile));
  }
  if (crl_check || args.flag("--crlfile")) {
    const std::string level = crl_check.value_or("leaf");
    if (level != "leaf" && level != "chain") {
      throw ValueError("--crl-check: '" + level + "' is not one of leaf, chain");
    }
    ctx.set_verify_flags(ctx.verify_flags() | (level == "leaf" ? VERIFY_CRL_CHECK_LEAF : VERIFY_CRL_CHECK_CHAIN));
  }
  load_credential(args, ctx);
  apply_protocol_options(args, ctx);
  if (const auto keylog = args.value("--keylog")) {
    ctx.set_keylog_filename(*keylog);
  }
  return ctx;
}

// exchange sends `text` and reads until the peer closes or stays quiet for
// kIdleAfterSend (never longer than the --timeout per read); records what
// came back and how it ended in `facts`.
void exchange(SSLSocket& tls, const std::string& text, std::chrono::duration<double> timeout, SessionFacts& facts) {
  tls.sendall(text);
  tls.settimeout(std::min(timeout, kIdleAfterSend));
  std::string& received = facts.received.emplace();
  for (;;) {
    try {
      const std::string part = tls.recv(16384);
      if (part.empty()) {
        facts.end_of_stream = "close_notify";
        return;
      }
      received += part;
    } catch (const TimeoutError&) {
      facts.end_of_stream = "idle";  // the peer has said all it will say
      return;
    } catch (const SSLEOFError&) {
      // What was read is shown, and marked: without close_notify nobody can
      // tell a complete reply from one cut short on the path.
      facts.end_of_stream = "truncated";
      return;
    }
  }
}

}  // namespace

const CommandSpec& connect_spec() {
  static const CommandSpec spec{
      .name = "connect",
      .synopsis = "HOST:PORT",
      .min_positionals = 1,
      .max_positionals = 1,
      .summary = "connect to a TLS server and report the session",
      .details = "HOST is a name, an IPv4 address, or an IPv6 address in brackets ([::1]:443).\n"
                 "The server's certificate is verified against the system's CA store (or\n"
                 "--cafile/--capath) and must name HOST (or --servername).\n"
                 "Connection failures below TLS exit 1 with their own class name\n"
                 "(ConnectionRefusedError, TimeoutError, gaierror).\n",
      .options = concat({
          {
              {"--cafile", "FILE", "trusted CA certificates, PEM (default: the system store)"},
              {"--capath", "DIR", "a c_rehash'ed directory of trusted CA certificates"},
          },
          credential_options("client certificate chain, PEM"),
          {
              {"--servername", "NAME", "the SNI name and the name to verify (default: HOST)"},
              {"--no-check-hostname", "", "do not check that the certificate names the server"},
              {"--verify", "MODE", "none, optional or required (default); none also skips the hostname"},
          },
          protocol_options(),
          {
              {"--crlfile", "FILE", "CRLs (PEM) to check the server's chain against (implies --crl-check leaf)"},
              {"--crl-check", "LEVEL", "leaf or chain: which certificates must have a valid CRL"},
              {"--keylog", "FILE", "append NSS key log lines to FILE"},
              {"--send", "TEXT", "send TEXT, then read until the peer closes (a close without close_notify is reported as truncated) or is idle for 2 s"},
              {"--timeout", "SECONDS", "bound on connect, handshake and each read (default 10)"},
              {"--json", "", "print one JSON object (the session, or {\"error\": ...})"},
          },
      }),
  };
  return spec;
}

int connect(const ParsedArgs& args) {
  const Endpoint target = as_bad_input([&] { return parse_endpoint(args.positionals().at(0)); });
  const auto timeout = as_bad_input([&] {
    const auto t = args.value("--timeout");
    return t ? parse_seconds("--timeout", *t) : kDefaultTimeout;
  });
  const Context ctx = as_bad_input([&] { return client_context(args); });
  const std::string server_hostname = args.value("--servername").value_or(target.host);
  // The library checks the name when the connection is made, after the TCP
  // connect; a bad --servername is bad input, so ask it first.
  as_bad_input([&] { static_cast<void>(ctx.wrap_bio({.server_hostname = server_hostname})); });

  SSLSocket tls = [&] {
    try {
      return ctx.wrap_socket(create_connection(target.host, target.port, timeout),
                             {.server_hostname = server_hostname});
    } catch (const SSLCertVerificationError&) {
      if (!args.flag("--json")) {  // the chain, marked, goes beside the report; stderr keeps its one line
        print_verify_failure(std::cout, describe_exception(std::current_exception()));
      }
      throw;
    }
  }();
  SessionFacts facts = facts_of(tls);
  if (const auto text = args.value("--send")) {
    exchange(tls, *text, timeout, facts);
  }
  std::error_code ec;
  tls.shutdown_tls(ec);  // a courtesy close_notify; the peer may already be gone
  if (args.flag("--json")) {
    std::cout << session_json(facts) << std::endl;
  } else {
    std::cout << "connected to " << args.positionals().at(0) << "\n";
    print_session(std::cout, facts);
    std::cout << std::flush;
  }
  return exit_ok;
}

}  // namespace sslpp::cli
