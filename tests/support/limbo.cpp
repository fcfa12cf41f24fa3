#include "support/limbo.hpp"
#include "support/owned.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <sslpp/cert_store.hpp>
#include <sslpp/certificate.hpp>
#include <sslpp/context.hpp>
#include <sslpp/error.hpp>

namespace sslpp::test {

namespace {

// parse_rfc3339 reads limbo's validation_time ("2024-03-01T00:00:00.999+00:00").
std::chrono::system_clock::time_point parse_rfc3339(const std::string& text) {
  int year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%d-%u-%uT%u:%u:%u%n", &year, &month, &day, &hour, &minute, &second, &consumed) != 6) {
    throw std::runtime_error("bad validation_time: " + text);
  }
  std::string rest = text.substr(static_cast<std::size_t>(consumed));
  std::chrono::milliseconds fraction{0};
  if (!rest.empty() && rest.front() == '.') {
    std::size_t digits = 1;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits])) != 0) {
      ++digits;
    }
    std::string ms = rest.substr(1, digits - 1);
    ms.resize(3, '0');
    fraction = std::chrono::milliseconds(std::stoi(ms));
    rest = rest.substr(digits);
  }
  if (rest != "+00:00" && rest != "Z") {
    throw std::runtime_error("validation_time not in UTC: " + text);
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (!date.ok()) {
    throw std::runtime_error("bad validation_time: " + text);
  }
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) + fraction;
}

LimboTestcase parse_case(const nlohmann::json& j) {
  LimboTestcase c;
  c.id = j.at("id").get<std::string>();
  c.description = j.at("description").get<std::string>();
  const std::string kind = j.at("validation_kind").get<std::string>();
  if (kind != "SERVER" && kind != "CLIENT") {
    throw std::runtime_error(c.id + ": unknown validation_kind " + kind);
  }
  c.client = kind == "CLIENT";
  c.expect_success = j.at("expected_result").get<std::string>() == "SUCCESS";
  c.trusted = j.at("trusted_certs").get<std::vector<std::string>>();
  c.untrusted = j.at("untrusted_intermediates").get<std::vector<std::string>>();
  c.peer = j.at("peer_certificate").get<std::string>();
  c.crls = j.at("crls").get<std::vector<std::string>>();
  if (const auto& t = j.at("validation_time"); !t.is_null()) {
    c.time = parse_rfc3339(t.get<std::string>());
  }
  if (const auto& name = j.at("expected_peer_name"); !name.is_null()) {
    const std::string name_kind = name.at("kind").get<std::string>();
    // DNS names and IP literals are both what VerifyOptions::hostname takes;
    // limbo has no DNS name that inet_pton would read as an address, so the
    // kind is kept. An RFC822 peer name has no equivalent in the handshake.
    if (name_kind != "DNS" && name_kind != "IP") {
      throw std::runtime_error(c.id + ": unsupported expected_peer_name kind " + name_kind);
    }
    c.hostname = name.at("value").get<std::string>();
  }
  if (const auto& d = j.at("max_chain_depth"); !d.is_null()) {
    c.depth = d.get<int>();
  }
  // The purpose follows validation_kind; an extended_key_usage that asks for
  // anything else could not be expressed.
  for (const auto& eku : j.at("extended_key_usage")) {
    if (eku.get<std::string>() != (c.client ? "clientAuth" : "serverAuth")) {
      throw std::runtime_error(c.id + ": unsupported extended_key_usage " + eku.dump());
    }
  }
  // Limbo's expected_peer_names (for CLIENT cases: the names the validator
  // should report) and the empty signature_algorithms / key_usage lists
  // are not checked: CertStore::verify has no equivalent.
  return c;
}

}  // namespace

const LimboData& limbo() {
  static const LimboData data = [] {
    LimboData d;
    try {
      std::ifstream in(SSLPP_SOURCE_DIR "/tests/data/x509-limbo/limbo.json");
      if (!in) {
        throw std::runtime_error("cannot open " SSLPP_SOURCE_DIR "/tests/data/x509-limbo/limbo.json");
      }
      const nlohmann::json j = nlohmann::json::parse(in);
      for (const auto& tc : j.at("testcases")) {
        d.cases.push_back(parse_case(tc));
      }
    } catch (const std::exception& e) {
      d.cases.clear();
      d.error = e.what();
    }
    return d;
  }();
  return data;
}


const Disagreements& known() {
  static const Disagreements list = [] {
    Disagreements d;
    std::ifstream in(SSLPP_SOURCE_DIR "/tests/data/limbo-disagreements.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line.front() == '#') {
        continue;
      }
      const std::size_t space = line.find_first_of(" \t");
      std::string id = line.substr(0, space);
      const std::size_t text = space == std::string::npos ? space : line.find_first_not_of(" \t", space);
      std::string reason = text == std::string::npos ? "" : line.substr(text);
      if (!d.reasons.emplace(id, std::move(reason)).second) {
        d.duplicates.push_back(std::move(id));
      }
    }
    return d;
  }();
  return list;
}

const std::map<std::string, std::string>& known_disagreements() { return known().reasons; }

// ---------------------------------------------------------------------------
// The harnesses

// run_case feeds one case through CertStore::verify with `flags`. Only
// SSLCertVerificationError counts as a verdict; anything else propagates.
Verdict run_case(const LimboTestcase& c, VerifyFlags flags, int security_level) {
  CertStore store;
  for (const std::string& pem : c.trusted) {
    store.add_cert(Certificate::from_pem(pem));
  }
  VerifyOptions options;
  for (const std::string& pem : c.crls) {
    store.add_crl(pem);
  }
  if (!c.crls.empty()) {
    flags |= VERIFY_CRL_CHECK_CHAIN;
  }
  for (const std::string& pem : c.untrusted) {
    options.untrusted.push_back(Certificate::from_pem(pem));
  }
  options.hostname = c.hostname;
  options.time = c.time;  // none: now, as limbo's schema says
  options.purpose = c.client ? Purpose::CLIENT_AUTH : Purpose::SERVER_AUTH;
  options.depth = c.depth;
  options.flags = flags;
  options.security_level = security_level;
  const Certificate peer = Certificate::from_pem(c.peer);
  try {
    (void)store.verify(peer, options);
    return {true, 0, {}};
  } catch (const SSLCertVerificationError& e) {
    return {false, e.verify_code(), e.what()};
  }
}

namespace {

void free_x509_stack(STACK_OF(X509)* s) { sk_X509_pop_free(s, X509_free); }

owned<X509, X509_free> x509_from_pem(const std::string& pem) {
  const owned<BIO, BIO_free_all> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  owned<X509, X509_free> cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    throw std::runtime_error("raw OpenSSL cannot read a certificate");
  }
  return cert;
}

owned<X509_CRL, X509_CRL_free> crl_from_pem(const std::string& pem) {
  const owned<BIO, BIO_free_all> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  owned<X509_CRL, X509_CRL_free> crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!crl) {
    throw std::runtime_error("raw OpenSSL cannot read a CRL");
  }
  return crl;
}

// limbo_any_root is a trusted certificate of the first case: something to
// load so create_default_context does not read the system's store.
std::string limbo_any_root() { return limbo().cases.empty() ? std::string() : limbo().cases.front().trusted.front(); }

}  // namespace

Verdict run_case_raw_openssl(const LimboTestcase& c) {
  const owned<X509_STORE, X509_STORE_free> store(X509_STORE_new());
  for (const std::string& pem : c.trusted) {
    X509_STORE_add_cert(store.get(), x509_from_pem(pem).get());
  }
  for (const std::string& pem : c.crls) {
    X509_STORE_add_crl(store.get(), crl_from_pem(pem).get());
  }
  const owned<STACK_OF(X509), free_x509_stack> untrusted(sk_X509_new_null());
  for (const std::string& pem : c.untrusted) {
    sk_X509_push(untrusted.get(), x509_from_pem(pem).release());
  }
  const owned<X509, X509_free> peer = x509_from_pem(c.peer);
  const owned<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx || X509_STORE_CTX_init(ctx.get(), store.get(), peer.get(), untrusted.get()) != 1) {
    throw std::runtime_error("raw OpenSSL cannot set up verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_STORE_CTX_set_purpose(ctx.get(), c.client ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER);
  if (!c.crls.empty()) {
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  if (c.time) {
    X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(*c.time));
  }
  if (c.depth) {
    X509_VERIFY_PARAM_set_depth(param, *c.depth);
  }
  if (!c.hostname.empty()) {
    unsigned char ip[16];
    const bool is_ip = inet_pton(AF_INET, c.hostname.c_str(), ip) == 1 || inet_pton(AF_INET6, c.hostname.c_str(), ip) == 1;
    const int set = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, c.hostname.c_str())
                          : X509_VERIFY_PARAM_set1_host(param, c.hostname.data(), c.hostname.size());
    if (set != 1) {
      throw std::runtime_error("raw OpenSSL cannot set the name " + c.hostname);
    }
  }
  ERR_clear_error();
  const int ok = X509_verify_cert(ctx.get());
  ERR_clear_error();
  if (ok == 1) {
    return {true, 0, {}};
  }
  const int code = X509_STORE_CTX_get_error(ctx.get());
  return {false, code, X509_verify_cert_error_string(code)};
}

VerifyFlags default_context_flags() {
  static const VerifyFlags flags = create_default_context(Purpose::SERVER_AUTH, {.cadata_pem = limbo_any_root()})
                                       .verify_flags();
  return flags;
}

VerifyFlags plain_context_flags() { return Context().verify_flags(); }

bool agrees(const LimboTestcase& c, const Verdict& v) { return v.success == c.expect_success; }

std::string describe(const LimboTestcase& c, const Verdict& v) {
  std::ostringstream out;
  out << c.id << ": limbo expects " << (c.expect_success ? "SUCCESS" : "FAILURE") << ", OpenSSL says "
      << (v.success ? "SUCCESS" : "FAILURE (" + std::to_string(v.code) + ": " + v.message + ")") << "\n"
      << c.description;
  return out.str();
}

}  // namespace sslpp::test
