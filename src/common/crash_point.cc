#include "common/crash_point.h"

#ifdef FRESHET_TEST_SEAMS

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/log.h"

namespace freshet {
namespace {

// Splits "name:N" into name and N (default `fallback`).
std::string_view SplitSpec(std::string_view spec, double* number, double fallback) {
  *number = fallback;
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return spec;
  *number = std::strtod(std::string(spec.substr(colon + 1)).c_str(), nullptr);
  return spec.substr(0, colon);
}

}  // namespace

void CrashPoint(std::string_view name) {
  static const char* crash = std::getenv("FRESHET_TEST_CRASH_POINT");
  static const char* pause = std::getenv("FRESHET_TEST_PAUSE_POINT");
  if (crash != nullptr) {
    static std::atomic<long> hits{0};
    double nth;
    if (SplitSpec(crash, &nth, 1) == name && ++hits >= static_cast<long>(nth)) {
      ::kill(::getpid(), SIGKILL);
    }
  }
  if (pause != nullptr) {
    double seconds;
    if (SplitSpec(pause, &seconds, 1) == name) {
      // Announced, so that a test can act while the process is paused here.
      Log(LogLevel::kInfo, "test_pause", {{"point", name}, {"seconds", seconds}});
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    }
  }
}

bool SafeguardDisabled(std::string_view name) {
  static const char* disabled = std::getenv("FRESHET_TEST_DISABLE_SAFEGUARD");
  if (disabled == nullptr) return false;
  std::string_view list(disabled);
  bool found = false;
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (list.substr(0, comma) == name) found = true;
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  if (found) {
    static std::mutex mu;
    static std::set<std::string, std::less<>> logged;
    std::lock_guard<std::mutex> lock(mu);
    if (logged.insert(std::string(name)).second) {
      Log(LogLevel::kWarn, "safeguard_disabled", {{"safeguard", name}});
    }
  }
  return found;
}

}  // namespace freshet

#else  // The build users run: no seam, not even the names of the variables.

namespace freshet {

void CrashPoint(std::string_view) {}

bool SafeguardDisabled(std::string_view) { return false; }

}  // namespace freshet

#endif  // FRESHET_TEST_SEAMS
