// Fixed-width bit packing of unsigned integers: the on-disk layout of the
// format-3 index structures (frozen). Value i of a packed run of width w
// occupies bits [i*w, (i+1)*w) of a little-endian bit stream (bit 0 is the
// lowest bit of the first byte); a run takes PackedBytes(n, w) bytes, its
// last byte padded with zero bits. Width 0 packs n zeros into no bytes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

// PackedValue, inlined for the random access of a reader: one 8-byte load
// when `readable` (the bytes that may be read from `packed`, the run and
// whatever follows it) allows it. REQUIRES: as PackedValue, and readable >=
// PackedBytes(i + 1, width).
inline uint64_t PackedValueWithin(const char* packed, size_t readable, size_t i, uint32_t width) {
  const uint64_t bit = static_cast<uint64_t>(i) * width;
  const size_t byte = static_cast<size_t>(bit / 8);
  if (std::endian::native == std::endian::little && width <= 56 && readable - byte >= 8) {
    uint64_t word;
    std::memcpy(&word, packed + byte, 8);
    return (word >> (bit % 8)) & ((uint64_t{1} << width) - 1);
  }
  return PackedValue(packed, i, width);
}

}  // namespace freshet
