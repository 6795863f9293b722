// Calendar dates and instants for the engine: plain values, no clock.
// Parsing accepts ISO 8601 calendar dates (YYYY-MM-DD) and date-times with an
// explicit zone (YYYY-MM-DDThh:mm[:ss[.fff]](Z|±hh:mm)).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace comity {

// Days since 1970-01-01 (proleptic Gregorian).
struct Date {
  int32_t days = 0;
  constexpr auto operator<=>(const Date&) const = default;
  std::string str() const;  // YYYY-MM-DD
};

constexpr Date kNoDateMin{INT32_MIN};
constexpr Date kNoDateMax{INT32_MAX};

// Returns the date, or nullopt if `s` is not a valid YYYY-MM-DD calendar date.
std::optional<Date> parse_date(std::string_view s);

// Returns the UTC date of an ISO 8601 date-time with zone, or nullopt.
std::optional<Date> parse_datetime_date(std::string_view s);

Date date_from_ymd(int y, unsigned m, unsigned d);

using Instant = int64_t;  // seconds since 1970-01-01T00:00:00Z

// Parses an ISO 8601 date-time with zone to an instant; nullopt if malformed.
std::optional<Instant> parse_instant(std::string_view iso);

// The UTC calendar date of an instant.
Date date_of(Instant t);

// "2026-09-15T10:00:00Z".
std::string format_instant(Instant t);

}  // namespace comity
