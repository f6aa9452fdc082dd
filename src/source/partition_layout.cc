#include "source/partition_layout.h"

#include <fmt/format.h>

namespace freshet {
namespace {

int Width(int part_index) { return part_index == 0 ? 4 : 2; }

}  // namespace

Result<PartitionLayout> PartitionLayout::Parse(std::string_view t) {
  PartitionLayout layout;
  layout.text_ = std::string(t);
  bool has_year = false;
  size_t pos = 0;
  while (pos < t.size()) {
    size_t open = t.find('{', pos);
    if (open == std::string_view::npos) {
      layout.tokens_.push_back({Part::kLiteral, std::string(t.substr(pos))});
      break;
    }
    if (open > pos)
      layout.tokens_.push_back({Part::kLiteral, std::string(t.substr(pos, open - pos))});
    size_t close = t.find('}', open);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format("layout '{}': unclosed '{{'", t));
    }
    std::string_view name = t.substr(open + 1, close - open - 1);
    Part part;
    if (name == "yyyy") {
      part = Part::kYear;
      has_year = true;
    } else if (name == "MM") {
      part = Part::kMonth;
    } else if (name == "dd") {
      part = Part::kDay;
    } else if (name == "HH") {
      part = Part::kHour;
    } else if (name == "mm") {
      part = Part::kMinute;
    } else {
      return Status::InvalidArgument(fmt::format(
          "layout '{}': unknown placeholder '{{{}}}' (known: {{yyyy}} {{MM}} {{dd}} {{HH}} {{mm}})",
          t, name));
    }
    layout.tokens_.push_back({part, ""});
    pos = close + 1;
  }
  if (!has_year) {
    return Status::InvalidArgument(fmt::format("layout '{}': needs a {{yyyy}} placeholder", t));
  }
  if (!t.empty() && (t.front() == '/' || t.back() == '/')) {
    return Status::InvalidArgument(fmt::format("layout '{}': must not start or end with '/'", t));
  }
  return layout;
}

std::string PartitionLayout::Format(TimeMicros start) const {
  int64_t secs = start / kMicrosPerSecond;
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  std::string out;
  for (const Token& tok : tokens_) {
    switch (tok.part) {
      case Part::kLiteral:
        out += tok.literal;
        break;
      case Part::kYear:
        out += fmt::format("{:04}", y);
        break;
      case Part::kMonth:
        out += fmt::format("{:02}", m);
        break;
      case Part::kDay:
        out += fmt::format("{:02}", d);
        break;
      case Part::kHour:
        out += fmt::format("{:02}", rem / 3600);
        break;
      case Part::kMinute:
        out += fmt::format("{:02}", (rem / 60) % 60);
        break;
    }
  }
  return out;
}

std::string PartitionLayout::HourPrefix(TimeMicros t) const {
  std::string full = Format(t - t % kMicrosPerHour);
  size_t len = 0;  // formatted length before the first minute placeholder
  bool has_minute = false;
  for (const Token& tok : tokens_) {
    if (tok.part == Part::kMinute) {
      has_minute = true;
      break;
    }
    len += tok.part == Part::kLiteral ? tok.literal.size() : (tok.part == Part::kYear ? 4 : 2);
  }
  if (!has_minute) return full + "/";
  size_t slash = full.substr(0, len).rfind('/');
  return slash == std::string::npos ? std::string() : full.substr(0, slash + 1);
}

Result<PartitionLayout::Parsed> PartitionLayout::ParseKey(std::string_view key) const {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(
        fmt::format("path '{}' does not match layout '{}': {}", key, text_, why));
  };
  int64_t values[5] = {0, 1, 1, 0, 0};  // y M d H m
  size_t pos = 0;
  for (const Token& tok : tokens_) {
    if (tok.part == Part::kLiteral) {
      if (key.substr(pos, tok.literal.size()) != tok.literal) {
        return bad(fmt::format("expected '{}' at offset {}", tok.literal, pos));
      }
      pos += tok.literal.size();
      continue;
    }
    int idx = static_cast<int>(tok.part) - 1;
    int width = Width(idx);
    if (pos + width > key.size()) return bad("truncated");
    int64_t v = 0;
    for (int i = 0; i < width; ++i) {
      char c = key[pos + i];
      if (c < '0' || c > '9') return bad(fmt::format("expected a digit at offset {}", pos + i));
      v = v * 10 + (c - '0');
    }
    values[idx] = v;
    pos += width;
  }
  if (values[1] < 1 || values[1] > 12 || values[2] < 1 || values[2] > 31 || values[3] > 23 ||
      values[4] > 59) {
    return bad("date or time out of range");
  }
  unsigned month = static_cast<unsigned>(values[1]);
  unsigned day = static_cast<unsigned>(values[2]);
  int64_t days = DaysFromCivil(values[0], month, day);
  // Reject dates like 02-31 that DaysFromCivil would silently normalize.
  int64_t cy;
  unsigned cm, cd;
  CivilFromDays(days, &cy, &cm, &cd);
  if (cy != values[0] || cm != month || cd != day) return bad("no such date");
  if (pos >= key.size() || key[pos] != '/') return bad("expected '/' after the partition folder");
  std::string_view file = key.substr(pos + 1);
  if (file.empty()) return bad("no file name after the partition folder");
  Parsed out;
  out.start = (days * 86400 + values[3] * 3600 + values[4] * 60) * kMicrosPerSecond;
  out.file = std::string(file);
  return out;
}

}  // namespace freshet
