#include "common/progress.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace freshet {
namespace {

TEST(ProgressTest, SaysWhatIsDoneTheRateAndTheTimeLeft) {
  EXPECT_EQ(
      FormatProgress("build-full", "read", 480'000'000, 1'100'000'000, 2'100'000, "records", 2.3),
      "build-full: read 480.0 MB of 1.1 GB (44%), 2.1 M records, 913.0 k records/s, "
      "2.3 s elapsed, 3.0 s left");
}

TEST(ProgressTest, WithoutATotalThereIsNoShareAndNoEstimate) {
  EXPECT_EQ(FormatProgress("build-full", "wrote", 5'000, 0, 0, "docs", 0.5),
            "build-full: wrote 5.0 kB, 0.5 s elapsed");
}

TEST(ProgressTest, LongTasksCountInMinutesAndHours) {
  EXPECT_EQ(FormatProgress("compact", "read", 1, 4, 900, "docs", 3600 + 125),
            "compact: read 1 B of 4 B (25%), 900 docs, 0 docs/s, 1h02m elapsed, 3h06m left");
  EXPECT_EQ(FormatProgress("compact", "read", 4, 4, 0, "docs", 61),
            "compact: read 4 B of 4 B (100%), 1m01s elapsed");
}

TEST(ProgressTest, ReportsFromManyThreadsAddUp) {
  Progress progress("test", "read", 1000, "records", std::chrono::seconds(3600));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) progress.Add(1, 2);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(progress.bytes(), 4000u);
  EXPECT_EQ(progress.items(), 8000u);
}

}  // namespace
}  // namespace freshet
