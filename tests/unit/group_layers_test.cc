// Segment format 5: a delta layer holds only the docs that changed, the
// tombstones of the docs that left a group, and the changed groups' records;
// a reader takes each doc and each record from its highest layer. These
// tests hold a format-5 base plus random layers to one denormalized segment
// of the final state: every search answers with the same docs, fields,
// totals and BM25 scores (to 1e-9).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/hash.h"
#include "index/index_view.h"
#include "index/segment.h"
#include "index/segment/segment_merger.h"
#include "random_corpus.h"
#include "storage/memory_store.h"

namespace freshet {
namespace {

SegmentSchema Schema() {
  SegmentSchema s;
  s.doc_columns = {"ad_id", "title", "status", "bid"};
  s.doc_roles = {kRoleStored, kRoleText | kRoleStored, kRoleKeyword | kRoleStored,
                 kRoleNumeric | kRoleStored};
  s.group_columns = {"name", "brand", "price"};
  s.group_roles = {kRoleText | kRoleStored, kRoleText | kRoleKeyword | kRoleStored,
                   kRoleNumeric | kRoleStored};
  s.group_prefix = "item_";
  s.aggregate_names = {"item_count", "item_max_bid"};
  return s;
}

// The logical state of a corpus: what the denormalized index of it serves.
struct Doc {
  std::string group;
  int64_t version = 0;
  Row row;
};
struct Record {
  bool has_record = false;
  int64_t version = 0;
  Row row;
};
struct Corpus {
  std::map<std::string, Doc> docs;
  std::map<std::string, Record> groups;  // every group ever named

  // count and max of bid over the group's docs, as the pipeline computes them.
  std::vector<double> Aggregates(const std::string& key) const {
    double count = 0, max_bid = std::nan("");
    for (const auto& [id, d] : docs) {
      if (d.group != key) continue;
      ++count;
      const double bid = d.row[3].d;
      max_bid = std::isnan(max_bid) ? bid : std::max(max_bid, bid);
    }
    return {count, max_bid};
  }
};

Row RandomDocRow(std::mt19937& rng, const std::string& id) {
  return Row{Value::String(id), Value::String(RandomWords(rng, 5)),
             Value::String(rng() % 3 ? "active" : "paused"),
             Value::Double(static_cast<double>(rng() % 300) / 100)};
}

Record RandomRecord(std::mt19937& rng, int64_t version) {
  Record r;
  r.has_record = rng() % 6 != 0;
  r.version = version;
  if (r.has_record) {
    Value price = rng() % 4 == 0 ? Value() : Value::Double(static_cast<double>(rng() % 5000) / 100);
    r.row = Row{Value::String(RandomWords(rng, 6)),
                Value::String(fmt::format("Brand {}", rng() % 40)), price};
  }
  return r;
}

// One segment's worth of changes: entries by group key, each with its
// changed docs (by id) and its tombstones (by id).
struct Entry {
  std::set<std::string> docs;
  std::map<std::string, TombstoneKind> tombstones;
};

// The segment of `entries` (each group's record and aggregates as `state`
// holds them now, with the docs named), of `kind`, for shard `shard` of
// `shards`.
SegmentData Assemble(const Corpus& state, const std::map<std::string, Entry>& entries,
                     SegmentKind kind, size_t shard, size_t shards) {
  SegmentData d;
  d.kind = kind;
  d.schema = Schema();
  for (const auto& [key, entry] : entries) {
    if (ShardOfGroup(key, shards) != shard) continue;
    const auto ord = static_cast<uint32_t>(d.groups.size());
    const Record& r = state.groups.at(key);
    SegmentGroup g{key,
                   r.has_record,
                   r.version,
                   r.has_record ? r.row : Row{},
                   state.Aggregates(key),
                   static_cast<uint32_t>(d.docs.size()),
                   static_cast<uint32_t>(entry.docs.size())};
    d.groups.push_back(std::move(g));
    for (const std::string& id : entry.docs) {
      const Doc& doc = state.docs.at(id);
      d.docs.push_back(SegmentDoc{id, ord, doc.version, doc.row});
    }
    for (const auto& [id, how] : entry.tombstones) {
      d.tombstones.push_back(SegmentTombstone{id, ord, 0, how});
    }
  }
  return d;
}

// Every group of `state` with a record or a doc, whole.
std::map<std::string, Entry> WholeCorpus(const Corpus& state) {
  std::map<std::string, Entry> entries;
  for (const auto& [key, r] : state.groups) {
    if (r.has_record) entries[key];
  }
  for (const auto& [id, d] : state.docs) entries[d.group].docs.insert(id);
  return entries;
}

// A random corpus, then random layers of changes: docs updated in place,
// inserted, deleted, moved between groups (and back), group records changed
// alone or deleted, new groups.
struct Generation {
  std::vector<SegmentData> base;
  std::vector<std::vector<SegmentData>> layers;  // each a list of shards
  Corpus final_state;
};

Generation RandomGeneration(uint32_t seed, int num_groups, int num_layers, size_t shards) {
  std::mt19937 rng(seed);
  Generation out;
  Corpus& state = out.final_state;
  int64_t version = 1;
  auto group_key = [](int g) { return fmt::format("item-{:04d}", g); };
  int next_doc = 0;
  for (int g = 0; g < num_groups; ++g) {
    const std::string key = group_key(g);
    state.groups[key] = RandomRecord(rng, version++);
    const int docs = static_cast<int>(rng() % 6);
    for (int i = 0; i < docs; ++i) {
      const std::string id = fmt::format("ad-{:05d}", next_doc++);
      state.docs[id] = Doc{key, version++, RandomDocRow(rng, id)};
    }
  }
  const std::map<std::string, Entry> base_entries = WholeCorpus(state);
  for (size_t s = 0; s < shards; ++s) {
    out.base.push_back(Assemble(state, base_entries, SegmentKind::kBase, s, shards));
  }
  std::vector<std::string> moved;  // docs moved by an earlier layer, moved back later
  for (int layer = 0; layer < num_layers; ++layer) {
    std::map<std::string, Entry> entries;
    auto any_doc = [&]() -> std::string {
      if (state.docs.empty()) return "";
      auto it = state.docs.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(rng() % state.docs.size()));
      return it->first;
    };
    auto any_group = [&] {
      return group_key(static_cast<int>(rng() % static_cast<unsigned>(num_groups + 3)));
    };
    // A doc that changes in place or moves: its old group loses it (a
    // tombstone when it moves), its new group holds the new copy.
    auto upsert = [&](const std::string& id, const std::string& group, Row row) {
      auto old = state.docs.find(id);
      if (old != state.docs.end() && old->second.group != group) {
        entries[old->second.group].tombstones[id] = TombstoneKind::kMoved;
        entries[old->second.group].docs.erase(id);
      }
      if (!state.groups.count(group)) state.groups[group] = Record{};
      state.docs[id] = Doc{group, version++, std::move(row)};
      entries[group].docs.insert(id);
      entries[group].tombstones.erase(id);
    };
    const int changes = 3 + static_cast<int>(rng() % 25);
    for (int c = 0; c < changes; ++c) {
      const unsigned what = rng() % 7;
      if (what == 0) {  // a doc updated in place
        const std::string id = any_doc();
        if (!id.empty()) upsert(id, state.docs[id].group, RandomDocRow(rng, id));
      } else if (what == 1) {  // a new doc
        const std::string id = fmt::format("ad-{:05d}", next_doc++);
        upsert(id, any_group(), RandomDocRow(rng, id));
      } else if (what == 2) {  // a doc deleted
        const std::string id = any_doc();
        if (id.empty()) continue;
        const std::string group = state.docs[id].group;
        state.docs.erase(id);
        entries[group].docs.erase(id);
        entries[group].tombstones[id] = TombstoneKind::kDeleted;
      } else if (what == 3) {  // a doc moved to another group, its row kept or not
        const std::string id = any_doc();
        if (id.empty()) continue;
        Row row = rng() % 2 ? state.docs[id].row : RandomDocRow(rng, id);
        moved.push_back(id);
        upsert(id, any_group(), std::move(row));
      } else if (what == 4 && !moved.empty()) {  // moved back (A -> B -> A)
        const std::string id = moved[rng() % moved.size()];
        if (state.docs.count(id)) upsert(id, any_group(), state.docs[id].row);
      } else if (what == 5) {  // a group record changed alone (or deleted)
        const std::string key = any_group();
        state.groups[key] = RandomRecord(rng, version++);
        entries[key];
      } else if (what == 6) {  // a deleted doc back under its old id
        const std::string id = fmt::format("ad-{:05d}", rng() % static_cast<unsigned>(next_doc));
        if (!state.docs.count(id)) upsert(id, any_group(), RandomDocRow(rng, id));
      }
    }
    std::vector<SegmentData>& segments = out.layers.emplace_back();
    for (size_t s = 0; s < shards; ++s) {
      SegmentData d = Assemble(state, entries, SegmentKind::kDelta, s, shards);
      if (!d.groups.empty()) segments.push_back(std::move(d));
    }
  }
  return out;
}

struct OpenedView {
  std::unique_ptr<ObjectStore> store;
  std::shared_ptr<IndexView> view;
};

// A manifest of `base` and `layers` (each a list of segments), written in
// `format`.
Result<OpenedView> OpenView(const std::vector<SegmentData>& base,
                            const std::vector<std::vector<SegmentData>>& layers,
                            uint32_t base_format, uint32_t delta_format) {
  OpenedView out{NewMemoryStore(), nullptr};
  Manifest m;
  m.pipeline = "p";
  m.version = 3;
  m.has_delta = !layers.empty();
  int n = 0;
  auto add = [&](const SegmentData& data, uint32_t format, std::vector<SegmentRef>* refs,
                 uint32_t layer) {
    std::string bytes = WriteSegment(data, format);
    std::string key = fmt::format("segments/{}.seg", n++);
    EXPECT_TRUE(out.store->Put(key, bytes).ok());
    SegmentRef ref{key, bytes.size(), Hex64(Hash64(bytes)), 0, 0};
    ref.layer = layer;
    refs->push_back(ref);
  };
  for (const SegmentData& d : base) add(d, base_format, &m.base, 0);
  for (size_t l = 0; l < layers.size(); ++l) {
    for (const SegmentData& d : layers[l]) add(d, delta_format, &m.delta, static_cast<uint32_t>(l));
  }
  EXPECT_TRUE(out.store->Put("manifests/m.json", SerializeManifest(m)).ok());
  ASSIGN_OR_RETURN(out.view, IndexView::OpenManifest(*out.store, "manifests/m.json", nullptr));
  return out;
}

// GroupFieldQueries() and a few more: every doc, an aggregate's equality, a
// NOT alone, a doc-field range with a group term; group ranges checked per
// candidate of a term, of another range, listed in an OR and excluded, and
// group phrases beside a term.
std::vector<std::string> Queries() {
  std::vector<std::string> queries = GroupFieldQueries();
  for (const char* q :
       {"*", "item_count:1", "-item_brand:\"Brand 3\"", "bid:[1 TO 2] item_name:set",
        "lamp item_price:[10 TO 30]", "item_price:[5 TO 30] item_count:[2 TO *]",
        "kite OR item_price:[10 TO 12]", "lamp -item_price:[10 TO 20]",
        "lamp item_name:\"red lamp\"", "item_name:lamp item_brand:\"Brand 7\""}) {
    queries.push_back(q);
  }
  return queries;
}

// Every query and sort answers alike in both views.
void ExpectSameAnswers(const IndexView& expected, const IndexView& actual,
                       const std::string& label) {
  ASSERT_EQ(expected.LiveDocs(), actual.LiveDocs()) << label;
  const std::vector<SortOrder> sorts = {SortOrder{}, SortOrder{SortOrder::Kind::kDocId},
                                        SortOrder{SortOrder::Kind::kField, "item_price", true},
                                        SortOrder{SortOrder::Kind::kField, "item_max_bid", false}};
  for (const std::string& q : Queries()) {
    auto node = ParseQuery(q);
    ASSERT_TRUE(node.ok()) << q;
    for (const SortOrder& sort : sorts) {
      for (size_t limit : {size_t{7}, size_t{100000}}) {
        auto a = expected.Search(**node, SearchOptions{limit, 0, sort});
        auto b = actual.Search(**node, SearchOptions{limit, 0, sort});
        ASSERT_TRUE(a.ok()) << a.status().ToString();
        ASSERT_TRUE(b.ok()) << b.status().ToString();
        ASSERT_EQ(a->total, b->total) << label << ": " << q;
        ASSERT_EQ(a->docs.size(), b->docs.size()) << label << ": " << q;
        for (size_t i = 0; i < a->docs.size(); ++i) {
          EXPECT_EQ(a->docs[i].id, b->docs[i].id) << label << ": " << q << " #" << i;
          EXPECT_NEAR(a->docs[i].score, b->docs[i].score, 1e-9) << label << ": " << q;
          EXPECT_EQ(a->docs[i].group, b->docs[i].group) << label << ": " << q;
          EXPECT_EQ(a->docs[i].fields, b->docs[i].fields) << label << ": " << q;
        }
      }
    }
  }
}

TEST(GroupLayersTest, LayersOfChangedDocsAndRecordsAnswerAsOneDenormalizedSegment) {
  size_t tombstones = 0, moves = 0, imported = 0;
  for (uint32_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    const Generation gen = RandomGeneration(seed, 120, 1 + static_cast<int>(seed % 5), 2);
    const std::vector<SegmentData> flat = {
        Assemble(gen.final_state, WholeCorpus(gen.final_state), SegmentKind::kBase, 0, 1)};
    auto expected = OpenView(flat, {}, 3, 3);
    auto layered = OpenView(gen.base, gen.layers, 5, 5);
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    ASSERT_TRUE(layered.ok()) << layered.status().ToString();
    ExpectSameAnswers(*expected->view, *layered->view, fmt::format("seed {}", seed));
    for (const auto& layer : gen.layers) {
      for (const SegmentData& d : layer) {
        tombstones += d.tombstones.size();
        for (const SegmentTombstone& t : d.tombstones) moves += t.kind == TombstoneKind::kMoved;
      }
    }
    const GroupDirectory& directory = layered->view->directory();
    for (size_t i = 0; i < directory.size(); ++i) {
      imported += directory.ImportedGroups(i).size();
      // Each imported group once, by the record serving it, in record order.
      const auto& by_record = directory.ImportsByRecord(i);
      EXPECT_EQ(by_record.size(), directory.ImportedGroups(i).size());
      for (size_t k = 0; k < by_record.size(); ++k) {
        const RecordLocation live = directory.LiveRecord(i, by_record[k].group);
        EXPECT_EQ(live.segment, by_record[k].record_segment);
        EXPECT_EQ(live.group, by_record[k].record_group);
        if (k > 0) {
          EXPECT_LT(std::make_pair(by_record[k - 1].record_segment, by_record[k - 1].record_group),
                    std::make_pair(by_record[k].record_segment, by_record[k].record_group));
        }
      }
    }
    // Every live doc by id, with its live record's fields.
    for (const auto& [id, doc] : gen.final_state.docs) {
      auto a = expected->view->GetDoc(id);
      auto b = layered->view->GetDoc(id);
      ASSERT_TRUE(a.ok() && b.ok()) << id;
      EXPECT_EQ(a->fields, b->fields) << id;
    }
    // Deleted docs stay deleted.
    for (int i = 0; i < 400; ++i) {
      const std::string id = fmt::format("ad-{:05d}", i);
      EXPECT_EQ(layered->view->GetDoc(id).ok(), gen.final_state.docs.count(id) == 1) << id;
    }
  }
  // The layers exercised what they are meant to.
  EXPECT_GT(tombstones, 20u);
  EXPECT_GT(moves, 10u);
  EXPECT_GT(imported, 20u);
}

TEST(GroupLayersTest, AFormatFourBaseTakesFormatFiveLayers) {
  const Generation gen = RandomGeneration(9, 80, 3, 1);
  const std::vector<SegmentData> flat = {
      Assemble(gen.final_state, WholeCorpus(gen.final_state), SegmentKind::kBase, 0, 1)};
  auto expected = OpenView(flat, {}, 4, 4);
  auto layered = OpenView(gen.base, gen.layers, 4, 5);
  ASSERT_TRUE(expected.ok() && layered.ok());
  ExpectSameAnswers(*expected->view, *layered->view, "format-4 base");
}

TEST(GroupLayersTest, AFormatThreeBaseUnderFormatFiveLayersIsRefusedNamingTheManifest) {
  const Generation gen = RandomGeneration(10, 20, 1, 1);
  auto layered = OpenView(gen.base, gen.layers, 3, 5);
  ASSERT_FALSE(layered.ok());
  EXPECT_EQ(layered.status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(layered.status().message(),
            "manifest 'manifests/m.json': segment 'segments/1.seg' (format 5) supersedes docs by "
            "id, but lies over segment 'segments/0.seg' of format 3, whose docs hold their "
            "group's fields in their own postings; rebuild the base (build-full or compact) in "
            "format 4 or later");
}

// A record-only change in a higher layer: the base's docs of the group
// answer with the new record, the old record matches nothing.
TEST(GroupLayersTest, ARecordOnlyLayerChangesWhatTheLowerDocsHold) {
  Corpus state;
  state.groups["item-1"] =
      Record{true, 1, Row{Value::String("red lamp"), Value::String("Acme"), Value::Double(10)}};
  for (const char* id : {"ad-1", "ad-2"}) {
    state.docs[id] = Doc{
        "item-1", 1,
        Row{Value::String(id), Value::String("desk"), Value::String("active"), Value::Double(1)}};
  }
  const std::vector<SegmentData> base = {
      Assemble(state, WholeCorpus(state), SegmentKind::kBase, 0, 1)};
  state.groups["item-1"] =
      Record{true, 2, Row{Value::String("blue kite"), Value::String("Zenith"), Value::Double(30)}};
  std::map<std::string, Entry> change;
  change["item-1"];
  const std::vector<std::vector<SegmentData>> layers = {
      {Assemble(state, change, SegmentKind::kDelta, 0, 1)}};
  auto view = OpenView(base, layers, 5, 5);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  auto count = [&](const char* q) {
    auto node = ParseQuery(q);
    return (*view->view->Search(**node, SearchOptions{10, 0, SortOrder{}})).total;
  };
  EXPECT_EQ(count("item_name:kite"), 2u);
  EXPECT_EQ(count("item_name:lamp"), 0u);
  EXPECT_EQ(count("item_brand:Zenith"), 2u);
  EXPECT_EQ(count("item_price:[20 TO 40]"), 2u);
  EXPECT_EQ(count("item_price:10"), 0u);
  EXPECT_EQ(view->view->LiveDocs(), 2u);
  auto doc = view->view->GetDoc("ad-2");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->fields[4],
            (std::pair<std::string, Value>{"item_name", Value::String("blue kite")}));
}

// Each segment of `view` as a merge source, with what the view serves of it.
std::vector<MergeSource> ServedSources(const IndexView& view) {
  std::vector<MergeSource> sources;
  for (size_t i = 0; i < view.directory().size(); ++i) {
    sources.push_back(
        MergeSource{&view.directory().segment(i), &view.HiddenGroups(i), &view.HiddenDocs(i)});
  }
  return sources;
}

// Compaction: a format-5 generation merges into a base that answers alike,
// written in format 4 or 5.
TEST(GroupLayersTest, AFormatFiveGenerationMergesIntoAnEqualBase) {
  for (uint32_t seed : {31u, 32u, 33u}) {
    const Generation gen = RandomGeneration(seed, 100, 4, 2);
    auto layered = OpenView(gen.base, gen.layers, 5, 5);
    ASSERT_TRUE(layered.ok()) << layered.status().ToString();
    const IndexView& view = *layered->view;
    MergeStats stats;
    auto merged = MergeSegments(ServedSources(view), Schema(), 2, 1, &stats);
    ASSERT_TRUE(merged.ok()) << merged.status().ToString();
    EXPECT_EQ(static_cast<uint64_t>(stats.docs), view.LiveDocs());
    for (uint32_t format : {4u, 5u}) {
      auto base = OpenView(*merged, {}, format, format);
      ASSERT_TRUE(base.ok()) << base.status().ToString();
      ExpectSameAnswers(view, *base->view,
                        fmt::format("seed {} merged into format {}", seed, format));
    }
  }
}

// Compaction under a memory budget: merged a small part at a time, each
// shard is written as several segments of whole groups, each group in its
// shard and in key order across the parts; they hold what the whole merge
// holds, answer as the layered generation does, and the same part size
// gives the same segments on one thread or two.
TEST(GroupLayersTest, AGenerationMergedInPartsAnswersAsTheWholeMerge) {
  const Generation gen = RandomGeneration(51, 200, 3, 2);
  auto layered = OpenView(gen.base, gen.layers, 5, 5);
  ASSERT_TRUE(layered.ok()) << layered.status().ToString();
  const IndexView& view = *layered->view;
  const std::vector<MergeSource> sources = ServedSources(view);
  MergeStats whole_stats;
  const auto whole = MergeSegments(sources, Schema(), 2, 1, &whole_stats);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  auto in_parts = [&](int threads, MergeStats* stats) {
    std::vector<std::vector<SegmentData>> parts(2);
    std::mutex mu;
    Status st = MergeSegmentsInParts(sources, Schema(), 2, threads, 8 << 10, stats,
                                     [&](size_t shard, size_t part, SegmentData data) {
                                       std::lock_guard lock(mu);
                                       EXPECT_EQ(part, parts[shard].size()) << "shard " << shard;
                                       parts[shard].push_back(std::move(data));
                                       return Status::OK();
                                     });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return parts;
  };
  MergeStats stats;
  const std::vector<std::vector<SegmentData>> parts = in_parts(2, &stats);
  EXPECT_EQ(stats.docs, whole_stats.docs);
  EXPECT_EQ(stats.groups, whole_stats.groups);
  EXPECT_EQ(stats.superseded_groups, whole_stats.superseded_groups);
  EXPECT_EQ(stats.emptied_groups, whole_stats.emptied_groups);
  EXPECT_EQ(static_cast<uint64_t>(stats.docs), view.LiveDocs());
  std::vector<SegmentData> flat;
  for (size_t shard = 0; shard < parts.size(); ++shard) {
    EXPECT_GE(parts[shard].size(), 3u) << "shard " << shard;
    std::vector<std::string> keys, doc_ids;
    for (const SegmentData& part : parts[shard]) {
      EXPECT_FALSE(part.groups.empty()) << "shard " << shard;
      for (const SegmentGroup& g : part.groups) {
        EXPECT_EQ(ShardOfGroup(g.key, 2), shard) << g.key;
        keys.push_back(g.key);
      }
      for (const SegmentDoc& d : part.docs) doc_ids.push_back(d.id);
      flat.push_back(part);
    }
    std::vector<std::string> whole_keys, whole_ids;
    for (const SegmentGroup& g : (*whole)[shard].groups) whole_keys.push_back(g.key);
    for (const SegmentDoc& d : (*whole)[shard].docs) whole_ids.push_back(d.id);
    EXPECT_EQ(keys, whole_keys) << "shard " << shard;
    EXPECT_EQ(doc_ids, whole_ids) << "shard " << shard;
  }
  auto base = OpenView(flat, {}, 5, 5);
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  ExpectSameAnswers(view, *base->view, "merged in parts");

  MergeStats again_stats;
  const std::vector<std::vector<SegmentData>> again = in_parts(1, &again_stats);
  ASSERT_EQ(again.size(), parts.size());
  for (size_t shard = 0; shard < parts.size(); ++shard) {
    ASSERT_EQ(again[shard].size(), parts[shard].size()) << "shard " << shard;
    for (size_t p = 0; p < parts[shard].size(); ++p) {
      EXPECT_TRUE(WriteSegment(again[shard][p], 5) == WriteSegment(parts[shard][p], 5))
          << "shard " << shard << ", part " << p;
    }
  }
}

// A doc served by two sources is an error naming both segments, not a
// duplicate in the merged base.
TEST(GroupLayersTest, MergingADocServedTwiceIsCorruption) {
  const Generation gen = RandomGeneration(41, 30, 1, 1);
  auto layered = OpenView(gen.base, gen.layers, 5, 5);
  ASSERT_TRUE(layered.ok());
  const IndexView& view = *layered->view;
  // The base's docs all said to be served: the lower copies of changed docs
  // come along.
  const std::vector<bool> none_hidden(view.directory().segment(0).num_docs(), false);
  std::vector<MergeSource> sources;
  for (size_t i = 0; i < view.directory().size(); ++i) {
    sources.push_back(MergeSource{&view.directory().segment(i), &view.HiddenGroups(i),
                                  i == 0 ? &none_hidden : &view.HiddenDocs(i)});
  }
  MergeStats stats;
  auto merged = MergeSegments(sources, Schema(), 1, 1, &stats);
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.status().code(), StatusCode::kCorruption);
  EXPECT_NE(merged.status().message().find(
                "is served by both segment 'segments/0.seg' and segment 'segments/1.seg'"),
            std::string::npos)
      << merged.status().message();
}

// Each part of WriteMergedSegments by (shard, part), and its stats.
struct WrittenParts {
  std::map<std::pair<size_t, size_t>, std::string> bytes;
  MergeStats stats;
};
WrittenParts WriteMerged(const IndexView& view, const SegmentSchema& schema, uint64_t part_bytes,
                         uint32_t format, MergeMethod method) {
  WrittenParts out;
  std::mutex mu;
  Status st = WriteMergedSegments(ServedSources(view), schema, 2, 2, part_bytes, format, method,
                                  &out.stats, [&](size_t shard, size_t part, MergedPart written) {
                                    std::lock_guard lock(mu);
                                    out.bytes[{shard, part}] = std::move(written.bytes);
                                    return Status::OK();
                                  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

// `segments` with positions kept for the text fields `doc_fields` and
// `group_fields` (column indexes).
std::vector<SegmentData> WithPositions(std::vector<SegmentData> segments,
                                       std::vector<bool> doc_fields,
                                       std::vector<bool> group_fields) {
  for (SegmentData& d : segments) {
    d.schema.doc_positions = doc_fields;
    d.schema.group_positions = group_fields;
  }
  return segments;
}

// The postings-level merge writes the bytes the row-level merge writes
// (which analyzes the merged rows again), whole or in parts, with and
// without positions, and the bytes a build of the final state writes; no
// source is analyzed again.
TEST(GroupLayersTest, MergedPostingsWriteTheBytesOfAnalyzedRows) {
  const std::vector<bool> title{false, true, false, false}, name_brand{true, true, false};
  for (uint32_t seed : {61u, 62u, 63u, 64u}) {
    for (const bool positions : {false, true}) {
      Generation gen = RandomGeneration(seed, 150, 1 + seed % 4, 2);
      SegmentSchema schema = Schema();
      if (positions) {
        gen.base = WithPositions(gen.base, title, name_brand);
        for (auto& layer : gen.layers) layer = WithPositions(layer, title, name_brand);
        schema.doc_positions = title;
        schema.group_positions = name_brand;
      }
      auto layered = OpenView(gen.base, gen.layers, 5, 5);
      ASSERT_TRUE(layered.ok()) << layered.status().ToString();
      const IndexView& view = *layered->view;
      const std::string label = fmt::format("seed {}, positions {}", seed, positions);
      for (const uint64_t part_bytes : {UINT64_MAX, uint64_t{6} << 10}) {
        const WrittenParts merged =
            WriteMerged(view, schema, part_bytes, 5, MergeMethod::kPostings);
        EXPECT_EQ(merged.stats.rows_merged_because, "") << label;
        EXPECT_EQ(static_cast<uint64_t>(merged.stats.docs), view.LiveDocs()) << label;
        const WrittenParts analyzed = WriteMerged(view, schema, part_bytes, 5, MergeMethod::kRows);
        EXPECT_NE(analyzed.stats.rows_merged_because, "") << label;
        ASSERT_EQ(merged.bytes.size(), analyzed.bytes.size()) << label;
        if (part_bytes != UINT64_MAX) {
          EXPECT_GT(merged.bytes.size(), 4u) << label;
        }
        for (const auto& [at, bytes] : analyzed.bytes) {
          EXPECT_TRUE(merged.bytes.at(at) == bytes)
              << label << ", shard " << at.first << ", part " << at.second;
        }
      }
      // The same bytes as a build of the final state: groups without a
      // record have no version (a snapshot knows none).
      Corpus snapshot = gen.final_state;
      for (auto& [key, r] : snapshot.groups) {
        if (!r.has_record) r.version = 0;
      }
      const WrittenParts whole = WriteMerged(view, schema, UINT64_MAX, 5, MergeMethod::kPostings);
      for (size_t shard = 0; shard < 2; ++shard) {
        SegmentData built = Assemble(snapshot, WholeCorpus(snapshot), SegmentKind::kBase, shard, 2);
        built.schema = schema;
        EXPECT_TRUE(whole.bytes.at({shard, 0}) == WriteSegment(built, 5))
            << label << ", shard " << shard;
      }
    }
  }
}

// Where the postings cannot be merged the rows are analyzed, with the
// reason: format-4 sources (which do not index the records of groups
// without docs), a merged base in format 4, a field that keeps positions in
// the merged base and not in a source holding its terms, another analyzer.
TEST(GroupLayersTest, PostingsAreNotMergedFromSourcesIndexedOtherwise) {
  const Generation gen = RandomGeneration(71, 80, 2, 2);
  auto expect_rows = [](const IndexView& view, const SegmentSchema& schema, uint32_t format,
                        const std::string& reason) {
    const WrittenParts merged =
        WriteMerged(view, schema, UINT64_MAX, format, MergeMethod::kPostings);
    EXPECT_NE(merged.stats.rows_merged_because.find(reason), std::string::npos)
        << merged.stats.rows_merged_because;
    const WrittenParts analyzed = WriteMerged(view, schema, UINT64_MAX, format, MergeMethod::kRows);
    EXPECT_TRUE(merged.bytes == analyzed.bytes) << reason;
  };
  auto format_four = OpenView(gen.base, gen.layers, 4, 5);
  ASSERT_TRUE(format_four.ok()) << format_four.status().ToString();
  expect_rows(*format_four->view, Schema(), 5, "is of format 4");

  auto layered = OpenView(gen.base, gen.layers, 5, 5);
  ASSERT_TRUE(layered.ok()) << layered.status().ToString();
  expect_rows(*layered->view, Schema(), 4, "written in format 4");
  SegmentSchema positioned = Schema();
  positioned.doc_positions = {false, true, false, false};
  expect_rows(*layered->view, positioned, 5,
              "holds terms of field 'title' without their positions");
  SegmentSchema unicode = Schema();
  unicode.doc_analyzers = {1, kUnicodeAnalyzer, 1, 1};
  unicode.group_analyzers = {1, 1, 1};
  expect_rows(*layered->view, unicode, 5, "other columns or analyzers");
}

}  // namespace
}  // namespace freshet
