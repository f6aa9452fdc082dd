#include "format/parquet/parquet_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>

#include "format/parquet/parquet_reader.h"
#include "format/parquet/parquet_verify.h"
#include "parquet_test_files.h"
#include "storage/memory_store.h"
#include "storage/object_store_wrapper.h"

namespace freshet::parquet {
namespace {

std::vector<WriterColumn> Schema() {
  return {{"ad_id", ValueType::kInt64, false},
          {"title", ValueType::kString, true},
          {"bid", ValueType::kDouble, true},
          {"active", ValueType::kBool, true}};
}

std::vector<Row> SampleRows(size_t n) {
  std::mt19937 rng(1);
  std::vector<Row> rows;
  for (size_t i = 0; i < n; ++i) {
    Row r(4);
    r[0] = Value::Int64(static_cast<int64_t>(i));
    if (rng() % 5) r[1] = Value::String("title " + std::to_string(rng() % 50));
    if (rng() % 4) r[2] = Value::Double(static_cast<double>(rng() % 1000) / 8);
    if (rng() % 3) r[3] = Value::Bool(rng() % 2);
    rows.push_back(r);
  }
  return rows;
}

std::string WriteFile(const std::vector<Row>& rows, ParquetWriterOptions options) {
  auto writer = ParquetWriter::Create(Schema(), options);
  EXPECT_TRUE(writer.ok());
  for (const Row& r : rows) EXPECT_TRUE((*writer)->AppendRow(r).ok());
  auto bytes = (*writer)->Finish();
  EXPECT_TRUE(bytes.ok());
  return *bytes;
}

TEST(ParquetWriter, RoundTripThroughReader) {
  std::vector<Row> rows = SampleRows(3000);
  for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kZstd, Codec::kGzip}) {
    for (bool dictionary : {true, false}) {
      ParquetWriterOptions options;
      options.codec = codec;
      options.dictionary = dictionary;
      options.row_group_rows = 700;
      options.page_bytes = 512;
      options.dictionary_max_bytes = 100;  // forces the PLAIN fallback mid-chunk
      std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
      ObjectStore& store = *store_owner;
      ASSERT_TRUE(store.Put("f.parquet", WriteFile(rows, options)).ok());
      for (int threads : {1, 3}) {
        ParquetReadOptions read_options;
        read_options.threads = threads;
        read_options.batch_rows = 97;
        ParquetReader reader(read_options);
        CollectingSink sink;
        auto info = store.Head("f.parquet");
        Status st = reader.Read(store, *info, {"active", "missing", "ad_id", "title", "bid"}, sink);
        ASSERT_TRUE(st.ok()) << st.ToString();
        ASSERT_EQ(sink.rows.size(), rows.size());
        for (size_t i = 0; i < rows.size(); ++i) {
          EXPECT_EQ(sink.numbers[i], i + 1);
          EXPECT_EQ(sink.rows[i][0], rows[i][3]);
          EXPECT_TRUE(sink.rows[i][1].is_null());
          EXPECT_EQ(sink.rows[i][2], rows[i][0]);
          EXPECT_EQ(sink.rows[i][3], rows[i][1]);
          EXPECT_EQ(sink.rows[i][4], rows[i][2]);
        }
      }
      EXPECT_TRUE(VerifyParquet(store, "f.parquet").ok());
    }
  }
}

// One row group, or fewer row groups than threads: the columns of a row
// group are split between threads, and rows still come out whole and in
// order, whatever the batch and thread counts.
TEST(ParquetReader, ColumnsOfARowGroupSplitBetweenThreadsKeepRowsWhole) {
  std::vector<Row> rows = SampleRows(5000);
  for (uint64_t group_rows : {uint64_t{10000}, uint64_t{2600}}) {
    ParquetWriterOptions options;
    options.row_group_rows = group_rows;
    options.page_bytes = 2048;
    std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
    ObjectStore& store = *store_owner;
    ASSERT_TRUE(store.Put("f.parquet", WriteFile(rows, options)).ok());
    for (int threads : {2, 3, 4}) {
      ParquetReadOptions read_options;
      read_options.threads = threads;
      read_options.batch_rows = 333;
      ParquetReader reader(read_options);
      CollectingSink sink;
      Status st =
          reader.Read(store, *store.Head("f.parquet"), {"bid", "ad_id", "title", "active"}, sink);
      ASSERT_TRUE(st.ok()) << st.ToString();
      ASSERT_EQ(sink.rows.size(), rows.size()) << group_rows << " rows a group, " << threads;
      for (size_t i = 0; i < rows.size(); ++i) {
        ASSERT_EQ(sink.numbers[i], i + 1);
        ASSERT_EQ(sink.rows[i], (Row{rows[i][2], rows[i][0], rows[i][1], rows[i][3]}))
            << "row " << i << ", " << group_rows << " rows a group, " << threads << " threads";
      }
    }
  }
}

TEST(ParquetWriter, OutputIsDeterministic) {
  std::vector<Row> rows = SampleRows(500);
  EXPECT_EQ(WriteFile(rows, {}), WriteFile(rows, {}));
}

TEST(ParquetWriter, RejectsBadRowsAndSchemas) {
  auto writer = ParquetWriter::Create(Schema());
  ASSERT_TRUE(writer.ok());
  Row r(4);
  Status st = (*writer)->AppendRow(r);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("row 1: column 'ad_id' is required"), std::string::npos)
      << st.message();
  r[0] = Value::String("x");
  st = (*writer)->AppendRow(r);
  EXPECT_NE(st.message().find("column 'ad_id' is int64 but the value is string"),
            std::string::npos);
  EXPECT_FALSE((*writer)->AppendRow(Row(2)).ok());
  EXPECT_EQ((*writer)->rows(), 0u);
  EXPECT_FALSE(ParquetWriter::Create({}).ok());
  EXPECT_FALSE(ParquetWriter::Create({{"a", ValueType::kInt64}, {"a", ValueType::kString}}).ok());
  EXPECT_FALSE(ParquetWriter::Create({{"l", ValueType::kStringList}}).ok());
}

// Damaged copies of a valid file: every read must end in OK or a clean error
// (run under ASan/UBSan, this also checks memory safety).
TEST(ParquetReader, SurvivesCorruptedFiles) {
  ParquetWriterOptions options;
  options.row_group_rows = 300;
  options.page_bytes = 256;
  std::string good = WriteFile(SampleRows(1000), options);
  std::mt19937 rng(3);
  ParquetReadOptions read_options;
  read_options.threads = 1;
  read_options.verify_checksums = false;  // let damage reach the decoders
  ParquetReader reader(read_options);
  for (int round = 0; round < 1500; ++round) {
    std::string bad = good;
    int flips = 1 + rng() % 4;
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
    if (round % 10 == 0) bad.resize(rng() % bad.size());
    std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
    ObjectStore& store = *store_owner;
    ASSERT_TRUE(store.Put("bad.parquet", bad).ok());
    CollectingSink sink;
    auto info = store.Head("bad.parquet");
    Status st = reader.Read(store, *info, {"ad_id", "title", "bid", "active"}, sink);
    if (!st.ok()) {
      EXPECT_NE(st.message().find("bad.parquet"), std::string::npos) << st.ToString();
    }
    (void)VerifyParquet(store, "bad.parquet");
  }
}

// Records the reads a scan makes.
class CountingStore final : public ObjectStoreWrapper {
 public:
  explicit CountingStore(ObjectStore& base) : ObjectStoreWrapper(&base) {}
  Result<std::string> Get(std::string_view key) override {
    ++gets;
    return ObjectStoreWrapper::Get(key);
  }
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    {
      std::lock_guard<std::mutex> lock(mu);  // row groups are fetched from several threads
      ranges.emplace_back(offset, length);
    }
    return ObjectStoreWrapper::GetRange(key, offset, length);
  }
  std::atomic<int> gets = 0;
  std::mutex mu;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
};

TEST(ParquetReader, FetchesFooterThenOnlyProjectedChunks) {
  ParquetWriterOptions options;
  options.row_group_rows = 2000;
  options.codec = Codec::kUncompressed;
  options.dictionary = false;
  std::string bytes = WriteFile(SampleRows(8000), options);
  ASSERT_GT(bytes.size(), 64u << 10) << "the footer read should not cover the whole file";
  std::unique_ptr<ObjectStore> base_owner = NewMemoryStore();
  ObjectStore& base = *base_owner;
  ASSERT_TRUE(base.Put("f.parquet", bytes).ok());
  CountingStore store(base);
  ParquetReader reader;
  CollectingSink sink;
  ASSERT_TRUE(reader.Read(store, *store.Head("f.parquet"), {"bid"}, sink).ok());
  EXPECT_EQ(sink.rows.size(), 8000u);
  EXPECT_EQ(store.gets, 0);
  // One read of the file's tail, then one per row group for the one column.
  ASSERT_EQ(store.ranges.size(), 1u + 4u);
  EXPECT_EQ(store.ranges[0].first + store.ranges[0].second, bytes.size());
  std::sort(store.ranges.begin() + 1, store.ranges.end());
  auto file = ParquetFile::Open(base, *base.Head("f.parquet"));
  ASSERT_TRUE(file.ok());
  const ColumnDescriptor* bid = (*file)->schema().Find("bid");
  for (size_t g = 0; g < 4; ++g) {
    const ColumnMetaData& m = *(*file)->metadata().row_groups[g].columns[bid->leaf_index].meta_data;
    uint64_t start = m.dictionary_page_offset ? *m.dictionary_page_offset : m.data_page_offset;
    EXPECT_EQ(store.ranges[1 + g],
              std::make_pair(start, static_cast<uint64_t>(m.total_compressed_size)));
  }
}

TEST(ParquetReader, ListsAreColumnsOtherNestingIsNotSupported) {
  // A hand-made schema: root { required int64 id;
  //   optional group tags (LIST) { repeated group list { optional binary element; } }
  //   required group legacy (LIST) { repeated int32 element; }
  //   repeated binary bare;
  //   optional group point { required double x; } }
  using R = Repetition;
  using P = PhysicalType;
  FileMetaData md;
  md.schema = {RootElement(5),
               LeafElement("id", P::kInt64, R::kRequired),
               GroupElement("tags", R::kOptional, 1, true),
               GroupElement("list", R::kRepeated, 1),
               LeafElement("element", P::kByteArray, R::kOptional),
               GroupElement("legacy", R::kRequired, 1, true),
               LeafElement("element", P::kInt32, R::kRepeated),
               LeafElement("bare", P::kByteArray, R::kRepeated),
               GroupElement("point", R::kOptional, 1),
               LeafElement("x", P::kDouble, R::kRequired)};
  std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
  ObjectStore& store = *store_owner;
  ASSERT_TRUE(store.Put("n.parquet", ParquetFileBytes("", md)).ok());
  auto opened = ParquetFile::Open(store, *store.Head("n.parquet"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const ParquetSchema& schema = (*opened)->schema();
  ASSERT_EQ(schema.columns().size(), 4u);
  const ColumnDescriptor* t = schema.Find("tags");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->is_list());
  EXPECT_EQ(t->list_definition_level, 1);
  EXPECT_EQ(t->element_definition_level, 2);
  EXPECT_EQ(t->max_definition_level, 3);
  EXPECT_EQ(t->type_name, "LIST<BYTE_ARRAY>");
  const ColumnDescriptor* l = schema.Find("legacy");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->list_definition_level, 0);
  EXPECT_EQ(l->element_definition_level, 1);
  EXPECT_EQ(l->max_definition_level, 1);
  EXPECT_EQ(l->leaf_index, 2u);
  const ColumnDescriptor* b = schema.Find("bare");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->is_list());
  EXPECT_EQ(b->list_definition_level, 0);
  EXPECT_EQ(b->element_definition_level, 1);
  ASSERT_EQ(schema.skipped().size(), 1u);
  EXPECT_EQ(schema.skipped()[0].name, "point");
  EXPECT_EQ(schema.leaves()[1].max_definition_level, 3);
  EXPECT_EQ(schema.leaves()[1].max_repetition_level, 1);
  ParquetReader reader;
  CollectingSink sink;
  Status st = reader.ReadFile(**opened, {"id", "point"}, sink);
  EXPECT_EQ(st.code(), StatusCode::kNotSupported);
  EXPECT_NE(st.message().find("n.parquet: column 'point' is a nested group with 1 leaf column"),
            std::string::npos)
      << st.message();
}

}  // namespace
}  // namespace freshet::parquet
