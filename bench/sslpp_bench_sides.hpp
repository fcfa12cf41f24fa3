// The two sides sslpp_bench compares, over in-memory pairs: sslpp's
// Connection on memory BIOs, and the raw OpenSSL C API on memory BIOs as a
// careful C programmer would write it, reduced to the same few steps (Step)
// so that the same driver templates (sslpp_bench_cases.hpp) run both. Also
// the test PKI both serve, and Config: the settings a case varies, applied
// alike to both sides.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sslpp/certificate_authority.hpp>
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/session.hpp>
#include <sslpp/status.hpp>

#include "raw_openssl.hpp"
#include "sslpp_contexts.hpp"

namespace sslpp_bench::memory {

// ===========================================================================
// Test PKI and the shared settings

inline constexpr const char* kHost = "localhost";

struct Pki {
  sslpp::CertificateAuthority ca;
  sslpp::Credential ecdsa;
  std::string ca_pem;
};

inline sslpp::CertificateRequest localhost_request(sslpp::KeyType type) {
  sslpp::CertificateRequest r;
  r.common_name = kHost;
  r.dns_names = {kHost};
  r.key_type = type;
  return r;
}

// pki is made once, outside every timing.
inline const Pki& pki() {
  static const Pki instance = [] {
    auto ca = sslpp::CertificateAuthority::create("sslpp bench CA");
    auto ecdsa = ca.issue(localhost_request(sslpp::KeyType::ec_p256));
    std::string pem = ca.certificate().pem();
    return Pki{std::move(ca), std::move(ecdsa), std::move(pem)};
  }();
  return instance;
}

// rsa_credential is made on first use, by handshake_rsa's set-up only: RSA
// key generation is 99 % of the benchmark's start-up instructions (4
// billion, 12 s under callgrind), which every other case would pay too.
inline const sslpp::Credential& rsa_credential() {
  static const sslpp::Credential instance = pki().ca.issue(localhost_request(sslpp::KeyType::rsa2048));
  return instance;
}

enum class Key { ecdsa, rsa };
inline const sslpp::Credential& credential(Key key) { return key == Key::rsa ? rsa_credential() : pki().ecdsa; }

// Config is what a case varies, applied alike to both sides. The defaults
// are each library's: sslpp's Context as constructed, and raw OpenSSL set up
// to match it (make_raw_contexts). check_same_context compares what OpenSSL
// lets it read back (version bounds, mode, ticket count); the probe
// handshake and `expect` catch the rest (groups).
struct Config {
  bool keep_buffers = false;           // release_buffers off / OpenSSL's default mode
  bool client_tls12 = false;           // the client's maximum version is TLS 1.2
  std::optional<std::size_t> tickets;  // TLS 1.3 tickets the server sends (OpenSSL's default: 2)
  bool no_auto_chain = false;          // server: SSL_MODE_NO_AUTO_CHAIN (no chain built per handshake)
  bool server_trusts_ca = false;       // the CA in the server's store too, where a chain build finds it
  std::string client_groups;           // key exchange groups offered ("": the default list)
  std::string server_groups;           // and accepted
  std::string expect;                  // a word the probe handshake's negotiated() must contain
};

// The result of one step on either API, reduced to what the drivers need.
enum class Io { ok, want, failed };
struct Step {
  Io status = Io::failed;
  std::size_t bytes = 0;
};

// ===========================================================================
// The sslpp side

class SslppSide {
 public:
  using Connection = sslpp::Connection;
  using Session = sslpp::Session;

  explicit SslppSide(const sslpp::Credential& server_credential, const Config& config = {})
      : contexts_(make_sslpp_contexts(config.keep_buffers, pki().ca_pem, server_credential)) {
    if (config.client_tls12) {
      contexts_.client.set_maximum_version(sslpp::TLSVersion::TLSv1_2);
    }
    if (config.tickets) {
      contexts_.server.set_num_tickets(*config.tickets);
    }
    if (config.no_auto_chain) {
      contexts_.server.set_auto_chain(false);
    }
    if (config.server_trusts_ca) {
      sslpp::VerifyLocations trust;
      trust.cadata_pem = pki().ca_pem;
      contexts_.server.load_verify_locations(trust);
    }
    if (!config.client_groups.empty()) {
      contexts_.client.set_groups(config.client_groups);
    }
    if (!config.server_groups.empty()) {
      contexts_.server.set_groups(config.server_groups);
    }
  }

  [[nodiscard]] Connection client(const Session* session = nullptr) const {
    return contexts_.client.wrap_bio(
        {.server_hostname = kHost, .session = session ? std::optional<Session>(*session) : std::nullopt});
  }
  [[nodiscard]] Connection server() const { return contexts_.server.wrap_bio({.server_side = true}); }
  [[nodiscard]] SSL_CTX* client_native() const { return contexts_.client.native_handle(); }
  [[nodiscard]] SSL_CTX* server_native() const { return contexts_.server.native_handle(); }

  static std::optional<Session> session(const Connection& c) { return c.session(); }
  static bool reused(const Connection& c) { return c.session_reused(); }
  static bool verified(const Connection& c) { return c.verify_result() == X509_V_OK; }
  static SSL* native(const Connection& c) { return c.native_handle(); }

  static std::size_t pull(Connection& c, std::span<std::byte> out) { return c.bio_read(out); }
  static void push(Connection& c, std::span<const std::byte> in) { c.bio_write(in); }

  static Step handshake(Connection& c) {
    std::error_code ec;
    return convert(c.do_handshake(ec));
  }
  static Step read(Connection& c, std::span<std::byte> out) {
    std::error_code ec;
    return convert(c.read(out, ec));
  }
  static Step write(Connection& c, std::span<const std::byte> in) {
    std::error_code ec;
    return convert(c.write(in, ec));
  }
  static Step shutdown(Connection& c) {
    std::error_code ec;
    return convert(c.shutdown(ec));
  }
  // Write coalescing (the small-writes case): on, and the flush that ends
  // a batch.
  static void coalesce(Connection& c) { c.set_coalescing(true); }
  static Step flush(Connection& c) {
    std::error_code ec;
    return convert(c.flush(ec));
  }
  // idle is what a driver does when a connection goes idle under the
  // adaptive policy (SSLSocket after idle_grace; an event loop's timer).
  static void idle(Connection& c) { c.release_buffers(); }

 private:
  static Step convert(sslpp::io_result r) {
    switch (r.status) {
      case sslpp::io_status::ok:
        return {Io::ok, r.bytes};
      case sslpp::io_status::want_read:
      case sslpp::io_status::want_write:
        return {Io::want, 0};
      default:
        return {Io::failed, 0};
    }
  }

  SslppContexts contexts_;
};

// ===========================================================================
// The raw OpenSSL side, written as a careful C programmer would

struct FreeSession {
  void operator()(SSL_SESSION* p) const noexcept { ::SSL_SESSION_free(p); }
};
struct FreeBio {
  void operator()(BIO* p) const noexcept { ::BIO_free(p); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, FreeSession>;
using BioPtr = std::unique_ptr<BIO, FreeBio>;

// RawConnection is an SSL with its two memory BIOs (owned by the SSL).
struct RawConnection {
  SslPtr ssl;
  BIO* rbio = nullptr;  // network -> TLS
  BIO* wbio = nullptr;  // TLS -> network
};

class RawSide {
 public:
  using Connection = RawConnection;
  using Session = SessionPtr;

  explicit RawSide(const sslpp::Credential& server_credential, const Config& config = {})
      : contexts_(make_raw_contexts(config.keep_buffers ? RawMode::keep_buffers : RawMode::release_buffers,
                                    pki().ca.certificate(), server_credential)) {
    SSL_CTX* client = contexts_.client.get();
    SSL_CTX* server = contexts_.server.get();
    if (config.client_tls12) {
      require(SSL_CTX_set_max_proto_version(client, TLS1_2_VERSION) == 1, "SSL_CTX_set_max_proto_version");
    }
    if (config.tickets) {
      require(::SSL_CTX_set_num_tickets(server, *config.tickets) == 1, "SSL_CTX_set_num_tickets");
    }
    if (config.no_auto_chain) {
      SSL_CTX_set_mode(server, SSL_MODE_NO_AUTO_CHAIN);
    }
    if (config.server_trusts_ca) {
      require(::X509_STORE_add_cert(::SSL_CTX_get_cert_store(server), pki().ca.certificate().native_handle()) == 1,
              "X509_STORE_add_cert");
    }
    if (!config.client_groups.empty()) {
      require(SSL_CTX_set1_groups_list(client, config.client_groups.c_str()) == 1, "SSL_CTX_set1_groups_list");
    }
    if (!config.server_groups.empty()) {
      require(SSL_CTX_set1_groups_list(server, config.server_groups.c_str()) == 1, "SSL_CTX_set1_groups_list");
    }
  }

  [[nodiscard]] Connection client(const Session* session = nullptr) const {
    Connection c = make_connection(contexts_.client.get());
    SSL* ssl = c.ssl.get();
    require(SSL_set_tlsext_host_name(ssl, kHost) == 1, "SSL_set_tlsext_host_name");
    require(::SSL_set1_host(ssl, kHost) == 1, "SSL_set1_host");
    ::SSL_set_connect_state(ssl);
    if (session != nullptr) {
      require(::SSL_set_session(ssl, session->get()) == 1, "SSL_set_session");
    }
    return c;
  }
  [[nodiscard]] Connection server() const {
    Connection c = make_connection(contexts_.server.get());
    ::SSL_set_accept_state(c.ssl.get());
    return c;
  }
  [[nodiscard]] SSL_CTX* client_native() const { return contexts_.client.get(); }
  [[nodiscard]] SSL_CTX* server_native() const { return contexts_.server.get(); }

  static std::optional<Session> session(const Connection& c) {
    SSL_SESSION* s = ::SSL_get1_session(c.ssl.get());
    if (s == nullptr) {
      return std::nullopt;
    }
    return SessionPtr(s);
  }
  static bool reused(const Connection& c) { return ::SSL_session_reused(c.ssl.get()) == 1; }
  static bool verified(const Connection& c) { return ::SSL_get_verify_result(c.ssl.get()) == X509_V_OK; }
  static SSL* native(const Connection& c) { return c.ssl.get(); }

  static std::size_t pull(Connection& c, std::span<std::byte> out) {
    std::size_t n = 0;
    if (::BIO_read_ex(c.wbio, out.data(), out.size(), &n) != 1) {
      return 0;  // nothing pending
    }
    return n;
  }
  static void push(Connection& c, std::span<const std::byte> in) {
    std::size_t n = 0;
    // A memory BIO takes everything or fails for lack of memory; the
    // handshake or read that follows then reports the damage.
    static_cast<void>(::BIO_write_ex(c.rbio, in.data(), in.size(), &n));
  }

  // Each I/O call starts with an empty error queue, as SSL_get_error(3)
  // requires ("The current thread's error queue must be empty before the
  // TLS/SSL I/O operation is attempted") and as nginx and CPython do; sslpp
  // does the same, more cheaply (it peeks before clearing).
  static Step handshake(Connection& c) {
    ::ERR_clear_error();
    const int r = ::SSL_do_handshake(c.ssl.get());
    return r == 1 ? Step{Io::ok, 0} : failure(c, r);
  }
  static Step read(Connection& c, std::span<std::byte> out) {
    std::size_t n = 0;
    ::ERR_clear_error();
    const int r = ::SSL_read_ex(c.ssl.get(), out.data(), out.size(), &n);
    return r == 1 ? Step{Io::ok, n} : failure(c, r);
  }
  static Step write(Connection& c, std::span<const std::byte> in) {
    std::size_t n = 0;
    ::ERR_clear_error();
    const int r = ::SSL_write_ex(c.ssl.get(), in.data(), in.size(), &n);
    return r == 1 ? Step{Io::ok, n} : failure(c, r);
  }
  // Raw OpenSSL has no coalescing (a record per SSL_write) and no idle
  // hook (its buffer mode decides alone).
  static void coalesce(Connection&) {}
  static Step flush(Connection&) { return {Io::ok, 0}; }
  static void idle(Connection&) {}
  static Step shutdown(Connection& c) {
    ::ERR_clear_error();
    const int r = ::SSL_shutdown(c.ssl.get());
    if (r == 0) {
      return {Io::want, 0};  // ours is sent; the peer's is not awaited
    }
    return r == 1 ? Step{Io::ok, 0} : failure(c, r);
  }

 private:
  static Connection make_connection(SSL_CTX* ctx) {
    Connection c;
    c.ssl.reset(::SSL_new(ctx));
    BioPtr rbio(::BIO_new(::BIO_s_mem()));
    BioPtr wbio(::BIO_new(::BIO_s_mem()));
    require(c.ssl != nullptr && rbio != nullptr && wbio != nullptr, "SSL_new/BIO_new");
    // An empty buffer means "no data yet" (retry), not end of file.
    BIO_set_mem_eof_return(rbio.get(), -1);
    BIO_set_mem_eof_return(wbio.get(), -1);
    c.rbio = rbio.get();
    c.wbio = wbio.get();
    // SSL_set_bio takes ownership of both.
    ::SSL_set_bio(c.ssl.get(), rbio.release(), wbio.release());
    return c;
  }

  static Step failure(Connection& c, int r) {
    switch (::SSL_get_error(c.ssl.get(), r)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        return {Io::want, 0};
      default:
        // A failed connection is dropped; leave no error for the next one.
        ::ERR_clear_error();
        return {Io::failed, 0};
    }
  }

  RawContexts contexts_;
};

}  // namespace sslpp_bench::memory
