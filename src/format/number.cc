#include "format/number.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace freshet {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// True iff `t` is exactly one number of the JSON grammar.
bool IsJsonNumber(std::string_view t) {
  size_t i = 0;
  const size_t n = t.size();
  auto digits = [&]() {
    size_t start = i;
    while (i < n && IsDigit(t[i])) ++i;
    return i > start;
  };
  if (i < n && t[i] == '-') ++i;
  if (i < n && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < n && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

}  // namespace

std::optional<double> ParseNumber(std::string_view text) {
  if (!IsJsonNumber(text)) return std::nullopt;
  // The grammar leaves strtod nothing locale-dependent but the decimal
  // point, and freshet runs in the "C" locale. Unlike std::from_chars,
  // strtod rounds a value below the smallest double to 0.
  const std::string copy(text);
  const double d = std::strtod(copy.c_str(), nullptr);
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<double> NumberOf(const Value& v) {
  switch (v.type) {
    case ValueType::kInt64:
      return static_cast<double>(v.i);
    case ValueType::kDouble:
      if (!std::isfinite(v.d)) return std::nullopt;
      return v.d;
    case ValueType::kString:
      return ParseNumber(v.s);
    case ValueType::kNull:
    case ValueType::kBool:
    case ValueType::kStringList:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace freshet
