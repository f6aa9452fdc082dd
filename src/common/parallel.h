// ParallelFor: runs fn(i) for i in [0, n) on up to `threads` threads (the
// caller's thread included) and waits for all. fn must be thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace freshet {

inline int DefaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

template <typename Fn>
void ParallelFor(size_t n, int threads, Fn&& fn) {
  if (threads <= 0) threads = DefaultThreads();
  size_t workers = std::min<size_t>(static_cast<size_t>(threads), n);
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&]() {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < workers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

// ParallelFor for many small items (look-ups, not files): fn(i) for i in
// [0, n), the threads claiming `chunk` consecutive items at a time rather
// than one, so that claiming costs nothing beside the work.
template <typename Fn>
void ParallelForChunked(size_t n, size_t chunk, int threads, Fn&& fn) {
  ParallelFor((n + chunk - 1) / chunk, threads, [&](size_t c) {
    for (size_t i = c * chunk; i < std::min(n, (c + 1) * chunk); ++i) fn(i);
  });
}

}  // namespace freshet
