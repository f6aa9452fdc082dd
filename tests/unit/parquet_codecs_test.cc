#include "format/parquet/parquet_codecs.h"

#include <gtest/gtest.h>

namespace freshet::parquet {
namespace {

std::string Sample() {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "ad " + std::to_string(i % 97) + " red shoes; ";
  return s;
}

TEST(ParquetCodecs, RoundTrip) {
  std::string input = Sample();
  for (Codec codec :
       {Codec::kUncompressed, Codec::kSnappy, Codec::kGzip, Codec::kZstd, Codec::kLz4Raw}) {
    std::string compressed, output;
    ASSERT_TRUE(Compress(codec, input, &compressed).ok()) << CodecName(codec);
    Status st = Decompress(codec, compressed, input.size(), &output);
    ASSERT_TRUE(st.ok()) << CodecName(codec) << ": " << st.ToString();
    EXPECT_EQ(output, input) << CodecName(codec);
  }
}

TEST(ParquetCodecs, WrongSizeIsCorruption) {
  std::string input = Sample();
  for (Codec codec : {Codec::kSnappy, Codec::kGzip, Codec::kZstd, Codec::kLz4Raw}) {
    std::string compressed, output;
    ASSERT_TRUE(Compress(codec, input, &compressed).ok());
    Status st = Decompress(codec, compressed, input.size() - 1, &output);
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << CodecName(codec) << st.ToString();
    st = Decompress(codec, compressed, input.size() + 1, &output);
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << CodecName(codec) << st.ToString();
  }
}

TEST(ParquetCodecs, HugeClaimedSizeIsRejectedWithoutAllocating) {
  std::string garbage(64, 'x');
  std::string output;
  for (Codec codec : {Codec::kSnappy, Codec::kGzip, Codec::kZstd, Codec::kLz4Raw, Codec::kLz4Hadoop,
                      Codec::kBrotli}) {
    Status st = Decompress(codec, garbage, size_t{2000} << 20, &output);
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << CodecName(codec);
    EXPECT_LT(output.capacity(), size_t{64} << 20) << CodecName(codec);
  }
}

TEST(ParquetCodecs, Lz4HadoopFramingAndRawFallback) {
  std::string input = Sample();
  std::string raw, output;
  ASSERT_TRUE(Compress(Codec::kLz4Raw, input, &raw).ok());
  // Raw block under the LZ4 codec id: the fallback path.
  ASSERT_TRUE(Decompress(Codec::kLz4Hadoop, raw, input.size(), &output).ok());
  EXPECT_EQ(output, input);
  // Hadoop framing: big-endian sizes, then the block.
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string framed =
      be32(static_cast<uint32_t>(input.size())) + be32(static_cast<uint32_t>(raw.size())) + raw;
  output.clear();
  ASSERT_TRUE(Decompress(Codec::kLz4Hadoop, framed, input.size(), &output).ok());
  EXPECT_EQ(output, input);
}

TEST(ParquetCodecs, LzoIsNotSupported) {
  std::string output;
  EXPECT_EQ(Decompress(Codec::kLzo, "x", 1, &output).code(), StatusCode::kNotSupported);
}

}  // namespace
}  // namespace freshet::parquet
