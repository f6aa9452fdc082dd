#include "index/segment/segment_merger.h"

#include <gtest/gtest.h>

#include <set>

#include "common/hash.h"
#include "index/index_view.h"
#include "pipeline/group_build.h"
#include "rewritten_section.h"
#include "storage/memory_store.h"

namespace freshet {
namespace {

// Ads (ad_id, item_id, v, op, title, bid) of items (item_id, v, op, brand),
// with the count and max:bid aggregates.
PipelineConfig AdsOfItems() {
  PipelineConfig c;
  c.name = "ads";
  c.has_group = true;
  c.group_key = c.group_columns.id = "item_id";
  c.columns.id = "ad_id";
  c.columns.version = c.group_columns.version = "v";
  c.columns.op = c.group_columns.op = "op";
  c.columns.text = {"title"};
  c.columns.numeric = {"bid"};
  c.columns.stored = {"title", "bid"};
  c.group_columns.text = c.group_columns.stored = {"brand"};
  c.group_prefix = "item_";
  c.aggregates = {{"count", ""}, {"max", "bid"}};
  return c;
}

// The values of the tests' records: tables that live as long as the test
// binary, so that records can be passed around by value.
RecordTable& AdTable() {
  static RecordTable* table = new RecordTable(6);
  return *table;
}
RecordTable& ItemTable() {
  static RecordTable* table = new RecordTable(4);
  return *table;
}

KeyedRecord Ad(std::string id, std::string item, int64_t v, std::string title = "", double bid = 0,
               bool deleted = false) {
  return MakeRecord(
      AdTable(), id, item, v, deleted,
      {Value::String(id), Value::String(item), Value::Int64(v),
       Value::String(deleted ? "delete" : "upsert"), Value::String(title), Value::Double(bid)});
}
KeyedRecord DeletedAd(std::string id, int64_t v) { return Ad(std::move(id), "", v, "", 0, true); }

KeyedRecord Item(std::string id, int64_t v, std::string brand, bool deleted = false) {
  return MakeRecord(ItemTable(), id, "", v, deleted,
                    {Value::String(id), Value::Int64(v),
                     Value::String(deleted ? "delete" : "upsert"), Value::String(brand)});
}

// The newest record of each id over `lists`, later lists winning ties; with
// `live_only`, deletions left out (what a snapshot of the state holds).
NewestRecords Newest(std::initializer_list<const std::vector<KeyedRecord>*> lists,
                     bool live_only = false) {
  NewestRecords newest;
  for (const auto* list : lists) newest.OfferAll(*list);
  if (!live_only) return newest;
  NewestRecords live;
  for (const KeyedRecord* r : newest) {
    if (!r->deleted) live.Offer(r);
  }
  return live;
}

class SegmentMergerTest : public ::testing::Test {
 protected:
  // Writes `segments` to the store, as manifest entries of layer `layer`.
  std::vector<SegmentRef> Put(const Result<std::vector<SegmentData>>& segments, uint32_t layer) {
    EXPECT_TRUE(segments.ok()) << segments.status().ToString();
    std::vector<SegmentRef> refs;
    for (const SegmentData& d : *segments) {
      const std::string bytes = WriteSegment(d, 4);  // whole-group deltas (format 4)
      refs.push_back(SegmentRef{"segments/" + ContentHash(bytes) + ".seg", bytes.size(),
                                Hex64(Hash64(bytes)), static_cast<uint32_t>(d.docs.size()),
                                static_cast<uint32_t>(d.groups.size()), layer});
      EXPECT_TRUE(store_->Put(refs.back().key, bytes).ok());
    }
    return refs;
  }

  std::shared_ptr<IndexView> Open(const Manifest& m) {
    const std::string key = ManifestKey(m.version, 1);
    EXPECT_TRUE(store_->Put(key, SerializeManifest(m)).ok());
    auto view = IndexView::OpenManifest(*store_, key, nullptr);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return *view;
  }

  Result<std::vector<SegmentData>> Merge(const IndexView& view, MergeStats* stats) {
    std::vector<MergeSource> sources;
    const size_t segments = view.base().size() + view.delta().size();
    for (size_t i = 0; i < segments; ++i) {
      const SegmentReader* seg = i < view.base().size()
                                     ? view.base()[i].get()
                                     : view.delta()[i - view.base().size()].get();
      sources.push_back({seg, &view.HiddenGroups(i)});
    }
    return MergeSegments(sources, MakeSegmentSchema(config_), 2, 2, stats);
  }

  PipelineConfig config_ = AdsOfItems();
  std::unique_ptr<ObjectStore> store_ = NewMemoryStore();
};

// A base under two delta layers, merged, equals the base a build makes from
// a snapshot of the final records, byte for byte: deletions, a doc moving
// between groups, group-record updates and deletions, aggregates, a group
// that lost every doc (with and without its record) and one that regained
// a doc in a higher layer.
TEST_F(SegmentMergerTest, MergedGenerationIsTheBuildOfTheSameRecords) {
  const std::vector<KeyedRecord> base_ads = {
      Ad("a1", "i1", 1, "red shoe", 1), Ad("a2", "i1", 1, "blue shoe", 2),
      Ad("a3", "i2", 1, "hat", 3),      Ad("a4", "i3", 1, "scarf", 4),
      Ad("a5", "i4", 1, "glove", 5),    Ad("a6", "i4", 1, "mitten", 6)};
  const std::vector<KeyedRecord> base_items = {Item("i1", 1, "acme"), Item("i2", 1, "bolt"),
                                               Item("i3", 1, "cord"), Item("i9", 1, "lonely")};
  // Layer 0: a1 deleted, a3 moves to i1 (i2 keeps its record, no doc), a4's
  // bid changes, i3's record is deleted (a4 stays), i4 loses both docs (no
  // record: nothing left), i9's brand changes (no docs).
  const std::vector<KeyedRecord> w0_ads = {DeletedAd("a1", 2), Ad("a3", "i1", 2, "hat", 3),
                                           Ad("a4", "i3", 2, "scarf", 9), DeletedAd("a5", 2),
                                           DeletedAd("a6", 2)};
  const std::vector<KeyedRecord> w0_items = {Item("i3", 2, "", true), Item("i9", 2, "lone")};
  // Layer 1: a2's title changes, a7 comes to i5, which had nothing before.
  const std::vector<KeyedRecord> w1_ads = {Ad("a2", "i1", 3, "green shoe", 2),
                                           Ad("a7", "i5", 3, "coat", 7)};
  const std::vector<KeyedRecord> none;

  BuildStats stats;
  Manifest m;
  m.pipeline = "ads";
  m.version = 3;
  m.has_delta = true;
  m.base = Put(BuildBase(config_, Newest({&base_ads}), Newest({&base_items}), 2, &stats), 0);
  std::shared_ptr<IndexView> base_only = Open(m);
  std::vector<const SegmentReader*> base;
  for (const auto& s : base_only->base()) base.push_back(s.get());
  m.delta = Put(BuildDelta(config_, base, Newest({&w0_ads}), Newest({&w0_items}), 2, &stats), 0);
  const std::set<std::string> changed = {"i1", "i5"};
  for (SegmentRef& r : Put(BuildDelta(config_, base, Newest({&w0_ads, &w1_ads}),
                                      Newest({&w0_items}), 2, &stats, &changed),
                           1)) {
    m.delta.push_back(std::move(r));
  }
  std::shared_ptr<IndexView> view = Open(m);

  MergeStats merged_stats;
  auto merged = Merge(*view, &merged_stats);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  auto built = BuildBase(config_, Newest({&base_ads, &w0_ads, &w1_ads}, true),
                         Newest({&base_items, &w0_items}, true), 2, &stats);
  ASSERT_TRUE(built.ok());
  ASSERT_EQ(merged->size(), built->size());
  for (size_t shard = 0; shard < built->size(); ++shard) {
    for (uint32_t format : {3u, 4u}) {
      EXPECT_TRUE(WriteSegment((*merged)[shard], format) == WriteSegment((*built)[shard], format))
          << "shard " << shard << ", format " << format;
    }
  }
  // i1 a2 a3, i2 (record), i3 a4, i5 a7, i9 (record); i4 is gone.
  EXPECT_EQ(merged_stats.docs, 4);
  EXPECT_EQ(merged_stats.groups, 5);
  EXPECT_EQ(merged_stats.emptied_groups, 1);
  EXPECT_EQ(merged_stats.docs, static_cast<int64_t>(view->LiveDocs()));
  // Base i1 i2 i3 i4 i9 under layer 0, layer 0's i1 under layer 1.
  EXPECT_EQ(merged_stats.superseded_groups, 6);
}

TEST_F(SegmentMergerTest, TwoSourcesServingOneGroupIsCorruption) {
  const std::vector<KeyedRecord> ads = {Ad("a1", "i1", 1, "x", 1)};
  const std::vector<KeyedRecord> newer = {Ad("a1", "i1", 2, "y", 1)};
  BuildStats stats;
  Manifest m;
  m.version = 1;
  m.base = Put(BuildBase(config_, Newest({&ads}), Newest({}), 1, &stats), 0);
  m.base.push_back(Put(BuildBase(config_, Newest({&newer}), Newest({}), 1, &stats), 0)[0]);
  MergeStats merged;
  auto out = Merge(*Open(m), &merged);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kCorruption);
  EXPECT_NE(out.status().message().find("group 'i1' is served by both segment"), std::string::npos)
      << out.status().message();
}

TEST_F(SegmentMergerTest, OtherColumnsAreRefusedNamingTheSegment) {
  const std::vector<KeyedRecord> ads = {Ad("a1", "i1", 1, "x", 1)};
  BuildStats stats;
  Manifest m;
  m.version = 1;
  m.base = Put(BuildBase(config_, Newest({&ads}), Newest({}), 1, &stats), 0);
  config_.columns.stored = {"title"};
  MergeStats merged;
  auto out = Merge(*Open(m), &merged);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find(m.base[0].key), std::string::npos)
      << out.status().message();
}

// A posting list that cannot be read, behind valid checksums (the bytes a
// faulty writer could have published): the merge reads the lists as it
// writes, so the failure surfaces once the part is laid out; it names the
// segment and no part is handed on.
TEST_F(SegmentMergerTest, AListThatCannotBeReadFailsTheMergeNamingTheSegment) {
  const std::vector<KeyedRecord> ads = {Ad("a1", "i1", 1, "red shoes", 1),
                                        Ad("a2", "i2", 1, "blue shoes", 2)};
  const std::vector<KeyedRecord> items = {Item("i1", 1, "acme"), Item("i2", 1, "zenith")};
  BuildStats stats;
  auto built = BuildBase(config_, Newest({&ads}), Newest({&items}), 1, &stats);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  // The same file with an empty postings section.
  const std::string file =
      WithSection(WriteSegment((*built)[0], 5), SectionId::kBlockPostings, std::string());
  auto broken = SegmentReader::Open("segments/broken.seg", file);
  ASSERT_TRUE(broken.ok()) << broken.status().ToString();
  const MergeSource source{broken->get()};
  MergeStats merged;
  int parts = 0;
  const Status st =
      WriteMergedSegments(std::span(&source, 1), (*broken)->schema(), 1, 1, UINT64_MAX, 5,
                          MergeMethod::kPostings, &merged, [&](size_t, size_t, MergedPart) {
                            ++parts;
                            return Status::OK();
                          });
  EXPECT_EQ(merged.rows_merged_because, "");
  ASSERT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_NE(st.message().find("segments/broken.seg"), std::string::npos) << st.message();
  EXPECT_EQ(parts, 0);
}

}  // namespace
}  // namespace freshet
