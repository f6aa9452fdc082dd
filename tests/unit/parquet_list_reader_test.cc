// List columns decoded from hand-built pages: repetition and definition
// levels of the standard 3-level LIST, and the bound on what a batch of
// list elements may take (a few bytes of RLE can stand for billions).
#include <gtest/gtest.h>

#include "format/parquet/parquet_encodings.h"
#include "format/parquet/parquet_metadata.h"
#include "format/parquet/parquet_reader.h"
#include "parquet_test_files.h"
#include "storage/memory_store.h"

namespace freshet::parquet {
namespace {

// One level per value: repetition level, definition level (3: an element,
// 2: a null element, 1: an empty list, 0: a null list), and the dictionary
// index of the element's value when the definition level is 3.
struct Level {
  uint32_t rep;
  uint32_t def;
};

// A file of one row group with one column, `tags`:
//   optional group tags (LIST) { repeated group list { optional binary element; } }
// a dictionary page of `dictionary`, then one data page v2 with `levels`.
std::string ListFile(const std::vector<std::string>& dictionary, const std::vector<Level>& levels,
                     const std::vector<uint32_t>& indices, int64_t num_rows) {
  std::string chunk;
  std::string dict_values;
  for (const std::string& d : dictionary) {
    uint32_t len = static_cast<uint32_t>(d.size());
    dict_values.append(reinterpret_cast<const char*>(&len), 4);
    dict_values += d;
  }
  PageHeader dict;
  dict.type = PageType::kDictionaryPage;
  dict.uncompressed_page_size = dict.compressed_page_size =
      static_cast<int32_t>(dict_values.size());
  dict.dictionary_page_header.emplace();
  dict.dictionary_page_header->num_values = static_cast<int32_t>(dictionary.size());
  chunk += SerializePageHeader(dict) + dict_values;
  int64_t data_offset = 4 + static_cast<int64_t>(chunk.size());

  std::vector<uint32_t> reps, defs;
  for (const Level& l : levels) {
    reps.push_back(l.rep);
    defs.push_back(l.def);
  }
  std::string rep_bytes, def_bytes, values(1, '\x01');  // index bit width 1
  EncodeRleBitPacked(reps.data(), reps.size(), 1, &rep_bytes);
  EncodeRleBitPacked(defs.data(), defs.size(), 2, &def_bytes);
  EncodeRleBitPacked(indices.data(), indices.size(), 1, &values);
  PageHeader data;
  data.type = PageType::kDataPageV2;
  data.uncompressed_page_size = data.compressed_page_size =
      static_cast<int32_t>(rep_bytes.size() + def_bytes.size() + values.size());
  DataPageHeaderV2& v2 = data.data_page_header_v2.emplace();
  v2.num_values = static_cast<int32_t>(levels.size());
  v2.num_rows = static_cast<int32_t>(num_rows);
  v2.encoding = Encoding::kRleDictionary;
  v2.repetition_levels_byte_length = static_cast<int32_t>(rep_bytes.size());
  v2.definition_levels_byte_length = static_cast<int32_t>(def_bytes.size());
  v2.is_compressed = false;
  chunk += SerializePageHeader(data) + rep_bytes + def_bytes + values;

  FileMetaData md;
  md.schema = {RootElement(1), GroupElement("tags", Repetition::kOptional, 1, true),
               GroupElement("list", Repetition::kRepeated, 1),
               LeafElement("element", PhysicalType::kByteArray, Repetition::kOptional)};
  md.num_rows = num_rows;
  RowGroup& g = md.row_groups.emplace_back();
  g.num_rows = num_rows;
  ColumnMetaData m;
  m.type = PhysicalType::kByteArray;
  m.encodings = {Encoding::kPlain, Encoding::kRle, Encoding::kRleDictionary};
  m.path_in_schema = {"tags", "list", "element"};
  m.num_values = static_cast<int64_t>(levels.size());
  m.total_compressed_size = m.total_uncompressed_size = static_cast<int64_t>(chunk.size());
  m.dictionary_page_offset = 4;
  m.data_page_offset = data_offset;
  g.columns.emplace_back().meta_data = m;
  return ParquetFileBytes(chunk, md);
}

Status ReadTags(const std::string& bytes, CollectingSink* sink,
                uint64_t max_list_batch_bytes = ParquetReadOptions().max_list_batch_bytes) {
  std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
  ObjectStore& store = *store_owner;
  RETURN_IF_ERROR(store.Put("l.parquet", bytes));
  ParquetReadOptions options;
  options.batch_rows = 2;  // rows straddle batches
  options.max_list_batch_bytes = max_list_batch_bytes;
  ParquetReader reader(options);
  return reader.Read(store, *store.Head("l.parquet"), {"tags"}, *sink);
}

TEST(ParquetListReader, LevelsGiveListsNullsAndEmptyLists) {
  // Rows: ["a", "b"], null, [], ["b", null, "a"], [null], ["a"].
  std::vector<Level> levels = {{0, 3}, {1, 3}, {0, 0}, {0, 1}, {0, 3},
                               {1, 2}, {1, 3}, {0, 2}, {0, 3}};
  std::vector<uint32_t> indices = {0, 1, 1, 0, 0};
  CollectingSink sink;
  Status st = ReadTags(ListFile({"a", "b"}, levels, indices, 6), &sink);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(sink.rows.size(), 6u);
  auto list = [](std::vector<std::string> items) {
    Value v;
    v.type = ValueType::kStringList;
    v.list = std::move(items);
    return v;
  };
  EXPECT_EQ(sink.rows[0][0], list({"a", "b"}));
  EXPECT_TRUE(sink.rows[1][0].is_null());
  EXPECT_EQ(sink.rows[2][0], list({}));
  EXPECT_EQ(sink.rows[3][0], list({"b", "a"}));
  EXPECT_EQ(sink.rows[4][0], list({}));
  EXPECT_EQ(sink.rows[5][0], list({"a"}));
}

TEST(ParquetListReader, ContinuingANullListIsCorruption) {
  std::vector<Level> levels = {{0, 0}, {1, 3}};
  CollectingSink sink;
  Status st = ReadTags(ListFile({"a"}, levels, {0}, 1), &sink);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("l.parquet: column 'tags', row group 0, page at byte"),
            std::string::npos)
      << st.message();
}

TEST(ParquetListReader, AChunkShorterThanItsRowGroupIsCorruption) {
  std::vector<Level> levels = {{0, 3}, {1, 3}, {0, 3}};
  CollectingSink sink;
  Status st = ReadTags(ListFile({"a"}, levels, {0, 0, 0}, 3), &sink);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("column chunk ends with 1 rows still to read"), std::string::npos)
      << st.message();
}

TEST(ParquetListReader, AHugeListFromAFewBytesIsRefused) {
  // One row of 3 million copies of a 1000-byte value: a few kilobytes of
  // RLE, 3 GB of strings. Refused before it is built (with a 1 MiB bound
  // here; the default is 1 GiB).
  const size_t n = 3'000'000;
  std::vector<Level> levels(n, Level{1, 3});
  levels[0].rep = 0;
  std::vector<uint32_t> indices(n, 0);
  std::string file = ListFile({std::string(1000, 'x')}, levels, indices, 1);
  EXPECT_LT(file.size(), 8000u);
  CollectingSink sink;
  Status st = ReadTags(file, &sink, 1 << 20);
  EXPECT_EQ(st.code(), StatusCode::kNotSupported);
  EXPECT_NE(st.message().find("the list elements of 1 rows take more than 1048576 bytes"),
            std::string::npos)
      << st.message();
}

}  // namespace
}  // namespace freshet::parquet
