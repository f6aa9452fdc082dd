#include "format/parquet/parquet_encodings.h"

#include <fmt/format.h>

#include <algorithm>

namespace freshet::parquet {
namespace {

Status Truncated(std::string_view what, size_t pos) {
  return Status::Corruption(fmt::format("{} truncated at byte {}", what, pos));
}

// Unsigned LEB128, at most 10 bytes.
bool ReadUleb(std::string_view data, size_t* pos, uint64_t* v) {
  uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    if (*pos >= data.size()) return false;
    uint8_t byte = static_cast<uint8_t>(data[(*pos)++]);
    if (i == 9 && byte > 1) return false;
    result |= uint64_t{byte & 0x7fu} << (7 * i);
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

void WriteUleb(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Appends `n` values of `width` bits, LSB first, padded to a whole byte.
void PackBits(const uint64_t* values, size_t n, int width, std::string* out) {
  uint64_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t v = values[i];
    int left = width;
    while (left > 0) {
      int take = std::min(left, 64 - bits);
      if (take > 32) take = 32;
      uint64_t part = v & ((take == 64 ? 0 : (uint64_t{1} << take)) - 1);
      buffer |= part << bits;
      bits += take;
      v = take == 64 ? 0 : v >> take;
      left -= take;
      while (bits >= 8) {
        out->push_back(static_cast<char>(buffer & 0xff));
        buffer >>= 8;
        bits -= 8;
      }
    }
  }
  if (bits > 0) out->push_back(static_cast<char>(buffer & 0xff));
}

}  // namespace

int BitWidth(uint64_t max_value) {
  int w = 0;
  while (max_value) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

uint32_t BitReader::Get32(int width) {
  while (bits_ < width) {
    buffer_ |= uint64_t{static_cast<uint8_t>(data_[pos_++])} << bits_;
    bits_ += 8;
  }
  uint32_t v = static_cast<uint32_t>(buffer_ & ((uint64_t{1} << width) - 1));
  buffer_ >>= width;
  bits_ -= width;
  return v;
}

uint64_t BitReader::Get(int width) {
  if (width <= 32) return Get32(width);
  uint64_t lo = Get32(32);
  uint64_t hi = Get32(width - 32);
  return lo | (hi << 32);
}

// ---------------------------------------------------------------------------

Status RleBitPackedDecoder::NextRun() {
  uint64_t header = 0;
  size_t start = pos_;
  if (!ReadUleb(data_, &pos_, &header)) return Truncated("RLE run header", start);
  if (header & 1) {
    uint64_t groups = header >> 1;
    uint64_t bytes = groups * static_cast<uint64_t>(bit_width_);
    if (groups > (uint64_t{1} << 40)) return Status::Corruption("RLE bit-packed run too long");
    size_t avail = std::min<uint64_t>(bytes, data_.size() - pos_);
    packed_ = BitReader(data_.substr(pos_, avail));
    pos_ += avail;
    // Writers may truncate the final bit-packed run to the bytes it needs.
    packed_left_ =
        bit_width_ == 0 ? groups * 8 : std::min<uint64_t>(groups * 8, avail * 8 / bit_width_);
  } else {
    rle_left_ = header >> 1;
    int bytes = (bit_width_ + 7) / 8;
    if (data_.size() - pos_ < static_cast<size_t>(bytes)) return Truncated("RLE run value", pos_);
    uint32_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint32_t{static_cast<uint8_t>(data_[pos_ + i])} << (8 * i);
    pos_ += bytes;
    rle_value_ = v;
  }
  return Status::OK();
}

Status RleBitPackedDecoder::Get(uint32_t* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (rle_left_ > 0) {
      size_t k = std::min<uint64_t>(rle_left_, n - done);
      std::fill(out + done, out + done + k, rle_value_);
      rle_left_ -= k;
      done += k;
    } else if (packed_left_ > 0) {
      size_t k = std::min<uint64_t>(packed_left_, n - done);
      if (bit_width_ == 0) {
        std::fill(out + done, out + done + k, 0u);
      } else {
        for (size_t i = 0; i < k; ++i)
          out[done + i] = static_cast<uint32_t>(packed_.Get(bit_width_));
      }
      packed_left_ -= k;
      done += k;
    } else {
      if (pos_ >= data_.size()) {
        return Status::Corruption(
            fmt::format("RLE/bit-packed data ends after {} of {} values", done, n));
      }
      RETURN_IF_ERROR(NextRun());
    }
  }
  return Status::OK();
}

void EncodeRleBitPacked(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  auto run_at = [&](size_t i) {
    size_t j = i + 1;
    while (j < n && values[j] == values[i]) ++j;
    return j - i;
  };
  int value_bytes = (bit_width + 7) / 8;
  std::vector<uint64_t> group;
  size_t i = 0;
  while (i < n) {
    size_t run = run_at(i);
    if (run >= 8) {
      WriteUleb(uint64_t{run} << 1, out);
      for (int b = 0; b < value_bytes; ++b) out->push_back(static_cast<char>(values[i] >> (8 * b)));
      i += run;
      continue;
    }
    size_t j = i;
    while (true) {
      j += 8;
      if (j >= n || run_at(j) >= 8) break;
    }
    size_t end = std::min(j, n);
    size_t groups = (end - i + 7) / 8;
    WriteUleb((uint64_t{groups} << 1) | 1, out);
    group.assign(groups * 8, 0);
    for (size_t k = i; k < end; ++k) group[k - i] = values[k];
    PackBits(group.data(), group.size(), bit_width, out);
    i = end;
  }
}

Status DecodeLegacyBitPacked(std::string_view data, int bit_width, size_t n, uint32_t* out,
                             size_t* consumed) {
  uint64_t bits = uint64_t{n} * bit_width;
  uint64_t bytes = (bits + 7) / 8;
  if (bytes > data.size()) return Truncated("BIT_PACKED levels", data.size());
  uint64_t bit = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t v = 0;
    for (int b = 0; b < bit_width; ++b, ++bit) {
      uint8_t byte = static_cast<uint8_t>(data[bit / 8]);
      v = (v << 1) | ((byte >> (7 - bit % 8)) & 1);
    }
    out[i] = v;
  }
  *consumed = bytes;
  return Status::OK();
}

// ---------------------------------------------------------------------------

Status DeltaBinaryPackedDecoder::Init(std::string_view data, bool int32) {
  data_ = data;
  pos_ = 0;
  int32_ = int32;
  uint64_t total = 0, first = 0;
  if (!ReadUleb(data_, &pos_, &block_size_) || !ReadUleb(data_, &pos_, &miniblocks_per_block_) ||
      !ReadUleb(data_, &pos_, &total) || !ReadUleb(data_, &pos_, &first)) {
    return Truncated("DELTA_BINARY_PACKED header", pos_);
  }
  if (block_size_ == 0 || block_size_ % 128 != 0 || block_size_ > (1u << 20) ||
      miniblocks_per_block_ == 0 || block_size_ % miniblocks_per_block_ != 0 ||
      (block_size_ / miniblocks_per_block_) % 32 != 0) {
    return Status::Corruption(
        fmt::format("DELTA_BINARY_PACKED header: invalid block size {} with {} miniblocks",
                    block_size_, miniblocks_per_block_));
  }
  if (total > (uint64_t{1} << 40)) {
    return Status::Corruption(fmt::format("DELTA_BINARY_PACKED header: {} values", total));
  }
  values_per_miniblock_ = block_size_ / miniblocks_per_block_;
  values_left_ = total;
  first_pending_ = total > 0;
  last_ =
      static_cast<uint64_t>(static_cast<int64_t>(first >> 1) ^ -static_cast<int64_t>(first & 1));
  widths_.clear();
  miniblock_index_ = 0;
  miniblock_left_ = 0;
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::NextBlock() {
  uint64_t zz = 0;
  if (!ReadUleb(data_, &pos_, &zz)) return Truncated("DELTA_BINARY_PACKED block header", pos_);
  min_delta_ = static_cast<uint64_t>(static_cast<int64_t>(zz >> 1) ^ -static_cast<int64_t>(zz & 1));
  if (data_.size() - pos_ < miniblocks_per_block_) {
    return Truncated("DELTA_BINARY_PACKED bit widths", pos_);
  }
  widths_.assign(data_.begin() + pos_, data_.begin() + pos_ + miniblocks_per_block_);
  pos_ += miniblocks_per_block_;
  miniblock_index_ = 0;
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::NextMiniblock() {
  if (widths_.empty() || miniblock_index_ >= miniblocks_per_block_) RETURN_IF_ERROR(NextBlock());
  width_ = widths_[miniblock_index_++];
  if (width_ > (int32_ ? 32 : 64)) {
    return Status::Corruption(
        fmt::format("DELTA_BINARY_PACKED bit width {} at byte {}", width_, pos_));
  }
  uint64_t bytes = values_per_miniblock_ * width_ / 8;
  uint64_t needed = std::min(values_per_miniblock_, values_left_);
  size_t avail = std::min<uint64_t>(bytes, data_.size() - pos_);
  if (avail * 8 < needed * width_) return Truncated("DELTA_BINARY_PACKED miniblock", pos_);
  bits_ = BitReader(data_.substr(pos_, avail));
  pos_ += avail;
  miniblock_left_ = values_per_miniblock_;
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::Get(int64_t* out, size_t n) {
  if (n > values_left_) {
    return Status::Corruption(
        fmt::format("DELTA_BINARY_PACKED: {} values wanted, {} left", n, values_left_));
  }
  for (size_t i = 0; i < n; ++i) {
    if (first_pending_) {
      first_pending_ = false;
    } else {
      if (miniblock_left_ == 0) RETURN_IF_ERROR(NextMiniblock());
      last_ += min_delta_ + bits_.Get(width_);
      --miniblock_left_;
    }
    --values_left_;
    out[i] = int32_ ? static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(last_)))
                    : static_cast<int64_t>(last_);
  }
  return Status::OK();
}

Result<size_t> DeltaBinaryPackedDecoder::EndOffset() const {
  // Walks the remaining block headers on a copy of this decoder.
  DeltaBinaryPackedDecoder copy = *this;
  uint64_t deltas = copy.values_left_ - (copy.first_pending_ ? 1 : 0);
  uint64_t in_miniblock = std::min(deltas, copy.miniblock_left_);
  deltas -= in_miniblock;
  copy.miniblock_left_ = 0;
  while (deltas > 0) {
    if (copy.widths_.empty() || copy.miniblock_index_ >= copy.miniblocks_per_block_) {
      RETURN_IF_ERROR(copy.NextBlock());
    }
    int w = copy.widths_[copy.miniblock_index_++];
    if (w > (int32_ ? 32 : 64)) return Status::Corruption("DELTA_BINARY_PACKED bit width");
    uint64_t bytes = copy.values_per_miniblock_ * w / 8;
    uint64_t take = std::min(deltas, copy.values_per_miniblock_);
    if (bytes > copy.data_.size() - copy.pos_) {
      // Tolerate a final miniblock cut to the bits it needs.
      uint64_t need = (take * w + 7) / 8;
      if (take < copy.values_per_miniblock_ && need <= copy.data_.size() - copy.pos_) {
        return copy.data_.size();
      }
      return Truncated("DELTA_BINARY_PACKED miniblock", copy.pos_);
    }
    copy.pos_ += bytes;
    deltas -= take;
  }
  return copy.pos_;
}

void EncodeDeltaBinaryPacked(const int64_t* values, size_t n, std::string* out, bool int32) {
  constexpr size_t kBlock = 128, kMiniblocks = 4, kPerMiniblock = kBlock / kMiniblocks;
  WriteUleb(kBlock, out);
  WriteUleb(kMiniblocks, out);
  WriteUleb(n, out);
  int64_t first = n ? values[0] : 0;
  WriteUleb((static_cast<uint64_t>(first) << 1) ^ static_cast<uint64_t>(first >> 63), out);
  std::vector<uint64_t> deltas;
  for (size_t i = 1; i < n; ++i) {
    uint64_t delta = static_cast<uint64_t>(values[i]) - static_cast<uint64_t>(values[i - 1]);
    if (int32) delta = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(delta)));
    deltas.push_back(delta);
  }
  for (size_t b = 0; b < deltas.size(); b += kBlock) {
    size_t end = std::min(deltas.size(), b + kBlock);
    int64_t min_delta = static_cast<int64_t>(deltas[b]);
    for (size_t i = b; i < end; ++i)
      min_delta = std::min(min_delta, static_cast<int64_t>(deltas[i]));
    WriteUleb((static_cast<uint64_t>(min_delta) << 1) ^ static_cast<uint64_t>(min_delta >> 63),
              out);
    uint8_t widths[kMiniblocks] = {};
    std::vector<uint64_t> rel(kBlock, 0);
    for (size_t i = b; i < end; ++i) {
      rel[i - b] = deltas[i] - static_cast<uint64_t>(min_delta);
      if (int32) rel[i - b] &= 0xffffffffu;
    }
    size_t used = (end - b + kPerMiniblock - 1) / kPerMiniblock;
    for (size_t m = 0; m < used; ++m) {
      uint64_t max = 0;
      for (size_t k = 0; k < kPerMiniblock; ++k) max = std::max(max, rel[m * kPerMiniblock + k]);
      widths[m] = static_cast<uint8_t>(BitWidth(max));
    }
    out->append(reinterpret_cast<const char*>(widths), kMiniblocks);
    for (size_t m = 0; m < used; ++m) {
      PackBits(rel.data() + m * kPerMiniblock, kPerMiniblock, widths[m], out);
    }
  }
}

// ---------------------------------------------------------------------------

Status DeltaLengthByteArrayDecoder::Init(std::string_view data) {
  data_ = data;
  RETURN_IF_ERROR(lengths_.Init(data, /*int32=*/true));
  ASSIGN_OR_RETURN(bytes_pos_, lengths_.EndOffset());
  return Status::OK();
}

Status DeltaLengthByteArrayDecoder::Get(std::string_view* out, size_t n) {
  scratch_.resize(n);
  RETURN_IF_ERROR(lengths_.Get(scratch_.data(), n));
  for (size_t i = 0; i < n; ++i) {
    int64_t len = scratch_[i];
    if (len < 0 || static_cast<uint64_t>(len) > data_.size() - bytes_pos_) {
      return Status::Corruption(fmt::format(
          "DELTA_LENGTH_BYTE_ARRAY: value of {} bytes at byte {} exceeds the {} bytes left", len,
          bytes_pos_, data_.size() - bytes_pos_));
    }
    out[i] = data_.substr(bytes_pos_, len);
    bytes_pos_ += len;
  }
  return Status::OK();
}

Status DeltaByteArrayDecoder::Init(std::string_view data) {
  RETURN_IF_ERROR(prefixes_.Init(data, /*int32=*/true));
  ASSIGN_OR_RETURN(size_t end, prefixes_.EndOffset());
  RETURN_IF_ERROR(suffixes_.Init(data.substr(end)));
  if (suffixes_.values_left() != prefixes_.values_left()) {
    return Status::Corruption(fmt::format("DELTA_BYTE_ARRAY: {} prefixes but {} suffixes",
                                          prefixes_.values_left(), suffixes_.values_left()));
  }
  previous_.clear();
  return Status::OK();
}

Status DeltaByteArrayDecoder::Get(std::string_view* out, size_t n, ByteArena& arena) {
  prefix_scratch_.resize(n);
  suffix_scratch_.resize(n);
  RETURN_IF_ERROR(prefixes_.Get(prefix_scratch_.data(), n));
  RETURN_IF_ERROR(suffixes_.Get(suffix_scratch_.data(), n));
  for (size_t i = 0; i < n; ++i) {
    int64_t prefix = prefix_scratch_[i];
    if (prefix < 0 || static_cast<uint64_t>(prefix) > previous_.size()) {
      return Status::Corruption(
          fmt::format("DELTA_BYTE_ARRAY: prefix of {} bytes but the previous value has {}", prefix,
                      previous_.size()));
    }
    previous_.resize(prefix);
    previous_.append(suffix_scratch_[i]);
    out[i] = arena.Append(previous_);
  }
  return Status::OK();
}

}  // namespace freshet::parquet
