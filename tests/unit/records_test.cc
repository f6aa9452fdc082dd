#include "pipeline/records.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "format/parquet/parquet_writer.h"
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

// Docs with an op column: ad_id, item_id, updated_at, op, title.
RecordSchema OpSchema() {
  RecordSchema s;
  s.columns = {"ad_id", "item_id", "updated_at", "op", "title"};
  s.id_column = 0;
  s.group_column = 1;
  s.version_column = 2;
  s.op_column = 3;
  s.delete_values = {"delete"};
  return s;
}

std::string Title(const KeyedRecord& r) { return r.Values()[4].s; }

TEST(ReadKeyedFile, NewestPerKeyTiesDeletesKeyLengthsAndBadKeys) {
  std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
  ObjectStore& store = *store_owner;
  const std::string long_key(300, 'c'), shorter_key(299, 'c');
  auto line = [](std::string id, std::string group, int v, std::string op, std::string title) {
    return "{\"ad_id\": " + id + ", \"item_id\": " + group +
           ", \"updated_at\": " + std::to_string(v) + ", \"op\": \"" + op + "\", \"title\": \"" +
           title + "\"}\n";
  };
  std::string text = line("\"a\"", "\"g1\"", 5, "upsert", "first a") +
                     line("\"a\"", "\"g1\"", 5, "upsert", "second a") +  // tie: later wins
                     line("\"bb\"", "\"g1\"", 9, "upsert", "bb new") +
                     line("\"bb\"", "\"g2\"", 3, "upsert", "bb old") +  // older: loses
                     line("7", "\"g2\"", 1, "upsert", "int seven") +
                     line("\"7\"", "\"g2\"", 1, "upsert", "string seven") +  // the same key
                     line("\"" + long_key + "\"", "\"g3\"", 1, "upsert", "long") +
                     line("\"" + shorter_key + "\"", "\"g3\"", 1, "upsert", "shorter") +
                     line("\"d\"", "null", 4, "delete", "") +  // a delete needs no group
                     line("\"\"", "\"g1\"", 1, "upsert", "empty key") +
                     line("null", "\"g1\"", 1, "upsert", "null key") +
                     line("\"e\"", "null", 1, "upsert", "no group") +
                     line("\"d\"", "\"g4\"", 2, "upsert", "older than its delete");
  ASSERT_TRUE(store.Put("w.jsonl", text).ok());
  auto parsed = ReadKeyedFile(store, *store.Head("w.jsonl"), 0, FileFormat::kJsonLines, OpSchema(),
                              BadRecordPolicy::kSkip);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->records, 10);
  EXPECT_EQ(parsed->bad_records, 3);
  EXPECT_EQ(parsed->bad,
            (std::vector<std::string>{"w.jsonl:10: missing or empty key column 'ad_id'",
                                      "w.jsonl:11: missing or empty key column 'ad_id'",
                                      "w.jsonl:12: missing or empty group key column 'item_id'"}));
  std::vector<std::string_view> ids;  // one per key, in the order keys first appear
  for (const KeyedRecord& k : parsed->reduced) ids.push_back(k.id);
  ASSERT_EQ(ids, (std::vector<std::string_view>{"a", "bb", "7", long_key, shorter_key, "d"}));
  auto find = [&](std::string_view id) -> const KeyedRecord& {
    for (const KeyedRecord& k : parsed->reduced) {
      if (k.id == id) return k;
    }
    ADD_FAILURE() << "no record of " << id;
    return parsed->reduced[0];
  };
  EXPECT_EQ(Title(find("a")), "second a");
  EXPECT_EQ(find("bb").group, "g1");
  EXPECT_EQ(find("bb").version, 9);
  EXPECT_EQ(Title(find("bb")), "bb new");
  EXPECT_EQ(Title(find("7")), "string seven");
  EXPECT_EQ(Title(find(long_key)), "long");
  EXPECT_EQ(Title(find(shorter_key)), "shorter");
  EXPECT_TRUE(find("d").deleted);
  EXPECT_EQ(find("d").group, "");
  EXPECT_EQ(find("d").version, 4);
  const auto& r = parsed->reduced;
  for (const KeyedRecord& k : r) EXPECT_EQ(k.hash, Hash64(k.id));
}

// Parquet rows arrive in batches (several per row group, row groups split
// between threads); the reduction must equal a plain per-row model of the
// rule across batch and row group boundaries.
TEST(ReadKeyedFile, ParquetBatchesReduceAsRowsDo) {
  using parquet::WriterColumn;
  std::vector<WriterColumn> columns{{"ad_id", ValueType::kString, true},
                                    {"item_id", ValueType::kString, true},
                                    {"updated_at", ValueType::kInt64, false},
                                    {"op", ValueType::kString, true},
                                    {"title", ValueType::kString, true}};
  parquet::ParquetWriterOptions options;
  options.row_group_rows = 4500;
  auto writer = parquet::ParquetWriter::Create(columns, options);
  ASSERT_TRUE(writer.ok());
  struct Expected {
    int64_t version;
    bool deleted;
    std::string group, title;
  };
  std::map<std::string, Expected> model;
  std::mt19937 rng(7);
  for (int i = 0; i < 12000; ++i) {
    std::string id = "k" + std::string(rng() % 4, 'x') + std::to_string(rng() % 3000);
    std::string group = "g" + std::to_string(rng() % 50);
    int64_t version = rng() % 20;
    bool deleted = rng() % 10 == 0;
    std::string title = "t" + std::to_string(i);
    Row row{Value::String(id), deleted ? Value::Null() : Value::String(group),
            Value::Int64(version), Value::String(deleted ? "delete" : "upsert"),
            Value::String(title)};
    ASSERT_TRUE((*writer)->AppendRow(row).ok());
    auto it = model.find(id);
    if (it == model.end() || version >= it->second.version) {
      model[id] = {version, deleted, deleted ? "" : group, title};
    }
  }
  auto bytes = (*writer)->Finish();
  ASSERT_TRUE(bytes.ok());
  std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
  ObjectStore& store = *store_owner;
  ASSERT_TRUE(store.Put("p.parquet", *bytes).ok());
  for (int threads : {1, 2, 3}) {
    auto parsed = ReadKeyedFile(store, *store.Head("p.parquet"), 0, FileFormat::kParquet,
                                OpSchema(), BadRecordPolicy::kStop, threads);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->records, 12000);
    ASSERT_EQ(parsed->reduced.size(), model.size());
    std::set<std::string_view> seen;
    for (const KeyedRecord& r : parsed->reduced) {
      ASSERT_TRUE(model.count(std::string(r.id))) << r.id;
      ASSERT_TRUE(seen.insert(r.id).second) << r.id << " twice";
      const Expected& e = model[std::string(r.id)];
      EXPECT_EQ(r.version, e.version) << r.id;
      EXPECT_EQ(r.deleted, e.deleted) << r.id;
      EXPECT_EQ(r.group, e.group) << r.id;
      EXPECT_EQ(Title(r), e.title) << r.id;
      EXPECT_EQ(r.hash, Hash64(r.id));
    }
  }
}

TEST(ReadKeyedFile, ParquetNullAndEmptyKeysAreBadRecordsNamedByRow) {
  auto writer = parquet::ParquetWriter::Create({{"ad_id", ValueType::kString, true},
                                                {"item_id", ValueType::kInt64, true},
                                                {"updated_at", ValueType::kInt64, true}});
  ASSERT_TRUE(writer.ok());
  for (const Row& row :
       std::vector<Row>{{Value::String("a"), Value::Int64(1), Value::Int64(1)},
                        {Value::Null(), Value::Int64(1), Value::Int64(1)},
                        {Value::String(""), Value::Int64(1), Value::Int64(1)},
                        {Value::String("b"), Value::Int64(2), Value::Null()},
                        {Value::String("a"), Value::Int64(12345678901), Value::Int64(1)}}) {
    ASSERT_TRUE((*writer)->AppendRow(row).ok());
  }
  std::unique_ptr<ObjectStore> store_owner = NewMemoryStore();
  ObjectStore& store = *store_owner;
  ASSERT_TRUE(store.Put("k.parquet", *(*writer)->Finish()).ok());
  auto parsed = Read(store, "k.parquet", FileFormat::kParquet, BadRecordPolicy::kSkip);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->bad,
            (std::vector<std::string>{"k.parquet:2: missing or empty key column 'ad_id'",
                                      "k.parquet:3: missing or empty key column 'ad_id'",
                                      "k.parquet:4: column 'updated_at': expected an integer "
                                      "(version_format = \"integer\")"}));
  ASSERT_EQ(parsed->reduced.size(), 1u);
  EXPECT_EQ(parsed->reduced[0].group, "12345678901");  // integer group keys as text
  auto stopped = Read(store, "k.parquet", FileFormat::kParquet, BadRecordPolicy::kStop);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().message(),
            "bad record at k.parquet:2: missing or empty key column 'ad_id'");
}

TEST(NewestRecordsTest, GrowsWithoutReserveAndKeepsTheNewestOfEveryKey) {
  // 9000 keys of 1 to 11 bytes, each offered two or three times with rising
  // versions, except key 5 whose versions fall.
  auto id_of = [](int j) { return std::string(j % 7, 'k') + std::to_string(j); };
  RecordTable table(1);
  std::vector<KeyedRecord> records;
  for (int i = 0; i < 20000; ++i) {
    int j = i % 9000;
    records.push_back(
        MakeRecord(table, id_of(j), "", j == 5 ? 100 - i : i, false, {Value::Int64(i)}));
  }
  NewestRecords newest;
  for (const KeyedRecord& r : records) newest.Offer(&r);
  ASSERT_EQ(newest.size(), 9000u);
  for (int j = 0; j < 9000; ++j) {
    const KeyedRecord* r = newest.Find(id_of(j));
    ASSERT_NE(r, nullptr) << j;
    int64_t expected = j == 5 ? 5 : (j < 2000 ? j + 18000 : j + 9000);
    EXPECT_EQ(r->Values()[0].i, expected) << j;
  }
  int j = 0;
  for (const KeyedRecord* r : newest) EXPECT_EQ(r->id, id_of(j++));  // first-offered order
  EXPECT_EQ(newest.Find("nope"), nullptr);
  EXPECT_EQ(newest.Find(""), nullptr);
}

TEST(KeyIndexTest, KeysWhoseHashesCollideStayApartAndCandidateIsOnlyAGuess) {
  // Keys 0 to 3 share the lower half of their hash (the part a slot keeps),
  // key 3 differs in the upper half only; then enough other keys to regrow.
  std::vector<std::string> keys{"a", "b", "c", "d"};
  std::vector<uint64_t> hashes{42, 42, 42, 42 + (uint64_t{1} << 32)};
  for (int i = 0; i < 100; ++i) {
    keys.push_back("other" + std::to_string(i));
    hashes.push_back(Hash64(keys.back()));
  }
  KeyIndex index;
  auto key_of = [&](uint32_t p) { return std::string_view(keys[p]); };
  EXPECT_EQ(index.Candidate(42), KeyIndex::kNone);  // no slots yet
  for (uint32_t p = 0; p < keys.size(); ++p) {
    ASSERT_EQ(index.FindOrAdd(hashes[p], keys[p], p, key_of), p) << keys[p];
  }
  for (uint32_t p = 0; p < keys.size(); ++p) {
    EXPECT_EQ(index.FindOrAdd(hashes[p], keys[p], 1000, key_of), p) << keys[p];
    EXPECT_EQ(index.Find(hashes[p], keys[p], key_of), p) << keys[p];
  }
  EXPECT_EQ(index.Find(42, "e", key_of), KeyIndex::kNone);
  // The first key recorded under the shared lower half, whichever is asked.
  EXPECT_EQ(index.Candidate(42), 0u);
  EXPECT_EQ(index.Candidate(42 + (uint64_t{1} << 32)), 0u);
  EXPECT_EQ(index.Candidate(hashes[50]), 50u);
  EXPECT_EQ(index.Candidate(Hash64("absent")), KeyIndex::kNone);
}

TEST(NewestRecordsTest, OfferAllOfFilesKeepsWhatOfferingOneByOneKeeps) {
  // Three "files" of 5000 records over 3000 keys, versions in random order
  // with ties: OfferAll (which loads keys ahead) keeps the same records as
  // Offer in the same order.
  std::mt19937_64 rng(7);
  RecordTable table(1);
  std::vector<std::vector<KeyedRecord>> files(3);
  int n = 0;
  for (auto& file : files) {
    for (int i = 0; i < 5000; ++i, ++n) {
      std::string id = "ad-" + std::to_string(rng() % 3000);
      file.push_back(
          MakeRecord(table, id, "", static_cast<int64_t>(rng() % 4), false, {Value::Int64(n)}));
    }
  }
  NewestRecords all, one_by_one;
  for (const auto& file : files) {
    all.OfferAll(file);
    for (const KeyedRecord& r : file) one_by_one.Offer(&r);
  }
  ASSERT_EQ(all.size(), one_by_one.size());
  auto a = all.begin();
  for (const KeyedRecord* r : one_by_one) EXPECT_EQ(*a++, r) << r->id;
  EXPECT_EQ(all.Find("ad-17"), one_by_one.Find("ad-17"));
}

}  // namespace
}  // namespace freshet
