#include "index/current_pointer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "index/index_view.h"
#include "index/manifest.h"
#include "storage/local_store.h"
#include "temp_folder.h"

namespace freshet {
namespace {

class CurrentPointerTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open(); }

  std::unique_ptr<ObjectStore> Open() {
    auto s = LocalStore::Open(root_);
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }
  std::string Current() { return *IndexView::ReadCurrent(*store_); }

  TempFolder folder_;
  const std::filesystem::path& root_ = folder_.path();
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(CurrentPointerTest, MovesForwardNeverBackwards) {
  auto first = AdvanceCurrent(*store_, ManifestKey(2, 1), false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->move, CurrentMove::kMoved);
  EXPECT_EQ(first->before, "");
  EXPECT_EQ(*store_->Get("CURRENT"), ManifestKey(2, 1) + "\n");

  auto again = AdvanceCurrent(*store_, ManifestKey(2, 1), false);
  EXPECT_EQ(again->move, CurrentMove::kAlreadyThere);

  auto older = AdvanceCurrent(*store_, ManifestKey(1, 1), /*replace_same_version=*/true);
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(older->move, CurrentMove::kNewer);
  EXPECT_EQ(older->before, ManifestKey(2, 1));
  EXPECT_EQ(Current(), ManifestKey(2, 1));

  // Versions, not text: epoch 10 is not below epoch 9 and 10 is above 9.
  ASSERT_EQ(AdvanceCurrent(*store_, ManifestKey(10, 9), false)->move, CurrentMove::kMoved);
  EXPECT_EQ(AdvanceCurrent(*store_, ManifestKey(9, 10), false)->move, CurrentMove::kNewer);
  EXPECT_EQ(Current(), ManifestKey(10, 9));
}

TEST_F(CurrentPointerTest, SameVersionIsReplacedOnlyByARepair) {
  ASSERT_TRUE(AdvanceCurrent(*store_, ManifestKey(5, 3), false).ok());
  EXPECT_EQ(AdvanceCurrent(*store_, ManifestKey(5, 4), false)->move, CurrentMove::kNewer);
  EXPECT_EQ(Current(), ManifestKey(5, 3));
  auto repaired = AdvanceCurrent(*store_, ManifestKey(5, 4), /*replace_same_version=*/true);
  EXPECT_EQ(repaired->move, CurrentMove::kMoved);
  EXPECT_EQ(repaired->before, ManifestKey(5, 3));
  EXPECT_EQ(Current(), ManifestKey(5, 4));
}

TEST_F(CurrentPointerTest, ADamagedCurrentIsReplaced) {
  ASSERT_TRUE(store_->Put("CURRENT", "garbage\x01").ok());
  auto r = AdvanceCurrent(*store_, ManifestKey(1, 1), false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->move, CurrentMove::kMoved);
  EXPECT_EQ(Current(), ManifestKey(1, 1));
}

TEST_F(CurrentPointerTest, RejectsWhatIsNotAManifestKey) {
  for (const char* key :
       {"manifests/m.json", "segments/00000000000000000001-e1.json",
        "manifests/00000000000000000001-e.json", "manifests/0000000000000000000x-e1.json"}) {
    auto r = AdvanceCurrent(*store_, key, false);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(key), std::string::npos) << r.status().ToString();
  }
  EXPECT_TRUE(store_->Get("CURRENT").status().IsNotFound());
}

// Writers racing with versions in random order (a runner whose lease ran
// out, its successor, a repair): CURRENT ends at the highest version, and a
// reader polling it never sees it go backwards.
TEST_F(CurrentPointerTest, RacingWritersEndAtTheHighestVersionAndNeverGoBack) {
  constexpr int kWriters = 6;
  constexpr int kVersions = 60;
  std::atomic<bool> done{false};
  std::atomic<int> backwards{0}, errors{0};
  std::thread reader([&] {
    auto own = Open();
    int64_t last = 0;
    while (!done) {
      auto key = IndexView::ReadCurrent(*own);
      if (!key.ok()) continue;  // not written yet
      int64_t v = ParseManifestKey(*key)->version;
      if (v < last) ++backwards;
      last = v;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto own = Open();
      std::vector<int64_t> versions(kVersions);
      for (int i = 0; i < kVersions; ++i) versions[i] = i + 1;
      std::shuffle(versions.begin(), versions.end(), std::mt19937(w));
      for (int64_t v : versions) {
        if (!AdvanceCurrent(*own, ManifestKey(v, 1), false).ok()) ++errors;
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(backwards, 0);
  EXPECT_EQ(Current(), ManifestKey(kVersions, 1));
}

}  // namespace
}  // namespace freshet
