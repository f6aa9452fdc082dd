// BatchRunner over injected parts (memory stores, SQLite, a ManualClock):
// what a batch publishes, when it publishes nothing, and how it fails.
#include "pipeline/batch_runner.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "index/index_view.h"
#include "index/query.h"
#include "memory_pipeline.h"

namespace freshet {
namespace {

class BatchRunnerTest : public MemoryPipelineTest {
 protected:
  // The keys of the segments the output holds.
  std::set<std::string> SegmentKeys() {
    auto listed = output_->List(kSegmentsPrefix);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::set<std::string> keys;
    if (listed.ok()) {
      for (const ObjectInfo& o : *listed) keys.insert(o.key);
    }
    return keys;
  }

  // A batch of `r` whose whole reads of every segment the output does not
  // hold yet come back damaged.
  Result<BatchOutcome> RunBatchReadingNewSegmentsDamaged(BatchRunner& r) {
    output_wrapper_.damaging_reads_of_segments_but = SegmentKeys();
    auto outcome = r.RunBatch();
    output_wrapper_.damaging_reads_of_segments_but.reset();
    return outcome;
  }

  // The doc ids a query over the output's CURRENT generation returns.
  std::vector<std::string> Search(std::string_view query) {
    auto view = IndexView::OpenCurrent(*output_, nullptr);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    if (!view.ok()) return {};
    auto parsed = ParseQuery(query);
    EXPECT_TRUE(parsed.ok());
    auto results =
        (*view)->Search(**parsed, SearchOptions{100, 0, SortOrder{SortOrder::Kind::kDocId}});
    EXPECT_TRUE(results.ok());
    std::vector<std::string> ids;
    for (const DocOut& d : results->docs) ids.push_back(d.id);
    return ids;
  }
};

TEST_F(BatchRunnerTest, OpenRefusesMissingParts) {
  BatchRunnerOptions o;
  o.source = source_.get();
  o.metastore = metastore_.get();
  o.clock = &clock_;
  auto r = BatchRunner::Open(config_, o);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "pipeline 'ads': the runner has no output store");
}

TEST_F(BatchRunnerTest, BaseServesTheSnapshotAndABatchPublishesTheReadyPartition) {
  EXPECT_EQ(Search("*"), (std::vector<std::string>{"ad-1", "ad-2"}));
  auto r = OpenRunner();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Start().ok());
  auto outcome = (*r)->RunBatch();
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->published);
  EXPECT_EQ(outcome->record.kind, "delta");
  EXPECT_EQ(outcome->record.target_partition, PartitionStart(1));
  EXPECT_EQ(metastore_->GetState("ads")->watermark, PartitionStart(1));
  EXPECT_EQ(Search("*"), (std::vector<std::string>{"ad-1", "ad-101", "ad-2"}));
  EXPECT_EQ(Search("boots"), (std::vector<std::string>{"ad-101"}));
}

TEST_F(BatchRunnerTest, NothingNewPublishesNothing) {
  auto r = OpenRunner();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Start().ok());
  ASSERT_TRUE((*r)->RunBatch().ok());
  const int64_t version = metastore_->GetState("ads")->manifest_version;
  clock_.Advance(kMicrosPerMinute);  // partition 2 is not due before 10:16
  auto idle = (*r)->RunBatch();
  ASSERT_TRUE(idle.ok()) << idle.status().ToString();
  EXPECT_FALSE(idle->published);
  EXPECT_EQ(metastore_->GetState("ads")->manifest_version, version);
}

TEST_F(BatchRunnerTest, UnavailableSourceFailsTheBatchAndTheNextOneSucceeds) {
  auto r = OpenRunner();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Start().ok());
  source_wrapper_.failing_lists = 1;
  auto failed = (*r)->RunBatch();
  ASSERT_EQ(failed.status().code(), StatusCode::kUnavailable) << failed.status().ToString();
  EXPECT_NE(failed.status().message().find("memory://data"), std::string::npos);
  EXPECT_FALSE(metastore_->GetState("ads")->watermark.has_value());
  auto retried = (*r)->RunBatch();
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_TRUE(retried->published);
}

// The open before the commit is the new generation's first read: a segment
// that does not read back as written fails the batch, names the manifest,
// and nothing is committed; the next batch publishes.
TEST_F(BatchRunnerTest, AGenerationThatDoesNotReadBackIsNotCommitted) {
  auto r = OpenRunner();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Start().ok());
  auto failed = RunBatchReadingNewSegmentsDamaged(**r);
  ASSERT_EQ(failed.status().code(), StatusCode::kCorruption) << failed.status().ToString();
  EXPECT_NE(failed.status().message().find("not committed"), std::string::npos)
      << failed.status().ToString();
  EXPECT_GT(output_wrapper_.damaged_reads, 0);
  EXPECT_FALSE(metastore_->GetState("ads")->watermark.has_value());
  EXPECT_EQ(Search("*"), (std::vector<std::string>{"ad-1", "ad-2"}));
  auto retried = (*r)->RunBatch();
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_TRUE(retried->published);
  EXPECT_EQ(Search("*"), (std::vector<std::string>{"ad-1", "ad-101", "ad-2"}));
}

// A segment damaged in the store after a batch wrote it (here: one that
// failed before its commit) is written again by the batch that makes it
// anew, not taken for the same bytes because it has their name and size.
TEST_F(BatchRunnerTest, ASegmentDamagedInTheStoreIsWrittenAgainByTheRetry) {
  auto r = OpenRunner();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Start().ok());
  const std::set<std::string> base = SegmentKeys();
  ASSERT_FALSE(RunBatchReadingNewSegmentsDamaged(**r).ok());
  int damaged = 0;
  for (const std::string& key : SegmentKeys()) {
    if (base.count(key)) continue;
    auto bytes = output_->Get(key);
    ASSERT_TRUE(bytes.ok());
    (*bytes)[bytes->size() / 2] ^= 1;  // the same size
    ASSERT_TRUE(output_->Put(key, *bytes).ok());
    ++damaged;
  }
  ASSERT_GT(damaged, 0);
  auto retried = (*r)->RunBatch();
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_TRUE(retried->published);
  EXPECT_EQ(Search("*"), (std::vector<std::string>{"ad-1", "ad-101", "ad-2"}));
}

TEST_F(BatchRunnerTest, ARunnerWhoseLeaseWasTakenIsFenced) {
  auto a = OpenRunner("runner-a");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->Start().ok());
  clock_.Advance(2 * config_.lease_ttl);  // a's lease expires unrenewed
  auto b = OpenRunner("runner-b");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->Start().ok());
  auto fenced = (*a)->RunBatch();
  ASSERT_FALSE(fenced.ok());
  EXPECT_TRUE(fenced.status().IsFenced()) << fenced.status().ToString();
  auto outcome = (*b)->RunBatch();
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->published);
}

TEST_F(BatchRunnerTest, ASecondRunnerWaitsForALiveLease) {
  auto a = OpenRunner("runner-a");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->Start().ok());
  auto b = OpenRunner("runner-b");
  ASSERT_TRUE(b.ok());
  Status st = (*b)->Start();
  EXPECT_TRUE(st.IsLeaseHeld()) << st.ToString();
  EXPECT_NE(st.message().find("runner-a"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace freshet
