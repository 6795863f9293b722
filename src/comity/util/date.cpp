#include "comity/util/date.hpp"

#include <chrono>
#include <cstdio>

namespace comity {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

Date date_from_ymd(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  sys_days sd{year{y} / month{m} / day{d}};
  return Date{static_cast<int32_t>(sd.time_since_epoch().count())};
}

std::string Date::str() const {
  using namespace std::chrono;
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<Date> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y, m, d;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return Date{static_cast<int32_t>(sys_days{ymd}.time_since_epoch().count())};
}

std::optional<Date> parse_datetime_date(std::string_view s) {
  if (s.size() < 17 || s[10] != 'T') return std::nullopt;
  auto date = parse_date(s.substr(0, 10));
  if (!date) return std::nullopt;
  int hh, mm, ss = 0;
  if (!digits(s, 11, 2, hh) || s[13] != ':' || !digits(s, 14, 2, mm) || hh > 23 || mm > 59) return std::nullopt;
  size_t p = 16;
  if (p < s.size() && s[p] == ':') {
    if (!digits(s, p + 1, 2, ss) || ss > 60) return std::nullopt;
    p += 3;
    if (p < s.size() && s[p] == '.') {
      size_t q = p + 1;
      while (q < s.size() && s[q] >= '0' && s[q] <= '9') ++q;
      if (q == p + 1) return std::nullopt;
      p = q;
    }
  }
  if (p >= s.size()) return std::nullopt;  // a zone is required
  int offset_min = 0;
  if (s[p] == 'Z') {
    ++p;
  } else if (s[p] == '+' || s[p] == '-') {
    int oh, om;
    if (!digits(s, p + 1, 2, oh) || p + 3 >= s.size() || s[p + 3] != ':' || !digits(s, p + 4, 2, om) || oh > 23 ||
        om > 59)
      return std::nullopt;
    offset_min = (oh * 60 + om) * (s[p] == '-' ? -1 : 1);
    p += 6;
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  int minutes = hh * 60 + mm - offset_min;
  int32_t day_shift = minutes < 0 ? -1 : (minutes >= 1440 ? 1 : 0);
  return Date{date->days + day_shift};
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

Date date_of(Instant t) {
  return Date{static_cast<int32_t>(t >= 0 ? t / 86400 : (t - 86399) / 86400)};
}

std::string format_instant(Instant t) {
  Date day = date_of(t);
  int64_t rem = t - int64_t{day.days} * 86400;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", day.str().c_str(), static_cast<int>(rem / 3600),
                static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}

}  // namespace comity
