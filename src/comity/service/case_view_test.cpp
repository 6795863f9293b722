// The role × field matrix: one case carrying every kind of free text —
// each side's step reasons, both sides' review reasons, a delayed-notice
// reason, the request's facts — rendered for every audience, against what
// each audience may read, written here from the law and docs/permissions.md.
#include "comity/service/case_view.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "comity/service/case_service.hpp"
#include "comity/service/federation_view.hpp"
#include "comity/store/open_store.hpp"
#include "comity/store/store.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;
using A = Audience;

const Instant kT0 = *parse_instant("2026-09-15T09:00:00Z");
const std::vector<A> kAll = {A::Issuing, A::Requested, A::Enforcing, A::Addressee, A::Oversight};

// Words each party wrote, and who (by the law) reads them.
struct Words {
  const char* text;
  std::vector<A> readers;
  const char* why;
};

struct ViewMatrix : ::testing::Test {
  test::TempDir dir;
  std::unique_ptr<Store> store = open_sqlite_store((dir.path() / "c.db").string());
  FakeClock clock{kT0};
  SequentialIds ids{"case-"};
  CaseService svc{*store, test::real_pack(), clock, ids};
  Actor officer{"o1", PartyRole::Officer, "", "ES"}, validator{"v1", PartyRole::Validator, "", "ES"},
      provider{"p1", PartyRole::Provider, "", "NL"}, enforcing{"e1", PartyRole::EnforcingAuthority, "", "NL"};

  // One override carrying `words`, and a reasoned verdict on each check the engine left to review.
  static std::vector<CheckVerdict> verdicts(const CaseRecord& r, const std::string& words) {
    std::vector<CheckVerdict> out = {{"EU.THR.1", "override", words}};
    const json entry = json::parse(r.entry_json);
    for (const auto& c : entry["checks"])
      if (c["result"] == "needs_review" && c["predicate"] != "EU.THR.1")
        out.push_back({c["predicate"], "agree", "reviewed"});
    return out;
  }

  // A notified EPOC that went through every step that carries words.
  CaseRecord every_kind_of_text() {
    auto request =
        json::parse(test::read_text(test::source_dir() + "/examples/s05b-eu-notification-residence-unknown.json"));
    request["facts_summary"] = "FACTS-OF-THE-CASE: the seller took payment and delivered nothing.";
    request["user_notification_plan"] = {
        {"mode", "DELAY"}, {"review_date", "2026-12-01"}, {"justification", "informing now would alert the suspect"}};
    CaseRecord r = svc.open(request.dump(), "P_EU_EPOC", Role::Primary, officer);
    EXPECT_TRUE(r.notified);
    svc.step(r.id, "submit", officer);
    svc.step(r.id, "request_information", validator, "VALIDATOR-WORDS: which account exactly?");
    svc.step(r.id, "provide_information", officer, "OFFICER-INFO-WORDS: the marketplace account.");
    svc.step(r.id, "mark_ready", officer);
    svc.step(r.id, "transmit", officer);
    svc.step(r.id, "acknowledge", provider);
    svc.step(r.id, "report_inability", provider, "PROVIDER-INABILITY-WORDS: the identifier is ambiguous.", {}, nullptr,
             "insufficient_information");
    svc.step(r.id, "clarify", officer, "OFFICER-CLARIFY-WORDS: the account created in May.");
    svc.step(r.id, "object", provider, "PROVIDER-OBJECTION-WORDS: a third country's law forbids it.", {}, nullptr,
             "third_country_law_conflict");
    svc.step(r.id, "lift_objection", officer, "OFFICER-LIFT-WORDS: that law does not apply here.");
    svc.review(r.id, validator, verdicts(r, "VALIDATOR-REVIEW-WORDS: necessity is thin."), true);
    svc.review(r.id, enforcing, verdicts(r, "ENFORCING-REVIEW-WORDS: parity is doubtful."), true);
    svc.record_notice(r.id, officer, NoticeAction::Delay, "2026-12-15", "NOTICE-WORDS: the suspect would flee.");
    return svc.step(r.id, "refuse", enforcing, "ENFORCING-REFUSAL-WORDS: press freedom.", {}, nullptr,
                    "immunity_or_press_freedom");
  }
};

TEST_F(ViewMatrix, EachAudienceReadsExactlyTheWordsTheLawSendsIt) {
  const CaseRecord r = every_kind_of_text();
  const std::vector<Words> words = {
      {"VALIDATOR-WORDS", {A::Issuing}, "the issuing side's own review"},
      {"OFFICER-INFO-WORDS", {A::Issuing}, "the issuing side's own file"},
      {"OFFICER-CLARIFY-WORDS", {A::Issuing}, "the addressee reads no free text (Reg. 2023/1543 Art 9(3))"},
      {"OFFICER-LIFT-WORDS", {A::Issuing}, "the addressee reads no free text"},
      {"PROVIDER-INABILITY-WORDS",
       {A::Issuing, A::Enforcing},
       "Annex III goes to the issuing and enforcing authorities"},
      {"PROVIDER-OBJECTION-WORDS", {A::Issuing, A::Enforcing}, "Art 17(1): to the issuing and enforcing authorities"},
      {"ENFORCING-REFUSAL-WORDS", {A::Issuing, A::Enforcing}, "Art 12: the refusal is sent to the issuing authority"},
      {"VALIDATOR-REVIEW-WORDS", {A::Issuing}, "the requesting side's consolidated review"},
      {"ENFORCING-REVIEW-WORDS", {A::Issuing, A::Requested, A::Enforcing}, "the requested side's review"},
      {"NOTICE-WORDS", {}, "kept as a digest only (Art 13(2))"},
      {"FACTS-OF-THE-CASE", {A::Issuing, A::Requested, A::Enforcing}, "the request's facts: not for the addressee"},
  };
  // Members that only some audiences get.
  const std::vector<std::pair<const char*, std::vector<A>>> members = {
      {"request", {A::Issuing, A::Requested, A::Enforcing}},
      {"certificate", {A::Addressee}},
      {"order", {A::Addressee}},
      {"decision_url", {A::Issuing, A::Requested, A::Enforcing, A::Oversight}},
      {"user_notification", {A::Issuing, A::Requested, A::Enforcing, A::Oversight}},
      {"reviews", {A::Issuing, A::Requested, A::Enforcing, A::Oversight}},
      {"log_url", {A::Issuing, A::Requested, A::Enforcing, A::Addressee}},
      {"signed_order", {A::Issuing, A::Requested, A::Enforcing, A::Addressee}},
      {"productions", {A::Issuing, A::Addressee}},
      {"federation", {A::Issuing, A::Oversight}},
      {"clocks", kAll},
      {"history", kAll},
      {"allowed_events", kAll},
  };
  const auto reviews = store->reviews(r.id);
  const std::vector<Production> none;
  // What the home node sent about the case (service/federation_view.hpp).
  const json federation = {{"case_ref", "fc-1"}, {"messages", json::array()}, {"where", "nothing sent"}};
  CaseRecord rec = r;
  with_facts(rec);
  for (A a : kAll) {
    SCOPED_TRACE(std::string(audience_name(a)));
    const std::string text = case_view_text(rec, a, PartyRole::Officer, test::real_pack(), clock.now(),
                                            {&reviews, &none, nullptr, &federation});
    const json view = json::parse(text);
    for (const auto& w : words) {
      const bool reads = std::find(w.readers.begin(), w.readers.end(), a) != w.readers.end();
      EXPECT_EQ(text.find(w.text) != std::string::npos, reads) << w.text << " — " << w.why;
    }
    for (const auto& [member, who] : members)
      EXPECT_EQ(view.contains(member), std::find(who.begin(), who.end(), a) != who.end()) << member;
    // Addressees and oversight never see a free-text reason, not even an empty one.
    if (a == A::Addressee || a == A::Oversight) {
      for (const auto& h : view["history"]) EXPECT_FALSE(h.contains("reason")) << h.dump();
      if (view.contains("reviews")) {
        for (const auto& rv : view["reviews"])
          for (const auto& v : rv["verdicts"]) EXPECT_FALSE(v.contains("reason")) << v.dump();
      }
    }
    // Every step is listed, with its coded ground, for everyone.
    EXPECT_EQ(view["history"].size(), rec.c.history.size());
    EXPECT_EQ(view["history"].back()["ground"], "immunity_or_press_freedom");
  }
}

// The addressee's statement is public (docs/provider-statements.md): the
// summary part, every audience; null when the case opened without one.
TEST_F(ViewMatrix, TheProviderStatementKeptWithTheCaseIsShownToEveryAudience) {
  auto request =
      json::parse(test::read_text(test::source_dir() + "/examples/s05b-eu-notification-residence-unknown.json"));
  CaseRecord r = svc.open(request.dump(), "P_EU_EPOC", Role::Primary, officer);
  with_facts(r);
  for (A a : kAll)
    EXPECT_TRUE(case_view_json(r, a, PartyRole::Officer, test::real_pack(), kT0)["provider_statement"].is_null());
  json entry = json::parse(r.entry_json);
  const json kept = {{"provider", "NL-MAILCO"}, {"version", 2}, {"sha256", std::string(64, 'a')}, {"log_index", 7}};
  entry["provider_statement"] = kept;
  r.entry_json = entry.dump();
  for (A a : kAll) {
    EXPECT_TRUE(shows(a, CasePart::Summary));
    EXPECT_EQ(case_view_json(r, a, PartyRole::Officer, test::real_pack(), kT0)["provider_statement"], kept)
        << audience_name(a);
  }
}

TEST_F(ViewMatrix, TheLogOpensNoMoreThanTheCaseShows) {
  CaseRecord r = every_kind_of_text();
  for (A a : kAll) {
    SCOPED_TRACE(std::string(audience_name(a)));
    EXPECT_EQ(log_opening_visible(a, -1, r, test::real_pack()), shows(a, CasePart::Request));
    for (size_t i = 0; i < r.c.history.size(); ++i) {
      const CaseEvent& e = r.c.history[i];
      const bool opened = log_opening_visible(a, static_cast<int64_t>(i), r, test::real_pack());
      if (a == A::Oversight) {
        EXPECT_FALSE(opened) << e.event;  // oversight opens nothing
      } else if (e.reason.empty()) {
        EXPECT_TRUE(opened) << e.event;
      } else {
        EXPECT_EQ(opened, reason_visible(a, e, r.c, test::real_pack())) << e.event;
      }
    }
  }
  // The addressee opens none of the steps with words, its own included.
  for (size_t i = 0; i < r.c.history.size(); ++i) {
    if (r.c.history[i].reason.empty()) continue;
    EXPECT_FALSE(log_opening_visible(A::Addressee, static_cast<int64_t>(i), r, test::real_pack()))
        << r.c.history[i].event;
  }
}

// A peer's receipt as the case view shows it (service/federation_view.hpp):
// the coded outcome, its time, its log leaf and the checkpoint's size.
TEST(FederationView, AReceiptIsShownByItsOutcomeLeafAndCheckpoint) {
  const json delivered = {{"status", "delivered"},
                          {"rem_event", "ContentHandover"},
                          {"received_at", "2026-11-23T10:00:00Z"},
                          {"delivered_at", "2026-11-23T10:00:01Z"},
                          {"proof",
                           {{"leaf_index", 41},
                            {"inclusion", json::array()},
                            {"checkpoint", "fed.nl.example/log\n42\nAAAA\n\n— fed.nl.example/log abcd\n"}}}};
  EXPECT_EQ(receipt_summary(delivered.dump()), json({{"status", "delivered"},
                                                     {"rem_event", "ContentHandover"},
                                                     {"at", "2026-11-23T10:00:01Z"},
                                                     {"leaf_index", 41},
                                                     {"checkpoint_size", 42}}));
  const json refused = {{"status", "refused"},           {"rem_event", "RelayRejection"},
                        {"reason", "peer_suspended"},    {"rem_reason", "Other"},
                        {"detail", "words of the peer"}, {"received_at", "2026-11-23T10:00:00Z"}};
  EXPECT_EQ(receipt_summary(refused.dump()), json({{"status", "refused"},
                                                   {"rem_event", "RelayRejection"},
                                                   {"code", "peer_suspended"},
                                                   {"at", "2026-11-23T10:00:00Z"},
                                                   {"leaf_index", nullptr},
                                                   {"checkpoint_size", nullptr}}));
  EXPECT_TRUE(receipt_summary("").is_null());
  EXPECT_TRUE(receipt_summary("not json").is_null());
}

TEST(ViewTable, OneRowPerPartInOrderAndPermissionsMdHoldsIt) {
  const auto& table = view_table();
  ASSERT_EQ(table.size(), static_cast<size_t>(CasePart::Federation) + 1);
  for (size_t i = 0; i < table.size(); ++i) EXPECT_EQ(static_cast<size_t>(table[i].part), i);
  // docs/permissions.md carries the table as generated, between its markers.
  std::string doc = test::read_text(test::source_dir() + "/docs/permissions.md");
  const std::string begin = "<!-- view-table:begin -->\n", end = "<!-- view-table:end -->";
  auto b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), view_table_markdown())
      << "docs/permissions.md is out of date: paste the table `comity docs views` prints";
}

}  // namespace
}  // namespace comity
