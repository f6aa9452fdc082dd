#include "index/segment/tombstones.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

std::vector<SegmentTombstone> Sample() {
  return {SegmentTombstone{"ad-1", 0, 7, TombstoneKind::kDeleted},
          SegmentTombstone{"ad-2", 0, -3, TombstoneKind::kMoved},
          SegmentTombstone{"ad-0", 2, 1LL << 40, TombstoneKind::kDeleted}};
}

TEST(TombstonesTest, RoundTripsIdsGroupsVersionsAndKinds) {
  const std::string section = EncodeTombstones(Sample());
  Tombstones t;
  ASSERT_TRUE(t.Open("t.seg", {section, 100}, 3).ok());
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.at(0).id, "ad-1");
  EXPECT_EQ(t.at(1).version, -3);
  EXPECT_EQ(t.at(1).kind, TombstoneKind::kMoved);
  EXPECT_EQ(t.at(2).group, 2u);
  EXPECT_EQ(t.at(2).version, 1LL << 40);
}

TEST(TombstonesTest, AnEmptySectionOrNoneAtAllHoldsNoTombstone) {
  Tombstones t;
  ASSERT_TRUE(t.Open("t.seg", {EncodeTombstones({}), 0}, 0).ok());
  EXPECT_EQ(t.size(), 0u);
  // A format-5 file always writes the section; a missing one is corrupt.
  Status missing = t.Open("t.seg", {"", 0}, 0);
  EXPECT_EQ(missing.message(), "segment 't.seg': TOMBSTONES: count (offset 0)");
}

TEST(TombstonesTest, CorruptionNamesTheTombstoneAndItsOffset) {
  const std::string good = EncodeTombstones(Sample());
  Tombstones t;
  // Truncated inside the third tombstone: [count][0 4 ad-1 14 0][0 4 ad-2 5 1][2 ...].
  Status truncated = t.Open("t.seg", {good.substr(0, good.size() - 2), 100}, 3);
  EXPECT_EQ(truncated.code(), StatusCode::kCorruption);
  EXPECT_EQ(truncated.message(), "segment 't.seg': TOMBSTONES: tombstone 2 truncated (offset 117)");
  // A group ordinal past the segment's groups.
  Status group = t.Open("t.seg", {good, 100}, 2);
  EXPECT_EQ(group.message(),
            "segment 't.seg': TOMBSTONES: tombstone 2 names group 2 of 2 (offset 117)");
  // An unknown kind.
  std::string kind = good;
  kind[8] = 7;  // the first tombstone's kind byte
  EXPECT_EQ(t.Open("t.seg", {kind, 100}, 3).message(),
            "segment 't.seg': TOMBSTONES: tombstone 0 has unknown kind 7 (offset 101)");
  // Out of (group, id) order.
  std::vector<SegmentTombstone> unsorted = Sample();
  std::swap(unsorted[0], unsorted[1]);
  EXPECT_EQ(t.Open("t.seg", {EncodeTombstones(unsorted), 100}, 3).message(),
            "segment 't.seg': TOMBSTONES: tombstone 1 out of (group, id) order (offset 109)");
  // Trailing bytes.
  EXPECT_EQ(t.Open("t.seg", {good + "x", 100}, 3).message(),
            "segment 't.seg': TOMBSTONES: trailing bytes (offset 130)");
  // A count larger than the bytes could hold.
  std::string huge;
  huge.push_back(static_cast<char>(0xff));
  huge.push_back(0x7f);
  EXPECT_EQ(t.Open("t.seg", {huge, 100}, 3).message(),
            "segment 't.seg': TOMBSTONES: count (offset 100)");
}

}  // namespace
}  // namespace freshet
