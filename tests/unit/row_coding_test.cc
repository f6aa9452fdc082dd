#include "index/segment/row_coding.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

Row EveryType() {
  Value list;
  list.type = ValueType::kStringList;
  list.list = {"a", "", "東京"};
  Value b;
  b.type = ValueType::kBool;
  b.b = true;
  Value i;
  i.type = ValueType::kInt64;
  i.i = -12345678901;
  return Row{Value(), b, i, Value::Double(-0.5), Value::String("Crème"), list};
}

TEST(RowCodingTest, RoundTripsEveryValueType) {
  std::string bytes;
  PutRow(&bytes, EveryType());
  Cursor c(bytes);
  Row back;
  ASSERT_TRUE(GetRow(c, &back));
  EXPECT_TRUE(c.done());
  EXPECT_EQ(back, EveryType());
}

TEST(RowCodingTest, EveryTruncationAndAnUnknownTypeAreRefused) {
  std::string bytes;
  PutRow(&bytes, EveryType());
  for (size_t n = 0; n < bytes.size(); ++n) {
    Cursor c(std::string_view(bytes).substr(0, n));
    Row back;
    EXPECT_FALSE(GetRow(c, &back)) << n;
  }
  const std::string unknown = "\x01\x07";  // one value of type 7
  Cursor c(unknown);
  Row back;
  EXPECT_FALSE(GetRow(c, &back));
}

}  // namespace
}  // namespace freshet
