#include "common/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace freshet {
namespace {

TEST(HugePagesTest, RangesWithoutAWholeHugePageAreLeftAlone) {
  AdviseHugePages(nullptr, 0);
  AdviseHugePages(nullptr, size_t{8} << 20);
  std::vector<char> small(4096, 'x');
  AdviseHugePages(small.data(), small.size());
  AdviseHugePages(small.data() + 1, 0);
  EXPECT_EQ(small[0], 'x');
  EXPECT_EQ(small[4095], 'x');
}

TEST(HugePagesTest, AdvisedMemoryKeepsItsValuesAndTakesNewOnes) {
  // Unaligned and larger than several huge pages: the advice covers the
  // whole pages inside; values written before and after it stay as written.
  const size_t n = (size_t{9} << 20) / sizeof(uint64_t) + 3;
  std::vector<uint64_t> values;
  values.reserve(n);
  values.push_back(7);
  AdviseHugePages(values.data(), n * sizeof(uint64_t));
  for (size_t i = 1; i < n; ++i) values.push_back(i * 3);
  EXPECT_EQ(values[0], 7u);
  for (size_t i = 1; i < n; i += 4099) ASSERT_EQ(values[i], i * 3) << i;
  EXPECT_EQ(values[n - 1], (n - 1) * 3);
}

}  // namespace
}  // namespace freshet
