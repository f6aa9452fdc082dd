// Checksums and content-derived names (XXH3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace freshet {

uint64_t Hash64(std::string_view data);
// 32 lowercase hex digits of XXH3-128: used for content-derived object names.
std::string ContentHash(std::string_view data);
std::string Hex64(uint64_t v);

}  // namespace freshet
