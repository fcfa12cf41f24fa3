// x509-limbo (C2SP's X.509 path-validation suite), case by case, through
// CertStore::verify: one test per case, Limbo/LimboCase.MatchesExpectedVerdict/<id>.
//
// OpenSSL 3.0 is an RFC 5280 validator, not a Web PKI one, so it legitimately
// disagrees with some cases. Those are listed, with a reason each, in
// tests/data/limbo-disagreements.txt. A case off the list must agree with
// limbo's expected result; a case on the list must still disagree, so when
// OpenSSL or our flags improve the test says which lines to delete.
//
// Tally with create_default_context's flags (VERIFY_X509_STRICT |
// VERIFY_X509_PARTIAL_CHAIN, security level 2, no commonName fallback) on OpenSSL 3.0: agree on 155 of
// 207 (146 of 197 SERVER, 9 of 10 CLIENT); the 52 others are the list.
// Limbo.Tally (limbo_tally_test.cpp) checks these numbers, beside raw
// OpenSSL's. The causes, largest first: Web PKI (CABF)
// profile rules OpenSSL does not implement (29), RFC 5280 profile rules it
// does not enforce (10), OpenSSL stricter than RFC 5280 (6: notAfter
// exclusive, keyUsage of a CA in leaf position, depth counting self-issued
// certificates, X509_STRICT's keyUsage rule), looser name-constraint matching
// (5), and no backtracking in path building (2).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include <sslpp/error.hpp>

#include "support/limbo.hpp"

namespace sslpp {
namespace {

using test::known;
using test::known_disagreements;
using test::limbo;
using test::LimboTestcase;

// ---------------------------------------------------------------------------
// One test per case

class LimboCase : public ::testing::TestWithParam<std::size_t> {};

TEST_P(LimboCase, MatchesExpectedVerdict) {
  const LimboTestcase& c = limbo().cases.at(GetParam());
  test::Verdict v;
  try {
    v = test::run_case(c, test::default_context_flags());
  } catch (const OSError& e) {
    FAIL() << c.id << ": threw " << e.class_name() << " instead of a verdict: " << e.what();
  } catch (const std::exception& e) {
    FAIL() << c.id << ": threw instead of a verdict: " << e.what();
  }
  const auto listed = known_disagreements().find(c.id);
  if (listed == known_disagreements().end()) {
    EXPECT_TRUE(test::agrees(c, v)) << test::describe(c, v)
                              << "\nFix it, or list it in tests/data/limbo-disagreements.txt with the reason.";
  } else {
    EXPECT_FALSE(test::agrees(c, v)) << c.id << " now agrees with limbo (listed as: " << listed->second
                               << "). Delete its line from tests/data/limbo-disagreements.txt.";
  }
}

std::string test_name(const ::testing::TestParamInfo<std::size_t>& info) {
  std::string name = limbo().cases.at(info.param).id;
  std::replace_if(
      name.begin(), name.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) == 0; }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Limbo, LimboCase, ::testing::Range<std::size_t>(0, limbo().cases.size()), test_name);

// ---------------------------------------------------------------------------
// The data, the list and the tally

TEST(Limbo, DataLoads) {
  ASSERT_EQ(limbo().error, "");
  EXPECT_EQ(limbo().cases.size(), 207u);
}

TEST(Limbo, EveryListedDisagreementIsACaseWithAReason) {
  ASSERT_FALSE(known_disagreements().empty());
  EXPECT_EQ(known().duplicates, std::vector<std::string>{});
  for (const auto& [id, reason] : known_disagreements()) {
    const bool found = std::any_of(limbo().cases.begin(), limbo().cases.end(),
                                   [&id = id](const LimboTestcase& c) { return c.id == id; });
    EXPECT_TRUE(found) << id << " is not a limbo case";
    EXPECT_FALSE(reason.empty()) << id << " has no reason";
  }
}

}  // namespace
}  // namespace sslpp
