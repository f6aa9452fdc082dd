// BatchRunner::PublishBase: a base made of segments that other processes
// built and wrote, published with build-full's checks and commit.
#include <gtest/gtest.h>

#include "memory_pipeline.h"
#include "pipeline/group_build.h"
#include "pipeline/segment_object.h"

namespace freshet {
namespace {

class PublishBaseTest : public MemoryPipelineTest {
 protected:
  // Builds the one shard of `jsonl`'s ads as a process of its own would, and
  // writes it to the output unless `write` is false.
  SegmentRef BuildElsewhere(const std::string& jsonl, bool write = true) {
    EXPECT_TRUE(snapshot_->Put("elsewhere/ads.jsonl", jsonl).ok());
    auto file = ReadKeyedFile(*snapshot_, ObjectInfo{"elsewhere/ads.jsonl", jsonl.size(), ""}, 0,
                              FileFormat::kJsonLines, RecordSchema::ForDocs(config_),
                              BadRecordPolicy::kSkip);
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    auto parsed = std::make_shared<const ParsedFile>(std::move(*file));
    BuildStats stats;
    auto segments = BuildBase(config_, ReduceNewest({parsed}), {}, 1, &stats, 0);
    EXPECT_TRUE(segments.ok()) << segments.status().ToString();
    SegmentObject object = EncodeSegment((*segments)[0], kSegmentFormatVersion);
    if (write) {
      EXPECT_TRUE(PutContentAddressed(*output_, object.ref.key, object.bytes).ok());
    }
    return object.ref;
  }

  int64_t CommittedVersion() {
    auto state = metastore_->GetState(config_.name);
    EXPECT_TRUE(state.ok());
    return state->manifest_version;
  }

  BaseInputs ThreeGoodAds() {
    BaseInputs inputs;
    inputs.docs = {3, 1};
    inputs.quarantine = {"task-0:4: missing or empty key column 'ad_id'"};
    inputs.files_read = 1;
    return inputs;
  }
};

TEST_F(PublishBaseTest, PublishesAndCommitsSegmentsWrittenElsewhere) {
  SegmentRef ref = BuildElsewhere(Ad(1, "red shoes", 2) + Ad(3, "pink scarf", 2) +
                                  Ad(4, "grey coat", 2) + "{\"title\":\"no id\"}\n");
  auto runner = OpenRunner();
  ASSERT_TRUE(runner.ok());
  ASSERT_TRUE((*runner)->Start().ok());
  auto out = (*runner)->PublishBase(PartitionStart(1), {ref}, ThreeGoodAds());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->record.manifest_version, 2);
  EXPECT_EQ(CommittedVersion(), 2);
  auto view = IndexView::OpenCurrent(*output_, nullptr);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ((*view)->manifest().base, std::vector<SegmentRef>{ref});
  EXPECT_EQ((*view)->manifest().base_cut, PartitionStart(1));
  EXPECT_EQ((*view)->LiveDocs(), 3u);
  auto batches = metastore_->RecentBatches(config_.name, 1);
  ASSERT_TRUE(batches.ok());
  EXPECT_EQ((*batches)[0].kind, "base");
  EXPECT_EQ((*batches)[0].records, 3);
  EXPECT_EQ((*batches)[0].bad_records, 1);
  EXPECT_EQ((*batches)[0].quarantine, ThreeGoodAds().quarantine);
  EXPECT_EQ((*batches)[0].docs, 3);
}

// A base cut at 10:00 under a delta to 10:05 with ad-101 (item-101); the
// base holds an older ad-101 and a sibling in item-101 that the window never
// named. The delta is kept: it is as new as the cut.
class KeptDeltaTest : public PublishBaseTest, public ::testing::WithParamInterface<int> {};

TEST_P(KeptDeltaTest, KeepsADeltaAsNewAsTheCutOverWhatItHolds) {
  config_.segment_format = GetParam();
  auto runner = OpenRunner();
  ASSERT_TRUE(runner.ok());
  ASSERT_TRUE((*runner)->Start().ok());
  auto batch = (*runner)->RunBatch();
  ASSERT_TRUE(batch.ok() && batch->published) << batch.status().ToString();
  SegmentRef ref =
      BuildElsewhere(Ad(1, "red shoes", 2) + Ad(101, "old boots", 1) +
                     R"({"ad_id":"ad-102","item_id":"item-101","title":"x","updated_at":1})"
                     "\n");
  auto out = (*runner)->PublishBase(kPipelineStart, {ref}, ThreeGoodAds());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto view = IndexView::OpenCurrent(*output_, nullptr);
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE((*view)->manifest().has_delta);
  EXPECT_EQ((*view)->manifest().target, PartitionStart(1));
  auto ad101 = (*view)->GetDoc("ad-101");
  ASSERT_TRUE(ad101.ok());
  EXPECT_NE(ad101->version, 1);  // the delta's copy
  if (GetParam() == 4) {
    // Format 4: item-101 from the delta, which supersedes its base copy whole.
    EXPECT_EQ((*view)->LiveDocs(), 2u);
    EXPECT_FALSE((*view)->GetDoc("ad-102").ok());
  } else {
    // Format 5: the delta supersedes ad-101 alone; ad-102 stays served.
    EXPECT_EQ((*view)->LiveDocs(), 3u);
    EXPECT_TRUE((*view)->GetDoc("ad-102").ok());
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, KeptDeltaTest, ::testing::Values(4, 5));

TEST_F(PublishBaseTest, ASegmentNotInTheOutputPublishesNothing) {
  SegmentRef ref = BuildElsewhere(Ad(1, "red shoes", 2), /*write=*/false);
  auto runner = OpenRunner();
  ASSERT_TRUE(runner.ok());
  ASSERT_TRUE((*runner)->Start().ok());
  auto out = (*runner)->PublishBase(PartitionStart(1), {ref}, ThreeGoodAds());
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsNotFound()) << out.status().ToString();
  EXPECT_NE(out.status().message().find("base segment '" + ref.key + "' is not in"),
            std::string::npos)
      << out.status().message();
  EXPECT_EQ(CommittedVersion(), 1);
}

TEST_F(PublishBaseTest, ABaseOfBadRecordsOnlyIsRefused) {
  SegmentRef ref = BuildElsewhere("{\"title\":\"no id\"}\n");
  auto runner = OpenRunner();
  ASSERT_TRUE(runner.ok());
  ASSERT_TRUE((*runner)->Start().ok());
  BaseInputs inputs;
  inputs.docs = {0, 1};
  auto out = (*runner)->PublishBase(PartitionStart(1), {ref}, inputs);
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsCollapseRefused()) << out.status().ToString();
  EXPECT_EQ(CommittedVersion(), 1);
}

TEST_F(PublishBaseTest, AStaleRunnerIsFenced) {
  SegmentRef ref = BuildElsewhere(Ad(1, "red shoes", 2));
  auto a = OpenRunner("driver-a");
  auto b = OpenRunner("driver-b");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Start().ok());
  clock_.Advance(config_.lease_ttl + kMicrosPerSecond);  // driver-a stalls past its lease
  ASSERT_TRUE((*b)->Start().ok());
  auto out = (*a)->PublishBase(PartitionStart(1), {ref}, ThreeGoodAds());
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsFenced()) << out.status().ToString();
  EXPECT_EQ(CommittedVersion(), 1);
  EXPECT_TRUE((*b)->PublishBase(PartitionStart(1), {ref}, ThreeGoodAds()).ok());
  EXPECT_EQ(CommittedVersion(), 2);
}

}  // namespace
}  // namespace freshet
