// PhaseTimer: the wall time of a batch's phases, one lap each.
#pragma once

#include <chrono>
#include <cstdint>

namespace freshet {

class PhaseTimer {
 public:
  PhaseTimer() : start_(std::chrono::steady_clock::now()) {}
  // Microseconds since construction or the previous lap.
  int64_t Lap() {
    auto now = std::chrono::steady_clock::now();
    int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(now - start_).count();
    start_ = now;
    return us;
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace freshet
