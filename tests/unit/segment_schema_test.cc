#include "index/segment/segment_schema.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "index/analyzer.h"

namespace freshet {
namespace {

SegmentMeta Meta() {
  SegmentMeta m;
  m.kind = SegmentKind::kDelta;
  m.num_docs = 300;
  m.num_groups = 7;
  m.schema.doc_columns = {"title", "bid"};
  m.schema.doc_roles = {kRoleText | kRoleStored, kRoleNumeric};
  m.schema.group_columns = {"brand"};
  m.schema.group_roles = {kRoleKeyword};
  m.schema.group_prefix = "item_";
  m.schema.aggregate_names = {"item_count"};
  return m;
}

TEST(SegmentSchemaTest, MetaRoundTrips) {
  auto back = DecodeSegmentMeta("m.seg", {EncodeSegmentMeta(Meta()), 16}, 3);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->kind, SegmentKind::kDelta);
  EXPECT_EQ(back->num_docs, 300u);
  EXPECT_EQ(back->num_groups, 7u);
  EXPECT_EQ(back->schema, Meta().schema);
}

TEST(SegmentSchemaTest, FieldsAreNumberedDocsThenGroupsThenAggregates) {
  const SegmentSchema& s = Meta().schema;
  EXPECT_EQ(s.field_count(), 4u);
  EXPECT_EQ(s.FieldName(2), "item_brand");
  EXPECT_EQ(s.FieldName(3), "item_count");
  EXPECT_EQ(s.FieldRoles(3), kRoleNumeric | kRoleStored);
  EXPECT_EQ(*s.FindField("item_brand"), 2u);
  EXPECT_FALSE(s.FindField("brand").has_value());
}

TEST(SegmentSchemaTest, MissingOrTruncatedMetaIsNamed) {
  EXPECT_EQ(DecodeSegmentMeta("m.seg", {}, 3).status().message(),
            "segment 'm.seg': missing META section (offset 0)");
  EXPECT_EQ(DecodeSegmentMeta("m.seg", {"\x03", 16}, 3).status().message(),
            "segment 'm.seg': bad META (offset 16)");  // kind 3 does not exist
  const std::string bytes = EncodeSegmentMeta(Meta());
  for (size_t n = 1; n < bytes.size(); ++n) {
    auto m = DecodeSegmentMeta("m.seg", {std::string_view(bytes).substr(0, n), 16}, 3);
    ASSERT_FALSE(m.ok()) << n;
    EXPECT_NE(m.status().message().find("META"), std::string::npos) << m.status().message();
  }
}

TEST(SegmentSchemaTest, FormatThreeRecordsTheAnalyzerAndRefusesAnUnknownOne) {
  std::string bytes = EncodeSegmentMeta(Meta());
  EXPECT_EQ(bytes.back(), '\x01');  // analyzer 1, the last varint
  EXPECT_EQ(DecodeSegmentMeta("m.seg", {bytes, 16}, 3)->analyzer, 1u);
  // Formats 1 and 2 have no analyzer id: their META ends with the aggregates.
  const std::string v2 = bytes.substr(0, bytes.size() - 1);
  EXPECT_EQ(DecodeSegmentMeta("m.seg", {v2, 16}, 2)->analyzer, 1u);
  bytes.back() = '\x07';
  auto unknown = DecodeSegmentMeta("m.seg", {bytes, 16}, 3);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(unknown.status().message(),
            "segment 'm.seg': made by analyzer 7, which this freshet does not know (known: 1 "
            "(ascii), 2 (unicode), 3 (unicode_fold))");
}

// A segment whose text fields are not all ascii records META's analyzer id
// as 0 (no analyzer has it, so a freshet from before per-field analyzers
// refuses the segment by name), then one id per doc and group column.
TEST(SegmentSchemaTest, PerFieldAnalyzersRoundTripBehindAnIdOldReadersRefuse) {
  SegmentMeta m = Meta();
  m.schema.group_roles = {kRoleText};
  m.schema.doc_analyzers = {kUnicodeFoldAnalyzer, kAsciiAnalyzer};
  m.schema.group_analyzers = {kUnicodeAnalyzer};
  const std::string bytes = EncodeSegmentMeta(m);
  SegmentMeta ascii_text = m;
  ascii_text.schema.doc_analyzers.clear();
  ascii_text.schema.group_analyzers.clear();
  const std::string all_ascii = EncodeSegmentMeta(ascii_text);
  // All-ascii META's last byte (analyzer 1) becomes 0 followed by 3, 1, 2.
  EXPECT_EQ(bytes, all_ascii.substr(0, all_ascii.size() - 1) + std::string("\x00\x03\x01\x02", 4));
  EXPECT_FALSE(IsKnownAnalyzer(kPerFieldAnalyzers));
  auto back = DecodeSegmentMeta("m.seg", {bytes, 16}, 4);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->analyzer, kPerFieldAnalyzers);
  EXPECT_EQ(back->schema, m.schema);
  EXPECT_EQ(back->schema.FieldAnalyzer(0), kUnicodeFoldAnalyzer);
  EXPECT_EQ(back->schema.FieldAnalyzer(1), kAsciiAnalyzer);  // bid is not text
  EXPECT_EQ(back->schema.FieldAnalyzer(2), kUnicodeAnalyzer);
  EXPECT_FALSE(back->schema.AllAscii());
  // Differing analyzers make other schemas with the same columns.
  SegmentSchema other = m.schema;
  other.group_analyzers = {kAsciiAnalyzer};
  EXPECT_FALSE(other == m.schema);
  EXPECT_TRUE(other.SameColumns(m.schema));
  // Explicit ascii on every text field is the all-ascii schema, and writes
  // its META.
  SegmentMeta ascii = ascii_text;
  ascii.schema.doc_analyzers = {kAsciiAnalyzer, kUnicodeAnalyzer};  // bid is not text
  ascii.schema.group_analyzers = {kAsciiAnalyzer};
  EXPECT_EQ(EncodeSegmentMeta(ascii), all_ascii);
  EXPECT_EQ(ascii.schema, ascii_text.schema);
}

TEST(SegmentSchemaTest, TruncatedOrUnknownFieldAnalyzersAreNamed) {
  SegmentMeta m = Meta();
  m.schema.doc_analyzers = {kUnicodeAnalyzer, kAsciiAnalyzer};
  m.schema.group_analyzers = {kAsciiAnalyzer};
  std::string bytes = EncodeSegmentMeta(m);
  auto cut =
      DecodeSegmentMeta("m.seg", {std::string_view(bytes).substr(0, bytes.size() - 1), 16}, 4);
  EXPECT_EQ(cut.status().message(),
            fmt::format("segment 'm.seg': bad field analyzers in META (offset {})",
                        16 + bytes.size() - 1));
  bytes[bytes.size() - 3] = '\x09';
  auto unknown = DecodeSegmentMeta("m.seg", {bytes, 16}, 4);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(unknown.status().message(),
            "segment 'm.seg': field 'title' made by analyzer 9, which this freshet does not know "
            "(known: 1 (ascii), 2 (unicode), 3 (unicode_fold))");
}

}  // namespace
}  // namespace freshet
