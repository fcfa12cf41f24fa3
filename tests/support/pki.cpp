#include "support/pki.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

namespace sslpp::test {

namespace {

std::filesystem::path make_temp_dir() {
  std::string templ = (std::filesystem::temp_directory_path() / "sslpp-test-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  return templ;
}

CertificateRequest localhost(std::chrono::seconds not_before = std::chrono::hours(-1),
                             std::chrono::seconds not_after = std::chrono::hours(24 * 30)) {
  CertificateRequest r;
  r.common_name = "localhost";
  r.dns_names = {"localhost"};
  r.ip_addresses = {"127.0.0.1", "::1"};
  r.not_before_offset = not_before;
  r.not_after_offset = not_after;
  return r;
}

Pki make_pki() {
  const std::filesystem::path dir = make_temp_dir();
  auto ca = CertificateAuthority::create("sslpp test CA");
  auto other = CertificateAuthority::create("sslpp untrusted CA");
  CertificateRequest rsa = localhost();
  rsa.key_type = KeyType::rsa2048;
  CertificateRequest wrong;
  wrong.common_name = "wrong.example";
  wrong.dns_names = {"wrong.example"};
  CertificateRequest client;
  client.common_name = "client";
  Pki p{
      .dir = dir,
      .ca = ca,
      .ca_file = dir / "ca.pem",
      .other_ca = other,
      .server = write_credential(dir, "server", ca.issue(localhost())),
      .server_rsa = write_credential(dir, "server-rsa", ca.issue(rsa)),
      .expired = write_credential(dir, "expired", ca.issue(localhost(std::chrono::hours(-48), std::chrono::hours(-24)))),
      .not_yet_valid =
          write_credential(dir, "not-yet-valid", ca.issue(localhost(std::chrono::hours(24), std::chrono::hours(48)))),
      .wrong_name = write_credential(dir, "wrong-name", ca.issue(wrong)),
      .untrusted = write_credential(dir, "untrusted", other.issue(localhost())),
      .client = write_credential(dir, "client", ca.issue(client)),
      .encrypted_key = dir / "server-key-encrypted.pem",
  };
  write_text(p.ca_file, ca.certificate().pem());
  write_text(p.encrypted_key, p.server.credential.key.pem(p.key_password));
  return p;
}

}  // namespace

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

CredentialFiles write_credential(const std::filesystem::path& dir, const std::string& name, Credential c) {
  CredentialFiles f{std::move(c), dir / (name + "-cert.pem"), dir / (name + "-key.pem"), dir / (name + "-chain.pem")};
  write_text(f.cert, f.credential.certificate.pem());
  write_text(f.key, f.credential.key.pem());
  write_text(f.chain, f.credential.certificate.pem() + f.credential.key.pem());
  return f;
}

const Pki& pki() {
  static const Pki instance = [] {
    Pki p = make_pki();
    // Remove the files when the test process ends.
    static const std::filesystem::path dir = p.dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    return p;
  }();
  return instance;
}

namespace {

// trusting_ca is a client context of `protocol` trusting the test CA.
Context trusting_ca(Protocol protocol) {
  Context ctx(protocol);
  ctx.load_verify_locations(pki().ca_file);
  return ctx;
}

// serving is a server context of `protocol` serving `creds` (pki().server
// when null).
Context serving(Protocol protocol, const CredentialFiles* creds) {
  const CredentialFiles& c = creds != nullptr ? *creds : pki().server;
  Context ctx(protocol);
  ctx.load_cert_chain(c.cert, c.key);
  return ctx;
}

}  // namespace

Context client_context() { return trusting_ca(PROTOCOL_TLS_CLIENT); }
Context server_context(const CredentialFiles* creds) { return serving(PROTOCOL_TLS_SERVER, creds); }
Context dtls_client_context() { return trusting_ca(DTLS_CLIENT_METHOD); }
Context dtls_server_context(const CredentialFiles* creds) { return serving(DTLS_SERVER_METHOD, creds); }

void request_client_certs_later(Context& server_ctx) {
  server_ctx.load_verify_locations(pki().ca_file);
  server_ctx.set_verify(VERIFY_PEER | VERIFY_POST_HANDSHAKE);
}

}  // namespace sslpp::test
