// Retries with exponential backoff and full jitter, bounded by a count and a
// deadline. Used by the S3 store around every request.
//
//   Retrier retrier(policy);
//   while (retrier.NextAttempt()) {       // sleeps before every retry
//     ... one attempt; on success return; on a permanent error return ...
//   }
//   ... out of attempts or time: report the last error ...
//
// A Retrier is used by one thread; RetryPolicy is a plain value.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace freshet {

struct RetryPolicy {
  int max_attempts = 8;  // first attempt included
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  std::chrono::milliseconds deadline{300'000};  // whole call, sleeps included
};

// The pause before retry number `retry` (1 for the first retry): uniform in
// [0, min(max_backoff, initial_backoff * 2^(retry-1))] ("full jitter").
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, std::mt19937_64& rng);

class Retrier {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Retrier(const RetryPolicy& policy);

  // True when another attempt may start: always for the first call; for
  // later ones, after sleeping the backoff (at least `min_delay`, e.g. a
  // server's Retry-After), if attempts remain and the deadline leaves time.
  bool NextAttempt();

  // Asks the next NextAttempt() to wait at least this long.
  void SetMinimumDelay(std::chrono::milliseconds delay) { min_delay_ = delay; }

  int attempts() const { return attempts_; }
  std::chrono::milliseconds Elapsed() const;
  // Time left before the deadline (zero when passed).
  std::chrono::milliseconds Remaining() const;

 private:
  RetryPolicy policy_;
  Clock::time_point start_;
  int attempts_ = 0;
  std::chrono::milliseconds min_delay_{0};
  std::mt19937_64 rng_;
};

}  // namespace freshet
