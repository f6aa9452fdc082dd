#include "storage/retry_policy.h"

#include <algorithm>
#include <thread>

namespace freshet {

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, std::mt19937_64& rng) {
  int64_t cap = policy.max_backoff.count();
  int64_t ceiling = policy.initial_backoff.count();
  for (int i = 1; i < retry && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::clamp<int64_t>(ceiling, 0, cap);
  std::uniform_int_distribution<int64_t> pick(0, ceiling);
  return std::chrono::milliseconds(pick(rng));
}

Retrier::Retrier(const RetryPolicy& policy)
    : policy_(policy), start_(Clock::now()), rng_(std::random_device{}()) {}

bool Retrier::NextAttempt() {
  if (attempts_ == 0) {
    attempts_ = 1;
    return true;
  }
  if (attempts_ >= policy_.max_attempts) return false;
  std::chrono::milliseconds delay = std::max(BackoffDelay(policy_, attempts_, rng_), min_delay_);
  min_delay_ = std::chrono::milliseconds(0);
  // Retry only if the attempt after the pause still has a useful amount of time.
  std::chrono::milliseconds remaining = Remaining();
  if (delay + std::chrono::milliseconds(100) >= remaining) return false;
  std::this_thread::sleep_for(delay);
  ++attempts_;
  return true;
}

std::chrono::milliseconds Retrier::Elapsed() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_);
}

std::chrono::milliseconds Retrier::Remaining() const {
  return std::max(policy_.deadline - Elapsed(), std::chrono::milliseconds(0));
}

}  // namespace freshet
