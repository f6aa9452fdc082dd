// Compaction shard by shard (pipeline/compaction.h) and its publication
// (BatchRunner::PublishCompaction): each shard's segment is the one Compact
// writes for it, from the segments holding the shard's groups alone.
#include <gtest/gtest.h>

#include "memory_pipeline.h"
#include "pipeline/compaction.h"

namespace freshet {
namespace {

class CompactShardTest : public MemoryPipelineTest {
 protected:
  static constexpr int kShards = 3;

  std::string ConfigText() const override {
    std::string text = kConfig;
    text.replace(text.find("shards = 1"), 10, "shards = 3");
    const std::string version = "version = \"updated_at\"";
    text.replace(text.find(version), version.size(), version + "\nop = \"op\"");
    return text;
  }

  static std::string AdOf(int id, int item, std::string_view title, int version) {
    return fmt::format(R"({{"ad_id":"ad-{}","item_id":"item-{}","title":"{}","updated_at":{}}})",
                       id, item, title, version) +
           "\n";
  }

  // A base of 40 ads in 20 items, then a delta: ads updated, deleted and
  // moved to another item (whose shard may differ).
  void SetUp() override {
    MemoryPipelineTest::SetUp();
    if (HasFatalFailure()) return;
    std::string ads;
    for (int i = 0; i < 40; ++i) ads += AdOf(i, i % 20, "red shoes", 1);
    ASSERT_TRUE(snapshot_->Put("ads/part-0.jsonl", ads).ok());
    std::string changes;
    for (int i = 0; i < 40; i += 5) changes += AdOf(i, i % 20, "blue boots", 3);
    for (int i = 1; i < 40; i += 7) changes += AdOf(i, (i + 7) % 20, "moved hat", 3);
    changes += R"({"ad_id":"ad-3","item_id":"item-3","updated_at":3,"op":"delete"})"
               "\n";
    const std::string folder = PartitionFolder(1);
    ASSERT_TRUE(source_->Put(folder + "/part-0.jsonl", changes).ok());
    auto runner = OpenRunner();
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    runner_ = std::move(*runner);
    ASSERT_TRUE(runner_->Start().ok());
    auto base = runner_->BuildFull(std::nullopt);
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    auto batch = runner_->RunBatch();
    ASSERT_TRUE(batch.ok() && batch->published) << batch.status().ToString();
    auto state = metastore_->GetState(config_.name);
    ASSERT_TRUE(state.ok());
    committed_ = state->manifest_key;
    auto manifest = IndexView::ReadManifest(*output_, committed_);
    ASSERT_TRUE(manifest.ok() && manifest->has_delta);
    segments_ = GenerationSegments(*manifest).size();
  }

  // Each shard compacted from the segments holding its groups.
  std::vector<ShardCompaction> CompactEachShard() {
    std::vector<std::vector<size_t>> by_shard(kShards);
    for (size_t i = 0; i < segments_; ++i) {
      auto shards = SegmentShards(*output_, committed_, i, kShards);
      EXPECT_TRUE(shards.ok()) << shards.status().ToString();
      for (int s : *shards) by_shard[static_cast<size_t>(s)].push_back(i);
    }
    std::vector<ShardCompaction> out;
    for (int shard = 0; shard < kShards; ++shard) {
      auto compacted =
          CompactShard(config_, *output_, committed_, by_shard[static_cast<size_t>(shard)], shard);
      EXPECT_TRUE(compacted.ok()) << compacted.status().ToString();
      out.push_back(*compacted);
    }
    return out;
  }

  std::unique_ptr<BatchRunner> runner_;
  std::string committed_;
  size_t segments_ = 0;
};

TEST_F(CompactShardTest, EachShardIsTheSegmentCompactWritesForIt) {
  std::vector<ShardCompaction> shards = CompactEachShard();
  auto view = IndexView::OpenManifest(*output_, committed_, nullptr);
  ASSERT_TRUE(view.ok());
  const uint64_t live = (*view)->LiveDocs();
  auto compacted = runner_->Compact();
  ASSERT_TRUE(compacted.ok() && compacted->published) << compacted.status().ToString();
  auto after = IndexView::OpenCurrent(*output_, nullptr);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ((*after)->manifest().base.size(), static_cast<size_t>(kShards));
  uint64_t docs = 0;
  for (int s = 0; s < kShards; ++s) {
    EXPECT_EQ(shards[s].ref, (*after)->manifest().base[s]) << "shard " << s;
    docs += static_cast<uint64_t>(shards[s].stats.docs);
  }
  EXPECT_EQ(docs, live);
  EXPECT_EQ((*after)->LiveDocs(), live);
}

TEST_F(CompactShardTest, PublishCompactionCommitsABaseWithoutDeltaAtTheDeltasEnd) {
  std::vector<ShardCompaction> shards = CompactEachShard();
  std::vector<SegmentRef> refs;
  for (const ShardCompaction& s : shards) refs.push_back(s.ref);
  auto before = IndexView::OpenManifest(*output_, committed_, nullptr);
  ASSERT_TRUE(before.ok());
  auto out = runner_->PublishCompaction(committed_, refs, MergeStats{});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto view = IndexView::OpenCurrent(*output_, nullptr);
  ASSERT_TRUE(view.ok());
  EXPECT_FALSE((*view)->manifest().has_delta);
  EXPECT_EQ((*view)->manifest().base, refs);
  EXPECT_EQ((*view)->manifest().base_cut, (*before)->manifest().target + 5 * kMicrosPerMinute);
  EXPECT_EQ((*view)->LiveDocs(), (*before)->LiveDocs());
  EXPECT_TRUE((*view)->GetDoc("ad-8").ok());
  EXPECT_FALSE((*view)->GetDoc("ad-3").ok());
  auto batches = metastore_->RecentBatches(config_.name, 1);
  ASSERT_TRUE(batches.ok());
  EXPECT_EQ((*batches)[0].kind, "compact");
  auto state = metastore_->GetState(config_.name);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->watermark, (*before)->manifest().target);
}

TEST_F(CompactShardTest, AMissingShardSegmentPublishesNothing) {
  std::vector<ShardCompaction> shards = CompactEachShard();
  std::vector<SegmentRef> refs;
  for (const ShardCompaction& s : shards) refs.push_back(s.ref);
  refs[1].key = "segments/0000000000000000000000000000000f.seg";
  auto out = runner_->PublishCompaction(committed_, refs, MergeStats{});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsNotFound()) << out.status().ToString();
  EXPECT_NE(out.status().message().find("base segment '" + refs[1].key + "' is not in"),
            std::string::npos)
      << out.status().message();
  auto state = metastore_->GetState(config_.name);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->manifest_key, committed_);
}

}  // namespace
}  // namespace freshet
