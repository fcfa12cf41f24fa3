// docs/seed-map.md must name every identifier of the seeds, and
// docs/modern-map.md every modern name, each pointing at tests that exist.
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

// identifiers reads a list of names, one a line ('#' starts a comment line).
std::vector<std::string> identifiers(const std::string& relative_path) {
  std::ifstream in(std::string(SSLPP_SOURCE_DIR) + "/" + relative_path);
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

// expect_every_identifier_mapped checks that the map at `map_path` names
// every identifier listed in `ids_path` as a word of its own.
void expect_every_identifier_mapped(const std::string& map_path, const std::string& ids_path, std::size_t at_least) {
  const std::string map = slurp(std::string(SSLPP_SOURCE_DIR) + "/" + map_path);
  const auto ids = identifiers(ids_path);
  ASSERT_GE(ids.size(), at_least) << ids_path << " not found under " << SSLPP_SOURCE_DIR;
  for (const auto& id : ids) {
    const std::regex word("(^|[^A-Za-z0-9_.])" + escape_regex(id) + "([^A-Za-z0-9_]|$)");
    EXPECT_TRUE(std::regex_search(map, word)) << id << " is missing from " << map_path;
  }
}

// expect_named_tests_exist checks that the last column of each of the
// map's rows is a `Suite.Test` of this binary; nothing may be left "planned".
void expect_named_tests_exist(const std::string& map_path, int at_least) {
  std::set<std::string> tests;
  const auto* unit = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* suite = unit->GetTestSuite(i);
    for (int j = 0; j < suite->total_test_count(); ++j) {
      tests.insert(std::string(suite->name()) + "." + suite->GetTestInfo(j)->name());
    }
  }
  std::ifstream in(std::string(SSLPP_SOURCE_DIR) + "/" + map_path);
  static const std::regex row(R"(^\|.*\| `([A-Za-z0-9_]+\.[A-Za-z0-9_]+)` \|$)");
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row)) {
      EXPECT_TRUE(tests.count(m[1].str()) == 1) << map_path << " names a test that does not exist: " << m[1];
      ++checked;
    } else if (line.starts_with("| `")) {
      ADD_FAILURE() << map_path << " row without a test: " << line;
    }
  }
  EXPECT_GE(checked, at_least) << map_path;
}

TEST(SeedMap, EveryIdentifierIsMapped) {
  expect_every_identifier_mapped("docs/seed-map.md", "tests/data/seeds/identifiers.txt", 200);
}

TEST(SeedMap, NamedTestsExist) { expect_named_tests_exist("docs/seed-map.md", 100); }

// docs/modern-map.md does the same for the names today's Python and
// pyOpenSSL added since the seeds (issue 13).
TEST(ModernMap, EveryIdentifierIsMapped) {
  expect_every_identifier_mapped("docs/modern-map.md", "tests/data/modern/identifiers.txt", 50);
}

TEST(ModernMap, NamedTestsExist) { expect_named_tests_exist("docs/modern-map.md", 50); }

}  // namespace
