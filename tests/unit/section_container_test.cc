#include "index/segment/section_container.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "common/coding.h"

namespace freshet {
namespace {

std::string TwoSections() {
  SectionContainerWriter w;
  w.Add(SectionId::kMeta, "meta bytes");
  w.Add(SectionId::kDocs, "docs");
  return w.Finish();
}

TEST(SectionContainerTest, RoundTripsSectionsInOrder) {
  const std::string file = TwoSections();
  auto c = SectionContainer::Parse("a.seg", file);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->format_version, kSegmentFormatVersion);
  ASSERT_EQ(c->sections.size(), 2u);
  EXPECT_EQ(c->sections[0].first, 1u);
  EXPECT_EQ(c->Section(SectionId::kMeta).bytes, "meta bytes");
  EXPECT_EQ(c->Section(SectionId::kMeta).offset, 16u);  // after the header
  EXPECT_EQ(c->Section(SectionId::kDocs).bytes, "docs");
  EXPECT_EQ(c->Section(SectionId::kDocs).offset, 26u);
  EXPECT_TRUE(c->Section(SectionId::kTerms).bytes.empty());
  // Header, sections, one table entry of 28 bytes per section, trailer.
  EXPECT_EQ(file.size(), 16u + 10 + 4 + 2 * 28 + 28);
  EXPECT_EQ(file.substr(0, 8), "FRSHSEG1");
  EXPECT_EQ(file.substr(file.size() - 8), "FRSHEND1");
}

TEST(SectionContainerTest, AFlippedSectionByteNamesTheSectionAndItsOffset) {
  std::string file = TwoSections();
  file[16 + 10 + 1] ^= 1;  // inside DOCS, which starts after the header and META
  auto c = SectionContainer::Parse("a.seg", file);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(c.status().message(), "segment 'a.seg': section 2 checksum mismatch (offset 26)");
}

TEST(SectionContainerTest, ACallerThatCheckedTheWholeFileSkipsOnlyTheSectionsOwnChecksums) {
  // A reader that has just checked the whole file against its manifest's
  // checksum (SegmentCache) has the sections' bytes checked already.
  std::string file = TwoSections();
  file[16 + 10 + 1] ^= 1;
  auto c = SectionContainer::Parse("a.seg", file, SectionChecksums::kCheckedWhole);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Section(SectionId::kMeta).bytes, "meta bytes");
  // The section table's checksum is still checked: it is what the views
  // into the file are made from.
  std::string table_flipped = TwoSections();
  table_flipped[16 + 10 + 4 + 5] ^= 1;  // the first table entry's offset
  auto t = SectionContainer::Parse("a.seg", table_flipped, SectionChecksums::kCheckedWhole);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "segment 'a.seg': section table checksum mismatch (offset 30)");
}

TEST(SectionContainerTest, EveryTruncationIsRefused) {
  const std::string file = TwoSections();
  for (size_t n = 0; n < file.size(); ++n) {
    auto c = SectionContainer::Parse("t.seg", std::string_view(file).substr(0, n));
    ASSERT_FALSE(c.ok()) << n;
    EXPECT_EQ(c.status().code(), StatusCode::kCorruption) << n;
    EXPECT_EQ(c.status().message().rfind("segment 't.seg': ", 0), 0u) << c.status().message();
  }
  auto short_file = SectionContainer::Parse("t.seg", std::string_view(file).substr(0, 20));
  EXPECT_EQ(short_file.status().message(), "segment 't.seg': file too short (offset 20)");
}

TEST(SectionContainerTest, RefusesAVersionOutsideTheReadableRange) {
  for (uint32_t version : {0u, kSegmentFormatVersion + 1}) {
    std::string file = TwoSections();
    std::string v;
    PutFixed32(&v, version);
    file.replace(8, 4, v);
    auto c = SectionContainer::Parse("v.seg", file);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), StatusCode::kNotSupported);
    EXPECT_NE(c.status().message().find(fmt::format("format version {} (this build reads 1 to {})",
                                                    version, kSegmentFormatVersion)),
              std::string::npos);
  }
}

TEST(SectionContainerTest, ARepeatedSectionIdReadsAsTheLastOneListed) {
  SectionContainerWriter w;
  w.Add(SectionId::kTerms, "first");
  w.Add(SectionId::kTerms, "second");
  w.Add(static_cast<SectionId>(99), "from a newer writer");
  const std::string file = w.Finish();
  auto c = SectionContainer::Parse("r.seg", file);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Section(SectionId::kTerms).bytes, "second");
  EXPECT_EQ(c->sections.size(), 3u);  // unknown ids are kept, not refused
}

// `inspect --sections` shows where a file's bytes go: each section by name
// in file order, its bytes per doc and share, the container's own bytes and
// the total.
TEST(SectionContainerTest, TheSizeTableNamesEachSectionWithItsShare) {
  SectionContainerWriter w;
  w.Add(SectionId::kStoredBlocks, std::string(300, 's'));
  w.Add(SectionId::kBlockPostings, std::string(100, 'p'));
  w.Add(static_cast<SectionId>(99), std::string(20, 'x'));
  const std::string file = w.Finish();
  auto c = SectionContainer::Parse("t.seg", file);
  ASSERT_TRUE(c.ok());
  std::vector<std::pair<uint32_t, uint64_t>> sizes;
  for (const auto& [id, view] : c->sections) sizes.emplace_back(id, view.bytes.size());
  // 16 header bytes, 3 table entries of 28, a 28-byte trailer: 128.
  ASSERT_EQ(file.size(), 548u);
  EXPECT_EQ(SectionSizeTable(sizes, file.size(), 4),
            "  section                id        bytes  bytes/doc   share\n"
            "  STORED_BLOCKS          10          300      75.00   54.7%\n"
            "  BLOCK_POSTINGS         12          100      25.00   18.2%\n"
            "  UNKNOWN                99           20       5.00    3.6%\n"
            "  (header, table)                    128      32.00   23.4%\n"
            "  total                              548     137.00  100.0%\n");
  // Without docs, no bytes per doc.
  EXPECT_NE(SectionSizeTable(sizes, file.size(), 0).find("          300          -   54.7%"),
            std::string::npos);
}

TEST(SectionContainerTest, SectionNamesAreTheFormatsOwn) {
  EXPECT_EQ(SectionName(1), "META");
  EXPECT_EQ(SectionName(10), "STORED_BLOCKS");
  EXPECT_EQ(SectionName(19), "TOMBSTONES");
  EXPECT_EQ(SectionName(26), "GROUP_POSITIONS");
  EXPECT_EQ(SectionName(20), "UNKNOWN");
}

}  // namespace
}  // namespace freshet
