// Clock: the engine's only source of "now". Every component takes a Clock&
// so that tests can run hours of partitions in seconds.
//
// Times are microseconds since the Unix epoch, UTC (TimeMicros).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/status.h"

namespace freshet {

using TimeMicros = int64_t;
inline constexpr TimeMicros kMicrosPerSecond = 1'000'000;
inline constexpr TimeMicros kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr TimeMicros kMicrosPerHour = 60 * kMicrosPerMinute;

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMicros Now() = 0;
  // Sleeps until Now() >= deadline or until `interrupted` becomes true.
  // Returns early (without error) when interrupted.
  virtual void SleepUntil(TimeMicros deadline, const std::atomic<bool>& interrupted) = 0;

  // Parses a clock spec:
  //   "system"                     wall clock
  //   "fixed:2026-05-04T12:00:00Z" frozen at that instant; SleepUntil advances it
  //   "sim:2026-05-04T10:00:00Z:60" starts at the instant when the process starts
  //                                and runs 60x faster than wall time
  static Result<std::unique_ptr<Clock>> FromSpec(std::string_view spec);
};

// Wall clock.
class SystemClock final : public Clock {
 public:
  TimeMicros Now() override;
  void SleepUntil(TimeMicros deadline, const std::atomic<bool>& interrupted) override;
};

// Time moves only when told (Advance, Set) or when a caller sleeps: SleepUntil
// jumps straight to the deadline. For tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMicros start) : now_(start) {}
  TimeMicros Now() override { return now_.load(); }
  void SleepUntil(TimeMicros deadline, const std::atomic<bool>& interrupted) override;
  void Advance(TimeMicros delta) { now_ += delta; }
  void Set(TimeMicros t) { now_ = t; }

 private:
  std::atomic<TimeMicros> now_;
};

// Runs `speed` times faster than the wall clock from `start`.
class ScaledClock final : public Clock {
 public:
  ScaledClock(TimeMicros start, double speed);
  TimeMicros Now() override;
  void SleepUntil(TimeMicros deadline, const std::atomic<bool>& interrupted) override;

 private:
  TimeMicros start_;
  TimeMicros wall_start_;
  double speed_;
};

// RFC 3339 / ISO 8601 in UTC: "2026-05-04T10:05:00Z". Fractional seconds and
// numeric offsets ("+02:00") are accepted on input.
Result<TimeMicros> ParseTimestamp(std::string_view text);
std::string FormatTimestamp(TimeMicros t);

// Durations: "90s", "5m", "2h", "1d", "250ms", or a bare number of seconds.
Result<TimeMicros> ParseDuration(std::string_view text);
std::string FormatDuration(TimeMicros d);

// Days since 1970-01-01 for a civil date, and back (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);

}  // namespace freshet
