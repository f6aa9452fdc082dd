#include "storage/local_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "compare_and_swap_counter.h"
#include "temp_folder.h"

namespace freshet {
namespace {

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = LocalStore::Open(root_);
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
  }
  TempFolder folder_;
  const std::filesystem::path& root_ = folder_.path();
  std::unique_ptr<LocalStore> store_;
};

TEST_F(LocalStoreTest, TemporaryFilesAreNeverListed) {
  std::ofstream(root_ / "x.freshet-tmp.0123") << "partial";
  ASSERT_TRUE(store_->Put("y", "done").ok());
  auto list = store_->List("");
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, "y");
}

TEST_F(LocalStoreTest, KeysThatEscapeTheRootWriteNothingOutsideIt) {
  // The codes are the contract's (object_store_conformance_test.cc); here:
  // nothing is written outside the folder (a store in a subfolder of ours).
  auto inner = LocalStore::Open(root_ / "inner");
  ASSERT_TRUE(inner.ok());
  for (const char* key : {"../x", "a/../../x"}) {
    EXPECT_EQ((*inner)->Put(key, "x").code(), StatusCode::kInvalidArgument) << key;
  }
  EXPECT_FALSE(std::filesystem::exists(root_ / "x"));
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

// Resident bytes of the mapping that holds `p`, from /proc/self/smaps.
size_t ResidentBytesOfMapping(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const uintptr_t at = reinterpret_cast<uintptr_t>(p);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2 && line.find(' ') != 0) {
      inside = begin <= at && at < end;
    } else if (inside && line.starts_with("Rss:")) {
      return std::stoull(line.substr(4)) * 1024;
    }
  }
  ADD_FAILURE() << "no mapping holds " << p;
  return 0;
}

TEST_F(LocalStoreTest, MapServesTheObjectsBytesForAsLongAsTheMappingLives) {
  std::string content(1 << 20, 'x');
  for (size_t i = 0; i < content.size(); i += 4096) content[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(store_->Put("segments/a.seg", content).ok());
  auto mapped = store_->Map("segments/a.seg");
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  EXPECT_TRUE((*mapped)->bytes() == content);
  // Objects are replaced by rename and deleted by unlink: the mapping keeps
  // the bytes it was opened on.
  ASSERT_TRUE(store_->Put("segments/a.seg", "new").ok());
  ASSERT_TRUE(store_->Delete("segments/a.seg").ok());
  EXPECT_TRUE((*mapped)->bytes() == content);

  EXPECT_EQ(store_->Map("segments/absent.seg").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Map("../outside").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalStoreTest, ReleasedPagesLeaveResidentMemoryAndReadBackTheSame) {
  const std::string content(4 << 20, 'q');
  ASSERT_TRUE(store_->Put("big", content).ok());
  auto mapped = store_->Map("big");
  ASSERT_TRUE(mapped.ok());
  const std::string_view bytes = (*mapped)->bytes();
  EXPECT_TRUE(bytes == content);  // reads every page
  EXPECT_GE(ResidentBytesOfMapping(bytes.data()), content.size() / 2);
  (*mapped)->ReleaseResidentPages();
  EXPECT_EQ(ResidentBytesOfMapping(bytes.data()), 0u);
  EXPECT_TRUE(bytes == content);
}

TEST(ObjectStoreTest, UnknownSchemeIsRejectedNamingIt) {
  auto s = ObjectStore::Open("ftp://host/x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("ftp://"), std::string::npos);
}

}  // namespace
}  // namespace freshet
