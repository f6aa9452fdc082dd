// Segment format 4 stores the group fields once per group. These tests hold
// it to the semantics of format 3, which copied them onto every doc: over the
// same data, every accessor and every search answers alike.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/hash.h"
#include "index/index_view.h"
#include "index/segment.h"
#include "index/segment/term_blocks.h"
#include "random_corpus.h"
#include "storage/memory_store.h"

namespace freshet {
namespace {

// A random segment: groups with and without a record, some without docs;
// docs sorted by (group key, id). Aggregates as the pipeline computes them
// (count, max of bid).
SegmentData RandomSegment(uint32_t seed, SegmentKind kind, int num_groups, int max_docs) {
  std::mt19937 rng(seed);
  SegmentData d;
  d.kind = kind;
  d.schema.doc_columns = {"ad_id", "title", "status", "bid"};
  d.schema.doc_roles = {kRoleStored, kRoleText | kRoleStored, kRoleKeyword | kRoleStored,
                        kRoleNumeric | kRoleStored};
  d.schema.group_columns = {"name", "brand", "price"};
  d.schema.group_roles = {kRoleText | kRoleStored, kRoleText | kRoleKeyword | kRoleStored,
                          kRoleNumeric | kRoleStored};
  d.schema.group_prefix = "item_";
  d.schema.aggregate_names = {"item_count", "item_max_bid"};
  for (int g = 0; g < num_groups; ++g) {
    SegmentGroup group;
    group.key = fmt::format("item-{:05d}", g);
    group.has_record = rng() % 5 != 0;
    group.version = static_cast<int64_t>(rng() % 100);
    if (group.has_record) {
      Value price =
          rng() % 4 == 0 ? Value() : Value::Double(static_cast<double>(rng() % 5000) / 100);
      group.row = Row{Value::String(RandomWords(rng, 6)),
                      Value::String(fmt::format("Brand {}", rng() % 40)), price};
    }
    group.first_doc = static_cast<uint32_t>(d.docs.size());
    const int docs = static_cast<int>(rng() % static_cast<unsigned>(max_docs + 1));
    double max_bid = std::nan("");
    for (int i = 0; i < docs; ++i) {
      const double bid = static_cast<double>(rng() % 300) / 100;
      max_bid = std::isnan(max_bid) ? bid : std::max(max_bid, bid);
      std::string id = fmt::format("ad-{:05d}-{:02d}", g, i);
      d.docs.push_back(
          SegmentDoc{id, static_cast<uint32_t>(g), static_cast<int64_t>(i),
                     Row{Value::String(id), Value::String(RandomWords(rng, 5)),
                         Value::String(rng() % 3 ? "active" : "paused"), Value::Double(bid)}});
    }
    group.doc_count = static_cast<uint32_t>(docs);
    group.aggregates = {static_cast<double>(docs), max_bid};
    d.groups.push_back(std::move(group));
  }
  return d;
}

bool SameNumber(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

std::unique_ptr<SegmentReader> Open(const SegmentData& data, uint32_t format) {
  auto r = SegmentReader::Open(fmt::format("v{}.seg", format), WriteSegment(data, format));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(*r);
}

// 700 groups: group posting lists long enough for 128-group blocks and
// skip data, and numeric blocks of 512 groups.
TEST(GroupSpaceTest, EveryAccessorAnswersAsTheDenormalizedFormat) {
  const SegmentData data = RandomSegment(7, SegmentKind::kBase, 700, 6);
  auto v3 = Open(data, 3);
  auto v4 = Open(data, 4);
  ASSERT_TRUE(v3 && v4);
  const SegmentSchema& schema = data.schema;
  // The same terms with the same doc frequencies, in the same order.
  std::vector<std::string> terms3, terms4;
  auto lister = [](std::vector<std::string>* out) {
    return [out](size_t f, std::string_view t, uint64_t df) {
      out->push_back(fmt::format("{}:{}:{}", f, t, df));
      return true;
    };
  };
  ASSERT_TRUE(v3->ForEachTerm(lister(&terms3)).ok());
  ASSERT_TRUE(v4->ForEachTerm(lister(&terms4)).ok());
  EXPECT_EQ(terms3, terms4);
  std::mt19937 rng(11);
  size_t group_terms = 0;
  ASSERT_TRUE(v3->ForEachTerm([&](size_t f, std::string_view t, uint64_t df) {
                  std::vector<uint32_t> f3, f4;
                  EXPECT_EQ(*v3->Postings(f, t, &f3), *v4->Postings(f, t, &f4)) << t;
                  EXPECT_EQ(f3, f4) << t;
                  EXPECT_EQ(v4->DocFreq(f, t), df) << t;
                  if (!schema.IsGroupField(f)) return true;
                  ++group_terms;
                  // Cursors driven by Advance land alike; block bounds hold.
                  auto c3 = std::move(v3->OpenPostings(f, t)).value();
                  auto c4 = std::move(v4->OpenPostings(f, t)).value();
                  uint32_t target = 0;
                  for (;;) {
                    const PostingsBound bound = c4->BlockBound(target);
                    const uint32_t d3 = c3->Advance(target), d4 = c4->Advance(target);
                    EXPECT_EQ(d3, d4) << t << " at " << target;
                    if (d4 == kNoMoreDocs) break;
                    EXPECT_LE(d4, bound.last_doc);
                    EXPECT_LE(c4->freq(), bound.max_freq);
                    EXPECT_EQ(c4->freq(), c3->freq());
                    EXPECT_GE(v4->FieldLength(f, d4).value_or(0), bound.min_length);
                    target = d4 + 1 + static_cast<uint32_t>(rng() % 20);
                  }
                  return true;
                }).ok());
  EXPECT_GT(group_terms, 50u);
  for (size_t f = 0; f < schema.field_count(); ++f) {
    EXPECT_EQ(v3->TotalFieldLength(f), v4->TotalFieldLength(f)) << schema.FieldName(f);
    const bool numeric = schema.FieldRoles(f) & kRoleNumeric;
    for (uint32_t d = 0; d < data.docs.size(); ++d) {
      EXPECT_EQ(v3->FieldLength(f, d), v4->FieldLength(f, d));
      if (numeric) {
        EXPECT_TRUE(SameNumber(v3->Numeric(f, d), v4->Numeric(f, d))) << f << " " << d;
      }
    }
    if (!numeric) continue;
    for (int i = 0; i < 300; ++i) {
      const uint32_t target = static_cast<uint32_t>(rng() % (data.docs.size() + 2));
      const double lo = static_cast<double>(rng() % 60) - 5, hi = lo + (rng() % 30);
      EXPECT_EQ(v3->NextInRange(f, target, lo, hi), v4->NextInRange(f, target, lo, hi))
          << schema.FieldName(f) << " [" << lo << ", " << hi << "] from " << target;
    }
  }
}

TEST(GroupSpaceTest, GroupFieldsAreIndexedOncePerGroup) {
  // item-1 (Acme) holds 2 docs; its terms are one group posting each.
  SegmentData d = RandomSegment(3, SegmentKind::kBase, 0, 0);
  d.groups = {SegmentGroup{"item-1",
                           true,
                           1,
                           Row{Value::String("Red lamp"), Value::String("Acme"), Value::Double(3)},
                           {2, 1.5},
                           0,
                           2}};
  for (const char* id : {"ad-1", "ad-2"}) {
    d.docs.push_back(SegmentDoc{id, 0, 1,
                                Row{Value::String(id), Value::String("shoe"),
                                    Value::String("active"), Value::Double(1.5)}});
  }
  const std::string bytes = WriteSegment(d);
  auto file = SectionContainer::Parse("s.seg", bytes);
  ASSERT_TRUE(file.ok());
  TermBlocks doc_terms, group_terms;
  ASSERT_TRUE(doc_terms.Open("s.seg", file->Section(SectionId::kTermBlocks)).ok());
  ASSERT_TRUE(group_terms.Open("s.seg", file->Section(SectionId::kGroupTermBlocks)).ok());
  const size_t name = *d.schema.FindField("item_name");
  const size_t brand = *d.schema.FindField("item_brand");
  EXPECT_FALSE(doc_terms.Find(name, "lamp")->has_value());  // not per doc
  ASSERT_TRUE(group_terms.Find(name, "lamp")->has_value());
  EXPECT_EQ((*group_terms.Find(name, "lamp"))->doc_freq, 1u);  // one group
  EXPECT_EQ((*group_terms.Find(brand, "Acme"))->doc_freq, 1u);
  EXPECT_TRUE(doc_terms.Find(*d.schema.FindField("title"), "shoe")->has_value());
  // Read per doc: both docs hold the group's terms and numbers.
  auto seg = SegmentReader::Open("s.seg", bytes);
  ASSERT_TRUE(seg.ok());
  EXPECT_EQ(*(*seg)->Postings(name, "lamp"), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ((*seg)->DocFreq(brand, "Acme"), 2u);
  EXPECT_EQ((*seg)->Numeric(*d.schema.FindField("item_max_bid"), 1), 1.5);
  EXPECT_EQ((*seg)->FieldLength(name, 1), 2u);
  EXPECT_EQ((*seg)->TotalFieldLength(name), 4u);  // 2 tokens x 2 docs
}

// Base + two delta layers, once in format 3 and once in format 4: every
// query answers with the same docs, totals and BM25 scores.
TEST(GroupSpaceTest, SearchesAnswerAsTheDenormalizedFormat) {
  SegmentData base = RandomSegment(21, SegmentKind::kBase, 400, 5);
  // Delta layers rewrite some groups whole (as the pipeline does).
  auto layer = [&](uint32_t seed, int every) {
    SegmentData fresh = RandomSegment(seed, SegmentKind::kDelta, 400, 5);
    SegmentData out = fresh;
    out.groups.clear();
    out.docs.clear();
    for (const SegmentGroup& g : fresh.groups) {
      if (std::hash<std::string>{}(g.key) % static_cast<size_t>(every) != 0) continue;
      SegmentGroup copy = g;
      copy.first_doc = static_cast<uint32_t>(out.docs.size());
      for (uint32_t i = 0; i < g.doc_count; ++i) {
        SegmentDoc doc = fresh.docs[g.first_doc + i];
        doc.group = static_cast<uint32_t>(out.groups.size());
        out.docs.push_back(std::move(doc));
      }
      out.groups.push_back(std::move(copy));
    }
    return out;
  };
  const std::vector<SegmentData> segments = {base, layer(22, 5), layer(23, 7)};
  auto open_view = [&](uint32_t format) {
    std::unique_ptr<ObjectStore> store = NewMemoryStore();
    Manifest m;
    m.pipeline = "p";
    m.version = 3;
    m.has_delta = true;
    for (size_t i = 0; i < segments.size(); ++i) {
      std::string bytes = WriteSegment(segments[i], format);
      std::string key = fmt::format("segments/{}.seg", i);
      EXPECT_TRUE(store->Put(key, bytes).ok());
      SegmentRef ref{key, bytes.size(), Hex64(Hash64(bytes)), 0, 0};
      ref.layer = i == 0 ? 0 : static_cast<uint32_t>(i - 1);
      (i == 0 ? m.base : m.delta).push_back(ref);
    }
    EXPECT_TRUE(store->Put("manifests/m.json", SerializeManifest(m)).ok());
    auto view = IndexView::OpenManifest(*store, "manifests/m.json", nullptr);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return std::make_pair(std::move(store), std::move(*view));
  };
  auto [store3, view3] = open_view(3);
  auto [store4, view4] = open_view(4);
  ASSERT_EQ(view3->LiveDocs(), view4->LiveDocs());
  const std::vector<std::string>& queries = GroupFieldQueries();
  const std::vector<SortOrder> sorts = {SortOrder{}, SortOrder{SortOrder::Kind::kDocId},
                                        SortOrder{SortOrder::Kind::kField, "item_price", true},
                                        SortOrder{SortOrder::Kind::kField, "item_max_bid", false}};
  for (const std::string& q : queries) {
    auto node = ParseQuery(q);
    ASSERT_TRUE(node.ok()) << q;
    for (const SortOrder& sort : sorts) {
      for (size_t limit : {size_t{10}, size_t{100000}}) {
        auto r3 = view3->Search(**node, SearchOptions{limit, 0, sort});
        auto r4 = view4->Search(**node, SearchOptions{limit, 0, sort});
        ASSERT_TRUE(r3.ok() && r4.ok()) << q;
        EXPECT_EQ(r3->total, r4->total) << q;
        ASSERT_EQ(r3->docs.size(), r4->docs.size()) << q;
        for (size_t i = 0; i < r3->docs.size(); ++i) {
          EXPECT_EQ(r3->docs[i].id, r4->docs[i].id) << q << " #" << i;
          EXPECT_NEAR(r3->docs[i].score, r4->docs[i].score, 1e-9) << q;
          EXPECT_EQ(r3->docs[i].fields, r4->docs[i].fields) << q;
        }
      }
    }
  }
}

}  // namespace
}  // namespace freshet
