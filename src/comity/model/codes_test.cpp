#include "comity/model/codes.hpp"

#include <gtest/gtest.h>

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

TEST(Enums, RoundTripEveryName) {
  for (size_t i = 0; i < enum_count<IdentifierType>(); ++i) {
    auto e = static_cast<IdentifierType>(i);
    EXPECT_EQ(parse_enum<IdentifierType>(enum_name(e)), e);
  }
  EXPECT_FALSE(parse_enum<DataCategory>("subscriber"));  // case matters
  EXPECT_NE(enum_choices<Measure>().find("INTERCEPT_CONTENT"), std::string::npos);
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
