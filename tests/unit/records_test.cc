#include "pipeline/records.h"

#include <gtest/gtest.h>

#include "parquet_test_files.h"
#include "storage/memory_store.h"

namespace freshet {
namespace {


RecordSchema AdsSchema() {
  RecordSchema s;
  s.columns = {"ad_id", "item_id", "updated_at", "tags"};
  s.id_column = 0;
  s.group_column = 1;
  s.version_column = 2;
  return s;
}

Result<ParsedFile> Read(ObjectStore& store, std::string_view key, FileFormat format,
                        BadRecordPolicy policy) {
  return ReadKeyedFile(store, *store.Head(key), 0, format, AdsSchema(), policy);
}

// The footer of a Parquet file with no rows whose `tags` is a struct
// (optional group tags { required binary a; }): a nested field the reader
// does not support.
std::string ParquetWithStructColumn() {
  using namespace parquet;
  FileMetaData md;
  md.schema = {RootElement(2),
               LeafElement("ad_id", PhysicalType::kByteArray, Repetition::kRequired),
               GroupElement("tags", Repetition::kOptional, 1),
               LeafElement("a", PhysicalType::kByteArray, Repetition::kRequired)};
  return ParquetFileBytes("", md);
}

TEST(ReadKeyedFile, KeyOfAnotherTypeIsNamedWithItsType) {
  std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
  ObjectStore& store = *store_owner;
  ASSERT_TRUE(store
                  .Put("a.jsonl",
                       "{\"ad_id\": 1.5, \"item_id\": \"i\", \"updated_at\": 1}\n"
                       "{\"ad_id\": \"a\", \"item_id\": true, \"updated_at\": 1}\n"
                       "{\"ad_id\": null, \"item_id\": \"i\", \"updated_at\": 1}\n"
                       "{\"ad_id\": 7, \"item_id\": \"i\", \"updated_at\": 1}\n")
                  .ok());
  auto parsed = Read(store, "a.jsonl", FileFormat::kJsonLines, BadRecordPolicy::kSkip);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->records, 1);
  ASSERT_EQ(parsed->bad.size(), 3u);
  EXPECT_EQ(parsed->bad[0],
            "a.jsonl:1: key column 'ad_id' holds a double (1.5); a key must be a string or an "
            "integer");
  EXPECT_EQ(parsed->bad[1],
            "a.jsonl:2: group key column 'item_id' holds a bool (true); a group key must be a "
            "string or an integer");
  EXPECT_EQ(parsed->bad[2], "a.jsonl:3: missing or empty key column 'ad_id'");

  auto stopped = Read(store, "a.jsonl", FileFormat::kJsonLines, BadRecordPolicy::kStop);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().message(),
            "bad record at a.jsonl:1: key column 'ad_id' holds a double (1.5); a key must be a "
            "string or an integer");
}

TEST(ReadKeyedFile, UnsupportedFileIsQuarantinedInSkipModeAndStopsInStopMode) {
  std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
  ObjectStore& store = *store_owner;
  ASSERT_TRUE(store.Put("n.parquet", ParquetWithStructColumn()).ok());
  auto parsed = Read(store, "n.parquet", FileFormat::kParquet, BadRecordPolicy::kSkip);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->bad_records, 1);
  EXPECT_TRUE(parsed->reduced.empty());
  ASSERT_EQ(parsed->bad.size(), 1u);
  EXPECT_EQ(parsed->bad[0].rfind("n.parquet: unsupported file: n.parquet: column 'tags' is a ", 0),
            0u)
      << parsed->bad[0];

  auto stopped = Read(store, "n.parquet", FileFormat::kParquet, BadRecordPolicy::kStop);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(stopped.status().message().find("n.parquet: column 'tags' is a nested group"),
            std::string::npos)
      << stopped.status().message();
}

TEST(ReadKeyedFile, DamagedFileIsQuarantinedAsUnreadable) {
  std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
  ObjectStore& store = *store_owner;
  ASSERT_TRUE(store.Put("d.parquet", "PAR1 not a footer PAR1").ok());
  auto parsed = Read(store, "d.parquet", FileFormat::kParquet, BadRecordPolicy::kSkip);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->bad.size(), 1u);
  EXPECT_EQ(parsed->bad[0].rfind("d.parquet: unreadable file: ", 0), 0u) << parsed->bad[0];
}

}  // namespace
}  // namespace freshet
