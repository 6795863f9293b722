// Unit tests per predicate kind: each varies one input of a valid request
// across the rule's boundary and checks the predicate's outcome.
#include "comity/rules/kinds.hpp"

#include <gtest/gtest.h>

#include "comity/rules/engine.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

using nlohmann::json;
using test::base_request;
using test::check;
using test::entry;
using test::eval;
using test::gate;
using test::parse_ok;
using test::real_pack;
constexpr Outcome kPass = Outcome::Pass, kFail = Outcome::Fail, kReview = Outcome::NeedsReview,
                  kNA = Outcome::NotApplicable;

// An EU content request from FR to a provider with a designated establishment in DE.
json eu_content() {
  auto j = base_request();
  j["requesting_state"] = "FR";
  j["issuing_authority"] = {{"state", "FR"}, {"type", "JUDGE"}, {"name", "Tribunal judiciaire"}, {"contact", "c"}};
  j["data_categories"] = {"CONTENT"};
  j["offences"][0]["max_penalty_months"] = 60;
  j["offences"][0]["locus_states"] = {"FR"};
  j["subject"]["residence_state"] = "FR";
  j["provider"]["hq_state"] = "DE";
  j["provider"]["establishments"] = {{{"state", "DE"}, {"type", "DESIGNATED_ESTABLISHMENT"}}};
  j["provider"]["offers_services_in"] = {"DE", "FR"};
  return j;
}

// The rendered reason of gate predicate `pred` ("" if it did not run).
std::string gate_reason(const Decision& d, std::string_view pred) {
  for (uint32_t i = d.gate.begin; i < d.gate.end; ++i)
    if (d.checks[i].pred->id == pred) return render_reason(d.checks[i]);
  return "";
}

// `j` as an interception of content with a fixed end and a less-intrusive-
// means finding, the target located in `where`.
json intercepting(json j, const char* where) {
  j["measure"] = "INTERCEPT_CONTENT";
  j["interception"] = {{"end", "2026-12-01T00:00:00Z"}, {"less_intrusive_assessment", "x"}};
  j["subject"]["current_location_state"] = where;
  return j;
}

std::optional<Outcome> epoc(const json& j, const char* pred, DataCategory cat = DataCategory::Content) {
  auto d = eval(parse_ok(j), real_pack());
  auto* p = entry(d, "P_EU_EPOC", Role::Primary, cat);
  if (!p) return std::nullopt;
  return check(d, *p, pred);
}

// A UK request to a US provider (S12 shape).
json ukus() {
  auto j = base_request();
  j["requesting_state"] = "GB";
  j["issuing_authority"] = {{"state", "GB"}, {"type", "JUDGE"}, {"name", "Crown Court"}, {"contact", "c"}};
  j["data_categories"] = {"CONTENT"};
  j["offences"][0]["max_penalty_months"] = "LIFE";
  j["offences"][0]["locus_states"] = {"GB"};
  j["subject"] = {{"known", true},
                  {"nationality", {"GB"}},
                  {"residence_state", "GB"},
                  {"current_location_state", "GB"},
                  {"is_us_person", false}};
  j["designated_authority_review"] = {{"passed", true}};
  j["provider"] = {{"hq_state", "US"},
                   {"establishments", {{{"state", "US"}, {"type", "HQ"}}}},
                   {"services", {"ISS_COMMUNICATION"}},
                   {"data_location", {"US"}}};
  return j;
}

std::optional<Outcome> cloud(const json& j, const char* pred) {
  auto d = eval(parse_ok(j), real_pack());
  auto* p = entry(d, "P_CLOUD_UKUS");
  return p ? check(d, *p, pred) : std::nullopt;
}

TEST(GateKinds, PurposeIsCriminalJusticeOnly) {
  auto j = base_request();
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.PURPOSE"), kPass);
  j["proceedings_type"] = "INTELLIGENCE";
  auto d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(gate(d, "HR.PURPOSE"), kFail);
  EXPECT_TRUE(d.blocked);
}

TEST(GateKinds, SpecificIdentifiers) {
  auto j = base_request();
  j["identifiers"] = json::array();
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.SPEC"), kFail);
  j["identifiers"] = {{{"type", "KEYWORD"}, {"value", "bomb"}}};
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.SPEC"), kFail);
  j["identifiers"] = {{{"type", "PERSON_NAME"}, {"value", "Jan Kowalski"}}};
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.SPEC"), kReview);  // a name alone
  j["identifiers"].push_back({{"type", "EMAIL"}, {"value", "jan@example.org"}});
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.SPEC"), kPass);
  j["identifiers"] = {{{"type", "IP_ADDRESS"}, {"value", "203.0.113.5"}}};
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.SPEC"), kReview);  // no timestamp
}

TEST(GateKinds, FactsAndRelevance) {
  auto j = base_request();
  j["relevance_statement"] = "  ";
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.FACTS"), kReview);
  j["facts_summary"] = "";
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.FACTS"), kFail);
}

TEST(GateKinds, DiscriminationRisk) {
  auto j = base_request();
  j["hr_risk_assessment"] = {{"risk_level", "LOW"}, {"grounds", {"RELIGION"}}};
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.DISCRIM"), kReview);
  j["hr_risk_assessment"]["risk_level"] = "SUBSTANTIAL";
  auto d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(gate(d, "HR.DISCRIM"), kFail);
  EXPECT_TRUE(d.blocked);
}

TEST(GateKinds, SpeechByFlagOrIccsCode) {
  auto j = base_request();
  j["offences"][0]["iccs_code"] = "08032";  // expressions of prohibited content
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.SPEECH"), kReview);
  j = base_request();
  j["offences"][0]["speech_related"] = true;
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.SPEECH"), kReview);
}

TEST(GateKinds, InterceptionNeedsEndAndLessIntrusiveFinding) {
  auto j = base_request();
  j["measure"] = "INTERCEPT_CONTENT";
  j["data_categories"] = {"CONTENT"};
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.INTERCEPT"), kFail);
  j["interception"] = {{"end", "2026-10-01T00:00:00Z"}};
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.INTERCEPT"), kFail);
  j["interception"]["less_intrusive_assessment"] = "Stored data did not reveal the meetings.";
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.INTERCEPT"), kPass);
  EXPECT_EQ(gate(eval(parse_ok(base_request()), real_pack()), "HR.INTERCEPT"), kNA);
}

TEST(GateKinds, NoticePlanAndDataProtection) {
  auto j = base_request();
  j["user_notification_plan"] = {{"mode", "DELAY"}};
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.NOTICE"), kReview);
  j["user_notification_plan"] = {{"mode", "DELAY"}, {"justification", "would alert accomplices"}};
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.NOTICE"), kReview);  // no review date
  j["user_notification_plan"]["review_date"] = "2027-01-01";
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.NOTICE"), kPass);
  // No period set passes, and says so rather than quoting a period of 0 days.
  const auto unset = eval(parse_ok(j), real_pack());
  EXPECT_EQ(gate(unset, "HR.DP"), kPass);
  j["retention_period_days"] = 180;
  const auto set = eval(parse_ok(j), real_pack());
  EXPECT_EQ(gate(set, "HR.DP"), kPass);
  EXPECT_NE(gate_reason(unset, "HR.DP"), gate_reason(set, "HR.DP"));
  EXPECT_NE(gate_reason(set, "HR.DP").find("180 days"), std::string::npos);
  j["sensitive_data_expected"] = {"HEALTH"};
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.DP"), kReview);
}

TEST(GateKinds, RegistryGapIsReviewNotPass) {
  auto j = base_request();
  j["provider"]["hq_state"] = "KI";
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "REG.1"), kReview);
}

TEST(EuKinds, ContentNeedsAJudgeNeverAProsecutor) {
  auto j = eu_content();
  EXPECT_EQ(epoc(j, "EU.AUTH.P1"), kPass);
  j["issuing_authority"]["type"] = "PUBLIC_PROSECUTOR";
  EXPECT_EQ(epoc(j, "EU.AUTH.P1"), kFail);
  j["validating_authority"] = {{"state", "FR"}, {"type", "PUBLIC_PROSECUTOR"}};
  EXPECT_EQ(epoc(j, "EU.AUTH.P1"), kFail);  // a prosecutor cannot validate content
  j["validating_authority"]["type"] = "INVESTIGATING_JUDGE";
  EXPECT_EQ(epoc(j, "EU.AUTH.P1"), kPass);
}

TEST(EuKinds, SubscriberDataByPoliceNeedsValidation) {
  auto j = base_request();
  j["issuing_authority"]["type"] = "POLICE_INVESTIGATING_AUTHORITY";
  EXPECT_EQ(epoc(j, "EU.AUTH.P1", DataCategory::Subscriber), kFail);
  j["validating_authority"] = {{"state", "DE"}, {"type", "PUBLIC_PROSECUTOR"}};
  EXPECT_EQ(epoc(j, "EU.AUTH.P1", DataCategory::Subscriber), kPass);
}

TEST(EuKinds, EmergencySelfIssueCoversSubscriberOnly) {
  auto j = base_request();
  j["issuing_authority"]["type"] = "POLICE_INVESTIGATING_AUTHORITY";
  j["urgency"] = {{"is_emergency", true}, {"emergency_type", "THREAT_TO_LIFE"}, {"justification", "hostage"}};
  EXPECT_EQ(epoc(j, "EU.AUTH.P2", DataCategory::Subscriber), kFail);  // not allowed domestically
  j["domestic_similar_case_allows_no_validation"] = true;
  auto d = eval(parse_ok(j), real_pack());
  auto* p = entry(d, "P_EU_EPOC", Role::Primary, DataCategory::Subscriber);
  ASSERT_TRUE(p);
  EXPECT_EQ(check(d, *p, "EU.AUTH.P2"), kPass);
  EXPECT_TRUE(p->ex_post_validation);
  bool has48 = false;
  for (const auto* dl : deadlines_for(d, *p)) has48 = has48 || (dl->id == "EU.DL.11" && dl->duration == "PT48H");
  EXPECT_TRUE(has48);
  j["data_categories"] = {"CONTENT"};
  EXPECT_EQ(epoc(j, "EU.AUTH.P2"), kFail);
}

TEST(EuKinds, TrafficContentThresholdAtThirtySixMonths) {
  auto j = eu_content();
  j["offences"][0]["max_penalty_months"] = 36;
  EXPECT_EQ(epoc(j, "EU.THR.3"), kPass);
  j["offences"][0]["max_penalty_months"] = 35;
  EXPECT_EQ(epoc(j, "EU.THR.3"), kFail);
  j["offences"][0]["committed_via_information_system"] = true;  // online alone is not enough
  EXPECT_EQ(epoc(j, "EU.THR.3"), kFail);
  j["offences"][0]["eu_harmonised_offence_ref"] = "DIR_2011_93_ART3_7";
  EXPECT_EQ(epoc(j, "EU.THR.3"), kPass);
  j["offences"][0]["committed_via_information_system"] = false;  // listed, but not by an information system
  EXPECT_EQ(epoc(j, "EU.THR.3"), kFail);
  j["offences"][0]["eu_harmonised_offence_ref"] = "DIR_2017_541_ART3_12_14";  // terrorism: no IS condition
  EXPECT_EQ(epoc(j, "EU.THR.3"), kPass);
}

TEST(EuKinds, NotificationTurnsOnResidenceAndLocusNotNationality) {
  auto j = eu_content();
  j["subject"]["nationality"] = {"DE"};  // a national of the enforcing State
  auto d = eval(parse_ok(j), real_pack());
  auto* p = entry(d, "P_EU_EPOC");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->notified);
  j["subject"]["residence_state"] = "UNKNOWN";
  d = eval(parse_ok(j), real_pack());
  p = entry(d, "P_EU_EPOC");
  EXPECT_TRUE(p->notified);
  EXPECT_EQ(p->counterpart.str(), "DE");
  j = eu_content();
  j["offences"][0]["locus_states"] = {"FR", "BE"};
  j["offences"].push_back(j["offences"][0]);
  j["offences"][1]["locus_states"] = {"BE"};  // the second offence happened elsewhere only
  d = eval(parse_ok(j), real_pack());
  EXPECT_TRUE(entry(d, "P_EU_EPOC")->notified);
  // Subscriber data never trigger notification.
  d = eval(parse_ok(base_request()), real_pack());
  EXPECT_FALSE(entry(d, "P_EU_EPOC")->notified);
}

TEST(EuKinds, AddresseeMustBeInAnotherBoundMemberState) {
  auto j = eu_content();
  j["requesting_state"] = "DK";  // Denmark does not take part
  j["issuing_authority"]["state"] = "DK";
  EXPECT_EQ(epoc(j, "EU.SCOPE.3"), kNA);
  j = eu_content();
  j["provider"]["establishments"] = {{{"state", "DE"}, {"type", "SUBSIDIARY"}}};  // no designated addressee
  EXPECT_EQ(epoc(j, "EU.SCOPE.3"), kNA);
  j["urgency"] = {{"is_emergency", true}, {"emergency_type", "THREAT_TO_LIFE"}, {"justification", "j"}};
  EXPECT_EQ(epoc(j, "EU.SCOPE.3"), kPass);  // Annex I Section B emergency fallback
}

TEST(EuKinds, RegulationNotBeforeItsApplicationDate) {
  auto d = eval(parse_ok(base_request()), real_pack(), "2026-08-17");
  EXPECT_EQ(entry(d, "P_EU_EPOC")->status, PathwayStatus::NotApplicable);
  d = eval(parse_ok(base_request()), real_pack(), "2026-08-18");
  EXPECT_EQ(entry(d, "P_EU_EPOC")->status, PathwayStatus::Available);
}

TEST(EuKinds, DomesticParityUnstatedIsReview) {
  auto j = base_request();
  j.erase("domestic_parity_confirmed");
  EXPECT_EQ(epoc(j, "EU.THR.1", DataCategory::Subscriber), kReview);
  j["domestic_parity_confirmed"] = false;
  EXPECT_EQ(epoc(j, "EU.THR.1", DataCategory::Subscriber), kFail);
}

TEST(EuKinds, SentenceExecutionConditions) {
  auto j = base_request();
  j["proceedings_type"] = "SENTENCE_EXECUTION";
  j["sentence_execution"] = {{"sentence_months", 4}, {"in_absentia", false}, {"absconded", true}};
  EXPECT_EQ(epoc(j, "EU.SCOPE.1", DataCategory::Subscriber), kPass);
  j["sentence_execution"]["sentence_months"] = 3;
  EXPECT_EQ(epoc(j, "EU.SCOPE.1", DataCategory::Subscriber), kFail);
  j["sentence_execution"] = {{"sentence_months", 12}, {"in_absentia", true}, {"absconded", true}};
  EXPECT_EQ(epoc(j, "EU.SCOPE.1", DataCategory::Subscriber), kFail);
}

TEST(CloudKinds, UsPersonIsTriState) {
  auto j = ukus();
  EXPECT_EQ(cloud(j, "US.ORD.1"), kPass);
  j["subject"]["is_us_person"] = "UNKNOWN";
  EXPECT_EQ(cloud(j, "US.ORD.1"), kReview);
  j["subject"]["is_us_person"] = true;  // e.g. a lawful permanent resident
  EXPECT_EQ(cloud(j, "US.ORD.1"), kFail);
  j = ukus();
  j["subject"]["current_location_state"] = "US";
  EXPECT_EQ(cloud(j, "US.ORD.1"), kFail);
  j = ukus();
  j["subject"]["nationality"] = {"GB", "US"};  // nationality decides even if the flag says false
  EXPECT_EQ(cloud(j, "US.ORD.1"), kFail);
}

TEST(CloudKinds, SeriousCrimeThresholdFromTheAgreement) {
  auto j = ukus();
  j["offences"][0]["max_penalty_months"] = 36;
  EXPECT_EQ(cloud(j, "UKUS.1"), kPass);
  j["offences"][0]["max_penalty_months"] = 35;
  EXPECT_EQ(cloud(j, "UKUS.1"), kFail);
}

TEST(CloudKinds, IndependentReview) {
  auto j = ukus();
  EXPECT_EQ(cloud(j, "US.ORD.9"), kPass);  // a judge issued it
  j["issuing_authority"]["type"] = "POLICE_INVESTIGATING_AUTHORITY";
  EXPECT_EQ(cloud(j, "US.ORD.9"), kReview);
  j["independent_review"] = {{"type", "NONE"}};
  EXPECT_EQ(cloud(j, "US.ORD.9"), kFail);
  j["independent_review"] = {{"type", "ENFORCEMENT_STAGE_REVIEW_AVAILABLE"}};
  EXPECT_EQ(cloud(j, "US.ORD.9"), kPass);
}

TEST(CloudKinds, AgreementNotBeforeEntryIntoForceAndOnlyInItsCorridor) {
  auto d = eval(parse_ok(ukus()), real_pack(), "2022-10-02");
  EXPECT_EQ(entry(d, "P_CLOUD_UKUS")->status, PathwayStatus::NotApplicable);
  d = eval(parse_ok(ukus()), real_pack(), "2022-10-03");
  EXPECT_NE(entry(d, "P_CLOUD_UKUS")->status, PathwayStatus::NotApplicable);
  EXPECT_EQ(entry(d, "P_CLOUD_AUUS")->status, PathwayStatus::NotApplicable);
}

TEST(CloudKinds, UsOrderToAUkProviderIsBoundByTheUkTargetingBar) {
  auto j = ukus();
  j["requesting_state"] = "US";
  j["issuing_authority"]["state"] = "US";
  j["subject"]["current_location_state"] = "GB";
  j["provider"]["hq_state"] = "GB";
  j["provider"]["establishments"] = {{{"state", "GB"}, {"type", "HQ"}}};
  auto d = eval(parse_ok(j), real_pack());
  auto* p = entry(d, "P_CLOUD_UKUS");
  ASSERT_TRUE(p);
  EXPECT_EQ(check(d, *p, "UKUS.3"), kFail);
  EXPECT_EQ(check(d, *p, "US.ORD.1"), kNA);  // 2523(b)(4) binds the partner's orders
}

TEST(CloudKinds, InterceptionLimitsBindThePartnersOrdersOnly) {
  auto j = ukus();
  j["requesting_state"] = "US";
  j["issuing_authority"]["state"] = "US";
  j["subject"] = {{"known", true}, {"nationality", {"US"}}, {"current_location_state", "US"}};
  j["provider"]["hq_state"] = "GB";
  j["provider"]["establishments"] = {{{"state", "GB"}, {"type", "HQ"}}};
  j["measure"] = "INTERCEPT_CONTENT";
  auto d = eval(parse_ok(j), real_pack());
  auto* p = entry(d, "P_CLOUD_UKUS");
  ASSERT_TRUE(p);
  EXPECT_EQ(check(d, *p, "US.ORD.10"), kNA);  // a US order: 2523(b)(4) is not its law
  EXPECT_EQ(gate(d, "HR.INTERCEPT"), kFail);  // the general limits still hold
}

TEST(CloudKinds, OnwardTransferWithoutConsentFails) {
  auto j = ukus();
  j["onward_transfer_plan"] = {{{"recipient", "FR"}, {"purpose", "joint investigation"}}};
  EXPECT_EQ(cloud(j, "UKUS.10"), kFail);
  j["onward_transfer_plan"][0]["authorisation_ref"] = "US-DOJ-2026-77";
  EXPECT_EQ(cloud(j, "UKUS.10"), kPass);
  // A use within the United Kingdom is no transfer to a third country; the
  // gate's speciality check still sees it.
  j = ukus();
  j["onward_transfer_plan"] = {{{"recipient", "GB"}, {"purpose", "a related prosecution"}}};
  EXPECT_EQ(cloud(j, "UKUS.10"), kPass);
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.USE"), kReview);
}

// The real pack with CETS 224 hypothetically in force from 2026-01-01.
std::unique_ptr<Pack> sap_in_force() {
  auto pack = test::fresh_pack();
  pack->sap_in_force_from = *parse_date("2026-01-01");
  return pack;
}

// A Serbian request to a Japanese provider (both CETS 224 Parties).
json rs_to_jp() {
  auto j = base_request();
  j["requesting_state"] = "RS";
  j["issuing_authority"]["state"] = "RS";
  j["provider"] = {
      {"hq_state", "JP"}, {"establishments", {{{"state", "JP"}, {"type", "HQ"}}}}, {"services", {"ISS_COMMUNICATION"}}};
  return j;
}

TEST(SapKinds, ProtocolInForceWithJapansDeclarations) {
  auto pack = sap_in_force();
  auto j = rs_to_jp();
  auto d = eval(parse_ok(j), *pack);
  EXPECT_EQ(entry(d, "P_SAP_7")->status, PathwayStatus::NotApplicable);  // Art 7(9)(a) reservation
  auto* p8 = entry(d, "P_SAP_8");
  ASSERT_TRUE(p8);
  EXPECT_EQ(check(d, *p8, "SAP.8.6"), kReview);  // central authority required (Art 8(11))
  j["central_authority_ref"] = "RS-MOJ-2026-1";
  d = eval(parse_ok(j), *pack);
  EXPECT_EQ(check(d, *entry(d, "P_SAP_8"), "SAP.8.6"), kPass);
  // Not in force in the real pack.
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(entry(d, "P_SAP_8")->status, PathwayStatus::NotApplicable);
}

TEST(SapKinds, SimultaneousNotificationOnlyWhereTheProvidersPartyDeclaredIt) {
  auto pack = sap_in_force();
  for (auto& st : pack->states)
    if (st.code == StateCode::from_letters('N', 'L')) st.sap_party_since = *parse_date("2026-03-01");
  auto j = rs_to_jp();
  j["provider"]["hq_state"] = "NL";
  j["provider"]["establishments"] = {{{"state", "NL"}, {"type", "HQ"}}};
  auto notifications = [](const Decision& d) {
    std::vector<std::string> ids;
    for (const Notice* n : notifications_for(d, *entry(d, "P_SAP_7"))) ids.push_back(n->id);
    return ids;
  };
  auto d = eval(parse_ok(j), *pack);
  ASSERT_EQ(entry(d, "P_SAP_7")->status, PathwayStatus::Available);
  EXPECT_EQ(check(d, *entry(d, "P_SAP_7"), "SAP.7.5"), kNA);
  EXPECT_TRUE(notifications(d).empty());
  for (auto& st : pack->states)
    if (st.code == StateCode::from_letters('N', 'L')) st.sap.art7_5a_notification = true;
  d = eval(parse_ok(j), *pack);
  EXPECT_EQ(check(d, *entry(d, "P_SAP_7"), "SAP.7.5"), kPass);
  EXPECT_EQ(notifications(d), std::vector<std::string>{"SAP.NOT.1"});
}

TEST(SapKinds, ArticleEightExcludesContent) {
  auto pack = sap_in_force();
  auto j = rs_to_jp();
  j["data_categories"] = {"CONTENT"};
  j["central_authority_ref"] = "x";
  auto d = eval(parse_ok(j), *pack);
  EXPECT_EQ(check(d, *entry(d, "P_SAP_8"), "SAP.8.1"), kFail);
}

TEST(PolicyKinds, HillSensitiveInformationGoesByMla) {
  auto j = base_request();
  j["information_sensitivity"] = {"FINANCIAL"};
  EXPECT_EQ(epoc(j, "JFH.1", DataCategory::Subscriber), kFail);  // default policy
  auto pack = test::fresh_pack();
  pack->default_policy.sensitive_require_mla = {};
  auto d = eval(parse_ok(j), *pack);
  EXPECT_EQ(check(d, *entry(d, "P_EU_EPOC"), "JFH.1"), kPass);
}

TEST(PolicyKinds, HillFirstUseConstraint) {
  auto pack = test::fresh_pack();
  pack->default_policy.first_use_mla_required = true;
  auto j = base_request();
  auto d = eval(parse_ok(j), *pack);
  EXPECT_EQ(check(d, *entry(d, "P_EU_EPOC"), "JFH.2"), kFail);
  j["prior_requests"] = {{{"pathway", "P_EIO"}, {"ref", "EIO-1"}, {"outcome", "NO_RESPONSE"}}};
  d = eval(parse_ok(j), *pack);
  EXPECT_EQ(check(d, *entry(d, "P_EU_EPOC"), "JFH.2"), kPass);
}

TEST(PolicyKinds, AccessNowCriteriaBindOnlyWhenAStateSaysSo) {
  auto j = base_request();  // fraud: not on the speed-critical list (AN.3 review)
  auto d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(entry(d, "P_EU_EPOC")->status, PathwayStatus::Available);
  auto pack = test::fresh_pack();
  pack->default_policy.access_now_binding = true;
  d = eval(parse_ok(j), *pack);
  EXPECT_EQ(entry(d, "P_EU_EPOC")->status, PathwayStatus::AvailableWithConditions);
  EXPECT_EQ(entry(d, "P_EIO")->status, PathwayStatus::Available);  // not a direct pathway
}

TEST(MlaKinds, ProbableCauseForUsContent) {
  auto j = ukus();
  j["requesting_state"] = "FR";
  j["issuing_authority"]["state"] = "FR";
  auto d = eval(parse_ok(j), real_pack());
  auto* m = entry(d, "P_MLAT");
  ASSERT_TRUE(m);
  EXPECT_EQ(check(d, *m, "MLA.REQ.14"), kReview);
  j["probable_cause_statement"] = "Messages of 2026-05-02 in the account plan the attack.";
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_MLAT"), "MLA.REQ.14"), kPass);
}

TEST(MlaKinds, DeathPenaltyAssurance) {
  auto j = base_request();
  j["requesting_state"] = "US";
  j["issuing_authority"]["state"] = "US";
  j["offences"][0]["death_penalty_available"] = true;
  j["provider"]["hq_state"] = "GB";
  j["provider"]["establishments"] = {{{"state", "GB"}, {"type", "HQ"}}};
  auto d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_MLAT"), "MLA.REF.8"), kReview);
  j["assurances_offered"] = {"NO_DEATH_PENALTY"};
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_MLAT"), "MLA.REF.8"), kPass);
}

TEST(MlaKinds, NoMlaBetweenEioParticipants) {
  auto d = eval(parse_ok(base_request()), real_pack());  // DE → NL
  EXPECT_EQ(entry(d, "P_MLAT")->status, PathwayStatus::NotApplicable);
}

TEST(VoluntaryKinds, NonContentOnlyAndAlwaysFlagged) {
  auto j = ukus();
  j["data_categories"] = {"SUBSCRIBER"};
  auto d = eval(parse_ok(j), real_pack());
  auto* v = entry(d, "P_VOLUNTARY");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->status, PathwayStatus::AvailableWithConditions);
  EXPECT_EQ(check(d, *v, "HR.CHANNEL"), kReview);
  j["data_categories"] = {"CONTENT"};
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(entry(d, "P_VOLUNTARY")->status, PathwayStatus::Unavailable);
}

TEST(DomesticKinds, EstablishmentOrServicesOffered) {
  auto j = base_request();
  j["provider"]["establishments"] = {{{"state", "DE"}, {"type", "BRANCH"}}};
  auto d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_DOMESTIC"), "DOM.1"), kPass);
  j = base_request();  // offers services in DE, not established there: Art 18(1)(b), needs review
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_DOMESTIC"), "DOM.1"), kReview);
  j["data_categories"] = {"CONTENT"};  // Art 18(1)(b) is for subscriber information only
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(entry(d, "P_DOMESTIC")->status, PathwayStatus::NotApplicable);
}

TEST(EuKinds, DomainRegistrationDataAreSubscriberData) {
  auto j = base_request();
  j["data_categories"] = {"DOMAIN_REGISTRATION"};
  j["provider"]["services"] = {"DOMAIN_REGISTRAR"};
  auto d = eval(parse_ok(j), real_pack());
  auto* e = entry(d, "P_EU_EPOC");
  ASSERT_TRUE(e);
  EXPECT_EQ(check(d, *e, "EU.THR.2"), kPass);    // any offence, as for subscriber data
  EXPECT_EQ(check(d, *e, "EU.AUTH.P1"), kPass);  // a prosecutor may issue
  EXPECT_FALSE(e->notified);
}

TEST(EuKinds, ControllerProcessorAndPublicAuthorityInfrastructure) {
  auto j = eu_content();
  j["provider"]["role_for_data"] = "PROCESSOR";
  EXPECT_EQ(epoc(j, "EU.THR.5"), kReview);
  j["processor_justification"] = "The controller is the suspect's own company.";
  EXPECT_EQ(epoc(j, "EU.THR.5"), kPass);
  j["provider"]["processing_on_behalf_of_public_authority_state"] = "DE";
  EXPECT_EQ(epoc(j, "EU.THR.6"), kFail);  // a public authority of another State
  j["provider"]["processing_on_behalf_of_public_authority_state"] = "FR";
  EXPECT_EQ(epoc(j, "EU.THR.6"), kPass);
}

TEST(EuKinds, ProfessionalPrivilegeOfALawyer) {
  auto j = eu_content();
  j["subject"]["professional_privilege"] = "LAWYER";
  EXPECT_EQ(epoc(j, "EU.THR.7"), kPass);  // resides in the issuing State
  j["subject"]["residence_state"] = "DE";
  EXPECT_EQ(epoc(j, "EU.THR.7"), kReview);
  j["subject"]["privilege_waived"] = true;
  EXPECT_EQ(epoc(j, "EU.THR.7"), kPass);
}

TEST(EuKinds, ThirdCountryConflictIsPredictedForUsContentOnly) {
  auto j = eu_content();
  j["provider"]["hq_state"] = "US";
  j["provider"]["establishments"] = {{{"state", "DE"}, {"type", "LEGAL_REPRESENTATIVE"}}};
  EXPECT_EQ(epoc(j, "EU.PRV.4"), kReview);
  j["data_categories"] = {"SUBSCRIBER"};
  EXPECT_EQ(epoc(j, "EU.PRV.4", DataCategory::Subscriber), kNA);
  // Advisory: it never makes the EPOC unavailable.
  j["data_categories"] = {"CONTENT"};
  auto d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(entry(d, "P_EU_EPOC")->status, PathwayStatus::Available);
}

TEST(EuKinds, EioInterceptionNeedsTheTargetsLocation) {
  auto j = eu_content();
  j = intercepting(j, "DE");
  auto d = eval(parse_ok(j), real_pack());
  auto* e = entry(d, "P_EIO");
  ASSERT_TRUE(e);
  EXPECT_EQ(check(d, *e, "EIO.INT"), kPass);
  EXPECT_EQ(e->counterpart.str(), "DE");
  EXPECT_EQ(entry(d, "P_EU_EPOC")->status, PathwayStatus::NotApplicable);  // stored data only
}

// 2523(b)(4)(D)(vi) is about interception of communications (their content,
// 2510(4)); Budapest Art 15(2) limits the duration of real-time traffic
// collection too. So US.ORD.10 leaves real-time traffic alone, HR.INTERCEPT not.
TEST(CloudKinds, AgreementInterceptionLimitsAreForContentOnly) {
  auto j = ukus();
  j["measure"] = "REALTIME_TRAFFIC";
  j["data_categories"] = {"TRAFFIC"};
  EXPECT_EQ(cloud(j, "US.ORD.10"), kNA);
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.INTERCEPT"), kFail);
  j["measure"] = "INTERCEPT_CONTENT";
  j["data_categories"] = {"CONTENT"};
  EXPECT_EQ(cloud(j, "US.ORD.10"), kFail);
  j["interception"] = {{"end", "2026-12-01T00:00:00Z"}, {"less_intrusive_assessment", "x"}};
  EXPECT_EQ(cloud(j, "US.ORD.10"), kPass);
}

TEST(CloudKinds, ProxyForAnotherGovernmentIsBarred) {
  auto j = ukus();
  j["requested_on_behalf_of"] = "FR";
  EXPECT_EQ(cloud(j, "US.ORD.4"), kFail);
  j = ukus();
  j["intended_recipients"] = {"GB"};  // its own State
  EXPECT_EQ(cloud(j, "US.ORD.4"), kPass);
  // A name that is not a State may stand for another government ("FBI"):
  // a reviewer decides, the check never passes on it.
  j["intended_recipients"] = {"GB", "FBI"};
  EXPECT_EQ(cloud(j, "US.ORD.4"), kReview);
  j = ukus();
  j["requested_on_behalf_of"] = "US Department of Justice";
  EXPECT_EQ(cloud(j, "US.ORD.4"), kReview);
}

TEST(CloudKinds, CoveredProviderAndData) {
  auto j = ukus();
  j["provider"]["services"] = {"FINANCIAL_SERVICE"};
  EXPECT_EQ(cloud(j, "UKUS.5"), kFail);
  j["provider"]["services"] = {"DOMAIN_REGISTRAR"};
  EXPECT_EQ(cloud(j, "UKUS.5"), kReview);
  j = ukus();
  j["data_categories"] = {"DOMAIN_REGISTRATION"};
  EXPECT_EQ(cloud(j, "UKUS.6"), kReview);
}

TEST(CloudKinds, UkDeathPenaltyEssentialInterestOnAUsCapitalCase) {
  auto j = ukus();
  j["requesting_state"] = "US";
  j["issuing_authority"]["state"] = "US";
  j["subject"]["current_location_state"] = "FR";
  j["offences"][0]["death_penalty_available"] = true;
  j["offences"][0]["death_penalty_sought"] = "UNKNOWN";
  j["provider"]["hq_state"] = "GB";
  j["provider"]["establishments"] = {{{"state", "GB"}, {"type", "HQ"}}};
  EXPECT_EQ(cloud(j, "UKUS.9"), kReview);
  j["offences"][0]["death_penalty_sought"] = false;
  EXPECT_EQ(cloud(j, "UKUS.9"), kPass);
}

TEST(SapKinds, EmergencyDefinitionIsNarrowerThanTheEus) {
  auto pack = sap_in_force();
  auto j = rs_to_jp();
  j["urgency"] = {{"is_emergency", true}, {"emergency_type", "CRITICAL_INFRASTRUCTURE"}, {"justification", "grid"}};
  auto d = eval(parse_ok(j), *pack);
  EXPECT_EQ(check(d, *entry(d, "P_SAP_9"), "SAP.9.1"), kFail);
  j["urgency"]["emergency_type"] = "THREAT_TO_LIFE";
  d = eval(parse_ok(j), *pack);
  EXPECT_EQ(check(d, *entry(d, "P_SAP_9"), "SAP.9.1"), kPass);
  j.erase("urgency");
  d = eval(parse_ok(j), *pack);
  EXPECT_EQ(entry(d, "P_SAP_9")->status, PathwayStatus::NotApplicable);  // emergencies only
}

TEST(BudapestKinds, RoutedByTheProvidersStateNotTheStorageLocation) {
  auto j = base_request();
  j["requesting_state"] = "GB";
  j["issuing_authority"]["state"] = "GB";
  j["provider"]["data_location"] = {"SHARDED"};
  auto d = eval(parse_ok(j), real_pack());
  auto* b = entry(d, "P_BC_MLA");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->counterpart.str(), "NL");
  EXPECT_EQ(check(d, *b, "BC.MLA.15"), kPass);
  j["provider"]["data_location"] = {"SG"};
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_BC_MLA"), "BC.MLA.15"), kReview);
  // Ireland is not a Party (not ratified): no Budapest route from or to it.
  j["provider"]["hq_state"] = "IE";
  j["provider"]["establishments"] = {{{"state", "IE"}, {"type", "HQ"}}};
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(entry(d, "P_BC_MLA")->status, PathwayStatus::NotApplicable);
}

TEST(MlaKinds, UntocNeedsSeriousOrganisedCrime) {
  auto j = base_request();
  j["requesting_state"] = "IN";
  j["issuing_authority"]["state"] = "IN";
  j["provider"]["hq_state"] = "CN";
  j["provider"]["establishments"] = {{{"state", "CN"}, {"type", "HQ"}}};
  j["offences"][0]["max_penalty_months"] = 47;  // below UNTOC's 4 years: no instrument
  auto d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(entry(d, "P_MLAT")->status, PathwayStatus::NotApplicable);
  EXPECT_NE(entry(d, "P_LETTERS_ROGATORY")->status, PathwayStatus::NotApplicable);
  j["offences"][0]["max_penalty_months"] = 48;
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_MLAT"), "MLA.SCOPE.1"), kReview);
  EXPECT_EQ(entry(d, "P_LETTERS_ROGATORY")->status, PathwayStatus::NotApplicable);  // a treaty route exists
  j["offences"][0]["iccs_code"] = "09051";
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_MLAT"), "MLA.SCOPE.1"), kPass);
}

TEST(MlaKinds, LettersRogatoryComeFromACourt) {
  auto j = base_request();
  j["requesting_state"] = "IN";
  j["issuing_authority"]["state"] = "IN";
  j["offences"][0]["max_penalty_months"] = 24;
  j["provider"]["hq_state"] = "CN";
  j["provider"]["establishments"] = {{{"state", "CN"}, {"type", "HQ"}}};
  auto d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_LETTERS_ROGATORY"), "LR.2"), kFail);
  j["validating_authority"] = {{"state", "IN"}, {"type", "COURT"}};
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_LETTERS_ROGATORY"), "LR.2"), kPass);
}

TEST(MlaKinds, PoliticalOffenceIsAPredictionNotABar) {
  auto j = ukus();
  j["requesting_state"] = "FR";
  j["issuing_authority"]["state"] = "FR";
  j["offences"][0]["iccs_code"] = "0904";  // acts against state security
  j["probable_cause_statement"] = "facts";
  auto d = eval(parse_ok(j), real_pack());
  auto* m = entry(d, "P_MLAT");
  EXPECT_EQ(check(d, *m, "MLA.REF.2"), kReview);
  EXPECT_NE(m->status, PathwayStatus::Unavailable);
}

}  // namespace
}  // namespace comity

namespace comity {
namespace {

// The Microsoft–Ireland request (S25), varied one fact at a time.
json s25() {
  return json::parse(test::read_text(test::source_dir() + "/examples/s25-microsoft-ireland.json"));
}
std::optional<Outcome> domestic(const json& j, const char* pred, const char* at) {
  auto d = eval(parse_ok(j), real_pack(), at);
  auto* p = entry(d, "P_DOMESTIC");
  return p ? check(d, *p, pred) : std::nullopt;
}

// 829 F.3d 197 reached content stored exclusively abroad; from the E.D. Pa.
// decision (3 Feb 2017) courts were divided, so the engine cannot decide it.
TEST(RoutingKinds, WarrantReachFollowsTheCourtsByDate) {
  auto j = s25();
  EXPECT_EQ(domestic(j, "US.SCA.1", "2016-09-01"), kFail);
  EXPECT_EQ(domestic(j, "US.SCA.1", "2017-06-01"), kReview);
  EXPECT_EQ(domestic(j, "US.SCA.1", "2026-09-15"), kPass);
  j["provider"]["data_location"] = {"US", "IE"};
  EXPECT_EQ(domestic(j, "US.SCA.1", "2016-09-01"), kReview);  // the Irish part is beyond it
  j["provider"]["data_location"] = {"US"};
  EXPECT_EQ(domestic(j, "US.SCA.1", "2016-09-01"), kPass);
}

// 2703(h)(2): a motion against process for contents only; every State whose
// law is engaged is weighed.
TEST(RoutingKinds, ComityMotionIsForStoredContentAndWeighsEveryState) {
  auto j = s25();
  j["conflicting_law_refs"] = {{{"state", "IE"}, {"citation", "GDPR Art 48"}},
                               {{"state", "GB"}, {"citation", "Investigatory Powers Act 2016"}}};
  EXPECT_EQ(domestic(j, "US.SCA.2", "2026-09-15"), kReview);  // GB has an agreement in force
  j["data_categories"] = {"SUBSCRIBER"};
  EXPECT_EQ(domestic(j, "US.SCA.2", "2026-09-15"), kNA);
}

// A blocking statute yields only to an order subject to the agreement: a
// UK national order to a US provider's UK office is still in conflict.
TEST(RoutingKinds, AnAgreementInForceDoesNotCleanANationalOrder) {
  auto j = ukus();
  j["provider"]["establishments"] = {{{"state", "US"}, {"type", "HQ"}}, {{"state", "GB"}, {"type", "BRANCH"}}};
  j["provider"]["offers_services_in"] = {"GB", "US"};
  auto d = eval(parse_ok(j), real_pack(), "2026-09-15");
  auto* p = entry(d, "P_DOMESTIC");
  ASSERT_TRUE(p);
  EXPECT_EQ(check(d, *p, "CONFLICT.1"), kReview);
}

// Dir. (EU) 2023/1544 Art 2(2)(b): an establishment where the service is
// offered is a substantial connection; Reg. Art 12(1)(a): any privilege.
TEST(EuKinds, AnyEstablishmentConnectsAndAnyPrivilegeIsConsulted) {
  // An emergency order may go to any establishment (Annex I Section B).
  auto j = eu_content();
  j["urgency"] = {{"is_emergency", true}, {"emergency_type", "THREAT_TO_LIFE"}, {"justification", "a hostage"}};
  j["provider"]["establishments"] = {{{"state", "DE"}, {"type", "SUBSIDIARY"}}};
  j["provider"]["offers_services_in"] = {"DE", "FR"};
  EXPECT_EQ(epoc(j, "EU.SCOPE.5"), kPass);
  j["provider"]["offers_services_in"] = {"FR"};
  EXPECT_NE(epoc(j, "EU.SCOPE.5"), kPass);  // no service offered where it is established
  j = eu_content();
  EXPECT_EQ(epoc(j, "EU.THR.8"), kNA);
  j["subject"]["professional_privilege"] = "LAWYER";
  EXPECT_EQ(epoc(j, "EU.THR.8"), kReview);
}

// Dir. 2014/41 Art 11(1)(g), Annex D and Art 11(2) with Art 10(2)(e): where
// the EIO rules out a double-criminality refusal, the prediction says so, as
// EU.REF.4 does for the Regulation's Annex IV.
TEST(IntlKinds, EioDoubleCriminalityKnowsAnnexDAndIdentification) {
  auto j = eu_content();
  j["dual_criminality_result"] = {{"DE", "NOT_SATISFIED"}};
  auto d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_EIO"), "EIO.DC"), kReview);
  j["offences"][0]["annex_iv_category"] = "FRAUD";
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_EIO"), "EIO.DC"), kPass);
  j["offences"][0]["max_penalty_months"] = 24;  // below three years: the list does not help
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_EIO"), "EIO.DC"), kReview);
  j["data_categories"] = {"IDENTIFICATION_ONLY"};
  j["identifiers"] = {{{"type", "IP_PORT_TIMESTAMP"}, {"value", "203.0.113.7:51234@2026-08-30T10:00:00Z"}}};
  d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(check(d, *entry(d, "P_EIO"), "EIO.DC"), kPass);
}

// Budapest Art 29(3) spares preservation under the Convention from double
// criminality; an EIO for preservation has no such exemption.
TEST(IntlKinds, PreservationIsSparedDoubleCriminalityUnderBudapestOnly) {
  auto j = eu_content();
  j["measure"] = "PRESERVE";
  j["dual_criminality_result"] = {{"DE", "NOT_SATISFIED"}};
  auto d = eval(parse_ok(j), real_pack());
  auto* p = entry(d, "P_EIO");
  ASSERT_TRUE(p);
  EXPECT_EQ(check(d, *p, "EIO.DC"), kReview);
}

}  // namespace
}  // namespace comity

// One fact, every pathway that the law makes it relevant on (issue: a fact
// read on one pathway and not on its sister). Each case below was found by
// probing the engine with requests written from the law.
namespace comity {
namespace {

json de_nl() {  // DE judge → Mailco NL (designated establishment), content, 5-year fraud
  auto j = base_request();
  j["issuing_authority"] = {{"state", "DE"}, {"type", "JUDGE"}, {"name", "Amtsgericht Köln"}, {"contact", "c"}};
  j["data_categories"] = {"CONTENT"};
  j["offences"][0]["max_penalty_months"] = 60;
  return j;
}
std::optional<Outcome> on(const json& j, const char* pathway, const char* pred, const char* at = "2026-09-15",
                          Role role = Role::Primary) {
  auto d = eval(parse_ok(j), real_pack(), at);
  auto* p = entry(d, pathway, role);
  return p ? check(d, *p, pred) : std::nullopt;
}

// 18 U.S.C. 2523(b)(4)(C) and Reg. 2023/1543 Art 2(4): an order that serves
// another State's request.
TEST(SisterPathways, ExecutingAnotherStatesRequestIsReadByEveryDirectOrder) {
  auto j = ukus();
  j["is_execution_of_foreign_request"] = true;
  EXPECT_EQ(cloud(j, "US.ORD.4"), kFail);
  j = de_nl();
  j["requested_on_behalf_of"] = "TR";
  EXPECT_EQ(epoc(j, "EU.SCOPE.2"), kReview);
  j["requested_on_behalf_of"] = "DE";
  EXPECT_EQ(epoc(j, "EU.SCOPE.2"), kPass);
  j["requested_on_behalf_of"] = "Europol";
  EXPECT_EQ(epoc(j, "EU.SCOPE.2"), kReview);
}

// Every route reads it: the gate sends a request that serves another
// State's proceedings to review, whatever pathway carries it.
TEST(SisterPathways, ARequestForAnotherStateIsReviewedOnEveryRoute) {
  auto j = ukus();
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.PROXY"), kPass);
  j["is_execution_of_foreign_request"] = true;
  auto d = eval(parse_ok(j), real_pack());
  EXPECT_EQ(gate(d, "HR.PROXY"), kReview);
  for (const auto& p : d.pathways)
    EXPECT_NE(p.status, PathwayStatus::Available) << p.def->id << " is offered without conditions";
  j = ukus();
  j["requested_on_behalf_of"] = "GB";
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.PROXY"), kPass);  // its own State
  j["requested_on_behalf_of"] = "TR";
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack()), "HR.PROXY"), kReview);
}

// Art 6(3): preservation, like production (Art 5(2)), needs domestic parity.
TEST(SisterPathways, PreservationReadsDomesticParityAsProductionDoes) {
  auto j = de_nl();
  j["domestic_parity_confirmed"] = false;
  EXPECT_EQ(on(j, "P_EU_EPOC_PR", "EU.THR.4", "2026-09-15", Role::PreservationCompanion), kFail);
  j.erase("domestic_parity_confirmed");
  EXPECT_EQ(on(j, "P_EU_EPOC_PR", "EU.THR.4", "2026-09-15", Role::PreservationCompanion), kReview);
  j["domestic_parity_confirmed"] = true;
  EXPECT_EQ(on(j, "P_EU_EPOC_PR", "EU.THR.4", "2026-09-15", Role::PreservationCompanion), kPass);
}

// 18 U.S.C. 2703(a)-(b): a US court needs probable cause whatever the channel.
TEST(SisterPathways, ProbableCauseIsReadOnLettersRogatoryToTheUs) {
  auto j = s25();
  j["requesting_state"] = "AE";
  j["issuing_authority"] = {{"state", "AE"}, {"type", "COURT"}, {"name", "Dubai Criminal Court"}, {"contact", "c"}};
  j["offences"][0]["max_penalty_months"] = 36;
  j.erase("probable_cause_statement");
  j.erase("validating_authority");
  j["provider"]["data_location"] = {"US"};
  auto d = eval(parse_ok(j), real_pack(), "2026-09-15");
  auto* p = entry(d, "P_LETTERS_ROGATORY");
  ASSERT_TRUE(p);
  EXPECT_EQ(check(d, *p, "MLA.REQ.14"), kReview);
  // The letter names who issues it (the reason fills {type}).
  for (uint32_t i = p->checks.begin; i < p->checks.end; ++i) {
    if (d.checks[i].pred->id == "LR.2") {
      EXPECT_NE(render_reason(d.checks[i]).find("COURT"), std::string::npos);
    }
  }
}

// Charter Art 50: the Union's ne bis in idem is about judgments within it.
TEST(SisterPathways, AThirdCountryJudgmentIsForReviewNotABar) {
  auto j = de_nl();
  j["prior_final_judgments"] = {{{"state", "US"}, {"date", "2025-01-10"}, {"court", "EDVA"}, {"same_facts", true}}};
  EXPECT_EQ(epoc(j, "EU.REF.3"), kReview);
  EXPECT_EQ(on(j, "P_EIO", "EIO.NBI"), kReview);
  j["prior_final_judgments"][0]["state"] = "FR";
  EXPECT_EQ(epoc(j, "EU.REF.3"), kFail);
}

// Dir. 2014/41 Art 34(1): the EIO replaces the conventions from 22 May 2017.
TEST(SisterPathways, TheEioAppliesFromItsDateAndMlaRunsBefore) {
  auto j = de_nl();
  auto before = eval(parse_ok(j), real_pack(), "2016-06-01");
  EXPECT_EQ(entry(before, "P_EIO")->status, PathwayStatus::NotApplicable);
  EXPECT_NE(entry(before, "P_MLAT")->status, PathwayStatus::NotApplicable);
  // The Council of Europe convention binds DE and NL; the EU–US Agreement
  // binds each of them with the United States only, never the two together.
  ASSERT_TRUE(entry(before, "P_MLAT")->instrument);
  EXPECT_EQ(entry(before, "P_MLAT")->instrument->id, "ETS-30");
  auto after = eval(parse_ok(j), real_pack(), "2017-05-22");
  EXPECT_NE(entry(after, "P_EIO")->status, PathwayStatus::NotApplicable);
  EXPECT_EQ(entry(after, "P_MLAT")->status, PathwayStatus::NotApplicable);
}

// A speech offence known only by its ICCS code is read by every speech check.
TEST(SisterPathways, SpeechByIccsCodeReachesEveryPathwaysSpeechChecks) {
  auto j = ukus();
  j["offences"][0]["iccs_code"] = "08032";
  j["requesting_state"] = "GB";
  EXPECT_EQ(cloud(j, "US.ORD.11"), kReview);
  EXPECT_EQ(cloud(j, "UKUS.9"), kReview);  // the US free-speech essential interest
  j = de_nl();
  j["offences"][0]["iccs_code"] = "08032";
  EXPECT_EQ(epoc(j, "EU.THR.8"), kReview);
  EXPECT_EQ(on(j, "P_EIO", "EIO.IMM"), kReview);
}

// Dir. 2014/41 Art 11(1)(a) has no category limit; Reg. Art 5(9) has.
TEST(SisterPathways, TheEiosImmunityGroundCoversSubscriberData) {
  auto j = de_nl();
  j["data_categories"] = {"SUBSCRIBER"};
  j["subject"]["immunity"] = true;
  EXPECT_EQ(on(j, "P_EIO", "EIO.IMM"), kReview);
  EXPECT_EQ(epoc(j, "EU.THR.8", DataCategory::Subscriber), kNA);
}

// The sensitive-information guideline reaches a national order served on a
// provider abroad (Budapest Art 18(1)(b)), not one on a provider at home.
TEST(SisterPathways, SensitiveInformationGuidelineReachesOrdersOnProvidersAbroad) {
  auto j = base_request();
  j["data_categories"] = {"SUBSCRIBER"};
  j["information_sensitivity"] = {"POLITICAL"};
  j["provider"] = {{"id", "US-CLOUDCO"},
                   {"hq_state", "US"},
                   {"establishments", {{{"state", "US"}, {"type", "HQ"}}}},
                   {"services", {"ISS_COMMUNICATION"}},
                   {"offers_services_in", {"DE"}},
                   {"data_location", {"US"}}};
  EXPECT_EQ(on(j, "P_DOMESTIC", "JFH.1"), kFail);
  j["provider"]["establishments"].push_back({{"state", "DE"}, {"type", "SUBSIDIARY"}});
  EXPECT_EQ(on(j, "P_DOMESTIC", "JFH.1"), kPass);
}

// GDPR Art 48 is about orders from outside the data-protection area: the
// United Kingdom's law keeps it (UK GDPR), and the UK is outside the EU's.
TEST(SisterPathways, TheUkGdprsArticle48IsReadForOrdersIntoTheUk) {
  auto j = ukus();
  j["requesting_state"] = "US";
  j["issuing_authority"]["state"] = "US";
  j["subject"]["current_location_state"] = "FR";
  j["provider"] = {{"hq_state", "GB"},
                   {"establishments", {{{"state", "GB"}, {"type", "HQ"}}}},
                   {"services", {"ISS_COMMUNICATION"}},
                   {"data_location", {"GB"}}};
  EXPECT_EQ(on(j, "P_CLOUD_UKUS", "CONFLICT.1"), kPass);  // the agreement is the basis Art 48 asks for
  j["provider"]["establishments"].push_back({{"state", "US"}, {"type", "SUBSIDIARY"}});
  auto d = eval(parse_ok(j), real_pack(), "2026-09-15");
  bool reviewed = false;
  for (const auto& p : d.pathways)
    if (p.def->id == "P_DOMESTIC") reviewed = check(d, p, "CONFLICT.1") == kReview;
  EXPECT_TRUE(reviewed) << "a US national order on a UK provider meets the UK GDPR's Art 48";
  // A UK order to data governed in Ireland is a third-country order for the EU.
  j = ukus();
  j["provider"] = {{"hq_state", "IE"},
                   {"establishments", {{{"state", "IE"}, {"type", "HQ"}}, {{"state", "GB"}, {"type", "BRANCH"}}}},
                   {"services", {"ISS_COMMUNICATION"}},
                   {"offers_services_in", {"GB", "IE"}},
                   {"data_location", {"IE"}}};
  EXPECT_EQ(on(j, "P_DOMESTIC", "CONFLICT.1"), kReview);
}

// The Regulation has a sentence-execution limb (Art 2(2)); the Directive
// does not: proceedings_type is read on the EIO too.
TEST(SisterPathways, SentenceExecutionIsReadOnTheEio) {
  auto j = de_nl();
  EXPECT_EQ(on(j, "P_EIO", "EIO.PROC"), kPass);
  j["proceedings_type"] = "SENTENCE_EXECUTION";
  j["sentence_execution"] = {{"sentence_months", 24}, {"in_absentia", false}, {"absconded", true}};
  EXPECT_EQ(on(j, "P_EIO", "EIO.PROC"), kReview);
}

// Live measures by mutual assistance depend on the treaty and the requested
// State's law (as BC.MLA.17 says for Budapest); stored-data tests do not apply.
TEST(SisterPathways, LiveMeasuresAreReviewedOnEveryMutualAssistanceRoute) {
  auto j = de_nl();
  j = intercepting(j, "NL");
  EXPECT_EQ(on(j, "P_EIO", "EIO.LIVE"), kReview);
  auto us = s25();
  us["requesting_state"] = "DE";
  us["issuing_authority"] = {{"state", "DE"}, {"type", "JUDGE"}, {"name", "AG"}, {"contact", "c"}};
  us.erase("validating_authority");
  us["provider"]["data_location"] = {"US"};
  us = intercepting(us, "US");
  auto d = eval(parse_ok(us), real_pack(), "2026-09-15");
  auto* mlat = entry(d, "P_MLAT");
  ASSERT_TRUE(mlat);
  EXPECT_EQ(check(d, *mlat, "MLA.LIVE"), kReview);
  EXPECT_EQ(check(d, *mlat, "MLA.REQ.14"), kNA);  // a stored-content warrant is not the test
  EXPECT_EQ(on(de_nl(), "P_EIO", "EIO.LIVE"), kNA);
}

// Budapest Art 18(1)(b) reaches stored subscriber information of a service
// provider (Art 1(c)): not preservation, not live collection, not a bank.
TEST(SisterPathways, TheArt18OrderOnAProviderAbroadIsForStoredSubscriberDataOnly) {
  auto j = base_request();
  j["data_categories"] = {"SUBSCRIBER"};
  j["provider"] = {{"id", "US-CLOUDCO"},
                   {"hq_state", "US"},
                   {"establishments", {{{"state", "US"}, {"type", "HQ"}}}},
                   {"services", {"ISS_COMMUNICATION"}},
                   {"offers_services_in", {"DE"}},
                   {"data_location", {"US"}}};
  EXPECT_EQ(on(j, "P_DOMESTIC", "DOM.1"), kReview);
  j["measure"] = "PRESERVE";
  EXPECT_NE(on(j, "P_DOMESTIC", "DOM.1"), kReview);
  j["measure"] = "PRODUCE_STORED";
  j["provider"]["services"] = {"FINANCIAL_SERVICE"};
  EXPECT_NE(on(j, "P_DOMESTIC", "DOM.1"), kReview);
}

// Registration data are stored subscriber data: the Protocol's Art 6
// measure and a production of stored data get the same routes elsewhere.
TEST(SisterPathways, DomainRegistrationDataGetTheSameRoutesWhicheverMeasureNamesThem) {
  auto j = base_request();
  j["data_categories"] = {"DOMAIN_REGISTRATION"};
  j["identifiers"] = {{{"type", "DOMAIN_NAME"}, {"value", "scam-shop.example"}}};
  j["provider"] = {{"id", "NL-REG"},
                   {"hq_state", "NL"},
                   {"establishments", {{{"state", "NL"}, {"type", "DESIGNATED_ESTABLISHMENT"}}}},
                   {"services", {"DOMAIN_REGISTRAR"}},
                   {"offers_services_in", {"NL", "DE"}},
                   {"data_location", {"NL"}}};
  j["measure"] = "PRODUCE_STORED";
  auto stored = eval(parse_ok(j), real_pack(), "2026-09-15");
  j["measure"] = "DOMAIN_REGISTRATION";
  auto art6 = eval(parse_ok(j), real_pack(), "2026-09-15");
  ASSERT_EQ(stored.pathways.size(), art6.pathways.size());
  for (size_t i = 0; i < stored.pathways.size(); ++i) {
    if (stored.pathways[i].def->id == "P_SAP_6") continue;  // the Art 6 measure itself
    EXPECT_EQ(stored.pathways[i].status, art6.pathways[i].status) << stored.pathways[i].def->id;
  }
  EXPECT_EQ(entry(art6, "P_EU_EPOC")->status, PathwayStatus::Available);
}

// Art 30(1): the EIO goes to the State whose technical assistance is needed;
// Art 31: the State where the target is, if not that one, is notified.
TEST(SisterPathways, EioInterceptionNamesTheAssistingStateAndTheOneToNotify) {
  auto j = de_nl();
  j = intercepting(j, "AT");
  auto d = eval(parse_ok(j), real_pack(), "2026-09-15");
  bool nl = false;
  for (const auto& p : d.pathways) {
    if (p.def->id != "P_EIO" || p.counterpart.str() != "NL") continue;
    nl = true;
    for (uint32_t i = p.checks.begin; i < p.checks.end; ++i) {
      if (d.checks[i].pred->id != "EIO.INT") continue;
      const std::string why = render_reason(d.checks[i]);
      EXPECT_NE(why.find("technical assistance of NL"), std::string::npos) << why;
      EXPECT_NE(why.find("notify AT"), std::string::npos) << why;
    }
  }
  EXPECT_TRUE(nl);
}

// HR.DEATH reads the assurance its own hint asks for, as MLA.REF.8 does.
TEST(SisterPathways, TheDeathPenaltyGateReadsTheAssurance) {
  auto j = s25();
  j["offences"][0]["death_penalty_available"] = true;
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack(), "2026-09-15"), "HR.DEATH"), kReview);
  j["assurances_offered"] = {"NO_DEATH_PENALTY"};
  EXPECT_EQ(gate(eval(parse_ok(j), real_pack(), "2026-09-15"), "HR.DEATH"), kPass);
}

}  // namespace
}  // namespace comity
