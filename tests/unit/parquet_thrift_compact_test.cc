#include <gtest/gtest.h>

#include "format/parquet/parquet_metadata.h"
#include "format/parquet/parquet_thrift_ids.h"
#include "format/parquet/thrift_compact.h"

namespace freshet::parquet {
namespace {

namespace fmd = thrift_id::file_meta_data;

FileMetaData SampleMetadata() {
  FileMetaData md;
  md.version = 2;
  md.num_rows = 1234567890123;
  md.created_by = "unit test";
  md.type_defined_column_orders = true;
  SchemaElement root;
  root.name = "schema";
  root.num_children = 1;
  SchemaElement col;
  col.name = "title";
  col.type = PhysicalType::kByteArray;
  col.repetition = Repetition::kOptional;
  col.converted_type = ConvertedType::kUtf8;
  col.logical_type.kind = LogicalType::Kind::kString;
  md.schema = {root, col};
  RowGroup g;
  g.num_rows = 10;
  g.total_byte_size = 99;
  ColumnMetaData m;
  m.type = PhysicalType::kByteArray;
  m.encodings = {Encoding::kPlain, Encoding::kRle, Encoding::kRleDictionary};
  m.path_in_schema = {"title"};
  m.codec = Codec::kZstd;
  m.num_values = 10;
  m.total_compressed_size = 50;
  m.total_uncompressed_size = 70;
  m.data_page_offset = 40;
  m.dictionary_page_offset = 4;
  Statistics stats;
  stats.null_count = 3;
  stats.min_value = std::string("a");
  stats.max_value = std::string("z");
  m.statistics = stats;
  ColumnChunk c;
  c.meta_data = m;
  g.columns.push_back(c);
  md.row_groups.push_back(g);
  md.key_value_metadata.push_back({"k", std::string("v")});
  return md;
}

TEST(ThriftCompact, MetadataRoundTrip) {
  FileMetaData md = SampleMetadata();
  std::string bytes = SerializeFileMetaData(md);
  auto parsed = ParseFileMetaData(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->version, 2);
  EXPECT_EQ(parsed->num_rows, 1234567890123);
  EXPECT_EQ(parsed->created_by, "unit test");
  ASSERT_EQ(parsed->schema.size(), 2u);
  EXPECT_EQ(parsed->schema[1].name, "title");
  EXPECT_EQ(parsed->schema[1].logical_type.kind, LogicalType::Kind::kString);
  ASSERT_EQ(parsed->row_groups.size(), 1u);
  const ColumnMetaData& m = *parsed->row_groups[0].columns[0].meta_data;
  EXPECT_EQ(m.codec, Codec::kZstd);
  EXPECT_EQ(m.encodings.size(), 3u);
  EXPECT_EQ(*m.dictionary_page_offset, 4);
  EXPECT_EQ(*m.statistics->null_count, 3);
  EXPECT_EQ(*m.statistics->max_value, "z");
  EXPECT_TRUE(parsed->type_defined_column_orders);
  ASSERT_EQ(parsed->key_value_metadata.size(), 1u);
  EXPECT_EQ(*parsed->key_value_metadata[0].value, "v");
}

TEST(ThriftCompact, EveryTruncationFailsCleanly) {
  std::string bytes = SerializeFileMetaData(SampleMetadata());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto parsed = ParseFileMetaData(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(parsed.ok()) << "prefix of " << n << " bytes parsed";
    EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption);
    EXPECT_NE(parsed.status().message().find("thrift"), std::string::npos);
  }
}

TEST(ThriftCompact, VarintOverflowIsRejected) {
  // Field 1 (i32) whose varint never ends within 10 bytes.
  std::string bytes = "\x15";
  bytes.append(11, '\xff');
  auto parsed = ParseFileMetaData(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("varint"), std::string::npos);

  // An i32 field whose value needs 33 bits.
  ThriftCompactWriter w;
  w.WriteStructBegin();
  w.WriteFieldBegin(1, ThriftType::kI32);
  w.WriteVarint(uint64_t{1} << 33);
  w.WriteStructEnd();
  parsed = ParseFileMetaData(w.buffer());
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("i32 out of range"), std::string::npos);
}

TEST(ThriftCompact, DeepNestingIsRejected) {
  // An unknown field holding structs nested 1000 deep: skipping must stop.
  ThriftCompactWriter w;
  w.WriteStructBegin();
  for (int i = 0; i < 1000; ++i) {
    w.WriteFieldBegin(100, ThriftType::kStruct);
    w.WriteStructBegin();
  }
  auto parsed = ParseFileMetaData(w.buffer());
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("nesting deeper than"), std::string::npos)
      << parsed.status().ToString();

  // Nested lists too.
  std::string lists = "\x19";                      // field 1, list
  for (int i = 0; i < 1000; ++i) lists += "\x19";  // list of one list
  parsed = ParseFileMetaData(lists);
  ASSERT_FALSE(parsed.ok());
}

TEST(ThriftCompact, UnknownFieldsAreSkipped) {
  // Unknown fields of every wire type, then known ones (explicit field ids).
  ThriftCompactWriter w;
  w.WriteStructBegin();
  w.WriteFieldBegin(200, ThriftType::kBinary);
  w.WriteBinary("future");
  w.WriteFieldBegin(201, ThriftType::kList);
  w.WriteListBegin(ThriftType::kStruct, 2);
  for (int i = 0; i < 2; ++i) {
    w.WriteStructBegin();
    w.WriteI64Field(3, -5);
    w.WriteBoolField(4, true);
    w.WriteFieldBegin(5, ThriftType::kList);
    w.WriteListBegin(ThriftType::kList, 1);
    w.WriteListBegin(ThriftType::kBoolTrue, 2);
    w.WriteBoolElement(true);
    w.WriteBoolElement(false);
    w.WriteStructEnd();
  }
  w.WriteFieldBegin(202, ThriftType::kDouble);
  w.WriteDouble(1.5);
  w.WriteFieldBegin(203, ThriftType::kMap);
  w.WriteVarint(1);
  w.WriteByte(static_cast<int8_t>(0x85));  // binary -> i32
  w.WriteBinary("k");
  w.WriteI32(7);
  w.WriteBoolField(204, false);
  w.WriteFieldBegin(205, ThriftType::kByte);
  w.WriteByte(3);
  w.WriteFieldBegin(206, ThriftType::kI16);
  w.WriteI16(-300);
  w.WriteI32Field(fmd::kVersion, 2);
  w.WriteI64Field(fmd::kNumRows, 42);
  w.WriteBinaryField(fmd::kCreatedBy, "writer");
  w.WriteStructEnd();
  auto parsed = ParseFileMetaData(w.buffer());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->version, 2);
  EXPECT_EQ(parsed->num_rows, 42);
  EXPECT_EQ(parsed->created_by, "writer");
}

TEST(ThriftCompact, WrongWireTypeOfKnownFieldIsSkipped) {
  ThriftCompactWriter w;
  w.WriteStructBegin();
  w.WriteBinaryField(fmd::kVersion, "not an i32");  // version with the wrong type
  w.WriteI64Field(fmd::kNumRows, 42);
  w.WriteStructEnd();
  auto parsed = ParseFileMetaData(w.buffer());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->version, 0);
  EXPECT_EQ(parsed->num_rows, 42);
}

// fastparquet writes an empty list as the single byte 0x00 (size 0, element
// type 0); pyarrow and DuckDB accept it, and so must we. A non-empty list
// without an element type stays corrupt.
TEST(ThriftCompact, EmptyListWithElementTypeZeroIsAccepted) {
  ThriftCompactWriter w;
  w.WriteStructBegin();
  w.WriteI32Field(fmd::kVersion, 1);
  w.WriteFieldBegin(fmd::kKeyValueMetadata, ThriftType::kList);
  w.WriteByte(0);
  w.WriteI64Field(fmd::kNumRows, 7);
  w.WriteStructEnd();
  auto parsed = ParseFileMetaData(w.buffer());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->num_rows, 7);
  EXPECT_TRUE(parsed->key_value_metadata.empty());

  ThriftCompactWriter bad;
  bad.WriteStructBegin();
  bad.WriteFieldBegin(fmd::kKeyValueMetadata, ThriftType::kList);
  bad.WriteByte(0x20);  // two elements of type 0
  bad.WriteByte(0);
  bad.WriteByte(0);
  bad.WriteStructEnd();
  parsed = ParseFileMetaData(bad.buffer());
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("bad list element type 0"), std::string::npos)
      << parsed.status().ToString();
}

TEST(ThriftCompact, HugeListAndBinaryLengthsAreRejectedBeforeAllocating) {
  // schema: list header claiming 2^31 structs in a 10-byte buffer.
  std::string bytes = "\x29\xfc\xff\xff\xff\xff\x07";
  auto parsed = ParseFileMetaData(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("exceeds"), std::string::npos);
  // created_by (field 6) with a 1 TB length.
  ThriftCompactWriter w;
  w.WriteStructBegin();
  w.WriteFieldBegin(fmd::kCreatedBy, ThriftType::kBinary);
  w.WriteVarint(uint64_t{1} << 40);
  parsed = ParseFileMetaData(w.buffer());
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("binary of"), std::string::npos);
}

TEST(ThriftCompact, PageHeaderRoundTrip) {
  PageHeader h;
  h.type = PageType::kDataPageV2;
  h.uncompressed_page_size = 100;
  h.compressed_page_size = 60;
  h.crc = 0xdeadbeef;
  DataPageHeaderV2& d = h.data_page_header_v2.emplace();
  d.num_values = 10;
  d.num_nulls = 2;
  d.num_rows = 10;
  d.encoding = Encoding::kDeltaBinaryPacked;
  d.definition_levels_byte_length = 3;
  d.is_compressed = false;
  std::string bytes = SerializePageHeader(h) + "trailing page data";
  size_t size = 0;
  auto parsed = ParsePageHeader(bytes, &size);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(size, bytes.size() - std::string("trailing page data").size());
  EXPECT_EQ(*parsed->crc, 0xdeadbeefu);
  EXPECT_EQ(parsed->data_page_header_v2->encoding, Encoding::kDeltaBinaryPacked);
  EXPECT_FALSE(parsed->data_page_header_v2->is_compressed);
  EXPECT_EQ(parsed->data_page_header_v2->definition_levels_byte_length, 3);
}

TEST(ThriftCompact, LongFieldIdDeltasUseExplicitIds) {
  ThriftCompactWriter w;
  w.WriteStructBegin();
  w.WriteI32Field(fmd::kVersion, 7);
  w.WriteI64Field(fmd::kNumRows, 9);
  w.WriteBinaryField(fmd::kCreatedBy, "me");
  w.WriteStructEnd();
  ThriftCompactReader r(w.buffer());
  ASSERT_TRUE(r.ReadStructBegin().ok());
  int16_t id;
  ThriftType t;
  ASSERT_TRUE(r.ReadFieldBegin(&id, &t).ok());
  EXPECT_EQ(id, 1);
  ASSERT_TRUE(r.Skip(t).ok());
  ASSERT_TRUE(r.ReadFieldBegin(&id, &t).ok());
  EXPECT_EQ(id, 3);
  ASSERT_TRUE(r.Skip(t).ok());
  ASSERT_TRUE(r.ReadFieldBegin(&id, &t).ok());
  EXPECT_EQ(id, 6);
  std::string s;
  ASSERT_TRUE(r.ReadString(&s).ok());
  EXPECT_EQ(s, "me");
  ASSERT_TRUE(r.ReadFieldBegin(&id, &t).ok());
  EXPECT_EQ(t, ThriftType::kStop);
  ASSERT_TRUE(r.ReadStructEnd().ok());
}

}  // namespace
}  // namespace freshet::parquet
