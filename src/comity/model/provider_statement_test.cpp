#include "comity/model/provider_statement.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;

json cloudco() {
  return json::parse(test::read_text(test::source_dir() + "/examples/statements/us-cloudco.json"));
}

bool has_error(const StatementParse& p, const std::string& path) {
  for (const auto& e : p.errors)
    if (e.path == path) return true;
  return false;
}

TEST(ProviderStatement, TheDemoStatementsParse) {
  for (const char* f : {"us-cloudco.json", "nl-mailco.json"}) {
    auto p = parse_provider_statement(test::read_text(test::source_dir() + "/examples/statements/" + f));
    ASSERT_TRUE(p.statement) << f << ": " << p.errors.at(0).path << " " << p.errors.at(0).message;
    EXPECT_EQ(p.statement->sha256.size(), 64u);
  }
  auto p = parse_provider_statement_value(cloudco());
  ASSERT_TRUE(p.statement);
  EXPECT_EQ(p.statement->version, 3);
  ASSERT_EQ(p.statement->challenges.size(), 1u);
  EXPECT_EQ(p.statement->challenges[0].ground, "third_country_law_conflict");
  EXPECT_TRUE(p.statement->challenges[0].scope.data_categories.contains(DataCategory::Content));
  EXPECT_EQ(p.statement->challenges[0].scope.path, "$.challenges[0]");
}

TEST(ProviderStatement, EveryErrorNamesItsPath) {
  auto j = cloudco();
  j["version"] = 0;
  j["surprise"] = true;
  j["provider"].erase("hq_state");
  j["challenges"][0]["data_categories"] = {"EVERYTHING"};
  j["acceptance"][1]["position"] = "MAYBE";
  j["user_notification"] = {{"policy", "NOTIFY_AFTER_DELAY"}};
  j["published_at"] = "yesterday";
  auto p = parse_provider_statement_value(j);
  EXPECT_FALSE(p.statement);
  for (const char* path : {"$.version", "$.surprise", "$.provider.hq_state", "$.challenges[0].data_categories[0]",
                           "$.acceptance[1].position", "$.user_notification.delay_days", "$.published_at"})
    EXPECT_TRUE(has_error(p, path)) << path;
}

TEST(ProviderStatement, TheHashFollowsTheCanonicalForm) {
  auto a = parse_provider_statement_value(cloudco());
  // Member order and whitespace do not change the canonical form; content does.
  auto b = parse_provider_statement(cloudco().dump(4));
  ASSERT_TRUE(a.statement && b.statement);
  EXPECT_EQ(a.statement->sha256, b.statement->sha256);
  auto j = cloudco();
  j["version"] = 4;
  EXPECT_NE(parse_provider_statement_value(j).statement->sha256, a.statement->sha256);
}

TEST(ProviderStatement, NotJsonIsOneErrorAtTheRoot) {
  auto p = parse_provider_statement("{not json");
  EXPECT_FALSE(p.statement);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].path, "$");
}

}  // namespace
}  // namespace comity
