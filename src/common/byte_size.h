// Byte sizes as configs and URLs write them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace freshet {

// "123" (bytes), "64KiB", "16MiB", "1GiB", "2TiB"; KB, MB, GB and TB mean the
// same powers of two. False for anything else or a size beyond 2^64 - 1.
bool ParseByteSize(std::string_view text, uint64_t* out);

// "1.5 GiB", "640 KiB", "12 B": for messages and logs.
std::string FormatByteSize(uint64_t bytes);

}  // namespace freshet
