#include "pipeline/planner.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

constexpr TimeMicros kPeriod = 5 * kMicrosPerMinute;

class PlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.layout = *PartitionLayout::Parse("dt={yyyy}-{MM}-{dd}/hour={HH}/minute={mm}");
    spec_.period = kPeriod;
    spec_.marker = "_SUCCESS";
    spec_.delay = kMicrosPerMinute;
    cut_ = *ParseTimestamp("2026-05-04T10:00:00Z");
  }
  // Adds partitions [cut, cut + n*period) with one file each and markers.
  void AddPartitions(int n, bool markers = true) {
    for (int i = 0; i < n; ++i) {
      PartitionListing& p = d_.partitions[cut_ + i * kPeriod];
      p.start = cut_ + i * kPeriod;
      p.has_marker = markers;
      p.files.push_back({"f" + std::to_string(i), 10, "fp"});
    }
  }
  PlanInput Input(std::optional<TimeMicros> watermark, TimeMicros now, LagPolicy policy) {
    PlanInput in;
    in.watermark = watermark;
    in.base_cut = cut_;
    in.now = now;
    in.policy = policy;
    in.max_lag = 3 * kPeriod;
    return in;
  }
  SourceSpec spec_;
  Discovery d_;
  TimeMicros cut_;
};

TEST_F(PlannerTest, LatestTargetsNewestReadyAndCountsSkipped) {
  AddPartitions(6);
  Plan p = PlanBatch(Input(std::nullopt, cut_ + 6 * kPeriod, LagPolicy::kLatest), spec_, d_);
  ASSERT_EQ(p.action, Plan::Action::kPublish);
  EXPECT_EQ(p.target, cut_ + 5 * kPeriod);
  EXPECT_EQ(p.window_start, cut_);
  EXPECT_EQ(p.publications_skipped, 5);
  EXPECT_TRUE(p.advances);
}

TEST_F(PlannerTest, SequentialPublishesEveryPartitionInOrder) {
  AddPartitions(6);
  TimeMicros now = cut_ + 6 * kPeriod;
  Plan p = PlanBatch(Input(std::nullopt, now, LagPolicy::kSequential), spec_, d_);
  EXPECT_EQ(p.target, cut_);
  p = PlanBatch(Input(cut_ + 2 * kPeriod, now, LagPolicy::kSequential), spec_, d_);
  EXPECT_EQ(p.target, cut_ + 3 * kPeriod);
  EXPECT_EQ(p.publications_skipped, 0);
}

TEST_F(PlannerTest, BoundedSwitchesToLatestBeyondTheLimit) {
  AddPartitions(12);
  TimeMicros now = cut_ + 12 * kPeriod;
  // 2 partitions behind: under the 3-period limit, sequential.
  Plan p = PlanBatch(Input(cut_ + 9 * kPeriod, now, LagPolicy::kBounded), spec_, d_);
  EXPECT_EQ(p.effective_policy, LagPolicy::kSequential);
  EXPECT_EQ(p.target, cut_ + 10 * kPeriod);
  // 10 behind: latest.
  p = PlanBatch(Input(cut_ + kPeriod, now, LagPolicy::kBounded), spec_, d_);
  EXPECT_EQ(p.effective_policy, LagPolicy::kLatest);
  EXPECT_EQ(p.target, cut_ + 11 * kPeriod);
}

TEST_F(PlannerTest, MissingMarkerWaitsForTheDelayThenPassesOver) {
  AddPartitions(3, /*markers=*/false);
  // Partition 2 ends at cut+15m; with a 1-minute delay it is ready at cut+16m.
  Plan p =
      PlanBatch(Input(std::nullopt, cut_ + 15 * kMicrosPerMinute, LagPolicy::kLatest), spec_, d_);
  EXPECT_EQ(p.target, cut_ + kPeriod);
  p = PlanBatch(Input(std::nullopt, cut_ + 16 * kMicrosPerMinute, LagPolicy::kLatest), spec_, d_);
  EXPECT_EQ(p.target, cut_ + 2 * kPeriod);
}

TEST_F(PlannerTest, EmptyReadyPartitionIsCountedNotWaitedFor) {
  AddPartitions(4);
  d_.partitions.erase(cut_ + kPeriod);  // nothing at all was written there
  Plan p =
      PlanBatch(Input(std::nullopt, cut_ + 30 * kMicrosPerMinute, LagPolicy::kLatest), spec_, d_);
  EXPECT_EQ(p.action, Plan::Action::kPublish);
  EXPECT_GE(p.target, cut_ + 3 * kPeriod);
  EXPECT_GE(p.partitions_empty, 1);
}

TEST_F(PlannerTest, IdleWhenNothingNewAndRepublishWhenLateFilesArrive) {
  AddPartitions(3);
  TimeMicros now = cut_ + 3 * kPeriod;
  Plan first = PlanBatch(Input(std::nullopt, now, LagPolicy::kLatest), spec_, d_);
  PlanInput in = Input(first.target, now, LagPolicy::kLatest);
  in.last_fingerprint = first.fingerprint;
  EXPECT_EQ(PlanBatch(in, spec_, d_).action, Plan::Action::kIdle);
  d_.partitions[cut_ + kPeriod].files.push_back({"late", 5, "fp"});
  Plan late = PlanBatch(in, spec_, d_);
  EXPECT_EQ(late.action, Plan::Action::kPublish);
  EXPECT_FALSE(late.advances);
  EXPECT_EQ(late.target, first.target);  // the watermark does not move
}

TEST_F(PlannerTest, NeverTargetsBeforeTheWatermark) {
  AddPartitions(6);
  Plan p = PlanBatch(Input(cut_ + 5 * kPeriod, cut_ + 3 * kPeriod, LagPolicy::kLatest), spec_, d_);
  EXPECT_TRUE(p.action == Plan::Action::kIdle || p.target >= cut_ + 5 * kPeriod);
}

}  // namespace
}  // namespace freshet
