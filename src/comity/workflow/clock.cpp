#include "comity/workflow/clock.hpp"

#include <chrono>
#include <cstdio>

#include "comity/util/date.hpp"

namespace comity {

Instant SystemClock::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<int64_t> parse_duration_seconds(std::string_view s) {
  if (s.size() < 3 || s[0] != 'P') return std::nullopt;
  int64_t total = 0;
  bool in_time = false, any = false, any_time = false;
  size_t i = 1;
  while (i < s.size()) {
    if (s[i] == 'T') {
      if (in_time) return std::nullopt;
      in_time = true;
      ++i;
      continue;
    }
    int64_t n = 0;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > 100000000) return std::nullopt;
      ++i;
    }
    if (i == start || i == s.size()) return std::nullopt;
    char unit = s[i++];
    if (!in_time && unit == 'W') total += n * 7 * 86400;
    else if (!in_time && unit == 'D') total += n * 86400;
    else if (in_time && unit == 'H') total += n * 3600;
    else if (in_time && unit == 'M') total += n * 60;
    else if (in_time && unit == 'S') total += n;
    else return std::nullopt;
    any = true;
    any_time = any_time || in_time;
  }
  if (!any || (in_time && !any_time)) return std::nullopt;  // e.g. "P1DT": a T with no time part
  return total;
}

std::optional<Instant> parse_instant(std::string_view s) {
  auto day = parse_datetime_date(s);
  if (!day) return std::nullopt;
  // parse_datetime_date validated the shape; recompute the time of day in UTC.
  int hh = (s[11] - '0') * 10 + (s[12] - '0'), mm = (s[14] - '0') * 10 + (s[15] - '0'), ss = 0;
  size_t p = 16;
  if (s[p] == ':') {
    ss = (s[p + 1] - '0') * 10 + (s[p + 2] - '0');
    p += 3;
    while (p < s.size() && (s[p] == '.' || (s[p] >= '0' && s[p] <= '9'))) ++p;
  }
  int offset = 0;
  if (s[p] == '+' || s[p] == '-') {
    offset = ((s[p + 1] - '0') * 10 + (s[p + 2] - '0')) * 3600 + ((s[p + 4] - '0') * 10 + (s[p + 5] - '0')) * 60;
    if (s[p] == '-') offset = -offset;
  }
  auto local_day = parse_date(s.substr(0, 10));
  return static_cast<Instant>(local_day->days) * 86400 + hh * 3600 + mm * 60 + ss - offset;
}

Date date_of(Instant t) { return Date{static_cast<int32_t>(t >= 0 ? t / 86400 : (t - 86399) / 86400)}; }

std::string format_instant(Instant t) {
  Date day = date_of(t);
  int64_t rem = t - int64_t{day.days} * 86400;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", day.str().c_str(),
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}

}  // namespace comity
