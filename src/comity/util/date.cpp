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

}  // namespace comity
