#include "index/segment/group_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <thread>

namespace freshet {
namespace {

std::vector<SegmentGroup> Groups() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return {SegmentGroup{"item-1", true, 7, Row{Value::String("Acme")}, {2, 1.5}, 0, 2},
          SegmentGroup{"item-2", false, 0, Row{Value::String("ignored")}, {1, nan}, 2, 1},
          SegmentGroup{"item-3", false, 0, Row{}, {}, 3, 0}};
}

TEST(GroupTableTest, RoundTripsKeysDocsRecordsAndAggregates) {
  const std::string section = EncodeGroupTable(Groups());
  GroupTable t;
  ASSERT_TRUE(t.Open("g.seg", {section, 100}, 3, 3).ok());
  EXPECT_EQ(t.Key(1), "item-2");
  EXPECT_EQ(t.FirstDoc(1), 2u);
  EXPECT_EQ(t.DocCount(2), 0u);
  auto a = t.Record("g.seg", 0);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->has_record);
  EXPECT_EQ(a->version, 7);
  EXPECT_EQ(a->row, Groups()[0].row);
  EXPECT_EQ(a->aggregates, (std::vector<double>{2, 1.5}));
  auto b = t.Record("g.seg", 1);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->has_record);
  EXPECT_TRUE(b->row.empty());  // a group without a record stores no row
  EXPECT_TRUE(std::isnan(b->aggregates[1]));
}

TEST(GroupTableTest, FindsGroupsByKey) {
  const std::string section = EncodeGroupTable(Groups());
  GroupTable t;
  ASSERT_TRUE(t.Open("g.seg", {section, 100}, 3, 3).ok());
  EXPECT_EQ(*t.Find("item-1"), 0u);
  EXPECT_EQ(*t.Find("item-3"), 2u);
  EXPECT_FALSE(t.Find("item-0").has_value());
  EXPECT_FALSE(t.Find("item-4").has_value());
}

TEST(GroupTableTest, ALargeTableFindsThroughItsHashTableAlike) {
  std::vector<SegmentGroup> groups;
  for (uint32_t g = 0; g < 3 * GroupTable::kHashedFrom; ++g) {
    char key[16];
    std::snprintf(key, sizeof key, "item-%06u", g * 7);  // sorted, with gaps between keys
    groups.push_back(SegmentGroup{key, false, 0, Row{}, {}, g, 1});
  }
  const std::string section = EncodeGroupTable(groups);
  GroupTable t;
  const auto n = static_cast<uint32_t>(groups.size());
  ASSERT_TRUE(t.Open("g.seg", {section, 0}, n, n).ok());
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (uint32_t th = 0; th < 4; ++th) {
    threads.emplace_back([&, th] {
      for (uint32_t g = th; g < n; g += 4) {
        if (t.Find(groups[g].key) != std::optional<uint32_t>(g)) ++wrong;
        char gap[16];
        std::snprintf(gap, sizeof gap, "item-%06u", g * 7 + 3);
        if (t.Find(gap).has_value()) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_FALSE(t.Find("").has_value());
  EXPECT_FALSE(t.Find("item-").has_value());
}

TEST(GroupTableTest, DocsPastTheSegmentOrATruncatedTableAreCorruption) {
  const std::string section = EncodeGroupTable(Groups());
  // The section at file offset 100: 4 offsets, then item-1's entry (35 bytes),
  // then item-2's.
  EXPECT_EQ(GroupTable().Open("g.seg", {section, 100}, 3, 2).message(),
            "segment 'g.seg': GROUPS: group 1 header (offset 167)");  // item-2's doc 2 of 2
  EXPECT_EQ(GroupTable().Open("g.seg", {section.substr(0, 24), 100}, 3, 3).message(),
            "segment 'g.seg': GROUPS offsets truncated (offset 100)");
}

}  // namespace
}  // namespace freshet
