#include "source/partition_layout.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

constexpr const char* kMinuteLayout = "dt={yyyy}-{MM}-{dd}/hour={HH}/minute={mm}";

TEST(PartitionLayoutTest, FormatsAndParsesRoundTrip) {
  auto layout = PartitionLayout::Parse(kMinuteLayout);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  TimeMicros t = *ParseTimestamp("2026-05-04T10:05:00Z");
  EXPECT_EQ(layout->Format(t), "dt=2026-05-04/hour=10/minute=05");
  auto parsed = layout->ParseKey("dt=2026-05-04/hour=10/minute=05/part-0.jsonl");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->start, t);
  EXPECT_EQ(parsed->file, "part-0.jsonl");
}

TEST(PartitionLayoutTest, HourPrefixListsOneHour) {
  auto minute = PartitionLayout::Parse(kMinuteLayout);
  TimeMicros t = *ParseTimestamp("2026-05-04T10:35:00Z");
  EXPECT_EQ(minute->HourPrefix(t), "dt=2026-05-04/hour=10/");
  auto hourly = PartitionLayout::Parse("ads/{yyyy}/{MM}/{dd}/{HH}");
  EXPECT_EQ(hourly->HourPrefix(t), "ads/2026/05/04/10/");
  auto daily = PartitionLayout::Parse("date={yyyy}{MM}{dd}");
  EXPECT_EQ(daily->HourPrefix(t), "date=20260504/");
}

TEST(PartitionLayoutTest, RejectsPathsThatDoNotMatchNamingThem) {
  auto layout = PartitionLayout::Parse(kMinuteLayout);
  for (const char* key : {"dt=2026-05-04/hour=10/part-0.jsonl", "dt=2026-05-04/hour=1x/minute=05/a",
                          "dt=2026-02-30/hour=10/minute=05/a", "dt=2026-05-04/hour=24/minute=00/a",
                          "dt=2026-05-04/hour=10/minute=05", "dt=2026-05-04/hour=10/minute=05/",
                          "../dt=2026-05-04/hour=10/minute=05/a"}) {
    auto parsed = layout->ParseKey(key);
    ASSERT_FALSE(parsed.ok()) << key;
    EXPECT_NE(parsed.status().message().find(key), std::string::npos) << parsed.status().message();
  }
}

TEST(PartitionLayoutTest, RejectsBadTemplates) {
  EXPECT_FALSE(PartitionLayout::Parse("dt={MM}-{dd}").ok());    // no year
  EXPECT_FALSE(PartitionLayout::Parse("dt={yyyy}/{ss}").ok());  // unknown placeholder
  EXPECT_FALSE(PartitionLayout::Parse("dt={yyyy").ok());        // unclosed
  EXPECT_FALSE(PartitionLayout::Parse("/dt={yyyy}").ok());      // absolute
}

}  // namespace
}  // namespace freshet
