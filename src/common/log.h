// Structured logs: one line per event on stderr, as text
//   2026-05-04T10:05:01.123Z INFO batch_committed version=7 watermark=...
// or as JSON Lines ({"ts":..., "level":..., "event":..., "version":7, ...}).
// Values are never secrets: callers pass redacted URLs. Thread-safe.
#pragma once

#include <fmt/format.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace freshet {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

void SetLogFormat(LogFormat format);
void SetLogLevel(LogLevel level);

// A field's value is rendered with fmt; strings are quoted as needed.
struct LogField {
  std::string key;
  std::string value;
  bool quote;
  template <typename T>
  LogField(std::string_view k, const T& v) : key(k), value(fmt::format("{}", v)), quote(false) {}
  LogField(std::string_view k, std::string_view v) : key(k), value(v), quote(true) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v), quote(true) {}
  LogField(std::string_view k, const char* v) : key(k), value(v), quote(true) {}
};

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

// A status line for people watching a terminal ("build-full: reading 45% ..."):
// when stderr is a terminal, `line` is shown as its last line, rewritten in
// place and kept below the log lines written meanwhile; otherwise (a file, a
// pipe, a log collector) nothing is written. ClearStatus removes it.
void ShowStatus(std::string_view line);
void ClearStatus();

}  // namespace freshet
