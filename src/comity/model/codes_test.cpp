#include "comity/model/codes.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace comity {
namespace {

TEST(StateCode, AcceptsAssignedIsoCodesOnly) {
  int assigned = 0;
  for (char a = 'A'; a <= 'Z'; ++a)
    for (char b = 'A'; b <= 'Z'; ++b)
      if (parse_state(std::string{a, b}).error.empty()) ++assigned;
  EXPECT_EQ(assigned, 249 + 1);  // 249 ISO 3166-1 elements + XK (Kosovo, user-assigned)
  EXPECT_EQ(parse_state("DE").code.str(), "DE");
  EXPECT_FALSE(parse_state("XX").error.empty());
  EXPECT_FALSE(parse_state("de").error.empty());
  EXPECT_FALSE(parse_state("DEU").error.empty());
}

TEST(StateCode, NamesTheRightCodeForEuUsages) {
  EXPECT_NE(parse_state("EL").error.find("GR"), std::string::npos);
  EXPECT_NE(parse_state("UK").error.find("GB"), std::string::npos);
  EXPECT_NE(parse_state("EU").error.find("organisation"), std::string::npos);
}

template <class... E>
void round_trip_all() {
  auto one = [&]<class T>(T*) {
    SCOPED_TRACE(std::string(EnumInfo<T>::type_name));
    ASSERT_GT(enum_count<T>(), 0u);
    std::set<std::string_view> seen;
    for (size_t i = 0; i < enum_count<T>(); ++i) {
      auto e = static_cast<T>(i);
      auto name = enum_name(e);
      EXPECT_TRUE(seen.insert(name).second) << name << " is spelt twice";
      EXPECT_EQ(parse_enum<T>(name), e) << name;
      EXPECT_NE(enum_choices<T>().find(name), std::string::npos) << name;
    }
    EXPECT_FALSE(parse_enum<T>("")) << "the empty name parses";
    EXPECT_FALSE(parse_enum<T>(std::string(enum_name(static_cast<T>(0))) + "X")) << "a prefix match parses";
  };
  (one(static_cast<E*>(nullptr)), ...);
}

TEST(Enums, RoundTripEveryNameOfEveryEnum) {
  round_trip_all<ProceedingsType, AuthorityType, ReviewType, Measure, DataCategory, IdentifierType, EuHarmonisedOffence,
                 AnnexIV, SubjectRole, Privilege, LocationConfidence, RiskLevel, RiskGround, EstablishmentType, Service,
                 RoleForData, EmergencyType, NoticeMode, IntendedUse, SensitiveData, InfoSensitivity, Assurance,
                 PreservationChannel, DualCriminality, PenaltyRisk, Clarification, PriorOutcome, Tri>();
  EXPECT_FALSE(parse_enum<DataCategory>("subscriber"));  // case matters
}

TEST(EnumSet, SetAlgebra) {
  Categories a{DataCategory::Subscriber, DataCategory::Traffic};
  Categories b{DataCategory::Traffic};
  EXPECT_TRUE(b.subset_of(a));
  EXPECT_FALSE(a.subset_of(b));
  EXPECT_EQ(a.minus(b), Categories{DataCategory::Subscriber});
  EXPECT_EQ(a.size(), 2);
  EXPECT_EQ(a.str(), "SUBSCRIBER, TRAFFIC");
}

}  // namespace
}  // namespace comity
