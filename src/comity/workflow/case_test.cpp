// Workflow tests: real decisions from the sample requests, driven through
// the law's steps with a fake clock.
#include "comity/workflow/case.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "comity/model/request_json.hpp"
#include "comity/rules/engine.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using K = TransitionError::Kind;
constexpr int64_t kHour = 3600, kDay = 86400;
const Instant kT0 = *parse_instant("2026-09-15T09:00:00Z");

struct Fixture {
  Request q;
  Decision d;
  Fixture(const char* example, const char* date = "2026-09-15")
      : q(test::parse_ok(nlohmann::json::parse(test::read_text(test::source_dir() + "/examples/" + example)))),
        d(test::eval(q, test::real_pack(), date)) {}
  Case open(std::string_view pathway, Role role = Role::Primary, std::optional<DataCategory> cat = std::nullopt) {
    const PathwayResult* e = test::entry(d, pathway, role, cat);
    if (!e) throw std::runtime_error("no entry " + std::string(pathway));
    Case c = open_case(d, *e);
    c.facts = CaseFacts{q.urgency.is_emergency, e->ex_post_validation, q.validating_authority.has_value(), e->notified};
    return c;
  }
};

const CaseClock* clock(const Case& c, std::string_view id) {
  for (const auto& k : c.clocks)
    if (k.deadline_id == id) return &k;
  return nullptr;
}

// Takes a step the test expects to be lawful. A refusal throws, so that the
// test stops there (an ASSERT here would return from this helper only).
void step(Case& c, const char* event, PartyRole who, Instant at, const char* reason = "", const char* ground = "") {
  auto err = apply_event(c, test::real_pack(), event, who, at, reason, ground);
  if (err) throw std::runtime_error(std::string(event) + " was refused: " + err->message);
}

TEST(Workflow, EpocForSubscriberDataRunsItsTenDayClock) {
  Fixture f("s01-eu-subscriber-prosecutor.json");
  Case c = f.open("P_EU_EPOC");
  EXPECT_EQ(c.workflow, "direct_order");
  EXPECT_EQ(c.state, "draft");
  step(c, "submit", PartyRole::Officer, kT0);
  step(c, "mark_ready", PartyRole::Officer, kT0);
  step(c, "transmit", PartyRole::Officer, kT0 + kHour);
  EXPECT_EQ(c.state, "transmitted");
  const CaseClock* dl3 = clock(c, "EU.DL.3");
  ASSERT_TRUE(dl3);
  EXPECT_EQ(dl3->due, kT0 + kHour + 10 * kDay);
  EXPECT_FALSE(clock(c, "EU.DL.2"));  // not notified: the notified-case deadline does not apply
  EXPECT_FALSE(clock(c, "EU.DL.4"));  // not an emergency
  step(c, "acknowledge", PartyRole::Provider, kT0 + 2 * kHour);
  step(c, "produce", PartyRole::Provider, kT0 + 3 * kDay);
  EXPECT_FALSE(clock(c, "EU.DL.3")->running());
  step(c, "close", PartyRole::Officer, kT0 + 4 * kDay);
  EXPECT_EQ(c.state, "closed");
  EXPECT_EQ(c.history.size(), 6u);
  auto err = apply_event(c, test::real_pack(), "withdraw", PartyRole::Officer, kT0 + 5 * kDay, "late");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::Closed);
}

TEST(Workflow, NotifiedEpocCanBeRefusedByTheEnforcingAuthorityWithAReason) {
  Fixture f("s05b-eu-notification-residence-unknown.json");
  Case c = f.open("P_EU_EPOC");
  step(c, "submit", PartyRole::Officer, kT0);
  step(c, "mark_ready", PartyRole::Officer, kT0);
  step(c, "transmit", PartyRole::Officer, kT0);
  ASSERT_TRUE(clock(c, "EU.DL.2"));  // transmit at the end of 10 days (suspensive notification)
  ASSERT_TRUE(clock(c, "EU.DL.5"));  // the enforcing authority's 10 days
  EXPECT_FALSE(clock(c, "EU.DL.3"));
  auto err = apply_event(c, test::real_pack(), "refuse", PartyRole::Provider, kT0 + kDay, "conflict");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::RoleNotPermitted);
  err = apply_event(c, test::real_pack(), "refuse", PartyRole::EnforcingAuthority, kT0 + kDay);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::ReasonRequired);
  EXPECT_EQ(c.state, "transmitted");  // nothing changed on error
  // A refusal cites an Art 12(1) ground by its code; an invented one, or
  // one the law gives another pathway, is refused with the valid list.
  err = apply_event(c, test::real_pack(), "refuse", PartyRole::EnforcingAuthority, kT0 + kDay, "no", "");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::GroundInvalid);
  EXPECT_NE(err->message.find("immunity_or_press_freedom, fundamental_rights, ne_bis_in_idem, dual_criminality"),
            std::string::npos)
      << err->message;
  for (const char* wrong : {"fiscal_offence", "prejudice_to_investigations"}) {
    err = apply_event(c, test::real_pack(), "refuse", PartyRole::EnforcingAuthority, kT0 + kDay, "no", wrong);
    ASSERT_TRUE(err) << wrong;
    EXPECT_EQ(err->kind, K::GroundInvalid);
  }
  // A step without a ground list cites none.
  err = apply_event(c, test::real_pack(), "confirm_no_refusal", PartyRole::EnforcingAuthority, kT0 + kDay, "",
                    "dual_criminality");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::GroundInvalid);
  EXPECT_EQ(c.state, "transmitted");
  ASSERT_FALSE(apply_event(c, test::real_pack(), "refuse", PartyRole::EnforcingAuthority, kT0 + 2 * kDay,
                           "Art 12(1)(d): no double criminality", "dual_criminality"));
  EXPECT_EQ(c.state, "refused");
  EXPECT_EQ(c.history.back().ground, "dual_criminality");
  for (const auto& k : c.clocks) EXPECT_FALSE(k.running()) << k.deadline_id;
}

TEST(Workflow, EmergencyOrderWithdrawnWhenExPostValidationExpires) {
  Fixture f("s07-eu-emergency-kidnapping.json");
  Case c = f.open("P_EU_EPOC", Role::Primary, DataCategory::Subscriber);
  step(c, "submit", PartyRole::Officer, kT0);
  step(c, "transmit_emergency", PartyRole::Officer, kT0);
  EXPECT_EQ(clock(c, "EU.DL.4")->due, kT0 + 8 * kHour);
  EXPECT_EQ(clock(c, "EU.DL.11")->due, kT0 + 48 * kHour);
  step(c, "produce", PartyRole::Provider, kT0 + 6 * kHour);
  EXPECT_TRUE(tick(c, test::real_pack(), kT0 + 47 * kHour).empty());
  EXPECT_EQ(clock_status(*clock(c, "EU.DL.11"), kT0 + 47 * kHour), ClockStatus::DueSoon);
  auto fired = tick(c, test::real_pack(), kT0 + 49 * kHour);
  ASSERT_EQ(fired, std::vector<std::string>{"ex_post_validation_expired"});
  EXPECT_EQ(c.state, "withdrawn");
  EXPECT_TRUE(c.data_marked_for_deletion);
  EXPECT_EQ(c.history.back().at, kT0 + 48 * kHour);  // withdrawn when the clock expired
  EXPECT_EQ(c.history.back().actor, PartyRole::System);
}

TEST(Workflow, TimelyExPostValidationKeepsTheOrder) {
  Fixture f("s07-eu-emergency-kidnapping.json");
  Case c = f.open("P_EU_EPOC", Role::Primary, DataCategory::Subscriber);
  step(c, "submit", PartyRole::Officer, kT0);
  step(c, "transmit_emergency", PartyRole::Officer, kT0);
  step(c, "validate_ex_post", PartyRole::Validator, kT0 + 20 * kHour);
  EXPECT_TRUE(tick(c, test::real_pack(), kT0 + 72 * kHour).empty());
  EXPECT_EQ(c.state, "transmitted");
  EXPECT_FALSE(c.data_marked_for_deletion);
  EXPECT_EQ(clock_status(*clock(c, "EU.DL.4"), kT0 + 72 * kHour), ClockStatus::Overdue);  // the provider is late
}

TEST(Workflow, PreservationExtendsOnceThenLapses) {
  Fixture f("s02-eu-content-prosecutor-no-judge.json");
  Case c = f.open("P_EU_EPOC_PR", Role::PreservationCompanion);
  EXPECT_EQ(c.workflow, "preservation");
  step(c, "submit", PartyRole::Officer, kT0);
  step(c, "mark_ready", PartyRole::Officer, kT0);
  step(c, "transmit", PartyRole::Officer, kT0);
  EXPECT_EQ(clock(c, "EU.DL.10")->due, kT0 + 60 * kDay);
  step(c, "extend", PartyRole::Officer, kT0 + 50 * kDay);
  EXPECT_FALSE(clock(c, "EU.DL.10")->running());
  EXPECT_EQ(clock(c, "EU.DL.10b")->due, kT0 + 90 * kDay);  // 60 + 30 days, not 50 + 30
  auto err = apply_event(c, test::real_pack(), "extend", PartyRole::Officer, kT0 + 55 * kDay);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::LimitReached);
  EXPECT_TRUE(tick(c, test::real_pack(), kT0 + 89 * kDay).empty());
  EXPECT_EQ(tick(c, test::real_pack(), kT0 + 91 * kDay), std::vector<std::string>{"preservation_lapsed"});
  EXPECT_EQ(c.state, "lapsed");
}

TEST(Workflow, ConfirmedProductionRequestKeepsPreservationAlive) {
  Fixture f("s02-eu-content-prosecutor-no-judge.json");
  Case c = f.open("P_EU_EPOC_PR", Role::PreservationCompanion);
  step(c, "submit", PartyRole::Officer, kT0);
  step(c, "mark_ready", PartyRole::Officer, kT0);
  step(c, "transmit", PartyRole::Officer, kT0);
  step(c, "confirm_production_request", PartyRole::Officer, kT0 + 30 * kDay);
  EXPECT_TRUE(tick(c, test::real_pack(), kT0 + 400 * kDay).empty());
  EXPECT_EQ(c.state, "kept_for_production");
}

TEST(Workflow, MlaGoesThroughBothCentralAuthorities) {
  Fixture f("s13-uk-us-dual-national.json");
  Case c = f.open("P_MLAT");
  EXPECT_EQ(c.workflow, "mla");
  step(c, "submit", PartyRole::Officer, kT0);
  step(c, "send_to_central_authority", PartyRole::Officer, kT0);
  auto err = apply_event(c, test::real_pack(), "transmit", PartyRole::Officer, kT0);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::RoleNotPermitted);
  // Each side takes only its own steps: the requesting authority cannot
  // receive or accept its own request, nor the requested one transmit it.
  err = apply_event(c, test::real_pack(), "transmit", PartyRole::RequestedCentralAuthority, kT0);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::RoleNotPermitted);
  step(c, "transmit", PartyRole::RequestingCentralAuthority, kT0 + kDay);
  err = apply_event(c, test::real_pack(), "receive", PartyRole::RequestingCentralAuthority, kT0 + kDay);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::RoleNotPermitted);
  step(c, "receive", PartyRole::RequestedCentralAuthority, kT0 + 2 * kDay);
  EXPECT_TRUE(apply_event(c, test::real_pack(), "accept", PartyRole::RequestingCentralAuthority, kT0 + 2 * kDay));
  EXPECT_TRUE(apply_event(c, test::real_pack(), "accept", PartyRole::CentralAuthority, kT0 + 2 * kDay));
  step(c, "accept", PartyRole::RequestedCentralAuthority, kT0 + 20 * kDay);
  step(c, "return_evidence", PartyRole::RequestedCentralAuthority, kT0 + 200 * kDay);
  step(c, "close", PartyRole::Officer, kT0 + 201 * kDay);
  EXPECT_EQ(c.state, "closed");
}

TEST(Workflow, SupplementaryInformationReturnsToTheReviewThatAskedForIt) {
  Fixture f("s23-eu-interception.json");
  Case c = f.open("P_EIO");
  step(c, "submit", PartyRole::Officer, kT0);
  step(c, "send_to_central_authority", PartyRole::Officer, kT0);
  step(c, "transmit", PartyRole::RequestingCentralAuthority, kT0);
  step(c, "receive", PartyRole::RequestedCentralAuthority, kT0 + kDay);
  auto err = apply_event(c, test::real_pack(), "request_supplement", PartyRole::RequestedCentralAuthority, kT0 + kDay);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::ReasonRequired);
  step(c, "request_supplement", PartyRole::RequestedCentralAuthority, kT0 + 2 * kDay, "Art 11(4): which line?");
  EXPECT_EQ(c.state, "supplement_requested");
  EXPECT_TRUE(clock(c, "EIO.DL.2")->running());  // the recognition clock keeps running
  step(c, "provide_supplement", PartyRole::Officer, kT0 + 3 * kDay, "the line ending 42");
  EXPECT_EQ(c.state, "requested_review");
  step(c, "accept", PartyRole::RequestedCentralAuthority, kT0 + 4 * kDay);
  EXPECT_EQ(c.state, "executing");
}

TEST(Workflow, EioStartsItsRecognitionAndExecutionClocks) {
  Fixture f("s23-eu-interception.json");
  Case c = f.open("P_EIO");
  step(c, "submit", PartyRole::Officer, kT0);
  step(c, "send_to_central_authority", PartyRole::Officer, kT0);
  step(c, "transmit", PartyRole::RequestingCentralAuthority, kT0);
  EXPECT_EQ(clock(c, "EIO.DL.2")->due, kT0 + 30 * kDay);
  step(c, "receive", PartyRole::RequestedCentralAuthority, kT0 + kDay);
  step(c, "accept", PartyRole::RequestedCentralAuthority, kT0 + 10 * kDay);
  EXPECT_FALSE(clock(c, "EIO.DL.2")->running());
  EXPECT_EQ(clock(c, "EIO.DL.3")->due, kT0 + 100 * kDay);
}

TEST(Workflow, ErrorsSayWhatIsPossible) {
  Fixture f("s01-eu-subscriber-prosecutor.json");
  Case c = f.open("P_EU_EPOC");
  auto err = apply_event(c, test::real_pack(), "fly", PartyRole::Officer, kT0);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::UnknownEvent);
  err = apply_event(c, test::real_pack(), "produce", PartyRole::Provider, kT0);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, K::NotAllowedInState);
  EXPECT_EQ(allowed_events(c, test::real_pack(), PartyRole::Officer, kT0),
            (std::vector<std::string>{"submit", "withdraw"}));
  EXPECT_TRUE(allowed_events(c, test::real_pack(), PartyRole::Provider, kT0).empty());
}

TEST(Workflow, NoCaseForAnUnlawfulEntry) {
  Fixture f("s02-eu-content-prosecutor-no-judge.json");
  EXPECT_THROW(f.open("P_EU_EPOC"), WorkflowError);  // unavailable: content needs a judge
}

TEST(Clock, DurationsAndInstants) {
  EXPECT_EQ(parse_duration_seconds("P10D"), 10 * kDay);
  EXPECT_EQ(parse_duration_seconds("PT8H"), 8 * kHour);
  EXPECT_EQ(parse_duration_seconds("PT96H"), 96 * kHour);
  EXPECT_EQ(parse_duration_seconds("P1DT12H30M5S"), kDay + 12 * kHour + 30 * 60 + 5);
  EXPECT_EQ(parse_duration_seconds("P2W"), 14 * kDay);
  EXPECT_EQ(parse_duration_seconds("PT0S"), 0);
  for (const char* bad : {"P1Y", "P1M", "10D", "P", "PT", "P10", "PT8D", "P1H", "P1DT"})
    EXPECT_FALSE(parse_duration_seconds(bad)) << bad;
  EXPECT_EQ(format_instant(*parse_instant("2026-09-15T11:30:00+02:00")), "2026-09-15T09:30:00Z");
  EXPECT_EQ(*parse_instant("1970-01-02T00:00:00Z"), kDay);
  EXPECT_FALSE(parse_instant("2026-09-15"));
  FakeClock fc(kT0);
  fc.advance(kHour);
  EXPECT_EQ(fc.now(), kT0 + kHour);
}

TEST(Clock, StatusOfARunningClock) {
  CaseClock k{"EU.DL.3", "", kT0, kT0 + 10 * kDay, std::nullopt, false};
  EXPECT_EQ(clock_status(k, kT0 + kDay), ClockStatus::Running);
  EXPECT_EQ(clock_status(k, kT0 + 8 * kDay), ClockStatus::DueSoon);  // a quarter of the span left
  EXPECT_EQ(clock_status(k, kT0 + 10 * kDay), ClockStatus::Overdue);
  k.stopped = kT0 + kDay;
  EXPECT_EQ(clock_status(k, kT0 + 20 * kDay), ClockStatus::Stopped);
}

}  // namespace
}  // namespace comity
