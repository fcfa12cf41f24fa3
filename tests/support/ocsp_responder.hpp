// OCSP responses for the stapling tests, made when the tests run the way a
// real responder makes them: `openssl ocsp` answering from an index.txt CA
// database. `openssl ocsp` in OpenSSL 3.0 takes only positive -ndays and
// -nmin, so it can never write a response whose nextUpdate has passed or
// whose thisUpdate is ahead; those two come from OpenSSL's OCSP API
// instead (sign_window).
//
//     OcspResponder responder;  // a temporary directory, removed afterwards
//     const auto good = responder.respond({.cert = &ocsp_pki().leaf});
//     const auto revoked = responder.respond({.cert = &ocsp_pki().leaf, .status = OcspStatus::revoked});
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <sslpp/context.hpp>

#include "support/cert_builder.hpp"

namespace sslpp::test {

// OcspPki is the stapling tests' PKI, made once per process: a root that
// issued the server's leaf (localhost, 127.0.0.1), a second leaf, a
// delegated responder (OCSPSigning EKU) and one without that EKU; and a
// stranger, a root nobody trusts, with a leaf of its own (localhost).
struct OcspPki {
  Issued root;
  Issued leaf;
  Issued other_leaf;
  Issued responder;
  Issued responder_without_eku;
  Issued stranger;
  Issued stranger_leaf;
};
const OcspPki& ocsp_pki();

enum class OcspStatus { good, revoked, unknown };

// OcspAnswer is one response to make: the status of `cert` as the index of
// its `issuer` (default: the root) records it (unknown: not in the index at
// all), signed by `signer` (default: the issuer itself).
struct OcspAnswer {
  const Issued* cert = nullptr;
  OcspStatus status = OcspStatus::good;
  const Issued* signer = nullptr;
  const Issued* issuer = nullptr;
  // extra is appended to the command line (e.g. {"-resp_no_certs"}).
  std::vector<std::string> extra{};
};

// OcspResponder is a temporary directory for `openssl ocsp`'s files; the
// destructor removes it.
class OcspResponder {
 public:
  OcspResponder();
  ~OcspResponder();
  OcspResponder(const OcspResponder&) = delete;
  OcspResponder& operator=(const OcspResponder&) = delete;

  // respond runs `openssl ocsp -index ... -respout ...` for `answer` and
  // returns the DER response (valid for a day). Throws std::runtime_error
  // (with openssl's output) when it fails.
  std::vector<std::byte> respond(const OcspAnswer& answer);
  // write puts `bytes` (or a credential's PEM) in the directory, for a peer
  // to read; returns the path.
  std::filesystem::path write(const std::string& name, const std::vector<std::byte>& bytes) const;
  std::filesystem::path write(const std::string& name, const std::string& text) const;
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  std::filesystem::path dir_;
  int made_ = 0;
};

// CertIdHash is the hash of a response's CertID. `openssl ocsp -rcid
// sha256` in OpenSSL 3.0 writes serial number 0 into the CertID, so a
// SHA-256 CertID about a real certificate also comes from sign_window.
enum class CertIdHash { sha1, sha256 };

// sign_window is a "good" response about `cert` by the root, signed with
// OpenSSL's OCSP API, whose thisUpdate and nextUpdate are these offsets
// from now: the validity windows `openssl ocsp` cannot make.
std::vector<std::byte> sign_window(const Issued& cert, std::chrono::seconds this_update,
                                   std::chrono::seconds next_update, CertIdHash hash = CertIdHash::sha1);

// ocsp_server_context serves `leaf` (default: ocsp_pki().leaf).
Context ocsp_server_context(const Issued* leaf = nullptr);
// ocsp_client_context trusts ocsp_pki().root and checks host names.
Context ocsp_client_context();

}  // namespace sslpp::test
