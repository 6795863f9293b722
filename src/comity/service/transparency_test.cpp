// The log statistics recomputed from leaves: counts by dimension, outcomes
// as each case's last state before closing, and time to data by nearest-rank
// percentiles over day differences.
#include "comity/service/transparency.hpp"

#include <gtest/gtest.h>

namespace comity {
namespace {

std::string leaf(const std::string& tag, const std::string& event, const std::string& state, const std::string& day,
                 const std::string& pathway = "P_EU_EPOC", bool emergency = false, const std::string& ground = "") {
  nlohmann::json j = {{"v", 1},
                      {"tag", tag},
                      {"event", event},
                      {"state", state},
                      {"day", day},
                      {"pathway", pathway},
                      {"measure", "produce_stored"},
                      {"from", "DE"},
                      {"to", "NL"},
                      {"categories", {"subscriber"}},
                      {"emergency", emergency},
                      {"commitment", std::string(64, '0')},
                      {"ground", ground}};
  return j.dump();
}

TEST(LogStatistics, CountsOutcomesAndTimeToDataFromLeavesAlone) {
  std::vector<std::string> leaves = {
      leaf("a", "open", "draft", "2026-09-01"),
      leaf("b", "open", "draft", "2026-09-01", "P_MLA_GENERIC", true),
      leaf("a", "transmit", "transmitted", "2026-09-02"),
      leaf("a", "produce", "produced", "2026-09-04"),  // 3 days
      leaf("a", "close", "closed", "2026-09-05"),
      leaf("c", "open", "draft", "2026-09-02"),
      leaf("c", "refuse", "refused", "2026-09-03", "P_EU_EPOC", false, "ne_bis_in_idem"),
      leaf("d", "open", "draft", "2026-09-01"),
      leaf("d", "produce", "produced", "2026-09-11"),  // 10 days
      leaf("d", "validate_ex_post", "produced", "2026-09-12"),
      leaf("e", "open", "draft", "2026-09-01"),
      leaf("e", "produce", "produced", "2026-09-02"),   // 1 day
      leaf("zz", "produce", "produced", "2026-09-02"),  // opened before the log began: not counted
  };
  auto s = log_statistics(leaves, 13, "ab");
  EXPECT_EQ(s["tree_size"], 13);
  EXPECT_EQ(s["root"], "ab");
  EXPECT_EQ(s["cases_opened"], 5);
  EXPECT_EQ(s["by_pathway"]["P_EU_EPOC"], 4);
  EXPECT_EQ(s["by_pathway"]["P_MLA_GENERIC"], 1);
  EXPECT_EQ(s["by_corridor"]["DE-NL"], 5);
  EXPECT_EQ(s["by_emergency"]["emergency"], 1);
  EXPECT_EQ(s["by_emergency"]["not_emergency"], 4);
  EXPECT_EQ(s["by_outcome"]["produced"], 3);  // a (then closed), d, e
  EXPECT_EQ(s["by_outcome"]["refused"], 1);
  EXPECT_EQ(s["by_outcome"]["draft"], 1);  // b, still open
  EXPECT_EQ(s["events"]["produce"], 4);
  EXPECT_EQ(s["grounds"]["refuse:ne_bis_in_idem"], 1);
  EXPECT_EQ(s["grounds"].size(), 1u);
  // Times 1, 3, 10 days: p50 is the 2nd (3), p90 the 3rd (10).
  EXPECT_EQ(s["time_to_data"]["all"]["cases"], 3);
  EXPECT_EQ(s["time_to_data"]["all"]["p50_days"], 3);
  EXPECT_EQ(s["time_to_data"]["all"]["p90_days"], 10);
  EXPECT_EQ(s["time_to_data"]["by_pathway"]["P_EU_EPOC"]["cases"], 3);
  std::string csv = statistics_csv(s);
  EXPECT_NE(csv.find("by_outcome,refused,1\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("time_to_data,all.p90_days,10\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("checkpoint,tree_size,13\n"), std::string::npos) << csv;
}

TEST(LogStatistics, ABadLeafIsNamedByIndex) {
  try {
    log_statistics({leaf("a", "open", "draft", "2026-09-01"), "{\"v\":2}"}, 2, "");
    FAIL() << "accepted a v2 leaf";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("leaf 1"), std::string::npos);
  }
  EXPECT_THROW(log_statistics({"not json"}, 1, ""), std::invalid_argument);
  EXPECT_EQ(log_statistics({}, 0, "")["time_to_data"]["all"]["p50_days"], 0);
}

}  // namespace
}  // namespace comity
