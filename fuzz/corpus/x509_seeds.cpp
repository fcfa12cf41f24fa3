// Seeds for the decoding targets: the harness PKI's certificates, names,
// keys, CRL and DH parameters in every encoding the targets accept, and
// certificates from x509-limbo (tests/data), which exercise far more of
// X.509 than a test PKI does.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "corpus/seeds.hpp"
#include "support/credentials_ops.hpp"
#include "support/pki.hpp"
#include "support/world.hpp"

namespace sslpp_fuzz::corpus {
namespace {

std::string to_string(const std::vector<std::byte>& v) { return {reinterpret_cast<const char*>(v.data()), v.size()}; }

std::string key_der(const sslpp::PrivateKey& key) {
  unsigned char* der = nullptr;
  const int n = ::i2d_PrivateKey(key.native_handle(), &der);
  std::string out = n > 0 ? std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n)) : "";
  ::OPENSSL_free(der);
  return out;
}

// ffdhe2048 (RFC 7919) as "DH PARAMETERS" PEM: a well-known group, so no
// slow and random parameter generation.
std::string dh_params_pem() {
  EVP_PKEY_CTX* ctx = ::EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  EVP_PKEY* params = nullptr;
  std::string pem;
  if (ctx != nullptr && ::EVP_PKEY_paramgen_init(ctx) == 1 && ::EVP_PKEY_CTX_set_group_name(ctx, "ffdhe2048") == 1 &&
      ::EVP_PKEY_paramgen(ctx, &params) == 1) {
    BIO* bio = ::BIO_new(::BIO_s_mem());
    if (bio != nullptr && ::PEM_write_bio_Parameters(bio, params) == 1) {
      char* data = nullptr;
      const long n = ::BIO_get_mem_data(bio, &data);
      pem.assign(data, static_cast<std::size_t>(n));
    }
    ::BIO_free(bio);
  }
  ::EVP_PKEY_free(params);
  ::EVP_PKEY_CTX_free(ctx);
  return pem;
}

// limbo_certificates extracts the distinct PEM certificates of limbo.json
// (JSON strings with "\n" escapes) up to `limit`, smallest first.
std::vector<std::string> limbo_certificates(const std::string& json, std::size_t limit) {
  static constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view end = "-----END CERTIFICATE-----";
  std::set<std::string> unique;
  for (std::size_t at = json.find(begin); at != std::string::npos; at = json.find(begin, at + 1)) {
    const std::size_t stop = json.find(end, at);
    if (stop == std::string::npos) {
      break;
    }
    std::string pem;
    const std::string_view raw = std::string_view(json).substr(at, stop + end.size() - at);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == 'n') {
        pem += '\n';
        ++i;
      } else {
        pem += raw[i];
      }
    }
    unique.insert(pem + "\n");
  }
  std::vector<std::string> sorted(unique.begin(), unique.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
  sorted.resize(std::min(sorted.size(), limit));
  return sorted;
}

}  // namespace

seeds certificate_seeds(const std::string& limbo_json) {
  const test_pki& pki = the_pki();
  seeds out;
  const std::vector<std::pair<std::string, const credential*>> creds{
      {"root", &pki.root}, {"server", &pki.server}, {"other", &pki.other_server},
      {"client", &pki.client}, {"revoked", &pki.revoked}};
  for (const auto& [name, cred] : creds) {
    const sslpp::Certificate& cert = cred->certificate;
    out.push_back({name + "_der", bytes().b(0).s(to_string(cert.der())).str()});
    out.push_back({name + "_pem", bytes().b(0).s(cert.pem()).str()});
    out.push_back({name + "_pem_verify", bytes().b(1).s("localhost\n").s(cert.pem()).str()});
    out.push_back({name + "_subject_der", bytes().b(0).s(to_string(cert.subject().der())).str()});
  }
  int i = 0;
  for (const std::string& pem : limbo_certificates(limbo_json, 120)) {
    out.push_back({"limbo_" + std::to_string(i++), bytes().b(i % 2).s(pem).str()});
  }
  return out;
}

seeds credentials_seeds() {
  const test_pki& pki = the_pki();
  using op = credentials_op;
  using pw = password_choice;
  const auto seed = [](op o, pw p, const std::string& data, std::string_view password_text = {}) {
    bytes b;
    b.b(static_cast<int>(o)).b(static_cast<int>(p));
    if (p == pw::from_input) {
      b.text(password_text);
    }
    return b.s(data).str();
  };
  const std::string root_pem = pki.root.certificate.pem();
  const std::string server_pem = pki.server.certificate.pem();
  const std::string plain_key = pki.server.key.pem();
  const std::string& encrypted_key = pki.server_key_encrypted;
  const std::string der_key = key_der(pki.server.key);
  seeds out{
      {"cadata_pem", seed(op::cadata_pem, pw::none, root_pem)},
      {"cadata_pem_all", seed(op::cadata_pem, pw::none, root_pem + server_pem + pki.client.certificate.pem())},
      {"cadata_der", seed(op::cadata_der, pw::none, to_string(pki.root.certificate.der()))},
      {"cafile_with_crl", seed(op::cafile, pw::none, root_pem + pki.crl_pem)},
      {"crl", seed(op::crl, pw::none, pki.crl_pem)},
      {"key_plain", seed(op::key_pem, pw::none, plain_key)},
      {"key_der", seed(op::key_der, pw::none, der_key)},
      {"public_key_pem", seed(op::public_key, pw::none, pki.server.key.public_key().pem())},
      {"public_key_der", seed(op::public_key, pw::none, to_string(pki.server.key.public_key().der()))},
      {"chain_plain", seed(op::chain_combined, pw::none, server_pem + plain_key)},
      {"chain_encrypted_right", seed(op::chain_combined, pw::right, server_pem + encrypted_key)},
      {"chain_key_only_wrong", seed(op::chain_key_only, pw::wrong, encrypted_key)},
      {"chain_callback_right", seed(op::chain_callback, pw::right, server_pem + encrypted_key)},
      {"chain_callback_throws", seed(op::chain_callback, pw::callback_throws, server_pem + encrypted_key)},
      {"passwd_cb_right", seed(op::passwd_cb_key, pw::right, encrypted_key)},
      {"passwd_cb_over_long", seed(op::passwd_cb_key, pw::over_long, encrypted_key)},
      {"key_file_asn1", seed(op::key_file_asn1, pw::none, der_key)},
      {"cert_files_pem", seed(op::cert_files, pw::none, server_pem)},
      {"cert_files_der", seed(op::cert_files, pw::none, to_string(pki.server.certificate.der()))},
      {"tmp_dh", seed(op::tmp_dh, pw::none, dh_params_pem())},
      {"client_ca", seed(op::client_ca, pw::none, root_pem + pki.client.certificate.pem())},
  };
  // The encrypted key under every password choice.
  const std::vector<std::pair<std::string, pw>> choices{{"none", pw::none},           {"right", pw::right},
                                                        {"wrong", pw::wrong},         {"over_long", pw::over_long},
                                                        {"from_input", pw::from_input}, {"throws", pw::callback_throws}};
  for (const auto& [label, choice] : choices) {
    out.push_back({"key_encrypted_" + label, seed(op::key_pem, choice, encrypted_key, password)});
    out.push_back({"chain_key_only_" + label, seed(op::chain_key_only, choice, encrypted_key, password)});
  }
  return out;
}

}  // namespace sslpp_fuzz::corpus
