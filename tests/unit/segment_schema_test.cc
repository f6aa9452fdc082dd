#include "index/segment/segment_schema.h"

#include <gtest/gtest.h>

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
            "(ASCII letters and digits, ASCII lowercased))");
}

}  // namespace
}  // namespace freshet
