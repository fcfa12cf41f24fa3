// sslpp connect HOST:PORT: a TLS client that reports what it negotiated;
// with --dtls, a DTLS client over UDP that reports the same facts.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <type_traits>

#include "commands.hpp"
#include "files.hpp"
#include "interactive.hpp"
#include "output.hpp"
#include "session_file.hpp"
#include "starttls.hpp"
#include "tls_options.hpp"
#include "trace.hpp"

namespace sslpp::cli {

namespace {

using namespace std::chrono_literals;

// After --send, reading stops once the peer is quiet this long (issue 6).
constexpr std::chrono::duration<double> kIdleAfterSend = 2s;
constexpr std::chrono::duration<double> kDefaultTimeout = 10s;

// The options that mean nothing over DTLS, refused with --dtls.
constexpr std::string_view kNotWithDtls[] = {"--starttls", "--sess-in", "--sess-out", "--min-version",
                                             "--max-version"};

// trusting_context is the client's Context with its trust anchors:
// --cafile/--capath, or the system store when none is named. For TLS,
// Python's create_default_context; for DTLS, DTLS_CLIENT_METHOD, which
// verifies the server and its name in the same way (CERT_REQUIRED,
// check_hostname).
Context trusting_context(const ParsedArgs& args, bool dtls) {
  VerifyLocations trust;
  const auto cafile = args.value("--cafile");
  const auto capath = args.value("--capath");
  if (cafile) {
    trust.cafile = *cafile;
  }
  if (capath) {
    trust.capath = *capath;
  }
  if (!dtls) {
    return create_default_context(Purpose::SERVER_AUTH, trust);
  }
  Context ctx(DTLS_CLIENT_METHOD);
  if (cafile || capath) {
    ctx.load_verify_locations(trust);
  } else {
    ctx.load_default_certs(Purpose::SERVER_AUTH);
  }
  // create_default_context's verification flags, for DTLS as for TLS.
  ctx.set_verify_flags(ctx.verify_flags() | VERIFY_X509_PARTIAL_CHAIN | VERIFY_X509_STRICT);
  return ctx;
}

// client_context builds the client's Context from the options. It reads
// files, so the caller runs it as input (exit 2 on failure).
Context client_context(const ParsedArgs& args, bool dtls) {
  Context ctx = trusting_context(args, dtls);
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
  apply_srtp(args, ctx);
  if (!dtls) {
    use_session_files(ctx);
  }
  return ctx;
}

// exchange sends `text` (over DTLS: as one record, in one datagram) and
// reads until the peer closes or stays quiet for kIdleAfterSend (never
// longer than the --timeout per read); records what came back (over DTLS:
// the records' plaintexts one after the other) and how it ended in `facts`.
template <typename Sock>
void exchange(Sock& tls, const std::string& text, std::chrono::duration<double> timeout, SessionFacts& facts) {
  if constexpr (std::is_same_v<Sock, DTLSSocket>) {
    tls.send(text);
  } else {
    tls.sendall(text);
  }
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

// ConnectPlan is the command line read into what connect will do, all of
// it checked before any connection is made.
struct ConnectPlan {
  Endpoint target;
  std::chrono::duration<double> timeout = kDefaultTimeout;
  AddressFamily family = AddressFamily::any;
  std::string server_hostname;
  std::optional<StartTlsProtocol> starttls;
  std::optional<std::string> send;
  bool interactive = false;
  bool showcerts = false;
  bool status = false;
  std::optional<Session> session;  // --sess-in
  std::optional<std::string> sess_out;
  bool dtls = false;
  std::size_t mtu = 0;  // --mtu; 0: the library's default
  bool srtp = false;    // --srtp: report the profile agreed
};

ConnectPlan plan_of(const ParsedArgs& args) {
  ConnectPlan plan;
  plan.dtls = args.flag("--dtls");
  if (plan.dtls) {
    refuse_options(args, kNotWithDtls, "cannot be used with --dtls");
  } else {
    refuse_options(args, dtls_only_options, "needs --dtls");
  }
  plan.mtu = parse_mtu(args);
  plan.srtp = args.flag("--srtp");
  plan.target = parse_endpoint(args.positionals().at(0));
  if (const auto t = args.value("--timeout")) {
    plan.timeout = parse_seconds("--timeout", *t);
  }
  if (args.flag("-4") && args.flag("-6")) {
    throw UsageError("-4 and -6 exclude each other");
  }
  plan.family = args.flag("-4") ? AddressFamily::ipv4 : args.flag("-6") ? AddressFamily::ipv6 : AddressFamily::any;
  plan.server_hostname = args.value("--servername").value_or(plan.target.host);
  if (const auto protocol = args.value("--starttls")) {
    plan.starttls = parse_starttls("--starttls", *protocol);
  }
  plan.send = args.value("--send");
  if (plan.send && args.flag("-i")) {
    throw UsageError("-i and --send exclude each other");
  }
  // A person at a terminal gets the conversation, as from s_client; a
  // script (stdin not a terminal) or --json gets the report.
  plan.interactive = args.flag("-i") || (!plan.send && !args.flag("--json") && ::isatty(STDIN_FILENO) == 1);
  plan.showcerts = args.flag("--showcerts");
  plan.status = args.flag("--status");
  if (const auto file = args.value("--sess-in")) {
    plan.session = read_session_file(*file, plan.server_hostname);
  }
  plan.sess_out = args.value("--sess-out");
  if (plan.sess_out == "-") {
    throw UsageError("--sess-out needs a file: stdout carries the report");
  }
  if (plan.sess_out) {
    check_writable(*plan.sess_out);
  }
  return plan;
}

// handshake makes the connection: TCP, the --starttls dance, then the TLS
// handshake. Every failure of the peer or the network comes out of here.
SSLSocket handshake(const Context& ctx, const ConnectPlan& plan) {
  Socket sock = create_connection(plan.target.host, plan.target.port, {.timeout = plan.timeout, .family = plan.family});
  if (plan.starttls) {
    starttls(sock, *plan.starttls, plan.server_hostname, plan.timeout);
  }
  SSLSocket tls = ctx.wrap_socket(std::move(sock), {.server_hostname = plan.server_hostname,
                                                    .session = plan.session,
                                                    .do_handshake_on_connect = false});
  if (plan.status) {
    tls.connection().request_ocsp();
  }
  tls.do_handshake();
  return tls;
}

// dtls_handshake is handshake over UDP: a connected socket, then the DTLS
// handshake, retransmitting within --timeout.
// Built from its parts, as handshake does with wrap_socket: --verify none
// is a context dtls_connect refuses.
DTLSSocket dtls_handshake(const Context& ctx, const ConnectPlan& plan) {
  Connection conn = ctx.wrap_bio({.server_hostname = plan.server_hostname});
  if (plan.mtu != 0) {
    conn.set_ciphertext_mtu(plan.mtu);
  }
  DTLSSocket s(create_connection(plan.target.host, plan.target.port,
                                 {.timeout = plan.timeout, .family = plan.family, .type = SOCK_DGRAM}),
               std::move(conn));
  if (plan.status) {
    s.connection().request_ocsp();
  }
  s.do_handshake();
  return s;
}

// reporting_verify_failure runs `make` (a handshake); a verification
// failure first shows the chain, marked, beside the report (stderr keeps
// its one line).
template <typename Make>
auto reporting_verify_failure(const ParsedArgs& args, Make&& make) {
  try {
    return std::forward<Make>(make)();
  } catch (const SSLCertVerificationError&) {
    if (!args.flag("--json")) {
      print_verify_failure(std::cout, describe_exception(std::current_exception()));
    }
    throw;
  }
}

// converse reports the connection made, TLS (SSLSocket) or DTLS
// (DTLSSocket), and runs what was asked of it: -i, --send, --sess-out.
template <typename Sock>
int converse(const ParsedArgs& args, const ConnectPlan& plan, Sock& tls) {
  constexpr bool dtls = std::is_same_v<Sock, DTLSSocket>;
  SessionFacts facts = facts_of(tls.connection());
  if (plan.showcerts) {
    facts.peer_chain = chain_of(tls.connection());
  }
  if (plan.status) {
    facts.ocsp = staple_of(tls.connection());
  }
  if (plan.srtp) {
    facts.srtp_profile = tls.connection().selected_srtp_profile();
  }
  // In interactive mode stdout carries the server's bytes only: the report
  // goes to stderr, the facts before the conversation, how it ended after.
  std::ostream& report = plan.interactive ? std::cerr : std::cout;
  const bool json = args.flag("--json");
  if (plan.interactive && !json) {
    report << "connected to " << args.positionals().at(0) << "\n";
    print_session(report, facts);
    report << std::flush;
  }
  if (plan.interactive) {
    // UDP has no end of stream: after stdin ends, DTLS waits for replies
    // as --send does, then sends close_notify.
    facts.end_of_stream =
        relay(tls, STDIN_FILENO, STDOUT_FILENO, dtls ? std::min(plan.timeout, kIdleAfterSend) : plan.timeout);
  } else if (plan.send) {
    exchange(tls, *plan.send, plan.timeout, facts);
  }
  std::error_code ec;
  if constexpr (dtls) {
    tls.shutdown(ec);  // a courtesy close_notify
  } else {
    if (!plan.interactive && !plan.send && plan.sess_out) {
      await_session(tls, std::min(plan.timeout, kIdleAfterSend), facts);
    }
    if (plan.sess_out && !write_session_file(*plan.sess_out, tls)) {
      std::cerr << "sslpp: --sess-out: the server gave no resumable session; " << *plan.sess_out << " not written\n";
    }
    tls.shutdown_tls(ec);  // a courtesy close_notify; the peer may already be gone
  }
  if (json) {
    report << session_json(facts) << std::endl;
  } else if (plan.interactive) {
    report << "end of stream:   " << facts.end_of_stream.value_or("(none)") << std::endl;
  } else {
    report << "connected to " << args.positionals().at(0) << "\n";
    print_session(report, facts);
    report << std::flush;
  }
  return exit_ok;
}

}  // namespace

const CommandSpec& connect_spec() {
  static const CommandSpec spec{
      .name = "connect",
      .synopsis = "HOST:PORT",
      .min_positionals = 1,
      .max_positionals = 1,
      .summary = "connect to a TLS (or, with --dtls, DTLS) server and report the session",
      .details = "HOST is a name, an IPv4 address, or an IPv6 address in brackets ([::1]:443).\n"
                 "The server's certificate is verified against the system's CA store (or\n"
                 "--cafile/--capath) and must name HOST (or --servername).\n"
                 "Connection failures below TLS exit 1 with their own class name\n"
                 "(ConnectionRefusedError, TimeoutError, gaierror).\n"
                 "\n"
                 "--dtls speaks DTLS 1.2 over UDP instead, with the same verification and the\n"
                 "same report (version DTLSv1.2). --send TEXT, and each line of -i with its\n"
                 "newline, goes as one record in one datagram; -i writes each record received\n"
                 "as it came. UDP has no end of stream: after --send or the end of stdin,\n"
                 "connect reads until the server is quiet for 2 s (or --timeout, if shorter),\n"
                 "then sends close_notify. Not with --dtls: --starttls, --sess-in, --sess-out,\n"
                 "--min-version, --max-version.\n",
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
              {"-i", "", "interactive: stdin to the server, the server to stdout, until either ends (the default when stdin is a terminal, without --send or --json)"},
              {"--starttls", "PROTOCOL", "upgrade a plain-text connection first: smtp, imap, pop3, ftp, postgres, xmpp or ldap"},
              {"--showcerts", "", "show every certificate the server sent, decoded and as PEM (JSON: peer_chain)"},
              {"--status", "", "ask for an OCSP staple and show it (shown, not checked; JSON: ocsp)"},
              {"--trace", "", "write each handshake message and alert to stderr as it passes"},
              {"--sess-out", "FILE", "save the TLS session to FILE (PEM, mode 0600; it holds the session's secret)"},
              {"--sess-in", "FILE", "offer the session saved in FILE for resumption (the report says session reused: yes)"},
              {"-4", "", "connect over IPv4 only"},
              {"-6", "", "connect over IPv6 only"},
              {"--timeout", "SECONDS", "bound on connect, STARTTLS, handshake and each read; the idle wait after our close_notify in -i (default 10)"},
              {"--json", "", "print one JSON object (the session, or {\"error\": ...}); with -i, on stderr"},
          },
          dtls_options(),
      }),
  };
  return spec;
}

int connect(const ParsedArgs& args) {
  const ConnectPlan plan = as_bad_input([&] { return plan_of(args); });
  const Context ctx = as_bad_input([&] { return client_context(args, plan.dtls); });
  // The library checks the name when the connection is made, after the TCP
  // connect; a bad --servername is bad input, so ask it first.
  as_bad_input([&] { static_cast<void>(ctx.wrap_bio({.server_hostname = plan.server_hostname})); });
  if (args.flag("--trace")) {
    trace_messages(ctx, std::cerr);
  }
  if (plan.dtls) {
    DTLSSocket s = reporting_verify_failure(args, [&] { return dtls_handshake(ctx, plan); });
    return converse(args, plan, s);
  }
  // A session from --sess-in is held to this run's verification when the
  // handshake ends (the library's check of a resumed session), whatever
  // the run that saved it allowed.
  SSLSocket tls = reporting_verify_failure(args, [&] { return handshake(ctx, plan); });
  return converse(args, plan, tls);
}

}  // namespace sslpp::cli
