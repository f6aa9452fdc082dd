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

TEST(TopHitsTest, MightKeepKeyAcceptsTiesWhichDocIdsBreak) {
  TopHits top(SortOrder{}, 1);
  EXPECT_TRUE(top.Add({2.0, "m", nullptr, 0}));
  ASSERT_TRUE(top.full());
  EXPECT_TRUE(top.MightKeepKey(2.0));  // "a" at 2.0 would win on its id
  EXPECT_FALSE(top.MightKeepKey(1.999));
  EXPECT_FALSE(top.Add({2.0, "z", nullptr, 0}));
  EXPECT_TRUE(top.Add({2.0, "a", nullptr, 0}));
  EXPECT_EQ(top.worst().id, "a");
}

TEST(TopHitsTest, MightKeepKeyFollowsAFieldSortAndMissingValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  TopHits desc(*ParseSortOrder("bid"), 1);
  desc.Add({5.0, "m", nullptr, 0});
  EXPECT_TRUE(desc.MightKeepKey(6.0));
  EXPECT_TRUE(desc.MightKeepKey(5.0));
  EXPECT_FALSE(desc.MightKeepKey(4.0));
  EXPECT_FALSE(desc.MightKeepKey(nan));  // missing values come last
  TopHits asc(*ParseSortOrder("bid:asc"), 1);
  asc.Add({5.0, "m", nullptr, 0});
  EXPECT_TRUE(asc.MightKeepKey(4.0));
  EXPECT_FALSE(asc.MightKeepKey(6.0));
  TopHits missing(*ParseSortOrder("bid:asc"), 1);
  missing.Add({nan, "m", nullptr, 0});
  EXPECT_TRUE(missing.MightKeepKey(nan));  // ids decide
  EXPECT_TRUE(missing.MightKeepKey(1e300));
  TopHits by_id(*ParseSortOrder("id"), 1);
  by_id.Add({0, "m", nullptr, 0});
  EXPECT_TRUE(by_id.MightKeepKey(0));  // keys never decide
}

TEST(TopHitsTest, ACapacityOfZeroKeepsNothing) {
  TopHits top(SortOrder{}, 0);
  EXPECT_TRUE(top.full());
  EXPECT_FALSE(top.MightKeepKey(1e300));
  EXPECT_FALSE(top.Add({1.0, "a", nullptr, 0}));
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
