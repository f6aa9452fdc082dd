#include "pipeline/lease_holder.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace freshet {
namespace {

std::string ThisHost() {
  std::string holder = DefaultLeaseHolder();
  return holder.substr(0, holder.rfind(':'));
}

TEST(LeaseHolderTest, DefaultHolderIsHostColonPid) {
  EXPECT_EQ(DefaultLeaseHolder(), ThisHost() + ":" + std::to_string(getpid()));
  EXPECT_FALSE(ThisHost().empty());
}

TEST(LeaseHolderTest, ALiveProcessOfThisHostIsNotGone) {
  EXPECT_FALSE(LocalHolderIsGone(DefaultLeaseHolder()));  // this process
  EXPECT_FALSE(LocalHolderIsGone(ThisHost() + ":" + std::to_string(getppid())));
  EXPECT_FALSE(LocalHolderIsGone(ThisHost() + ":1"));  // init: alive (or not ours to signal)
}

TEST(LeaseHolderTest, AProcessThatExitedIsGone) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);  // reaped: the pid names no process
  EXPECT_TRUE(LocalHolderIsGone(ThisHost() + ":" + std::to_string(child)));
}

TEST(LeaseHolderTest, OtherHostsAndOtherNamesAreNeverGone) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  const std::string pid = std::to_string(child);
  EXPECT_FALSE(LocalHolderIsGone("another-host-" + ThisHost() + ":" + pid));
  EXPECT_FALSE(LocalHolderIsGone(":" + pid));
  EXPECT_FALSE(LocalHolderIsGone("runner-a"));
  EXPECT_FALSE(LocalHolderIsGone(ThisHost() + ":"));
  EXPECT_FALSE(LocalHolderIsGone(ThisHost() + ":" + pid + "x"));
  EXPECT_FALSE(LocalHolderIsGone(ThisHost() + ":0"));   // process group, not a process
  EXPECT_FALSE(LocalHolderIsGone(ThisHost() + ":-1"));  // every process
  EXPECT_FALSE(LocalHolderIsGone(ThisHost() + ":99999999999999999999"));
}

}  // namespace
}  // namespace freshet
