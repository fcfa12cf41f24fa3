// The certificate-validation failure matrix of issue 11 item 4, as data: one
// row per failure class, each able to build its chain with the defect and
// without it (the control). cert_failures_test.cpp runs every row through a
// real handshake; cert_failures_cases.cpp builds the chains.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <sslpp/constants.hpp>
#include <sslpp/verify_failure.hpp>

#include "support/cert_builder.hpp"

namespace sslpp::test::cert_failures {

// Side says who verifies: a client verifying the server's chain (and its
// name), or a server verifying a client's chain (no name: OpenSSL checks
// none for clients, so the host-name rows do not apply there).
enum class Side { client_verifies_server, server_verifies_client };

// Chain is everything one handshake of the matrix needs.
struct Chain {
  // trusted_pem is the verifier's only trust anchor (cadata of
  // create_default_context).
  std::string trusted_pem{};
  // presented is what the peer sends: its leaf first, then the rest.
  std::vector<Issued> presented{};
  // hostname is the client's server_hostname (client_verifies_server only).
  std::string hostname = "localhost";
  // crl_flags turn CRL checking on (VERIFY_CRL_CHECK_LEAF / _CHAIN), and
  // crls are added to the verifier's store, both through the public API.
  VerifyFlags crl_flags = VERIFY_DEFAULT;
  std::vector<std::string> crls{};
  // cn_fallback turns hostname_checks_common_name on, for the one row
  // where the commonName must be read for its defect to mean anything.
  bool cn_fallback = false;
};

// Build makes a row's chain for `side`, with its defect or, as the
// control, without it; nothing else differs between the two.
using Build = Chain (*)(Side side, bool defect);

// Facts are substrings the explanation's hint must contain, computed from
// the issued certificates of the row's defect chain (names, dates, serials),
// not from the explanation itself.
using Facts = std::vector<std::string> (*)(const Chain& chain);

struct Case {
  const char* name;  // the gtest parameter name
  long expected;     // the X509_V_ERR_* OpenSSL gives for the defect
  int depth;         // VerifyFailure::depth: the certificate that failed
  VerifyHint hint;   // VerifyFailure::kind
  Build build;
  bool name_check = false;  // a host-name row: client_verifies_server only
  Facts facts = nullptr;
};

// PrintTo names a row in gtest's output instead of dumping its bytes.
inline void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// cases lists the rows that apply to `side`.
std::vector<Case> cases(Side side);

}  // namespace sslpp::test::cert_failures
