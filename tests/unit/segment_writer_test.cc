#include "index/segment/segment_writer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "index/analyzer.h"
#include "index/segment/segment_merger.h"
#include "index/segment/segment_reader.h"

namespace freshet {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The golden segments of each format N from 2 on (tests/golden/segment-vN,
// see the README there) were written by the freshet binary of an earlier
// commit (format 2's by a writer that was one function tokenizing text
// twice). Today's writer, given what a reader decodes of each and asked for
// format N, must write the very same bytes: the format is the bytes, not the
// code that writes them.
// Rewrites every segment of golden folder `folder` as format `format`;
// returns how many there were.
int ExpectGoldenRewrittenAsIs(const std::string& folder, uint32_t format) {
  const char* golden = std::getenv("FRESHET_GOLDEN_DIR");
  EXPECT_NE(golden, nullptr) << "FRESHET_GOLDEN_DIR names tests/golden (set by ctest)";
  if (!golden) return 0;
  const std::filesystem::path dir = std::filesystem::path(golden) / folder / "index/segments";
  int segments = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string bytes = ReadFile(entry.path());
    const std::string name = entry.path().filename().string();
    auto reader = SegmentReader::Open(name, bytes);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) continue;
    EXPECT_EQ((*reader)->format_version(), format) << name;
    auto data = DecodeSegment(**reader);
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    if (!data.ok()) continue;
    EXPECT_TRUE(WriteSegment(*data, format) == bytes)
        << folder << "/" << name << " is not rewritten as is";
    ++segments;
  }
  return segments;
}

class GoldenRewriteTest : public ::testing::TestWithParam<uint32_t> {};
INSTANTIATE_TEST_SUITE_P(Formats, GoldenRewriteTest, ::testing::Values(2u, 3u, 4u, 5u));

TEST_P(GoldenRewriteTest, RewritesEachGoldenSegmentByteForByte) {
  const uint32_t format = GetParam();
  EXPECT_EQ(ExpectGoldenRewrittenAsIs("segment-v" + std::to_string(format), format), 3);
}

// The golden segments written with the unicode analyzers (per-field
// analyzers in META) rewrite as they are too.
TEST(GoldenRewriteUnicodeTest, RewritesEachGoldenSegmentByteForByte) {
  EXPECT_EQ(ExpectGoldenRewrittenAsIs("segment-v4-unicode", 4), 3);
}

// So do those with positions (POSITIONS and GROUP_POSITIONS), whose readers
// tell the writer which fields have them.
TEST(GoldenRewritePositionsTest, RewritesEachGoldenSegmentByteForByte) {
  EXPECT_EQ(ExpectGoldenRewrittenAsIs("segment-v4-positions", 4), 3);
}

TEST(SegmentWriterTest, FieldLengthsCountTextTokensOnlyAndSaturate) {
  SegmentData d;
  d.schema.doc_columns = {"title", "tags"};
  d.schema.doc_roles = {kRoleText | kRoleKeyword, kRoleText};
  std::string long_text;
  for (int i = 0; i < 70000; ++i) long_text += "w ";
  Value tags;
  tags.type = ValueType::kStringList;
  tags.list = {"a b", "c"};
  d.groups = {SegmentGroup{"g", false, 0, Row{}, {}, 0, 2}};
  d.docs = {SegmentDoc{"1", 0, 1, Row{Value::String("Red red shoes"), tags}},
            SegmentDoc{"2", 0, 1, Row{Value::String(long_text), Value()}}};
  auto r = SegmentReader::Open("w.seg", WriteSegment(d));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const SegmentReader& s = **r;
  // The keyword role adds the whole value as a term, not to the length.
  EXPECT_EQ(*s.FieldLength(0, 0), 3u);
  EXPECT_EQ(s.DocFreq(0, "Red red shoes"), 1u);
  EXPECT_EQ(*s.FieldLength(1, 0), 3u);  // every string of a list
  EXPECT_EQ(*s.FieldLength(0, 1), 65535u);
  EXPECT_EQ(*s.FieldLength(1, 1), 0u);  // null
  std::vector<uint32_t> freqs;
  EXPECT_EQ(*s.Postings(0, "red", &freqs), (std::vector<uint32_t>{0}));
  EXPECT_EQ(freqs, (std::vector<uint32_t>{2}));
  EXPECT_EQ(*s.Postings(0, "w", &freqs), (std::vector<uint32_t>{1}));
  EXPECT_EQ(freqs, (std::vector<uint32_t>{70000}));  // frequencies do not saturate
}

// Each text field's terms are its own analyzer's, for doc fields and group
// fields alike, and the segment says which analyzer made them.
TEST(SegmentWriterTest, EachTextFieldIsAnalyzedByItsOwnAnalyzer) {
  SegmentData d;
  d.schema.doc_columns = {"title", "notes"};
  d.schema.doc_roles = {kRoleText, kRoleText};
  d.schema.doc_analyzers = {kUnicodeFoldAnalyzer, kAsciiAnalyzer};
  d.schema.group_columns = {"name"};
  d.schema.group_roles = {kRoleText};
  d.schema.group_analyzers = {kUnicodeAnalyzer};
  d.schema.group_prefix = "item_";
  d.groups = {SegmentGroup{"g", true, 1, Row{Value::String("GNOME’s Café")}, {}, 0, 1}};
  d.docs = {SegmentDoc{
      "1", 0, 1, Row{Value::String("SCHRÖDINGER — Crème"), Value::String("SCHRÖDINGER — Crème")}}};
  auto r = SegmentReader::Open("w.seg", WriteSegment(d));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const SegmentReader& s = **r;
  EXPECT_EQ(s.schema(), d.schema);
  std::vector<std::string> terms;
  ASSERT_TRUE(s.ForEachTerm([&](size_t f, std::string_view t, uint64_t) {
                 terms.push_back(s.schema().FieldName(f) + ":" + std::string(t));
                 return true;
               }).ok());
  // ascii keeps non-ASCII bytes as written and makes a term of the dash.
  EXPECT_EQ(terms, (std::vector<std::string>{"title:creme", "title:schrodinger", "notes:crème",
                                             "notes:schrÖdinger", "notes:—", "item_name:café",
                                             "item_name:gnome", "item_name:s"}));
  EXPECT_EQ(*s.FieldLength(0, 0), 2u);
  EXPECT_EQ(*s.FieldLength(1, 0), 3u);
}

}  // namespace
}  // namespace freshet
