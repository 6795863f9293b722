// A server whose time the test moves: clock expiries, reviews, notice plans.
#include "server/harness.hpp"

namespace comity {
namespace {

using namespace server_test;

// An emergency EPOC issued without prior validation (Reg. 2023/1543 Art 4(5)):
// nobody validates it within 48 hours, so the server's own expiry sweep
// withdraws it and marks the data obtained for deletion. Time is moved
// through the server's clock file.

TEST_F(ServerClock, EmergencyOrderWhoseExPostValidationExpires) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s07-eu-emergency-kidnapping.json"));
  // A German officer cannot issue it in Belgium's name.
  auto foreign = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-de");
  ASSERT_EQ(foreign->status, 422);
  EXPECT_EQ(json::parse(foreign->body)["errors"][0]["path"], "$.request.requesting_state");
  auto created = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-be");
  ASSERT_EQ(created->status, 201) << created->body;
  std::string path = "/api/v1/cases/" + json::parse(created->body)["id"].get<std::string>();
  ASSERT_EQ(post(path + "/events", {{"event", "submit"}}, "officer-be")->status, 200);
  auto sent = post(path + "/events", {{"event", "transmit_emergency"}}, "officer-be");
  ASSERT_EQ(sent->status, 200) << sent->body;
  json c = json::parse(sent->body);
  std::map<std::string, std::string> due;
  for (const auto& k : c["clocks"]) due[k["deadline"]] = k["due"];
  EXPECT_EQ(due["EU.DL.11"], "2026-09-17T09:00:00Z");  // 48 hours to validate ex post
  EXPECT_EQ(due["EU.DL.4"], "2026-09-15T17:00:00Z");   // 8 hours to produce
  set_time("2026-09-15T10:00:00Z");
  ASSERT_EQ(post(path + "/events", {{"event", "acknowledge"}}, "provider-hostco")->status, 200);
  ASSERT_EQ(post(path + "/events", {{"event", "produce"}}, "provider-hostco")->status, 200);

  set_time("2026-09-17T08:00:00Z");  // one hour left: due soon, nothing withdrawn
  ASSERT_TRUE(sweeps_pass(http)) << "the expiry sweep does not run";
  c = json::parse(http.Get(path, bearer("officer-be"))->body);
  EXPECT_EQ(c["state"], "produced");
  for (const auto& k : c["clocks"]) {
    if (k["deadline"] == "EU.DL.11") {
      EXPECT_EQ(k["status"], "due_soon");
    }
  }

  set_time("2026-09-17T09:00:01Z");  // the 48 hours have passed; no one touches the case
  ASSERT_TRUE(sweeps_pass(http)) << "the expiry sweep does not run";
  c = json::parse(http.Get(path, bearer("officer-be"))->body);
  EXPECT_EQ(c["state"], "withdrawn");
  EXPECT_EQ(c["data_marked_for_deletion"], true);
  EXPECT_EQ(c["history"].back()["event"], "ex_post_validation_expired");
  EXPECT_EQ(c["history"].back()["by"], "system");
  EXPECT_EQ(c["history"].back()["at"], "2026-09-17T09:00:00Z");  // at the due time, not when swept
  for (const auto& k : c["clocks"]) EXPECT_EQ(k["status"], "stopped");
  // A late validation cannot revive it.
  auto late =
      http.Post(path + "/events", bearer("validator-be"), R"({"event":"validate_ex_post"})", "application/json");
  EXPECT_EQ(late->status, 409) << late->body;
  // The provider still sees the withdrawn order, with its data marked for deletion.
  json order = json::parse(http.Get(path, bearer("provider-hostco"))->body);
  EXPECT_EQ(order["data_marked_for_deletion"], true);
  auto metrics = http.Get("/metrics")->body;
  EXPECT_NE(metrics.find("comity_clock_expiry_events_total 1"), std::string::npos) << metrics;
  EXPECT_EQ(server->stop(), 0);
}

// One consolidated review per side, and the user-notification plan with its
// due reviews, on a server whose time the test moves.
TEST_F(ServerClock, ConsolidatedReviewAndUserNotificationPlan) {
  json request = json::parse(test::read_text(test::source_dir() + "/examples/s01-eu-subscriber-prosecutor.json"));
  auto created = post("/api/v1/cases", {{"request", request}, {"pathway", "P_EU_EPOC"}}, "officer-de");
  ASSERT_EQ(created->status, 201);
  std::string path = "/api/v1/cases/" + json::parse(created->body)["id"].get<std::string>();
  json decision = json::parse(http.Get(path + "/decision", bearer("officer-de"))->body);
  std::string first_check;
  for (const auto& e : decision["pathways"])
    if (e["pathway"] == "P_EU_EPOC") first_check = e["checks"][0]["predicate"];
  ASSERT_FALSE(first_check.empty());

  // The review: every verdict checked, with paths.
  json bad = problem_of(
      post(path + "/review", {{"verdicts", {{{"predicate", "NO.SUCH.1"}, {"verdict", "agree"}}}}}, "validator-de"),
      422);
  EXPECT_EQ(bad["errors"][0]["path"], "$.verdicts[0].predicate");
  bad = problem_of(post(path + "/review",
                        {{"verdicts", {{{"predicate", first_check}, {"verdict", "override"}}}}, {"agree_rest", true}},
                        "validator-de"),
                   422);
  EXPECT_EQ(bad["errors"][0]["path"], "$.verdicts[0].reason");
  bad = problem_of(post(path + "/review", {{"verdicts", json::array()}}, "validator-de"), 422);  // the rest unanswered
  EXPECT_EQ(bad["errors"][0]["path"], "$.verdicts");
  problem_of(post(path + "/review", {{"verdicts", json::array()}, {"agree_rest", true}}, "officer-de"), 403);
  auto reviewed = post(
      path + "/review",
      {{"verdicts",
        {{{"predicate", first_check}, {"verdict", "override"}, {"reason", "the court reads Art 34(2) otherwise"}}}},
       {"agree_rest", true}},
      "validator-de");
  ASSERT_EQ(reviewed->status, 201) << reviewed->body;
  EXPECT_EQ(json::parse(reviewed->body)["side"], "requesting");
  // One consolidated review per side: the requesting central authority finds it done.
  problem_of(post(path + "/review", {{"verdicts", json::array()}, {"agree_rest", true}}, "ca-de"), 409);
  json c = json::parse(http.Get(path, bearer("officer-de"))->body);
  ASSERT_EQ(c["reviews"].size(), 1u);
  EXPECT_EQ(c["reviews"][0]["overrides"], 1);
  EXPECT_EQ(c["reviews"][0]["reviewer"], "validator:validator-de");
  json meta = json::parse(http.Get(path, bearer("overseer"))->body);  // oversight: the verdicts, not the reasons
  EXPECT_EQ(meta["reviews"][0]["overrides"], 1);
  EXPECT_FALSE(meta["reviews"][0]["verdicts"][0].contains("reason"));
  EXPECT_TRUE(c["reviews"][0]["verdicts"][0].contains("reason"));
  json trail = json::parse(http.Get("/api/v1/audit?limit=200", bearer("overseer"))->body)["items"];
  std::set<std::string> actions;
  for (const auto& a : trail) actions.insert(a["action"].get<std::string>());
  EXPECT_TRUE(actions.count("review:requesting"));
  EXPECT_TRUE(actions.count("override:" + first_check));

  // The user-notification plan: NOTIFY_NOW is pending until recorded, or delayed with a reason.
  EXPECT_EQ(c["user_notification"]["status"], "pending");
  bad = problem_of(post(path + "/notice", {{"action", "delay"}, {"review_date", "2026-09-01"}}, "officer-de"), 422);
  std::set<std::string> paths;
  for (const auto& e : bad["errors"]) paths.insert(e["path"]);
  EXPECT_EQ(paths, (std::set<std::string>{"$.review_date", "$.reason"}));
  problem_of(post(path + "/notice", {{"action", "notified"}}, "validator-de"), 403);
  auto delayed = post(path + "/notice",
                      {{"action", "delay"},
                       {"review_date", "2026-10-01"},
                       {"reason", "the suspect would destroy the remaining evidence"}},
                      "officer-de");
  ASSERT_EQ(delayed->status, 200) << delayed->body;
  EXPECT_EQ(json::parse(delayed->body)["user_notification"]["review_due"], false);
  auto due = [&] {
    return json::parse(http.Get("/api/v1/cases?notice_review_due=true", bearer("officer-de"))->body)["items"].size();
  };
  EXPECT_EQ(due(), 0u);
  set_time("2026-10-01T08:00:00Z");  // the review date has come: it surfaces
  EXPECT_EQ(due(), 1u);
  EXPECT_NE(http.Get("/metrics")->body.find("comity_user_notice_reviews_due 1"), std::string::npos);
  EXPECT_EQ(json::parse(http.Get(path, bearer("officer-de"))->body)["user_notification"]["review_due"], true);
  auto told = post(path + "/notice", {{"action", "notified"}}, "officer-de");
  ASSERT_EQ(told->status, 200);
  EXPECT_EQ(json::parse(told->body)["user_notification"]["status"], "notified");
  EXPECT_EQ(due(), 0u);
  problem_of(post(path + "/notice", {{"action", "notified"}}, "officer-de"), 409);
  EXPECT_EQ(server->stop(), 0);
}

}  // namespace
}  // namespace comity
