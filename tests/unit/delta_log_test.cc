#include "source/delta_log.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "source/discovery.h"
#include "storage/memory_store.h"
#include "storage/object_store_wrapper.h"

namespace freshet {
namespace {

constexpr std::string_view kProtocol =
    R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})";
constexpr std::string_view kMetadata =
    R"({"metaData":{"id":"t-1","format":{"provider":"parquet","options":{}},)"
    R"("schemaString":"{}","partitionColumns":["dt","hour","minute"],"configuration":{}}})";

std::string Add(std::string_view path, std::string_view minute, int64_t size = 10) {
  return fmt::format(
      R"({{"add":{{"path":"{}","partitionValues":{{"dt":"2026-05-04","hour":"10","minute":"{}"}},)"
      R"("size":{},"modificationTime":1700000000000,"dataChange":true}}}})",
      path, minute, size);
}

std::string Remove(std::string_view path, bool data_change = true) {
  return fmt::format(R"({{"remove":{{"path":"{}","deletionTimestamp":1,"dataChange":{}}}}})", path,
                     data_change);
}

std::vector<std::string> Paths(const DeltaSnapshot& s) {
  std::vector<std::string> out;
  for (const auto& [path, f] : s.files) out.push_back(path);
  return out;
}

// Counts the objects read.
class CountingStore final : public ObjectStoreWrapper {
 public:
  using ObjectStoreWrapper::ObjectStoreWrapper;
  Result<std::string> Get(std::string_view key) override {
    gets.emplace_back(key);
    return ObjectStoreWrapper::Get(key);
  }
  std::vector<std::string> gets;
};

class DeltaLogTest : public ::testing::Test {
 protected:
  void Commit(int64_t version, const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& l : lines) text += l + "\n";
    ASSERT_TRUE(memory_->Put(DeltaCommitKey(version), text).ok());
  }
  std::unique_ptr<ObjectStore> memory_ = NewMemoryStore();
  CountingStore store_{memory_.get()};
};

TEST(DeltaCommitTest, ParsesTheActionsThatShapeTheTableAndIgnoresTheOthers) {
  const std::string text =
      R"({"commitInfo":{"timestamp":1,"operation":"WRITE"}})"
      "\n" +
      std::string(kProtocol) + "\n" + std::string(kMetadata) + "\n" +
      R"({"add":{"path":"dt=2026-05-04/hour=10/minute=05/a%20b%3A.parquet",)"
      R"("partitionValues":{"dt":"2026-05-04","hour":"10","minute":null},"size":785,)"
      R"("modificationTime":1796026111552,"dataChange":false,"stats":"{}"}})"
      "\n" +
      R"({"remove":{"path":"old.parquet","dataChange":true}})"
      "\n" +
      R"({"txn":{"appId":"x","version":3}})"
      "\n" +
      R"({"someFutureAction":{"anything":[1,2]}})"
      "\n\n";
  auto c = ParseDeltaCommit("00000000000000000001.json", text);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->protocol.has_value());
  EXPECT_EQ(c->protocol->min_reader_version, 1);
  ASSERT_TRUE(c->metadata.has_value());
  EXPECT_EQ(c->metadata->id, "t-1");
  EXPECT_EQ(c->metadata->partition_columns, (std::vector<std::string>{"dt", "hour", "minute"}));
  ASSERT_EQ(c->added.size(), 1u);
  const DeltaFileAction& a = c->added[0];
  EXPECT_EQ(a.path, "dt=2026-05-04/hour=10/minute=05/a b:.parquet");
  EXPECT_EQ(a.size, 785u);
  EXPECT_EQ(a.modification_time, 1796026111552);
  EXPECT_FALSE(a.data_change);
  EXPECT_EQ(a.partition_values.at("dt"), "2026-05-04");
  EXPECT_FALSE(a.partition_values.at("minute").has_value());
  ASSERT_EQ(c->removed.size(), 1u);
  EXPECT_EQ(c->removed[0].path, "old.parquet");
}

TEST(DeltaCommitTest, ADamagedLineIsAnErrorNamingTheFileTheLineAndItsOffset) {
  const std::string first = std::string(kProtocol) + "\n";
  auto c = ParseDeltaCommit("_delta_log/00000000000000000004.json",
                            first + R"({"add":{"path":"a.parquet","size":)");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kCorruption);
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("_delta_log/00000000000000000004.json"), std::string::npos) << m;
  EXPECT_NE(m.find("line 2"), std::string::npos) << m;
  EXPECT_NE(m.find(fmt::format("byte offset {}", first.size())), std::string::npos) << m;
}

TEST(DeltaCommitTest, AnActionMissingARequiredFieldOrOfTheWrongTypeIsAnError) {
  for (const auto& [line, want] : std::vector<std::pair<std::string, std::string>>{
           {R"({"add":{"partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})",
            "add action: 'path' is missing"},
           {R"({"add":{"path":"a","partitionValues":{},"size":"big","modificationTime":1}})",
            "add action: 'size' is not an integer"},
           {R"({"add":{"path":"a","partitionValues":{"dt":3},"size":1,"modificationTime":1}})",
            "'partitionValues' holds a non-string value for 'dt'"},
           {R"({"protocol":{"minWriterVersion":2}})", "protocol action: 'minReaderVersion'"},
           {R"({"metaData":{"partitionColumns":[]}})", "metaData action: 'id' is missing"},
           {R"([1,2])", "not a JSON object"},
       }) {
    auto c = ParseDeltaCommit("v.json", line);
    ASSERT_FALSE(c.ok()) << line;
    EXPECT_NE(c.status().message().find(want), std::string::npos) << c.status().message();
    EXPECT_NE(c.status().message().find("v.json: line 1 (byte offset 0)"), std::string::npos)
        << c.status().message();
  }
}

TEST(DeltaProtocolTest, ATableNeedingAnUnimplementedFeatureIsRefusedByName) {
  DeltaMetadata plain;
  EXPECT_TRUE(CheckDeltaReadable("t", DeltaProtocol{1, 2, {}}, plain).ok());
  EXPECT_TRUE(CheckDeltaReadable("t", DeltaProtocol{2, 5, {}}, plain).ok());
  EXPECT_TRUE(CheckDeltaReadable("t", DeltaProtocol{3, 7, {"timestampNtz"}}, plain).ok());

  auto dv =
      CheckDeltaReadable("t", DeltaProtocol{3, 7, {"timestampNtz", "deletionVectors"}}, plain);
  EXPECT_EQ(dv.code(), StatusCode::kNotSupported);
  EXPECT_NE(dv.message().find("deletionVectors"), std::string::npos) << dv.message();

  DeltaMetadata mapped;
  mapped.configuration["delta.columnMapping.mode"] = "name";
  auto cm = CheckDeltaReadable("t", DeltaProtocol{2, 5, {}}, mapped);
  EXPECT_EQ(cm.code(), StatusCode::kNotSupported);
  EXPECT_NE(cm.message().find("columnMapping"), std::string::npos) << cm.message();

  auto v4 = CheckDeltaReadable("t", DeltaProtocol{4, 7, {}}, plain);
  EXPECT_EQ(v4.code(), StatusCode::kNotSupported);
  EXPECT_NE(v4.message().find("reader version 4"), std::string::npos) << v4.message();

  DeltaMetadata orc;
  orc.provider = "orc";
  EXPECT_EQ(CheckDeltaReadable("t", DeltaProtocol{1, 2, {}}, orc).code(),
            StatusCode::kNotSupported);
}

TEST_F(DeltaLogTest, TheStateIsTheFilesAddedAndNotRemovedAndIsReadOnlyFromTheNewCommits) {
  Commit(0, {std::string(kProtocol), std::string(kMetadata), Add("p/a.parquet", "00")});
  Commit(1, {Add("p/b.parquet", "05"), R"({"commitInfo":{}})"});
  auto s1 = LoadDeltaSnapshot(store_, std::nullopt);
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  EXPECT_EQ(s1->version, 1);
  EXPECT_EQ(Paths(*s1), (std::vector<std::string>{"p/a.parquet", "p/b.parquet"}));

  // An OPTIMIZE: both files removed without a data change, one file added.
  Commit(2, {Remove("p/a.parquet", false), Remove("p/b.parquet", false),
             Add("p/c.parquet", "00", 20)});
  Commit(3, {Remove("p/c.parquet"), Add("p/c.parquet", "00", 30)});
  store_.gets.clear();
  auto s3 = LoadDeltaSnapshot(store_, *s1);
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  EXPECT_EQ(s3->version, 3);
  EXPECT_EQ(Paths(*s3), (std::vector<std::string>{"p/c.parquet"}));
  EXPECT_EQ(s3->files.at("p/c.parquet").size, 30u);
  EXPECT_EQ(s3->commits_read, 2);
  std::sort(store_.gets.begin(), store_.gets.end());
  EXPECT_EQ(store_.gets, (std::vector<std::string>{DeltaCommitKey(2), DeltaCommitKey(3)}));

  // The same state from scratch.
  auto again = LoadDeltaSnapshot(store_, std::nullopt);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Paths(*again), Paths(*s3));

  auto range = ReadDeltaCommits(store_, 1, 2);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  ASSERT_EQ(range->size(), 2u);
  EXPECT_EQ((*range)[0].version, 1);
  EXPECT_EQ((*range)[0].added.size(), 1u);
  EXPECT_EQ((*range)[1].removed.size(), 2u);
}

TEST_F(DeltaLogTest, AGapInTheVersionsAReplacedTableAndNoLogAreErrors) {
  auto none = LoadDeltaSnapshot(store_, std::nullopt);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("not a Delta table"), std::string::npos);

  Commit(0, {std::string(kProtocol), std::string(kMetadata)});
  Commit(1, {Add("a.parquet", "00")});
  Commit(3, {Add("b.parquet", "00")});
  auto gap = LoadDeltaSnapshot(store_, std::nullopt);
  EXPECT_EQ(gap.status().code(), StatusCode::kCorruption);
  EXPECT_NE(gap.status().message().find(DeltaCommitKey(2)), std::string::npos)
      << gap.status().message();

  DeltaSnapshot newer;
  newer.version = 7;
  ASSERT_TRUE(memory_->Put(DeltaCommitKey(2), "").ok());
  auto replaced = LoadDeltaSnapshot(store_, newer);
  EXPECT_EQ(replaced.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(replaced.status().message().find("version 7"), std::string::npos);
}

TEST_F(DeltaLogTest, AFileWithADeletionVectorIsRefused) {
  Commit(0, {std::string(kProtocol), std::string(kMetadata),
             R"({"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":1,)"
             R"("dataChange":true,"deletionVector":{"storageType":"i","pathOrInlineDv":"x",)"
             R"("sizeInBytes":1,"cardinality":1}}})"});
  auto s = LoadDeltaSnapshot(store_, std::nullopt);
  EXPECT_EQ(s.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(s.status().message().find("deletionVectors"), std::string::npos);
}

TEST_F(DeltaLogTest, PartitionsComeFromThePartitionValuesParsedWithTheLayout) {
  Commit(0, {std::string(kProtocol), std::string(kMetadata),
             // The path does not say the partition: the values do.
             Add("x/a.parquet", "00"), Add("x/b.parquet", "05"), Add("x/c.parquet", "07"),
             Add("s3://elsewhere/y.parquet", "00"),
             R"({"add":{"path":"x/d.parquet","partitionValues":{"dt":"2026-05-04","hour":"10",)"
             R"("minute":null},"size":1,"modificationTime":1,"dataChange":true}})"});
  auto s = LoadDeltaSnapshot(store_, std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  SourceSpec spec;
  spec.kind = SourceKind::kDeltaTable;
  spec.layout = PartitionLayout::Parse("dt={yyyy}-{MM}-{dd}/hour={HH}/minute={mm}").value();
  spec.period = 5 * kMicrosPerMinute;
  const TimeMicros ten = 1777888800 * kMicrosPerSecond;
  Discovery d = DiscoverDeltaPartitions(*s, spec, ten, ten + 5 * kMicrosPerMinute);
  EXPECT_EQ(d.table_version, 0);
  ASSERT_EQ(d.partitions.size(), 1u);
  ASSERT_EQ(d.partitions.at(ten).files.size(), 1u);
  EXPECT_EQ(d.partitions.at(ten).files[0].key, "x/a.parquet");
  EXPECT_EQ(d.partitions.at(ten).files[0].size, 10u);
  // y is outside the table's root (a shallow clone's); 10:07 is not aligned
  // to the period; d has a null partition value.
  Discovery all = DiscoverDeltaPartitions(*s, spec, ten, ten + kMicrosPerHour);
  EXPECT_EQ(all.partitions.size(), 2u);
  ASSERT_EQ(all.rejected.size(), 3u);
  EXPECT_NE(all.rejected[0].find("absolute path"), std::string::npos) << all.rejected[0];
  EXPECT_NE(all.rejected[1].find("x/c.parquet"), std::string::npos) << all.rejected[1];
  EXPECT_NE(all.rejected[2].find("'minute' has no value"), std::string::npos) << all.rejected[2];
}

std::string GoldenDelta(std::string_view table) {
  const char* golden = std::getenv("FRESHET_GOLDEN_DIR");
  EXPECT_NE(golden, nullptr) << "FRESHET_GOLDEN_DIR names tests/golden (set by ctest)";
  return fmt::format("{}/delta/{}", golden ? golden : "", table);
}

TEST(DeltaCheckpointTest, ATableWrittenByDeltaRsReadsFromItsCheckpointAndTheCommitsAfter) {
  auto store = ObjectStore::Open(GoldenDelta("table"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto s = LoadDeltaSnapshot(**store, std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->version, 3);
  EXPECT_EQ(s->checkpoint_version, 2);
  EXPECT_EQ(s->commits_read, 1);
  EXPECT_EQ(s->metadata.partition_columns, (std::vector<std::string>{"dt", "hour", "minute"}));
  EXPECT_EQ(s->protocol.min_reader_version, 1);
  // minute=05 was deleted at version 2: its file is still there, not in the table.
  std::vector<std::string> minutes;
  for (const auto& [path, f] : s->files) {
    minutes.push_back(f.partition_values.at("minute").value_or("null"));
    EXPECT_EQ(f.partition_values.at("dt"), "2026-05-04");
    EXPECT_GT(f.size, 0u);
    EXPECT_GT(f.modification_time, 0);
    auto head = (*store)->Head(path);
    ASSERT_TRUE(head.ok()) << path;
    EXPECT_EQ(head->size, f.size) << path;
  }
  std::sort(minutes.begin(), minutes.end());
  EXPECT_EQ(minutes, (std::vector<std::string>{"00", "10"}));
}

TEST(DeltaCheckpointTest, AMultiPartCheckpointReadsAsTheSingleOne) {
  auto single = ObjectStore::Open(GoldenDelta("table"));
  auto multi = ObjectStore::Open(GoldenDelta("multipart"));
  ASSERT_TRUE(single.ok() && multi.ok());
  auto a = LoadDeltaSnapshot(**single, std::nullopt);
  auto b = LoadDeltaSnapshot(**multi, std::nullopt);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->checkpoint_version, 2);
  EXPECT_EQ(b->version, 3);
  EXPECT_EQ(Paths(*a), Paths(*b));
  EXPECT_EQ(b->metadata.id, a->metadata.id);
}

}  // namespace
}  // namespace freshet
