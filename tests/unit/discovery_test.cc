#include "source/discovery.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/memory_store.h"
#include "storage/object_store_wrapper.h"

namespace freshet {
namespace {

constexpr TimeMicros kTen = 1777888800 * kMicrosPerSecond;  // 2026-05-04T10:00:00Z
constexpr TimeMicros kPeriod = 5 * kMicrosPerMinute;

// Remembers the prefixes listed.
class ListingStore final : public ObjectStoreWrapper {
 public:
  using ObjectStoreWrapper::ObjectStoreWrapper;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    prefixes.emplace_back(prefix);
    return ObjectStoreWrapper::List(prefix);
  }
  std::vector<std::string> prefixes;
};

class DiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.layout = PartitionLayout::Parse("dt={yyyy}-{MM}-{dd}/hour={HH}/minute={mm}").value();
    spec_.period = kPeriod;
    spec_.marker = "_SUCCESS";
    spec_.delay = kMicrosPerMinute;
  }
  void Put(const std::string& key, std::string_view data = "{}") {
    ASSERT_TRUE(memory_->Put(key, data).ok()) << key;
  }
  Discovery Discover(TimeMicros from, TimeMicros to) {
    auto d = DiscoverPartitions(store_, spec_, from, to);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : Discovery{};
  }

  SourceSpec spec_;
  std::unique_ptr<ObjectStore> memory_ = NewMemoryStore();
  ListingStore store_{memory_.get()};
};

TEST_F(DiscoveryTest, ListsOnlyTheHoursOfTheRangeAndThePartitionsInIt) {
  Put("dt=2026-05-04/hour=09/minute=55/a.jsonl");
  Put("dt=2026-05-04/hour=10/minute=00/b.jsonl");
  Put("dt=2026-05-04/hour=10/minute=05/c.jsonl");
  Put("dt=2026-05-04/hour=10/minute=05/_SUCCESS", "");
  Put("dt=2026-05-04/hour=11/minute=00/d.jsonl");
  Put("dt=2026-05-04/hour=12/minute=00/e.jsonl");
  Discovery d = Discover(kTen, kTen + kMicrosPerHour + kPeriod);  // [10:00, 11:05)
  EXPECT_EQ(store_.prefixes,
            (std::vector<std::string>{"dt=2026-05-04/hour=10/", "dt=2026-05-04/hour=11/"}));
  EXPECT_EQ(d.listings, 2);
  ASSERT_EQ(d.partitions.size(), 3u);
  EXPECT_EQ(d.partitions.begin()->first, kTen);
  const PartitionListing& p = d.partitions.at(kTen + kPeriod);
  EXPECT_TRUE(p.has_marker);
  ASSERT_EQ(p.files.size(), 1u);  // the marker is not a data file
  EXPECT_EQ(p.files[0].key, "dt=2026-05-04/hour=10/minute=05/c.jsonl");
  EXPECT_FALSE(d.partitions.at(kTen).has_marker);
  EXPECT_TRUE(d.rejected.empty());
}

TEST_F(DiscoveryTest, RejectsAndReportsPathsItCannotPlace) {
  Put("dt=2026-05-04/hour=10/minute=07/misaligned.jsonl");
  Put("dt=2026-05-04/hour=10/minute=xx/bad.jsonl");
  Put("dt=2026-05-04/hour=10/minute=10/nested/f.jsonl");
  Put("dt=2026-05-04/hour=10/minute=10/ok.jsonl");
  Put("dt=2026-05-04/hour=10/minute=10/part.crc");  // bookkeeping: ignored, not rejected
  Discovery d = Discover(kTen, kTen + kMicrosPerHour);
  ASSERT_EQ(d.rejected.size(), 3u);
  auto rejected = [&](std::string_view what) {
    for (const std::string& r : d.rejected) {
      if (r.find(what) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(rejected("misaligned.jsonl': partition time 2026-05-04T10:07:00Z is not aligned"));
  EXPECT_TRUE(rejected("minute=xx/bad.jsonl"));
  EXPECT_TRUE(rejected("nested folder inside a partition is not read"));
  ASSERT_EQ(d.partitions.at(kTen + 2 * kPeriod).files.size(), 1u);
}

TEST_F(DiscoveryTest, AnEmptyRangeListsNothingAndAStoreErrorPassesThrough) {
  EXPECT_TRUE(Discover(kTen, kTen).partitions.empty());
  EXPECT_TRUE(store_.prefixes.empty());
  class Failing final : public ObjectStoreWrapper {
   public:
    using ObjectStoreWrapper::ObjectStoreWrapper;
    Result<std::vector<ObjectInfo>> List(std::string_view) override {
      return Status::Unavailable("down");
    }
  } failing(memory_.get());
  auto d = DiscoverPartitions(failing, spec_, kTen, kTen + kPeriod);
  EXPECT_EQ(d.status().code(), StatusCode::kUnavailable);
}

TEST_F(DiscoveryTest, ReadyByMarkerOrOncePeriodAndDelayHavePassed) {
  Put("dt=2026-05-04/hour=10/minute=00/a.jsonl");
  Put("dt=2026-05-04/hour=10/minute=05/_SUCCESS", "");
  Discovery d = Discover(kTen, kTen + kMicrosPerHour);
  // 10:00 has no marker: ready at 10:00 + 5 min + 1 min.
  EXPECT_FALSE(IsReady(spec_, d, kTen, kTen + 6 * kMicrosPerMinute - 1));
  EXPECT_TRUE(IsReady(spec_, d, kTen, kTen + 6 * kMicrosPerMinute));
  // 10:05 has its marker: ready at once.
  EXPECT_TRUE(IsReady(spec_, d, kTen + kPeriod, kTen + kPeriod));
  // A partition with no object at all follows the same clock rule.
  EXPECT_TRUE(IsReady(spec_, d, kTen + 2 * kPeriod, kTen + 3 * kPeriod + kMicrosPerMinute));
  // Markers ignored: only the clock.
  spec_.marker.clear();
  EXPECT_FALSE(IsReady(spec_, d, kTen + kPeriod, kTen + kPeriod));
}

TEST_F(DiscoveryTest, WindowFingerprintChangesWhenAFileIsAddedRewrittenOrRemoved) {
  Put("dt=2026-05-04/hour=10/minute=00/a.jsonl", "1");
  auto fingerprint = [&] {
    return WindowFingerprint(Discover(kTen, kTen + kMicrosPerHour), kTen, kTen + kPeriod);
  };
  const std::string one = fingerprint();
  EXPECT_EQ(fingerprint(), one);  // stable
  Put("dt=2026-05-04/hour=10/minute=05/b.jsonl", "2");
  const std::string two = fingerprint();
  EXPECT_NE(two, one);
  Put("dt=2026-05-04/hour=10/minute=05/b.jsonl", "22");
  const std::string rewritten = fingerprint();
  EXPECT_NE(rewritten, two);
  ASSERT_TRUE(memory_->Delete("dt=2026-05-04/hour=10/minute=05/b.jsonl").ok());
  EXPECT_EQ(fingerprint(), one);
  // Partitions outside [from, to] do not count.
  Put("dt=2026-05-04/hour=10/minute=30/c.jsonl", "3");
  EXPECT_EQ(fingerprint(), one);
}

}  // namespace
}  // namespace freshet
