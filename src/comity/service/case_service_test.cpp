// The case service over a real SQLite store, with a fake clock: the flows of
// the exchange-server issue, end to end below HTTP.
#include "comity/service/case_service.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "comity/service/demo.hpp"
#include "comity/service/transparency.hpp"
#include "comity/store/open_store.hpp"
#include "comity/util/sha256.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

const Instant kT0 = *parse_instant("2026-09-15T09:00:00Z");
constexpr int64_t kHour = 3600;

struct ServiceTest : ::testing::Test {
  test::TempDir dir;
  std::unique_ptr<Store> store = open_sqlite_store((dir.path() / "c.db").string());
  FakeClock clock{kT0};
  SequentialIds ids{"case-"};
  CaseService svc{*store, test::real_pack(), clock, ids};
  // Officers issue in their own State's name; each example is opened by one of its State.
  Actor officer{"o1", PartyRole::Officer, "", "DE"}, officer_es{"o-es", PartyRole::Officer, "", "ES"},
      officer_fr{"o-fr", PartyRole::Officer, "", "FR"}, officer_be{"o-be", PartyRole::Officer, "", "BE"},
      provider{"p1", PartyRole::Provider, "", ""}, enforcing{"e1", PartyRole::EnforcingAuthority, "", ""},
      validator{"v1", PartyRole::Validator, "", ""};

  std::string example(const char* name) { return test::read_text(test::source_dir() + "/examples/" + name); }
};

TEST_F(ServiceTest, EpocForSubscriberDataFromRequestToProduction) {
  CaseRecord r = svc.open(example("s01-eu-subscriber-prosecutor.json"), "P_EU_EPOC", Role::Primary, officer);
  EXPECT_EQ(r.id, "case-1");
  EXPECT_EQ(r.pack_hash, test::real_pack().content_hash);
  svc.step(r.id, "submit", officer);
  svc.step(r.id, "mark_ready", officer);
  svc.step(r.id, "transmit", officer);
  clock.advance(kHour);
  svc.step(r.id, "acknowledge", provider);
  clock.advance(24 * kHour);
  CaseRecord done = svc.step(r.id, "produce", provider);
  EXPECT_EQ(done.c.state, "produced");
  EXPECT_EQ(done.version, 6);
  auto stored = store->load_case(r.id);
  EXPECT_EQ(stored->c.state, "produced");
  EXPECT_EQ(stored->c.history.size(), 5u);
  auto audit = store->audit_after(0, 100);
  ASSERT_EQ(audit.size(), 6u);  // open + five steps
  EXPECT_EQ(audit[0].action, "open_case");
  EXPECT_EQ(audit.back().actor, "provider:p1");
  EXPECT_EQ(audit.back().payload_sha256.size(), 64u);
}

// Every event lands in the transparency log in the same transaction: the
// opening and each step, with public attributes only, a commitment the
// party can open with its salt, and nothing for a refused step.
TEST_F(ServiceTest, EveryCaseEventAppendsOnePublicLeafWithAnOpenableCommitment) {
  CaseRecord r = svc.open(example("s01-eu-subscriber-prosecutor.json"), "P_EU_EPOC", Role::Primary, officer);
  svc.step(r.id, "submit", officer);
  EXPECT_THROW(svc.step(r.id, "produce", provider), ServiceError);  // refused: not in this state
  svc.step(r.id, "mark_ready", officer);
  ASSERT_EQ(store->log_size(), 3u);
  auto entries = store->log_entries_for_case(r.id);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].event_seq, -1);
  EXPECT_EQ(entries[2].event_seq, 1);
  std::string request = example("s01-eu-subscriber-prosecutor.json");
  std::set<std::string> tags;
  for (const auto& e : entries) {
    auto leaf = nlohmann::json::parse(e.leaf);
    // Only the public attributes: no case id, no facts, no free text.
    std::set<std::string> keys;
    for (auto it = leaf.begin(); it != leaf.end(); ++it) keys.insert(it.key());
    EXPECT_EQ(keys, (std::set<std::string>{"categories", "commitment", "day", "emergency", "event", "from", "ground",
                                           "measure", "pathway", "state", "tag", "to", "v"}));
    EXPECT_EQ(e.leaf.find(r.id), std::string::npos);
    EXPECT_EQ(leaf["pathway"], "P_EU_EPOC");
    EXPECT_EQ(leaf["from"], "DE");
    EXPECT_EQ(leaf["day"], "2026-09-15");
    EXPECT_EQ(leaf.dump(), e.leaf);  // canonical: sorted keys, no spaces
    tags.insert(leaf["tag"]);
    // The party's salt opens the commitment to the full event; a wrong salt does not.
    EXPECT_EQ(leaf["commitment"], commitment(e.salt, e.event_json));
    EXPECT_NE(leaf["commitment"], commitment(std::string(32, '\0'), e.event_json));
    EXPECT_EQ(nlohmann::json::parse(e.event_json)["case"], r.id);
  }
  EXPECT_EQ(tags.size(), 1u);  // one case, one tag
  EXPECT_EQ(nlohmann::json::parse(entries[0].leaf)["event"], "open");
  EXPECT_EQ(nlohmann::json::parse(entries[1].leaf)["event"], "submit");
  EXPECT_EQ(nlohmann::json::parse(entries[0].event_json)["request_sha256"], sha256_hex(request));
  // Another case gets another tag.
  CaseRecord other = svc.open(request, "P_EU_EPOC", Role::Primary, officer);
  auto first = nlohmann::json::parse(store->log_entries_for_case(other.id).at(0).leaf);
  EXPECT_FALSE(tags.contains(first["tag"]));
  EXPECT_EQ(store->log_size(), 4u);
  EXPECT_EQ(store->log_hashes(0, 10).size(), 4u);
  EXPECT_EQ(store->log_hashes(0, 10)[3], ledger::leaf_hash(store->log_leaves(3, 1).at(0)));
}

TEST_F(ServiceTest, AnOfficerIssuesOnlyInItsOwnStatesName) {
  Actor french{"o2", PartyRole::Officer, "fr-parquet", "FR"};
  try {
    svc.open(example("s01-eu-subscriber-prosecutor.json"), "P_EU_EPOC", Role::Primary, french);  // a German request
    FAIL() << "opened a case in another State's name";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.kind, ErrorKind::Invalid);
    ASSERT_EQ(e.field_errors.size(), 1u);
    EXPECT_EQ(e.field_errors[0].path, "$.requesting_state");
  }
  EXPECT_TRUE(store->list_cases("", 10).empty());
  EXPECT_TRUE(store->audit_after(0, 10).empty());
  store->put_party({"de-sta", "issuing_authority", "DE", "Staatsanwaltschaft"}, test::seed_audit("create_party", "p"));
  Actor german{"o3", PartyRole::Officer, "de-sta", "DE"};
  EXPECT_EQ(svc.open(example("s01-eu-subscriber-prosecutor.json"), "P_EU_EPOC", Role::Primary, german).requesting_state,
            "DE");
}

TEST_F(ServiceTest, TheDecisionIsRenderedAgainOnlyUnderTheCasesRulePack) {
  CaseRecord r = svc.open(example("s01-eu-subscriber-prosecutor.json"), "P_EU_EPOC", Role::Primary, officer);
  EXPECT_TRUE(r.decision_json.empty());  // not stored: rendered on demand
  auto entry = nlohmann::json::parse(r.entry_json);
  EXPECT_EQ(entry["pathway"], "P_EU_EPOC");
  EXPECT_FALSE(entry["checks"].empty());
  auto decision = nlohmann::json::parse(svc.decision_text(*store->load_case(r.id)));
  EXPECT_EQ(decision["evaluated_at"], "2026-09-15");
  bool found = false;
  for (const auto& e : decision["pathways"]) found = found || e == entry;
  EXPECT_TRUE(found) << "the recorded entry is the decision's own";
  auto other = test::fresh_pack();
  other->content_hash = "sha256:another-version";
  CaseService later(*store, *other, clock, ids);
  try {
    later.decision_text(r);
    FAIL() << "rendered a decision under another rule pack";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.kind, ErrorKind::Conflict);
  }
}

TEST_F(ServiceTest, NotifiedEpocRefusedByTheEnforcingAuthority) {
  CaseRecord r =
      svc.open(example("s05b-eu-notification-residence-unknown.json"), "P_EU_EPOC", Role::Primary, officer_es);
  svc.step(r.id, "submit", officer);
  svc.step(r.id, "mark_ready", officer);
  svc.step(r.id, "transmit", officer);
  try {
    svc.step(r.id, "refuse", enforcing);
    FAIL() << "refusal without a reason accepted";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.kind, ErrorKind::Invalid);
    ASSERT_TRUE(e.transition);
    EXPECT_EQ(e.transition->kind, TransitionError::Kind::ReasonRequired);
  }
  EXPECT_EQ(svc.step(r.id, "refuse", enforcing, "Art 12(1)(a): press freedom", {}, nullptr, "immunity_or_press_freedom")
                .c.state,
            "refused");
  EXPECT_EQ(store->load_case(r.id)->c.history.back().ground, "immunity_or_press_freedom");
  // The coded ground is public in the log; the words are not.
  auto leaf = nlohmann::json::parse(store->log_entries_for_case(r.id).back().leaf);
  EXPECT_EQ(leaf["ground"], "immunity_or_press_freedom");
  EXPECT_EQ(store->log_entries_for_case(r.id).back().leaf.find("press freedom"), std::string::npos);
}

TEST_F(ServiceTest, UnlawfulPathwayAndInvalidRequestsAreRefused) {
  try {
    svc.open(example("s02-eu-content-prosecutor-no-judge.json"), "P_EU_EPOC", Role::Primary, officer_fr);
    FAIL();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.kind, ErrorKind::NotLawful);
  }
  try {
    svc.open("{\"requesting_state\": \"XX\"}", "P_EU_EPOC", Role::Primary, officer);
    FAIL();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.kind, ErrorKind::Invalid);
    EXPECT_FALSE(e.field_errors.empty());
  }
  EXPECT_THROW(svc.open(example("s01-eu-subscriber-prosecutor.json"), "P_EU_EPOC", Role::Primary, provider),
               ServiceError);
  // An officer whose authority has no State on record issues for none (fail closed).
  try {
    svc.open(example("s01-eu-subscriber-prosecutor.json"), "P_EU_EPOC", Role::Primary,
             Actor{"o-nowhere", PartyRole::Officer, "", ""});
    FAIL() << "an officer of no State opened a case";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.kind, ErrorKind::Forbidden);
  }
  EXPECT_TRUE(store->list_cases("", 10).empty());  // nothing was written
  EXPECT_TRUE(store->audit_after(0, 10).empty());
}

TEST_F(ServiceTest, ExpiredExPostValidationWithdrawsTheOrderBeforeALateStep) {
  CaseRecord r = svc.open(example("s07-eu-emergency-kidnapping.json"), "P_EU_EPOC", Role::Primary, officer_be);
  ASSERT_EQ(r.c.pathway, "P_EU_EPOC");
  svc.step(r.id, "submit", officer);
  svc.step(r.id, "transmit_emergency", officer);
  clock.advance(6 * kHour);
  svc.step(r.id, "produce", provider);
  clock.advance(50 * kHour);
  // The validator is too late: the expiry fires first, and the step is refused.
  EXPECT_THROW(svc.step(r.id, "validate_ex_post", validator), ServiceError);
  auto stored = store->load_case(r.id);
  EXPECT_EQ(stored->c.state, "produced");  // the refused step saved nothing…
  EXPECT_EQ(svc.expire(r.id), std::vector<std::string>{"ex_post_validation_expired"});  // …the sweep does
  stored = store->load_case(r.id);
  EXPECT_EQ(stored->c.state, "withdrawn");
  EXPECT_TRUE(stored->c.data_marked_for_deletion);
  EXPECT_TRUE(svc.expire(r.id).empty());  // idempotent
}

TEST_F(ServiceTest, UnknownCase) {
  try {
    svc.step("case-404", "submit", officer);
    FAIL();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.kind, ErrorKind::NotFound);
  }
}

TEST_F(ServiceTest, DemoWorldHasOneUserPerRoleWithWorkingTokens) {
  auto first = seed_demo(*store, test::real_pack(), kT0);
  auto again = seed_demo(*store, test::real_pack(), kT0 + 1);  // repeatable: same users, fresh tokens
  ASSERT_EQ(first.size(), again.size());
  std::set<std::string> roles;
  for (const auto& c : first) {
    roles.insert(c.role);
    auto who = store->user_by_token(sha256_hex(c.token));
    ASSERT_TRUE(who) << c.user;
    EXPECT_EQ(who->user.id, c.user);
    EXPECT_NE(c.token, again[&c - first.data()].token);
  }
  EXPECT_EQ(roles, (std::set<std::string>{"officer", "validator", "central_authority", "provider",
                                          "enforcing_authority", "oversight", "admin"}));
  for (const char* cc : {"us", "gb", "ie", "de", "fr", "nl", "be", "pl", "es", "au"})
    EXPECT_TRUE(store->party(std::string(cc) + "-ca")) << cc;
  EXPECT_EQ(store->party("US-CLOUDCO")->kind, "provider");
}

TEST(ActingRole, ACentralAuthorityActsAsTheSideItsStateIsOn) {
  CaseRecord r;
  r.requesting_state = "GB";
  r.counterpart_state = "US";
  EXPECT_EQ(acting_role({"u", PartyRole::CentralAuthority, "gb-ca", "GB"}, r), PartyRole::RequestingCentralAuthority);
  EXPECT_EQ(acting_role({"u", PartyRole::CentralAuthority, "us-ca", "US"}, r), PartyRole::RequestedCentralAuthority);
  EXPECT_EQ(acting_role({"u", PartyRole::CentralAuthority, "ie-ca", "IE"}, r), PartyRole::CentralAuthority);
  EXPECT_EQ(acting_role({"u", PartyRole::CentralAuthority, "x", ""}, r), PartyRole::CentralAuthority);
  EXPECT_EQ(acting_role({"u", PartyRole::Provider, "p", "US"}, r), PartyRole::Provider);
}

TEST(Ids, RandomIdsAreVersion4Uuids) {
  RandomIds ids;
  std::string a = ids.next(), b = ids.next();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
}

}  // namespace
}  // namespace comity
