#include "index/segment.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "common/hash.h"
#include "index/index_view.h"
#include "index/search/segment_query.h"
#include "index/segment/segment_merger.h"
#include "storage/local_store.h"

namespace freshet {
namespace {

SegmentData SmallSegment(SegmentKind kind) {
  SegmentData d;
  d.kind = kind;
  d.schema.doc_columns = {"ad_id", "item_id", "title", "status", "bid"};
  d.schema.doc_roles = {kRoleStored, kRoleStored, kRoleText | kRoleStored, kRoleKeyword,
                        kRoleNumeric | kRoleStored};
  d.schema.group_columns = {"brand"};
  d.schema.group_roles = {kRoleText | kRoleKeyword | kRoleStored};
  d.schema.group_prefix = "item_";
  d.schema.aggregate_names = {"item_count"};
  auto doc = [](std::string id, uint32_t g, std::string title, std::string status, double bid) {
    return SegmentDoc{id, g, 1,
                      Row{Value::String(id), Value(), Value::String(title), Value::String(status),
                          Value::Double(bid)}};
  };
  SegmentGroup a{"item-1", true, 7, Row{Value::String("Acme")}, {2}, 0, 2};
  SegmentGroup b{"item-2", false, 0, Row{}, {1}, 2, 1};
  SegmentGroup c{"item-3", false, 0, Row{}, {0}, 3, 0};  // all docs deleted
  d.groups = {a, b, c};
  d.docs = {doc("ad-1", 0, "Red running shoes", "active", 1.5),
            doc("ad-2", 0, "Blue shoes", "paused", 0.5), doc("ad-3", 1, "Red hat", "active", 2)};
  return d;
}

TEST(SegmentTest, RoundTripsDocsGroupsPostingsAndNumbers) {
  std::string bytes = WriteSegment(SmallSegment(SegmentKind::kDelta));
  auto seg = SegmentReader::Open("s.seg", bytes);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  const SegmentReader& s = **seg;
  EXPECT_EQ(s.kind(), SegmentKind::kDelta);
  EXPECT_EQ(s.num_docs(), 3u);
  EXPECT_EQ(s.num_groups(), 3u);
  EXPECT_EQ(s.DocId(2), "ad-3");
  EXPECT_EQ(s.GroupKey(s.DocGroup(2)), "item-2");
  EXPECT_EQ(*s.FindDoc("ad-2"), 1u);
  EXPECT_FALSE(s.FindDoc("ad-9").has_value());
  EXPECT_EQ(*s.FindGroup("item-3"), 2u);
  EXPECT_EQ(s.GroupDocCount(2), 0u);
  for (uint32_t g = 0; g < s.num_groups(); ++g) {
    EXPECT_EQ(s.GroupEndDoc(g), s.GroupFirstDoc(g) + s.GroupDocCount(g)) << "group " << g;
  }
  size_t title = *s.schema().FindField("title");
  EXPECT_EQ(*s.Postings(title, "red"), (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(*s.Postings(title, "shoes"), (std::vector<uint32_t>{0, 1}));
  EXPECT_TRUE(s.Postings(title, "Red")->empty());  // terms are lowercased at index time
  size_t brand = *s.schema().FindField("item_brand");
  EXPECT_EQ(*s.Postings(brand, "acme"), (std::vector<uint32_t>{0, 1}));  // text, expanded
  EXPECT_EQ(*s.Postings(brand, "Acme"), (std::vector<uint32_t>{0, 1}));  // keyword, exact
  size_t status = *s.schema().FindField("status");
  EXPECT_EQ(*s.Postings(status, "active"), (std::vector<uint32_t>{0, 2}));
  EXPECT_DOUBLE_EQ(s.Numeric(*s.schema().FindField("bid"), 1), 0.5);
  EXPECT_DOUBLE_EQ(s.Numeric(*s.schema().FindField("item_count"), 0), 2);
  auto row = s.DocRow(0);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ((*row)[2].s, "Red running shoes");
  auto g = s.Group(0);
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->has_record);
  EXPECT_EQ(g->row[0].s, "Acme");
}

TEST(SegmentTest, SameDataSameBytes) {
  EXPECT_EQ(WriteSegment(SmallSegment(SegmentKind::kBase)),
            WriteSegment(SmallSegment(SegmentKind::kBase)));
}

// A format-5 delta of SmallSegment: item-3's two docs left (one deleted,
// one moved to item-1 in a layer of its own).
SegmentData SmallDeltaWithTombstones() {
  SegmentData d = SmallSegment(SegmentKind::kDelta);
  d.tombstones = {SegmentTombstone{"ad-8", 2, 4, TombstoneKind::kDeleted},
                  SegmentTombstone{"ad-9", 2, 5, TombstoneKind::kMoved}};
  return d;
}

TEST(SegmentTest, EveryFlippedByteOrTruncationIsDetected) {
  for (uint32_t format : {uint32_t{4}, uint32_t{5}}) {
    std::string bytes = WriteSegment(SmallDeltaWithTombstones(), format);
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ 0x40);
      EXPECT_FALSE(SegmentReader::Open("bad.seg", bad).ok())
          << "format " << format << " flip at " << i;
    }
    for (size_t n : {size_t{0}, size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
      auto r = SegmentReader::Open("short.seg", bytes.substr(0, n));
      ASSERT_FALSE(r.ok());
      EXPECT_NE(r.status().message().find("short.seg"), std::string::npos);
    }
  }
}

TEST(SegmentTest, FormatFiveKeepsTombstonesAndFormatFourDropsThem) {
  auto v5 = SegmentReader::Open("v5.seg", WriteSegment(SmallDeltaWithTombstones(), 5));
  ASSERT_TRUE(v5.ok()) << v5.status().ToString();
  EXPECT_EQ((*v5)->format_version(), 5u);
  EXPECT_TRUE((*v5)->SupersedesDocsById());
  ASSERT_EQ((*v5)->tombstones().size(), 2u);
  EXPECT_EQ((*v5)->tombstones().at(1).id, "ad-9");
  EXPECT_EQ((*v5)->GroupKey((*v5)->tombstones().at(1).group), "item-3");
  EXPECT_EQ((*v5)->tombstones().at(1).kind, TombstoneKind::kMoved);
  auto v4 = SegmentReader::Open("v4.seg", WriteSegment(SmallDeltaWithTombstones(), 4));
  ASSERT_TRUE(v4.ok());
  EXPECT_FALSE((*v4)->SupersedesDocsById());
  EXPECT_EQ((*v4)->tombstones().size(), 0u);
}

SegmentData WithPositions(SegmentData d) {
  d.schema.doc_positions = {false, false, true, false, false};  // title
  d.schema.group_positions = {true};                            // brand
  return d;
}

TEST(SegmentTest, EveryFlippedByteOrTruncationOfThePositionsIsDetected) {
  const std::string bytes = WriteSegment(WithPositions(SmallSegment(SegmentKind::kBase)));
  auto file = SectionContainer::Parse("p.seg", bytes);
  ASSERT_TRUE(file.ok());
  for (SectionId id : {SectionId::kPositions, SectionId::kGroupPositions}) {
    const SectionView section = file->Section(id);
    ASSERT_FALSE(section.bytes.empty()) << static_cast<uint32_t>(id);
    for (size_t i = section.offset; i < section.offset + section.bytes.size(); ++i) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ 0x40);
      auto r = SegmentReader::Open("bad.seg", bad);
      ASSERT_FALSE(r.ok()) << "flip at " << i;
      EXPECT_NE(r.status().message().find(fmt::format("section {} checksum mismatch (offset {})",
                                                      static_cast<uint32_t>(id), section.offset)),
                std::string::npos)
          << r.status().ToString();
    }
  }
}

TEST(SegmentTest, PositionsAreOptionalSectionsThatOtherReadersIgnore) {
  const SegmentData plain = SmallSegment(SegmentKind::kBase);
  const std::string without = WriteSegment(plain);
  const std::string with = WriteSegment(WithPositions(plain));
  // Positions off: no section 25 or 26, and the bytes are those of before.
  auto file = SectionContainer::Parse("p.seg", without);
  ASSERT_TRUE(file.ok());
  for (const auto& [id, view] : file->sections) EXPECT_LT(id, 25u);
  // Positions on: the same sections, then the two optional ones, last.
  auto full = SectionContainer::Parse("p.seg", with);
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->sections.size(), file->sections.size() + 2);
  EXPECT_EQ(full->sections[full->sections.size() - 2].first, 25u);
  EXPECT_EQ(full->sections.back().first, 26u);
  // A reader that does not know ids 25 and 26 reads them as it reads any
  // unknown id: kept, verified, unused. Renumbered to ids no build knows,
  // the segment opens and answers phrases as well, from the stored text.
  SectionContainerWriter renumbered(4);
  for (const auto& [id, view] : full->sections) {
    renumbered.Add(static_cast<SectionId>(id >= 25 ? id + 30 : id), std::string(view.bytes));
  }
  auto seg = SegmentReader::Open("old-reader.seg", renumbered.Finish());
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  auto positioned = SegmentReader::Open("p.seg", with);
  ASSERT_TRUE(positioned.ok());
  const size_t title = *plain.schema.FindField("title");
  EXPECT_FALSE((*seg)->HasPositions(title));
  EXPECT_TRUE((*positioned)->HasPositions(title));
  for (const char* q : {"title:\"red running\"", "title:\"running red\"", "\"blue shoes\"",
                        "item_brand:\"acme\"", "title:\"red shoes\""}) {
    auto query = ParseQuery(q);
    ASSERT_TRUE(query.ok());
    auto docs = [&](const SegmentReader& s) {
      auto it = CompileQuery(s, **query);
      EXPECT_TRUE(it.ok());
      std::vector<uint32_t> out;
      for (uint32_t d = (*it)->Next(); d != kNoMoreDocs; d = (*it)->Next()) out.push_back(d);
      return out;
    };
    EXPECT_EQ(docs(**seg), docs(**positioned)) << q;
  }
  // A segment without positions rewrites to the same bytes.
  auto reread = SegmentReader::Open("p.seg", without);
  ASSERT_TRUE(reread.ok());
  auto decoded = DecodeSegment(**reread);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(WriteSegment(*decoded), without);
  auto decoded_with = DecodeSegment(**positioned);
  ASSERT_TRUE(decoded_with.ok());
  EXPECT_EQ(WriteSegment(*decoded_with), with);
}

TEST(IndexViewTest, DeltaSupersedesBaseGroupByGroup) {
  char tmpl[] = "/tmp/freshet-view-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  auto store = LocalStore::Open(tmpl);
  ASSERT_TRUE(store.ok());
  // Base: item-1 {ad-1, ad-2}, item-2 {ad-3}. Delta: item-1 now only {ad-1 "green"}.
  SegmentData base = SmallSegment(SegmentKind::kBase);
  base.groups.pop_back();
  SegmentData delta = SmallSegment(SegmentKind::kDelta);
  delta.groups = {SegmentGroup{"item-1", true, 8, Row{Value::String("Acme")}, {1}, 0, 1}};
  delta.docs = {SegmentDoc{"ad-1", 0, 2,
                           Row{Value::String("ad-1"), Value(), Value::String("Green shoes"),
                               Value::String("active"), Value::Double(1.5)}}};
  auto put = [&](const std::string& key, const SegmentData& d) {
    std::string bytes = WriteSegment(d, 4);  // whole-group deltas (format 4)
    EXPECT_TRUE((*store)->Put(key, bytes).ok());
    return SegmentRef{key, bytes.size(), Hex64(Hash64(bytes)), 0, 0};
  };
  Manifest m;
  m.pipeline = "p";
  m.version = 2;
  m.base = {put("segments/base.seg", base)};
  m.has_delta = true;
  m.delta = {put("segments/delta.seg", delta)};
  ASSERT_TRUE((*store)->Put("manifests/m.json", SerializeManifest(m)).ok());
  ASSERT_TRUE((*store)->Put("CURRENT", "manifests/m.json\n").ok());
  auto view = IndexView::OpenCurrent(**store, nullptr);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ((*view)->LiveDocs(), 2u);  // ad-1 (delta) and ad-3 (base)
  auto search = [&](const char* q) {
    auto node = ParseQuery(q);
    EXPECT_TRUE(node.ok()) << q;
    auto r = (*view)->Search(**node, SearchOptions{10, 0, SortOrder{SortOrder::Kind::kDocId}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> ids;
    for (const auto& d : r->docs) ids.push_back(d.id);
    return ids;
  };
  EXPECT_EQ(search("shoes"), (std::vector<std::string>{"ad-1"}));  // ad-2 deleted with its group
  EXPECT_EQ(search("red"), (std::vector<std::string>{"ad-3"}));    // ad-1's old title is gone
  EXPECT_EQ(search("green OR hat"), (std::vector<std::string>{"ad-1", "ad-3"}));
  EXPECT_EQ(search("* -status:paused"), (std::vector<std::string>{"ad-1", "ad-3"}));
  EXPECT_EQ(search("bid:[1 TO 1.5]"), (std::vector<std::string>{"ad-1"}));
  EXPECT_FALSE((*view)->GetDoc("ad-2").ok());
  EXPECT_EQ((*view)->GetDoc("ad-1")->version, 2);
  // A segment changed under the manifest is refused, naming it.
  std::string bytes = *(*store)->Get("segments/delta.seg");
  bytes[20] ^= 1;
  ASSERT_TRUE((*store)->Put("segments/delta.seg", bytes).ok());
  auto broken = IndexView::OpenCurrent(**store, nullptr);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kCorruption);
  EXPECT_NE(broken.status().message().find("segments/delta.seg"), std::string::npos);
  // The segments are opened together; of several that fail, the first the
  // manifest lists is told, whichever failed first.
  ASSERT_TRUE((*store)->Delete("segments/base.seg").ok());
  for (int i = 0; i < 20; ++i) {
    auto both = IndexView::OpenCurrent(**store, nullptr);
    ASSERT_FALSE(both.ok());
    EXPECT_EQ(both.status().code(), StatusCode::kNotFound) << both.status().ToString();
    EXPECT_NE(both.status().message().find("segments/base.seg"), std::string::npos)
        << both.status().ToString();
  }
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace freshet

namespace freshet {
namespace {

// The header's version field is not covered by a section checksum: patching
// it gives what an older or newer writer's file looks like to this reader.
std::string WithFormatVersion(std::string bytes, uint32_t version) {
  for (int i = 0; i < 4; ++i) bytes[8 + i] = static_cast<char>((version >> (8 * i)) & 0xff);
  return bytes;
}

TEST(SegmentTest, ReadsFormatOneWithoutFieldLengths) {
  auto seg = SegmentReader::Open(
      "v1.seg", WithFormatVersion(WriteSegment(SmallSegment(SegmentKind::kBase), 2), 1));
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  EXPECT_EQ((*seg)->format_version(), 1u);
  size_t title = *(*seg)->schema().FindField("title");
  EXPECT_FALSE((*seg)->FieldLength(title, 0).has_value());
  EXPECT_FALSE((*seg)->TotalFieldLength(title).has_value());
  EXPECT_EQ(*(*seg)->Postings(title, "red"), (std::vector<uint32_t>{0, 2}));
}

TEST(SegmentTest, RefusesANewerFormatNamingBothVersions) {
  auto seg = SegmentReader::Open(
      "v6.seg", WithFormatVersion(WriteSegment(SmallSegment(SegmentKind::kBase)), 6));
  ASSERT_FALSE(seg.ok());
  EXPECT_EQ(seg.status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(seg.status().message(), "segment 'v6.seg': format version 6 (this build reads 1 to 5)");
}

TEST(SegmentTest, GroupFieldLengthsAreTheGroupRecordsTokenCounts) {
  auto seg = SegmentReader::Open("s.seg", WriteSegment(SmallSegment(SegmentKind::kBase)));
  ASSERT_TRUE(seg.ok());
  size_t brand = *(*seg)->schema().FindField("item_brand");
  EXPECT_EQ((*seg)->FieldLength(brand, 0), 1u);  // item-1: "Acme"
  EXPECT_EQ((*seg)->FieldLength(brand, 2), 0u);  // item-2 has no group record
  size_t title = *(*seg)->schema().FindField("title");
  EXPECT_EQ((*seg)->FieldLength(title, 0), 3u);  // "Red running shoes"
  EXPECT_EQ((*seg)->TotalFieldLength(title), 3u + 2u + 2u);
}

}  // namespace
}  // namespace freshet
