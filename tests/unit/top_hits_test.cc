#include "index/search/top_hits.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace freshet {
namespace {

std::vector<std::string> Ids(const std::vector<Hit>& hits) {
  std::vector<std::string> out;
  for (const Hit& h : hits) out.emplace_back(h.id);
  return out;
}

TEST(TopHitsTest, KeepsTheBestByScoreThenId) {
  TopHits top(SortOrder{}, 3);
  const std::vector<std::pair<double, std::string>> hits = {
      {1.0, "e"}, {2.0, "d"}, {2.0, "a"}, {0.5, "b"}, {3.0, "c"}};
  for (const auto& [score, id] : hits) top.Add({score, id, nullptr, 0});
  EXPECT_EQ(Ids(top.TakeSorted()), (std::vector<std::string>{"c", "a", "d"}));
}

TEST(TopHitsTest, AFieldSortPutsMissingValuesLast) {
  SortOrder asc{SortOrder::Kind::kField, "bid", /*descending=*/false};
  TopHits top(asc, 10);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  top.Add({nan, "a", nullptr, 0});
  top.Add({2, "b", nullptr, 0});
  top.Add({1, "c", nullptr, 0});
  EXPECT_EQ(Ids(top.TakeSorted()), (std::vector<std::string>{"c", "b", "a"}));
}

TEST(TopHitsTest, MightKeepScoreAcceptsTiesWhichDocIdsBreak) {
  TopHits top(SortOrder{}, 1);
  EXPECT_TRUE(top.MightKeepScore(0));
  top.Add({2.0, "m", nullptr, 0});
  EXPECT_TRUE(top.MightKeepScore(2.0));  // "a" at 2.0 would win on its id
  EXPECT_FALSE(top.MightKeepScore(1.999));
}

TEST(TopHitsTest, ACapacityOfZeroKeepsNothing) {
  TopHits top(SortOrder{}, 0);
  EXPECT_TRUE(top.full());
  EXPECT_FALSE(top.MightKeepScore(1e300));
  top.Add({1.0, "a", nullptr, 0});
  EXPECT_TRUE(top.TakeSorted().empty());
}

TEST(TopHitsTest, EqualsSortingEverythingOnRandomHits) {
  std::mt19937 rng(1);
  for (auto kind : {SortOrder::Kind::kScore, SortOrder::Kind::kDocId, SortOrder::Kind::kField}) {
    SortOrder sort{kind, "f", rng() % 2 == 0};
    std::vector<std::string> ids;
    std::vector<Hit> all;
    for (int i = 0; i < 500; ++i) ids.push_back("id" + std::to_string(rng() % 100000));
    for (int i = 0; i < 500; ++i) {
      all.push_back({static_cast<double>(rng() % 20), ids[i], nullptr, 0});
    }
    TopHits top(sort, 37);
    for (const Hit& h : all) top.Add(h);
    std::stable_sort(all.begin(), all.end(),
                     [&](const Hit& a, const Hit& b) { return top.Before(a, b); });
    all.resize(37);
    auto kept = top.TakeSorted();
    ASSERT_EQ(kept.size(), 37u);
    for (size_t i = 0; i < kept.size(); ++i) {
      EXPECT_EQ(kept[i].key, all[i].key);
      EXPECT_EQ(kept[i].id, all[i].id);
    }
  }
}

}  // namespace
}  // namespace freshet
