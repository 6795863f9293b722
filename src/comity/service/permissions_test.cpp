// The permission matrix: every role against cases in every relevant position.
#include "comity/service/permissions.hpp"

#include <gtest/gtest.h>

namespace comity {
namespace {

Principal as(PartyRole role, const char* party_id, const char* state) {
  return {{std::string("u-") + party_id, party_id, "user", role}, {party_id, "x", state, "party"}, "t"};
}

// DE prosecutor → NL provider (EPOC), notified to NL.
CaseSummary epoc(bool transmitted) {
  CaseSummary c;
  c.id = "c1";
  c.requesting_state = "DE";
  c.workflow = "direct_order";
  c.requesting_party_id = "de-sta";
  c.provider_party_id = "nl-mailco";
  c.counterpart_state = "NL";
  c.notified = true;
  c.transmitted = transmitted;
  return c;
}

TEST(Permissions, Matrix) {
  struct Row {
    Principal who;
    CaseView before, after;  // before and after transmission
  };
  const Row rows[] = {
      {as(PartyRole::Officer, "de-sta", "DE"), CaseView::Full, CaseView::Full},
      {as(PartyRole::Officer, "de-bka", "DE"), CaseView::None, CaseView::None},  // another authority, same State
      {as(PartyRole::Officer, "fr-parquet", "FR"), CaseView::None, CaseView::None},
      {as(PartyRole::Validator, "de-ag", "DE"), CaseView::Full, CaseView::Full},
      {as(PartyRole::Validator, "nl-rb", "NL"), CaseView::None, CaseView::None},
      {as(PartyRole::CentralAuthority, "de-ca", "DE"), CaseView::Full, CaseView::Full},
      {as(PartyRole::CentralAuthority, "nl-ca", "NL"), CaseView::None, CaseView::None},  // not its channel
      {as(PartyRole::CentralAuthority, "be-ca", "BE"), CaseView::None, CaseView::None},
      {as(PartyRole::Provider, "nl-mailco", "NL"), CaseView::None, CaseView::Order},
      {as(PartyRole::Provider, "us-cloudco", "US"), CaseView::None, CaseView::None},  // provider B reaching for A's order
      {as(PartyRole::EnforcingAuthority, "nl-ca", "NL"), CaseView::None, CaseView::Full},
      {as(PartyRole::EnforcingAuthority, "be-ca", "BE"), CaseView::None, CaseView::None},
      {as(PartyRole::Oversight, "eu-edps", "BE"), CaseView::Metadata, CaseView::Metadata},
      {as(PartyRole::Admin, "admin", "DE"), CaseView::None, CaseView::None},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(std::string(role_name(r.who.user.role)) + " of " + r.who.party.id);
    EXPECT_EQ(case_view(r.who, epoc(false)), r.before);
    EXPECT_EQ(case_view(r.who, epoc(true)), r.after);
  }
}

TEST(Permissions, RequestedCentralAuthoritySeesMutualAssistanceOnceTransmitted) {
  CaseSummary c = epoc(false);
  c.workflow = "mla";
  c.via_authorities = true;
  c.provider_party_id.clear();
  c.notified = false;
  EXPECT_EQ(case_view(as(PartyRole::CentralAuthority, "nl-ca", "NL"), c), CaseView::None);
  c.transmitted = true;
  EXPECT_EQ(case_view(as(PartyRole::CentralAuthority, "nl-ca", "NL"), c), CaseView::Full);
  EXPECT_EQ(case_view(as(PartyRole::CentralAuthority, "be-ca", "BE"), c), CaseView::None);
  EXPECT_EQ(case_view(as(PartyRole::Provider, "nl-mailco", "NL"), c), CaseView::None);
}

TEST(Permissions, EnforcingAuthoritySeesOnlyNotifiedCases) {
  CaseSummary c = epoc(true);
  c.notified = false;  // subscriber data, or Art 8(2) exemption
  EXPECT_EQ(case_view(as(PartyRole::EnforcingAuthority, "nl-ca", "NL"), c), CaseView::None);
  EXPECT_EQ(case_view(as(PartyRole::Provider, "nl-mailco", "NL"), c), CaseView::Order);
}

TEST(Permissions, OnlyOrderAndFullViewsMayAct) {
  EXPECT_FALSE(may_act(CaseView::None));
  EXPECT_FALSE(may_act(CaseView::Metadata));  // oversight reads, never acts
  EXPECT_TRUE(may_act(CaseView::Order));
  EXPECT_TRUE(may_act(CaseView::Full));
}

}  // namespace
}  // namespace comity
