#include "pipeline/collapse_guard.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "common/hash.h"
#include "storage/local_store.h"
#include "storage/memory_store.h"

namespace freshet {
namespace {

PipelineConfig Config() {
  PipelineConfig c;
  c.name = "ads";
  c.columns.id = "ad_id";
  c.has_group = true;
  c.group_columns.id = "item_id";
  return c;  // max_shrink 0.5
}

GenerationFigures Figures(int64_t good, int64_t bad, uint64_t before, uint64_t after) {
  return GenerationFigures{"base", {good, bad}, {50, 0}, before, after};
}

TEST(CollapseGuardTest, AGenerationOfOnlyBadDocRecordsIsRefusedWithItsCounts) {
  Status st = CheckNoCollapse(Config(), Figures(0, 10000, 10000, 0), false);
  EXPECT_TRUE(st.IsCollapseRefused()) << st.ToString();
  EXPECT_EQ(st.message(),
            "base of pipeline 'ads' refused: every doc record is bad (columns.doc_id is "
            "'ad_id'): doc records read 10000 (10000 bad), group records read 50 (0 bad); live "
            "docs before 10000, after 0. Nothing was published; the generation in service stays. "
            "To publish it anyway, run again with --allow-shrink");
  // Even over nothing: an empty index from garbage is no index.
  EXPECT_TRUE(CheckNoCollapse(Config(), Figures(0, 3, 0, 0), false).IsCollapseRefused());
  // No records at all is not "all bad".
  EXPECT_TRUE(CheckNoCollapse(Config(), Figures(0, 0, 0, 0), false).ok());
  EXPECT_TRUE(CheckNoCollapse(Config(), Figures(1, 9999, 1, 1), false).ok());
}

TEST(CollapseGuardTest, AGenerationOfOnlyBadGroupRecordsIsRefused) {
  GenerationFigures f{"delta", {10, 0}, {0, 7}, 100, 100};
  Status st = CheckNoCollapse(Config(), f, false);
  EXPECT_TRUE(st.IsCollapseRefused());
  EXPECT_NE(st.message().find("every group record is bad (group.key is 'item_id')"),
            std::string::npos)
      << st.message();
}

TEST(CollapseGuardTest, DroppingMoreThanMaxShrinkIsRefusedAndAtTheLimitIsNot) {
  PipelineConfig c = Config();
  EXPECT_TRUE(CheckNoCollapse(c, Figures(100, 0, 1000, 500), false).ok());  // exactly half
  Status st = CheckNoCollapse(c, Figures(100, 0, 1000, 499), false);
  EXPECT_TRUE(st.IsCollapseRefused());
  EXPECT_NE(st.message().find("it would drop 501 of 1000 live docs (50%), more than "
                              "pipeline.max_shrink 0.5"),
            std::string::npos)
      << st.message();
  EXPECT_TRUE(CheckNoCollapse(c, Figures(100, 0, 1000, 5000), false).ok());  // growth
  c.max_shrink = 1;
  EXPECT_TRUE(CheckNoCollapse(c, Figures(100, 0, 1000, 0), false).ok());
  c.max_shrink = 0;
  EXPECT_TRUE(CheckNoCollapse(c, Figures(100, 0, 1000, 999), false).IsCollapseRefused());
}

TEST(CollapseGuardTest, AllowedCollapsesPass) {
  EXPECT_TRUE(CheckNoCollapse(Config(), Figures(0, 10000, 10000, 0), true).ok());
  EXPECT_TRUE(CheckNoCollapse(Config(), Figures(100, 0, 1000, 1), true).ok());
}

// Segments with groups of given sizes: {"g1", 3} is group g1 with 3 docs.
SegmentData Segment(SegmentKind kind, const std::map<std::string, uint32_t>& groups) {
  SegmentData d;
  d.kind = kind;
  for (const auto& [key, docs] : groups) {
    uint32_t g = static_cast<uint32_t>(d.groups.size());
    d.groups.push_back(
        SegmentGroup{key, false, 0, Row{}, {}, static_cast<uint32_t>(d.docs.size()), docs});
    for (uint32_t i = 0; i < docs; ++i) {
      d.docs.push_back(SegmentDoc{key + "-doc-" + std::to_string(i), g, 1, Row{}});
    }
  }
  return d;
}

class LiveDocsTest : public ::testing::Test {
 protected:
  std::unique_ptr<ObjectStore> store_ = NewMemoryStore();
  SegmentRef Put(const SegmentData& d, uint32_t layer) {
    std::string bytes = WriteSegment(d, 4);  // whole-group deltas (format 4)
    SegmentRef ref{"segments/" + Hex64(Hash64(bytes)) + ".seg",
                   bytes.size(),
                   Hex64(Hash64(bytes)),
                   static_cast<uint32_t>(d.docs.size()),
                   static_cast<uint32_t>(d.groups.size()),
                   layer};
    EXPECT_TRUE(store_->Put(ref.key, bytes).ok());
    return ref;
  }

  // A generation of base g1:3 g2:2 g3:1 (6 docs) under a delta whose layer 0
  // holds g2:4 and layer 1 g3:0: 3 + 4 + 0 = 7 live docs.
  std::shared_ptr<IndexView> View() {
    Manifest m;
    m.pipeline = "ads";
    m.version = 2;
    m.base.push_back(Put(Segment(SegmentKind::kBase, {{"g1", 3}, {"g2", 2}, {"g3", 1}}), 0));
    m.has_delta = true;
    m.delta.push_back(Put(Segment(SegmentKind::kDelta, {{"g2", 4}}), 0));
    m.delta.push_back(Put(Segment(SegmentKind::kDelta, {{"g3", 0}}), 1));
    std::string key = ManifestKey(m.version, 1);
    EXPECT_TRUE(store_->Put(key, SerializeManifest(m)).ok());
    auto view = IndexView::OpenManifest(*store_, key, nullptr);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return *view;
  }
};

TEST_F(LiveDocsTest, AnAddedLayerSupersedesItsGroupsInEveryLayerBelow) {
  auto view = View();
  ASSERT_EQ(view->LiveDocs(), 7u);
  // g2 emptied (its 4 live docs gone), g3 back with 2, g5 new with 1: 7 - 4 + 2 + 1.
  std::vector<SegmentData> layer{Segment(SegmentKind::kDelta, {{"g2", 0}, {"g3", 2}}),
                                 Segment(SegmentKind::kDelta, {{"g5", 1}})};
  EXPECT_EQ(LiveDocsWithDelta(*view, true, layer), 6u);
}

TEST_F(LiveDocsTest, AWholeWindowRebuildReplacesTheDeltaOverTheBase) {
  auto view = View();
  // Over the base alone (6 docs): g2 becomes 1 doc, g1 0 docs: 6 - 2 - 3 + 1.
  std::vector<SegmentData> layer{Segment(SegmentKind::kDelta, {{"g1", 0}, {"g2", 1}})};
  EXPECT_EQ(LiveDocsWithDelta(*view, false, layer), 2u);
}

TEST_F(LiveDocsTest, ANewBaseUnderTheKeptDeltaCountsTheDeltasGroupsOnce) {
  auto view = View();
  std::vector<SegmentData> base{Segment(SegmentKind::kBase, {{"g1", 1}, {"g2", 5}}),
                                Segment(SegmentKind::kBase, {{"g3", 3}, {"g4", 2}})};
  // The new base has 11 docs; the kept delta supersedes g2 (4 live) and g3 (0 live).
  EXPECT_EQ(LiveDocsWithBase(base, view.get()), 1u + 4u + 0u + 2u);
  EXPECT_EQ(LiveDocsWithBase(base, nullptr), 11u);
}

}  // namespace
}  // namespace freshet
