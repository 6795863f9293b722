#include "comity/rules/facts.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace comity {
namespace {

std::vector<std::string> format_fields() {
  return schema_fields(test::read_text(test::source_dir() + "/schemas/request.schema.json"));
}

TEST(FactTable, EveryFieldOfTheFormatHasARowAndMembersAreListed) {
  const auto fields = format_fields();
  const auto rows = fact_table(test::real_pack(), fields);
  ASSERT_EQ(rows.size(), fields.size());
  auto has = [&](std::string_view f) { return std::find(fields.begin(), fields.end(), f) != fields.end(); };
  EXPECT_TRUE(has("provider.hq_state"));
  EXPECT_TRUE(has("offences[].max_penalty_months"));
  EXPECT_TRUE(has("requesting_state"));
  EXPECT_FALSE(has("provider")) << "an object is listed by its members";
}

TEST(FactTable, APredicateReadingAFieldIsListedOnEachPathwayThatRunsIt) {
  const auto rows = fact_table(test::real_pack(), {"offences[].max_penalty_months", "case_reference"});
  ASSERT_EQ(rows.size(), 2u);
  bool epoc = false;
  for (const auto& u : rows[0].uses)
    if (u.where == "P_EU_EPOC")
      for (const auto* p : u.readers) epoc = epoc || p->id == "EU.THR.3";
  EXPECT_TRUE(epoc) << "EU.THR.3 reads the maximum penalty on the EPOC pathway";
  EXPECT_TRUE(rows[1].uses.empty()) << "no predicate decides on the case reference";
}

TEST(FactTable, ASchemaWithoutPropertiesIsRefused) {
  EXPECT_THROW(schema_fields("{}"), Error);
  EXPECT_THROW(schema_fields("not json"), Error);
}

TEST(FactTable, RulePacksMdHoldsTheGeneratedTable) {
  std::string doc = test::read_text(test::source_dir() + "/docs/rule-packs.md");
  const std::string begin = "<!-- facts:begin -->\n", end = "<!-- facts:end -->";
  auto b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()),
            fact_table_markdown(fact_table(test::real_pack(), format_fields())))
      << "docs/rule-packs.md is out of date: paste the table `comity rules facts --format markdown` prints";
}

}  // namespace
}  // namespace comity
