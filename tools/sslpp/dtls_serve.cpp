// sslpp serve --dtls: a DTLS echo server on one UDP socket (the library's
// DTLSServer), with serve's certificate, options, event lines and stop
// signals.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <iostream>
#include <set>

#include "epoll.hpp"
#include "output.hpp"
#include "serve_common.hpp"
#include "serve_output.hpp"
#include "server_log.hpp"
#include "stoppable.hpp"
#include "tls_options.hpp"

namespace sslpp::cli {

namespace {

using namespace std::chrono_literals;

// The options of serve that mean nothing over DTLS.
constexpr std::string_view kNotWithDtls[] = {"--http", "--sni", "--reload", "--min-version", "--max-version"};

// DtlsServePlan is the command line read into what the server will do.
struct DtlsServePlan {
  std::string host;
  std::uint16_t port = 0;
  DTLSServerOptions options;
  std::optional<std::size_t> exit_after;
  bool srtp = false;
};

std::chrono::milliseconds whole_ms(std::chrono::duration<double> d) {
  return std::chrono::ceil<std::chrono::milliseconds>(d);
}

DtlsServePlan plan_of(const ParsedArgs& args) {
  refuse_options(args, kNotWithDtls, "cannot be used with --dtls");
  DtlsServePlan plan;
  plan.host = args.value("--host").value_or("127.0.0.1");
  plan.port = parse_port("--port", args.value("--port").value_or("0"));
  if (const auto n = optional_count(args, "--max-connections")) {
    plan.options.max_peers = *n;
  }
  if (const auto v = args.value("--handshake-timeout")) {
    plan.options.handshake_timeout = whole_ms(parse_seconds("--handshake-timeout", *v));
  }
  if (const auto v = args.value("--idle-timeout")) {
    plan.options.idle_timeout = whole_ms(parse_seconds("--idle-timeout", *v));
  }
  plan.options.mtu = parse_mtu(args);
  plan.exit_after = optional_count(args, "--exit-after");
  plan.srtp = args.flag("--srtp");
  return plan;
}

Context dtls_server_context(const ParsedArgs& args) {
  check_reload_options(args);
  Context ctx(DTLS_SERVER_METHOD);
  use_server_credential(args, ctx);
  apply_client_auth(args, ctx);
  apply_protocol_options(args, ctx);
  apply_srtp(args, ctx);
  return ctx;
}

// DtlsEchoLoop waits on the server's socket and a Waker, and hands what
// comes to the DTLSServer (next_event), echoing each record.
class DtlsEchoLoop final : public Stoppable {
 public:
  DtlsEchoLoop(const Context& ctx, const DtlsServePlan& plan)
      : server_(ctx, plan.host, plan.port, plan.options), exit_after_(plan.exit_after), srtp_(plan.srtp) {}

  [[nodiscard]] Address address() const { return server_.local_address(); }

  void stop() noexcept override {
    stop_ = true;
    waker_.wake();
  }

  // run serves until stop() or --exit-after, then says close_notify to the
  // clients still held.
  void run(const ServerLog& log) {
    while (!stop_ && !finished()) {
      log.flush_events();
      wait();
      while (!stop_ && !finished()) {
        const std::optional<DTLSServer::Event> ev = server_.next_event(0s);
        if (!ev) {
          break;
        }
        handle(*ev, log);
      }
    }
    for (const std::uint64_t peer : established_) {
      server_.close(peer);
    }
    established_.clear();
  }

 private:
  [[nodiscard]] bool finished() const noexcept { return exit_after_ && ended_ >= *exit_after_; }

  // wait returns when a datagram has come, a timer of the server's is due
  // (a retransmission, a timeout) or stop() was called.
  void wait() {
    std::array<pollfd, 2> fds{{{server_.fileno(), POLLIN, 0}, {waker_.fd(), POLLIN, 0}}};
    int wait_ms = -1;
    if (const auto due = server_.next_wakeup()) {
      const long long ms = std::chrono::ceil<std::chrono::milliseconds>(*due).count();
      wait_ms = static_cast<int>(std::clamp<long long>(ms, 0, 60000));
    }
    if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) {
      throw OSError(os_error_info(errno, "poll"));
    }
    if ((fds[1].revents & POLLIN) != 0) {
      waker_.clear();
    }
  }

  void handle(const DTLSServer::Event& ev, const ServerLog& log) {
    const std::string client = address_text(ev.address);
    switch (ev.kind) {
      case DTLSServer::EventKind::accepted: {
        established_.insert(ev.peer);
        const Connection* tls = server_.connection(ev.peer);
        if (tls == nullptr) {
          return;
        }
        JsonObject line = handshake_members(*tls);
        line.string("client", client);
        if (srtp_) {
          line.optional_string("srtp_profile", tls->selected_srtp_profile());
        }
        log.report_event(line.str());
        return;
      }
      case DTLSServer::EventKind::data:
        try {
          server_.send(ev.peer, ev.data);
        } catch (const std::exception&) {
          // A record bigger than fits ours (the client's MTU is larger):
          // that client's problem, not the server's.
          ErrorReport r = describe_exception(std::current_exception());
          r.message = client + ": " + r.message;
          log.report_failure(r);
        }
        return;
      case DTLSServer::EventKind::closed:
        ++ended_;
        established_.erase(ev.peer);
        log.report_event(JsonObject().string("event", "closed").string("client", client).str());
        return;
      case DTLSServer::EventKind::failed: {
        ++ended_;
        ErrorReport r = report_of(ev.error);
        if (established_.erase(ev.peer) != 0) {
          // After the handshake: stderr, as serve's TCP connections.
          r.message = client + ": " + r.message;
          log.report_failure(r);
        } else {
          log.report_event(error_members(r).string("client", client).str());
        }
        return;
      }
    }
  }

  DTLSServer server_;
  Waker waker_;
  std::atomic<bool> stop_ = false;
  std::optional<std::size_t> exit_after_;
  bool srtp_ = false;
  std::set<std::uint64_t> established_;  // the peers whose handshake finished
  std::size_t ended_ = 0;                // peers closed or failed
};

}  // namespace

int serve_dtls(const ParsedArgs& args) {
  const DtlsServePlan plan = as_bad_input([&] { return plan_of(args); });
  const Context ctx = as_bad_input([&] { return dtls_server_context(args); });
  DtlsEchoLoop loop(ctx, plan);
  HeldLines lines(STDOUT_FILENO);
  const ServerLog log{
      .event = [&lines](std::string_view line) { lines.add(line); },
      .failure = [](const ErrorReport& report) { std::cerr << error_line(report) << std::endl; },
      .flush = [&lines] { lines.write_out(); },
  };
  return serve_until_stopped(loop, log, lines);
}

}  // namespace sslpp::cli
