// The sslpp side's contexts in every benchmark, built the same way by each
// SslppSide: the counterpart of make_raw_contexts (raw_openssl.hpp).
#pragma once

#include <string>

#include <sslpp/certificate_authority.hpp>
#include <sslpp/context.hpp>

namespace sslpp_bench {

// SslppContexts is a client context that trusts the CA and verifies the
// peer, and a server context that serves one credential.
struct SslppContexts {
  sslpp::Context client;
  sslpp::Context server;
};

// make_sslpp_contexts trusts `ca_pem` on the client and serves
// `server_credential`; with `keep_buffers`, release_buffers is off on both.
inline SslppContexts make_sslpp_contexts(bool keep_buffers, const std::string& ca_pem,
                                         const sslpp::Credential& server_credential) {
  SslppContexts c{sslpp::Context(sslpp::PROTOCOL_TLS_CLIENT), sslpp::Context(sslpp::PROTOCOL_TLS_SERVER)};
  if (keep_buffers) {
    c.client.set_release_buffers(false);
    c.server.set_release_buffers(false);
  }
  sslpp::VerifyLocations trust;
  trust.cadata_pem = ca_pem;
  c.client.load_verify_locations(trust);
  c.server.use_certificate(server_credential.certificate);
  c.server.use_privatekey(server_credential.key);
  c.server.check_privatekey();
  return c;
}

}  // namespace sslpp_bench
