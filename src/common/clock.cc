#include "common/clock.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <thread>

namespace freshet {
namespace {

TimeMicros WallNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sleeps in short slices so that an interrupt is seen within 50 ms.
void SleepWallUntil(TimeMicros wall_deadline, const std::atomic<bool>& interrupted) {
  constexpr TimeMicros kSlice = 50'000;
  while (!interrupted.load()) {
    TimeMicros left = wall_deadline - WallNow();
    if (left <= 0) return;
    std::this_thread::sleep_for(std::chrono::microseconds(std::min(left, kSlice)));
  }
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

TimeMicros SystemClock::Now() { return WallNow(); }

void SystemClock::SleepUntil(TimeMicros deadline, const std::atomic<bool>& interrupted) {
  SleepWallUntil(deadline, interrupted);
}

void ManualClock::SleepUntil(TimeMicros deadline, const std::atomic<bool>& interrupted) {
  if (interrupted.load()) return;
  TimeMicros cur = now_.load();
  while (cur < deadline && !now_.compare_exchange_weak(cur, deadline)) {
  }
}

ScaledClock::ScaledClock(TimeMicros start, double speed)
    : start_(start), wall_start_(WallNow()), speed_(speed) {}

TimeMicros ScaledClock::Now() {
  return start_ + static_cast<TimeMicros>(static_cast<double>(WallNow() - wall_start_) * speed_);
}

void ScaledClock::SleepUntil(TimeMicros deadline, const std::atomic<bool>& interrupted) {
  TimeMicros left = deadline - Now();
  if (left <= 0) return;
  SleepWallUntil(WallNow() + static_cast<TimeMicros>(static_cast<double>(left) / speed_),
                 interrupted);
}

Result<std::unique_ptr<Clock>> Clock::FromSpec(std::string_view spec) {
  if (spec == "system") return std::unique_ptr<Clock>(new SystemClock());
  if (spec.starts_with("fixed:")) {
    ASSIGN_OR_RETURN(TimeMicros t, ParseTimestamp(spec.substr(6)));
    return std::unique_ptr<Clock>(new ManualClock(t));
  }
  if (spec.starts_with("sim:")) {
    std::string_view rest = spec.substr(4);
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format("clock '{}': expected sim:START:SPEED", spec));
    }
    ASSIGN_OR_RETURN(TimeMicros t, ParseTimestamp(rest.substr(0, colon)));
    std::string speed_text(rest.substr(colon + 1));
    char* end = nullptr;
    double speed = std::strtod(speed_text.c_str(), &end);
    if (end == speed_text.c_str() || *end != '\0' || !(speed > 0)) {
      return Status::InvalidArgument(
          fmt::format("clock '{}': speed '{}' is not a positive number", spec, speed_text));
    }
    return std::unique_ptr<Clock>(new ScaledClock(t, speed));
  }
  return Status::InvalidArgument(
      fmt::format("clock '{}': expected system, fixed:TIME or sim:TIME:SPEED", spec));
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

Result<TimeMicros> ParseTimestamp(std::string_view s) {
  auto bad = [&]() {
    return Status::InvalidArgument(
        fmt::format("timestamp '{}': expected RFC 3339 like 2026-05-04T10:05:00Z", s));
  };
  int64_t y, mo, d, h = 0, mi = 0, se = 0;
  if (!ParseDigits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !ParseDigits(s, 5, 2, &mo) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, &d)) {
    return bad();
  }
  size_t pos = 10;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    if (!ParseDigits(s, pos + 1, 2, &h) || s.size() < pos + 6 || s[pos + 3] != ':' ||
        !ParseDigits(s, pos + 4, 2, &mi)) {
      return bad();
    }
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!ParseDigits(s, pos + 1, 2, &se)) return bad();
      pos += 3;
    }
  }
  int64_t frac_micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  int64_t offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int64_t oh, om;
      if (!ParseDigits(s, pos + 1, 2, &oh) || s.size() < pos + 6 || s[pos + 3] != ':' ||
          !ParseDigits(s, pos + 4, 2, &om)) {
        return bad();
      }
      offset_minutes = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
      pos += 6;
    }
  }
  if (pos != s.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
    return bad();
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_minutes * 60;
  return secs * kMicrosPerSecond + frac_micros;
}

std::string FormatTimestamp(TimeMicros t) {
  int64_t secs = t >= 0 ? t / kMicrosPerSecond : -((-t + kMicrosPerSecond - 1) / kMicrosPerSecond);
  int64_t micros = t - secs * kMicrosPerSecond;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (micros == 0) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, rem / 3600, (rem / 60) % 60,
                       rem % 60);
  }
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", y, m, d, rem / 3600,
                     (rem / 60) % 60, rem % 60, micros);
}

Result<TimeMicros> ParseDuration(std::string_view text) {
  auto bad = [&]() {
    return Status::InvalidArgument(
        fmt::format("duration '{}': expected a number with a unit (ms, s, m, h, d)", text));
  };
  if (text.empty()) return bad();
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0) return bad();
  std::string number(text.substr(0, i));
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (*end != '\0' || value < 0) return bad();
  std::string_view unit = text.substr(i);
  double scale;
  if (unit.empty() || unit == "s") {
    scale = kMicrosPerSecond;
  } else if (unit == "ms") {
    scale = 1000;
  } else if (unit == "m" || unit == "min") {
    scale = kMicrosPerMinute;
  } else if (unit == "h") {
    scale = kMicrosPerHour;
  } else if (unit == "d") {
    scale = 24.0 * kMicrosPerHour;
  } else {
    return bad();
  }
  double micros = value * scale;
  if (micros > 9.0e18) return bad();
  return static_cast<TimeMicros>(std::llround(micros));
}

std::string FormatDuration(TimeMicros d) {
  if (d % kMicrosPerHour == 0 && d != 0) return fmt::format("{}h", d / kMicrosPerHour);
  if (d % kMicrosPerMinute == 0 && d != 0) return fmt::format("{}m", d / kMicrosPerMinute);
  if (d % kMicrosPerSecond == 0) return fmt::format("{}s", d / kMicrosPerSecond);
  return fmt::format("{}ms", d / 1000);
}

}  // namespace freshet
