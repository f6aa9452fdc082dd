#include "index/segment/offset_table.h"

#include <gtest/gtest.h>

#include "common/coding.h"

namespace freshet {
namespace {

// A table with the given entry ends, as a writer of bad bytes would make it.
void PutOffsets(std::string* out, std::string_view blob, const std::vector<uint64_t>& ends) {
  PutFixed64(out, 0);
  for (uint64_t e : ends) PutFixed64(out, e);
  out->append(blob);
}

TEST(OffsetTableTest, RoundTripsEntries) {
  OffsetTableWriter w;
  for (std::string_view entry : {"a", "", "bcdef"}) {
    w.blob()->append(entry);
    w.EndEntry();
  }
  std::string table;
  w.AppendTo(&table);
  EXPECT_EQ(table.size(), 4 * 8 + 6u);
  ASSERT_TRUE(CheckOffsetTable("o.seg", {table, 100}, 3, "DOCS").ok());
  EXPECT_EQ(OffsetTableEntry(table, 3, 0), "a");
  EXPECT_EQ(OffsetTableEntry(table, 3, 1), "");
  EXPECT_EQ(OffsetTableEntry(table, 3, 2), "bcdef");
}

TEST(OffsetTableTest, TruncatedOrDecreasingOffsetsNameTheSection) {
  std::string table;
  PutOffsets(&table, "abc", {2, 3});
  EXPECT_EQ(CheckOffsetTable("o.seg", {table.substr(0, 20), 100}, 2, "GROUPS").message(),
            "segment 'o.seg': GROUPS offsets truncated (offset 100)");
  EXPECT_EQ(CheckOffsetTable("o.seg", {table, 100}, 1000, "GROUPS").message(),
            "segment 'o.seg': GROUPS offsets truncated (offset 100)");
  std::string decreasing;
  PutOffsets(&decreasing, "abc", {3, 2});
  EXPECT_EQ(CheckOffsetTable("o.seg", {decreasing, 100}, 2, "TERMS").message(),
            "segment 'o.seg': TERMS offset 2 invalid (offset 116)");  // the third offset
  std::string past_blob;
  PutOffsets(&past_blob, "abc", {4});
  EXPECT_EQ(CheckOffsetTable("o.seg", {past_blob, 100}, 1, "DOCS").code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace freshet
