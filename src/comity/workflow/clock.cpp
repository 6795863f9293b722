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
    if (!in_time && unit == 'W')
      total += n * 7 * 86400;
    else if (!in_time && unit == 'D')
      total += n * 86400;
    else if (in_time && unit == 'H')
      total += n * 3600;
    else if (in_time && unit == 'M')
      total += n * 60;
    else if (in_time && unit == 'S')
      total += n;
    else
      return std::nullopt;
    any = true;
    any_time = any_time || in_time;
  }
  if (!any || (in_time && !any_time)) return std::nullopt;  // e.g. "P1DT": a T with no time part
  return total;
}

}  // namespace comity
