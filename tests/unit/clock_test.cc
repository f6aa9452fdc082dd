#include "common/clock.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

TEST(TimestampTest, RoundTripsUtc) {
  auto t = ParseTimestamp("2026-05-04T10:05:00Z");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(FormatTimestamp(*t), "2026-05-04T10:05:00Z");
  EXPECT_EQ(*t % kMicrosPerMinute, 0);
}

TEST(TimestampTest, AcceptsOffsetsAndFractions) {
  EXPECT_EQ(*ParseTimestamp("2026-05-04T12:05:00+02:00"), *ParseTimestamp("2026-05-04T10:05:00Z"));
  EXPECT_EQ(*ParseTimestamp("2026-05-04T10:05:00.25Z") - *ParseTimestamp("2026-05-04T10:05:00Z"),
            250'000);
  EXPECT_EQ(*ParseTimestamp("1970-01-01T00:00:00Z"), 0);
}

TEST(TimestampTest, RejectsGarbageWithTheText) {
  auto t = ParseTimestamp("2026-13-04T10:05:00Z");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("2026-13-04T10:05:00Z"), std::string::npos);
  EXPECT_FALSE(ParseTimestamp("").ok());
  EXPECT_FALSE(ParseTimestamp("2026-05-04T10:05:00Zjunk").ok());
}

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(*ParseDuration("5m"), 5 * kMicrosPerMinute);
  EXPECT_EQ(*ParseDuration("90s"), 90 * kMicrosPerSecond);
  EXPECT_EQ(*ParseDuration("250ms"), 250'000);
  EXPECT_EQ(*ParseDuration("2h"), 2 * kMicrosPerHour);
  EXPECT_EQ(*ParseDuration("30"), 30 * kMicrosPerSecond);
  EXPECT_FALSE(ParseDuration("5 parsecs").ok());
  EXPECT_FALSE(ParseDuration("-5s").ok());
  EXPECT_EQ(FormatDuration(5 * kMicrosPerMinute), "5m");
}

TEST(ClockTest, ManualClockJumpsOnSleep) {
  ManualClock clock(1000);
  std::atomic<bool> stop{false};
  clock.SleepUntil(5000, stop);
  EXPECT_EQ(clock.Now(), 5000);
  clock.SleepUntil(10, stop);  // never backwards
  EXPECT_EQ(clock.Now(), 5000);
}

TEST(ClockTest, FromSpec) {
  auto fixed = Clock::FromSpec("fixed:2026-05-04T10:00:00Z");
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ((*fixed)->Now(), *ParseTimestamp("2026-05-04T10:00:00Z"));
  auto sim = Clock::FromSpec("sim:2026-05-04T10:00:00Z:60");
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  EXPECT_GE((*sim)->Now(), *ParseTimestamp("2026-05-04T10:00:00Z"));
  EXPECT_FALSE(Clock::FromSpec("sim:2026-05-04T10:00:00Z:0").ok());
  EXPECT_FALSE(Clock::FromSpec("sundial").ok());
}

}  // namespace
}  // namespace freshet
