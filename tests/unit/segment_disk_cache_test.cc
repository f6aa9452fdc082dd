#include "index/segment_disk_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/hash.h"
#include "storage/memory_store.h"
#include "storage/object_store_wrapper.h"
#include "temp_folder.h"

namespace freshet {
namespace {

namespace fs = std::filesystem;

// Counts whole-object reads (what a cache hit saves).
class CountingStore final : public ObjectStoreWrapper {
 public:
  using ObjectStoreWrapper::ObjectStoreWrapper;
  Result<std::string> Get(std::string_view key) override {
    ++gets;
    return ObjectStoreWrapper::Get(key);
  }
  int gets = 0;
};

class SegmentDiskCacheTest : public ::testing::Test {
 protected:
  // Stores `bytes` as a segment and returns its manifest reference.
  SegmentRef PutSegment(const std::string& key, const std::string& bytes) {
    EXPECT_TRUE(memory_->Put(key, bytes).ok());
    return SegmentRef{key, bytes.size(), Hex64(Hash64(bytes)), 0, 0};
  }

  TempFolder folder_;
  const fs::path& dir_ = folder_.path();
  std::unique_ptr<ObjectStore> memory_ = NewMemoryStore();
  CountingStore store_{memory_.get()};
};

TEST_F(SegmentDiskCacheTest, AMissFetchesOnceThenTheCachedCopyIsMapped) {
  SegmentDiskCache cache(dir_ / "c", 1 << 20);
  SegmentRef ref = PutSegment("segments/abc.seg", "segment bytes");
  auto first = cache.Fetch(store_, ref);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)->bytes(), "segment bytes");
  EXPECT_EQ(store_.gets, 1);
  EXPECT_TRUE(fs::exists(dir_ / "c" / "abc.seg"));
  auto second = cache.Fetch(store_, ref);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->bytes(), "segment bytes");
  EXPECT_EQ(store_.gets, 1) << "a hit reads nothing from the store";
  // Another cache over the same folder (another process) hits too.
  SegmentDiskCache other(dir_ / "c", 1 << 20);
  ASSERT_TRUE(other.Fetch(store_, ref).ok());
  EXPECT_EQ(store_.gets, 1);
}

TEST_F(SegmentDiskCacheTest, ADamagedCachedCopyIsFetchedAgain) {
  SegmentDiskCache cache(dir_, 1 << 20);
  SegmentRef ref = PutSegment("segments/abc.seg", "segment bytes");
  ASSERT_TRUE(cache.Fetch(store_, ref).ok());
  std::ofstream(dir_ / "abc.seg", std::ios::binary | std::ios::trunc) << "segment bytez";
  auto again = cache.Fetch(store_, ref);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->bytes(), "segment bytes");
  EXPECT_EQ(store_.gets, 2);
}

TEST_F(SegmentDiskCacheTest, AStoreCopyThatDoesNotMatchTheManifestIsCorruptionAndNotCached) {
  SegmentDiskCache cache(dir_, 1 << 20);
  SegmentRef ref = PutSegment("segments/abc.seg", "segment bytes");
  ASSERT_TRUE(memory_->Put("segments/abc.seg", "segment bytez").ok());
  auto bad = cache.Fetch(store_, ref);
  ASSERT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(bad.status().message(),
            "segment 'segments/abc.seg': checksum mismatch with the manifest");
  EXPECT_FALSE(fs::exists(dir_ / "abc.seg"));
  ASSERT_TRUE(memory_->Put("segments/abc.seg", "short").ok());
  EXPECT_EQ(cache.Fetch(store_, ref).status().message(),
            "segment 'segments/abc.seg': 5 bytes, manifest says 13");
}

TEST_F(SegmentDiskCacheTest, AMissingSegmentIsNotFoundFromTheStore) {
  SegmentDiskCache cache(dir_, 1 << 20);
  SegmentRef ref{"segments/gone.seg", 3, "0", 0, 0};
  auto missing = cache.Fetch(store_, ref);
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("segments/gone.seg"), std::string::npos);
}

TEST_F(SegmentDiskCacheTest, BeyondItsLimitTheLeastRecentlyUsedFilesGo) {
  SegmentDiskCache cache(dir_, 25);  // room for two 10-byte segments
  SegmentRef a = PutSegment("s/a.seg", std::string(10, 'a'));
  SegmentRef b = PutSegment("s/b.seg", std::string(10, 'b'));
  SegmentRef c = PutSegment("s/c.seg", std::string(10, 'c'));
  ASSERT_TRUE(cache.Fetch(store_, a).ok());
  fs::last_write_time(dir_ / "a.seg", fs::file_time_type::clock::now() - std::chrono::hours(2));
  ASSERT_TRUE(cache.Fetch(store_, b).ok());
  fs::last_write_time(dir_ / "b.seg", fs::file_time_type::clock::now() - std::chrono::hours(1));
  ASSERT_TRUE(cache.Fetch(store_, c).ok());
  EXPECT_FALSE(fs::exists(dir_ / "a.seg"));
  EXPECT_TRUE(fs::exists(dir_ / "b.seg"));
  EXPECT_TRUE(fs::exists(dir_ / "c.seg"));
}

TEST_F(SegmentDiskCacheTest, AFolderThatCannotBeWrittenIsAnIOError) {
  std::ofstream(dir_ / "file") << "not a folder";
  SegmentDiskCache cache(dir_ / "file" / "cache", 1 << 20);
  SegmentRef ref = PutSegment("segments/abc.seg", "segment bytes");
  auto st = cache.Fetch(store_, ref);
  EXPECT_EQ(st.status().code(), StatusCode::kIOError) << st.status().ToString();
}

}  // namespace
}  // namespace freshet
