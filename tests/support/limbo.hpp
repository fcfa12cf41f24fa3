// x509-limbo (C2SP's X.509 path-validation suite, tests/data/x509-limbo):
// the cases, the list of known disagreements, and two harnesses that give a
// verdict per case: sslpp's CertStore::verify and raw OpenSSL 3.0's
// X509_verify_cert with its defaults, to compare against.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sslpp/constants.hpp>

namespace sslpp::test {

// LimboTestcase is one case of limbo.json, in the fields the harness uses.
struct LimboTestcase {
  std::string id;
  std::string description;
  bool client = false;  // validation_kind CLIENT: the peer is a TLS client
  bool expect_success = false;
  std::vector<std::string> trusted;    // PEM
  std::vector<std::string> untrusted;  // PEM
  std::string peer;                    // PEM
  std::vector<std::string> crls;       // PEM
  std::optional<std::chrono::system_clock::time_point> time;
  std::string hostname;  // DNS name or IP literal; empty: none expected
  std::optional<int> depth;
};

struct LimboData {
  std::vector<LimboTestcase> cases;
  std::string error;  // why loading failed; empty when it did not
};

// limbo is every case of tests/data/x509-limbo/limbo.json, loaded once.
const LimboData& limbo();

// known_disagreements reads tests/data/limbo-disagreements.txt: one case id
// and its reason per line; '#' starts a comment (the group headings).
struct Disagreements {
  std::map<std::string, std::string> reasons;  // by case id
  std::vector<std::string> duplicates;         // ids listed twice
};
const Disagreements& known();
const std::map<std::string, std::string>& known_disagreements();

struct Verdict {
  bool success = false;
  long code = 0;        // the X509_V_ERR_* code when verification failed
  std::string message;  // why, when verification failed
};

// run_case feeds one case through CertStore::verify with `flags`. Only
// SSLCertVerificationError counts as a verdict; anything else propagates.
Verdict run_case(const LimboTestcase& c, VerifyFlags flags, int security_level = 2);

// run_case_raw_openssl feeds one case through OpenSSL 3.0 as a program using
// it directly would: X509_verify_cert with no flags, no security level
// (OpenSSL's X509_STORE_CTX default), and X509_check_host / X509_check_ip_asc
// with no host flags (so the subject commonName is used when there is no DNS
// name). CRL checking is on for cases with CRLs, as in run_case.
Verdict run_case_raw_openssl(const LimboTestcase& c);

// default_context_flags are the verify flags create_default_context sets
// (read from the library, so the tallies follow it); plain_context_flags
// are a plain Context()'s.
VerifyFlags default_context_flags();
VerifyFlags plain_context_flags();

bool agrees(const LimboTestcase& c, const Verdict& v);
std::string describe(const LimboTestcase& c, const Verdict& v);

// Tally is how many cases a harness agrees with limbo on.
struct Tally {
  int server = 0;
  int client = 0;
  std::vector<std::string> disagreements;  // "id (accepted)" or "id (rejected: N)"
  [[nodiscard]] int total() const { return server + client; }
};
template <typename Run>
Tally tally(Run run) {
  Tally t;
  for (const LimboTestcase& c : limbo().cases) {
    const Verdict v = run(c);
    if (agrees(c, v)) {
      ++(c.client ? t.client : t.server);
    } else {
      t.disagreements.push_back(c.id + (v.success ? " (accepted)" : " (rejected: " + std::to_string(v.code) + ")"));
    }
  }
  return t;
}

}  // namespace sslpp::test
