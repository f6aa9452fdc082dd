// Fixed-width bit packing of unsigned integers: the on-disk layout of the
// format-3 index structures (frozen). Value i of a packed run of width w
// occupies bits [i*w, (i+1)*w) of a little-endian bit stream (bit 0 is the
// lowest bit of the first byte); a run takes PackedBytes(n, w) bytes, its
// last byte padded with zero bits. Width 0 packs n zeros into no bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace freshet {

// The fewest bits that hold `max_value` (0 for 0).
inline uint32_t BitWidth(uint64_t max_value) {
  return max_value == 0 ? 0 : 64 - static_cast<uint32_t>(__builtin_clzll(max_value));
}

inline size_t PackedBytes(size_t n, uint32_t width) {
  return static_cast<size_t>((static_cast<uint64_t>(n) * width + 7) / 8);
}

// Appends values[0, n) packed at `width` bits each to `out`.
// REQUIRES: width <= 64; every value < 2^width.
void PackBits(const uint64_t* values, size_t n, uint32_t width, std::string* out);
void PackBits32(const uint32_t* values, size_t n, uint32_t width, std::string* out);

// Decodes n values of `width` bits from `packed` into out[0, n).
// REQUIRES: width <= 32; `packed` holds at least PackedBytes(n, width) bytes.
void UnpackBits32(const char* packed, size_t n, uint32_t width, uint32_t* out);

// UnpackBits32 of exactly 128 values (a postings block), with a loop
// specialised for each width: the same result, faster.
// REQUIRES: width <= 32; `packed` holds at least PackedBytes(128, width)
// (16 * width) bytes.
void Unpack128Bits32(const char* packed, uint32_t width, uint32_t* out);

// Value i of a run of `width` bits starting at `packed`, without decoding
// the others. REQUIRES: width <= 64; the run holds more than i values and
// `packed` at least PackedBytes(i + 1, width) bytes.
uint64_t PackedValue(const char* packed, size_t i, uint32_t width);

}  // namespace freshet
