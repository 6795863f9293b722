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
    Audience before, after;  // before and after transmission
  };
  const Row rows[] = {
      {as(PartyRole::Officer, "de-sta", "DE"), Audience::Issuing, Audience::Issuing},
      {as(PartyRole::Officer, "de-bka", "DE"), Audience::None, Audience::None},  // another authority, same State
      {as(PartyRole::Officer, "fr-parquet", "FR"), Audience::None, Audience::None},
      {as(PartyRole::Validator, "de-ag", "DE"), Audience::Issuing, Audience::Issuing},
      {as(PartyRole::Validator, "nl-rb", "NL"), Audience::None, Audience::None},
      {as(PartyRole::CentralAuthority, "de-ca", "DE"), Audience::Issuing, Audience::Issuing},
      {as(PartyRole::CentralAuthority, "nl-ca", "NL"), Audience::None, Audience::None},  // not its channel
      {as(PartyRole::CentralAuthority, "be-ca", "BE"), Audience::None, Audience::None},
      {as(PartyRole::Provider, "nl-mailco", "NL"), Audience::None, Audience::Addressee},
      {as(PartyRole::Provider, "us-cloudco", "US"), Audience::None,
       Audience::None},  // provider B reaching for A's order
      {as(PartyRole::EnforcingAuthority, "nl-ca", "NL"), Audience::None, Audience::Enforcing},
      {as(PartyRole::EnforcingAuthority, "be-ca", "BE"), Audience::None, Audience::None},
      {as(PartyRole::Oversight, "eu-edps", "BE"), Audience::Oversight, Audience::Oversight},
      {as(PartyRole::Admin, "admin", "DE"), Audience::None, Audience::None},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(std::string(role_name(r.who.user.role)) + " of " + r.who.party.id);
    EXPECT_EQ(audience_of(r.who, epoc(false)), r.before);
    EXPECT_EQ(audience_of(r.who, epoc(true)), r.after);
  }
}

TEST(Permissions, RequestedCentralAuthoritySeesMutualAssistanceOnceTransmitted) {
  CaseSummary c = epoc(false);
  c.workflow = "mla";
  c.via_authorities = true;
  c.provider_party_id.clear();
  c.notified = false;
  EXPECT_EQ(audience_of(as(PartyRole::CentralAuthority, "nl-ca", "NL"), c), Audience::None);
  c.transmitted = true;
  EXPECT_EQ(audience_of(as(PartyRole::CentralAuthority, "nl-ca", "NL"), c), Audience::Requested);
  EXPECT_EQ(audience_of(as(PartyRole::CentralAuthority, "be-ca", "BE"), c), Audience::None);
  EXPECT_EQ(audience_of(as(PartyRole::Provider, "nl-mailco", "NL"), c), Audience::None);
}

TEST(Permissions, EnforcingAuthoritySeesOnlyNotifiedCases) {
  CaseSummary c = epoc(true);
  c.notified = false;  // subscriber data, or Art 8(2) exemption
  EXPECT_EQ(audience_of(as(PartyRole::EnforcingAuthority, "nl-ca", "NL"), c), Audience::None);
  EXPECT_EQ(audience_of(as(PartyRole::Provider, "nl-mailco", "NL"), c), Audience::Addressee);
}

TEST(Permissions, EveryPartyButOversightMayAct) {
  EXPECT_FALSE(may_act(Audience::None));
  EXPECT_FALSE(may_act(Audience::Oversight));  // oversight reads, never acts
  for (Audience a : {Audience::Issuing, Audience::Requested, Audience::Enforcing, Audience::Addressee})
    EXPECT_TRUE(may_act(a)) << audience_name(a);
}

TEST(Permissions, APartyWithoutAStateSeesNoCase) {
  // Fail closed: a party registered without a State stands on no side.
  EXPECT_EQ(audience_of(as(PartyRole::Validator, "x", ""), epoc(true)), Audience::None);
  EXPECT_EQ(audience_of(as(PartyRole::EnforcingAuthority, "x", ""), epoc(true)), Audience::None);
  CaseSummary c = epoc(true);
  c.requesting_state.clear();
  EXPECT_EQ(audience_of(as(PartyRole::CentralAuthority, "x", ""), c), Audience::None);
}

}  // namespace
}  // namespace comity
