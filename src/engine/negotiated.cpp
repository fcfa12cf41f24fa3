// What a handshake settled beyond version and cipher: the key exchange
// group, the signature algorithm each side signed with, the peer's chains
// (as sent and as verified) and our own certificate.
#include <sslpp/connection.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "engine/engine.hpp"

namespace sslpp {

namespace {

// hash_name is the hash part of a TLS signature scheme name.
std::optional<std::string_view> hash_name(int nid) noexcept {
  switch (nid) {
    case NID_sha1:
      return "sha1";
    case NID_sha224:
      return "sha224";
    case NID_sha256:
      return "sha256";
    case NID_sha384:
      return "sha384";
    case NID_sha512:
      return "sha512";
    default:
      return std::nullopt;
  }
}

// sigalg_name names a signature as the TLS registry does (RFC 8446 section
// 4.2.3), from what OpenSSL 3.0 reports: the signature type, the hash, and
// the signer's key (which tells rsa_pss_rsae from rsa_pss_pss). OpenSSL
// 3.5 has the names itself (SSL_get0_signature_name).
std::optional<std::string> sigalg_name(int type, int hash, const EVP_PKEY* signer) {
  switch (type) {
    case EVP_PKEY_ED25519:
      return "ed25519";
    case EVP_PKEY_ED448:
      return "ed448";
    default:
      break;
  }
  const std::optional<std::string_view> h = hash_name(hash);
  if (!h) {
    return std::nullopt;
  }
  switch (type) {
    case EVP_PKEY_RSA_PSS: {
      const bool pss_key = signer != nullptr && ::EVP_PKEY_is_a(signer, "RSA-PSS") == 1;
      return std::string(pss_key ? "rsa_pss_pss_" : "rsa_pss_rsae_") + std::string(*h);
    }
    case EVP_PKEY_RSA:
      return "rsa_pkcs1_" + std::string(*h);
    case EVP_PKEY_DSA:
      return "dsa_" + std::string(*h);
    case EVP_PKEY_EC:
      // The TLS 1.3 names bind the curve to the hash; TLS 1.2 uses the same
      // code points for ECDSA with that hash on any curve.
      if (hash == NID_sha256) {
        return "ecdsa_secp256r1_sha256";
      }
      if (hash == NID_sha384) {
        return "ecdsa_secp384r1_sha384";
      }
      if (hash == NID_sha512) {
        return "ecdsa_secp521r1_sha512";
      }
      return "ecdsa_" + std::string(*h);
    default:
      return std::nullopt;
  }
}

std::optional<std::string> own_sigalg(const SSL* ssl) {
  int type = NID_undef;
  int hash = NID_undef;
  if (::SSL_get_signature_type_nid(ssl, &type) != 1) {
    return std::nullopt;
  }
  SSL_get_signature_nid(const_cast<SSL*>(ssl), &hash);
  const X509* cert = ::SSL_get_certificate(ssl);
  return sigalg_name(type, hash, cert != nullptr ? ::X509_get0_pubkey(cert) : nullptr);
}

std::optional<std::string> peer_sigalg(const SSL* ssl) {
  int type = NID_undef;
  int hash = NID_undef;
  if (::SSL_get_peer_signature_type_nid(ssl, &type) != 1) {
    return std::nullopt;
  }
  SSL_get_peer_signature_nid(const_cast<SSL*>(ssl), &hash);
  const X509* cert = ::SSL_get0_peer_certificate(ssl);
  return sigalg_name(type, hash, cert != nullptr ? ::X509_get0_pubkey(cert) : nullptr);
}

// sigalg_of is the sigalg of the client's (or the server's)
// signature, nullopt when it did not sign in this handshake.
std::optional<std::string> sigalg_of(const Connection& conn, bool of_client) {
  const SSL* ssl = conn.native_handle();
  if (!conn.is_handshake_done() || ::SSL_session_reused(ssl) == 1) {
    return std::nullopt;  // a resumed session signs nothing
  }
  const bool we_are_client = ::SSL_is_server(ssl) != 1;
  return of_client == we_are_client ? own_sigalg(ssl) : peer_sigalg(ssl);
}

void append(std::vector<Certificate>& out, const STACK_OF(X509)* chain) {
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    out.push_back(Certificate::from_native(sk_X509_value(chain, i)));
  }
}

}  // namespace

std::optional<TLSVersion> Connection::protocol_version() const noexcept {
  if (!is_handshake_done()) {
    return std::nullopt;
  }
  return static_cast<TLSVersion>(::SSL_version(impl_->ssl.get()));
}

std::optional<std::string> Connection::group() const {
  SSL* ssl = impl_->ssl.get();
  if (!is_handshake_done()) {
    return std::nullopt;
  }
  const int id = SSL_get_negotiated_group(ssl);
  if (id <= 0) {
    return std::nullopt;  // RSA key exchange or a plain PSK: no group
  }
  const char* name = ::SSL_group_to_name(ssl, id);
  if (name == nullptr) {
    return std::nullopt;
  }
  return std::string(name);
}

std::optional<std::string> Connection::client_sigalg() const { return sigalg_of(*this, true); }

std::optional<std::string> Connection::server_sigalg() const { return sigalg_of(*this, false); }

std::vector<Certificate> Connection::get_verified_chain() const {
  SSL* ssl = impl_->ssl.get();
  std::vector<Certificate> out;
  // Only a chain that verification accepted: under VERIFY_NONE OpenSSL
  // builds one too, and calling that "verified" would be a lie.
  const bool verified = (::SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0 &&
                        ::SSL_get_verify_result(ssl) == X509_V_OK && ::SSL_get0_peer_certificate(ssl) != nullptr;
  if (is_handshake_done() && verified) {
    append(out, ::SSL_get0_verified_chain(ssl));
  }
  return out;
}

std::vector<Certificate> Connection::get_unverified_chain() const {
  SSL* ssl = impl_->ssl.get();
  std::vector<Certificate> out;
  // A server's SSL_get_peer_cert_chain leaves the client's leaf out; a
  // client's starts with the server's leaf.
  X509* leaf = ::SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) {
    return out;
  }
  if (::SSL_is_server(ssl) == 1) {
    out.push_back(Certificate::from_native(leaf));
  }
  append(out, ::SSL_get_peer_cert_chain(ssl));
  return out;
}

std::optional<Certificate> Connection::get_certificate() const {
  X509* cert = ::SSL_get_certificate(impl_->ssl.get());
  if (cert == nullptr) {
    return std::nullopt;
  }
  return Certificate::from_native(cert);
}

}  // namespace sslpp
