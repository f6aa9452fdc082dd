#include "format/parquet/parquet_encodings.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace freshet::parquet {
namespace {

std::vector<uint32_t> DecodeAll(const std::string& bytes, int width, size_t n) {
  RleBitPackedDecoder d(bytes, width);
  std::vector<uint32_t> out(n);
  Status st = d.Get(out.data(), n);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

TEST(RleBitPacked, SpecExampleBitPacked) {
  // The specification's example: 0..7 with bit width 3, one bit-packed group.
  std::string bytes = "\x03\x88\xc6\xfa";
  EXPECT_EQ(DecodeAll(bytes, 3, 8), (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  std::string encoded;
  std::vector<uint32_t> values{0, 1, 2, 3, 4, 5, 6, 7};
  EncodeRleBitPacked(values.data(), values.size(), 3, &encoded);
  EXPECT_EQ(encoded, bytes);
}

TEST(RleBitPacked, RleRun) {
  // 100 copies of 5 at width 3: header 100<<1, one value byte.
  std::string bytes = "\xc8\x01\x05";
  EXPECT_EQ(DecodeAll(bytes, 3, 100), std::vector<uint32_t>(100, 5));
}

TEST(RleBitPacked, RoundTripAllWidths) {
  std::mt19937 rng(42);
  for (int width = 0; width <= 32; ++width) {
    uint64_t limit = width == 32 ? 0xffffffffu : (uint64_t{1} << width) - 1;
    std::vector<uint32_t> values;
    while (values.size() < 5000) {
      uint32_t v = static_cast<uint32_t>(rng() & limit);
      size_t run = rng() % 3 == 0 ? rng() % 40 : 1;
      values.insert(values.end(), run, v);
    }
    std::string bytes;
    EncodeRleBitPacked(values.data(), values.size(), width, &bytes);
    RleBitPackedDecoder d(bytes, width);
    std::vector<uint32_t> out(values.size());
    // In uneven batches, as the column reader asks.
    size_t done = 0, step = 1;
    while (done < values.size()) {
      size_t k = std::min(step, values.size() - done);
      ASSERT_TRUE(d.Get(out.data() + done, k).ok()) << "width " << width;
      done += k;
      step = step * 3 % 1000 + 1;
    }
    ASSERT_EQ(out, values) << "width " << width;
  }
}

TEST(RleBitPacked, TruncationIsAnError) {
  std::vector<uint32_t> values(300);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i % 7;
  std::string bytes;
  EncodeRleBitPacked(values.data(), values.size(), 3, &bytes);
  for (size_t n = 0; n + 1 < bytes.size(); ++n) {
    RleBitPackedDecoder d(std::string_view(bytes).substr(0, n), 3);
    std::vector<uint32_t> out(values.size());
    EXPECT_FALSE(d.Get(out.data(), out.size()).ok()) << n;
  }
  // Asking for more values than encoded.
  RleBitPackedDecoder d(bytes, 3);
  std::vector<uint32_t> out(values.size() + 100);
  Status st = d.Get(out.data(), out.size());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
}

TEST(RleBitPacked, HugeRunHeaderDoesNotAllocate) {
  // A bit-packed run claiming 2^40 groups in 8 bytes: values are limited to
  // what the bytes hold.
  std::string bytes = "\x81\x80\x80\x80\x80\x80\x80\x01";
  RleBitPackedDecoder d(bytes, 8);
  std::vector<uint32_t> out(16);
  EXPECT_FALSE(d.Get(out.data(), out.size()).ok());
}

TEST(LegacyBitPacked, SpecExample) {
  // The specification's BIT_PACKED example: 0..7 with width 3, MSB first.
  std::string bytes = "\x05\x39\x77";
  std::vector<uint32_t> out(8);
  size_t used = 0;
  ASSERT_TRUE(DecodeLegacyBitPacked(bytes, 3, 8, out.data(), &used).ok());
  EXPECT_EQ(out, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(used, 3u);
  EXPECT_FALSE(DecodeLegacyBitPacked(bytes, 3, 9, out.data(), &used).ok());
}

std::vector<int64_t> DecodeDelta(const std::string& bytes, bool int32, size_t n) {
  DeltaBinaryPackedDecoder d;
  EXPECT_TRUE(d.Init(bytes, int32).ok());
  EXPECT_EQ(d.values_left(), n);
  std::vector<int64_t> out(n);
  size_t done = 0;
  while (done < n) {
    size_t k = std::min<size_t>(n - done, 77);
    Status st = d.Get(out.data() + done, k);
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (!st.ok()) break;
    done += k;
  }
  return out;
}

TEST(DeltaBinaryPacked, RoundTrip) {
  std::mt19937_64 rng(7);
  for (size_t n : {0, 1, 2, 33, 128, 129, 1000, 4097}) {
    std::vector<int64_t> values(n);
    for (size_t i = 0; i < n; ++i) {
      switch (rng() % 4) {
        case 0:
          values[i] = std::numeric_limits<int64_t>::min();
          break;
        case 1:
          values[i] = std::numeric_limits<int64_t>::max();
          break;
        case 2:
          values[i] = static_cast<int64_t>(rng());
          break;
        default:
          values[i] = i ? static_cast<int64_t>(static_cast<uint64_t>(values[i - 1]) + 3) : 0;
          break;
      }
    }
    std::string bytes;
    EncodeDeltaBinaryPacked(values.data(), n, &bytes);
    EXPECT_EQ(DecodeDelta(bytes, false, n), values) << n;
    DeltaBinaryPackedDecoder d;
    std::string with_tail = bytes + "tail";
    ASSERT_TRUE(d.Init(with_tail, false).ok());
    auto end = d.EndOffset();
    ASSERT_TRUE(end.ok()) << end.status().ToString();
    EXPECT_EQ(*end, bytes.size()) << n;
  }
}

TEST(DeltaBinaryPacked, Int32Wraps) {
  std::vector<int64_t> values{std::numeric_limits<int32_t>::max(),
                              std::numeric_limits<int32_t>::min(), 0, -1,
                              std::numeric_limits<int32_t>::max()};
  std::string bytes;
  EncodeDeltaBinaryPacked(values.data(), values.size(), &bytes, /*int32=*/true);
  EXPECT_EQ(DecodeDelta(bytes, true, values.size()), values);
}

TEST(DeltaBinaryPacked, SpecExampleSequence) {
  // Values 7, 5, 3, 1, 2, 3, 4, 5 (the specification's second example).
  std::vector<int64_t> values{7, 5, 3, 1, 2, 3, 4, 5};
  std::string bytes;
  EncodeDeltaBinaryPacked(values.data(), values.size(), &bytes);
  EXPECT_EQ(DecodeDelta(bytes, false, values.size()), values);
}

TEST(DeltaBinaryPacked, MalformedHeaders) {
  DeltaBinaryPackedDecoder d;
  EXPECT_FALSE(d.Init("", false).ok());
  EXPECT_FALSE(d.Init(std::string("\x00\x04\x01\x00", 4), false).ok());      // block size 0
  EXPECT_FALSE(d.Init(std::string("\x80\x01\x03\x01\x00", 5), false).ok());  // 128 / 3
  // Bit width 65 in a block.
  std::string bad("\x80\x01\x04\x03\x00\x00\x41\x00\x00\x00", 10);
  ASSERT_TRUE(d.Init(bad, false).ok());
  std::vector<int64_t> out(3);
  Status st = d.Get(out.data(), 3);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("bit width"), std::string::npos);
  // More values asked than the header announces.
  std::vector<int64_t> values{1, 2, 3};
  std::string ok;
  EncodeDeltaBinaryPacked(values.data(), 3, &ok);
  ASSERT_TRUE(d.Init(ok, false).ok());
  std::vector<int64_t> four(4);
  EXPECT_FALSE(d.Get(four.data(), 4).ok());
}

TEST(DeltaBinaryPacked, TruncationNeverYieldsWrongValues) {
  std::vector<int64_t> values(300);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int64_t>(i * i * 31);
  std::string bytes;
  EncodeDeltaBinaryPacked(values.data(), values.size(), &bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    DeltaBinaryPackedDecoder d;
    std::string_view cut = std::string_view(bytes).substr(0, n);
    if (!d.Init(cut, false).ok()) continue;
    std::vector<int64_t> out(values.size());
    // Cutting only the padding of the last miniblock loses nothing; any
    // other cut must fail rather than return wrong values.
    if (d.Get(out.data(), out.size()).ok()) {
      EXPECT_EQ(out, values) << n;
    }
  }
}

std::string DeltaLengthEncode(const std::vector<std::string>& values) {
  std::vector<int64_t> lengths;
  std::string bytes, data;
  for (const std::string& v : values) {
    lengths.push_back(static_cast<int64_t>(v.size()));
    data += v;
  }
  EncodeDeltaBinaryPacked(lengths.data(), lengths.size(), &bytes);
  return bytes + data;
}

TEST(DeltaLengthByteArray, Decodes) {
  std::vector<std::string> values{"Hello", "World", "Foobar", "ABCDEF", "", std::string(300, 'x')};
  std::string bytes = DeltaLengthEncode(values);
  DeltaLengthByteArrayDecoder d;
  ASSERT_TRUE(d.Init(bytes).ok());
  std::vector<std::string_view> out(values.size());
  ASSERT_TRUE(d.Get(out.data(), 2).ok());
  ASSERT_TRUE(d.Get(out.data() + 2, values.size() - 2).ok());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(out[i], values[i]);
  EXPECT_EQ(d.bytes_end(), bytes.size());
}

TEST(DeltaLengthByteArray, LengthBeyondDataIsAnError) {
  std::string bytes = DeltaLengthEncode({"abc", "defg"});
  bytes.pop_back();
  DeltaLengthByteArrayDecoder d;
  ASSERT_TRUE(d.Init(bytes).ok());
  std::vector<std::string_view> out(2);
  Status st = d.Get(out.data(), 2);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("exceeds"), std::string::npos);
}

std::string DeltaByteArrayEncode(const std::vector<std::string>& values) {
  std::vector<int64_t> prefixes;
  std::vector<std::string> suffixes;
  std::string previous;
  for (const std::string& v : values) {
    size_t p = 0;
    while (p < v.size() && p < previous.size() && v[p] == previous[p]) ++p;
    prefixes.push_back(static_cast<int64_t>(p));
    suffixes.push_back(v.substr(p));
    previous = v;
  }
  std::string bytes;
  EncodeDeltaBinaryPacked(prefixes.data(), prefixes.size(), &bytes);
  return bytes + DeltaLengthEncode(suffixes);
}

TEST(DeltaByteArray, Decodes) {
  std::vector<std::string> values{"axis", "axle", "babble", "babyhood", "babyhood", "", "b"};
  std::string bytes = DeltaByteArrayEncode(values);
  DeltaByteArrayDecoder d;
  ASSERT_TRUE(d.Init(bytes).ok());
  ByteArena arena;
  std::vector<std::string_view> out(values.size());
  ASSERT_TRUE(d.Get(out.data(), 3, arena).ok());
  ASSERT_TRUE(d.Get(out.data() + 3, values.size() - 3, arena).ok());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(out[i], values[i]) << i;
}

TEST(DeltaByteArray, PrefixLongerThanPreviousValueIsAnError) {
  std::vector<int64_t> prefixes{0, 10};
  std::string bytes;
  EncodeDeltaBinaryPacked(prefixes.data(), 2, &bytes);
  bytes += DeltaLengthEncode({"ab", "c"});
  DeltaByteArrayDecoder d;
  ASSERT_TRUE(d.Init(bytes).ok());
  ByteArena arena;
  std::vector<std::string_view> out(2);
  Status st = d.Get(out.data(), 2, arena);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("prefix of 10 bytes"), std::string::npos);
}

TEST(DeltaByteArray, CountMismatchIsAnError) {
  std::vector<int64_t> prefixes{0, 0, 0};
  std::string bytes;
  EncodeDeltaBinaryPacked(prefixes.data(), 3, &bytes);
  bytes += DeltaLengthEncode({"a", "b"});
  DeltaByteArrayDecoder d;
  EXPECT_FALSE(d.Init(bytes).ok());
}

TEST(ByteStreamSplit, Gathers) {
  // Two 4-byte values 0x04030201 and 0x08070605, split into 4 streams.
  std::string data("\x01\x05\x02\x06\x03\x07\x04\x08", 8);
  char out[4];
  GatherByteStreamSplit(data, 4, 1, out);
  EXPECT_EQ(std::string(out, 4), std::string("\x05\x06\x07\x08", 4));
}

TEST(BitWidth, Values) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(2), 2);
  EXPECT_EQ(BitWidth(255), 8);
  EXPECT_EQ(BitWidth(256), 9);
  EXPECT_EQ(BitWidth(~uint64_t{0}), 64);
}

}  // namespace
}  // namespace freshet::parquet
