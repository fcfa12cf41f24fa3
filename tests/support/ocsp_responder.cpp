#include "support/ocsp_responder.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <stdlib.h>

#include "support/owned.hpp"
#include "support/pki.hpp"
#include "support/subprocess.hpp"

namespace sslpp::test {

namespace {

OcspPki make_ocsp_pki() {
  Issued root = issue(ca_spec("sslpp OCSP test root"));
  Issued stranger = issue(ca_spec("sslpp OCSP stranger"));
  Issued leaf = issue({.common_name = "localhost", .dns_names = {"localhost"}, .ip_addresses = {"127.0.0.1"}}, &root);
  Issued other = issue({.common_name = "other", .dns_names = {"other.example"}}, &root);
  Issued responder = issue({.common_name = "sslpp OCSP responder", .ext_key_usage = "OCSPSigning"}, &root);
  Issued without_eku = issue({.common_name = "sslpp not a responder", .ext_key_usage = "serverAuth"}, &root);
  Issued stranger_leaf = issue({.common_name = "localhost", .dns_names = {"localhost"}}, &stranger);
  return {std::move(root),        std::move(leaf),     std::move(other),        std::move(responder),
          std::move(without_eku), std::move(stranger), std::move(stranger_leaf)};
}

// index_line is `cert`'s row in an `openssl ca` database (index.txt):
// status, expiry, revocation date[,reason], serial in hex as BN_bn2hex
// writes it (which is how `openssl ocsp` looks it up), file, subject.
std::string index_line(const Issued& cert, OcspStatus status) {
  const std::string revoked = status == OcspStatus::revoked ? "260101000000Z,keyCompromise" : "";
  return std::string(status == OcspStatus::revoked ? "R" : "V") + "\t491231235959Z\t" + revoked + "\t" +
         cert.cert.serial_number() + "\tunknown\t/CN=sslpp\n";
}

std::filesystem::path make_temp_dir() {
  std::string templ = (std::filesystem::temp_directory_path() / "sslpp-ocsp-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  return templ;
}

std::vector<std::byte> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) {
    throw std::runtime_error("cannot read " + path.string());
  }
  const auto* p = reinterpret_cast<const std::byte*>(text.data());
  return {p, p + text.size()};
}

// free_der frees what i2d_* allocated (OPENSSL_free is a macro).
void free_der(unsigned char* p) noexcept { OPENSSL_free(p); }

void check(bool ok, const char* what) {
  if (!ok) {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    throw std::runtime_error(std::string("sign_window: ") + what + ": " + (e != 0 ? ERR_reason_error_string(e) : "?"));
  }
}

}  // namespace

const OcspPki& ocsp_pki() {
  static const OcspPki pki = make_ocsp_pki();
  return pki;
}

OcspResponder::OcspResponder() : dir_(make_temp_dir()) {}

OcspResponder::~OcspResponder() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::filesystem::path OcspResponder::write(const std::string& name, const std::string& text) const {
  const std::filesystem::path p = dir_ / name;
  write_text(p, text);
  return p;
}

std::filesystem::path OcspResponder::write(const std::string& name, const std::vector<std::byte>& bytes) const {
  return write(name, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::vector<std::byte> OcspResponder::respond(const OcspAnswer& answer) {
  if (answer.cert == nullptr) {
    throw std::invalid_argument("OcspResponder::respond: no certificate");
  }
  const OcspPki& p = ocsp_pki();
  const Issued& issuer = answer.issuer != nullptr ? *answer.issuer : p.root;
  const Issued& signer = answer.signer != nullptr ? *answer.signer : issuer;
  const std::string n = std::to_string(++made_);
  const auto issuer_pem = write("issuer-" + n + ".pem", issuer.cert.pem());
  const auto cert = write("cert-" + n + ".pem", answer.cert->cert.pem());
  const auto rsigner = write("signer-" + n + ".pem", signer.cert.pem());
  const auto rkey = write("signer-key-" + n + ".pem", signer.key.pem());
  const auto index =
      write("index-" + n + ".txt", answer.status == OcspStatus::unknown ? "" : index_line(*answer.cert, answer.status));
  const auto out = dir_ / ("response-" + n + ".der");
  std::vector<std::string> argv = {SSLPP_OPENSSL, "ocsp",         "-index",  index.string(), "-CA",
                                   issuer_pem.string(), "-issuer", issuer_pem.string(), "-cert", cert.string(),
                                   "-rsigner",    rsigner.string(), "-rkey", rkey.string(), "-ndays",
                                   "1",           "-no_nonce",    "-respout", out.string()};
  argv.insert(argv.end(), answer.extra.begin(), answer.extra.end());
  Subprocess ocsp(argv);
  const std::optional<int> status = ocsp.wait();
  if (status != 0) {
    throw std::runtime_error("openssl ocsp failed: " + ocsp.describe());
  }
  return read_bytes(out);
}

std::vector<std::byte> sign_window(const Issued& cert, std::chrono::seconds this_update,
                                   std::chrono::seconds next_update, CertIdHash hash) {
  const Issued& root = ocsp_pki().root;
  const owned<OCSP_BASICRESP, OCSP_BASICRESP_free> basic(OCSP_BASICRESP_new());
  check(basic != nullptr, "OCSP_BASICRESP_new");
  const owned<OCSP_CERTID, OCSP_CERTID_free> id(
      OCSP_cert_to_id(hash == CertIdHash::sha256 ? EVP_sha256() : nullptr, cert.cert.native_handle(),
                      root.cert.native_handle()));
  check(id != nullptr, "OCSP_cert_to_id");
  const owned<ASN1_TIME, ASN1_TIME_free> this_time(X509_gmtime_adj(nullptr, this_update.count()));
  const owned<ASN1_TIME, ASN1_TIME_free> next_time(X509_gmtime_adj(nullptr, next_update.count()));
  check(this_time != nullptr && next_time != nullptr, "X509_gmtime_adj");
  check(OCSP_basic_add1_status(basic.get(), id.get(), V_OCSP_CERTSTATUS_GOOD, 0, nullptr, this_time.get(),
                               next_time.get()) != nullptr,
        "OCSP_basic_add1_status");
  check(OCSP_basic_sign(basic.get(), root.cert.native_handle(), root.key.native_handle(), EVP_sha256(), nullptr,
                        0) == 1,
        "OCSP_basic_sign");
  const owned<OCSP_RESPONSE, OCSP_RESPONSE_free> response(
      OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  check(response != nullptr, "OCSP_response_create");
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_RESPONSE(response.get(), &der);
  check(len > 0, "i2d_OCSP_RESPONSE");
  const owned<unsigned char, free_der> hold(der);
  const auto* bytes = reinterpret_cast<const std::byte*>(der);
  return {bytes, bytes + len};
}

Context ocsp_server_context(const Issued* leaf) {
  const Issued& l = leaf != nullptr ? *leaf : ocsp_pki().leaf;
  Context ctx(PROTOCOL_TLS_SERVER);
  ctx.use_certificate(l.cert);
  ctx.use_privatekey(l.key);
  return ctx;
}

Context ocsp_client_context() {
  Context ctx(PROTOCOL_TLS_CLIENT);
  const std::string root = ocsp_pki().root.cert.pem();
  ctx.load_verify_locations(VerifyLocations{.cadata_pem = root});
  return ctx;
}

}  // namespace sslpp::test
