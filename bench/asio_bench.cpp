// sslpp_asio_bench: sslpp::asio::stream against asio::ssl::stream, over TCP
// loopback, in one run.
//
// Both ends of every connection run as coroutines on one io_context on the
// benchmark thread, so a case's time is all the CPU both ends spend (and
// callgrind counts it all). The two stacks get the same certificates (EC
// P-256), the same verification (the CA, the host name "localhost") and the
// same TLS 1.3 defaults of OpenSSL; each keeps its own library's buffer
// default. Cases:
//   handshake/<side>  a new TCP connection, a verified handshake, close
//   bulk<N>/<side>    1 MiB from client to server in writes of N bytes
//                     (16 KiB and 1 KiB), over one established connection
// The machine is shared and noisy: rates are per CPU second of the
// benchmark thread (both ends run on it), not per wall second; run with
// repetitions and random interleaving (the defaults main() sets), and read
// the ratio lines at the end: medians of sslpp / asio::ssl with their spread.
#include <algorithm>
#include <exception>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/ssl.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <benchmark/benchmark.h>

#include <sslpp/asio.hpp>
#include <sslpp/sslpp.hpp>

#include "median_reporter.hpp"

namespace {

using ::asio::awaitable;
using ::asio::use_awaitable;
using ::asio::ip::tcp;

// Credentials made once: a CA and a "localhost" leaf, as PEM for asio::ssl.
struct Pki {
  sslpp::CertificateAuthority ca = sslpp::CertificateAuthority::create("bench CA");
  sslpp::Credential leaf = ca.issue({.common_name = "localhost", .dns_names = {"localhost"}});
  std::string ca_pem = ca.certificate().pem();
  std::string leaf_pem = leaf.certificate.pem();
  std::string key_pem = leaf.key.pem();
};
const Pki& pki() {
  static const Pki p;
  return p;
}

// -- The two stacks, behind one shape: make a client and a server stream
// over a socket, and the stream type.

struct SslppSide {
  using stream = sslpp::asio::stream<tcp::socket>;
  sslpp::Context client_ctx = sslpp::create_default_context(sslpp::Purpose::SERVER_AUTH, {.cadata_pem = pki().ca_pem});
  sslpp::Context server_ctx{sslpp::PROTOCOL_TLS_SERVER};
  SslppSide() {
    server_ctx.use_certificate(pki().leaf.certificate);
    server_ctx.use_privatekey(pki().leaf.key);
  }
  stream client(tcp::socket s) { return stream(std::move(s), client_ctx, {.server_hostname = "localhost"}); }
  stream server(tcp::socket s) { return stream(std::move(s), server_ctx, {.server_side = true}); }
  static awaitable<void> handshake(stream& s, bool server) {
    co_await s.async_handshake(server ? sslpp::asio::handshake_type::server : sslpp::asio::handshake_type::client,
                               use_awaitable);
  }
};

// sslpp releases OpenSSL's record buffers whenever a connection goes idle
// (Context::release_buffers, for memory per idle connection); asio::ssl
// keeps them. This side keeps them too: the same buffer policy on both.
struct SslppKeptBuffersSide : SslppSide {
  SslppKeptBuffersSide() {
    client_ctx.set_release_buffers(false);
    server_ctx.set_release_buffers(false);
  }
};

struct AsioSslSide {
  using stream = ::asio::ssl::stream<tcp::socket>;
  ::asio::ssl::context client_ctx{::asio::ssl::context::tls_client};
  ::asio::ssl::context server_ctx{::asio::ssl::context::tls_server};
  AsioSslSide() {
    // What create_default_context gives the other side: TLS 1.2 at least,
    // the CA, peer verification and the host name.
    client_ctx.set_options(::asio::ssl::context::no_tlsv1 | ::asio::ssl::context::no_tlsv1_1);
    client_ctx.add_certificate_authority(::asio::buffer(pki().ca_pem));
    client_ctx.set_verify_mode(::asio::ssl::verify_peer);
    // and create_default_context's verification flags.
    ::X509_VERIFY_PARAM_set_flags(::SSL_CTX_get0_param(client_ctx.native_handle()),
                                  X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN);
    server_ctx.set_options(::asio::ssl::context::no_tlsv1 | ::asio::ssl::context::no_tlsv1_1);
    server_ctx.use_certificate_chain(::asio::buffer(pki().leaf_pem));
    server_ctx.use_private_key(::asio::buffer(pki().key_pem), ::asio::ssl::context::pem);
  }
  stream client(tcp::socket s) {
    stream tls(std::move(s), client_ctx);
    ::SSL_set_tlsext_host_name(tls.native_handle(), "localhost");
    tls.set_verify_callback(::asio::ssl::host_name_verification("localhost"));
    return tls;
  }
  stream server(tcp::socket s) { return stream(std::move(s), server_ctx); }
  static awaitable<void> handshake(stream& s, bool server) {
    co_await s.async_handshake(server ? ::asio::ssl::stream_base::server : ::asio::ssl::stream_base::client,
                               use_awaitable);
  }
};

// Loop: one io_context and a listener on 127.0.0.1.
struct Loop {
  ::asio::io_context io{1};
  tcp::acceptor acceptor{io, tcp::endpoint(::asio::ip::make_address("127.0.0.1"), 0)};
  bool failed = false;

  // run runs `a` and `b` to completion; false if either threw.
  bool run(awaitable<void> a, awaitable<void> b) {
    int done = 0;
    auto finish = [&](std::exception_ptr e) {
      ++done;
      if (e) {
        failed = true;
      }
    };
    ::asio::co_spawn(io, std::move(a), finish);
    ::asio::co_spawn(io, std::move(b), finish);
    io.restart();
    while (done < 2 && io.run_one() > 0) {
    }
    return !failed;
  }
};

// The two ends of a new connection through the loop's listener, each
// handshaken on its side's stream.
template <class Side>
awaitable<void> accept_end(Loop& loop, Side& side, std::optional<typename Side::stream>& out) {
  tcp::socket s = co_await loop.acceptor.async_accept(use_awaitable);
  s.set_option(tcp::no_delay(true));
  out.emplace(side.server(std::move(s)));
  co_await Side::handshake(*out, true);
}
template <class Side>
awaitable<void> connect_end(Loop& loop, Side& side, std::optional<typename Side::stream>& out) {
  tcp::socket s(loop.io);
  co_await s.async_connect(loop.acceptor.local_endpoint(), use_awaitable);
  s.set_option(tcp::no_delay(true));
  out.emplace(side.client(std::move(s)));
  co_await Side::handshake(*out, false);
}

// connect_pair makes a new verified connection: false if it failed.
template <class Side>
bool connect_pair(Loop& loop, Side& side, std::optional<typename Side::stream>& server,
                  std::optional<typename Side::stream>& client) {
  return loop.run(accept_end(loop, side, server), connect_end(loop, side, client));
}

template <class Side>
void bm_handshake(benchmark::State& state) {
  Side side;
  Loop loop;
  for (auto _ : state) {
    std::optional<typename Side::stream> server;
    std::optional<typename Side::stream> client;
    if (!connect_pair(loop, side, server, client)) {
      state.SkipWithError("handshake failed");
      return;
    }
  }
  state.counters["handshakes_per_second"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                               benchmark::Counter::kIsRate);
}

template <class Side>
void bm_bulk(benchmark::State& state) {
  const std::size_t chunk = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t kTotal = 1 << 20;
  Side side;
  Loop loop;
  std::optional<typename Side::stream> server;
  std::optional<typename Side::stream> client;
  if (!connect_pair(loop, side, server, client)) {
    state.SkipWithError("handshake failed");
    return;
  }
  const std::string payload(chunk, 'x');
  std::vector<char> sink(kTotal);
  for (auto _ : state) {
    const bool ok = loop.run(
        [&]() -> awaitable<void> {
          for (std::size_t sent = 0; sent < kTotal; sent += chunk) {
            co_await ::asio::async_write(*client, ::asio::buffer(payload), use_awaitable);
          }
        }(),
        [&]() -> awaitable<void> { co_await ::asio::async_read(*server, ::asio::buffer(sink), use_awaitable); }());
    if (!ok) {
      state.SkipWithError("transfer failed");
      return;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kTotal));
  state.counters["MiB_per_second"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                        benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_TEMPLATE(bm_handshake, SslppSide)->Name("handshake/sslpp");
BENCHMARK_TEMPLATE(bm_handshake, AsioSslSide)->Name("handshake/asio_ssl");
BENCHMARK_TEMPLATE(bm_bulk, SslppSide)->Name("bulk16k/sslpp")->Arg(16384);
BENCHMARK_TEMPLATE(bm_bulk, AsioSslSide)->Name("bulk16k/asio_ssl")->Arg(16384);
BENCHMARK_TEMPLATE(bm_bulk, SslppSide)->Name("bulk1k/sslpp")->Arg(1024);
BENCHMARK_TEMPLATE(bm_bulk, AsioSslSide)->Name("bulk1k/asio_ssl")->Arg(1024);
BENCHMARK_TEMPLATE(bm_bulk, SslppKeptBuffersSide)->Name("bulk16k/sslpp_kept")->Arg(16384);
BENCHMARK_TEMPLATE(bm_bulk, SslppKeptBuffersSide)->Name("bulk1k/sslpp_kept")->Arg(1024);

int main(int argc, char** argv) {
  // Repetitions, interleaved at random across cases, unless told otherwise.
  std::vector<char*> args(argv, argv + argc);
  std::string reps = "--benchmark_repetitions=15";
  std::string interleave = "--benchmark_enable_random_interleaving=true";
  std::string min_time = "--benchmark_min_time=0.2";
  const auto given = [&](const char* prefix) {
    return std::any_of(args.begin() + 1, args.end(), [&](const char* a) { return std::string(a).starts_with(prefix); });
  };
  for (std::string* s : {&reps, &interleave, &min_time}) {
    if (!given(s->substr(0, s->find('=')).c_str())) {
      args.push_back(s->data());
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  sslpp_bench::MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nsslpp::asio::stream / asio::ssl::stream: ratio of medians [of the quartiles furthest apart];"
              " > 1 means sslpp is faster\n");
  struct Case {
    const char* name;
    const char* ours;
    const char* counter;
  };
  const Case cases[] = {{"handshake", "sslpp", "handshakes_per_second"},
                        {"bulk16k", "sslpp", "MiB_per_second"},
                        {"bulk1k", "sslpp", "MiB_per_second"},
                        {"bulk16k", "sslpp_kept", "MiB_per_second"},
                        {"bulk1k", "sslpp_kept", "MiB_per_second"}};
  for (const auto& [name, side, counter] : cases) {
    const std::string label = std::string(name) + (std::string(side) == "sslpp" ? "" : " (buffers kept)");
    const auto ours = reporter.median(std::string(name) + "/" + side, counter);
    const auto theirs = reporter.median(std::string(name) + "/asio_ssl", counter);
    if (ours && theirs && theirs->value > 0) {
      // The spread: the ratio of quartiles that are furthest apart.
      const auto oq = reporter.quartiles(std::string(name) + "/" + side, counter);
      const auto tq = reporter.quartiles(std::string(name) + "/asio_ssl", counter);
      std::printf("  %-26s %.3f", label.c_str(), ours->value / theirs->value);
      if (oq && tq) {
        std::printf(" [%.3f, %.3f]", oq->first / tq->second, oq->second / tq->first);
      }
      std::printf("  (sslpp %.1f, asio::ssl %.1f %s; %zu repetitions)\n", ours->value, theirs->value, counter,
                  ours->repetitions);
    }
  }
  return reporter.any_failed() ? 1 : 0;
}
