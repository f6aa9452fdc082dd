#include "common/bit_packing.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace freshet {
namespace {

TEST(BitPackingTest, WidthIsTheFewestBitsHoldingTheValue) {
  EXPECT_EQ(BitWidth(0), 0u);
  EXPECT_EQ(BitWidth(1), 1u);
  EXPECT_EQ(BitWidth(255), 8u);
  EXPECT_EQ(BitWidth(256), 9u);
  EXPECT_EQ(BitWidth(UINT64_MAX), 64u);
}

TEST(BitPackingTest, LayoutIsLeastSignificantBitFirst) {
  // 3-bit values 5, 3, 7: bits 101 110 111 -> 0b11'011'101 then 0b1.
  const uint32_t values[] = {5, 3, 7};
  std::string out;
  PackBits32(values, 3, 3, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(out[0]), 0b11011101);
  EXPECT_EQ(static_cast<unsigned char>(out[1]), 0b1);
}

TEST(BitPackingTest, EveryWidthRoundTripsThroughBulkAndRandomAccess) {
  std::mt19937_64 rng(7);
  for (uint32_t width = 0; width <= 64; ++width) {
    const size_t n = 131;  // not a multiple of 8 or 128
    std::vector<uint64_t> values(n);
    for (auto& v : values) v = width == 0 ? 0 : rng() >> (64 - width);
    std::string packed = "x";  // appends after what is there
    PackBits(values.data(), n, width, &packed);
    ASSERT_EQ(packed.size(), 1 + PackedBytes(n, width)) << width;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(PackedValue(packed.data() + 1, i, width), values[i]) << width << " " << i;
      // Whether the bytes after the run may be read or not (the last values).
      ASSERT_EQ(PackedValueWithin(packed.data() + 1, packed.size() - 1, i, width), values[i])
          << width << " " << i;
    }
    if (width > 32) continue;
    std::vector<uint32_t> out(n, 99);
    UnpackBits32(packed.data() + 1, n, width, out.data());
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], values[i]) << width << " " << i;
  }
}

TEST(BitPackingTest, ZeroWidthTakesNoBytes) {
  const uint32_t zeros[4] = {};
  std::string out;
  PackBits32(zeros, 4, 0, &out);
  EXPECT_TRUE(out.empty());
}

TEST(BitPackingTest, Unpack128MatchesTheBulkDecoderAtEveryWidth) {
  std::mt19937 rng(128);
  for (uint32_t width = 0; width <= 32; ++width) {
    SCOPED_TRACE(width);
    std::vector<uint32_t> values(128);
    for (auto& v : values) v = width == 0 ? 0 : static_cast<uint32_t>(rng()) >> (32 - width);
    values[127] = width == 0 ? 0 : static_cast<uint32_t>((uint64_t{1} << width) - 1);
    std::string packed;
    PackBits32(values.data(), values.size(), width, &packed);
    ASSERT_EQ(packed.size(), 16u * width);
    // Exactly the run's bytes on the heap, so that a read past them is an
    // ASan error.
    std::vector<char> exact(packed.begin(), packed.end());
    std::vector<uint32_t> fast(128, 7), bulk(128, 7);
    Unpack128Bits32(exact.data(), width, fast.data());
    UnpackBits32(exact.data(), 128, width, bulk.data());
    EXPECT_EQ(fast, values);
    EXPECT_EQ(bulk, values);
  }
}

}  // namespace
}  // namespace freshet
