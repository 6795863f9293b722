// Time for the workflow: an injectable clock (the system clock in production, a fake in tests), and
// ISO 8601 durations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "comity/util/date.hpp"  // Instant, parse_instant, format_instant, date_of

namespace comity {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override;
};

// A clock that moves only when told to. Not thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start) : now_(start) {}
  Instant now() const override { return now_; }
  void advance(int64_t seconds) { now_ += seconds; }
  void set(Instant t) { now_ = t; }

 private:
  Instant now_;
};

// Seconds in an ISO 8601 duration of weeks, days, hours, minutes and seconds
// (P2W, P10D, PT8H, P1DT12H, PT0S). Years and months are refused: their
// length depends on the calendar. Returns nullopt when malformed.
std::optional<int64_t> parse_duration_seconds(std::string_view iso);

}  // namespace comity
