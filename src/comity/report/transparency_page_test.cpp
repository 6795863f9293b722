#include "comity/report/transparency_page.hpp"

#include <gtest/gtest.h>

namespace comity {
namespace {

using Json = nlohmann::ordered_json;

Json stats() {
  return {{"format", "comity.log-statistics/1"},
          {"tree_size", 12},
          {"root", "ab12"},
          {"leaves", 12},
          {"cases_opened", 5},
          {"by_pathway", {{"P_EU_EPOC", 3}, {"P_MLAT", 1}, {"<script>alert(1)</script>", 1}}},
          {"by_corridor", Json::object()},
          {"time_to_data", {{"all", {{"count", 2}, {"p50", 4}, {"p90", 9}}}}},
          {"checkpoint", "comity.localhost/log\n12\nq83=\n\n— comity.localhost/log sig\n"}};
}

TEST(TransparencyPage, EveryFigureIsInATableAndTheBarsAreProportional) {
  std::string page = transparency_page(stats(), "comity.localhost/log", "comity.localhost/log+1234abcd+AQID");
  // Each chart's figures are in a table with a caption and header cells.
  EXPECT_NE(page.find("<caption>Cases opened by legal pathway</caption>"), std::string::npos);
  EXPECT_NE(page.find("<tr><th scope=\"row\">P_EU_EPOC</th><td>3</td></tr>"), std::string::npos);
  EXPECT_NE(page.find("<tr><th scope=\"row\">Cases opened</th><td>5</td></tr>"), std::string::npos);
  EXPECT_NE(page.find("Time to data, p90 (days)</th><td>9</td>"), std::string::npos);
  // The largest bar is full width (640 - 220 - 60 = 360); the others in proportion.
  EXPECT_NE(page.find("width=\"360.0\""), std::string::npos);
  EXPECT_NE(page.find("width=\"120.0\""), std::string::npos);
  // Empty dimensions say so; the checkpoint and key are shown for checking.
  EXPECT_NE(page.find("No cases yet."), std::string::npos);
  EXPECT_NE(page.find("comity.localhost/log+1234abcd+AQID"), std::string::npos);
  EXPECT_NE(page.find("tree size 12"), std::string::npos);
}

TEST(TransparencyPage, NothingFromTheLogIsMarkup) {
  std::string page = transparency_page(stats(), "a\"b<c>", "k&y");
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("a&quot;b&lt;c&gt;"), std::string::npos);
  EXPECT_NE(page.find("k&amp;y"), std::string::npos);
  EXPECT_EQ(html_escape("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
}

}  // namespace
}  // namespace comity
