#include "storage/local_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "compare_and_swap_counter.h"

namespace freshet {
namespace {

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/freshet-store-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    auto opened = LocalStore::Open(root_);
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
  std::unique_ptr<LocalStore> store_;
};

TEST_F(LocalStoreTest, PutGetRangeHeadListDelete) {
  ASSERT_TRUE(store_->Put("a/b/c.txt", "hello world").ok());
  EXPECT_EQ(*store_->Get("a/b/c.txt"), "hello world");
  EXPECT_EQ(*store_->GetRange("a/b/c.txt", 6, 100), "world");
  EXPECT_EQ(*store_->GetRange("a/b/c.txt", 100, 5), "");
  EXPECT_EQ(store_->Head("a/b/c.txt")->size, 11u);
  ASSERT_TRUE(store_->Put("a/x.txt", "1").ok());
  auto list = store_->List("a/");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].key, "a/b/c.txt");      // sorted
  EXPECT_EQ(store_->List("a/b")->size(), 1u);  // a prefix, not only folders
  ASSERT_TRUE(store_->Delete("a/x.txt").ok());
  ASSERT_TRUE(store_->Delete("a/x.txt").ok());  // absent: still OK
  EXPECT_TRUE(store_->Get("a/x.txt").status().IsNotFound());
}

TEST_F(LocalStoreTest, FingerprintChangesWhenRewritten) {
  ASSERT_TRUE(store_->Put("f", "one").ok());
  std::string before = store_->Head("f")->fingerprint;
  ASSERT_TRUE(store_->Put("f", "two!").ok());
  EXPECT_NE(store_->Head("f")->fingerprint, before);
}

TEST_F(LocalStoreTest, PutIfAbsentHasExactlyOneWinner) {
  std::atomic<int> wins{0}, losses{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Status st = store_->PutIfAbsent("manifests/1.json", std::string(100, 'a' + i));
      (st.ok() ? wins : losses)++;
      if (!st.ok()) {
        EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(losses, 7);
  EXPECT_EQ(store_->Get("manifests/1.json")->size(), 100u);
  EXPECT_EQ(store_->List("")->size(), 1u);  // no temporary file left behind or listed
}

TEST_F(LocalStoreTest, TemporaryFilesAreNeverListed) {
  std::ofstream(root_ / "x.freshet-tmp.0123") << "partial";
  ASSERT_TRUE(store_->Put("y", "done").ok());
  auto list = store_->List("");
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, "y");
}

TEST_F(LocalStoreTest, KeysThatEscapeTheRootAreRejected) {
  for (const char* key : {"../x", "a/../../x", "/etc/passwd", "a//b", "", "a/./b"}) {
    EXPECT_EQ(store_->Put(key, "x").code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Get(key).status().code(), StatusCode::kInvalidArgument) << key;
  }
  EXPECT_FALSE(std::filesystem::exists(root_.parent_path() / "x"));
}

// Regression: a folder the runner may not read used to list as empty, so its
// partitions were published as empty (found by the fault suite, tests/faults).
TEST_F(LocalStoreTest, UnreadableFolderIsAnErrorNotAnEmptyListing) {
  namespace fs = std::filesystem;
  ASSERT_TRUE(store_->Put("p/q/f.jsonl", "1").ok());
  fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(root_ / "p", fs::perms::none);
  // Root reads everything: list as an unprivileged user in a child process.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(100);
    int failed = 0;
    for (const char* prefix : {"p/q/", "p/", ""}) {
      failed = failed * 2 + (store_->List(prefix).status().code() != StatusCode::kIOError);
    }
    ::_exit(failed);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  fs::permissions(root_ / "p", fs::perms::owner_all);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "bit set per prefix listed without an IOError";
  EXPECT_EQ(store_->List("p/")->size(), 1u);
}

TEST_F(LocalStoreTest, PutIfMatchReplacesOnlyTheVersionItRead) {
  // Empty token: only if absent.
  ASSERT_TRUE(store_->PutIfMatch("CURRENT", "one\n", "").ok());
  Status again = store_->PutIfMatch("CURRENT", "other\n", "");
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition) << again.ToString();
  EXPECT_NE(again.message().find("'CURRENT' was created"), std::string::npos) << again.ToString();

  auto v1 = store_->GetVersioned("CURRENT");
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->data, "one\n");
  ASSERT_TRUE(store_->PutIfMatch("CURRENT", "two\n", v1->token).ok());
  EXPECT_EQ(*store_->Get("CURRENT"), "two\n");
  // The token of "one" no longer matches.
  Status stale = store_->PutIfMatch("CURRENT", "three\n", v1->token);
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition) << stale.ToString();
  EXPECT_NE(stale.message().find("'CURRENT' changed"), std::string::npos) << stale.ToString();
  EXPECT_EQ(*store_->Get("CURRENT"), "two\n");
  // Deleted since it was read.
  auto v2 = store_->GetVersioned("CURRENT");
  ASSERT_TRUE(store_->Delete("CURRENT").ok());
  Status gone = store_->PutIfMatch("CURRENT", "four\n", v2->token);
  EXPECT_EQ(gone.code(), StatusCode::kFailedPrecondition) << gone.ToString();
  EXPECT_TRUE(store_->Get("CURRENT").status().IsNotFound());
  EXPECT_TRUE(store_->GetVersioned("CURRENT").status().IsNotFound());
  EXPECT_EQ(store_->List("")->size(), 0u);  // refused writes leave no temporary file
}

TEST_F(LocalStoreTest, ConcurrentPutIfMatchThreadsLoseNoUpdate) {
  ASSERT_TRUE(store_->Put("counter", "0").ok());
  std::atomic<int> refused{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto own = LocalStore::Open(root_);  // a store of its own, as another reader would have
      int r = own.ok() ? IncrementCounter(**own, 40) : -1;
      if (r < 0) {
        ++errors;
      } else {
        refused += r;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(*store_->Get("counter"), "320");
  EXPECT_GT(refused, 0) << "the writers never raced: the test proves nothing";
}

TEST_F(LocalStoreTest, ConcurrentPutIfMatchProcessesLoseNoUpdate) {
  ASSERT_TRUE(store_->Put("counter", "0").ok());
  std::vector<pid_t> children;
  for (int p = 0; p < 4; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto own = LocalStore::Open(root_);
      ::_exit(own.ok() && IncrementCounter(**own, 50) >= 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(*store_->Get("counter"), "200");
  EXPECT_EQ(store_->List("")->size(), 1u);
}

TEST(ObjectStoreTest, UnknownSchemeIsRejectedNamingIt) {
  auto s = ObjectStore::Open("ftp://host/x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("ftp://"), std::string::npos);
}

}  // namespace
}  // namespace freshet
