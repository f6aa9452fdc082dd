#include "common/progress.h"

#include <fmt/format.h>

#include <cmath>

#include "common/log.h"

namespace freshet {
namespace {

// 1234 -> "1.2 k" + unit, 2100000 -> "2.1 M" + unit, 900 -> "900 " + unit.
std::string Count(double n, std::string_view unit, bool glued) {
  const char* sep = glued ? "" : " ";
  if (n >= 1e9) return fmt::format("{:.1f} G{}{}", n / 1e9, sep, unit);
  if (n >= 1e6) return fmt::format("{:.1f} M{}{}", n / 1e6, sep, unit);
  if (n >= 1e3) return fmt::format("{:.1f} k{}{}", n / 1e3, sep, unit);
  return fmt::format("{:.0f} {}", n, unit);
}

std::string Seconds(double s) {
  if (s >= 3600)
    return fmt::format("{}h{:02}m", static_cast<int>(s / 3600), static_cast<int>(s / 60) % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  return fmt::format("{:.1f} s", s);
}

constexpr auto kShowEvery = std::chrono::milliseconds(250);

}  // namespace

std::string FormatProgress(std::string_view task, std::string_view verb, uint64_t done_bytes,
                           uint64_t total_bytes, uint64_t items, std::string_view items_unit,
                           double elapsed_seconds) {
  std::string out =
      fmt::format("{}: {} {}", task, verb, Count(static_cast<double>(done_bytes), "B", true));
  if (total_bytes > 0) {
    out += fmt::format(" of {} ({:.0f}%)", Count(static_cast<double>(total_bytes), "B", true),
                       100.0 * static_cast<double>(done_bytes) / static_cast<double>(total_bytes));
  }
  if (items > 0) {
    out += ", " + Count(static_cast<double>(items), items_unit, false);
    if (elapsed_seconds > 0) {
      out += ", " + Count(static_cast<double>(items) / elapsed_seconds, items_unit, false) + "/s";
    }
  }
  out += fmt::format(", {} elapsed", Seconds(elapsed_seconds));
  if (total_bytes > 0 && done_bytes > 0 && done_bytes < total_bytes) {
    const double left = elapsed_seconds * static_cast<double>(total_bytes - done_bytes) /
                        static_cast<double>(done_bytes);
    out += fmt::format(", {} left", Seconds(left));
  }
  return out;
}

Progress::Progress(std::string task, std::string verb, uint64_t total_bytes, std::string items_unit,
                   std::chrono::seconds log_every)
    : task_(std::move(task)),
      verb_(std::move(verb)),
      items_unit_(std::move(items_unit)),
      total_bytes_(total_bytes),
      log_every_(log_every) {}

Progress::~Progress() { ClearStatus(); }

void Progress::Add(uint64_t bytes, uint64_t items) {
  bytes_ += bytes;
  items_ += items;
  // The report times are read under the lock only: Report decides.
  Report(SteadyClock::now());
}

void Progress::Report(SteadyClock::time_point now) {
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another worker is reporting
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const uint64_t bytes = bytes_.load(), items = items_.load();
  if (now - shown_ >= kShowEvery) {
    shown_ = now;
    ShowStatus(FormatProgress(task_, verb_, bytes, total_bytes_, items, items_unit_, elapsed));
  }
  if (now - logged_ >= log_every_) {
    logged_ = now;
    const double rate = elapsed > 0 ? static_cast<double>(items) / elapsed : 0;
    const double left =
        total_bytes_ > 0 && bytes > 0 && bytes < total_bytes_
            ? elapsed * static_cast<double>(total_bytes_ - bytes) / static_cast<double>(bytes)
            : 0;
    Log(LogLevel::kInfo, "progress",
        {{"task", task_},
         {"step", verb_},
         {"bytes", bytes},
         {"total_bytes", total_bytes_},
         {items_unit_, items},
         {"per_second", std::llround(rate)},
         {"elapsed_s", std::round(elapsed * 10) / 10},
         {"left_s", std::round(left * 10) / 10}});
  }
}

}  // namespace freshet
