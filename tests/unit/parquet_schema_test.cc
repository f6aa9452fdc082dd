#include "format/parquet/parquet_schema.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "format/parquet/parquet_reader.h"
#include "storage/object_store.h"

namespace freshet::parquet {
namespace {

// A Delta checkpoint written by delta-rs (tests/golden/delta): nested
// structs, maps and lists, 4 rows: protocol, metaData, one add, one remove.
class NestedLeafTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* golden = std::getenv("FRESHET_GOLDEN_DIR");
    ASSERT_NE(golden, nullptr) << "FRESHET_GOLDEN_DIR names tests/golden (set by ctest)";
    auto store = ObjectStore::Open(fmt::format("{}/delta/table/_delta_log", golden));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto info = store_->Head("00000000000000000002.checkpoint.parquet");
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    auto file = ParquetFile::Open(*store_, *info);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    file_ = std::move(*file);
  }

  ColumnBatch ReadAll(std::string_view path) {
    auto column = file_->schema().DescribeLeaf(file_->metadata(), path);
    EXPECT_TRUE(column.ok()) << column.status().ToString();
    ColumnBatch batch;
    if (!column.ok()) return batch;
    column_ = *column;
    auto reader = file_->OpenColumn(0, column_, {});
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return batch;
    const size_t rows = static_cast<size_t>(file_->metadata().row_groups[0].num_rows);
    Status st = (*reader)->Read(rows, &batch);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return batch;
  }

  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<ParquetFile> file_;
  ColumnDescriptor column_;
};

TEST_F(NestedLeafTest, DescribesAStructsFieldAsAFlatColumnDefinedOnlyWhenEveryLevelIs) {
  const ParquetSchema& schema = file_->schema();
  auto dv = schema.DescribeLeaf(file_->metadata(), "add.deletionVector.storageType");
  ASSERT_TRUE(dv.ok()) << dv.status().ToString();
  EXPECT_EQ(dv->max_definition_level, 2);  // add and deletionVector are optional
  EXPECT_FALSE(dv->is_list());
  // The add has no deletion vector and the other rows' add is null: every
  // value reads as null.
  ColumnBatch none = ReadAll("add.deletionVector.storageType");
  ASSERT_EQ(none.size(), 4u);
  for (ValueType t : none.types) EXPECT_EQ(t, ValueType::kNull);

  ColumnBatch version = ReadAll("protocol.minReaderVersion");
  int present = 0;
  for (size_t i = 0; i < version.size(); ++i) {
    if (version.types[i] == ValueType::kNull) continue;
    ++present;
    EXPECT_EQ(version.ints[i], 1);
  }
  EXPECT_EQ(present, 1);

  EXPECT_EQ(schema.DescribeLeaf(file_->metadata(), "add.nothing").status().code(),
            StatusCode::kNotFound);
}

TEST_F(NestedLeafTest, DescribesAMapsKeysAndValuesAsListColumns) {
  const std::string keys_path = "add.partitionValues.key_value.key";
  auto keys = file_->schema().DescribeLeaf(file_->metadata(), keys_path);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_TRUE(keys->is_list());
  EXPECT_EQ(keys->list_definition_level, 1);     // add is optional, the map is not
  EXPECT_EQ(keys->element_definition_level, 2);  // the repeated key_value group
  ColumnBatch k = ReadAll(keys_path);
  ColumnBatch paths = ReadAll("add.path");
  int adds = 0;
  for (size_t i = 0; i < k.size(); ++i) {
    if (paths.types[i] == ValueType::kNull) {
      EXPECT_EQ(k.types[i], ValueType::kNull) << i;
      continue;
    }
    ++adds;
    ASSERT_EQ(k.types[i], ValueType::kStringList) << i;
    std::vector<std::string> sorted = k.lists[i];
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<std::string>{"dt", "hour", "minute"}));
  }
  EXPECT_EQ(adds, 1);
}

}  // namespace
}  // namespace freshet::parquet
