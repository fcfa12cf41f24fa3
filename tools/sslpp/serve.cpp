// sslpp serve: a TLS echo server for tests and demos.
#include <memory>
#include <iostream>
#include <limits>
#include <mutex>

#include "commands.hpp"
#include "echo_server.hpp"
#include "output.hpp"
#include "tls_options.hpp"

namespace sslpp::cli {

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

// throwaway_credential is the default certificate: made in memory for
// localhost, 127.0.0.1 and ::1 by a CA that exists only in this process, so
// a client must use --verify none (or trust nothing it can check).
Credential throwaway_credential() {
  const auto ca = CertificateAuthority::create("sslpp serve throwaway CA");
  CertificateRequest request;
  request.common_name = "localhost";
  request.dns_names = {"localhost"};
  request.ip_addresses = {"127.0.0.1", "::1"};
  return ca.issue(request);
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
  apply_protocol_options(args, ctx);
  return {ascii_lower(text.substr(0, eq)), std::move(ctx)};
}

Context server_context(const ParsedArgs& args) {
  Context ctx(PROTOCOL_TLS_SERVER);
  if (!load_credential(args, ctx)) {
    const Credential cred = throwaway_credential();
    ctx.use_certificate(cred.certificate);
    ctx.use_privatekey(cred.key);
  }
  apply_client_auth(args, ctx);
  apply_protocol_options(args, ctx);

  std::vector<SniEntry> sni;
  for (const std::string& text : args.values("--sni")) {
    sni.push_back(parse_sni(args, text));
  }
  if (!sni.empty()) {
    // Runs on the connection's thread during its handshake; `sni` is only
    // read there, so connections may share it.
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
  return ctx;
}

std::string listening_line(const Address& a) {
  const std::string host = a.family == AF_INET6 ? "[" + a.host + "]" : a.host;
  return "listening on " + host + ":" + std::to_string(a.port);
}

}  // namespace

const CommandSpec& serve_spec() {
  static const CommandSpec spec{
      .name = "serve",
      .synopsis = "",
      .min_positionals = 0,
      .max_positionals = 0,
      .summary = "run a TLS echo server",
      .details = "Once ready, prints `listening on HOST:PORT` (the actual port) as its first line.\n"
                 "Then, for every connection, one JSON line: after a successful handshake\n"
                 "{\"event\": \"handshake\", \"version\", \"cipher\", \"alpn\", \"servername\", \"peercert\"},\n"
                 "after a failed one {\"event\": \"error\", \"class\", \"reason\", ...}.\n"
                 "Each connection echoes what it receives until the client closes. Clients are\n"
                 "served at once, each on its own thread (64 at most; others wait). A client\n"
                 "has 10 s to complete its handshake and may then stay idle for 300 s.\n",
      .options = concat({
          {
              {"--host", "ADDR", "address to listen on (default 127.0.0.1; ::1 for IPv6)"},
              {"--port", "N", "port to listen on (default 0: any free port)"},
          },
          credential_options("server certificate chain, PEM (default: a throwaway certificate for "
                             "localhost, 127.0.0.1 and ::1)"),
          {
              {"--cafile", "FILE", "CAs that issue client certificates"},
              {"--verify", "MODE", "client certificates: none (default), optional or required"},
              {"--sni", "NAME=CERTFILE,KEYFILE",
               "serve that certificate to clients asking for NAME (other names get --cert)", true},
          },
          protocol_options(),
          {
              {"--max-connections", "N", "exit 0 once N connections have ended (default: run until killed)"},
          },
      }),
  };
  return spec;
}

int serve(const ParsedArgs& args) {
  const std::string host = args.value("--host").value_or("127.0.0.1");
  const std::uint16_t port = as_bad_input([&] { return parse_port("--port", args.value("--port").value_or("0")); });
  const std::optional<std::size_t> max_connections = as_bad_input([&]() -> std::optional<std::size_t> {
    const auto v = args.value("--max-connections");
    if (!v) {
      return std::nullopt;
    }
    return parse_count("--max-connections", *v, 1, std::numeric_limits<std::uint32_t>::max());
  });
  Context ctx = as_bad_input([&] { return server_context(args); });

  EchoServer server(std::move(ctx), host, port);
  std::cout << listening_line(server.address()) << std::endl;
  std::mutex out;
  server.run(max_connections, [&out](const std::string& line) {
    const std::lock_guard lock(out);
    std::cout << line << std::endl;
  });
  return exit_ok;
}

}  // namespace sslpp::cli
