#include "common/bit_packing.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace freshet {
namespace {

// Loads up to 8 bytes at p as a little-endian integer; `available` bytes
// may be read.
inline uint64_t LoadLittleEndian(const char* p, size_t available) {
  uint64_t v = 0;
  if (available >= 8) {
    std::memcpy(&v, p, 8);
    return v;
  }
  for (size_t i = 0; i < available; ++i) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return v;
}

template <typename T>
void Pack(const T* values, size_t n, uint32_t width, std::string* out) {
  if (width == 0 || n == 0) return;
  const size_t start = out->size();
  out->resize(start + PackedBytes(n, width), '\0');
  unsigned char* dst = reinterpret_cast<unsigned char*>(out->data() + start);
  uint64_t bit = 0;
  for (size_t i = 0; i < n; ++i, bit += width) {
    const uint64_t v = static_cast<uint64_t>(values[i]);
    // Scatter the value's bits over the bytes it touches.
    uint64_t byte = bit / 8;
    uint32_t shift = static_cast<uint32_t>(bit % 8);
    uint32_t written = 0;
    while (written < width) {
      dst[byte] |= static_cast<unsigned char>((v >> written) << shift);
      written += 8 - shift;
      shift = 0;
      ++byte;
    }
  }
}

// Unpack128Bits32 at a width known at compile time: one unaligned 8-byte
// load per value while the load stays inside the run's 16 * W bytes.
template <uint32_t W>
void Unpack128(const char* packed, uint32_t* out) {
  constexpr size_t kBytes = 16 * W;
  constexpr uint64_t kMask = (uint64_t{1} << W) - 1;
  // Value i loads bytes [i * W / 8, i * W / 8 + 8).
  constexpr size_t kWide = kBytes < 8 ? 0 : std::min<size_t>(128, (kBytes - 8) * 8 / W + 1);
  for (size_t i = 0; i < kWide; ++i) {
    uint64_t word;
    std::memcpy(&word, packed + i * W / 8, 8);
    out[i] = static_cast<uint32_t>((word >> (i * W % 8)) & kMask);
  }
  for (size_t i = kWide; i < 128; ++i) {
    const size_t byte = i * W / 8;
    out[i] = static_cast<uint32_t>((LoadLittleEndian(packed + byte, kBytes - byte) >> (i * W % 8)) &
                                   kMask);
  }
}

template <uint32_t... W>
constexpr auto MakeUnpack128Table(std::integer_sequence<uint32_t, W...>) {
  return std::array<void (*)(const char*, uint32_t*), sizeof...(W)>{&Unpack128<W + 1>...};
}

constexpr auto kUnpack128 = MakeUnpack128Table(std::make_integer_sequence<uint32_t, 32>());

}  // namespace

void Unpack128Bits32(const char* packed, uint32_t width, uint32_t* out) {
  if (width == 0) {
    std::memset(out, 0, 128 * sizeof(uint32_t));
    return;
  }
  kUnpack128[width - 1](packed, out);
}

void PackBits(const uint64_t* values, size_t n, uint32_t width, std::string* out) {
  Pack(values, n, width, out);
}

void PackBits32(const uint32_t* values, size_t n, uint32_t width, std::string* out) {
  Pack(values, n, width, out);
}

void UnpackBits32(const char* packed, size_t n, uint32_t width, uint32_t* out) {
  if (width == 0) {
    std::memset(out, 0, n * sizeof(uint32_t));
    return;
  }
  const size_t bytes = PackedBytes(n, width);
  const uint64_t mask = (uint64_t{1} << width) - 1;
  uint64_t bit = 0;
  for (size_t i = 0; i < n; ++i, bit += width) {
    const size_t byte = static_cast<size_t>(bit / 8);
    // width <= 32 and shift < 8: one 8-byte load holds the whole value.
    const uint64_t word = LoadLittleEndian(packed + byte, bytes - byte);
    out[i] = static_cast<uint32_t>((word >> (bit % 8)) & mask);
  }
}

uint64_t PackedValue(const char* packed, size_t i, uint32_t width) {
  if (width == 0) return 0;
  const uint64_t bit = static_cast<uint64_t>(i) * width;
  const size_t byte = static_cast<size_t>(bit / 8);
  const uint32_t shift = static_cast<uint32_t>(bit % 8);
  const size_t available = PackedBytes(i + 1, width) - byte;
  uint64_t v = LoadLittleEndian(packed + byte, available < 8 ? available : 8) >> shift;
  // A value of up to 64 bits at a shift of up to 7 spans up to 9 bytes.
  if (width + shift > 64) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(packed[byte + 8])) << (64 - shift);
  }
  return width == 64 ? v : v & ((uint64_t{1} << width) - 1);
}

}  // namespace freshet
