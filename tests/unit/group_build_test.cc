#include "pipeline/group_build.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace freshet {
namespace {

// A pipeline: docs (ad_id, item_id, v, op, title, bid); groups (item_id, v, brand).
PipelineConfig Config() {
  PipelineConfig c;
  c.name = "t";
  c.columns.id = "ad_id";
  c.group_key = "item_id";
  c.columns.version = "v";
  c.columns.op = "op";
  c.columns.text = {"title"};
  c.columns.numeric = {"bid"};
  c.columns.stored = {"title", "bid"};
  c.has_group = true;
  c.group_columns.id = "item_id";
  c.group_columns.version = "v";
  c.group_columns.stored = {"brand"};
  c.group_prefix = "item_";
  c.aggregates = {{"count", ""}, {"max", "bid"}};
  return c;
}

// The values of the tests' records: tables that live as long as the test
// binary, so that records can be passed around by value.
RecordTable& DocTable() {
  static RecordTable* table = new RecordTable(6);
  return *table;
}
RecordTable& ItemTable() {
  static RecordTable* table = new RecordTable(4);
  return *table;
}

// Rows follow DocProjection: ad_id, item_id, v, op, title, bid.
KeyedRecord Doc(std::string id, std::string group, int64_t v, std::string title, Value bid,
                bool deleted = false) {
  return MakeRecord(
      DocTable(), id, group, v, deleted,
      {Value::String(id), Value::String(group), Value::Int64(v),
       Value::String(deleted ? "delete" : "upsert"), Value::String(title), std::move(bid)});
}
KeyedRecord Doc(std::string id, std::string group, int64_t v, std::string title, double bid,
                bool deleted = false) {
  return Doc(std::move(id), std::move(group), v, std::move(title), Value::Double(bid), deleted);
}

KeyedRecord Item(std::string id, int64_t v, std::string brand) {
  return MakeRecord(ItemTable(), id, "", v, false,
                    {Value::String(id), Value::Int64(v), Value::Null(), Value::String(brand)});
}

NewestRecords Index(const std::vector<KeyedRecord>& recs) {
  NewestRecords m;
  for (const auto& r : recs) m.Offer(&r);
  return m;
}

struct Built {
  std::vector<std::unique_ptr<SegmentReader>> segments;
  BuildStats stats;
  // group key -> sorted doc ids in it (across shards)
  std::map<std::string, std::vector<std::string>> groups;
  const SegmentReader* FindGroup(const std::string& key, uint32_t* g) const {
    for (const auto& s : segments) {
      if (auto found = s->FindGroup(key)) {
        *g = *found;
        return s.get();
      }
    }
    return nullptr;
  }
};

Built Open(Result<std::vector<SegmentData>> data, BuildStats stats) {
  EXPECT_TRUE(data.ok()) << data.status().ToString();
  Built b;
  b.stats = stats;
  int i = 0;
  for (const SegmentData& d : *data) {
    auto r = SegmentReader::Open("s" + std::to_string(i++), WriteSegment(d));
    EXPECT_TRUE(r.ok());
    for (uint32_t g = 0; g < (*r)->num_groups(); ++g) {
      auto& ids = b.groups[std::string((*r)->GroupKey(g))];
      for (uint32_t o = (*r)->GroupFirstDoc(g); o < (*r)->GroupFirstDoc(g) + (*r)->GroupDocCount(g);
           ++o) {
        ids.emplace_back((*r)->DocId(o));
      }
    }
    b.segments.push_back(std::move(*r));
  }
  return b;
}

class GroupBuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_docs_ = {Doc("a1", "i1", 10, "red shoe", 1.0), Doc("a2", "i1", 10, "blue shoe", 2.0),
                  Doc("a3", "i2", 10, "hat", 3.0), Doc("a4", "i3", 10, "scarf", 4.0)};
    base_items_ = {Item("i1", 5, "Acme"), Item("i2", 5, "Bolt"), Item("i9", 5, "Lonely")};
    BuildStats stats;
    base_ = Open(BuildBase(config_, Index(base_docs_), Index(base_items_), 2, &stats), stats);
    for (const auto& s : base_.segments) base_ptrs_.push_back(s.get());
  }
  Built Delta(const std::vector<KeyedRecord>& docs, const std::vector<KeyedRecord>& items = {}) {
    BuildStats stats;
    return Open(BuildDelta(config_, base_ptrs_, Index(docs), Index(items), 2, &stats), stats);
  }
  PipelineConfig config_ = Config();
  std::vector<KeyedRecord> base_docs_, base_items_;
  Built base_;
  std::vector<const SegmentReader*> base_ptrs_;
};

TEST_F(GroupBuildTest, BaseKeepsGroupsWithoutDocsForLaterDeltas) {
  EXPECT_EQ(base_.groups["i1"], (std::vector<std::string>{"a1", "a2"}));
  EXPECT_TRUE(base_.groups.count("i9"));  // an item with no ads yet
  EXPECT_EQ(base_.stats.docs, 4);
}

TEST_F(GroupBuildTest, AShardBuiltAloneIsTheSegmentTheWholeBuildGivesIt) {
  BuildStats all_stats;
  auto all = BuildBase(config_, Index(base_docs_), Index(base_items_), 2, &all_stats);
  ASSERT_TRUE(all.ok());
  int64_t docs = 0;
  for (int shard = 0; shard < 2; ++shard) {
    BuildStats stats;
    auto alone = BuildBase(config_, Index(base_docs_), Index(base_items_), 2, &stats, shard);
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    ASSERT_EQ(alone->size(), 2u);
    EXPECT_EQ(WriteSegment((*alone)[shard]), WriteSegment((*all)[shard]));
    EXPECT_TRUE((*alone)[1 - shard].groups.empty());  // the other shard's groups are left out
    docs += stats.docs;
  }
  EXPECT_EQ(docs, all_stats.docs);
  BuildStats stats;
  auto out_of_range = BuildBase(config_, Index(base_docs_), {}, 2, &stats, 2);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_EQ(out_of_range.status().message(),
            "shard 2 out of range: the build has 2 shards (0 to 1)");
}

TEST_F(GroupBuildTest, TouchedGroupIsRecomputedWithItsUntouchedSiblings) {
  Built d = Delta({Doc("a1", "i1", 11, "green shoe", 5.0)});
  EXPECT_EQ(d.groups.size(), 1u);                                     // only i1 was touched
  EXPECT_EQ(d.groups["i1"], (std::vector<std::string>{"a1", "a2"}));  // a2 from the base
  uint32_t g = 0;
  const SegmentReader* s = d.FindGroup("i1", &g);
  auto rec = s->Group(g);
  EXPECT_TRUE(rec->has_record);  // the item record comes from the base
  EXPECT_EQ(rec->row[3].s, "Acme");
  EXPECT_DOUBLE_EQ(rec->aggregates[0], 2);  // count
  EXPECT_DOUBLE_EQ(rec->aggregates[1], 5);  // max bid, recomputed
}

TEST_F(GroupBuildTest, MovedDocTouchesBothGroups) {
  Built d = Delta({Doc("a2", "i2", 11, "blue shoe", 2.0)});
  EXPECT_EQ(d.groups["i1"], (std::vector<std::string>{"a1"}));
  EXPECT_EQ(d.groups["i2"], (std::vector<std::string>{"a2", "a3"}));
  EXPECT_EQ(d.stats.moved_docs, 1);
}

TEST_F(GroupBuildTest, DeletingTheLastDocListsTheGroupEmpty) {
  Built d = Delta({Doc("a4", "", 11, "", 0, /*deleted=*/true)});
  ASSERT_TRUE(d.groups.count("i3"));
  EXPECT_TRUE(d.groups["i3"].empty());  // listed, so it supersedes the base group
  EXPECT_EQ(d.stats.deleted_docs, 1);
}

TEST_F(GroupBuildTest, GroupRecordUpdateTouchesItsGroupAndNewDocsJoinIt) {
  Built d = Delta({Doc("a5", "i9", 11, "new", 1.0)}, {Item("i2", 6, "Bolt Pro")});
  EXPECT_EQ(d.groups["i2"], (std::vector<std::string>{"a3"}));
  EXPECT_EQ(d.groups["i9"], (std::vector<std::string>{"a5"}));
  uint32_t g = 0;
  const SegmentReader* s = d.FindGroup("i9", &g);
  EXPECT_EQ(s->Group(g)->row[3].s, "Lonely");  // from the base's doc-less group
  s = d.FindGroup("i2", &g);
  EXPECT_EQ(s->Group(g)->row[3].s, "Bolt Pro");
}

TEST_F(GroupBuildTest, AnOlderWindowRecordLosesToTheBase) {
  // The base's newer version stands: the group is not touched, so readers keep
  // serving it from the base.
  Built d = Delta({Doc("a3", "i2", 9, "stale", 9.0)});
  EXPECT_EQ(d.groups.count("i2"), 0u);
  // Alongside a real change to the group, the base version of a3 is kept.
  Built d2 = Delta({Doc("a3", "i2", 9, "stale", 9.0), Doc("a6", "i2", 11, "new", 1.0)});
  uint32_t g = 0;
  const SegmentReader* s = d2.FindGroup("i2", &g);
  ASSERT_NE(s, nullptr);
  auto row = s->DocRow(s->GroupFirstDoc(g));
  EXPECT_EQ((*row)[4].s, "hat");
}

TEST_F(GroupBuildTest, BaseBuiltWithOtherColumnsIsRefused) {
  PipelineConfig other = config_;
  other.columns.text.push_back("bid");
  BuildStats stats;
  auto r = BuildDelta(other, base_ptrs_, {}, {}, 2, &stats);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("build-full"), std::string::npos);
}

// Issue "what a week in production would find", item 9: `"bid": "2"` matched
// bid:[1 TO 2.5] but was left out of sum:bid. One rule (format/number.h) now
// decides for the numeric column filters and sorts read and for aggregates.
TEST(NumbersTest, StringBidTwoIsInTheRangeColumnAndInTheSum) {
  PipelineConfig config = Config();
  config.aggregates = {{"count", ""}, {"sum", "bid"}, {"min", "bid"}, {"max", "bid"}};
  auto with_bid = [](std::string id, Value bid) {
    return Doc(std::move(id), "i1", 10, "shoe", std::move(bid));
  };
  std::vector<KeyedRecord> docs = {
      with_bid("a1", Value::Double(1)),      with_bid("a2", Value::String("2")),
      with_bid("a3", Value::String(" 2")),   with_bid("a4", Value::Bool(true)),
      with_bid("a5", Value::String("1e1")),  with_bid("a6", Value::String("NaN")),
      with_bid("a7", Value::String("0x10")), with_bid("a8", Value::Null())};
  BuildStats stats;
  Built b = Open(BuildBase(config, Index(docs), {}, 1, &stats), stats);
  uint32_t g = 0;
  const SegmentReader* s = b.FindGroup("i1", &g);
  ASSERT_NE(s, nullptr);
  const size_t bid = *s->schema().FindField("bid");
  std::map<std::string, double> column;
  for (uint32_t o = 0; o < s->num_docs(); ++o)
    column[std::string(s->DocId(o))] = s->Numeric(bid, o);
  EXPECT_EQ(column["a1"], 1);
  EXPECT_EQ(column["a2"], 2);  // a number for filters and sorts...
  EXPECT_EQ(column["a5"], 10);
  for (const char* absent : {"a3", "a4", "a6", "a7", "a8"}) {
    EXPECT_TRUE(std::isnan(column[absent])) << absent;
  }
  auto rec = s->Group(g);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->aggregates[0], 8);   // count: docs, numbers or not
  EXPECT_EQ(rec->aggregates[1], 13);  // ...and for the sum: 1 + 2 + 10
  EXPECT_EQ(rec->aggregates[2], 1);   // min
  EXPECT_EQ(rec->aggregates[3], 10);  // max
  EXPECT_EQ(s->Numeric(*s->schema().FindField("item_sum_bid"), 0), 13);
}

TEST(RecordsTest, NewestWinsAndLaterPositionBreaksTies) {
  auto f1 = std::make_shared<ParsedFile>();
  f1->reduced = {Doc("a", "g", 5, "first", 1), Doc("b", "g", 7, "b-new", 1)};
  auto f2 = std::make_shared<ParsedFile>();
  f2->reduced = {Doc("a", "g", 5, "second", 1), Doc("b", "g", 6, "b-old", 1)};
  std::vector<std::shared_ptr<const ParsedFile>> files = {f1, f2};
  NewestRecords n = ReduceNewest(files);
  EXPECT_EQ(n.Find("a")->Values()[4].s, "second");  // equal versions: the later file wins
  EXPECT_EQ(n.Find("b")->Values()[4].s, "b-new");   // a newer version wins wherever it is
}

TEST(RecordsTest, ReducingTheAddedFilesOnlyGivesTheWholeWindowsNewest) {
  auto file = [](std::vector<KeyedRecord> records) {
    auto f = std::make_shared<ParsedFile>();
    f->reduced = std::move(records);
    return std::shared_ptr<const ParsedFile>(f);
  };
  const auto f1 = file({Doc("a", "g", 5, "a1", 1), Doc("b", "g", 7, "b1", 1)});
  const auto f2 = file({Doc("a", "g", 5, "a2", 1), Doc("c", "g", 3, "c2", 1)});
  const auto f3 =
      file({Doc("b", "g", 6, "b3", 1), Doc("c", "g", 3, "c3", 1), Doc("d", "g", 1, "d3", 1)});
  const auto late = file({Doc("a", "g", 9, "a-late", 1)});
  auto same = [](const NewestRecords& x, const NewestRecords& y) {
    if (x.size() != y.size()) return false;
    for (const KeyedRecord* r : x) {
      if (y.Find(r->id) != r) return false;
    }
    return true;
  };
  const std::vector<std::shared_ptr<const ParsedFile>> earlier = {f1, f2};
  const std::vector<std::shared_ptr<const ParsedFile>> added = {f1, f2, f3};
  const NewestRecords from = ReduceNewestFrom(ReduceNewest(earlier), earlier, added);
  EXPECT_TRUE(same(from, ReduceNewest(added)));
  EXPECT_EQ(from.Find("b")->Values()[4].s, "b1");  // an older version in an added file loses
  EXPECT_EQ(from.Find("c")->Values()[4].s, "c3");  // a tie: the added file wins
  // A late file sorts before the earlier window's last file: everything is
  // reduced again (the earlier reduction, empty here, is not used).
  const std::vector<std::shared_ptr<const ParsedFile>> with_late = {f1, late, f2, f3};
  const NewestRecords again = ReduceNewestFrom(NewestRecords(), earlier, with_late);
  EXPECT_TRUE(same(again, ReduceNewest(with_late)));
  EXPECT_EQ(again.Find("a")->Values()[4].s, "a-late");
}

TEST(RecordsTest, VersionFormatsAreNotMixed) {
  using F = ColumnRoles::VersionFormat;
  EXPECT_EQ(*VersionOf(Value::Int64(42), F::kInteger), 42);
  EXPECT_FALSE(VersionOf(Value::String("2026-05-04T10:00:00Z"), F::kInteger).ok());
  EXPECT_FALSE(VersionOf(Value::Double(1.5), F::kInteger).ok());
  EXPECT_EQ(*VersionOf(Value::String("1970-01-01T00:00:01Z"), F::kTimestamp), 1'000'000);
  EXPECT_FALSE(VersionOf(Value::String("yesterday"), F::kTimestamp).ok());
  EXPECT_FALSE(VersionOf(Value::Null(), F::kInteger).ok());
}

}  // namespace
}  // namespace freshet
