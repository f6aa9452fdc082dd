#include "index/segment/stored_docs.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

std::vector<SegmentDoc> Docs() {
  return {SegmentDoc{"ad-1", 0, -3, Row{Value::String("Red shoes"), Value()}},
          SegmentDoc{"ad-2", 1, 9, Row{}}};
}

TEST(StoredDocsTest, RoundTripsIdsGroupsVersionsAndRows) {
  const std::string section = EncodeStoredDocs(Docs());
  StoredDocs docs;
  ASSERT_TRUE(docs.Open("d.seg", {section, 100}, 2, 2).ok());
  EXPECT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs.Id(1), "ad-2");
  EXPECT_EQ(docs.Group(1), 1u);
  EXPECT_EQ(docs.Version(0), -3);
  EXPECT_EQ(*docs.ReadRow("d.seg", 0), Docs()[0].row);
  EXPECT_TRUE(docs.ReadRow("d.seg", 1)->empty());
  EXPECT_EQ(docs.ids(), (std::vector<std::string_view>{"ad-1", "ad-2"}));
}

TEST(StoredDocsTest, AGroupOutOfRangeOrATruncatedTableIsCorruption) {
  const std::string section = EncodeStoredDocs(Docs());
  StoredDocs docs;
  // The section at file offset 100: 3 offsets, then ad-1's entry (20 bytes),
  // then ad-2's.
  EXPECT_EQ(docs.Open("d.seg", {section, 100}, 2, 1).message(),
            "segment 'd.seg': DOCS: doc 1 header (offset 144)");  // ad-2 names group 1 of 1
  EXPECT_EQ(StoredDocs().Open("d.seg", {section.substr(0, 16), 100}, 2, 2).message(),
            "segment 'd.seg': DOCS offsets truncated (offset 100)");
}

TEST(StoredDocsTest, AMalformedRowIsNamedWhenRead) {
  std::string section = EncodeStoredDocs(Docs());
  // The blob ends with ad-2 (length-prefixed "ad-2", group, version, empty
  // row: 8 bytes); ad-1's last value (a null: one type byte) comes just before.
  section[section.size() - 9] = 42;  // not a value type
  StoredDocs docs;
  ASSERT_TRUE(docs.Open("d.seg", {section, 100}, 2, 2).ok());
  EXPECT_EQ(docs.ReadRow("d.seg", 0).status().message(), "segment 'd.seg': doc 0 record");
}

}  // namespace
}  // namespace freshet
