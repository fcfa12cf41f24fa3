// docs/seed-map.md must name every identifier of the seeds and point at
// tests that exist.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> identifiers() {
  std::ifstream in(std::string(SSLPP_SOURCE_DIR) + "/tests/data/seeds/identifiers.txt");
  std::vector<std::string> ids;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') {
      ids.push_back(line);
    }
  }
  return ids;
}

std::string escape_regex(const std::string& s) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(s, special, R"(\$&)");
}

TEST(SeedMap, EveryIdentifierIsMapped) {
  const std::string map = slurp(std::string(SSLPP_SOURCE_DIR) + "/docs/seed-map.md");
  const auto ids = identifiers();
  ASSERT_GT(ids.size(), 200u) << "identifiers.txt not found under " << SSLPP_SOURCE_DIR "/tests/data/seeds";
  for (const auto& id : ids) {
    const std::regex word("(^|[^A-Za-z0-9_.])" + escape_regex(id) + "([^A-Za-z0-9_]|$)");
    EXPECT_TRUE(std::regex_search(map, word)) << id << " is missing from docs/seed-map.md";
  }
}

TEST(SeedMap, NamedTestsExist) {
  std::set<std::string> tests;
  const auto* unit = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* suite = unit->GetTestSuite(i);
    for (int j = 0; j < suite->total_test_count(); ++j) {
      tests.insert(std::string(suite->name()) + "." + suite->GetTestInfo(j)->name());
    }
  }
  std::ifstream in(std::string(SSLPP_SOURCE_DIR) + "/docs/seed-map.md");
  // The last column of each name's row is the `Suite.Test` that exercises
  // it; nothing may be left "planned".
  static const std::regex row(R"(^\|.*\| `([A-Za-z0-9_]+\.[A-Za-z0-9_]+)` \|$)");
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row)) {
      EXPECT_TRUE(tests.count(m[1].str()) == 1) << "docs/seed-map.md names a test that does not exist: " << m[1];
      ++checked;
    } else if (line.starts_with("| `")) {
      ADD_FAILURE() << "docs/seed-map.md row without a test: " << line;
    }
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
