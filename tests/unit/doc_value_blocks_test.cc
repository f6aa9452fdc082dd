#include "index/segment/doc_value_blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "index/segment/postings_iterator.h"

namespace freshet {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
constexpr uint64_t kNumericOffset = 100;
constexpr uint64_t kLengthsOffset = 1000;
constexpr size_t kFields = 4;

uint64_t Bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

// The sections of a segment and the reader over them (the bytes live as
// long as the fixture).
struct Opened {
  std::string numeric, lengths;
  DocValueBlocks values;
  Status status;
  Opened(const std::vector<NumericColumn>& n, const std::vector<FieldLengthColumn>& l,
         uint32_t num_docs)
      : numeric(EncodeNumericBlocks(n, num_docs)), lengths(EncodeLengthBlocks(l, num_docs)) {
    status = values.Open("v.seg", {numeric, kNumericOffset}, {lengths, kLengthsOffset}, num_docs,
                         kFields);
  }
};

// Runs of values of one kind each (small integers, decimals, NaN mixes,
// constants, huge or signed-zero values, all NaN), from a fixed seed.
std::vector<double> RandomValues(uint32_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> values;
  while (values.size() < n) {
    const uint64_t kind = rng() % 7;
    const double constant = static_cast<double>(rng() % 100) - 50;
    for (uint64_t run = 1 + rng() % 700; run > 0 && values.size() < n; --run) {
      const double small = static_cast<double>(rng() % 1000) - 300;
      switch (kind) {
        case 0:
          values.push_back(small);
          break;
        case 1:
          values.push_back(small * 0.37);
          break;
        case 2:
          values.push_back(rng() % 3 == 0 ? kNaN : small);
          break;
        case 3:
          values.push_back(constant);
          break;
        case 4:
          values.push_back(rng() % 2 ? 1e300 : (rng() % 2 ? -0.0 : 9007199254740993.0));
          break;
        case 5:
          values.push_back(kNaN);
          break;
        default:
          values.push_back(rng() % 2 ? constant : kNaN);
          break;
      }
    }
  }
  return values;
}

TEST(DocValueBlocksTest, RoundTripsNumericColumnsAtBlockBoundarySizes) {
  for (uint32_t n : {0u, 1u, 127u, 128u, 129u, 511u, 512u, 513u, 1000u, 5000u}) {
    SCOPED_TRACE(n);
    const std::vector<double> a = RandomValues(n, 1), b = RandomValues(n, 2);
    Opened o({{0, a}, {3, b}}, {}, n);
    ASSERT_TRUE(o.status.ok()) << o.status.message();
    EXPECT_TRUE(o.values.HasNumeric(0));
    EXPECT_FALSE(o.values.HasNumeric(1));
    for (uint32_t d = 0; d < n; ++d) {
      if (std::isnan(a[d])) {
        EXPECT_TRUE(std::isnan(o.values.Numeric(0, d))) << d;
      } else {
        EXPECT_EQ(Bits(o.values.Numeric(0, d)), Bits(a[d])) << d << " " << a[d];
      }
      if (!std::isnan(b[d])) {
        EXPECT_EQ(Bits(o.values.Numeric(3, d)), Bits(b[d])) << d;
      }
      EXPECT_TRUE(std::isnan(o.values.Numeric(1, d)));
    }
  }
}

TEST(DocValueBlocksTest, KeepsEdgeValuesExactly) {
  const std::vector<double> edge = {0.37,
                                    -0.0,
                                    0.0,
                                    1e300,
                                    -1e300,
                                    9007199254740993.0,  // 2^53 + 1, rounded to 2^53
                                    9007199254740991.0,
                                    4611686018427387904.0,  // 2^62: too large to pack
                                    -4611686018427387903.0,
                                    kInf,
                                    -kInf,
                                    std::numeric_limits<double>::denorm_min()};
  for (double v : edge) {
    SCOPED_TRACE(v);
    // Alone (a constant block), with an integer, and with a missing value.
    for (const std::vector<double>& column : std::vector<std::vector<double>>{
             {v, v, v}, {v, 1, v}, {kNaN, v, 3}, {-4611686018427387903.0, v, kNaN}}) {
      Opened o({{2, column}}, {}, 3);
      ASSERT_TRUE(o.status.ok());
      for (uint32_t d = 0; d < 3; ++d) {
        if (std::isnan(column[d])) {
          EXPECT_TRUE(std::isnan(o.values.Numeric(2, d)));
        } else {
          EXPECT_EQ(Bits(o.values.Numeric(2, d)), Bits(column[d])) << d;
        }
      }
    }
  }
}

TEST(DocValueBlocksTest, IntegerAndConstantBlocksAreSmallerThanRawDoubles) {
  const uint32_t n = 4096;
  std::vector<double> integers(n), constant(n, 0.37), decimals(n), missing(n, kNaN);
  for (uint32_t d = 0; d < n; ++d) {
    integers[d] = 1000 + d % 200;  // 8 bits each
    decimals[d] = d * 0.37;
  }
  const size_t header = 8 + 20;
  const size_t tables = (n / 512) * 26;
  EXPECT_EQ(EncodeNumericBlocks({{0, constant}}, n).size(), header + tables);
  EXPECT_EQ(EncodeNumericBlocks({{0, missing}}, n).size(), header + tables);
  EXPECT_EQ(EncodeNumericBlocks({{0, integers}}, n).size(), header + tables + n);
  EXPECT_EQ(EncodeNumericBlocks({{0, decimals}}, n).size(), header + tables + n * 8);
}

// Prices as upstream files write them (text with up to 2 decimals, parsed
// to the nearest double): packed as decimals, read back bit for bit.
TEST(DocValueBlocksTest, DecimalsOfFewDigitsArePackedAndReadBackExactly) {
  const uint32_t n = 2048;
  std::mt19937_64 rng(11);
  std::vector<double> prices(n), mixed(n);
  for (uint32_t d = 0; d < n; ++d) {
    const std::string text = std::to_string(rng() % 100000) + "." + std::to_string(rng() % 100);
    prices[d] = std::strtod(text.c_str(), nullptr);  // 0 to 99999.99
    // Negative values, halves and quarters, and docs without a value.
    mixed[d] = d % 5 == 0 ? kNaN : (static_cast<double>(rng() % 400) - 200) / 4;
  }
  const size_t header = 8 + 20, tables = (n / 512) * 26;
  // 99999.99 is 9999999 hundredths: 24 bits (with 0 for no value) a doc.
  EXPECT_EQ(EncodeNumericBlocks({{0, prices}}, n).size(), header + tables + n * 24 / 8);
  Opened o({{0, prices}, {1, mixed}}, {}, n);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  for (uint32_t d = 0; d < n; ++d) {
    ASSERT_EQ(Bits(o.values.Numeric(0, d)), Bits(prices[d])) << d;
    ASSERT_EQ(Bits(o.values.Numeric(1, d)), Bits(mixed[d])) << d;
  }
  // Ranges over decimal blocks agree with a scan.
  for (auto [lo, hi] : {std::pair{-10.25, 3.5}, {12.5, 12.5}, {-kInf, -49.75}, {0.01, 0.02}}) {
    uint32_t want = kNoMoreDocs;
    for (uint32_t d = 700; d < n && want == kNoMoreDocs; ++d) {
      if (mixed[d] >= lo && mixed[d] <= hi) want = d;
    }
    EXPECT_EQ(o.values.NextInRange(1, 700, lo, hi), want) << lo << " " << hi;
  }
}

TEST(DocValueBlocksTest, ValuesThatNeedMoreThanSixDecimalsStayRaw) {
  const uint32_t n = 512;
  std::vector<double> values(n, 0.1234567);
  values[1] = 1.0 / 3;
  const size_t header = 8 + 20 + 26;
  EXPECT_EQ(EncodeNumericBlocks({{0, values}}, n).size(), header + n * 8);
}

TEST(DocValueBlocksTest, NextInRangeMatchesAScanAcrossBlocks) {
  const uint32_t n = 3000;
  std::vector<double> values = RandomValues(n, 5);
  Opened o({{1, values}}, {}, n);
  ASSERT_TRUE(o.status.ok());
  // Bounds at values that occur (block mins and maxes among them), between
  // them, and infinite ends.
  std::vector<double> bounds = {-kInf, kInf, -0.0, 0.0, 1e300, 0.37, -111.0, 7.5};
  for (uint32_t d = 0; d < n; d += 97) bounds.push_back(values[d]);
  const std::vector<uint32_t> targets = {0, 1, 511, 512, 513, 1023, 1024, 2999, 3000, kNoMoreDocs};
  for (double lo : bounds) {
    for (double hi : bounds) {
      for (uint32_t target : targets) {
        uint32_t expected = kNoMoreDocs;
        for (uint32_t d = target; d < n; ++d) {
          if (values[d] >= lo && values[d] <= hi) {
            expected = d;
            break;
          }
        }
        ASSERT_EQ(o.values.NextInRange(1, target, lo, hi), expected)
            << lo << " " << hi << " " << target;
      }
    }
  }
  EXPECT_EQ(o.values.NextInRange(1, 0, kNaN, kInf), kNoMoreDocs);
  EXPECT_EQ(o.values.NextInRange(2, 0, -kInf, kInf), kNoMoreDocs);  // no column
}

TEST(DocValueBlocksTest, NextInRangeSkipsToTheBlockThatHoldsTheRange) {
  // Block b (512 docs) holds the constant b; block 2 has one doc at 1000.
  const uint32_t n = 512 * 4;
  std::vector<double> values(n);
  for (uint32_t d = 0; d < n; ++d) values[d] = d / 512;
  values[512 * 2 + 17] = 1000;
  Opened o({{0, values}}, {}, n);
  ASSERT_TRUE(o.status.ok());
  EXPECT_EQ(o.values.NextInRange(0, 0, 1, 1), 512u);
  EXPECT_EQ(o.values.NextInRange(0, 600, 1, 2), 600u);
  EXPECT_EQ(o.values.NextInRange(0, 0, 2.5, kInf), 512u * 2 + 17);
  EXPECT_EQ(o.values.NextInRange(0, 512 * 2 + 18, 2.5, kInf), 512u * 3);
  EXPECT_EQ(o.values.NextInRange(0, 0, 3, 3), 512u * 3);
  EXPECT_EQ(o.values.NextInRange(0, 0, 4, kInf), 512u * 2 + 17);
  EXPECT_EQ(o.values.NextInRange(0, 0, -kInf, -1), kNoMoreDocs);
  EXPECT_EQ(o.values.NextInRange(0, 0, 2, 1), kNoMoreDocs);  // empty range
}

TEST(DocValueBlocksTest, NumericBlockBoundsEveryValueOfItsBlock) {
  const uint32_t n = 3000;  // 5 full blocks of 512 and a short one
  std::vector<double> values = RandomValues(n, 9);
  for (uint32_t d = 1024; d < 1536; ++d) values[d] = kNaN;  // a block with no value
  Opened o({{1, values}}, {}, n);
  ASSERT_TRUE(o.status.ok());
  for (uint32_t d = 0; d < n; d += 37) {
    auto block = o.values.NumericBlock(1, d);
    ASSERT_TRUE(block.has_value()) << d;
    const uint32_t first = d / 512 * 512;
    EXPECT_EQ(block->last_doc, std::min(n, first + 512) - 1) << d;
    bool any = false;
    for (uint32_t e = first; e <= block->last_doc; ++e) {
      if (std::isnan(values[e])) continue;
      any = true;
      EXPECT_LE(block->min, values[e]) << e;
      EXPECT_GE(block->max, values[e]) << e;
    }
    EXPECT_EQ(std::isnan(block->min) && std::isnan(block->max), !any) << d;
  }
  EXPECT_FALSE(o.values.NumericBlock(2, 0).has_value());  // no column
}

TEST(DocValueBlocksTest, DocValuesOfFormatTwoFindTheSameRanges) {
  const uint32_t n = 700;
  const std::vector<double> values = RandomValues(n, 9);
  const std::string v2 = EncodeNumericColumns({{1, values}});
  DocValues old;
  ASSERT_TRUE(old.Open("v.seg", {v2, 0}, std::nullopt, n, kFields).ok());
  Opened o({{1, values}}, {}, n);
  ASSERT_TRUE(o.status.ok());
  for (double lo : {-kInf, -50.0, 0.0, 20.5}) {
    for (uint32_t target : {0u, 300u, 699u, 700u}) {
      EXPECT_EQ(old.NextInRange(1, target, lo, kInf), o.values.NextInRange(1, target, lo, kInf));
    }
  }
  EXPECT_EQ(old.NextInRange(0, 0, -kInf, kInf), kNoMoreDocs);
  EXPECT_EQ(old.NextInRange(1, 0, kNaN, kInf), kNoMoreDocs);
}

TEST(DocValueBlocksTest, RoundTripsFieldLengthsAndTotals) {
  for (uint32_t n : {0u, 1u, 127u, 128u, 129u, 1000u, 5000u}) {
    SCOPED_TRACE(n);
    std::mt19937 rng(n);
    std::vector<uint16_t> title(n), body(n);
    uint64_t title_total = 0;
    for (uint32_t d = 0; d < n; ++d) {
      title[d] = static_cast<uint16_t>(3 + rng() % 10);
      body[d] = static_cast<uint16_t>(d % 600 == 5 ? 65535 : (d % 300 == 0 ? 0 : rng() % 400));
      title_total += title[d];
    }
    Opened o({}, {{0, title}, {2, body}}, n);
    ASSERT_TRUE(o.status.ok()) << o.status.message();
    for (uint32_t d = 0; d < n; ++d) {
      EXPECT_EQ(*o.values.FieldLength(0, d), title[d]);
      EXPECT_EQ(*o.values.FieldLength(2, d), body[d]);
    }
    EXPECT_EQ(*o.values.TotalFieldLength(0), title_total);
    EXPECT_FALSE(o.values.TotalFieldLength(1).has_value());
    EXPECT_FALSE(o.values.TotalFieldLength(9).has_value());
  }
  Opened extremes({}, {{1, {0, 65535, 0}}}, 3);
  ASSERT_TRUE(extremes.status.ok());
  EXPECT_EQ(*extremes.values.FieldLength(1, 0), 0u);
  EXPECT_EQ(*extremes.values.FieldLength(1, 1), 65535u);
  EXPECT_EQ(*extremes.values.TotalFieldLength(1), 65535u);
  EXPECT_FALSE(extremes.values.FieldLength(0, 0).has_value());
}

// Field 1 of 3 docs: 5, no value, 7 (a sparse block at 2 bits).
const char kNumericLayout[] =
    "\x01\x00\x00\x00"                  // one column
    "\x09\x00\x00\x00"                  // 512 docs per block
    "\x01\x00\x00\x00"                  // field 1
    "\x1c\x00\x00\x00\x00\x00\x00\x00"  // its table at 28
    "\x02\x00\x00\x00\x00\x00\x00\x00"  // 2 docs have a value
    "\x00\x00\x00\x00\x00\x00\x14\x40"  // block 0: min 5.0
    "\x00\x00\x00\x00\x00\x00\x1c\x40"  // max 7.0
    "\x36\x00\x00\x00\x00\x00\x00\x00"  // data at 54
    "\x03\x02"                          // sparse, 2 bits
    "\x31";                             // 1, 0, 3 (v - min + 1; 0: none)

// Field 0 of 3 docs: lengths 3, 4, 6 (base 3, 2 bits).
const char kLengthLayout[] =
    "\x01\x00\x00\x00"
    "\x09\x00\x00\x00"
    "\x00\x00\x00\x00"                  // field 0
    "\x1c\x00\x00\x00\x00\x00\x00\x00"  // its table at 28
    "\x0d\x00\x00\x00\x00\x00\x00\x00"  // total 13
    "\x27\x00\x00\x00\x00\x00\x00\x00"  // block 0: data at 39
    "\x03\x00\x02"                      // base 3, 2 bits
    "\x34";                             // 0, 1, 3

std::string Layout(const char* bytes, size_t size) { return std::string(bytes, size - 1); }

TEST(DocValueBlocksTest, WritesTheDocumentedLayout) {
  const std::string numeric = Layout(kNumericLayout, sizeof(kNumericLayout));
  const std::string lengths = Layout(kLengthLayout, sizeof(kLengthLayout));
  EXPECT_EQ(EncodeNumericBlocks({{1, {5, kNaN, 7}}}, 3), numeric);
  EXPECT_EQ(EncodeLengthBlocks({{0, {3, 4, 6}}}, 3), lengths);
  DocValueBlocks v;
  ASSERT_TRUE(v.Open("v.seg", {numeric, kNumericOffset}, {lengths, kLengthsOffset}, 3, 2).ok());
  EXPECT_EQ(v.Numeric(1, 2), 7);
  EXPECT_TRUE(std::isnan(v.Numeric(1, 1)));
  EXPECT_EQ(*v.FieldLength(0, 2), 6u);
  EXPECT_EQ(*v.TotalFieldLength(0), 13u);
}

TEST(DocValueBlocksTest, TruncatedOrFlippedBytesAreCorruptionNamingTheSection) {
  const std::string numeric = Layout(kNumericLayout, sizeof(kNumericLayout));
  const std::string lengths = Layout(kLengthLayout, sizeof(kLengthLayout));
  auto open = [](const std::string& n, const std::string& l, uint32_t docs = 3) {
    return DocValueBlocks().Open("v.seg", {n, kNumericOffset}, {l, kLengthsOffset}, docs, 2);
  };
  EXPECT_EQ(open(numeric.substr(0, 7), lengths).message(),
            "segment 'v.seg': numeric blocks truncated (offset 100)");
  EXPECT_EQ(open(numeric.substr(0, 20), lengths).message(),
            "segment 'v.seg': numeric blocks header (offset 100)");
  EXPECT_EQ(open(numeric.substr(0, numeric.size() - 1), lengths).message(),
            "segment 'v.seg': numeric blocks block 0 of field 1 (offset 128)");
  EXPECT_EQ(open(numeric, lengths.substr(0, 30)).message(),
            "segment 'v.seg': length blocks column 0 (offset 1008)");
  // More docs than the table has blocks for.
  EXPECT_EQ(open(numeric, lengths, 513).message(),
            "segment 'v.seg': numeric blocks column 0 (offset 108)");
  std::string bad_kind = numeric;
  bad_kind[52] = '\x05';
  EXPECT_EQ(open(bad_kind, lengths).message(),
            "segment 'v.seg': numeric blocks block 0 of field 1 (offset 128)");
  std::string bad_width = lengths;
  bad_width[38] = '\x11';  // 17 bits
  EXPECT_EQ(open(numeric, bad_width).message(),
            "segment 'v.seg': length blocks block 0 of field 0 (offset 1028)");
  std::string bad_field = numeric;
  bad_field[8] = '\x02';  // field 2 of 2
  EXPECT_EQ(open(bad_field, lengths).message(),
            "segment 'v.seg': numeric blocks column 0 (offset 108)");

  // Any single flipped bit: Corruption at an offset inside the section, or
  // values that still read within bounds.
  for (int section = 0; section < 2; ++section) {
    const std::string& original = section == 0 ? numeric : lengths;
    const uint64_t base = section == 0 ? kNumericOffset : kLengthsOffset;
    for (size_t i = 0; i < original.size() * 8; ++i) {
      std::string flipped = original;
      flipped[i / 8] = static_cast<char>(flipped[i / 8] ^ (1 << (i % 8)));
      DocValueBlocks v;
      const Status st = section == 0
                            ? v.Open("v.seg", {flipped, base}, {lengths, kLengthsOffset}, 3, 2)
                            : v.Open("v.seg", {numeric, kNumericOffset}, {flipped, base}, 3, 2);
      if (st.ok()) {
        for (uint32_t d = 0; d < 3; ++d) {
          for (size_t f = 0; f < 2; ++f) {
            v.Numeric(f, d);
            v.FieldLength(f, d);
          }
        }
        v.NextInRange(1, 0, -kInf, kInf);
        continue;
      }
      EXPECT_EQ(st.code(), StatusCode::kCorruption);
      const std::string& m = st.message();
      EXPECT_NE(m.find(section == 0 ? "numeric blocks" : "length blocks"), std::string::npos) << m;
      const uint64_t at = std::stoull(m.substr(m.rfind("offset ") + 7));
      EXPECT_GE(at, base) << m;
      EXPECT_LT(at, base + original.size()) << m;
    }
  }
}

}  // namespace
}  // namespace freshet
