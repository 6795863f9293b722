// A case keeps its rule pack across a pack change, over real HTTP with real
// processes: a node opens a case under the bundled pack and stops; the next
// run is given only a newer pack, and the case still follows the pack it
// was opened under (kept in the store) until its officer decides it again.
#include "harness.hpp"

namespace comity::server_test {
namespace {

// The bundled pack copied to `dir`, with the officer's readiness step renamed
// and the EPOC's 10-day production deadline shortened to 8 days.
void write_newer_pack(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  fs::copy(test::source_dir() + "/rules", dir, fs::copy_options::recursive);
  auto edit = [&](const char* file, const std::string& from, const std::string& to) {
    std::string text = test::read_text(dir / file);
    auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    std::ofstream(dir / file, std::ios::binary | std::ios::trunc) << text;
  };
  edit("pack.yaml", "version: 2026.12.0", "version: 2027.1.0");
  edit("workflows.yaml", "- {event: mark_ready, from: [submitted]", "- {event: mark_ready_checked, from: [submitted]");
  edit("pathways.yaml", "duration: P10D, starts: \"receipt of the EPOC\"",
       "duration: P8D, starts: \"receipt of the EPOC\"");
}

bool offers(const json& view, const char* event) {
  for (const auto& e : view["allowed_events"])
    if (e == event) return true;
  return false;
}

TEST(ServerPacks, ACaseKeepsItsPackAcrossAPackChangeUntilDecidedAgain) {
  test::TempDir dir;
  std::string db = test_store(dir);
  seed(db);
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  std::string id, old_hash;
  {
    Server first(db);
    auto c = first.client();
    auto index = c.Get("/api/v1");
    ASSERT_TRUE(index);
    old_hash = json::parse(index->body)["rule_pack"]["content_hash"];
    auto r = c.Post("/api/v1/cases", bearer("officer-de"), json{{"request", request}, {"pathway", "P_EU_EPOC"}}.dump(),
                    "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    id = json::parse(r->body)["id"];
    r = c.Post("/api/v1/cases/" + id + "/events", bearer("officer-de"), R"({"event":"submit"})", "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(first.stop(), 0);
  }
  auto newer = dir.path() / "rules-2027";
  write_newer_pack(newer);
  // The second run is given the newer pack only: the old one comes from the store.
  Server second(db, {"--pack", newer.string()});
  auto c = second.client();
  json index = json::parse(c.Get("/api/v1")->body);
  std::string new_hash = index["rule_pack"]["content_hash"];
  EXPECT_NE(new_hash, old_hash);
  ASSERT_EQ(index["rule_packs_held"].size(), 2u);
  EXPECT_EQ(index["rule_packs_held"][1]["content_hash"], old_hash);

  auto view = [&] {
    auto r = c.Get("/api/v1/cases/" + id, bearer("officer-de"));
    EXPECT_EQ(r->status, 200) << r->body;
    return json::parse(r->body);
  };
  auto decision_pack = [&](const std::string& query) {
    auto r = c.Get("/api/v1/cases/" + id + "/decision" + query, bearer("officer-de"));
    EXPECT_EQ(r->status, 200) << r->body;
    return r->status == 200 ? json::parse(r->body)["pack"]["content_hash"].get<std::string>() : std::string();
  };
  json before = view();
  EXPECT_EQ(before["rule_pack"], old_hash);
  EXPECT_TRUE(offers(before, "mark_ready"));
  EXPECT_FALSE(offers(before, "mark_ready_checked"));
  EXPECT_EQ(decision_pack(""), old_hash);

  auto redecide = [&](const char* user, const json& body) {
    return c.Post("/api/v1/cases/" + id + "/redecide", bearer(user), body.dump(), "application/json");
  };
  // Only the requesting side decides again, and it says why; refusals change nothing.
  EXPECT_NE(redecide("provider-pl", {{"reason", "x"}})->status, 200);
  problem_of(redecide("officer-de", json::object()), 422);
  problem_of(redecide("officer-de", {{"reason", "x"}, {"extra", 1}}), 422);
  EXPECT_EQ(view()["version"], before["version"]);

  auto r = redecide("officer-de", {{"reason", "rule pack 2027.1.0 shortens the production deadline"}});
  ASSERT_EQ(r->status, 200) << r->body;
  json after = json::parse(r->body);
  EXPECT_EQ(after["rule_pack"], new_hash);
  EXPECT_EQ(after["state"], "submitted");
  ASSERT_EQ(after["redecisions"].size(), 1u);
  EXPECT_EQ(after["redecisions"][0]["from_pack"], old_hash);
  EXPECT_EQ(after["redecisions"][0]["by"], "officer:officer-de");
  EXPECT_TRUE(offers(after, "mark_ready_checked"));
  EXPECT_FALSE(offers(after, "mark_ready"));
  // Both decisions are kept.
  EXPECT_EQ(decision_pack(""), new_hash);
  EXPECT_EQ(decision_pack("?before=1"), old_hash);
  problem_of(c.Get("/api/v1/cases/" + id + "/decision?before=2", bearer("officer-de")), 404);
  problem_of(c.Get("/api/v1/cases/" + id + "/decision?before=x", bearer("officer-de")), 400);
  // Deciding again under the pack it already rests on is refused.
  problem_of(redecide("officer-de", {{"reason", "again"}}), 409);
  EXPECT_EQ(view()["redecisions"].size(), 1u);
  EXPECT_EQ(second.stop(), 0);
}

}  // namespace
}  // namespace comity::server_test
