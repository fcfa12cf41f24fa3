// A server credential read from files and checked before it is served:
// the key matches, the dates hold, the key usage allows a server, the chain
// verifies. The error category of its refusals lives here too.
#include <sslpp/credential_reload.hpp>

#include <ctime>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal/error_queue.hpp"
#include "internal/secret.hpp"
#include "x509/pem.hpp"

namespace sslpp {

namespace {

class credential_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sslpp.credential"; }
  std::string message(int value) const override {
    switch (static_cast<credential_errc>(value)) {
      case credential_errc::unreadable:
        return "credential file unreadable";
      case credential_errc::no_certificate:
        return "no certificate";
      case credential_errc::bad_private_key:
        return "bad private key";
      case credential_errc::key_mismatch:
        return "private key does not match the certificate";
      case credential_errc::expired:
        return "certificate has expired";
      case credential_errc::not_yet_valid:
        return "certificate is not yet valid";
      case credential_errc::chain_untrusted:
        return "certificate chain does not verify";
      case credential_errc::not_for_server:
        return "certificate is not for a TLS server";
    }
    return "unknown credential error";
  }
};

// refusal is one reason a credential cannot be served, with the detail a
// person needs to fix it.
struct refusal {
  credential_errc code;
  std::string detail;
};

[[noreturn]] void throw_refusal(const refusal& r) {
  ErrorInfo info;
  info.code = make_error_code(r.code);
  info.library = "CREDENTIAL";
  info.reason = std::string(credential_reason(r.code));
  info.message = "[CREDENTIAL: " + info.reason + "] " + info.code.message() + ": " + r.detail;
  throw CredentialError(std::move(info));
}

std::string utc_text(std::chrono::sys_seconds t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string quoted_subject(const Certificate& cert) { return "'" + cert.subject_name() + "'"; }

// check_dates finds a certificate of the chain outside its validity period.
std::optional<refusal> check_dates(const ServerCredential& c) {
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  std::vector<const Certificate*> all{&c.certificate};
  for (const Certificate& cert : c.chain) {
    all.push_back(&cert);
  }
  for (const Certificate* cert : all) {
    if (cert->not_after() < now) {
      return refusal{credential_errc::expired,
                     quoted_subject(*cert) + " expired at " + utc_text(cert->not_after())};
    }
    if (cert->not_before() > now) {
      return refusal{credential_errc::not_yet_valid,
                     quoted_subject(*cert) + " is valid from " + utc_text(cert->not_before())};
    }
  }
  return std::nullopt;
}

bool self_issued(const Certificate& cert) {
  return ::X509_NAME_cmp(::X509_get_subject_name(cert.native_handle()),
                         ::X509_get_issuer_name(cert.native_handle())) == 0;
}

// check_chain verifies the chain with CertStore::verify, which also checks
// the leaf's purpose: to the policy's trust, or, without one, as sent, its
// last certificate (or a self-issued leaf sent alone) taken as the anchor.
std::optional<refusal> check_chain(const ServerCredential& c, const CredentialPolicy& policy) {
  VerifyOptions options{.untrusted = c.chain, .purpose = Purpose::SERVER_AUTH};
  CertStore store;
  if (policy.trust) {
    store = *policy.trust;
  } else if (!c.chain.empty()) {
    store.add_cert(c.chain.back());
    // The last certificate sent is often an intermediate, not a root.
    options.flags = VERIFY_X509_PARTIAL_CHAIN;
  } else if (self_issued(c.certificate)) {
    store.add_cert(c.certificate);
    // OpenSSL takes an anchor's signature on trust; a self-signed leaf's is
    // all there is to check.
    options.flags = static_cast<VerifyFlags>(X509_V_FLAG_CHECK_SS_SIGNATURE);
  } else {
    return std::nullopt;  // nothing sent to verify the leaf with
  }
  try {
    (void)store.verify(c.certificate, options);
  } catch (const SSLCertVerificationError& e) {
    const long code = e.verify_code();
    const credential_errc errc = code == X509_V_ERR_CERT_HAS_EXPIRED    ? credential_errc::expired
                                 : code == X509_V_ERR_CERT_NOT_YET_VALID ? credential_errc::not_yet_valid
                                 : code == X509_V_ERR_INVALID_PURPOSE    ? credential_errc::not_for_server
                                                                         : credential_errc::chain_untrusted;
    return refusal{errc, quoted_subject(c.certificate) + ": " + e.verify_message() +
                             (policy.trust ? "" : " (verified as sent, without a trust store)")};
  }
  return std::nullopt;
}

std::optional<refusal> find_refusal(const ServerCredential& c, const CredentialPolicy& policy) {
  detail::clear_stale_errors();
  if (::X509_check_private_key(c.certificate.native_handle(), c.key.native_handle()) != 1) {
    ::ERR_clear_error();
    return refusal{credential_errc::key_mismatch, "the key (" + c.key.type_name() + ") is not the one of " +
                                                      quoted_subject(c.certificate)};
  }
  if (auto r = check_dates(c)) {
    return r;
  }
  // Checked here too, not only by the chain's verification, since a leaf
  // sent alone without a trust store is not verified.
  if (::X509_check_purpose(c.certificate.native_handle(), X509_PURPOSE_SSL_SERVER, 0) != 1) {
    ::ERR_clear_error();
    return refusal{credential_errc::not_for_server,
                   quoted_subject(c.certificate) + "'s key usage or extended key usage excludes a TLS server"};
  }
  return check_chain(c, policy);
}

// load_step runs one step of ServerCredential::load and turns what it
// throws into a CredentialError with `code` (unreadable for every file
// error), so that reload's error_code form reports every bad file.
template <typename F>
auto load_step(credential_errc code, const std::filesystem::path& file, F&& step) {
  try {
    return step();
  } catch (const CredentialError&) {
    throw;
  } catch (const SSLError& e) {
    throw_refusal({code, "'" + file.string() + "': " + e.what()});
  } catch (const OSError& e) {
    throw_refusal({credential_errc::unreadable, e.what()});
  } catch (const ValueError& e) {
    throw_refusal({code, "'" + file.string() + "': " + e.what()});  // a password longer than OpenSSL takes
  }
}

}  // namespace

const std::error_category& credential_category() noexcept {
  static const credential_category_impl category;
  return category;
}

std::error_code make_error_code(credential_errc e) noexcept { return {static_cast<int>(e), credential_category()}; }

std::string_view credential_reason(credential_errc e) noexcept {
  switch (e) {
    case credential_errc::unreadable:
      return "UNREADABLE";
    case credential_errc::no_certificate:
      return "NO_CERTIFICATE";
    case credential_errc::bad_private_key:
      return "BAD_PRIVATE_KEY";
    case credential_errc::key_mismatch:
      return "KEY_MISMATCH";
    case credential_errc::expired:
      return "EXPIRED";
    case credential_errc::not_yet_valid:
      return "NOT_YET_VALID";
    case credential_errc::chain_untrusted:
      return "CHAIN_UNTRUSTED";
    case credential_errc::not_for_server:
      return "NOT_FOR_SERVER";
  }
  return "UNKNOWN";
}

ServerCredential ServerCredential::load(const std::filesystem::path& certfile, const std::filesystem::path& keyfile,
                                        std::optional<std::string_view> password) {
  std::vector<Certificate> certs = load_step(credential_errc::no_certificate, certfile, [&] {
    std::vector<Certificate> out;
    for (const auto& x509 : detail::parse_certificates(detail::read_file(certfile), FILETYPE_PEM)) {
      out.push_back(Certificate::from_native(x509.get()));
    }
    return out;
  });
  const std::filesystem::path& keypath = keyfile.empty() ? certfile : keyfile;
  PrivateKey key = load_step(credential_errc::bad_private_key, keypath, [&] {
    const detail::secret_text data(detail::read_file(keypath));
    detail::password_source source;
    if (password) {
      const std::string_view pw = *password;
      source.provide = [pw](int, bool) { return std::string(pw); };
    }
    return PrivateKey::from_native(detail::parse_private_key(data.str(), FILETYPE_PEM, &source).get());
  });
  Certificate leaf = certs.front();  // parse_certificates found one at least
  certs.erase(certs.begin());
  return ServerCredential{std::move(leaf), std::move(certs), std::move(key)};
}

void check_credential(const ServerCredential& credential, const CredentialPolicy& policy) {
  if (const auto r = find_refusal(credential, policy)) {
    throw_refusal(*r);
  }
}

void check_credential(const ServerCredential& credential, const CredentialPolicy& policy, std::error_code& ec) {
  const auto r = find_refusal(credential, policy);
  ec = r ? make_error_code(r->code) : std::error_code();
}

}  // namespace sslpp
