// Format-5 layers of changed docs (pipeline/layer_build.h) against the
// whole-group delta of the same window (BuildDelta, format 4): after every
// batch of random changes, a generation of the base plus the layers built
// one batch at a time, folded when full, answers every query and every doc
// lookup as the base plus one whole-window delta does, while each layer
// holds only what its batch changed.
#include "pipeline/layer_build.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "common/hash.h"
#include "index/index_view.h"
#include "index/segment.h"
#include "storage/memory_store.h"

namespace freshet {
namespace {

// Docs (ad_id, item_id, v, op, title, bid); groups (item_id, v, op, brand).
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
  c.group_columns.op = "op";
  c.group_columns.text = {"brand"};
  c.group_columns.keyword = {"brand"};
  c.group_columns.stored = {"brand"};
  c.group_prefix = "item_";
  c.aggregates = {{"count", ""}, {"min", "bid"}, {"max", "bid"}, {"sum", "bid"}, {"avg", "bid"}};
  return c;
}

const char* kWords[] = {"red", "blue", "shoe", "hat", "scarf", "wool", "silk", "boot"};

// The records of one input file, with the table holding their values.
struct File {
  std::unique_ptr<RecordTable> docs = std::make_unique<RecordTable>(6);
  std::unique_ptr<RecordTable> items = std::make_unique<RecordTable>(4);
  std::vector<KeyedRecord> doc_records, item_records;
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  // A file of `n` random doc changes and a few item changes.
  std::unique_ptr<File> Next(int n, int items) {
    auto f = std::make_unique<File>();
    for (int i = 0; i < n; ++i) {
      const std::string id = fmt::format("ad-{:04d}", rng_() % 300);
      const std::string group = fmt::format("item-{:03d}", rng_() % 40);
      // Mostly newer versions; some older (the base or an earlier file
      // wins) and some equal (a tie: the later file wins).
      const unsigned r = rng_() % 10;
      const int64_t v = r == 0 ? 1 : r == 1 ? version_ : ++version_;
      const bool deleted = rng_() % 8 == 0;
      const std::string title = fmt::format("{} {}", kWords[rng_() % 8], kWords[rng_() % 8]);
      // Bids with fractions, so that sums depend on their order, and some
      // zeros of either sign (which a minimum keeps depends on the ids).
      const unsigned b = rng_() % 1000;
      const double bid = b < 60 ? (b % 2 ? -0.0 : 0.0) : static_cast<double>(b) / 7.0;
      f->doc_records.push_back(MakeRecord(*f->docs, id, deleted ? "" : group, v, deleted,
                                          {Value::String(id), Value::String(group), Value::Int64(v),
                                           Value::String(deleted ? "delete" : "upsert"),
                                           Value::String(title), Value::Double(bid)}));
    }
    for (int i = 0; i < items; ++i) {
      const std::string key = fmt::format("item-{:03d}", rng_() % 44);
      const int64_t v = ++version_;
      f->item_records.push_back(
          MakeRecord(*f->items, key, "", v, false,
                     {Value::String(key), Value::Int64(v), Value::String("upsert"),
                      Value::String(fmt::format("Brand {}", rng_() % 6))}));
    }
    return f;
  }

 private:
  std::mt19937 rng_;
  int64_t version_ = 10;
};

NewestRecords Newest(const std::vector<std::unique_ptr<File>>& files, bool items) {
  NewestRecords m;
  for (const auto& f : files) m.OfferAll(items ? f->item_records : f->doc_records);
  return m;
}

// Segments written to a memory store and a manifest naming them.
class Output {
 public:
  SegmentRef Write(const SegmentData& data, uint32_t format) {
    const std::string bytes = WriteSegment(data, format);
    const std::string key = fmt::format("segments/{}.seg", n_++);
    EXPECT_TRUE(store_->Put(key, bytes).ok());
    return SegmentRef{key, bytes.size(), Hex64(Hash64(bytes)),
                      static_cast<uint32_t>(data.docs.size()),
                      static_cast<uint32_t>(data.groups.size())};
  }
  SupersessionCache* supersessions() { return cache_.supersessions(); }
  std::shared_ptr<IndexView> Open(const Manifest& m) {
    const std::string key = fmt::format("manifests/{}.json", n_++);
    EXPECT_TRUE(store_->Put(key, SerializeManifest(m)).ok());
    // One cache for every generation, as a runner has: each opens with the
    // supersessions of the segments it shares with earlier ones.
    auto view = IndexView::OpenManifest(*store_, key, &cache_);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return view.ok() ? *view : nullptr;
  }

 private:
  std::unique_ptr<ObjectStore> store_ = NewMemoryStore();
  SegmentCache cache_{nullptr};
  int n_ = 0;
};

// Each field as its user sees it: doubles in their shortest text, so that
// -0 and 0 differ (they compare equal).
std::vector<std::string> Texts(const std::vector<std::pair<std::string, Value>>& fields) {
  std::vector<std::string> out;
  for (const auto& [name, v] : fields) out.push_back(name + "=" + ValueToText(v));
  return out;
}

// Sorted by id and by `sort_field` (numeric).
void ExpectSameAnswers(const IndexView& expected, const IndexView& actual,
                       const std::string& sort_field, const std::string& label) {
  ASSERT_EQ(expected.LiveDocs(), actual.LiveDocs()) << label;
  for (const char* q :
       {"*", "shoe", "title:red title:hat", "item_brand:\"Brand 2\"", "brand 3", "bid:[10 TO 80]",
        "item_count:[2 TO 100]", "item_max_bid:[100 TO 200] -title:wool", "\"brand 1\" shoe"}) {
    auto node = ParseQuery(q);
    ASSERT_TRUE(node.ok()) << q;
    for (const SortOrder& sort : {SortOrder{}, SortOrder{SortOrder::Kind::kField, sort_field}}) {
      auto a = expected.Search(**node, SearchOptions{1000, 0, sort});
      auto b = actual.Search(**node, SearchOptions{1000, 0, sort});
      ASSERT_TRUE(a.ok() && b.ok()) << q;
      ASSERT_EQ(a->total, b->total) << label << ": " << q;
      ASSERT_EQ(a->docs.size(), b->docs.size()) << label << ": " << q;
      for (size_t i = 0; i < a->docs.size(); ++i) {
        EXPECT_EQ(a->docs[i].id, b->docs[i].id) << label << ": " << q << " #" << i;
        EXPECT_NEAR(a->docs[i].score, b->docs[i].score, 1e-9) << label << ": " << q;
      }
    }
  }
  // Every doc with its fields, its group's fields and aggregates (bit for
  // bit: sums are added in id order whatever the layers).
  for (int i = 0; i < 300; ++i) {
    const std::string id = fmt::format("ad-{:04d}", i);
    auto a = expected.GetDoc(id);
    auto b = actual.GetDoc(id);
    ASSERT_EQ(a.ok(), b.ok()) << label << ": " << id;
    if (!a.ok()) continue;
    EXPECT_EQ(a->group, b->group) << label << ": " << id;
    EXPECT_EQ(a->version, b->version) << label << ": " << id;
    EXPECT_EQ(a->fields, b->fields) << label << ": " << id;
    EXPECT_EQ(Texts(a->fields), Texts(b->fields)) << label << ": " << id;  // -0 is not 0
  }
}

// Builds 3 seeds x 9 batches of layers under `config` and checks each
// generation against the whole-window delta. *updated: the groups whose
// aggregates a layer updated from the record below, not over their docs.
void CheckLayersAgainstWholeWindow(const PipelineConfig& config, int64_t* updated) {
  const int shards = 2;
  int64_t folds = 0, moved = 0, deleted = 0;
  *updated = 0;
  for (uint32_t seed : {1u, 2u, 3u}) {
    Generator gen(seed);
    Output out;
    // The base: 200 docs and most items.
    std::vector<std::unique_ptr<File>> snapshot;
    snapshot.push_back(gen.Next(260, 30));
    BuildStats base_stats;
    auto base =
        BuildBase(config, Newest(snapshot, false), Newest(snapshot, true), shards, &base_stats);
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    Manifest m;
    m.pipeline = "t";
    m.version = 1;
    for (const SegmentData& s : *base) m.base.push_back(out.Write(s, 5));
    std::shared_ptr<IndexView> committed = out.Open(m);
    ASSERT_TRUE(committed);
    const std::shared_ptr<IndexView> base_view = committed;  // keeps the base open
    std::vector<const SegmentReader*> base_segments;
    for (const auto& s : base_view->base()) base_segments.push_back(s.get());

    std::vector<std::unique_ptr<File>> window;
    for (int batch = 0; batch < 9; ++batch) {
      window.push_back(gen.Next(12 + static_cast<int>(seed * batch % 20), batch % 3));
      // Batch 6: a file is gone from the window, whose docs revert: a
      // whole-window layer over the base replaces every layer.
      const bool whole_window = batch == 0 || batch == 6;
      if (batch == 6) window.erase(window.begin() + 1);
      const NewestRecords docs = Newest(window, false), items = Newest(window, true);
      const std::string label = fmt::format("seed {} batch {}", seed, batch);

      // The reference: the base plus the whole window's touched groups.
      BuildStats whole_stats;
      auto whole = BuildDelta(config, base_segments, docs, items, shards, &whole_stats);
      ASSERT_TRUE(whole.ok()) << whole.status().ToString();
      Manifest ref = m;
      ref.has_delta = true;
      for (const SegmentData& s : *whole) ref.delta.push_back(out.Write(s, 4));
      auto expected = out.Open(ref);

      // The layer of this batch's file over the committed generation.
      const File& added = *window.back();
      std::vector<const ParsedFile*> none;
      ParsedFile parsed;
      for (const KeyedRecord& r : added.doc_records) parsed.reduced.push_back(r);
      ParsedFile parsed_items;
      for (const KeyedRecord& r : added.item_records) parsed_items.reduced.push_back(r);
      const ChangedIds ids = IdsOfFiles({&parsed}, {&parsed_items});
      const Manifest previous = committed->manifest();  // a copy: `committed` is replaced below
      const uint32_t from = whole_window ? 0 : FoldFrom(previous, 3, ids.docs.size());
      LayerStats stats;
      auto layer =
          BuildLayerOver(config, *committed, from, docs, items, whole_window ? nullptr : &ids,
                         shards, &stats, out.supersessions());
      ASSERT_TRUE(layer.ok()) << layer.status().ToString();
      Manifest next = m;
      next.has_delta = true;
      for (const SegmentRef& r : previous.delta) {
        if (r.layer < from) next.delta.push_back(r);
      }
      for (const SegmentData& s : *layer) {
        SegmentRef r = out.Write(s, 5);
        r.layer = from;
        next.delta.push_back(r);
      }
      committed = out.Open(next);
      ASSERT_TRUE(committed);
      // The last aggregate, an average where there is one.
      ExpectSameAnswers(*expected, *committed,
                        config.aggregates.back().FieldName(config.group_prefix), label);
      EXPECT_EQ(stats.live_below + stats.live_change, static_cast<int64_t>(committed->LiveDocs()))
          << label;
      if (!whole_window && from == previous.DeltaLayers()) {
        // A layer that folds nothing holds only the ids of the new file.
        EXPECT_LE(stats.docs + stats.tombstones, 2 * static_cast<int64_t>(ids.docs.size()))
            << label;
      }
      folds += from < previous.DeltaLayers();
      moved += stats.moved_docs;
      deleted += stats.deleted_docs;
      *updated += stats.aggregates_updated;
    }
  }
  // The batches exercised what they are meant to.
  EXPECT_GT(folds, 3);
  EXPECT_GT(moved, 10);
  EXPECT_GT(deleted, 10);
}

TEST(LayerBuildTest, LayersOfChangesServeWhatAWholeWindowDeltaServes) {
  // Sums and averages depend on the order of the docs: every touched
  // group's aggregates are recomputed over its docs.
  int64_t updated = 0;
  CheckLayersAgainstWholeWindow(Config(), &updated);
  EXPECT_EQ(updated, 0);
}

TEST(LayerBuildTest, CountsMinimaAndMaximaUpdatedFromTheRecordBelowAreExact) {
  PipelineConfig config = Config();
  config.aggregates = {{"count", ""}, {"min", "bid"}, {"max", "bid"}};
  // Most touched groups take their record's aggregates and the changes;
  // the rest (a superseded doc that may have held the minimum or maximum)
  // are recomputed. Either way, bit for bit a whole-window build's.
  int64_t updated = 0;
  CheckLayersAgainstWholeWindow(config, &updated);
  EXPECT_GT(updated, 50);
}

}  // namespace
}  // namespace freshet
