// A test fixture: one small pipeline over memory stores (source, output and
// snapshot, the first two behind a FaultyStore that can fail listings and
// counts deletes; the group stream's when a fixture's config adds one), a
// real SQLite metastore in a temporary folder and a ManualClock.
// SetUp publishes a base of two ads cut at 10:00 and partition 1 (10:05,
// one new ad); the clock starts at 10:12, when partition 1 is due.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "index/manifest.h"
#include "metastore/metastore.h"
#include "pipeline/batch_runner.h"
#include "pipeline/config.h"
#include "storage/memory_store.h"
#include "storage/object_store_wrapper.h"
#include "temp_folder.h"

namespace freshet {

inline constexpr TimeMicros kPipelineStart = 1777888800 * kMicrosPerSecond;  // 2026-05-04T10:00Z

// Fails the next `failing_lists` listings with Unavailable; can damage the
// whole reads of new segments; counts deletes; records the keys read whole
// (runners read files from several threads).
class FaultyStore final : public ObjectStoreWrapper {
 public:
  using ObjectStoreWrapper::ObjectStoreWrapper;
  Result<std::string> Get(std::string_view key) override {
    {
      std::lock_guard<std::mutex> lock(gets_mu_);
      gets_.emplace_back(key);
    }
    auto bytes = ObjectStoreWrapper::Get(key);
    if (bytes.ok() && !bytes->empty() && key.starts_with(kSegmentsPrefix) &&
        damaging_reads_of_segments_but) {
      std::lock_guard<std::mutex> lock(gets_mu_);
      if (!damaging_reads_of_segments_but->count(std::string(key))) {
        (*bytes)[bytes->size() / 2] ^= 1;
        ++damaged_reads;
      }
    }
    return bytes;
  }
  // The keys read whole so far, in order.
  std::vector<std::string> gets() const {
    std::lock_guard<std::mutex> lock(gets_mu_);
    return gets_;
  }
  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    {
      std::lock_guard<std::mutex> lock(gets_mu_);
      puts_if_absent_.emplace_back(key);
    }
    return ObjectStoreWrapper::PutIfAbsent(key, data);
  }
  // The keys written create-if-absent so far, in order.
  std::vector<std::string> puts_if_absent() const {
    std::lock_guard<std::mutex> lock(gets_mu_);
    return puts_if_absent_;
  }
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    if (failing_lists > 0) {
      --failing_lists;
      return Status::Unavailable(fmt::format("{}: connection refused", Describe()));
    }
    return ObjectStoreWrapper::List(prefix);
  }
  Status Delete(std::string_view key) override {
    ++deletes;
    return ObjectStoreWrapper::Delete(key);
  }
  int failing_lists = 0;
  int deletes = 0;
  // When set, whole reads of any segment but these return it with a flipped
  // byte (set and reset between batches, not while one runs).
  std::optional<std::set<std::string>> damaging_reads_of_segments_but;
  int damaged_reads = 0;

 private:
  mutable std::mutex gets_mu_;
  std::vector<std::string> gets_;
  std::vector<std::string> puts_if_absent_;
};

class MemoryPipelineTest : public ::testing::Test {
 protected:
  // cadence 90 s, lease 60 s, retention 1 min, one shard; docs: ad_id,
  // item_id (group), title (text, stored), updated_at (version).
  static constexpr const char* kConfig = R"(
[pipeline]
name = "ads"
output = "out"
cadence = "90s"
lease_ttl = "60s"
retention = "1m"
shards = 1

[source]
url = "data"
period = "5m"

[readiness]
marker = "_SUCCESS"
delay = "1m"

[columns]
doc_id = "ad_id"
group_key = "item_id"
version = "updated_at"
text = ["title"]
stored = ["title"]

[base]
snapshot = "snapshot"
docs = "ads"
)";

  // The pipeline's TOML; a fixture may extend kConfig (a group stream lives
  // in group_source_).
  virtual std::string ConfigText() const { return kConfig; }

  void SetUp() override {
    auto config = ParsePipelineConfig(ConfigText(), "test.toml", folder_.path().string());
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    config_ = *config;
    auto metastore = Metastore::Open("sqlite:" + (folder_.path() / "meta.db").string());
    ASSERT_TRUE(metastore.ok()) << metastore.status().ToString();
    metastore_ = std::move(*metastore);
    ASSERT_TRUE(snapshot_->Put("CUT", "2026-05-04T10:00:00Z").ok());
    ASSERT_TRUE(
        snapshot_->Put("ads/part-0.jsonl", Ad(1, "red shoes", 1) + Ad(2, "blue hat", 1)).ok());
    AddPartition(1);
    auto runner = OpenRunner();
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    ASSERT_TRUE((*runner)->Start().ok());
    auto base = (*runner)->BuildFull(std::nullopt);
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    ASSERT_TRUE((*runner)->Stop().ok());
  }

  static std::string Ad(int id, std::string_view title, int version) {
    return fmt::format(R"({{"ad_id":"ad-{}","item_id":"item-{}","title":"{}","updated_at":{}}})",
                       id, id, title, version) +
           "\n";
  }

  static TimeMicros PartitionStart(int n) { return kPipelineStart + n * 5 * kMicrosPerMinute; }

  // The folder of partition `n`: "dt=2026-05-04/hour=10/minute=05" for 1.
  static std::string PartitionFolder(int n) {
    std::string ts = FormatTimestamp(PartitionStart(n));  // 2026-05-04T10:05:00Z
    return fmt::format("dt={}/hour={}/minute={}", ts.substr(0, 10), ts.substr(11, 2),
                       ts.substr(14, 2));
  }

  // Partition `n` (10:00 + 5n minutes) with ad 100 + n, and its marker.
  void AddPartition(int n) {
    const std::string folder = PartitionFolder(n);
    ASSERT_TRUE(source_->Put(folder + "/part-0.jsonl", Ad(100 + n, "green boots", 2)).ok());
    ASSERT_TRUE(source_->Put(folder + "/_SUCCESS", "").ok());
  }

  Result<std::unique_ptr<BatchRunner>> OpenRunner(std::string holder = "runner-a") {
    BatchRunnerOptions o;
    o.source = &source_wrapper_;
    if (config_.has_group) o.group_source = group_source_.get();
    o.output = &output_wrapper_;
    o.snapshot = snapshot_.get();
    o.metastore = metastore_.get();
    o.clock = &clock_;
    o.holder = std::move(holder);
    return BatchRunner::Open(config_, std::move(o));
  }

  TempFolder folder_;  // the metastore's
  PipelineConfig config_;
  ManualClock clock_{kPipelineStart + 12 * kMicrosPerMinute};
  std::unique_ptr<ObjectStore> source_ = NewMemoryStore("data");
  std::unique_ptr<ObjectStore> group_source_ = NewMemoryStore("items");
  std::unique_ptr<ObjectStore> output_ = NewMemoryStore("out");
  std::unique_ptr<ObjectStore> snapshot_ = NewMemoryStore("snapshot");
  FaultyStore source_wrapper_{source_.get()};
  FaultyStore output_wrapper_{output_.get()};
  std::unique_ptr<Metastore> metastore_;
};

}  // namespace freshet
