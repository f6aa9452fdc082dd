#include "storage/retry_policy.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

using std::chrono::milliseconds;

TEST(BackoffDelayTest, FullJitterUnderAGrowingCappedCeiling) {
  RetryPolicy p;
  p.initial_backoff = milliseconds(100);
  p.max_backoff = milliseconds(1000);
  std::mt19937_64 rng(7);
  for (int retry = 1; retry <= 10; ++retry) {
    int64_t ceiling = std::min<int64_t>(1000, 100LL << (retry - 1));
    int64_t seen_max = 0;
    for (int i = 0; i < 200; ++i) {
      int64_t d = BackoffDelay(p, retry, rng).count();
      ASSERT_GE(d, 0);
      ASSERT_LE(d, ceiling) << "retry " << retry;
      seen_max = std::max(seen_max, d);
    }
    EXPECT_GT(seen_max, ceiling / 2) << "jitter spans the range, retry " << retry;
  }
}

TEST(BackoffDelayTest, HugeRetryNumbersDoNotOverflow) {
  RetryPolicy p;
  std::mt19937_64 rng(1);
  EXPECT_LE(BackoffDelay(p, 10'000, rng), p.max_backoff);
}

TEST(RetrierTest, StopsAfterMaxAttempts) {
  RetryPolicy p;
  p.max_attempts = 3;
  p.initial_backoff = milliseconds(1);
  p.max_backoff = milliseconds(2);
  Retrier r(p);
  int attempts = 0;
  while (r.NextAttempt()) ++attempts;
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(r.attempts(), 3);
}

TEST(RetrierTest, StopsAtTheDeadline) {
  RetryPolicy p;
  p.max_attempts = 1000;
  p.initial_backoff = milliseconds(20);
  p.max_backoff = milliseconds(20);
  p.deadline = milliseconds(300);
  Retrier r(p);
  int attempts = 0;
  while (r.NextAttempt()) ++attempts;
  EXPECT_GT(attempts, 1);
  EXPECT_LT(attempts, 1000);
  EXPECT_LE(r.Elapsed(), milliseconds(400));
}

TEST(RetrierTest, MinimumDelayIsHonouredOnce) {
  RetryPolicy p;
  p.initial_backoff = milliseconds(0);
  p.max_backoff = milliseconds(0);
  Retrier r(p);
  ASSERT_TRUE(r.NextAttempt());
  r.SetMinimumDelay(milliseconds(150));
  auto before = r.Elapsed();
  ASSERT_TRUE(r.NextAttempt());
  EXPECT_GE(r.Elapsed() - before, milliseconds(150));
}

}  // namespace
}  // namespace freshet
