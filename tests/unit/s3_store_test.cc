// Integration tests of the S3 store against a real S3-compatible server:
//   scripts/with-minio.sh build/release/tests/freshet_unit_tests --gtest_filter='S3Store*'
// They are skipped when FRESHET_TEST_S3_BUCKET is unset (no server).
#include "storage/s3_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include "compare_and_swap_counter.h"
#include "storage/object_store.h"

namespace freshet {
namespace {

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bucket = std::getenv("FRESHET_TEST_S3_BUCKET");
    if (bucket == nullptr || std::getenv("AWS_ENDPOINT_URL") == nullptr) {
      GTEST_SKIP() << "no S3 server: run under scripts/with-minio.sh (sets "
                      "FRESHET_TEST_S3_BUCKET and AWS_ENDPOINT_URL)";
    }
    bucket_ = bucket;
    std::random_device rd;
    root_ = "unit-" + std::to_string(rd()) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    store_ = OpenStore(UrlFor(root_));
  }

  void TearDown() override {
    if (!store_) return;
    auto all = store_->List("");
    if (all.ok()) {
      for (const ObjectInfo& o : *all) (void)store_->Delete(o.key);
    }
  }

  std::string UrlFor(std::string_view prefix, std::string_view options = "") const {
    std::string url = "s3://" + bucket_ + "/" + std::string(prefix);
    if (!options.empty()) url += "?" + std::string(options);
    return url;
  }

  static std::unique_ptr<ObjectStore> OpenStore(const std::string& url) {
    auto store = ObjectStore::Open(url);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static std::string Port() {
    std::string endpoint = std::getenv("AWS_ENDPOINT_URL");
    return endpoint.substr(endpoint.rfind(':') + 1);
  }

  std::string bucket_;
  std::string root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(S3StoreTest, EveryMethodRoundTrips) {
  ObjectStore& s = *store_;
  EXPECT_EQ(s.Describe(), "s3://" + bucket_ + "/" + root_);
  ASSERT_TRUE(s.Put("a/b.txt", "hello world").ok());
  auto got = s.Get("a/b.txt");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "hello world");
  auto info = s.Head("a/b.txt");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->key, "a/b.txt");
  EXPECT_EQ(info->size, 11u);
  EXPECT_EQ(info->fingerprint, "5eb63bbbe01eeed093cb22bb8f5acdc3");  // ETag: MD5 of the bytes
  auto range = s.GetRange("a/b.txt", 6, 5);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(*range, "world");
  auto listed = s.List("a/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "a/b.txt");
  EXPECT_EQ((*listed)[0].size, 11u);
  EXPECT_EQ((*listed)[0].fingerprint, info->fingerprint);
  ASSERT_TRUE(s.Delete("a/b.txt").ok());
  EXPECT_TRUE(s.Get("a/b.txt").status().IsNotFound());
  EXPECT_TRUE(s.Delete("a/b.txt").ok()) << "deleting an absent object is OK";
}

TEST_F(S3StoreTest, PutReplacesAndTheFingerprintChanges) {
  ASSERT_TRUE(store_->Put("k", "one").ok());
  auto first = store_->Head("k");
  ASSERT_TRUE(store_->Put("k", "two!").ok());
  auto second = store_->Head("k");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->fingerprint, second->fingerprint);
  EXPECT_EQ(*store_->Get("k"), "two!");
}

TEST_F(S3StoreTest, MissingObjectsAreNotFoundNamingTheObject) {
  auto get = store_->Get("no/such");
  ASSERT_TRUE(get.status().IsNotFound());
  EXPECT_NE(get.status().message().find("s3://" + bucket_ + "/" + root_ + "/no/such"),
            std::string::npos)
      << get.status().message();
  EXPECT_TRUE(store_->Head("no/such").status().IsNotFound());
  auto empty = store_->List("no/");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(S3StoreTest, MissingBucketIsNotFoundSayingSo) {
  auto other = OpenStore("s3://no-such-bucket-freshet/x");
  auto get = other->Get("k");
  ASSERT_TRUE(get.status().IsNotFound()) << get.status().ToString();
  EXPECT_NE(get.status().message().find("bucket does not exist"), std::string::npos);
}

TEST_F(S3StoreTest, ConcurrentPutIfAbsentHasExactlyOneWinner) {
  constexpr int kKeys = 16;
  std::vector<std::unique_ptr<ObjectStore>> stores;
  stores.push_back(OpenStore(UrlFor(root_)));
  stores.push_back(OpenStore(UrlFor(root_)));
  std::barrier sync(2);
  std::vector<Status> results[2];
  auto racer = [&](int who) {
    for (int k = 0; k < kKeys; ++k) {
      sync.arrive_and_wait();
      results[who].push_back(
          stores[who]->PutIfAbsent("race/" + std::to_string(k), "writer " + std::to_string(who)));
    }
  };
  std::thread a(racer, 0), b(racer, 1);
  a.join();
  b.join();
  for (int k = 0; k < kKeys; ++k) {
    const Status& r0 = results[0][k];
    const Status& r1 = results[1][k];
    ASSERT_TRUE(r0.ok() || r0.IsAlreadyExists()) << r0.ToString();
    ASSERT_TRUE(r1.ok() || r1.IsAlreadyExists()) << r1.ToString();
    EXPECT_NE(r0.ok(), r1.ok()) << "key " << k << ": exactly one writer wins";
    auto content = store_->Get("race/" + std::to_string(k));
    ASSERT_TRUE(content.ok());
    EXPECT_EQ(*content, r0.ok() ? "writer 0" : "writer 1");
  }
}

// Compare-and-swap with If-Match / If-None-Match (CURRENT's writes).
TEST_F(S3StoreTest, PutIfMatchReplacesOnlyTheVersionItRead) {
  ASSERT_TRUE(store_->PutIfMatch("CURRENT", "one\n", "").ok());
  Status again = store_->PutIfMatch("CURRENT", "other\n", "");
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition) << again.ToString();
  auto v1 = store_->GetVersioned("CURRENT");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->data, "one\n");
  EXPECT_EQ(v1->token, store_->Head("CURRENT")->fingerprint);  // the ETag
  ASSERT_TRUE(store_->PutIfMatch("CURRENT", "two\n", v1->token).ok());
  Status stale = store_->PutIfMatch("CURRENT", "three\n", v1->token);
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition) << stale.ToString();
  EXPECT_NE(stale.message().find("CURRENT"), std::string::npos) << stale.ToString();
  EXPECT_EQ(*store_->Get("CURRENT"), "two\n");
  auto v2 = store_->GetVersioned("CURRENT");
  ASSERT_TRUE(store_->Delete("CURRENT").ok());
  Status gone = store_->PutIfMatch("CURRENT", "four\n", v2->token);
  EXPECT_EQ(gone.code(), StatusCode::kFailedPrecondition) << gone.ToString();
  EXPECT_TRUE(store_->GetVersioned("CURRENT").status().IsNotFound());
}

// Writers on two connections incrementing a counter by read-swap: no
// increment is lost, so the server really refused every stale If-Match.
TEST_F(S3StoreTest, ConcurrentPutIfMatchLosesNoUpdate) {
  ASSERT_TRUE(store_->Put("counter", "0").ok());
  constexpr int kEach = 15;
  std::atomic<int> refused{0}, errors{0};
  auto writer = [&] {
    auto store = OpenStore(UrlFor(root_));
    int r = IncrementCounter(*store, kEach);
    if (r < 0) {
      ++errors;
    } else {
      refused += r;
    }
  };
  std::thread a(writer), b(writer), c(writer);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(*store_->Get("counter"), std::to_string(3 * kEach));
  EXPECT_GT(refused, 0) << "the writers never raced: the test proves nothing";
}

TEST_F(S3StoreTest, ListPagesOverMoreThanAThousandKeys) {
  constexpr int kKeys = 1105;
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&] {
      for (int i = next++; i < kKeys; i = next++) {
        if (!store_->Put(fmt::format("many/{:05}", i), std::to_string(i)).ok()) ++failures;
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(store_->Put("other/x", "x").ok());

  auto all = store_->List("many/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ((*all)[i].key, fmt::format("many/{:05}", i));
    ASSERT_EQ((*all)[i].size, std::to_string(i).size());
  }
  auto some = store_->List("many/010");
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->size(), 100u);  // many/01000 .. many/01099
  auto everything = store_->List("");
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->size(), static_cast<size_t>(kKeys + 1));
}

TEST_F(S3StoreTest, ListStaysInsideTheStorePrefix) {
  auto sibling = OpenStore(UrlFor(root_ + "-sibling"));
  ASSERT_TRUE(sibling->Put("k", "x").ok());
  ASSERT_TRUE(store_->Put("k", "y").ok());
  auto listed = store_->List("");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "k");
  ASSERT_TRUE(sibling->Delete("k").ok());
}

TEST_F(S3StoreTest, KeysWithSpacesUnicodeAndReservedCharacters) {
  const std::vector<std::string> keys = {
      "sp ace/a b.txt", "plus+/c+d",          "eq=/k=v&x=y",   "uni/ü ñ 日本.txt",
      "pct/%20%2B%",    "q/what?x#y",         "tilde~/star*!", "quote/'\"`",
      "semi/;,:@$",     "brackets/[a]{b}(c)", "caret/^|\\<>",  "tab/\tnew",
  };
  for (const std::string& k : keys) {
    Status st = store_->Put(k, "v:" + k);
    ASSERT_TRUE(st.ok()) << k << ": " << st.ToString();
  }
  auto listed = store_->List("");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::set<std::string> want(keys.begin(), keys.end());
  std::set<std::string> got;
  for (const ObjectInfo& o : *listed) got.insert(o.key);
  EXPECT_EQ(got, want);
  for (size_t i = 1; i < listed->size(); ++i) EXPECT_LT((*listed)[i - 1].key, (*listed)[i].key);
  for (const std::string& k : keys) {
    auto v = store_->Get(k);
    ASSERT_TRUE(v.ok()) << k << ": " << v.status().ToString();
    EXPECT_EQ(*v, "v:" + k);
    auto h = store_->Head(k);
    ASSERT_TRUE(h.ok()) << k;
    EXPECT_EQ(h->size, k.size() + 2);
    auto sub = store_->List(k.substr(0, k.find('/') + 1));
    ASSERT_TRUE(sub.ok()) << k;
    ASSERT_EQ(sub->size(), 1u) << k;
    EXPECT_EQ((*sub)[0].key, k);
    ASSERT_TRUE(store_->Delete(k).ok()) << k;
    EXPECT_TRUE(store_->Head(k).status().IsNotFound()) << k;
  }
}

TEST_F(S3StoreTest, StorePrefixWithSpacesAndUnicode) {
  auto odd = OpenStore(UrlFor(root_ + "/a b+c=ü"));
  ASSERT_TRUE(odd->Put("x y", "1").ok());
  auto listed = odd->List("");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "x y");
  EXPECT_EQ(*odd->Get("x y"), "1");
}

TEST_F(S3StoreTest, MultipartUploadAboveTheThreshold) {
  auto store = OpenStore(UrlFor(root_, "multipart_threshold=5MiB&part_size=5MiB"));
  std::string big = RandomBytes((12 << 20) + 12345, 1);
  ASSERT_TRUE(store->Put("big.bin", big).ok());
  auto info = store->Head("big.bin");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, big.size());
  EXPECT_TRUE(info->fingerprint.ends_with("-3")) << info->fingerprint;  // three parts
  auto back = store->Get("big.bin");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == big);
  auto middle = store->GetRange("big.bin", (5 << 20) - 10, 20);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(*middle, big.substr((5 << 20) - 10, 20));

  // Conditional create works for multipart uploads too.
  std::string other = RandomBytes((6 << 20), 2);
  Status again = store->PutIfAbsent("big.bin", other);
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
  EXPECT_TRUE(*store->Get("big.bin") == big);
  ASSERT_TRUE(store->PutIfAbsent("big2.bin", other).ok());
  EXPECT_TRUE(*store->Get("big2.bin") == other);
  // Aborted uploads leave nothing listed.
  auto listed = store->List("");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 2u);
}

TEST_F(S3StoreTest, VirtualHostAddressing) {
  // The server runs with MINIO_DOMAIN=localhost; libcurl resolves *.localhost to loopback.
  auto store = OpenStore(UrlFor(root_, "addressing=virtual&endpoint=http://localhost:" + Port()));
  Status put = store->Put("v/k", "virtual");
  ASSERT_TRUE(put.ok()) << put.ToString();
  EXPECT_EQ(*store->Get("v/k"), "virtual");
  EXPECT_EQ(*store_->Get("v/k"), "virtual") << "same object as with path-style addressing";
  auto listed = store->List("v/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), 1u);
}

TEST_F(S3StoreTest, WrongSecretFailsWithoutShowingIt) {
  auto env = [](const char* name) -> std::optional<std::string> {
    std::string n = name;
    if (n == "AWS_SECRET_ACCESS_KEY") return "wrong-secret-d0c2f1";
    if (n == "AWS_SESSION_TOKEN") return std::nullopt;
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  auto config = ParseS3Url(UrlFor(root_), env);
  ASSERT_TRUE(config.ok());
  auto store = S3Store::Open(*config);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Describe().find("wrong-secret"), std::string::npos);
  Status st = (*store)->Put("k", "v");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("access denied"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("wrong-secret"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find(std::getenv("AWS_SECRET_ACCESS_KEY")), std::string::npos);
}

TEST_F(S3StoreTest, UnreachableEndpointGivesUpWithinTheDeadline) {
  auto store = OpenStore(UrlFor(root_, "endpoint=http://127.0.0.1:1&timeout=2s&max_attempts=50"));
  auto began = std::chrono::steady_clock::now();
  auto got = store->Get("k");
  auto took = std::chrono::steady_clock::now() - began;
  ASSERT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status().ToString();
  EXPECT_NE(got.status().message().find("gave up after"), std::string::npos);
  EXPECT_NE(got.status().message().find("/k"), std::string::npos);
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST_F(S3StoreTest, ManyThreadsShareTheStore) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string key = fmt::format("t{}/{}", t, i);
        std::string value = RandomBytes(1000 + i, t * 100 + i);
        if (!store_->Put(key, value).ok()) ++failures;
        auto back = store_->Get(key);
        if (!back.ok() || *back != value) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace freshet
