#include "format/record_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace freshet {
namespace {

Value List(std::vector<std::string> items) {
  Value v;
  v.type = ValueType::kStringList;
  v.list = std::move(items);
  return v;
}

// Two columns of three rows: every type, nulls, and a column the file lacks.
struct SampleBatch {
  ColumnBatch ids, values;
  RecordBatch batch;
  SampleBatch() {
    ids.types = {ValueType::kString, ValueType::kInt64, ValueType::kNull};
    ids.ints = {0, -42, 0};
    ids.doubles = {0, 0, 0};
    ids.strings = {"ad-1", "", ""};
    ids.lists.resize(3);
    values.types = {ValueType::kDouble, ValueType::kBool, ValueType::kStringList};
    values.ints = {0, 1, 0};
    values.doubles = {2.5, 0, 0};
    values.strings.resize(3);
    values.lists = {{}, {}, {"red", "", "shoes"}};
    batch.rows = 3;
    batch.columns = {&ids, &values, nullptr};
  }
};

TEST(RecordBatchTest, ViewsAndRowsOfABatch) {
  SampleBatch s;
  EXPECT_EQ(s.batch.View(0, 0).s, "ad-1");
  EXPECT_EQ(s.batch.View(0, 1).i, -42);
  EXPECT_TRUE(s.batch.View(0, 2).is_null());
  EXPECT_TRUE(s.batch.View(2, 1).is_null());  // the file lacks column 2
  Row row = {Value::String("left over"), List({"x"}), Value::Int64(3)};
  s.batch.RowInto(2, &row);  // storage reused, values replaced
  EXPECT_EQ(row, (Row{Value::Null(), List({"red", "", "shoes"}), Value::Null()}));
  s.batch.RowInto(1, &row);
  EXPECT_EQ(row, (Row{Value::Int64(-42), Value::Bool(true), Value::Null()}));
}

TEST(RecordTableTest, RowsFromBatchesAndRowsReadBackAlike) {
  SampleBatch s;
  RecordTable table(3);
  for (size_t r = 0; r < s.batch.rows; ++r) EXPECT_EQ(table.Append(s.batch, r), r);
  Row appended = {Value::String(std::string(100000, 'x')), Value::Double(-0.0), List({})};
  EXPECT_EQ(table.Append(appended), 3u);
  ASSERT_EQ(table.rows(), 4u);
  EXPECT_EQ(table.RowAt(0), (Row{Value::String("ad-1"), Value::Double(2.5), Value::Null()}));
  EXPECT_EQ(table.RowAt(1), (Row{Value::Int64(-42), Value::Bool(true), Value::Null()}));
  EXPECT_EQ(table.RowAt(2), (Row{Value::Null(), List({"red", "", "shoes"}), Value::Null()}));
  EXPECT_EQ(table.RowAt(3), appended);
  EXPECT_EQ(table.View(0, 0).s, "ad-1");
  EXPECT_EQ(table.View(2, 1).type, ValueType::kStringList);
}

TEST(RecordTableTest, ValuesOutliveTheBatchTheyCameFrom) {
  RecordTable table(1);
  {
    auto batch = std::make_unique<SampleBatch>();
    std::string text(5000, 'y');
    batch->ids.strings[0] = text;  // a view into memory freed below
    table.Append(batch->batch, 0);
    text.assign(5000, 'z');
  }
  EXPECT_EQ(table.RowAt(0)[0], Value::String(std::string(5000, 'y')));
  std::string_view stored = table.Store("key");
  EXPECT_EQ(stored, "key");
  EXPECT_GE(table.MemoryBytes(), 5003u);
}

TEST(RecordTableTest, AdoptedBatchesKeepTheirValuesWithoutACopyBesideAppendedRows) {
  RecordTable table(3);
  Row first = {Value::String("copied"), Value::Int64(7), Value::Null()};
  EXPECT_EQ(table.Append(first), 0u);
  const std::string_view* adopted_id = nullptr;
  {
    auto owned = std::make_shared<SampleBatch>();
    RecordBatch batch = owned->batch;
    batch.owner = owned;
    batch.owner_bytes = 1000;
    adopted_id = &owned->ids.strings[0];
    EXPECT_EQ(table.Adopt(batch), 1u);  // rows 1..3, held by the table from now on
  }
  Row last = {Value::Double(1.5), List({"a"}), Value::String("z")};
  EXPECT_EQ(table.Append(last), 4u);
  ASSERT_EQ(table.rows(), 5u);
  EXPECT_EQ(table.RowAt(0), first);
  EXPECT_EQ(table.RowAt(1), (Row{Value::String("ad-1"), Value::Double(2.5), Value::Null()}));
  EXPECT_EQ(table.RowAt(2), (Row{Value::Int64(-42), Value::Bool(true), Value::Null()}));
  EXPECT_EQ(table.RowAt(3), (Row{Value::Null(), List({"red", "", "shoes"}), Value::Null()}));
  EXPECT_EQ(table.RowAt(4), last);
  // Not copied: the view is the batch's own.
  EXPECT_EQ(table.View(1, 0).s.data(), adopted_id->data());
  EXPECT_EQ(table.View(3, 1).list->size(), 3u);
  EXPECT_EQ(table.View(4, 2).s, "z");
  EXPECT_GE(table.MemoryBytes(), 1000u);
}

}  // namespace
}  // namespace freshet
