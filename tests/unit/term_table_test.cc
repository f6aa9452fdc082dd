#include "index/segment/term_table.h"

#include <gtest/gtest.h>

#include <string>

namespace freshet {
namespace {

TEST(TermTableTest, OneListPerFieldAndTerm) {
  TermTable t;
  PostingList* red = t.Get(0, "red");
  EXPECT_EQ(t.Get(0, "red"), red);
  EXPECT_NE(t.Get(1, "red"), red);  // the same term in another field
  EXPECT_NE(t.Get(256, "red"), t.Get(1, "red"));
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(TermTable::KeyField(t.key(2)), 256u);
  EXPECT_EQ(TermTable::KeyTerm(t.key(2)), "red");
}

TEST(TermTableTest, ListsStayPutWhileTheTableGrows) {
  TermTable t;
  PostingList* first = t.Get(3, "first");
  first->Add(5);
  for (int i = 0; i < 5000; ++i) t.Get(3, "term" + std::to_string(i))->Add(i);
  EXPECT_EQ(t.size(), 5001u);
  EXPECT_EQ(t.Get(3, "first"), first);
  EXPECT_EQ(first->docs, (std::vector<uint32_t>{5}));
  EXPECT_EQ(t.Get(3, "term4999")->docs, (std::vector<uint32_t>{4999}));
}

}  // namespace
}  // namespace freshet
