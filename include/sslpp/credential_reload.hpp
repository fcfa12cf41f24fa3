/// \file
/// A server certificate replaced while the server runs: ServerCredential
/// (a certificate, its chain and its key), check_credential (is it fit to
/// serve?) and ReloadableCredential (the one a Context serves, swapped
/// atomically while other threads make handshakes).
///
/// Go's tls.Config.GetCertificate and rustls' ResolvesServerCert also let a
/// server change certificates without a restart, but they serve whatever
/// the application hands them. Here a candidate is checked before it is
/// swapped in: the key matches, every certificate is within its validity
/// period, the leaf is fit for a TLS server, and the chain verifies. A
/// candidate that fails leaves the current credential in place.
///
///     sslpp::ReloadableCredential served(sslpp::ServerCredential::load("cert.pem", "key.pem"));
///     sslpp::Context ctx(sslpp::PROTOCOL_TLS_SERVER);
///     served.attach(ctx);
///     // later, on any thread (SIGHUP, a file watcher):
///     std::error_code ec;
///     served.reload("cert.pem", "key.pem", ec);  // on failure, the old one stays
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <sslpp/cert_store.hpp>
#include <sslpp/certificate.hpp>
#include <sslpp/error.hpp>
#include <sslpp/export.hpp>
#include <sslpp/keys.hpp>

namespace sslpp {

class Context;

namespace detail {
struct credential_slot;
}

/// credential_errc says why a credential was refused. The codes are
/// credential_category()'s; CredentialError carries them, and the
/// error_code forms report them.
enum class credential_errc {
  /// A file could not be read (missing, permissions, a directory).
  unreadable = 1,
  /// The certificate file holds no certificate, or one that does not parse.
  no_certificate,
  /// The key file holds no private key, one that does not parse, or an
  /// encrypted one the password does not open.
  bad_private_key,
  /// The private key is not the certificate's.
  key_mismatch,
  /// A certificate of the chain is past its notAfter.
  expired,
  /// A certificate of the chain is before its notBefore.
  not_yet_valid,
  /// The chain does not verify (to the policy's trust, or as sent).
  chain_untrusted,
  /// The leaf's key usage or extended key usage does not allow a TLS server.
  not_for_server,
};

/// credential_category is the category of credential_errc.
SSLPP_API const std::error_category& credential_category() noexcept;
/// make_error_code is the code of a credential_errc.
SSLPP_API std::error_code make_error_code(credential_errc e) noexcept;
/// credential_reason is the mnemonic of a credential_errc ("KEY_MISMATCH",
/// "EXPIRED", ...): what CredentialError::reason() reports.
SSLPP_API std::string_view credential_reason(credential_errc e) noexcept;

/// CredentialError is the exception for a refused credential: code() is a
/// credential_category() code, reason() its mnemonic ("KEY_MISMATCH"),
/// library() "CREDENTIAL", and what() says which certificate and why.
class SSLPP_API CredentialError : public SSLError {
 public:
  using SSLError::SSLError;
  /// class_name() is "CredentialError".
  const char* class_name() const noexcept override { return "CredentialError"; }
};

/// ServerCredential is what a server proves itself with: its certificate,
/// the intermediates sent after it, and the certificate's private key.
struct ServerCredential {
  /// certificate is the leaf.
  Certificate certificate;
  /// chain are the certificates sent after the leaf, issuer of the leaf
  /// first (may be empty).
  std::vector<Certificate> chain{};
  /// key is the leaf's private key.
  PrivateKey key;

  /// load reads a PEM certificate chain (leaf first) and its private key
  /// (from `keyfile`, or from `certfile` when keyfile is empty), opening an
  /// encrypted key with `password`. It does not check them (see
  /// check_credential). Throws CredentialError: unreadable, no_certificate
  /// or bad_private_key.
  SSLPP_API static ServerCredential load(const std::filesystem::path& certfile,
                                         const std::filesystem::path& keyfile = {},
                                         std::optional<std::string_view> password = std::nullopt);
};

/// CredentialPolicy says what check_credential verifies the chain against.
struct CredentialPolicy {
  /// trust, when given, holds the anchors the chain must verify to (what
  /// the server's clients trust). Without it the chain is verified as sent:
  /// the leaf must be signed by the chain's first certificate, each of
  /// those by the next, and the last is taken as the anchor (a leaf sent
  /// alone must then be self-signed to be checked: one issued by a CA
  /// that is not sent has nothing to be verified against, and only its
  /// key, dates and key usage are checked).
  std::optional<CertStore> trust{};
};

///@{
/// check_credential checks that `credential` can be served: its key is the
/// certificate's (X509_check_private_key), every certificate of the chain
/// is within its validity period now, the leaf's key usage allows a TLS
/// server, and the chain verifies per `policy` (for TLS server use, at
/// OpenSSL's security level 2; a leaf sent alone without a trust store has
/// nothing to verify against, see CredentialPolicy). The throwing form raises CredentialError;
/// the other sets `ec` to a credential_category() code (cleared on
/// success). The first problem found is the one reported, in that order.
SSLPP_API void check_credential(const ServerCredential& credential, const CredentialPolicy& policy = {});
SSLPP_API void check_credential(const ServerCredential& credential, const CredentialPolicy& policy,
                                std::error_code& ec);
///@}

/// ReloadableCredential holds the credential a server serves now, and
/// replaces it, checked first, while other threads make handshakes with it.
///
/// Copies share the one slot. attach() makes a server Context serve it:
/// each handshake takes the credential current when the server reads the
/// ClientHello and keeps it to the end (a swap never changes a connection
/// under way, nor one already made). A replacement is published atomically:
/// a handshake sees the old credential or the new one, whole.
///
/// Thread safety: replace, reload and current may be called from any
/// thread at any time, while handshakes run on others. attach is a Context
/// setting: call it while configuring the context.
class SSLPP_API ReloadableCredential {
 public:
  /// ReloadableCredential starts with `initial`, checked with `policy`
  /// (which every replacement is checked with too). Throws CredentialError
  /// when `initial` fails the check.
  explicit ReloadableCredential(ServerCredential initial, CredentialPolicy policy = {});

  ///@{
  /// replace checks `candidate` and, if it passes, makes it the current
  /// credential for handshakes that start from now on. When it fails, the
  /// current credential stays: the throwing form raises CredentialError, the
  /// other sets `ec` (cleared on success). Running out of memory throws
  /// from both (std::bad_alloc, or SSLError from OpenSSL).
  void replace(ServerCredential candidate);
  void replace(ServerCredential candidate, std::error_code& ec);
  ///@}

  ///@{
  /// reload is ServerCredential::load followed by replace: an unreadable
  /// file, like a bad one, leaves the current credential in place.
  void reload(const std::filesystem::path& certfile, const std::filesystem::path& keyfile = {},
              std::optional<std::string_view> password = std::nullopt);
  void reload(const std::filesystem::path& certfile, const std::filesystem::path& keyfile,
              std::optional<std::string_view> password, std::error_code& ec);
  ///@}

  /// current is the credential served now (a snapshot: it stays valid,
  /// and unchanged, after a later replace).
  [[nodiscard]] std::shared_ptr<const ServerCredential> current() const;
  /// generation counts the replacements made (0 for the initial credential).
  [[nodiscard]] std::uint64_t generation() const;

  /// attach makes the server `context` serve this credential: each
  /// handshake of a connection made from it (or switched to it by an SNI
  /// callback) takes the current one, in place of any certificate and key
  /// the context (or the connection itself) was given. The context keeps
  /// the slot alive; attaching another ReloadableCredential replaces this
  /// one. Throws ValueError on a PROTOCOL_TLS_CLIENT context. Underneath: SSL_CTX_set_cert_cb, and
  /// SSL_use_cert_and_key on each connection.
  void attach(Context& context) const;

 private:
  std::shared_ptr<detail::credential_slot> slot_;
};

}  // namespace sslpp

/// \cond
template <>
struct std::is_error_code_enum<sslpp::credential_errc> : std::true_type {};
/// \endcond
