// Progress of a long task (a base build reading its snapshot, writing its
// segments), for people and for logs: a status line on a terminal, rewritten
// at most a few times a second, and a `progress` log event every
// `log_every`, each with the work done, the rate, the time elapsed and the
// estimated time left.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace freshet {

// One progress report as text: "build-full: read 480 MB of 1.1 GB (44%),
// 2.1 M records, 210 k records/s, 2.3 s elapsed, 2.9 s left". `total` 0:
// unknown (no share, no estimate); `items` 0: not counted.
std::string FormatProgress(std::string_view task, std::string_view verb, uint64_t done_bytes,
                           uint64_t total_bytes, uint64_t items, std::string_view items_unit,
                           double elapsed_seconds);

// Thread-safe: workers call Add as they go.
class Progress {
 public:
  // `task`: "build-full"; `verb`: what the work is ("read", "wrote");
  // `total_bytes`: the whole work, 0 if unknown.
  Progress(std::string task, std::string verb, uint64_t total_bytes, std::string items_unit,
           std::chrono::seconds log_every = std::chrono::seconds(10));
  ~Progress();  // clears the status line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(uint64_t bytes, uint64_t items);
  uint64_t bytes() const { return bytes_.load(); }
  uint64_t items() const { return items_.load(); }

 private:
  using SteadyClock = std::chrono::steady_clock;
  void Report(SteadyClock::time_point now);

  const std::string task_, verb_, items_unit_;
  const uint64_t total_bytes_;
  const std::chrono::seconds log_every_;
  const SteadyClock::time_point start_ = SteadyClock::now();
  std::atomic<uint64_t> bytes_{0}, items_{0};
  std::mutex mu_;  // guards the report times
  SteadyClock::time_point shown_ = start_, logged_ = start_;
};

}  // namespace freshet
