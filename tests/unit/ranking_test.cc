#include "index/ranking.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "common/hash.h"
#include "index/index_view.h"
#include "storage/local_store.h"

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
  void SetUp() override {
    char tmpl[] = "/tmp/freshet-rank-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = LocalStore::Open(dir_);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
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
  void TearDown() override { std::filesystem::remove_all(dir_); }

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

  std::string dir_;
  std::unique_ptr<ObjectStore> store_;
  std::shared_ptr<IndexView> view_;
};

TEST_F(RankingViewTest, SegmentRecordsFieldLengths) {
  const SegmentReader& s = *view_->base()[0];
  EXPECT_EQ(s.format_version(), 2u);
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

}  // namespace
}  // namespace freshet
