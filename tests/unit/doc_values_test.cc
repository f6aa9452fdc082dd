#include "index/segment/doc_values.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "index/segment/postings_iterator.h"

namespace freshet {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(DocValuesTest, RoundTripsNumericColumnsAndFieldLengths) {
  const std::string numeric = EncodeNumericColumns({{1, {1.5, kNaN, -2}}, {4, {0, 0, 7}}});
  const std::string lengths = EncodeFieldLengths({{0, {3, 0, 65535}}});
  DocValues v;
  ASSERT_TRUE(v.Open("v.seg", {numeric, 100}, SectionView{lengths, 200}, 3, 5).ok());
  EXPECT_EQ(v.Numeric(1, 0), 1.5);
  EXPECT_TRUE(std::isnan(v.Numeric(1, 1)));
  EXPECT_EQ(v.Numeric(4, 2), 7);
  EXPECT_TRUE(std::isnan(v.Numeric(2, 0)));  // no column for field 2
  EXPECT_EQ(*v.FieldLength(0, 2), 65535u);
  EXPECT_EQ(*v.TotalFieldLength(0), 3u + 65535u);
  EXPECT_FALSE(v.FieldLength(1, 0).has_value());
}

TEST(DocValuesTest, NextInRangeIsTheFirstDocFromTargetWithAValueInRange) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::string numeric = EncodeNumericColumns({{1, {1.5, kNaN, -2, 7, 1.5}}});
  DocValues v;
  ASSERT_TRUE(v.Open("v.seg", {numeric, 100}, std::nullopt, 5, 5).ok());
  EXPECT_EQ(v.NextInRange(1, 0, 1.5, 7), 0u);
  EXPECT_EQ(v.NextInRange(1, 1, 1.5, 7), 3u);
  EXPECT_EQ(v.NextInRange(1, 4, -inf, inf), 4u);
  EXPECT_EQ(v.NextInRange(1, 0, -inf, -2), 2u);
  EXPECT_EQ(v.NextInRange(1, 5, -inf, inf), kNoMoreDocs);
  EXPECT_EQ(v.NextInRange(1, 0, 8, inf), kNoMoreDocs);
  EXPECT_EQ(v.NextInRange(1, 0, kNaN, inf), kNoMoreDocs);  // NaN never matches
  EXPECT_EQ(v.NextInRange(2, 0, -inf, inf), kNoMoreDocs);  // no column
}

TEST(DocValuesTest, FormatOneHasNoFieldLengths) {
  DocValues v;
  ASSERT_TRUE(v.Open("v.seg", {EncodeNumericColumns({}), 100}, std::nullopt, 3, 5).ok());
  EXPECT_FALSE(v.FieldLength(0, 0).has_value());
  EXPECT_FALSE(v.TotalFieldLength(0).has_value());
}

TEST(DocValuesTest, LengthsSaturateAt65535) {
  EXPECT_EQ(SaturatedFieldLength(65534), 65534);
  EXPECT_EQ(SaturatedFieldLength(65535), 65535);
  EXPECT_EQ(SaturatedFieldLength(1u << 20), 65535);
}

TEST(DocValuesTest, TruncatedColumnsOrUnknownFieldsNameTheSection) {
  const std::string numeric = EncodeNumericColumns({{1, {1.5, 2}}});
  const std::string lengths = EncodeFieldLengths({{0, {3, 4}}});
  // Sections at file offsets 100 and 200; a column starts after the count.
  const SectionView n{numeric, 100}, l{lengths, 200};
  EXPECT_EQ(DocValues().Open("v.seg", n, l, 3, 5).message(),
            "segment 'v.seg': bad NUMERIC column (offset 101)");  // 2 values for 3 docs
  EXPECT_EQ(DocValues().Open("v.seg", n, l, 2, 1).message(),
            "segment 'v.seg': bad NUMERIC column (offset 101)");  // field 1 of 1
  EXPECT_EQ(DocValues().Open("v.seg", {"", 100}, l, 2, 5).message(),
            "segment 'v.seg': bad NUMERIC (offset 100)");
  EXPECT_EQ(DocValues().Open("v.seg", n, SectionView{lengths.substr(0, 4), 200}, 2, 5).message(),
            "segment 'v.seg': bad FIELD_LENGTHS column (offset 201)");
  EXPECT_EQ(DocValues().Open("v.seg", n, SectionView{"", 200}, 2, 5).message(),
            "segment 'v.seg': bad FIELD_LENGTHS (offset 200)");
}

}  // namespace
}  // namespace freshet
