#include "storage/curl_handle_pool.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace freshet {
namespace {

TEST(CurlHandlePoolTest, ReturnedHandlesAreReused) {
  CurlHandlePool pool;
  CURL* first = nullptr;
  {
    auto lease = pool.Acquire();
    ASSERT_NE(lease.get(), nullptr);
    first = lease.get();
    EXPECT_EQ(pool.idle(), 0u);
  }
  EXPECT_EQ(pool.idle(), 1u);
  auto again = pool.Acquire();
  EXPECT_EQ(again.get(), first);
}

TEST(CurlHandlePoolTest, ConcurrentLeasesGetDistinctHandles) {
  CurlHandlePool pool;
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  EXPECT_NE(a.get(), b.get());
}

TEST(CurlHandlePoolTest, DiscardedHandlesAreNotReturned) {
  CurlHandlePool pool;
  {
    auto lease = pool.Acquire();
    lease.Discard();
    EXPECT_EQ(lease.get(), nullptr);
  }
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(CurlHandlePoolTest, IdleHandlesAreCapped) {
  CurlHandlePool pool(2);
  {
    std::vector<CurlHandlePool::Lease> leases;
    for (int i = 0; i < 5; ++i) leases.push_back(pool.Acquire());
  }
  EXPECT_EQ(pool.idle(), 2u);
}

TEST(CurlHandlePoolTest, ManyThreads) {
  CurlHandlePool pool(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto lease = pool.Acquire();
        ASSERT_NE(lease.get(), nullptr);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(pool.idle(), 4u);
}

}  // namespace
}  // namespace freshet
