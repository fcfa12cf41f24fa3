// sslpp serve: a TLS echo server (or, with --http, a small HTTPS server)
// for tests, demos and load tests, on one event loop (event_loop_server.hpp).
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>

#include "commands.hpp"
#include "event_loop_server.hpp"
#include "output.hpp"
#include "serve_common.hpp"
#include "serve_output.hpp"
#include "serve_reload.hpp"
#include "tls_options.hpp"

namespace sslpp::cli {

// ---------------------------------------------------------------------------
// What serve --dtls shares (serve_common.hpp)

namespace {

// throwaway_credential is the default certificate: made in memory for
// localhost, 127.0.0.1 and ::1 and signed by its own key, so a client
// trusts it by trusting the certificate itself (--print-cert writes it).
Credential throwaway_credential() {
  CertificateRequest request;
  request.common_name = "localhost";
  request.dns_names = {"localhost"};
  request.ip_addresses = {"127.0.0.1", "::1"};
  return CertificateAuthority::self_signed(request);
}

}  // namespace

bool use_server_credential(const ParsedArgs& args, Context& ctx) {
  if (load_credential(args, ctx)) {
    return true;
  }
  const Credential cred = throwaway_credential();
  ctx.use_certificate(cred.certificate);
  ctx.use_privatekey(cred.key);
  print_cert(args, cred.certificate);
  return false;
}

// apply_client_auth applies --cafile and --verify. Every context of the
// server gets them, SNI ones too: a connection switched to another context
// must not lose the client-certificate policy.
void apply_client_auth(const ParsedArgs& args, Context& ctx) {
  const VerifyMode mode = parse_verify_mode("--verify", args.value("--verify").value_or("none"));
  const auto cafile = args.value("--cafile");
  if (mode != CERT_NONE && !cafile) {
    throw UsageError("--verify optional|required needs --cafile (the CAs that issue client certificates)");
  }
  if (cafile) {
    ctx.load_verify_locations(*cafile);
  }
  ctx.set_verify_mode(mode);
}

// print_cert writes the throwaway certificate for --print-cert FILE.
void print_cert(const ParsedArgs& args, const Certificate& cert) {
  const auto file = args.value("--print-cert");
  if (!file) {
    return;
  }
  const std::string pem = cert.pem();
  std::FILE* out = std::fopen(file->c_str(), "wb");
  if (out == nullptr) {
    throw_error(os_error_info(errno, "--print-cert: cannot write '" + *file + "'"));
  }
  const bool written = std::fwrite(pem.data(), 1, pem.size(), out) == pem.size();
  const int err = errno;
  if (std::fclose(out) != 0 || !written) {
    throw_error(os_error_info(written ? errno : err, "--print-cert: cannot write '" + *file + "'"));
  }
}

// check_reload_options refuses --reload and --print-cert where they mean
// nothing, before anything is loaded.
void check_reload_options(const ParsedArgs& args) {
  const bool has_files = args.value("--cert") || !args.values("--sni").empty();
  if (args.flag("--reload") && !has_files) {
    throw UsageError("--reload needs --cert or --sni (the files to watch)");
  }
  if (const auto file = args.value("--print-cert")) {
    if (args.value("--cert")) {
      throw UsageError("--print-cert writes the throwaway certificate: it cannot be used with --cert");
    }
    if (file->empty()) {
      throw UsageError("--print-cert needs a file name");
    }
  }
}

std::string address_text(const Address& a) {
  const std::string host = a.family == AF_INET6 ? "[" + a.host + "]" : a.host;
  return host + ":" + std::to_string(a.port);
}

std::string listening_line(const Address& a) { return "listening on " + address_text(a); }

std::optional<std::size_t> optional_count(const ParsedArgs& args, std::string_view option) {
  const auto v = args.value(option);
  if (!v) {
    return std::nullopt;
  }
  return parse_count(option, *v, 1, std::numeric_limits<std::uint32_t>::max());
}

namespace {

// SniEntry is one --sni NAME=CERTFILE,KEYFILE.
struct SniEntry {
  std::string name;
  Context context;
};

std::string ascii_lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return s;
}

// ServerSetup is the server's context and the certificates it may reload.
struct ServerSetup {
  Context ctx;
  std::vector<ReloadTarget> targets;
  bool throwaway = false;
};

// apply_protocols applies --alpn, --min-version, --max-version and
// --ciphers; with --http and no --alpn, the server selects "http/1.1" for
// clients that offer it, as an HTTPS server does.
void apply_protocols(const ParsedArgs& args, Context& ctx) {
  apply_protocol_options(args, ctx);
  if (args.flag("--http") && !args.value("--alpn")) {
    ctx.set_alpn_protocols({"http/1.1"});
  }
}

// parse_sni reads NAME=CERTFILE,KEYFILE and loads that certificate into a
// context of its own, with the same settings as the main one.
SniEntry parse_sni(const ParsedArgs& args, const std::string& text) {
  const std::size_t eq = text.find('=');
  const std::size_t comma = text.find(',', eq == std::string::npos ? 0 : eq);
  if (eq == 0 || eq == std::string::npos || comma == std::string::npos || comma == eq + 1 ||
      comma + 1 == text.size()) {
    throw ValueError("--sni: '" + text + "' is not NAME=CERTFILE,KEYFILE");
  }
  Context ctx(PROTOCOL_TLS_SERVER);
  ctx.load_cert_chain(text.substr(eq + 1, comma - eq - 1), text.substr(comma + 1), args.value("--password"));
  apply_client_auth(args, ctx);
  apply_protocols(args, ctx);
  return {ascii_lower(text.substr(0, eq)), std::move(ctx)};
}

// sni_files are the CERTFILE and KEYFILE of a --sni that parse_sni accepted.
std::pair<std::string, std::string> sni_files(const std::string& text) {
  const std::size_t eq = text.find('=');
  const std::size_t comma = text.find(',', eq);
  return {text.substr(eq + 1, comma - eq - 1), text.substr(comma + 1)};
}

ServerSetup server_setup(const ParsedArgs& args) {
  check_reload_options(args);
  ServerSetup setup{Context(PROTOCOL_TLS_SERVER), {}, false};
  Context& ctx = setup.ctx;
  if (use_server_credential(args, ctx)) {
    setup.targets.push_back({"", *args.value("--cert"), args.value("--key").value_or(""), ctx.share()});
  } else {
    setup.throwaway = true;
  }
  apply_client_auth(args, ctx);
  apply_protocols(args, ctx);

  std::vector<SniEntry> sni;
  for (const std::string& text : args.values("--sni")) {
    sni.push_back(parse_sni(args, text));
    const auto [certfile, keyfile] = sni_files(text);
    setup.targets.push_back({sni.back().name, certfile, keyfile, sni.back().context.share()});
  }
  if (!sni.empty()) {
    // Runs during each handshake; `sni` is only read there, so connections
    // may share it.
    // (A std::function must be copyable: the contexts are held by one
    // shared, immutable list.)
    auto entries = std::make_shared<const std::vector<SniEntry>>(std::move(sni));
    ctx.set_tlsext_servername_callback([entries](Connection& conn) {
      const auto name = conn.get_servername();
      if (!name) {
        return;
      }
      // DNS names compare without regard to ASCII case.
      const std::string wanted = ascii_lower(*name);
      for (const SniEntry& entry : *entries) {
        if (entry.name == wanted) {
          conn.set_context(entry.context);
          return;
        }
      }
    });
  }
  return setup;
}

// raise_descriptor_limit lifts the soft RLIMIT_NOFILE to the hard limit:
// each client holds one descriptor, and the soft limit (often 1024) is only
// a default. Failing to raise it is no error: the server then holds fewer.
void raise_descriptor_limit() noexcept {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

ServerOptions server_options(const ParsedArgs& args) {
  ServerOptions o;
  o.protocol = args.flag("--http") ? AppProtocol::http : AppProtocol::echo;
  o.max_connections = optional_count(args, "--max-connections");
  o.exit_after = optional_count(args, "--exit-after");
  if (const auto v = args.value("--handshake-timeout")) {
    o.handshake_timeout = parse_seconds("--handshake-timeout", *v);
  }
  if (const auto v = args.value("--idle-timeout")) {
    o.idle_timeout = parse_seconds("--idle-timeout", *v);
  }
  return o;
}

}  // namespace

const CommandSpec& serve_spec() {
  static const CommandSpec spec{
      .name = "serve",
      .synopsis = "",
      .min_positionals = 0,
      .max_positionals = 0,
      .summary = "run a TLS echo server (or, with --http, a small HTTPS server; with --dtls, a DTLS one)",
      .details = "Once ready, prints `listening on HOST:PORT` (the actual port) as its first line.\n"
                 "Then, for every connection, one JSON line: after a successful handshake\n"
                 "{\"event\": \"handshake\", \"version\", \"cipher\", \"alpn\", \"servername\", \"peercert\"},\n"
                 "after a failed one {\"event\": \"error\", \"class\", \"reason\", ...}. Failures after the\n"
                 "handshake (a reset, a bad record, the idle timeout) go to stderr, one line each.\n"
                 "Each connection echoes what it receives until the client closes; with --http\n"
                 "it answers each HTTP/1.1 request (keep-alive, pipelining) with a small page\n"
                 "and adds a {\"event\": \"request\", ...} line per request.\n"
                 "\n"
                 "One thread serves every client (epoll): no thread per client, and no cap on\n"
                 "clients other than --max-connections and the descriptor limit, whose soft\n"
                 "value serve raises to the hard one. At the cap, new clients wait in the listen\n"
                 "backlog until a connection ends. A client has --handshake-timeout to complete\n"
                 "its handshake, and is closed (with close_notify) once idle for --idle-timeout,\n"
                 "so silent or slow clients cost the others nothing. After a fatal alert, or\n"
                 "after close_notify, serve shuts down writing and waits (1 s at most) for the\n"
                 "client to close, so the client reads the alert instead of a reset.\n"
                 "The event lines of one turn of the event loop are written together, before\n"
                 "the server waits for more events: a line is at most one turn (microseconds to\n"
                 "milliseconds) late, never held while the server waits. SIGINT and SIGTERM\n"
                 "stop the server, write the lines it holds (within a second), then end it as\n"
                 "the signal would have. A reader of stdout that stops reading stops the server.\n"
                 "\n"
                 "SIGHUP reloads the certificates from their files (--cert, --key and each\n"
                 "--sni); with --reload, so does a change to those files (a rewrite, or a new\n"
                 "file renamed over one). A reloaded certificate is checked first: the key\n"
                 "matches, no certificate of the chain is expired or not yet valid, the leaf may\n"
                 "serve TLS, and the chain as sent verifies. Only then does it serve new\n"
                 "connections; connections already made keep theirs, and a file that fails the\n"
                 "check (or cannot be read) leaves the old certificate in place. Each reload\n"
                 "prints {\"event\": \"reload\", \"ok\": true, \"sni\", \"subject\", \"not_after\",\n"
                 "\"sha256\"} or {\"event\": \"reload\", \"ok\": false, \"sni\", \"class\", \"reason\",\n"
                 "\"message\"}. Without --cert the throwaway certificate is self-signed, for\n"
                 "localhost, 127.0.0.1 and ::1: --print-cert FILE writes it, for clients to\n"
                 "trust (sslpp connect --cafile FILE).\n"
                 "\n"
                 "--dtls serves DTLS 1.2 on a UDP port instead: an echo server (each record\n"
                 "comes back as one record) on one socket for every client, with a stateless\n"
                 "cookie exchange before any state is kept for a client. The same first line\n"
                 "and the same handshake and error events, each with \"client\": \"HOST:PORT\"\n"
                 "(UDP knows its clients by address); a client that sends close_notify ends\n"
                 "with {\"event\": \"closed\", \"client\"}. A failure after the handshake\n"
                 "(--idle-timeout, a bad record) goes to stderr. --max-connections caps the\n"
                 "clients held (default 1024; more are not answered), --exit-after counts the\n"
                 "clients that ended (closed, failed or timed out). SIGINT and SIGTERM stop it\n"
                 "as they stop serve, sending close_notify to the clients still held; SIGHUP\n"
                 "reloads nothing. Not with --dtls: --http, --sni, --reload, --min-version,\n"
                 "--max-version.\n",
      .options = concat({
          {
              {"--host", "ADDR", "address to listen on (default 127.0.0.1; ::1 for IPv6)"},
              {"--port", "N", "port to listen on (default 0: any free port)"},
          },
          credential_options("server certificate chain, PEM (default: a self-signed throwaway certificate for "
                             "localhost, 127.0.0.1 and ::1)"),
          {
              {"--cafile", "FILE", "CAs that issue client certificates"},
              {"--verify", "MODE", "client certificates: none (default), optional or required"},
              {"--sni", "NAME=CERTFILE,KEYFILE",
               "serve that certificate to clients asking for NAME (other names get --cert)", true},
              {"--reload", "", "reload --cert/--key and --sni files when they change (SIGHUP always reloads)"},
              {"--print-cert", "FILE", "write the throwaway certificate (PEM) to FILE, for clients to trust; "
                                       "not with --cert"},
          },
          protocol_options(),
          {
              {"--http", "", "answer HTTP/1.1 requests with a small page instead of echoing (ALPN http/1.1 "
                             "unless --alpn)"},
              {"--max-connections", "N", "at most N connections open at once; more wait in the listen backlog "
                                         "(default: no cap but the descriptor limit)"},
              {"--handshake-timeout", "SECONDS", "close a client that has not completed its handshake after this "
                                                 "long (default 10)"},
              {"--idle-timeout", "SECONDS", "close a connection after this long without traffic (default 300)"},
              {"--exit-after", "N", "exit 0 once N connections have ended (default: run until killed)"},
          },
          dtls_options(),
      }),
  };
  return spec;
}

int serve(const ParsedArgs& args) {
  if (args.flag("--dtls")) {
    return serve_dtls(args);
  }
  as_bad_input([&] { refuse_options(args, dtls_only_options, "needs --dtls"); });
  const std::string host = args.value("--host").value_or("127.0.0.1");
  const std::uint16_t port = as_bad_input([&] { return parse_port("--port", args.value("--port").value_or("0")); });
  const ServerOptions options = as_bad_input([&] { return server_options(args); });
  ServerSetup setup = as_bad_input([&] { return server_setup(args); });
  CredentialReloader reloader(std::move(setup.targets), args.value("--password"), setup.throwaway);
  std::optional<FileWatch> files;
  if (args.flag("--reload")) {
    files.emplace(as_bad_input([&] { return FileWatch(reloader.files()); }));
  }

  raise_descriptor_limit();
  EventLoopServer server(std::move(setup.ctx), host, port, options);
  HeldLines lines(STDOUT_FILENO);
  const ServerLog log{
      .event = [&lines](std::string_view line) { lines.add(line); },
      .failure = [](const ErrorReport& report) { std::cerr << error_line(report) << std::endl; },
      .flush = [&lines] { lines.write_out(); },
  };
  // Before the listening line: whoever reads it may send SIGHUP at once.
  ReloadSignal hup;
  server.watch(hup.fd(), [&] {
    hup.take();
    reloader.reload_all(log);
  });
  if (files) {
    server.watch(files->inotify_fd(), [&] { files->on_event(); });
    server.watch(files->timer_fd(), [&] {
      if (files->on_settled()) {
        reloader.reload_changed(log);
      }
    });
  }
  return serve_until_stopped(server, log, lines);
}

}  // namespace sslpp::cli
