#include "index/segment/postings.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

std::vector<std::pair<uint32_t, uint32_t>> ReadAll(PostingsCursor& c) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  while (c.Next()) out.emplace_back(c.doc(), c.freq());
  return out;
}

TEST(PostingsTest, ListsCountRepeatsInOneDocAsItsFrequency) {
  PostingList list;
  for (uint32_t doc : {1, 1, 1, 4, 300}) list.Add(doc);
  EXPECT_EQ(list.docs, (std::vector<uint32_t>{1, 4, 300}));
  EXPECT_EQ(list.freqs, (std::vector<uint32_t>{3, 1, 1}));
}

TEST(PostingsTest, WriterAndCursorRoundTripSeveralLists) {
  PostingList a, b;
  for (uint32_t doc : {0, 0, 7}) a.Add(doc);
  for (uint32_t doc : {2, 299}) b.Add(doc);
  PostingsWriter w;
  uint64_t a_off, a_len, b_off, b_len;
  w.Add(a, &a_off, &a_len);
  w.Add(b, &b_off, &b_len);
  const std::string bytes = w.Finish();
  EXPECT_EQ(a_off, 0u);
  EXPECT_EQ(b_off, a_len);
  EXPECT_EQ(bytes.size(), a_len + b_len);
  // Deltas: a = (0, 2), (7, 1); b = (2, 1), (297 as a 2-byte varint, 1).
  EXPECT_EQ(bytes.substr(0, a_len), std::string("\x00\x02\x07\x01", 4));
  PostingsCursor ca(std::string_view(bytes).substr(a_off, a_len), 2, 300);
  EXPECT_EQ(ReadAll(ca), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 2}, {7, 1}}));
  EXPECT_FALSE(ca.corrupt());
  PostingsCursor cb(std::string_view(bytes).substr(b_off, b_len), 2, 300);
  EXPECT_EQ(ReadAll(cb), (std::vector<std::pair<uint32_t, uint32_t>>{{2, 1}, {299, 1}}));
}

TEST(PostingsTest, TheCursorFlagsTruncationRepeatsAndDocsPastTheSegment) {
  const std::string two("\x01\x01\x02\x01", 4);  // docs 1 and 3
  PostingsCursor truncated(std::string_view(two).substr(0, 3), 2, 10);
  EXPECT_EQ(ReadAll(truncated).size(), 1u);
  EXPECT_TRUE(truncated.corrupt());
  PostingsCursor past(two, 2, 3);  // doc 3 of a 3-doc segment
  EXPECT_EQ(ReadAll(past).size(), 1u);
  EXPECT_TRUE(past.corrupt());
  const std::string repeat("\x01\x01\x00\x01", 4);  // doc 1 twice
  PostingsCursor repeated(repeat, 2, 10);
  EXPECT_EQ(ReadAll(repeated).size(), 1u);
  EXPECT_TRUE(repeated.corrupt());
}

}  // namespace
}  // namespace freshet
