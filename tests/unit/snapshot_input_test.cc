#include "pipeline/snapshot_input.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace freshet {
namespace {

// Files being read count against the budget: a read larger than the whole
// budget still starts when it is the only one, and a second read waits
// until the first is given back (before any file is added, the records a
// file makes are unknown: one read at a time).
TEST(SnapshotInputTest, AReadWaitsUntilTheReadsInFlightAreGivenBack) {
  PipelineConfig config;
  config.memory_budget = 16ull << 20;
  config.threads = 2;
  SnapshotInput input(config, 1ull << 30);
  input.Release(input.Reserve(1ull << 30));  // alone: never waits

  const uint64_t first = input.Reserve(1 << 20);
  EXPECT_EQ(first, 1u << 20);  // its bytes, no records per byte known yet
  std::atomic<bool> started{false};
  std::thread second([&] {
    const uint64_t reserved = input.Reserve(1 << 20);
    started = true;
    input.Release(reserved);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(started.load()) << "the second read started beside the first";
  input.Release(first);
  second.join();
  EXPECT_TRUE(started.load());
}

}  // namespace
}  // namespace freshet
