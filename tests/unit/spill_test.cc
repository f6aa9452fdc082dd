#include "pipeline/spill.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/byte_size.h"
#include "temp_folder.h"

namespace freshet {
namespace {

Row Values(std::string title, int64_t n, double bid, std::vector<std::string> tags) {
  Row row(4);
  row[0] = Value::String(std::move(title));
  row[1] = Value::Int64(n);
  row[2] = Value::Double(bid);
  if (!tags.empty()) {
    row[3].type = ValueType::kStringList;
    row[3].list = std::move(tags);
  }
  return row;
}

TEST(SpillTest, RecordsComeBackWithTheirValuesInFileOrder) {
  TempFolder tmp;
  auto folder = SpillFolder::Create(tmp.path().string());
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  const std::string path = (*folder)->path();
  EXPECT_TRUE(std::filesystem::is_directory(path));
  {
    BucketRuns runs(**folder, "docs", 2, 4);
    RecordTable table(4);
    // Offered out of file order: file 2 first, then file 0, then file 1.
    const KeyedRecord late = MakeRecord(table, "ad-1", "item-9", 7, false,
                                        Values("red \"shoes\"", -5, 1.25, {"a", "", "c"}));
    const KeyedRecord first = MakeRecord(table, "ad-1", "item-1", 3, false, Values("", 0, 0, {}));
    const KeyedRecord gone = MakeRecord(table, "ad-2", "", 9, true, Row(4));
    ASSERT_TRUE(runs.Append(1, 2, late).ok());
    ASSERT_TRUE(runs.Append(1, 0, first).ok());
    ASSERT_TRUE(runs.Append(1, 1, gone).ok());
    ASSERT_TRUE(runs.Append(0, 0, gone).ok());
    ASSERT_TRUE(runs.Flush().ok());
    EXPECT_GT(runs.bytes(1), runs.bytes(0));

    const size_t one[] = {1};
    auto loaded = runs.Load(one);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    ASSERT_EQ(loaded->records.size(), 3u);
    EXPECT_EQ(loaded->file_index, (std::vector<uint32_t>{0, 1, 2}));
    const KeyedRecord& a = loaded->records[0];
    EXPECT_EQ(a.id, "ad-1");
    EXPECT_EQ(a.group, "item-1");
    EXPECT_EQ(a.version, 3);
    EXPECT_FALSE(a.deleted);
    EXPECT_TRUE(loaded->records[1].deleted);
    EXPECT_EQ(loaded->records[1].version, 9);
    const KeyedRecord& c = loaded->records[2];
    EXPECT_EQ(c.group, "item-9");
    EXPECT_EQ(c.Values(), Values("red \"shoes\"", -5, 1.25, {"a", "", "c"}));
    // The newest per id, as ReduceNewest keeps it over files in order.
    NewestRecords newest = loaded->Newest();
    ASSERT_EQ(newest.size(), 2u);
    EXPECT_EQ(newest.Find("ad-1")->version, 7);
    EXPECT_EQ(newest.Find("ad-1")->group, "item-9");
  }
  folder->reset();
  EXPECT_FALSE(std::filesystem::exists(path)) << "the spill folder is removed with its runs";
}

TEST(SpillTest, ManyBlocksRoundTrip) {
  TempFolder tmp;
  auto folder = SpillFolder::Create(tmp.path().string());
  ASSERT_TRUE(folder.ok());
  BucketRuns runs(**folder, "docs", 1, 4);
  RecordTable table(4);
  const int n = 20000;  // several 64 KiB blocks
  for (int i = 0; i < n; ++i) {
    KeyedRecord rec = MakeRecord(table, "ad-" + std::to_string(i), "g", i, false,
                                 Values(std::string(i % 50, 'x'), i, i * 0.5, {}));
    ASSERT_TRUE(runs.Append(0, static_cast<uint32_t>(i % 3), rec).ok());
  }
  ASSERT_TRUE(runs.Flush().ok());
  const size_t all[] = {0};
  auto loaded = runs.Load(all);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->records.size(), static_cast<size_t>(n));
  // Stable within a file: file 0's records in the order appended.
  EXPECT_EQ(loaded->records[0].id, "ad-0");
  EXPECT_EQ(loaded->records[1].id, "ad-3");
  EXPECT_EQ(loaded->records.back().id, "ad-19997");  // the last of file 2
  EXPECT_EQ(loaded->Newest().size(), static_cast<size_t>(n));
}

TEST(SpillTest, ADamagedRunIsNamedWithTheBlockOffset) {
  TempFolder tmp;
  auto folder = SpillFolder::Create(tmp.path().string());
  ASSERT_TRUE(folder.ok());
  BucketRuns runs(**folder, "groups", 1, 4);
  RecordTable table(4);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(runs.Append(0, 0,
                            MakeRecord(table, "item-" + std::to_string(i), "", 1, false,
                                       Values("title", i, 1, {})))
                    .ok());
  }
  ASSERT_TRUE(runs.Flush().ok());
  const std::string run = (*folder)->path() + "/groups-0.run";
  const auto size = std::filesystem::file_size(run);
  ASSERT_GT(size, 70000u);  // at least two blocks
  // Flip a byte of the second block's payload.
  std::ifstream in(run, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const uint32_t first = static_cast<uint8_t>(bytes[0]) | static_cast<uint8_t>(bytes[1]) << 8 |
                         static_cast<uint8_t>(bytes[2]) << 16 |
                         static_cast<uint32_t>(static_cast<uint8_t>(bytes[3])) << 24;
  const size_t second = 12 + first;
  bytes[second + 20] ^= 0x40;
  std::ofstream(run, std::ios::binary | std::ios::trunc) << bytes;
  const size_t all[] = {0};
  auto loaded = runs.Load(all);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(loaded.status().message(), "spill run '" + run + "': block checksum mismatch (offset " +
                                           std::to_string(second) + ")");
}

TEST(SpillTest, AFolderThatCannotBeMadeIsAClearError) {
  TempFolder tmp;
  const std::string file = (tmp.path() / "not-a-folder").string();
  std::ofstream(file) << "x";
  auto folder = SpillFolder::Create(file + "/spill");
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), StatusCode::kIOError);
  EXPECT_NE(folder.status().message().find("spill folder: cannot create '" + file + "/spill'"),
            std::string::npos)
      << folder.status().message();
}

TEST(SpillTest, AFullDiskIsAnIOErrorNamingTheFolder) {
  // /dev/full fails every write with ENOSPC: a run file made a link to it
  // stands for a spill folder that filled up.
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  TempFolder tmp;
  auto folder = SpillFolder::Create(tmp.path().string());
  ASSERT_TRUE(folder.ok());
  std::filesystem::create_symlink("/dev/full", (*folder)->path() + "/docs-0.run");
  BucketRuns runs(**folder, "docs", 1, 4);
  RecordTable table(4);
  ASSERT_TRUE(
      runs.Append(0, 0, MakeRecord(table, "ad-1", "g", 1, false, Values("t", 1, 1, {}))).ok());
  Status st = runs.Flush();
  ASSERT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find("spill folder '" + (*folder)->path() + "': writing"),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("No space left on device"), std::string::npos) << st.message();
}

TEST(ByteSizeTest, ParsesUnitsAndFormatsForPeople) {
  uint64_t v = 0;
  EXPECT_TRUE(ParseByteSize("123", &v));
  EXPECT_EQ(v, 123u);
  EXPECT_TRUE(ParseByteSize("64KiB", &v));
  EXPECT_EQ(v, 64u << 10);
  EXPECT_TRUE(ParseByteSize("3GB", &v));
  EXPECT_EQ(v, 3ull << 30);
  EXPECT_TRUE(ParseByteSize("2TiB", &v));
  EXPECT_EQ(v, 2ull << 40);
  EXPECT_FALSE(ParseByteSize("", &v));
  EXPECT_FALSE(ParseByteSize("MiB", &v));
  EXPECT_FALSE(ParseByteSize("1.5GiB", &v));
  EXPECT_FALSE(ParseByteSize("-1", &v));
  EXPECT_FALSE(ParseByteSize("99999999999TiB", &v));
  EXPECT_EQ(FormatByteSize(12), "12 B");
  EXPECT_EQ(FormatByteSize(1536), "1.5 KiB");
  EXPECT_EQ(FormatByteSize(4ull << 30), "4.0 GiB");
}

}  // namespace
}  // namespace freshet
