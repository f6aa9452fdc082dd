#include "common/hash.h"

#include <fmt/format.h>
#include <xxhash.h>

namespace freshet {

uint64_t Hash64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

std::string ContentHash(std::string_view data) {
  XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

std::string Hex64(uint64_t v) { return fmt::format("{:016x}", v); }

}  // namespace freshet
