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
  auto back = DecodeSegmentMeta("m.seg", {EncodeSegmentMeta(Meta()), 16});
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
  EXPECT_EQ(DecodeSegmentMeta("m.seg", {}).status().message(),
            "segment 'm.seg': missing META section (offset 0)");
  EXPECT_EQ(DecodeSegmentMeta("m.seg", {"\x03", 16}).status().message(),
            "segment 'm.seg': bad META (offset 16)");  // kind 3 does not exist
  const std::string bytes = EncodeSegmentMeta(Meta());
  for (size_t n = 1; n < bytes.size(); ++n) {
    auto m = DecodeSegmentMeta("m.seg", {std::string_view(bytes).substr(0, n), 16});
    ASSERT_FALSE(m.ok()) << n;
    EXPECT_NE(m.status().message().find("META"), std::string::npos) << m.status().message();
  }
}

}  // namespace
}  // namespace freshet
