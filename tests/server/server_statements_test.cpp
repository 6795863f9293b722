// Provider statements over real HTTP (docs/provider-statements.md): a
// provider's person publishes its signed statement; every version is kept
// and committed to the transparency log; anyone reads it; an evaluation of a
// request addressed to that provider shows it beside the law, and the
// decision itself does not change. Forged, foreign, stale and malformed
// statements are refused and write nothing.
#include "comity/trust/statements.hpp"
#include "harness.hpp"

namespace comity::server_test {
namespace {

struct Statements : ::testing::Test {
  test::TempDir dir;
  std::string db = test_store(dir);
  std::unique_ptr<Server> server = [this] {
    seed(db);
    return std::make_unique<Server>(db);
  }();
  httplib::Client http = server->client();
  const Instant now = SystemClock().now();
  crypto::SigningKey us_anchor = crypto::SigningKey::generate(), cloudco = crypto::SigningKey::generate(),
                     clerk = crypto::SigningKey::generate(), stranger = crypto::SigningKey::generate();
  json statement = json::parse(test::read_text(test::source_dir() + "/examples/statements/us-cloudco.json"));

  static std::string recipient() { return crypto::age_recipient(crypto::AgeIdentity::generate().public_key()); }

  Statements() {
    const Instant day = 86400, start = now - day;
    json bundle = {{"type", "comity.trust-bundle/v1"},
                   {"anchors",
                    {trust::make_anchor(
                        {"US", "US-central", "central authority", "", recipient(), start, start + 1000 * day, "", {}},
                        us_anchor)}},
                   {"credentials",
                    {trust::issue_credential("c-cloudco",
                                             {"US-CLOUDCO", "US", "provider", "", "", "Cloudco",
                                              trust::key_text(cloudco.public_key()), recipient()},
                                             us_anchor, start, start + 365 * day),
                     trust::issue_credential("c-clerk",
                                             {"US-CLOUDCO", "US", "provider", "provider-us", "provider", "Clerk",
                                              trust::key_text(clerk.public_key()), recipient()},
                                             cloudco, start, start + 90 * day)}}};
    auto r = post("/api/v1/trust", bundle, "admin");
    EXPECT_EQ(r->status, 201) << r->body;
  }
  httplib::Result post(const std::string& path, const json& body, const std::string& user) {
    return http.Post(path, bearer(user), body.dump(), "application/json");
  }
  httplib::Result publish(const json& signed_doc, const std::string& user = "provider-us",
                          const std::string& provider = "US-CLOUDCO") {
    return post("/api/v1/providers/" + provider + "/statement", signed_doc, user);
  }
  // The leaves the node committed (read from its database).
  uint64_t log_size() { return open_store(db, StoreAccess::ReadOnly)->log_size(); }
};

TEST_F(Statements, PublishedVersionsAreKeptLoggedServedAndShownBesideTheLaw) {
  EXPECT_EQ(http.Get("/api/v1/providers/US-CLOUDCO/statement")->status, 404);
  json request =
      json::parse(test::read_text(test::source_dir() + "/examples/s09-eu-us-provider-legal-representative.json"));
  auto plain = post("/api/v1/evaluate", request, "officer-de");
  ASSERT_EQ(plain->status, 200);
  json before = json::parse(plain->body);
  EXPECT_FALSE(before.contains("provider_statement"));

  json signed_doc = trust::sign_statement(statement, clerk, now);
  uint64_t size = log_size();
  auto r = publish(signed_doc);
  ASSERT_EQ(r->status, 201) << r->body;
  json published = json::parse(r->body);
  EXPECT_EQ(published["version"], 3);
  EXPECT_EQ(published["log_index"], size);
  EXPECT_EQ(log_size(), size + 1);
  // The same version again is answered, not stored twice.
  EXPECT_EQ(publish(signed_doc)->status, 200);
  EXPECT_EQ(log_size(), size + 1);

  // Served publicly, with the leaf that commits to it.
  auto got = http.Get("/api/v1/providers/US-CLOUDCO/statement");
  ASSERT_EQ(got->status, 200);
  json served = json::parse(got->body);
  EXPECT_EQ(served["signed_statement"], signed_doc);
  EXPECT_EQ(served["sha256"], published["sha256"]);
  // The public leaf names the provider, version and digest, nothing else.
  std::string leaf;
  {
    auto leaves = open_store(db, StoreAccess::ReadOnly)->log_leaves(size, 1);
    ASSERT_EQ(leaves.size(), 1u);
    leaf = leaves[0];
  }
  EXPECT_EQ(leaf, "{\"day\":\"" + date_of(now).str() +
                      "\",\"kind\":\"provider_statement\",\"provider\":\"US-CLOUDCO\"," + "\"sha256\":\"" +
                      published["sha256"].get<std::string>() + "\",\"v\":1,\"version\":3}");

  // An evaluation shows it beside each pathway it concerns; the decision is unchanged.
  json after = json::parse(post("/api/v1/evaluate", request, "officer-de")->body);
  ASSERT_TRUE(after.contains("provider_statement"));
  EXPECT_EQ(after["provider_statement"]["version"], 3);
  EXPECT_EQ(after["provider_statement"]["log_index"], size);
  int notes = 0;
  ASSERT_EQ(after["pathways"].size(), before["pathways"].size());
  for (size_t i = 0; i < after["pathways"].size(); ++i) {
    json a = after["pathways"][i], b = before["pathways"][i];
    notes += static_cast<int>(a.value("provider_says", json::array()).size());
    a.erase("provider_says");
    EXPECT_EQ(a, b) << "the statement changed pathway " << b["pathway"];
  }
  EXPECT_GT(notes, 0);

  // A case opened now keeps the statement in force: version, digest, log
  // leaf and what it said of the chosen pathway, whatever comes later.
  auto opened = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-fr");
  ASSERT_EQ(opened->status, 201) << opened->body;
  const std::string case_id = json::parse(opened->body)["id"];
  auto kept = [&](const std::string& user) {
    auto c = http.Get("/api/v1/cases/" + case_id, bearer(user));
    EXPECT_EQ(c->status, 200) << user << ": " << c->body;
    return json::parse(c->body)["provider_statement"];
  };
  json at_opening = kept("officer-fr");
  ASSERT_TRUE(at_opening.is_object()) << at_opening;
  EXPECT_EQ(at_opening["version"], 3);
  EXPECT_EQ(at_opening["sha256"], published["sha256"]);
  EXPECT_EQ(at_opening["log_index"], size);
  EXPECT_FALSE(at_opening["says"].empty());
  json epoc_notes;
  for (const auto& p : after["pathways"])
    if (p["pathway"] == "P_EU_EPOC" && p["role"] == "primary") epoc_notes = p["provider_says"];
  EXPECT_EQ(at_opening["says"], epoc_notes);

  // A new version replaces it as current; the old one stays readable.
  json v4 = statement;
  v4["version"] = 4;
  ASSERT_EQ(publish(trust::sign_statement(v4, clerk, now))->status, 201);
  EXPECT_EQ(json::parse(http.Get("/api/v1/providers/US-CLOUDCO/statement")->body)["version"], 4);
  EXPECT_EQ(json::parse(http.Get("/api/v1/providers/US-CLOUDCO/statement?version=3")->body)["version"], 3);
  problem_of(http.Get("/api/v1/providers/US-CLOUDCO/statement?version=0"), 400);
  // The case still rests beside version 3; a case opened now, beside 4.
  EXPECT_EQ(kept("officer-fr"), at_opening);
  auto later = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-fr");
  ASSERT_EQ(later->status, 201) << later->body;
  auto c = http.Get("/api/v1/cases/" + json::parse(later->body)["id"].get<std::string>(), bearer("officer-fr"));
  EXPECT_EQ(json::parse(c->body)["provider_statement"]["version"], 4);
}

TEST_F(Statements, ForgedForeignStaleAndMalformedStatementsAreRefusedAndWriteNothing) {
  uint64_t size = log_size();
  // Altered after signing.
  json forged = trust::sign_statement(statement, clerk, now);
  forged["statement"]["challenges"] = json::array();
  EXPECT_EQ(problem_of(publish(forged), 422)["reason"], "bad_signature");
  // Signed by a key nobody credentialed.
  EXPECT_EQ(problem_of(publish(trust::sign_statement(statement, stranger, now)), 422)["reason"], "unknown_signer");
  // Signed by the provider's party key, not one of its people.
  EXPECT_EQ(problem_of(publish(trust::sign_statement(statement, cloudco, now)), 422)["reason"], "wrong_chain");
  // Another provider's user cannot publish for Cloudco.
  problem_of(publish(trust::sign_statement(statement, clerk, now), "provider-nl"), 403);
  // A statement naming a pathway the pack does not know.
  json unknown = statement;
  unknown["challenges"][0]["pathways"] = {"P_NO_SUCH"};
  json p = problem_of(publish(trust::sign_statement(unknown, clerk, now)), 422);
  ASSERT_FALSE(p["errors"].empty());
  EXPECT_EQ(p["errors"][0]["path"].get<std::string>().rfind("$.statement.challenges[0].pathways", 0), 0u) << p.dump();
  // Not JSON of the envelope's shape.
  problem_of(publish(json{{"type", "comity.signed-provider-statement/v1"}}), 422);
  EXPECT_EQ(log_size(), size);
  EXPECT_EQ(http.Get("/api/v1/providers/US-CLOUDCO/statement")->status, 404);
  // An older version after a newer one.
  ASSERT_EQ(publish(trust::sign_statement(statement, clerk, now))->status, 201);
  json v2 = statement;
  v2["version"] = 2;
  problem_of(publish(trust::sign_statement(v2, clerk, now)), 409);
  EXPECT_EQ(log_size(), size + 1);
}

}  // namespace
}  // namespace comity::server_test
