#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "common/json.h"

namespace freshet {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mu;
std::string g_status;  // the status line shown, under g_mu; empty: none
const bool g_terminal = ::isatty(STDERR_FILENO) == 1;

// "\r" + erase the line: where a status line was, under g_mu.
constexpr std::string_view kEraseLine = "\r\033[K";

std::string_view LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

std::string Now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm;
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

}  // namespace

void SetLogFormat(LogFormat format) { g_format = format; }
void SetLogLevel(LogLevel level) { g_level = level; }

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (level < g_level.load()) return;
  std::string line;
  if (g_format.load() == LogFormat::kJson) {
    JsonWriter w;
    w.BeginObject().Field("ts", Now()).Field("level", LevelName(level)).Field("event", event);
    for (const LogField& f : fields) {
      bool numeric = !f.quote && !f.value.empty() &&
                     f.value.find_first_not_of("-0123456789.e") == std::string::npos;
      w.Key(f.key);
      if (numeric || f.value == "true" || f.value == "false") {
        w.Raw(f.value);
      } else {
        w.String(f.value);
      }
    }
    line = w.EndObject().Take() + "\n";
  } else {
    line = fmt::format("{} {} {}", Now(), LevelName(level), event);
    for (const LogField& f : fields) {
      bool needs_quotes = f.value.empty() || f.value.find_first_of(" \"=") != std::string::npos;
      line += fmt::format(" {}={}", f.key, needs_quotes ? JsonQuote(f.value) : f.value);
    }
    line += '\n';
  }
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_status.empty()) line = std::string(kEraseLine) + line + g_status;
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void ShowStatus(std::string_view line) {
  if (!g_terminal) return;
  std::lock_guard<std::mutex> lock(g_mu);
  g_status = line;
  const std::string out = std::string(kEraseLine) + g_status;
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

void ClearStatus() {
  if (!g_terminal) return;
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_status.empty()) return;
  g_status.clear();
  std::fwrite(kEraseLine.data(), 1, kEraseLine.size(), stderr);
  std::fflush(stderr);
}

}  // namespace freshet
