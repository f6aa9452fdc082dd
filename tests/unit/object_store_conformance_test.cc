// The ObjectStore contract (storage/object_store.h), checked against every
// backend: a local folder, the memory store and, under scripts/with-minio.sh
// (FRESHET_TEST_S3_BUCKET and AWS_ENDPOINT_URL set), a real S3 server. A
// backend-specific behaviour belongs in that backend's own test.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "compare_and_swap_counter.h"
#include "storage/local_store.h"
#include "storage/memory_store.h"
#include "storage/object_store.h"
#include "temp_folder.h"

namespace freshet {
namespace {

// Opens a fresh, empty store for one test and cleans it up afterwards.
class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  // nullptr with `skip_reason` set when the backend is not available here.
  virtual std::unique_ptr<ObjectStore> Open(std::string* skip_reason) = 0;
};

class LocalBackend final : public StoreBackend {
 public:
  std::unique_ptr<ObjectStore> Open(std::string*) override {
    auto store = LocalStore::Open(folder_.path());
    return store.ok() ? std::move(*store) : nullptr;
  }

 private:
  TempFolder folder_;
};

class MemoryBackend final : public StoreBackend {
 public:
  std::unique_ptr<ObjectStore> Open(std::string*) override { return NewMemoryStore("test"); }
};

class S3Backend final : public StoreBackend {
 public:
  ~S3Backend() override {
    if (!store_) return;
    auto all = store_->List("");
    if (all.ok()) {
      for (const ObjectInfo& o : *all) (void)store_->Delete(o.key);
    }
  }
  std::unique_ptr<ObjectStore> Open(std::string* skip_reason) override {
    const char* bucket = std::getenv("FRESHET_TEST_S3_BUCKET");
    if (bucket == nullptr || std::getenv("AWS_ENDPOINT_URL") == nullptr) {
      *skip_reason = "no S3 server: run under scripts/with-minio.sh";
      return nullptr;
    }
    std::random_device rd;
    std::string url = std::string("s3://") + bucket + "/conformance-" + std::to_string(rd());
    auto store = ObjectStore::Open(url);
    if (!store.ok()) return nullptr;
    // A second handle for the cleanup: the test owns the first.
    auto cleanup = ObjectStore::Open(url);
    if (cleanup.ok()) store_ = std::move(*cleanup);
    return std::move(*store);
  }

 private:
  std::unique_ptr<ObjectStore> store_;
};

using BackendFactory = std::function<std::unique_ptr<StoreBackend>()>;

struct BackendParam {
  std::string name;
  BackendFactory make;
};

// Test names show the backend's name, not the parameter's bytes.
void PrintTo(const BackendParam& param, std::ostream* os) { *os << param.name; }

class ObjectStoreConformance : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    std::string skip_reason;
    store_ = backend_->Open(&skip_reason);
    if (!skip_reason.empty()) GTEST_SKIP() << skip_reason;
    ASSERT_NE(store_, nullptr) << "cannot open the " << GetParam().name << " store";
  }
  void TearDown() override {
    store_.reset();
    backend_.reset();
  }
  ObjectStore& store() { return *store_; }

 private:
  std::unique_ptr<StoreBackend> backend_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreConformance, EveryMethodRoundTrips) {
  ASSERT_TRUE(store().Put("a/b.txt", "hello world").ok());
  EXPECT_EQ(store().Get("a/b.txt").value(), "hello world");
  EXPECT_EQ(store().GetRange("a/b.txt", 6, 5).value(), "world");
  auto info = store().Head("a/b.txt");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->key, "a/b.txt");
  EXPECT_EQ(info->size, 11u);
  EXPECT_FALSE(info->fingerprint.empty());
  auto listed = store().List("a/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "a/b.txt");
  EXPECT_EQ((*listed)[0].size, 11u);
  EXPECT_EQ((*listed)[0].fingerprint, info->fingerprint);
  ASSERT_TRUE(store().Delete("a/b.txt").ok());
  EXPECT_TRUE(store().Get("a/b.txt").status().IsNotFound());
  EXPECT_TRUE(store().Delete("a/b.txt").ok()) << "deleting an absent object is OK";
}

TEST_P(ObjectStoreConformance, GetRangeEdges) {
  ASSERT_TRUE(store().Put("digits", "0123456789").ok());
  auto range = [&](uint64_t offset, uint64_t length) {
    auto r = store().GetRange("digits", offset, length);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::string("<error>");
  };
  EXPECT_EQ(range(0, 1), "0");
  EXPECT_EQ(range(2, 3), "234");
  EXPECT_EQ(range(8, 100), "89");
  EXPECT_EQ(range(9, UINT64_MAX), "9");
  EXPECT_EQ(range(10, 5), "");
  EXPECT_EQ(range(1000, 1), "");
  EXPECT_EQ(range(3, 0), "");
  EXPECT_TRUE(store().GetRange("missing", 0, 1).status().IsNotFound());
}

TEST_P(ObjectStoreConformance, EmptyObjects) {
  ASSERT_TRUE(store().Put("empty", "").ok());
  EXPECT_EQ(store().Get("empty").value(), "");
  EXPECT_EQ(store().Head("empty")->size, 0u);
  EXPECT_EQ(store().GetRange("empty", 0, 10).value(), "");
  EXPECT_EQ(store().List("").value().size(), 1u);
}

TEST_P(ObjectStoreConformance, MissingObjectsAreNotFoundNamingTheKey) {
  for (const Status& st :
       {store().Get("no/such").status(), store().GetRange("no/such", 0, 1).status(),
        store().Head("no/such").status(), store().GetVersioned("no/such").status()}) {
    EXPECT_TRUE(st.IsNotFound()) << st.ToString();
    EXPECT_NE(st.message().find("no/such"), std::string::npos) << st.ToString();
  }
  auto empty = store().List("no/");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
}

TEST_P(ObjectStoreConformance, ListIsSortedByKeyAndMatchesPrefixesNotFolders) {
  for (const char* key : {"b", "a/2", "ab", "a/1/x", "a-b", "c/a"}) {
    ASSERT_TRUE(store().Put(key, key).ok()) << key;
  }
  auto keys = [&](std::string_view prefix) {
    std::vector<std::string> out;
    auto listed = store().List(prefix);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    if (listed.ok()) {
      for (const ObjectInfo& o : *listed) out.push_back(o.key);
    }
    return out;
  };
  EXPECT_EQ(keys(""), (std::vector<std::string>{"a-b", "a/1/x", "a/2", "ab", "b", "c/a"}));
  EXPECT_EQ(keys("a"), (std::vector<std::string>{"a-b", "a/1/x", "a/2", "ab"}));
  EXPECT_EQ(keys("a/"), (std::vector<std::string>{"a/1/x", "a/2"}));
  EXPECT_EQ(keys("a/1"), (std::vector<std::string>{"a/1/x"}));
  EXPECT_TRUE(keys("d").empty());
}

TEST_P(ObjectStoreConformance, PutReplacesAndTheFingerprintChanges) {
  ASSERT_TRUE(store().Put("k", "one").ok());
  std::string before = store().Head("k")->fingerprint;
  ASSERT_TRUE(store().Put("k", "two!").ok());
  EXPECT_NE(store().Head("k")->fingerprint, before);
  EXPECT_EQ(store().Get("k").value(), "two!");
  EXPECT_EQ(store().Head("k")->size, 4u);
}

TEST_P(ObjectStoreConformance, InvalidKeysAreRejected) {
  for (const char* key : {"../x", "a/../../x", "/etc/passwd", "a//b", "", "a/./b"}) {
    EXPECT_EQ(store().Put(key, "x").code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store().Get(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store().Head(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store().Delete(key).code(), StatusCode::kInvalidArgument) << key;
  }
  EXPECT_TRUE(store().List("").value().empty());
}

TEST_P(ObjectStoreConformance, PutIfAbsentRefusesAnExistingKey) {
  ASSERT_TRUE(store().PutIfAbsent("once", "first").ok());
  Status again = store().PutIfAbsent("once", "second");
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
  EXPECT_NE(again.message().find("once"), std::string::npos) << again.ToString();
  EXPECT_EQ(store().Get("once").value(), "first");
}

TEST_P(ObjectStoreConformance, ConcurrentPutIfAbsentHasExactlyOneWinner) {
  std::atomic<int> wins{0}, losses{0}, errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Status st = store().PutIfAbsent("manifests/1.json", std::string(100, 'a' + i));
      (st.ok() ? wins : st.IsAlreadyExists() ? losses : errors)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(losses, 7);
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(store().Get("manifests/1.json")->size(), 100u);
  EXPECT_EQ(store().List("").value().size(), 1u);
}

TEST_P(ObjectStoreConformance, PutIfMatchReplacesOnlyTheVersionItRead) {
  // Empty token: only if absent.
  ASSERT_TRUE(store().PutIfMatch("CURRENT", "one\n", "").ok());
  Status again = store().PutIfMatch("CURRENT", "other\n", "");
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition) << again.ToString();
  EXPECT_NE(again.message().find("CURRENT"), std::string::npos) << again.ToString();

  auto v1 = store().GetVersioned("CURRENT");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->data, "one\n");
  EXPECT_FALSE(v1->token.empty());
  ASSERT_TRUE(store().PutIfMatch("CURRENT", "two\n", v1->token).ok());
  EXPECT_EQ(store().Get("CURRENT").value(), "two\n");
  Status stale = store().PutIfMatch("CURRENT", "three\n", v1->token);
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition) << stale.ToString();
  EXPECT_NE(stale.message().find("CURRENT"), std::string::npos) << stale.ToString();
  EXPECT_EQ(store().Get("CURRENT").value(), "two\n");
  // Deleted since it was read.
  auto v2 = store().GetVersioned("CURRENT");
  ASSERT_TRUE(v2.ok());
  ASSERT_TRUE(store().Delete("CURRENT").ok());
  Status gone = store().PutIfMatch("CURRENT", "four\n", v2->token);
  EXPECT_EQ(gone.code(), StatusCode::kFailedPrecondition) << gone.ToString();
  EXPECT_TRUE(store().GetVersioned("CURRENT").status().IsNotFound());
  EXPECT_TRUE(store().List("").value().empty()) << "refused writes leave nothing behind";
}

TEST_P(ObjectStoreConformance, ConcurrentPutIfMatchLosesNoUpdate) {
  ASSERT_TRUE(store().Put("counter", "0").ok());
  constexpr int kThreads = 4, kEach = 15;
  std::atomic<int> refused{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      int r = IncrementCounter(store(), kEach);
      (r < 0 ? errors : refused) += r < 0 ? 1 : r;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(store().Get("counter").value(), std::to_string(kThreads * kEach));
}

INSTANTIATE_TEST_SUITE_P(
    Backends, ObjectStoreConformance,
    ::testing::Values(BackendParam{"Local", [] { return std::make_unique<LocalBackend>(); }},
                      BackendParam{"Memory", [] { return std::make_unique<MemoryBackend>(); }},
                      BackendParam{"S3", [] { return std::make_unique<S3Backend>(); }}),
    [](const ::testing::TestParamInfo<BackendParam>& info) { return info.param.name; });

}  // namespace
}  // namespace freshet
