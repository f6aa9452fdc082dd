#include "index/segment/term_table.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace freshet {
namespace {

struct Drained {
  std::string key;
  std::vector<uint32_t> docs, freqs, positions;
};

std::vector<Drained> DrainAll(TermTable& t) {
  std::vector<Drained> out;
  t.Drain([&](std::string_view key, const PostingList& list) {
    out.push_back({std::string(key), list.docs, list.freqs, list.positions});
  });
  return out;
}

TEST(TermTableTest, OneIdPerFieldAndTerm) {
  TermTable t;
  const uint32_t red = t.Id(0, "red", false);
  EXPECT_EQ(t.Id(0, "red", false), red);
  EXPECT_NE(t.Id(1, "red", false), red);  // the same term in another field
  EXPECT_NE(t.Id(256, "red", false), t.Id(1, "red", false));
  EXPECT_EQ(t.size(), 3u);
  const uint32_t wide = t.Id(256, "red", false);
  EXPECT_EQ(TermTable::KeyField(t.key(wide)), 256u);
  EXPECT_EQ(TermTable::KeyTerm(t.key(wide)), "red");
}

TEST(TermTableTest, TellsLongTermsApartByEveryByte) {
  TermTable t;
  const std::string long_term(40, 'x');
  const uint32_t id = t.Id(0, long_term, false);
  EXPECT_EQ(t.Id(0, long_term, false), id);
  EXPECT_NE(t.Id(0, long_term.substr(0, 39) + "y", false), id);
  EXPECT_NE(t.Id(0, long_term.substr(0, 17), false), id);  // one that fits a slot
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(TermTable::KeyTerm(t.key(id)), long_term);
}

TEST(TermTableTest, DrainsListsInFieldThenTermOrder) {
  TermTable t;
  // Field 1's "zebra" comes before field 2's "apple"; field 256 sorts by
  // its high byte first.
  t.Add(256, "apple", 0, 0, false);
  t.Add(2, "apple", 0, 0, false);
  t.Add(1, "zebra", 0, 0, false);
  t.Add(1, "ant", 3, 0, false);
  const std::vector<Drained> lists = DrainAll(t);
  ASSERT_EQ(lists.size(), 4u);
  EXPECT_EQ(TermTable::KeyField(lists[0].key), 1u);
  EXPECT_EQ(TermTable::KeyTerm(lists[0].key), "ant");
  EXPECT_EQ(TermTable::KeyTerm(lists[1].key), "zebra");
  EXPECT_EQ(TermTable::KeyField(lists[2].key), 2u);
  EXPECT_EQ(TermTable::KeyField(lists[3].key), 256u);
  EXPECT_EQ(lists[0].docs, (std::vector<uint32_t>{3}));
}

TEST(TermTableTest, CountsFrequenciesAndKeepsPositionsOfTheirFieldsOnly) {
  TermTable t;
  // Doc 0: "red fox red" in field 0 (positions), "red" in field 1 (none).
  t.Add(0, "red", 0, 0, true);
  t.Add(0, "fox", 0, 1, true);
  t.Add(0, "red", 0, 2, true);
  t.Add(1, "red", 0, 0, false);
  // Doc 4: "fox red" in field 0, "red red" in field 1.
  t.Add(0, "fox", 4, 0, true);
  t.Add(0, "red", 4, 1, true);
  t.Add(1, "red", 4, 0, false);
  t.Add(1, "red", 4, 1, false);
  const std::vector<Drained> lists = DrainAll(t);
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(TermTable::KeyTerm(lists[0].key), "fox");
  EXPECT_EQ(lists[0].docs, (std::vector<uint32_t>{0, 4}));
  EXPECT_EQ(lists[0].freqs, (std::vector<uint32_t>{1, 1}));
  EXPECT_EQ(lists[0].positions, (std::vector<uint32_t>{1, 0}));
  EXPECT_EQ(TermTable::KeyTerm(lists[1].key), "red");
  EXPECT_EQ(lists[1].docs, (std::vector<uint32_t>{0, 4}));
  EXPECT_EQ(lists[1].freqs, (std::vector<uint32_t>{2, 1}));
  EXPECT_EQ(lists[1].positions, (std::vector<uint32_t>{0, 2, 1}));
  EXPECT_EQ(TermTable::KeyField(lists[2].key), 1u);
  EXPECT_EQ(lists[2].docs, (std::vector<uint32_t>{0, 4}));
  EXPECT_EQ(lists[2].freqs, (std::vector<uint32_t>{1, 2}));
  EXPECT_TRUE(lists[2].positions.empty());
}

TEST(TermTableTest, ListsSurviveTheTableGrowing) {
  TermTable t;
  t.Add(3, "first", 0, 0, false);
  for (uint32_t i = 0; i < 5000; ++i) {
    t.Add(3, "term" + std::to_string(i), i, 0, false);
    t.Add(3, "first", i + 1, 0, false);
  }
  EXPECT_EQ(t.size(), 5001u);
  const std::vector<Drained> lists = DrainAll(t);
  ASSERT_EQ(lists.size(), 5001u);
  EXPECT_EQ(TermTable::KeyTerm(lists[0].key), "first");
  EXPECT_EQ(lists[0].docs.size(), 5001u);
  EXPECT_EQ(lists[0].docs.back(), 5000u);
  EXPECT_EQ(TermTable::KeyTerm(lists.back().key), "term999");  // byte order
  EXPECT_EQ(lists.back().docs, (std::vector<uint32_t>{999}));
}

}  // namespace
}  // namespace freshet
