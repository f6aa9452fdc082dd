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

namespace freshet {
namespace {

// Docs 1 (frequency 2), 3, 300 of a 400-doc segment, as format 2 writes them.
const std::string kThreeDocs("\x01\x02\x02\x01\xa9\x02\x01", 7);

TEST(VarintPostingsIteratorTest, NextAndAdvanceScanTheList) {
  auto it = OpenVarintPostings("seg-2", SectionView{kThreeDocs, 900}, 3, 400);
  EXPECT_EQ(it->cost(), 3u);
  EXPECT_EQ(it->Next(), 1u);
  EXPECT_EQ(it->freq(), 2u);
  EXPECT_EQ(it->Advance(2), 3u);
  EXPECT_EQ(it->freq(), 1u);
  EXPECT_EQ(it->Advance(299), 300u);
  EXPECT_EQ(it->Advance(301), kNoMoreDocs);
  EXPECT_EQ(it->Next(), kNoMoreDocs);
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  auto far = OpenVarintPostings("seg-2", SectionView{kThreeDocs, 900}, 3, 400);
  EXPECT_EQ(far->Advance(1000), kNoMoreDocs);
}

TEST(VarintPostingsIteratorTest, BlockBoundIsTheWholeListWithoutBounds) {
  auto it = OpenVarintPostings("seg-2", SectionView{kThreeDocs, 900}, 3, 400);
  for (uint32_t target : {0u, 2u, 300u}) {
    const PostingsBound bound = it->BlockBound(target);
    EXPECT_EQ(bound.last_doc, 399u);
    EXPECT_EQ(bound.max_freq, UINT32_MAX);
    EXPECT_EQ(bound.min_length, 0u);
  }
  EXPECT_EQ(it->BlockBound(400).last_doc, kNoMoreDocs);
  EXPECT_EQ(it->ListBound().last_doc, 399u);
  while (it->Next() != kNoMoreDocs) {
  }
  EXPECT_EQ(it->BlockBound(0).last_doc, kNoMoreDocs);
  auto empty = OpenVarintPostings("seg-2", SectionView{"", 900}, 0, 400);
  EXPECT_EQ(empty->ListBound().last_doc, kNoMoreDocs);
  EXPECT_EQ(empty->Next(), kNoMoreDocs);
}

TEST(VarintPostingsIteratorTest, BadBytesAreCorruptionNamingTheFileOffset) {
  // Truncated inside doc 300's varint: the error names where its posting starts.
  const std::string cut = kThreeDocs.substr(0, 5);
  auto truncated = OpenVarintPostings("seg-2", SectionView{cut, 900}, 3, 400);
  EXPECT_EQ(truncated->Next(), 1u);
  EXPECT_EQ(truncated->Next(), 3u);
  EXPECT_EQ(truncated->Next(), kNoMoreDocs);
  EXPECT_EQ(truncated->status().ToString(),
            "Corruption: segment 'seg-2': postings: bad posting (a doc past the segment's, not "
            "increasing, or truncated) (offset 904)");
  // Doc 300 of a 300-doc segment.
  auto past = OpenVarintPostings("seg-2", SectionView{kThreeDocs, 900}, 3, 300);
  EXPECT_EQ(past->Advance(10), kNoMoreDocs);
  EXPECT_EQ(past->status().code(), StatusCode::kCorruption);
  // Two docs where the term entry counts one.
  auto extra = OpenVarintPostings("seg-2", SectionView{kThreeDocs, 900}, 1, 400);
  EXPECT_EQ(extra->Next(), 1u);
  EXPECT_EQ(extra->Next(), kNoMoreDocs);
  EXPECT_EQ(extra->status().ToString(),
            "Corruption: segment 'seg-2': postings: bytes after the 1 docs of the list (offset "
            "902)");
}

}  // namespace
}  // namespace freshet
