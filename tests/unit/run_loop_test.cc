// The run loop (pipeline/run_loop.h) as an operator relies on it: retries
// of Unavailable at the documented delays, standby until the lease frees, GC
// after commits, a clean stop. Memory stores, a real SQLite metastore, a
// ManualClock: each sleep of the loop jumps the clock to its deadline.
#include "pipeline/run_loop.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "index/index_view.h"
#include "index/manifest.h"
#include "memory_pipeline.h"

namespace freshet {
namespace {

constexpr TimeMicros kStart = kPipelineStart;
constexpr TimeMicros kCadence = 90 * kMicrosPerSecond;
constexpr TimeMicros kRetryDelay = 30 * kMicrosPerSecond;  // min(cadence, lease_ttl / 2)
constexpr TimeMicros kLeaseTtl = 60 * kMicrosPerSecond;

// Records what the loop reports, with the clock's time.
class Recorder final : public RunObserver {
 public:
  explicit Recorder(Clock& clock) : clock_(clock) {}
  void SetLease(std::string state, int64_t) override { Note("lease " + state); }
  void SetWatermark(std::optional<TimeMicros>, int64_t) override {}
  void RecordBatch(const BatchRecord&, bool published) override {
    Note(published ? "published" : "idle");
    if (after_batch) after_batch();
  }
  void RecordFailure(const Status& status) override {
    Note("failed " + std::string(StatusCodeName(status.code())));
    if (after_batch) after_batch();
  }
  struct Event {
    TimeMicros at;  // seconds after kStart
    std::string what;
    bool operator==(const Event&) const = default;
  };
  std::vector<Event> events;
  std::function<void()> after_batch;

 private:
  void Note(std::string what) {
    events.push_back({(clock_.Now() - kStart) / kMicrosPerSecond, std::move(what)});
  }
  Clock& clock_;
};

std::ostream& operator<<(std::ostream& os, const Recorder::Event& e) {
  return os << e.at << "s " << e.what;
}

class RunLoopTest : public MemoryPipelineTest {
 protected:
  Status Run(const RunLoopOptions& options) {
    return RunPipeline(
        config_, options, [&] { return OpenRunner(); }, clock_, stop_, &recorder_);
  }

  // Seconds after kStart.
  TimeMicros Elapsed() { return (clock_.Now() - kStart) / kMicrosPerSecond; }

  std::atomic<bool> stop_{false};
  Recorder recorder_{clock_};
};

TEST_F(RunLoopTest, OpeningRetriesUnavailableEveryRetryDelay) {
  int opens = 0;
  RunLoopOptions options;
  options.max_batches = 1;
  const TimeMicros t0 = Elapsed();
  Status st = RunPipeline(
      config_, options,
      [&]() -> Result<std::unique_ptr<BatchRunner>> {
        if (++opens <= 3) return Status::Unavailable("metastore: connection refused");
        return OpenRunner();
      },
      clock_, stop_, &recorder_);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(opens, 4);
  const TimeMicros opened = t0 + 3 * kRetryDelay / kMicrosPerSecond;
  EXPECT_EQ(recorder_.events,
            (std::vector<Recorder::Event>{
                {opened, "lease held"}, {opened, "published"}, {opened, "lease released"}}));
}

TEST_F(RunLoopTest, UnavailableBatchIsRetriedAtTheNextCadenceAndPublishes) {
  source_wrapper_.failing_lists = 2;
  RunLoopOptions options;
  options.max_batches = 1;
  const TimeMicros t0 = Elapsed(), cadence = kCadence / kMicrosPerSecond;
  ASSERT_TRUE(Run(options).ok());
  EXPECT_EQ(recorder_.events, (std::vector<Recorder::Event>{{t0, "lease held"},
                                                            {t0, "failed Unavailable"},
                                                            {t0 + cadence, "failed Unavailable"},
                                                            {t0 + 2 * cadence, "published"},
                                                            {t0 + 2 * cadence, "lease released"}}));
  auto state = metastore_->GetState("ads");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->watermark, kStart + 5 * kMicrosPerMinute);
}

TEST_F(RunLoopTest, OnceEndsOnUnavailableWithTheError) {
  source_wrapper_.failing_lists = 1;
  RunLoopOptions options;
  options.once = true;
  Status st = Run(options);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("connection refused"), std::string::npos) << st.ToString();
  ASSERT_EQ(recorder_.events.size(), 3u);
  EXPECT_EQ(recorder_.events[1].what, "failed Unavailable");
  EXPECT_EQ(recorder_.events[2].what, "lease released");
}

TEST_F(RunLoopTest, StandbyUntilTheHoldersLeaseExpires) {
  // Another host's runner holds the lease until t0 + 60 s.
  const TimeMicros t0 = Elapsed();
  ASSERT_TRUE(metastore_->AcquireLease("ads", "other-host:1", clock_.Now(), kLeaseTtl).ok());
  RunLoopOptions options;
  options.max_batches = 1;
  ASSERT_TRUE(Run(options).ok());
  // Tried at t0, t0 + 30 s (still held), t0 + 60 s (expired: taken).
  const TimeMicros taken = t0 + kLeaseTtl / kMicrosPerSecond;
  EXPECT_EQ(recorder_.events,
            (std::vector<Recorder::Event>{
                {taken, "lease held"}, {taken, "published"}, {taken, "lease released"}}));
}

TEST_F(RunLoopTest, WithoutWaitingAHeldLeaseEndsTheLoopAtOnce) {
  ASSERT_TRUE(metastore_->AcquireLease("ads", "other-host:1", clock_.Now(), kLeaseTtl).ok());
  RunLoopOptions options;
  options.wait_for_lease = false;
  const TimeMicros t0 = Elapsed();
  Status st = Run(options);
  EXPECT_TRUE(st.IsLeaseHeld()) << st.ToString();
  EXPECT_NE(st.message().find("other-host:1"), std::string::npos) << st.ToString();
  EXPECT_EQ(Elapsed(), t0);
  EXPECT_TRUE(recorder_.events.empty());
}

TEST_F(RunLoopTest, GarbageIsCollectedAfterEachCommit) {
  for (int n = 2; n <= 4; ++n) AddPartition(n);
  RunLoopOptions options;
  options.max_batches = 3;
  ASSERT_TRUE(Run(options).ok());
  // The base's manifest and the first delta's stopped being served more
  // than the retention (1 min) before the last commits.
  EXPECT_GE(output_wrapper_.deletes, 2);
  auto current = output_->Get("CURRENT");
  ASSERT_TRUE(current.ok());
  EXPECT_TRUE(output_->Head(current->substr(0, current->size() - 1)).ok()) << *current;
}

TEST_F(RunLoopTest, NoGarbageIsCollectedWhenTurnedOff) {
  for (int n = 2; n <= 4; ++n) AddPartition(n);
  RunLoopOptions options;
  options.max_batches = 3;
  options.collect_garbage = false;
  ASSERT_TRUE(Run(options).ok());
  EXPECT_EQ(output_wrapper_.deletes, 0);
}

TEST_F(RunLoopTest, RebuildFoldsTheLayersAtTheFirstBatchOnly) {
  auto layers = [&] {
    const std::string key = metastore_->GetState("ads")->manifest_key;
    auto m = ParseManifest(key, *output_->Get(key));
    return m.ok() ? m->DeltaLayers() : 0u;
  };
  RunLoopOptions once;
  once.once = true;
  ASSERT_TRUE(Run(once).ok());
  for (int n = 2; n <= 3; ++n) {
    AddPartition(n);
    clock_.Advance(5 * kMicrosPerMinute);
    ASSERT_TRUE(Run(once).ok());  // a new runner adds a layer
  }
  ASSERT_EQ(layers(), 3u);
  AddPartition(4);
  clock_.Advance(5 * kMicrosPerMinute);
  RunLoopOptions rebuild;
  rebuild.rebuild = true;
  rebuild.max_batches = 2;
  bool first = true;
  recorder_.after_batch = [&] {
    if (first) AddPartition(5);
    first = false;
    clock_.Advance(5 * kMicrosPerMinute);
  };
  ASSERT_TRUE(Run(rebuild).ok());
  EXPECT_EQ(layers(), 2u);  // partition 4 rebuilt into one layer, 5 added a layer
}

// pipeline.compact_after: `run` compacts after the commit that finds the
// delta due, into a base cut at the end of the delta's newest partition.
class CompactAfterTest : public RunLoopTest {
 protected:
  Manifest Committed() {
    const std::string key = metastore_->GetState("ads")->manifest_key;
    auto m = ParseManifest(key, *output_->Get(key));
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : Manifest();
  }
  CompactAfterTest() { once_.once = true; }
  RunLoopOptions once_;
};

TEST_F(CompactAfterTest, ADurationCompactsOnceTheDeltaSpansThatLong) {
  config_.compact_after_age = 30 * kMicrosPerMinute;  // the base is cut at 10:00
  ASSERT_TRUE(Run(once_).ok());                       // 10:12: partition 1, to 10:10
  EXPECT_TRUE(Committed().has_delta);
  for (int n = 2; n <= 5; ++n) AddPartition(n);
  clock_.Advance(20 * kMicrosPerMinute);  // 10:32: partitions 2 to 5 too, to 10:30
  ASSERT_TRUE(Run(once_).ok());
  const Manifest m = Committed();
  EXPECT_FALSE(m.has_delta);
  EXPECT_EQ(m.base_cut, PartitionStart(6));
  EXPECT_EQ(metastore_->GetState("ads")->watermark, PartitionStart(5));
  auto view = IndexView::OpenCurrent(*output_, nullptr);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ((*view)->LiveDocs(), 7u);  // ads 1 and 2, 101 to 105
  // The next partition is a delta over the new base.
  AddPartition(6);
  clock_.Advance(5 * kMicrosPerMinute);
  ASSERT_TRUE(Run(once_).ok());
  EXPECT_TRUE(Committed().has_delta);
  EXPECT_EQ(Committed().window_start, PartitionStart(6));
}

// The span is data time: a runner catching up a backlog does not compact
// at every batch.
TEST_F(CompactAfterTest, ADurationIsNotTheWallClock) {
  config_.compact_after_age = 30 * kMicrosPerMinute;
  config_.lag_policy = LagPolicy::kSequential;
  clock_.Advance(3 * kMicrosPerHour);
  ASSERT_TRUE(Run(once_).ok());  // partition 1 of a 3-hour backlog
  EXPECT_TRUE(Committed().has_delta);
}

TEST_F(CompactAfterTest, AFractionCompactsOnceTheDeltaIsThatLarge) {
  config_.compact_after_ratio = 100;  // never here: the delta is smaller than the base
  ASSERT_TRUE(Run(once_).ok());
  EXPECT_TRUE(Committed().has_delta);
  config_.compact_after_ratio = 0.01;
  AddPartition(2);
  clock_.Advance(5 * kMicrosPerMinute);
  ASSERT_TRUE(Run(once_).ok());
  EXPECT_FALSE(Committed().has_delta);
  EXPECT_EQ(Committed().base_cut, PartitionStart(3));
}

// The policy is checked after every commit from the committed manifest
// alone: a delta that is not due has none of its segments read for it (each
// is read once, by the open that keeps its supersessions before the
// commit, and kept in the runner's cache).
TEST_F(CompactAfterTest, ADeltaNotDueIsDecidedWithoutReadingItsSegments) {
  config_.compact_after_ratio = 100;
  config_.compact_after_age = kMicrosPerHour;
  ASSERT_TRUE(Run(once_).ok());
  const Manifest m = Committed();
  ASSERT_TRUE(m.has_delta);
  ASSERT_FALSE(m.delta.empty());
  const std::vector<std::string> gets = output_wrapper_.gets();
  for (const SegmentRef& segment : m.delta) {
    EXPECT_EQ(std::count(gets.begin(), gets.end(), segment.key), 1) << segment.key;
  }
  // The same delta, due, is compacted (its segments read then).
  config_.compact_after_ratio = 0.01;
  AddPartition(2);
  clock_.Advance(5 * kMicrosPerMinute);
  ASSERT_TRUE(Run(once_).ok());
  EXPECT_FALSE(Committed().has_delta);
  EXPECT_EQ(Committed().base_cut, PartitionStart(3));
}

TEST_F(RunLoopTest, StopEndsTheLoopAndReleasesTheLease) {
  recorder_.after_batch = [&] { stop_ = true; };
  ASSERT_TRUE(Run(RunLoopOptions{}).ok());
  ASSERT_EQ(recorder_.events.size(), 3u);
  EXPECT_EQ(recorder_.events[1].what, "published");
  EXPECT_EQ(recorder_.events[2].what, "lease released");
  // Another runner takes the lease at once.
  auto other = OpenRunner("runner-b");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE((*other)->Start().ok());
}

TEST_F(RunLoopTest, StopDuringStandbyEndsTheLoopWithoutTheLease) {
  ASSERT_TRUE(metastore_->AcquireLease("ads", "other-host:1", clock_.Now(), kLeaseTtl).ok());
  stop_ = true;  // as a signal during the first wait
  ASSERT_TRUE(Run(RunLoopOptions{}).ok());
  EXPECT_TRUE(recorder_.events.empty());
  EXPECT_EQ(metastore_->GetState("ads")->lease_holder, "other-host:1");
}

}  // namespace
}  // namespace freshet
