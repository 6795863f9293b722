#include "comity/util/date.hpp"

#include <gtest/gtest.h>

namespace comity {
namespace {

TEST(Date, ParsesCalendarDatesAndRoundTrips) {
  auto d = parse_date("2026-08-18");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->str(), "2026-08-18");
  EXPECT_EQ(*d, date_from_ymd(2026, 8, 18));
  EXPECT_LT(*parse_date("2026-08-17"), *d);
}

TEST(Date, RejectsImpossibleOrMalformedDates) {
  for (const char* s : {"2026-02-30", "2026-13-01", "2026-1-01", "26-01-01", "2026/01/01", "", "2026-01-01T00:00Z"})
    EXPECT_FALSE(parse_date(s)) << s;
}

TEST(Date, DateTimeNeedsAZoneAndConvertsToUtcDate) {
  EXPECT_EQ(parse_datetime_date("2026-09-15T10:00:00Z")->str(), "2026-09-15");
  EXPECT_EQ(parse_datetime_date("2026-09-15T01:00:00+02:00")->str(), "2026-09-14");
  EXPECT_EQ(parse_datetime_date("2026-09-15T23:30:00-01:00")->str(), "2026-09-16");
  EXPECT_EQ(parse_datetime_date("2026-09-15T10:00:00.123Z")->str(), "2026-09-15");
  EXPECT_FALSE(parse_datetime_date("2026-09-15T10:00:00"));  // no zone
  EXPECT_FALSE(parse_datetime_date("2026-09-15T25:00:00Z"));
  EXPECT_FALSE(parse_datetime_date("2026-09-15T10:00:00Zjunk"));
}

}  // namespace
}  // namespace comity
