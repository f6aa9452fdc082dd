#include "serve/served_index.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "common/hash.h"
#include "storage/local_store.h"

namespace freshet {
namespace {

// An output folder whose generations each hold `kDocs` docs all marked with
// their generation's number, so that a mix of generations is visible.
class ServedIndexTest : public ::testing::Test {
 protected:
  static constexpr int kDocs = 20;

  void SetUp() override {
    char tmpl[] = "/tmp/freshet-served-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ObjectStore> Store() {
    auto store = LocalStore::Open(dir_);
    EXPECT_TRUE(store.ok());
    return std::move(*store);
  }

  // Publishes generation `n` (a base of 2 segments, each marked "gen<n>") and points CURRENT at it.
  void Publish(int n) {
    auto store = Store();
    Manifest m;
    m.pipeline = "p";
    m.version = n;
    for (int shard = 0; shard < 2; ++shard) {
      SegmentData d;
      d.schema.doc_columns = {"marker"};
      d.schema.doc_roles = {kRoleKeyword | kRoleStored};
      for (int i = shard; i < kDocs; i += 2) {
        uint32_t g = static_cast<uint32_t>(d.groups.size());
        std::string id = "doc-" + std::to_string(100 + i);
        d.groups.push_back(SegmentGroup{"g-" + id, false, 0, Row{}, {}, g, 1});
        d.docs.push_back(SegmentDoc{id, g, n, Row{Value::String("gen" + std::to_string(n))}});
      }
      std::string bytes = WriteSegment(d);
      std::string key = "segments/" + Hex64(Hash64(bytes)) + ".seg";
      ASSERT_TRUE(store->Put(key, bytes).ok());
      m.base.push_back(SegmentRef{key, bytes.size(), Hex64(Hash64(bytes)), 0, 0});
    }
    std::string key = ManifestKey(n, 1);
    ASSERT_TRUE(store->Put(key, SerializeManifest(m)).ok());
    ASSERT_TRUE(store->Put(std::string(kCurrentKey), key + "\n").ok());
  }

  // The markers of every doc a query over `g` returns.
  static std::set<std::string> Markers(const Generation& g) {
    auto r = g.view().Search(**ParseQuery("*"), SearchOptions{1000, 0, SortOrder{}});
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->docs.size(), static_cast<size_t>(kDocs));
    std::set<std::string> out;
    for (const auto& d : r->docs) out.insert(d.fields[0].second.s);
    return out;
  }

  std::string dir_;
  ManualClock clock_{0};
};

TEST_F(ServedIndexTest, NothingPublishedMeansNoGenerationAndACountedFailure) {
  ServedIndex index("p", Store(), 0);
  auto r = index.Reload(clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_EQ(index.Acquire(), nullptr);
  EXPECT_EQ(index.reload_stats().failures, 1);
}

TEST_F(ServedIndexTest, OldGenerationLivesUntilItsLastQueryReleasesIt) {
  Publish(1);
  ServedIndex index("p", Store(), 0);
  ASSERT_TRUE(*index.Reload(clock_));
  EXPECT_FALSE(*index.Reload(clock_));                       // CURRENT unchanged: no swap
  std::shared_ptr<const Generation> held = index.Acquire();  // a query in flight
  Publish(2);
  ASSERT_TRUE(*index.Reload(clock_));
  // New queries see generation 2; the one in flight still reads generation 1.
  EXPECT_EQ(Markers(*index.Acquire()), std::set<std::string>{"gen2"});
  EXPECT_EQ(Markers(*held), std::set<std::string>{"gen1"});
  EXPECT_EQ(index.open_generations(), 2);
  std::weak_ptr<const Generation> old = held;
  held.reset();  // the last query ends
  EXPECT_TRUE(old.expired());
  EXPECT_EQ(index.open_generations(), 1);
  EXPECT_EQ(index.reload_stats().swaps, 2);
}

TEST_F(ServedIndexTest, FailedReloadKeepsTheGenerationInService) {
  Publish(1);
  ServedIndex index("p", Store(), 0);
  ASSERT_TRUE(index.Reload(clock_).ok());
  ASSERT_TRUE(Store()->Put(std::string(kCurrentKey), "manifests/missing.json\n").ok());
  auto r = index.Reload(clock_);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(index.reload_stats().failures, 1);
  EXPECT_NE(index.reload_stats().last_error.find("missing.json"), std::string::npos);
  EXPECT_EQ(Markers(*index.Acquire()), std::set<std::string>{"gen1"});
}

// A CURRENT put back to an older generation (a writer that lost a race, a
// restored backup) does not take readers back in time.
TEST_F(ServedIndexTest, CurrentNamingAnOlderVersionIsIgnored) {
  Publish(1);
  Publish(2);
  ServedIndex index("p", Store(), 0);
  ASSERT_TRUE(*index.Reload(clock_));
  ASSERT_TRUE(Store()->Put(std::string(kCurrentKey), ManifestKey(1, 1) + "\n").ok());
  auto r = index.Reload(clock_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(*r);
  EXPECT_EQ(Markers(*index.Acquire()), std::set<std::string>{"gen2"});
  EXPECT_EQ(index.reload_stats().failures, 0);
  Publish(3);  // and forward again
  EXPECT_TRUE(*index.Reload(clock_));
  EXPECT_EQ(Markers(*index.Acquire()), std::set<std::string>{"gen3"});
}

// Readers on 4 threads while 60 generations are swapped in: every query sees
// exactly one generation's docs, generations never go backwards per reader,
// and every old generation is released at the end.
TEST_F(ServedIndexTest, ReadersNeverSeeAMixDuringSwaps) {
  Publish(1);
  ServedIndex index("p", Store(), 0);
  ASSERT_TRUE(index.Reload(clock_).ok());
  std::atomic<bool> done{false};
  std::atomic<int> queries{0}, mixed{0}, backwards{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      int last = 0;
      while (!done) {
        auto g = index.Acquire();
        std::set<std::string> markers = Markers(*g);
        if (markers.size() != 1) ++mixed;
        int n = std::atoi(markers.begin()->c_str() + 3);
        if (n != g->view().manifest().version) ++mixed;
        if (n < last) ++backwards;
        last = n;
        ++queries;
      }
    });
  }
  for (int n = 2; n <= 61; ++n) {
    Publish(n);
    ASSERT_TRUE(*index.Reload(clock_));
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(mixed, 0);
  EXPECT_EQ(backwards, 0);
  EXPECT_GT(queries, 0);
  EXPECT_EQ(index.reload_stats().swaps, 61);
  EXPECT_EQ(index.open_generations(), 1);
}

}  // namespace
}  // namespace freshet
