// sslpp demo: a whole TLS session in one process, with nothing from the
// outside: a throwaway CA, a server on 127.0.0.1, a verifying client, a
// message, and a second connection that resumes the first one's session.
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "event_loop_server.hpp"
#include "output.hpp"

namespace sslpp::cli {

namespace {

using namespace std::chrono_literals;

// Every network call of the demo is bounded: it runs on loopback, so this
// only runs out when something is broken.
constexpr std::chrono::duration<double> kTimeout = 10s;
constexpr std::string_view kMessage = "hello from the sslpp demo";
constexpr std::string_view kAlpn = "sslpp-demo/1";

// BackgroundServer runs the server of `sslpp serve` on its own thread for
// a number of connections; its destructor stops and joins it, so an error
// on the client side never leaves the thread behind.
class BackgroundServer {
 public:
  BackgroundServer(const Context& ctx, std::size_t connections)
      : server_(ctx.share(), "127.0.0.1", 0, {.exit_after = connections}), thread_([this] { run(); }) {}
  BackgroundServer(const BackgroundServer&) = delete;
  BackgroundServer& operator=(const BackgroundServer&) = delete;
  ~BackgroundServer() {
    server_.stop();
    thread_.join();
  }

  [[nodiscard]] std::uint16_t port() const { return server_.address().port; }

  /// finish waits for the served connections to end and returns the
  /// server's event lines.
  std::vector<std::string> finish() {
    thread_.join();
    thread_ = std::thread([] {});  // keeps the destructor's join valid
    const std::lock_guard lock(m_);
    return events_;
  }

 private:
  void run() noexcept {
    try {
      const ServerLog log{
          .event =
              [this](std::string_view line) {
                const std::lock_guard lock(m_);
                events_.emplace_back(line);
              },
          .failure = [](const ErrorReport& report) { std::cerr << error_line(report) << std::endl; },
          .flush = {},  // each line is kept as it comes
      };
      server_.run(log);
    } catch (...) {
      const std::lock_guard lock(m_);
      events_.push_back(error_line(describe_exception(std::current_exception())));
    }
  }

  EventLoopServer server_;
  std::mutex m_;
  std::vector<std::string> events_;
  std::thread thread_;  // last: starts once the rest exists
};

// read_exactly reads `n` bytes, fewer only if the server closes first.
std::string read_exactly(SSLSocket& tls, std::size_t n) {
  std::string got;
  while (got.size() < n) {
    const std::string part = tls.recv(n - got.size());
    if (part.empty()) {
      break;
    }
    got += part;
  }
  return got;
}

// talk makes one verified connection, sends the message, reads the echo,
// and closes cleanly (a session is only resumable after a clean close).
SessionFacts talk(const Context& ctx, std::uint16_t port, const Session* session, std::optional<Session>& out_session) {
  SSLSocket tls = ctx.wrap_socket(create_connection("127.0.0.1", port, kTimeout),
      {.server_hostname = "localhost", .session = session ? std::optional<Session>(*session) : std::nullopt});
  SessionFacts facts = facts_of(tls.connection());
  tls.sendall(kMessage);
  facts.received = read_exactly(tls, kMessage.size());
  // TLS 1.3 tickets arrive after the handshake; the read above took them in.
  out_session = tls.session();
  std::error_code ec;
  tls.shutdown_tls(ec);  // if it fails, the report shows the session not reused

  return facts;
}

}  // namespace

const CommandSpec& demo_spec() {
  static const CommandSpec spec{
      .name = "demo",
      .synopsis = "",
      .min_positionals = 0,
      .max_positionals = 0,
      .summary = "a verified TLS session on loopback, needing no network and no files",
      .details = "Creates a throwaway CA and a localhost certificate in memory, starts a TLS\n"
                 "echo server on 127.0.0.1 (an ephemeral port) in this process, connects a client\n"
                 "that trusts only that CA and checks the hostname, exchanges a message, then\n"
                 "reconnects offering the first session, and prints what happened.\n",
      .options = {},
  };
  return spec;
}

int demo(const ParsedArgs&) {
  const auto ca = CertificateAuthority::create("sslpp demo CA");
  CertificateRequest request;
  request.common_name = "localhost";
  request.dns_names = {"localhost"};
  request.ip_addresses = {"127.0.0.1", "::1"};
  const Credential server_cred = ca.issue(request);

  Context server_ctx(PROTOCOL_TLS_SERVER);
  server_ctx.use_certificate(server_cred.certificate);
  server_ctx.use_privatekey(server_cred.key);
  server_ctx.set_alpn_protocols({std::string(kAlpn)});

  // Python's create_default_context(cadata=...): CERT_REQUIRED, check_hostname.
  const std::string ca_pem = ca.certificate().pem();
  Context client_ctx = create_default_context(Purpose::SERVER_AUTH, {.cafile = {}, .capath = {}, .cadata_pem = ca_pem,
                                                                     .cadata_der = {}});
  client_ctx.set_alpn_protocols({std::string(kAlpn), "http/1.1"});

  BackgroundServer server(server_ctx, 2);
  std::cout << "sslpp demo: a TLS server and a client in one process, on 127.0.0.1:" << server.port() << "\n"
            << "  a throwaway CA (\"sslpp demo CA\") issued a certificate for localhost, 127.0.0.1 and ::1;\n"
            << "  the client trusts only that CA and checks that the certificate names \"localhost\".\n\n";

  std::optional<Session> session;
  const SessionFacts first = talk(client_ctx, server.port(), nullptr, session);
  std::cout << "first connection: sent " << json_quote(kMessage) << ", the server echoed it back\n";
  print_session(std::cout, first);
  if (first.peercert) {
    std::cout << "peer certificate as Python's getpeercert() gives it:\n  " << first.peercert->to_json() << "\n";
  }

  std::optional<Session> unused;
  const SessionFacts second = talk(client_ctx, server.port(), session ? &*session : nullptr, unused);
  std::cout << "\nsecond connection, offering the first one's session:\n"
            << "version:         " << second.version.value_or("(none)") << "\n"
            << "session reused:  " << (second.session_reused ? "yes" : "no") << "\n"
            << "received:        " << json_quote(second.received.value_or("")) << "\n";

  std::cout << "\nthe server's view (what `sslpp serve` prints per connection):\n";
  for (const std::string& line : server.finish()) {
    std::cout << "  " << line << "\n";
  }
  std::cout << std::flush;
  return exit_ok;
}

}  // namespace sslpp::cli
