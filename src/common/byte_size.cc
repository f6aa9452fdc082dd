#include "common/byte_size.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>

namespace freshet {

bool ParseByteSize(std::string_view text, uint64_t* out) {
  uint64_t mult = 1;
  for (auto [suffix, m] : {std::pair<std::string_view, uint64_t>{"KiB", 1ull << 10},
                           {"MiB", 1ull << 20},
                           {"GiB", 1ull << 30},
                           {"TiB", 1ull << 40},
                           {"KB", 1ull << 10},
                           {"MB", 1ull << 20},
                           {"GB", 1ull << 30},
                           {"TB", 1ull << 40}}) {
    if (text.ends_with(suffix)) {
      text.remove_suffix(suffix.size());
      mult = m;
      break;
    }
  }
  uint64_t n = 0;
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n > UINT64_MAX / mult) return false;
  *out = n * mult;
  return true;
}

std::string FormatByteSize(uint64_t bytes) {
  static constexpr std::string_view kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, kUnits[unit]);
}

}  // namespace freshet
