#include "index/segment/segment_reader.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/coding.h"
#include "index/segment/section_container.h"
#include "index/segment/segment_writer.h"
#include "rewritten_section.h"

namespace freshet {
namespace {

std::string TwoDocSegment(uint32_t format_version = kSegmentFormatVersion) {
  SegmentData d;
  d.schema.doc_columns = {"title"};
  d.schema.doc_roles = {kRoleText | kRoleStored};
  d.groups = {SegmentGroup{"g", false, 0, Row{}, {}, 0, 2}};
  d.docs = {SegmentDoc{"b", 0, 1, Row{Value::String("red shoes")}},
            SegmentDoc{"a", 0, 2, Row{Value::String("blue")}}};
  return WriteSegment(d, format_version);
}

uint64_t SectionOffset(const std::string& file, SectionId id) {
  return SectionContainer::Parse("x", file)->Section(id).offset;
}

class SegmentReaderFormatTest : public ::testing::TestWithParam<uint32_t> {};
INSTANTIATE_TEST_SUITE_P(Formats, SegmentReaderFormatTest, ::testing::Values(2u, 3u, 4u));

TEST_P(SegmentReaderFormatTest, ReadsEveryStructureBack) {
  auto r = SegmentReader::Open("r.seg", TwoDocSegment(GetParam()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const SegmentReader& s = **r;
  EXPECT_EQ(s.format_version(), GetParam());
  EXPECT_EQ(s.num_docs(), 2u);
  EXPECT_EQ(*s.FindDoc("a"), 1u);
  EXPECT_EQ(s.DocVersion(1), 2);
  EXPECT_EQ(*s.FindGroup("g"), 0u);
  EXPECT_EQ(s.num_terms(), 3u);  // blue, red, shoes
  std::vector<std::string> terms;
  ASSERT_TRUE(s.ForEachTerm([&](size_t field, std::string_view term, uint64_t doc_freq) {
                 terms.push_back(fmt::format("{}:{}:{}", field, term, doc_freq));
                 return true;
               }).ok());
  EXPECT_EQ(terms, (std::vector<std::string>{"0:blue:1", "0:red:1", "0:shoes:1"}));
  EXPECT_EQ(s.DocId(0), "b");
  EXPECT_EQ(s.DocGroup(1), 0u);
  EXPECT_EQ((*s.DocRow(1))[0].s, "blue");
  EXPECT_EQ(s.DocFreq(0, "shoes"), 1u);
  EXPECT_EQ(*s.Postings(0, "red"), (std::vector<uint32_t>{0}));
  EXPECT_EQ(*s.FieldLength(0, 0), 2u);
  EXPECT_EQ(*s.TotalFieldLength(0), 3u);
}

TEST_P(SegmentReaderFormatTest, ABadStructureBehindAValidChecksumNamesItsFileOffset) {
  const std::string file = TwoDocSegment(GetParam());
  std::string index;
  PutFixed32(&index, 1);
  PutFixed32(&index, 7);  // doc 7 of 2
  const std::string bad = WithSection(file, SectionId::kDocIdIndex, index);
  auto r = SegmentReader::Open("r.seg", bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.status().message(),
            fmt::format("segment 'r.seg': doc id index entry out of range (offset {})",
                        SectionOffset(bad, SectionId::kDocIdIndex) + 4));
}

TEST(SegmentReaderTest, PostingsPastTheSegmentAreRefusedWhenRead) {
  const std::string file = TwoDocSegment(2);
  auto good = SegmentReader::Open("r.seg", file);
  ASSERT_TRUE(good.ok());
  // POSTINGS: blue -> doc 1, red -> doc 0, shoes -> doc 0; each (delta, tf).
  const std::string postings("\x01\x01\x00\x01\x05\x01", 6);  // shoes -> doc 5 of 2
  auto r = SegmentReader::Open("r.seg", WithSection(file, SectionId::kPostings, postings));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*(*r)->Postings(0, "red"), (std::vector<uint32_t>{0}));
  // Named by the offset of shoes' list (the 5th byte of POSTINGS).
  const std::string bad = WithSection(file, SectionId::kPostings, postings);
  EXPECT_EQ((*r)->Postings(0, "shoes").status().message(),
            fmt::format("segment 'r.seg': postings: bad posting (a doc past the segment's, not "
                        "increasing, or truncated) (offset {})",
                        SectionOffset(bad, SectionId::kPostings) + 4));
}

TEST(SegmentReaderTest, AFormatOneFileHasNoFieldLengths) {
  std::string file = TwoDocSegment(2);
  std::string v1;
  PutFixed32(&v1, 1);
  file.replace(8, 4, v1);  // the header is outside every checksum
  auto r = SegmentReader::Open("r.seg", file);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->format_version(), 1u);
  EXPECT_FALSE((*r)->FieldLength(0, 0).has_value());
  EXPECT_FALSE((*r)->TotalFieldLength(0).has_value());
}

}  // namespace
}  // namespace freshet
