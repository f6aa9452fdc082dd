#include "index/ranking.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/hash.h"
#include "index/index_view.h"
#include "storage/memory_store.h"

namespace freshet {
namespace {

TEST(SortOrderTest, ParsesEverySpecAndRejectsOthers) {
  EXPECT_EQ(ParseSortOrder("score")->kind, SortOrder::Kind::kScore);
  EXPECT_EQ(ParseSortOrder("id")->kind, SortOrder::Kind::kDocId);
  auto bid = ParseSortOrder("bid");
  ASSERT_TRUE(bid.ok());
  EXPECT_EQ(bid->kind, SortOrder::Kind::kField);
  EXPECT_EQ(bid->field, "bid");
  EXPECT_TRUE(bid->descending);
  EXPECT_FALSE(ParseSortOrder("bid:asc")->descending);
  EXPECT_EQ(ParseSortOrder("bid:asc")->ToString(), "bid:asc");
  auto bad = ParseSortOrder("bid:up");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "sort 'bid:up': expected score, id, FIELD, FIELD:asc or FIELD:desc");
  EXPECT_FALSE(ParseSortOrder(":asc").ok());
}

// Values worked out by hand from the formulas in ranking.h.
TEST(Bm25Test, IdfAndTermWeightFollowTheFormula) {
  EXPECT_NEAR(Bm25Idf(3, 1), std::log(1 + 2.5 / 1.5), 1e-12);  // 0.9808
  EXPECT_NEAR(Bm25Idf(3, 1), 0.980829, 1e-6);
  EXPECT_GT(Bm25Idf(1000, 1), Bm25Idf(1000, 500));  // rarer terms weigh more
  EXPECT_GT(Bm25Idf(10, 10), 0);                    // never negative (Lucene's variant)
  // tf 1, a doc 1.5x the average length: 2.2 / (1 + 1.2 * (0.25 + 0.75 * 1.5)).
  EXPECT_NEAR(Bm25TermWeight(1, 3, 2), 2.2 / 2.65, 1e-12);
  // Average length: the norm is 1, weight = tf (k1 + 1) / (tf + k1).
  EXPECT_NEAR(Bm25TermWeight(2, 4, 4), 4.4 / 3.2, 1e-12);
  // Saturation: more occurrences weigh more, but never past k1 + 1.
  EXPECT_LT(Bm25TermWeight(1, 4, 4), Bm25TermWeight(3, 4, 4));
  EXPECT_LT(Bm25TermWeight(1000, 4, 4), 2.2);
  // No length statistics: no normalization.
  EXPECT_NEAR(Bm25TermWeight(1, 100, 0), 1.0, 1e-12);
}

class RankingViewTest : public ::testing::Test {
 protected:
  std::unique_ptr<ObjectStore> store_ = NewMemoryStore();
  void SetUp() override {
    // One group per doc; title is text, bid numeric.
    SegmentData d;
    d.schema.doc_columns = {"title", "bid"};
    d.schema.doc_roles = {kRoleText | kRoleStored, kRoleNumeric | kRoleStored};
    auto add = [&](std::string id, std::string title, Value bid) {
      uint32_t g = static_cast<uint32_t>(d.groups.size());
      d.groups.push_back(SegmentGroup{"g-" + id, false, 0, Row{}, {}, g, 1});
      d.docs.push_back(SegmentDoc{id, g, 1, Row{Value::String(title), bid}});
    };
    add("a", "red shoes", Value::Double(1));            // 2 tokens
    add("b", "red red shoes shoes", Value::Double(3));  // 4 tokens
    add("c", "blue hat", Value::Double(2));             // 2 tokens
    add("d", "red", Value());                           // 1 token, no bid
    std::string bytes = WriteSegment(d);
    ASSERT_TRUE(store_->Put("segments/s.seg", bytes).ok());
    Manifest m;
    m.pipeline = "p";
    m.version = 1;
    m.base = {SegmentRef{"segments/s.seg", bytes.size(), Hex64(Hash64(bytes)), 4, 4}};
    ASSERT_TRUE(store_->Put("manifests/m.json", SerializeManifest(m)).ok());
    auto view = IndexView::OpenManifest(*store_, "manifests/m.json", nullptr);
    ASSERT_TRUE(view.ok()) << view.status().ToString();
    view_ = std::move(*view);
  }

  std::vector<std::string> Ids(const char* q, const char* sort, size_t limit = 10,
                               size_t offset = 0) {
    auto node = ParseQuery(q);
    EXPECT_TRUE(node.ok());
    auto r = view_->Search(**node, SearchOptions{limit, offset, *ParseSortOrder(sort)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> ids;
    for (const auto& doc : r->docs) ids.push_back(doc.id);
    return ids;
  }

  std::shared_ptr<IndexView> view_;
};

TEST_F(RankingViewTest, SegmentRecordsFieldLengths) {
  const SegmentReader& s = *view_->base()[0];
  EXPECT_EQ(s.format_version(), kDefaultWrittenSegmentFormatVersion);
  size_t title = *s.schema().FindField("title");
  EXPECT_EQ(s.FieldLength(title, 1), 4u);
  EXPECT_EQ(s.FieldLength(title, 3), 1u);
  EXPECT_EQ(s.TotalFieldLength(title), 9u);
  EXPECT_FALSE(s.FieldLength(*s.schema().FindField("bid"), 0).has_value());  // not text
  std::vector<uint32_t> freqs;
  EXPECT_EQ(*s.Postings(title, "red", &freqs), (std::vector<uint32_t>{0, 1, 3}));
  EXPECT_EQ(freqs, (std::vector<uint32_t>{1, 2, 1}));
  EXPECT_EQ(s.DocFreq(title, "red"), 3u);
  EXPECT_EQ(s.DocFreq(title, "green"), 0u);
}

TEST_F(RankingViewTest, Bm25ScoresMatchAHandComputation) {
  auto node = ParseQuery("red");
  auto r = view_->Search(**node, SearchOptions{10, 0, SortOrder{}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->docs.size(), 3u);
  // N = 4, df(red) = 3, average title length 9 / 4 = 2.25.
  const double idf = std::log(1 + (4 - 3 + 0.5) / (3 + 0.5));
  auto score = [&](double tf, double len) {
    return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len / 2.25));
  };
  // d: tf 1 in 1 token (0.4616); b: tf 2 in 4 tokens (0.4024); a: tf 1 in 2 tokens (0.3737).
  EXPECT_EQ(r->docs[0].id, "d");
  EXPECT_NEAR(r->docs[0].score, score(1, 1), 1e-9);
  EXPECT_EQ(r->docs[1].id, "b");
  EXPECT_NEAR(r->docs[1].score, score(2, 4), 1e-9);
  EXPECT_EQ(r->docs[2].id, "a");
  EXPECT_NEAR(r->docs[2].score, score(1, 2), 1e-9);
  EXPECT_EQ(r->total, 3u);
}

TEST_F(RankingViewTest, NegatedAndFilterTermsDoNotScore) {
  // "-blue" and the range filter change which docs match, not their scores.
  auto plain = view_->Search(**ParseQuery("shoes"), SearchOptions{});
  auto filtered = view_->Search(**ParseQuery("shoes -blue bid:[0 TO 10]"), SearchOptions{});
  ASSERT_TRUE(plain.ok() && filtered.ok());
  ASSERT_EQ(plain->docs.size(), filtered->docs.size());
  for (size_t i = 0; i < plain->docs.size(); ++i) {
    EXPECT_EQ(plain->docs[i].id, filtered->docs[i].id);
    EXPECT_DOUBLE_EQ(plain->docs[i].score, filtered->docs[i].score);
  }
  // `*` matches everything with score 0: ties go by doc id.
  EXPECT_EQ(Ids("*", "score"), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_F(RankingViewTest, SortsByANumericFieldWithMissingValuesLast) {
  EXPECT_EQ(Ids("*", "bid"), (std::vector<std::string>{"b", "c", "a", "d"}));
  EXPECT_EQ(Ids("*", "bid:asc"), (std::vector<std::string>{"a", "c", "b", "d"}));
  EXPECT_EQ(Ids("*", "id"), (std::vector<std::string>{"a", "b", "c", "d"}));
  auto r = view_->Search(**ParseQuery("*"), SearchOptions{10, 0, *ParseSortOrder("title")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "sort: 'title' is not a numeric field");
}

TEST_F(RankingViewTest, PagesConcatenateToTheFullRanking) {
  std::vector<std::string> all = Ids("red OR shoes OR hat", "score", 100);
  ASSERT_EQ(all.size(), 4u);
  std::vector<std::string> paged;
  for (size_t offset = 0; offset < 5; offset += 2) {
    for (auto& id : Ids("red OR shoes OR hat", "score", 2, offset)) paged.push_back(id);
  }
  EXPECT_EQ(paged, all);
  EXPECT_TRUE(Ids("red", "score", 10, 50).empty());  // past the end
  EXPECT_TRUE(Ids("red", "score", 0, 0).empty());
}

// Segments of one-doc groups ("g-" + id) with a text title, for views of
// several segments and layers.
class LayeredRankingTest : public ::testing::Test {
 protected:
  std::unique_ptr<ObjectStore> store_ = NewMemoryStore();
  // `docs`: id -> title; an empty title lists the group with no doc (deleted).
  static SegmentData Segment(SegmentKind kind, const std::map<std::string, std::string>& docs) {
    SegmentData d;
    d.kind = kind;
    d.schema.doc_columns = {"title"};
    d.schema.doc_roles = {kRoleText | kRoleStored};
    for (const auto& [id, title] : docs) {
      uint32_t g = static_cast<uint32_t>(d.groups.size());
      uint32_t first = static_cast<uint32_t>(d.docs.size());
      d.groups.push_back(
          SegmentGroup{"g-" + id, false, 0, Row{}, {}, first, title.empty() ? 0u : 1u});
      if (!title.empty()) d.docs.push_back(SegmentDoc{id, g, 1, Row{Value::String(title)}});
    }
    return d;
  }
  SegmentRef Put(const SegmentData& d, uint32_t layer) {
    std::string bytes = WriteSegment(d, 4);  // whole-group deltas (format 4)
    std::string key = "segments/" + Hex64(Hash64(bytes)) + ".seg";
    EXPECT_TRUE(store_->Put(key, bytes).ok());
    return SegmentRef{key,
                      bytes.size(),
                      Hex64(Hash64(bytes)),
                      static_cast<uint32_t>(d.docs.size()),
                      static_cast<uint32_t>(d.groups.size()),
                      layer};
  }
  // A view of `base` and the delta layers `layers` (lowest first).
  std::shared_ptr<IndexView> View(const std::string& name, const SegmentData& base,
                                  const std::vector<SegmentData>& layers) {
    Manifest m;
    m.pipeline = "p";
    m.version = 1;
    m.base = {Put(base, 0)};
    m.has_delta = !layers.empty();
    for (size_t l = 0; l < layers.size(); ++l) {
      m.delta.push_back(Put(layers[l], static_cast<uint32_t>(l)));
    }
    std::string key = "manifests/" + name + ".json";
    EXPECT_TRUE(store_->Put(key, SerializeManifest(m)).ok());
    auto view = IndexView::OpenManifest(*store_, key, nullptr);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return view.ok() ? *view : nullptr;
  }
  static std::vector<std::pair<std::string, double>> Ranked(const IndexView& view,
                                                            const char* query) {
    auto r = view.Search(**ParseQuery(query), SearchOptions{100, 0, SortOrder{}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::pair<std::string, double>> out;
    for (const auto& doc : r->docs) out.emplace_back(doc.id, doc.score);
    return out;
  }
};

// Superseded and deleted docs count in no statistic: a base under two delta
// layers scores exactly as one segment holding the same live docs.
TEST_F(LayeredRankingTest, StatisticsCoverLiveDocsOnly) {
  SegmentData base = Segment(SegmentKind::kBase, {{"a", "red shoes"},
                                                  {"b", "red red shoes shoes"},
                                                  {"c", "blue hat"},
                                                  {"d", "red"},
                                                  {"f", "red red"}});
  // Layer 0 rewrites b and f and deletes c; layer 1 rewrites b again and adds e.
  SegmentData layer0 =
      Segment(SegmentKind::kDelta, {{"b", "green hat"}, {"c", ""}, {"f", "yellow hat"}});
  SegmentData layer1 = Segment(SegmentKind::kDelta, {{"b", "red hat"}, {"e", "red red red"}});
  auto layered = View("layered", base, {layer0, layer1});
  auto flat = View("flat",
                   Segment(SegmentKind::kBase, {{"a", "red shoes"},
                                                {"b", "red hat"},
                                                {"d", "red"},
                                                {"e", "red red red"},
                                                {"f", "yellow hat"}}),
                   {});
  ASSERT_TRUE(layered && flat);
  EXPECT_EQ(layered->LiveDocs(), 5u);
  for (const char* q : {"red", "hat", "shoes OR hat", "red -shoes", "green", "title:red blue"}) {
    EXPECT_EQ(Ranked(*layered, q), Ranked(*flat, q)) << q;
  }
  // By hand: N = 5 live docs, df(red) = 4, average title length
  // (2 + 2 + 1 + 3 + 2) / 5 = 2.
  const double idf = std::log(1 + (5 - 4 + 0.5) / (4 + 0.5));
  auto score = [&](double tf, double len) {
    return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len / 2));
  };
  auto red = Ranked(*layered, "red");
  ASSERT_EQ(red.size(), 4u);
  EXPECT_EQ(red[0].first, "e");
  EXPECT_NEAR(red[0].second, score(3, 3), 1e-12);
  EXPECT_EQ(red[1].first, "d");
  EXPECT_NEAR(red[1].second, score(1, 1), 1e-12);
  EXPECT_NEAR(red[2].second, score(1, 2), 1e-12);  // a and b tie: by id
  EXPECT_EQ(red[2].first, "a");
  EXPECT_EQ(red[3].first, "b");
  // "green" lives only in a superseded copy of b: no live doc holds it.
  EXPECT_TRUE(Ranked(*layered, "green").empty());
}

// A base doc superseded by the delta weighs nothing, however many times its
// group was rewritten: the scores of a doc that did not change stay put.
TEST_F(LayeredRankingTest, ScoresOfUnchangedDocsDoNotDriftAsLayersAccumulate) {
  SegmentData base = Segment(SegmentKind::kBase, {{"a", "red shoes"}, {"b", "blue hat"}});
  std::vector<SegmentData> layers;
  auto before = Ranked(*View("l0", base, layers), "red OR hat");
  for (int k = 1; k <= 5; ++k) {
    layers.push_back(Segment(SegmentKind::kDelta, {{"b", "blue hat"}}));  // b rewritten as is
    auto after = Ranked(*View("l" + std::to_string(k), base, layers), "red OR hat");
    EXPECT_EQ(after, before) << k << " layers";
  }
}

// IndexView::Search against a naive reference over the live docs: a base
// of several windows of docs (the disjunction reads 4096 ordinals at a
// time) under two delta layers that supersede and delete groups, queried
// with terms, AND, OR, NOT and ranges, sorted by doc id, by a numeric field
// both ways (ties and missing values) and by BM25, with pages at every
// offset.
constexpr const char* kWords[] = {"red", "blue", "shoes", "hat", "rare"};

struct TestDoc {
  std::string id;
  std::set<std::string> words;
  double bid = NAN;  // NaN: no value
};

using Groups = std::map<std::string, std::vector<TestDoc>>;  // by group key

// Reuses LayeredRankingTest's store and Put.
class SearchReferenceTest : public LayeredRankingTest {
 protected:
  std::mt19937 rng_{2026};
  uint32_t next_id_ = 0;

  TestDoc RandomDoc() {
    TestDoc d;
    // Unique ids, not in ordinal order, sharing the prefix "ad-" but for a
    // few (the keys of a doc-id sort then cover ids outside the prefix).
    const uint32_t n = next_id_++;
    d.id = (rng_() % 50 == 0 ? "zz-" : "ad-") + std::to_string(n * 7919u % 100003u) + "-" +
           std::to_string(n);
    // "red" in most docs, "rare" in few: lists dense and sparse.
    const double p[] = {0.6, 0.3, 0.2, 0.05, 0.002};
    for (size_t w = 0; w < 5; ++w) {
      if (std::bernoulli_distribution(p[w])(rng_)) d.words.insert(kWords[w]);
    }
    if (d.words.empty()) d.words.insert("hat");
    if (rng_() % 10 != 0) d.bid = static_cast<double>(rng_() % 20) / 4;  // many ties
    return d;
  }
  static SegmentData Segment(SegmentKind kind, const Groups& groups) {
    SegmentData d;
    d.kind = kind;
    d.schema.doc_columns = {"title", "bid"};
    d.schema.doc_roles = {kRoleText | kRoleStored, kRoleNumeric | kRoleStored};
    for (const auto& [key, docs] : groups) {
      const auto g = static_cast<uint32_t>(d.groups.size());
      const auto first = static_cast<uint32_t>(d.docs.size());
      d.groups.push_back(
          SegmentGroup{key, false, 0, Row{}, {}, first, static_cast<uint32_t>(docs.size())});
      std::vector<TestDoc> sorted = docs;
      std::sort(sorted.begin(), sorted.end(),
                [](const TestDoc& a, const TestDoc& b) { return a.id < b.id; });
      for (const TestDoc& doc : sorted) {
        std::string title;
        for (const auto& w : doc.words) title += (title.empty() ? "" : " ") + w;
        Value bid = std::isnan(doc.bid) ? Value() : Value::Double(doc.bid);
        d.docs.push_back(SegmentDoc{doc.id, g, 1, Row{Value::String(title), bid}});
      }
    }
    return d;
  }
};

// The reference: does `doc` match query `q` (the forms the test writes).
struct RefQuery {
  std::string text;
  std::function<bool(const TestDoc&)> matches;
};

std::vector<RefQuery> Queries() {
  auto has = [](const char* w) { return [w](const TestDoc& d) { return d.words.count(w) > 0; }; };
  return {
      {"red", has("red")},
      {"rare", has("rare")},
      {"missing", [](const TestDoc&) { return false; }},
      {"red OR blue", [has](const TestDoc& d) { return has("red")(d) || has("blue")(d); }},
      {"rare OR hat", [has](const TestDoc& d) { return has("rare")(d) || has("hat")(d); }},
      {"shoes OR missing", has("shoes")},
      {"red AND (blue OR hat)",
       [has](const TestDoc& d) { return has("red")(d) && (has("blue")(d) || has("hat")(d)); }},
      {"(rare OR hat) AND blue",
       [has](const TestDoc& d) { return (has("rare")(d) || has("hat")(d)) && has("blue")(d); }},
      {"(red OR shoes) NOT blue",
       [has](const TestDoc& d) { return (has("red")(d) || has("shoes")(d)) && !has("blue")(d); }},
      {"blue bid:[1 TO 3]",
       [has](const TestDoc& d) { return has("blue")(d) && d.bid >= 1 && d.bid <= 3; }},
      {"*", [](const TestDoc&) { return true; }},
  };
}

TEST_F(SearchReferenceTest, PagesEqualANaiveReferenceOverTheLiveDocs) {
  // A base of 3 000 groups of 1 to 4 docs (about 7 500 ordinals, two windows
  // and a part), then two layers rewriting or deleting groups.
  Groups base;
  for (int g = 0; g < 3000; ++g) {
    auto& docs = base[fmt::format("g-{:05}", g)];
    const int n = 1 + static_cast<int>(rng_() % 4);
    for (int i = 0; i < n; ++i) docs.push_back(RandomDoc());
  }
  Groups live = base;
  std::vector<Groups> layers(2);
  for (auto& layer : layers) {
    for (int k = 0; k < 400; ++k) {
      std::string key = fmt::format("g-{:05}", rng_() % 3000);
      auto& docs = layer[key];
      docs.clear();
      const int n = static_cast<int>(rng_() % 4);  // 0: the group is deleted
      for (int i = 0; i < n; ++i) docs.push_back(RandomDoc());
      live[key] = docs;
    }
    // Runs of consecutive groups superseded together.
    const int start = static_cast<int>(rng_() % 2900);
    for (int g = start; g < start + 60; ++g) {
      std::string key = fmt::format("g-{:05}", g);
      layer[key] = {RandomDoc()};
      live[key] = layer[key];
    }
  }
  Manifest m;
  m.pipeline = "p";
  m.version = 1;
  m.base = {Put(Segment(SegmentKind::kBase, base), 0)};
  m.has_delta = true;
  for (size_t l = 0; l < layers.size(); ++l) {
    m.delta.push_back(Put(Segment(SegmentKind::kDelta, layers[l]), static_cast<uint32_t>(l)));
  }
  ASSERT_TRUE(store_->Put("manifests/m.json", SerializeManifest(m)).ok());
  auto view = IndexView::OpenManifest(*store_, "manifests/m.json", nullptr);
  ASSERT_TRUE(view.ok()) << view.status().ToString();

  std::vector<TestDoc> live_docs;
  for (const auto& [key, docs] : live) live_docs.insert(live_docs.end(), docs.begin(), docs.end());
  ASSERT_EQ((*view)->LiveDocs(), live_docs.size());

  std::map<std::string, int> lower_bounds;  // searches whose total was a lower bound, by sort
  for (const RefQuery& q : Queries()) {
    std::vector<TestDoc> matched;
    for (const TestDoc& d : live_docs) {
      if (q.matches(d)) matched.push_back(d);
    }
    for (const char* sort : {"id", "bid", "bid:asc", "score"}) {
      SCOPED_TRACE(std::string(q.text) + " sort=" + sort);
      const SortOrder order = *ParseSortOrder(sort);
      auto search = [&](size_t limit, size_t offset, uint64_t threshold = kExactTotal) {
        auto r =
            (*view)->Search(**ParseQuery(q.text), SearchOptions{limit, offset, order, threshold});
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        return r.ok() ? std::move(*r) : SearchResults{};
      };
      // The full ranking: for id and field sorts, the reference's; for BM25,
      // the engine's own with a page that never fills (nothing is pruned),
      // which the pages of a pruned search must equal.
      std::vector<std::string> want;
      std::vector<double> want_scores;
      if (order.kind == SortOrder::Kind::kScore) {
        SearchResults all = search(live_docs.size() + 1, 0);
        ASSERT_EQ(all.total, matched.size());
        for (const DocOut& d : all.docs) {
          want.push_back(d.id);
          want_scores.push_back(d.score);
        }
      } else {
        std::vector<TestDoc> sorted = matched;
        auto before = [&](const TestDoc& a, const TestDoc& b) {
          if (order.kind == SortOrder::Kind::kField) {
            const bool a_nan = std::isnan(a.bid), b_nan = std::isnan(b.bid);
            if (a_nan != b_nan) return b_nan;
            if (!a_nan && a.bid != b.bid) return order.descending ? a.bid > b.bid : a.bid < b.bid;
          }
          return a.id < b.id;
        };
        std::sort(sorted.begin(), sorted.end(), before);
        for (const TestDoc& d : sorted) want.push_back(d.id);
      }
      ASSERT_EQ(want.size(), matched.size());
      for (size_t limit : {size_t{0}, size_t{1}, size_t{3}, size_t{10}, size_t{50}}) {
        for (size_t offset : {size_t{0}, size_t{1}, size_t{7}}) {
          // Exact totals by default; with a threshold, at least that many
          // matches (or all of them) are counted, and the same page comes.
          for (uint64_t threshold : {kExactTotal, uint64_t{0}, uint64_t{40}}) {
            SearchResults r = search(limit, offset, threshold);
            if (threshold == kExactTotal) {
              EXPECT_FALSE(r.total_is_lower_bound);
              EXPECT_EQ(r.total, matched.size()) << limit << " " << offset;
            } else if (r.total_is_lower_bound) {
              ++lower_bounds[sort];
              EXPECT_GE(r.total, threshold) << limit << " " << offset;
              EXPECT_LE(r.total, matched.size()) << limit << " " << offset;
            } else {
              EXPECT_EQ(r.total, matched.size()) << limit << " " << offset << " " << threshold;
            }
            std::vector<std::string> got;
            for (const DocOut& d : r.docs) got.push_back(d.id);
            const size_t begin = std::min(offset, want.size());
            const size_t end = std::min(offset + limit, want.size());
            ASSERT_EQ(got, std::vector<std::string>(want.begin() + begin, want.begin() + end))
                << limit << " " << offset;
            for (size_t i = 0; i < r.docs.size() && !want_scores.empty(); ++i) {
              EXPECT_NEAR(r.docs[i].score, want_scores[begin + i], 1e-9);
            }
          }
        }
      }
    }
  }
  // BM25 block bounds did let searches pass over docs (the bids above tie
  // too much for their blocks to; the next test has distinct ones).
  EXPECT_GT(lower_bounds["score"], 0);
}

TEST_F(SearchReferenceTest, ThresholdPassesOverBlocksOfBidsThatCannotEnterThePage) {
  // 3 000 docs whose bid is their ordinal's distance to the middle: the
  // largest bids in the first and last blocks of doc values, the smallest in
  // the middle one, so that either order has blocks that cannot enter.
  Groups base;
  for (int g = 0; g < 3000; ++g) {
    TestDoc d = RandomDoc();
    d.bid = std::abs(g - 1500);
    base[fmt::format("g-{:05}", g)].push_back(d);
  }
  Manifest m;
  m.pipeline = "p";
  m.version = 1;
  m.base = {Put(Segment(SegmentKind::kBase, base), 0)};
  ASSERT_TRUE(store_->Put("manifests/m.json", SerializeManifest(m)).ok());
  auto view = IndexView::OpenManifest(*store_, "manifests/m.json", nullptr);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  for (const char* sort : {"bid", "bid:asc"}) {
    SCOPED_TRACE(sort);
    const SortOrder order = *ParseSortOrder(sort);
    auto exact = (*view)->Search(**ParseQuery("*"), SearchOptions{10, 0, order});
    auto bounded = (*view)->Search(**ParseQuery("*"), SearchOptions{10, 0, order, 100});
    ASSERT_TRUE(exact.ok() && bounded.ok());
    EXPECT_EQ(exact->total, 3000u);
    EXPECT_FALSE(exact->total_is_lower_bound);
    EXPECT_TRUE(bounded->total_is_lower_bound);
    EXPECT_GE(bounded->total, 100u);
    EXPECT_LT(bounded->total, 3000u);
    ASSERT_EQ(exact->docs.size(), 10u);
    ASSERT_EQ(bounded->docs.size(), 10u);
    for (size_t i = 0; i < 10; ++i) EXPECT_EQ(bounded->docs[i].id, exact->docs[i].id) << i;
    ASSERT_EQ(exact->docs[0].fields.size(), 2u);
    EXPECT_EQ(exact->docs[0].fields[1].second.d, order.descending ? 1500.0 : 0.0);
  }
}

}  // namespace
}  // namespace freshet
