#include "common/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace freshet {

void CrashPoint(std::string_view name) {
  static const char* spec = std::getenv("FRESHET_TEST_CRASH_POINT");
  if (spec == nullptr) return;
  static std::atomic<long> hits{0};
  std::string_view s(spec);
  long nth = 1;
  if (size_t colon = s.find(':'); colon != std::string_view::npos) {
    nth = std::strtol(std::string(s.substr(colon + 1)).c_str(), nullptr, 10);
    s = s.substr(0, colon);
  }
  if (s != name) return;
  if (++hits >= nth) ::kill(::getpid(), SIGKILL);
}

}  // namespace freshet
