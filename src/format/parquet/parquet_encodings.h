// Parquet's value and level encodings (see the specification's
// Encodings.md): the RLE / bit-packed hybrid (levels, dictionary indices,
// booleans), DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY
// and BYTE_STREAM_SPLIT.
//
// Decoders read from a byte range that must outlive them; they check every
// count against the bytes left and report truncation or malformed headers as
// Corruption (with an offset relative to the range; callers add the file,
// column and page). Decoders are stateful, so a page can be consumed in
// batches, and they are not thread-safe. Encoders append to a std::string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/byte_arena.h"

namespace freshet::parquet {

// Bits needed to store values in [0, max_value].
int BitWidth(uint64_t max_value);

// Reads `width`-bit values (LSB first, as Parquet packs them).
class BitReader {
 public:
  BitReader() = default;
  explicit BitReader(std::string_view data) : data_(data) {}
  // REQUIRES: width <= 64 and BitsLeft() >= width.
  uint64_t Get(int width);
  uint64_t BitsLeft() const { return (data_.size() - pos_) * 8 + bits_; }
  // Byte offset just past the bits consumed so far (a partially read byte
  // counts as consumed).
  size_t BytePosition() const { return pos_; }

 private:
  uint32_t Get32(int width);
  std::string_view data_;
  size_t pos_ = 0;
  uint64_t buffer_ = 0;
  int bits_ = 0;
};

// The RLE / bit-packed hybrid, without any length prefix: callers strip it.
class RleBitPackedDecoder {
 public:
  RleBitPackedDecoder() = default;
  // REQUIRES: 0 <= bit_width <= 32.
  RleBitPackedDecoder(std::string_view data, int bit_width) : data_(data), bit_width_(bit_width) {}

  // Decodes exactly `n` values into `out`, or fails (truncated input).
  Status Get(uint32_t* out, size_t n);

  // Byte offset of the first byte not yet consumed.
  size_t position() const { return pos_; }

 private:
  Status NextRun();
  std::string_view data_;
  int bit_width_ = 0;
  size_t pos_ = 0;
  uint64_t rle_left_ = 0;
  uint32_t rle_value_ = 0;
  uint64_t packed_left_ = 0;
  BitReader packed_;
};

// Encodes values of `bit_width` bits with the hybrid (RLE runs of 8 or more
// equal values, bit-packed groups of 8 otherwise). No length prefix.
void EncodeRleBitPacked(const uint32_t* values, size_t n, int bit_width, std::string* out);

// Deprecated BIT_PACKED level encoding (MSB first), `n` values of
// `bit_width` bits from the front of `data`; `*consumed` gets the bytes used.
Status DecodeLegacyBitPacked(std::string_view data, int bit_width, size_t n, uint32_t* out,
                             size_t* consumed);

// DELTA_BINARY_PACKED, for INT32 (values wrap at 32 bits) and INT64.
class DeltaBinaryPackedDecoder {
 public:
  // Parses the header at the front of `data`. `int32` selects 32-bit
  // wrapping arithmetic.
  Status Init(std::string_view data, bool int32);
  // Values the header announces that are not decoded yet.
  uint64_t values_left() const { return values_left_; }
  // Decodes exactly `n` values, or fails.
  Status Get(int64_t* out, size_t n);
  // Byte offset just past the encoded stream: walks the remaining block
  // headers without decoding (used to find what follows the stream).
  Result<size_t> EndOffset() const;

 private:
  Status NextBlock();
  Status NextMiniblock();
  std::string_view data_;
  size_t pos_ = 0;
  bool int32_ = false;
  uint64_t block_size_ = 0;
  uint64_t miniblocks_per_block_ = 0;
  uint64_t values_per_miniblock_ = 0;
  uint64_t values_left_ = 0;
  bool first_pending_ = false;
  uint64_t last_ = 0;
  uint64_t min_delta_ = 0;
  std::vector<uint8_t> widths_;
  size_t miniblock_index_ = 0;  // next miniblock of the current block
  uint64_t miniblock_left_ = 0;
  int width_ = 0;
  BitReader bits_;
};

// Appends the DELTA_BINARY_PACKED encoding of `values` (block of 128 values,
// 4 miniblocks). With `int32`, deltas wrap at 32 bits as INT32 columns need.
void EncodeDeltaBinaryPacked(const int64_t* values, size_t n, std::string* out, bool int32 = false);

// DELTA_LENGTH_BYTE_ARRAY: all lengths (delta-encoded), then all bytes.
// Views returned point into the input.
class DeltaLengthByteArrayDecoder {
 public:
  Status Init(std::string_view data);
  Status Get(std::string_view* out, size_t n);
  // Byte offset just past the last value's bytes when all values are read.
  size_t bytes_end() const { return bytes_pos_; }
  uint64_t values_left() const { return lengths_.values_left(); }

 private:
  std::string_view data_;
  DeltaBinaryPackedDecoder lengths_;
  size_t bytes_pos_ = 0;
  std::vector<int64_t> scratch_;
};

// DELTA_BYTE_ARRAY: prefix lengths (delta), then suffixes as
// DELTA_LENGTH_BYTE_ARRAY; each value is a prefix of the previous value plus
// its suffix. Rebuilt values are stored in the ByteArena passed to Get.
class DeltaByteArrayDecoder {
 public:
  Status Init(std::string_view data);
  Status Get(std::string_view* out, size_t n, ByteArena& arena);

 private:
  DeltaBinaryPackedDecoder prefixes_;
  DeltaLengthByteArrayDecoder suffixes_;
  std::string previous_;
  std::vector<int64_t> prefix_scratch_;
  std::vector<std::string_view> suffix_scratch_;
};

// BYTE_STREAM_SPLIT: `data` holds N values of `width` bytes split into
// `width` streams of N bytes. Writes value `index` (width bytes) to `out`.
inline void GatherByteStreamSplit(std::string_view data, size_t width, size_t index, char* out) {
  size_t n = data.size() / width;
  for (size_t k = 0; k < width; ++k) out[k] = data[k * n + index];
}

}  // namespace freshet::parquet
