#include "index/segment/doc_value_blocks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "common/bit_packing.h"
#include "common/coding.h"
#include "index/segment/postings_iterator.h"

namespace freshet {
namespace {

constexpr size_t kHeaderBytes = 4 + 4;
constexpr size_t kDirectoryEntryBytes = 4 + 8 + 8;
constexpr size_t kNumericEntryBytes = 8 + 8 + 8 + 1 + 1;
constexpr size_t kLengthEntryBytes = 8 + 2 + 1;
constexpr uint32_t kMinBlockShift = 6;
constexpr uint32_t kMaxBlockShift = 16;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Integers stored as offsets from their block's min stay below 2^62 in
// magnitude, so every difference fits in 63 bits.
constexpr double kIntegerLimit = 4611686018427387904.0;  // 2^62

// Frozen: numeric block kinds on disk.
enum NumericKind : uint8_t {
  kEmpty = 0,
  kConstant = 1,
  kPacked = 2,
  kSparse = 3,
  kRaw = 4,
  // 16 + s for s in [1, kMaxDecimalScale]: decimals of s digits (below).
  kDecimal = 16,
};
constexpr uint32_t kMaxDecimalScale = 6;
constexpr double kPowersOfTen[kMaxDecimalScale + 1] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
constexpr double kDecimalLimit = 4503599627370496.0;  // 2^52: n and its differences stay exact

bool IsDecimalKind(uint8_t kind) { return kind > kDecimal && kind <= kDecimal + kMaxDecimalScale; }

// The n of v = n / 10^scale (the division correctly rounded: the double
// parsed from n's decimal text), if v is one.
std::optional<int64_t> DecimalDigits(double v, uint32_t scale) {
  const double scaled = v * kPowersOfTen[scale];
  if (!(std::fabs(scaled) < kDecimalLimit) || (v == 0 && std::signbit(v))) return std::nullopt;
  const auto n = static_cast<int64_t>(std::llround(scaled));
  if (static_cast<double>(n) / kPowersOfTen[scale] != v) return std::nullopt;
  return n;
}

// The fewest decimal digits (1 to kMaxDecimalScale) that write every
// non-NaN value of values[0, n) exactly, or 0.
uint32_t DecimalScale(const double* values, uint32_t n) {
  for (uint32_t scale = 1; scale <= kMaxDecimalScale; ++scale) {
    bool all = true;
    for (uint32_t i = 0; i < n && all; ++i) {
      all = std::isnan(values[i]) || DecimalDigits(values[i], scale).has_value();
    }
    if (all) return scale;
  }
  return 0;
}

uint64_t DoubleBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return bits;
}

bool IsInteger(double v) {
  return v == std::trunc(v) && std::fabs(v) < kIntegerLimit && !(v == 0 && std::signbit(v));
}

uint64_t BlockCount(uint32_t num_docs, uint32_t shift) {
  return (uint64_t{num_docs} + (uint64_t{1} << shift) - 1) >> shift;
}

// Appends the header, the directory and every column (its table, then its
// data) to a section. `encode_block(column, first, n, data_offset, table,
// data)` appends the block entry of docs [first, first + n) to *table and
// its data to *data, which will start at section offset data_offset.
template <typename ColumnT, typename Aggregate, typename EncodeBlock>
std::string EncodeColumns(const std::vector<ColumnT>& columns, uint32_t num_docs,
                          size_t entry_bytes, Aggregate aggregate, EncodeBlock encode_block) {
  const uint32_t shift = kDocValueBlockShift;
  const uint64_t block_count = BlockCount(num_docs, shift);
  std::string section;
  PutFixed32(&section, static_cast<uint32_t>(columns.size()));
  PutFixed32(&section, shift);
  const size_t directory = section.size();
  section.resize(directory + columns.size() * kDirectoryEntryBytes);
  for (size_t c = 0; c < columns.size(); ++c) {
    std::string entry;
    PutFixed32(&entry, static_cast<uint32_t>(columns[c].field));
    PutFixed64(&entry, section.size());
    PutFixed64(&entry, aggregate(columns[c]));
    section.replace(directory + c * kDirectoryEntryBytes, kDirectoryEntryBytes, entry);
    const uint64_t data_start = section.size() + block_count * entry_bytes;
    std::string table, data;
    for (uint64_t b = 0; b < block_count; ++b) {
      const uint32_t first = static_cast<uint32_t>(b << shift);
      const uint32_t n = std::min<uint32_t>(num_docs - first, uint32_t{1} << shift);
      encode_block(columns[c], first, n, data_start + data.size(), &table, &data);
    }
    section += table;
    section += data;
  }
  return section;
}

void EncodeNumericBlock(const double* values, uint32_t n, uint64_t data_offset, std::string* table,
                        std::string* data) {
  uint32_t count = 0;
  bool integers = true, constant = true;
  double min = kNaN, max = kNaN;
  for (uint32_t i = 0; i < n; ++i) {
    const double v = values[i];
    constant = constant && DoubleBits(v) == DoubleBits(values[0]);
    if (std::isnan(v)) continue;
    ++count;
    integers = integers && IsInteger(v);
    if (count == 1 || v < min) min = v;
    if (count == 1 || v > max) max = v;
  }
  uint8_t kind = kRaw, width = 0;
  if (count == 0) {
    kind = kEmpty;
  } else if (constant) {
    kind = kConstant;
  } else if (integers) {
    const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(max)) -
                           static_cast<uint64_t>(static_cast<int64_t>(min));
    kind = count == n ? kPacked : kSparse;
    width = static_cast<uint8_t>(BitWidth(kind == kPacked ? range : range + 1));
  }
  uint32_t scale = 0;
  if (kind == kRaw && (scale = DecimalScale(values, n)) > 0) {
    const int64_t range = *DecimalDigits(max, scale) - *DecimalDigits(min, scale);
    kind = static_cast<uint8_t>(kDecimal + scale);
    width = static_cast<uint8_t>(BitWidth(static_cast<uint64_t>(range) + 1));
  }
  PutDouble(table, min);
  PutDouble(table, max);
  PutFixed64(table, kind == kEmpty || kind == kConstant ? 0 : data_offset);
  table->push_back(static_cast<char>(kind));
  table->push_back(static_cast<char>(width));
  if (kind == kRaw) {
    for (uint32_t i = 0; i < n; ++i) PutDouble(data, values[i]);
  } else if (kind == kPacked || kind == kSparse) {
    const int64_t base = static_cast<int64_t>(min) - (kind == kSparse ? 1 : 0);
    std::vector<uint64_t> offsets(n, 0);
    for (uint32_t i = 0; i < n; ++i) {
      if (std::isnan(values[i])) continue;
      offsets[i] =
          static_cast<uint64_t>(static_cast<int64_t>(values[i])) - static_cast<uint64_t>(base);
    }
    PackBits(offsets.data(), n, width, data);
  } else if (IsDecimalKind(kind)) {
    const int64_t base = *DecimalDigits(min, scale) - 1;
    std::vector<uint64_t> offsets(n, 0);
    for (uint32_t i = 0; i < n; ++i) {
      if (!std::isnan(values[i])) offsets[i] = *DecimalDigits(values[i], scale) - base;
    }
    PackBits(offsets.data(), n, width, data);
  }
}

void EncodeLengthBlock(const uint16_t* lengths, uint32_t n, uint64_t data_offset,
                       std::string* table, std::string* data) {
  const auto [lo, hi] = std::minmax_element(lengths, lengths + n);
  const uint16_t base = *lo;
  const uint32_t width = BitWidth(static_cast<uint64_t>(*hi - base));
  std::vector<uint32_t> offsets(n);
  for (uint32_t i = 0; i < n; ++i) offsets[i] = lengths[i] - base;
  PutFixed64(table, data_offset);
  table->push_back(static_cast<char>(base & 0xff));
  table->push_back(static_cast<char>(base >> 8));
  table->push_back(static_cast<char>(width));
  PackBits32(offsets.data(), n, width, data);
}

// Whether the block entry describes data of n docs inside `section`.
bool DataFits(uint64_t data_offset, uint64_t data_bytes, std::string_view section) {
  return data_offset <= section.size() && data_bytes <= section.size() - data_offset;
}

bool NumericEntryValid(const char* entry, uint32_t n, std::string_view section) {
  const double min = DecodeDouble(entry);
  const uint64_t data_offset = DecodeFixed64(entry + 16);
  const uint8_t kind = static_cast<uint8_t>(entry[24]);
  const uint8_t width = static_cast<uint8_t>(entry[25]);
  switch (kind) {
    case kEmpty:
      return true;
    case kConstant:
      return !std::isnan(min);
    case kPacked:
    case kSparse:
      return IsInteger(min) && IsInteger(DecodeDouble(entry + 8)) &&
             min <= DecodeDouble(entry + 8) && width <= 64 &&
             DataFits(data_offset, PackedBytes(n, width), section);
    case kRaw:
      return DataFits(data_offset, uint64_t{n} * 8, section);
    default:
      return IsDecimalKind(kind) && !std::isnan(min) &&
             std::fabs(min) * kPowersOfTen[kind - kDecimal] < kDecimalLimit && width <= 53 &&
             DataFits(data_offset, PackedBytes(n, width), section);
  }
}

bool LengthEntryValid(const char* entry, uint32_t n, std::string_view section) {
  const uint8_t width = static_cast<uint8_t>(entry[10]);
  return width <= 16 && DataFits(DecodeFixed64(entry), PackedBytes(n, width), section);
}

}  // namespace

std::string EncodeNumericBlocks(const std::vector<NumericColumn>& columns, uint32_t num_docs) {
  return EncodeColumns(
      columns, num_docs, kNumericEntryBytes,
      [](const NumericColumn& c) {
        return static_cast<uint64_t>(std::count_if(c.values.begin(), c.values.end(),
                                                   [](double v) { return !std::isnan(v); }));
      },
      [](const NumericColumn& c, uint32_t first, uint32_t n, uint64_t data_offset,
         std::string* table, std::string* data) {
        EncodeNumericBlock(c.values.data() + first, n, data_offset, table, data);
      });
}

std::string EncodeLengthBlocks(const std::vector<FieldLengthColumn>& columns, uint32_t num_docs) {
  return EncodeColumns(
      columns, num_docs, kLengthEntryBytes,
      [](const FieldLengthColumn& c) {
        uint64_t total = 0;
        for (uint16_t n : c.lengths) total += n;
        return total;
      },
      [](const FieldLengthColumn& c, uint32_t first, uint32_t n, uint64_t data_offset,
         std::string* table, std::string* data) {
        EncodeLengthBlock(c.lengths.data() + first, n, data_offset, table, data);
      });
}

Status DocValueBlocks::ParseBlocks(std::string_view segment_name, SectionView section,
                                   std::string_view what, size_t entry_bytes,
                                   EntryCheck entry_valid, uint32_t num_docs, size_t field_count,
                                   Blocks* blocks) {
  const std::string_view s = section.bytes;
  if (s.size() < kHeaderBytes) {
    return SegmentCorruption(segment_name, fmt::format("{} truncated", what), section.offset);
  }
  const uint32_t column_count = DecodeFixed32(s.data());
  const uint32_t shift = DecodeFixed32(s.data() + 4);
  if (column_count > field_count || shift < kMinBlockShift || shift > kMaxBlockShift ||
      (s.size() - kHeaderBytes) / kDirectoryEntryBytes < column_count) {
    return SegmentCorruption(segment_name, fmt::format("{} header", what), section.offset);
  }
  blocks->bytes = s;
  blocks->shift = shift;
  blocks->columns.assign(field_count, Column{});
  const uint64_t block_count = BlockCount(num_docs, shift);
  for (uint32_t c = 0; c < column_count; ++c) {
    const size_t at = kHeaderBytes + size_t{c} * kDirectoryEntryBytes;
    const uint32_t field = DecodeFixed32(s.data() + at);
    const uint64_t table = DecodeFixed64(s.data() + at + 4);
    if (field >= field_count || blocks->columns[field].table != nullptr ||
        !DataFits(table, block_count * entry_bytes, s)) {
      return SegmentCorruption(segment_name, fmt::format("{} column {}", what, c),
                               section.offset + at);
    }
    blocks->columns[field] = {s.data() + table, DecodeFixed64(s.data() + at + 12)};
    for (uint64_t b = 0; b < block_count; ++b) {
      const uint64_t first = b << shift;
      const uint32_t n =
          static_cast<uint32_t>(std::min<uint64_t>(num_docs - first, uint64_t{1} << shift));
      const uint64_t entry = table + b * entry_bytes;
      if (!entry_valid(s.data() + entry, n, s)) {
        return SegmentCorruption(segment_name,
                                 fmt::format("{} block {} of field {}", what, b, field),
                                 section.offset + entry);
      }
    }
  }
  return Status::OK();
}

Status DocValueBlocks::Open(std::string_view segment_name, SectionView numeric, SectionView lengths,
                            uint32_t num_docs, size_t field_count) {
  num_docs_ = num_docs;
  RETURN_IF_ERROR(ParseBlocks(segment_name, numeric, "numeric blocks", kNumericEntryBytes,
                              &NumericEntryValid, num_docs, field_count, &numeric_));
  return ParseBlocks(segment_name, lengths, "length blocks", kLengthEntryBytes, &LengthEntryValid,
                     num_docs, field_count, &lengths_);
}

const DocValueBlocks::Column* DocValueBlocks::ColumnOf(const Blocks& blocks, size_t field) {
  if (field >= blocks.columns.size() || blocks.columns[field].table == nullptr) return nullptr;
  return &blocks.columns[field];
}

bool DocValueBlocks::HasNumeric(size_t field) const { return ColumnOf(numeric_, field) != nullptr; }

double DocValueBlocks::NumericInBlock(const char* entry, uint32_t index) const {
  const char* data = numeric_.bytes.data() + DecodeFixed64(entry + 16);
  switch (static_cast<uint8_t>(entry[24])) {
    case kConstant:
      return DecodeDouble(entry);
    case kPacked:
    case kSparse: {
      uint64_t offset = PackedValueWithin(data, static_cast<size_t>(numeric_.bytes.end() - data),
                                          index, static_cast<uint8_t>(entry[25]));
      if (static_cast<uint8_t>(entry[24]) == kSparse) {
        if (offset == 0) return kNaN;
        --offset;
      }
      const uint64_t min = static_cast<uint64_t>(static_cast<int64_t>(DecodeDouble(entry)));
      return static_cast<double>(static_cast<int64_t>(min + offset));
    }
    case kRaw:
      return DecodeDouble(data + size_t{index} * 8);
    default:
      return DecimalInBlock(entry, data, index);
  }
}

double DocValueBlocks::DecimalInBlock(const char* entry, const char* data, uint32_t index) const {
  const uint8_t kind = static_cast<uint8_t>(entry[24]);
  if (!IsDecimalKind(kind)) return kNaN;
  const uint64_t offset = PackedValueWithin(data, static_cast<size_t>(numeric_.bytes.end() - data),
                                            index, static_cast<uint8_t>(entry[25]));
  if (offset == 0) return kNaN;
  const double power = kPowersOfTen[kind - kDecimal];
  // The entry's min is n_min / 10^scale (checked at Open to be in range):
  // min * 10^scale is within rounding of the integer n_min, which adding a
  // half away from zero and truncating finds without a call to llround.
  const double scaled = DecodeDouble(entry) * power;
  const auto base = static_cast<int64_t>(scaled + (scaled < 0 ? -0.5 : 0.5)) - 1;
  return static_cast<double>(base + static_cast<int64_t>(offset)) / power;
}

double DocValueBlocks::Numeric(size_t field, uint32_t ord) const {
  const Column* c = ColumnOf(numeric_, field);
  if (!c) return kNaN;
  const uint32_t shift = numeric_.shift;
  return NumericInBlock(c->table + size_t{ord >> shift} * kNumericEntryBytes,
                        ord & ((uint32_t{1} << shift) - 1));
}

std::optional<NumericBlockRange> DocValueBlocks::NumericBlock(size_t field, uint32_t ord) const {
  const Column* c = ColumnOf(numeric_, field);
  if (!c) return std::nullopt;
  const uint64_t block = ord >> numeric_.shift;
  const char* entry = c->table + block * kNumericEntryBytes;
  const uint32_t end =
      static_cast<uint32_t>(std::min<uint64_t>(num_docs_, (block + 1) << numeric_.shift));
  if (static_cast<uint8_t>(entry[24]) == kEmpty) return NumericBlockRange{kNaN, kNaN, end - 1};
  return NumericBlockRange{DecodeDouble(entry), DecodeDouble(entry + 8), end - 1};
}

uint32_t DocValueBlocks::NextInRange(size_t field, uint32_t target, double lo, double hi) const {
  const Column* c = ColumnOf(numeric_, field);
  if (!c || !(lo <= hi)) return kNoMoreDocs;
  const uint32_t shift = numeric_.shift;
  uint32_t ord = target;
  while (ord < num_docs_) {
    const uint64_t block = ord >> shift;
    const char* entry = c->table + block * kNumericEntryBytes;
    const uint32_t end = static_cast<uint32_t>(std::min<uint64_t>(num_docs_, (block + 1) << shift));
    const uint8_t kind = static_cast<uint8_t>(entry[24]);
    const double min = DecodeDouble(entry), max = DecodeDouble(entry + 8);
    if (kind == kEmpty || max < lo || min > hi) {
      ord = end;
      continue;
    }
    const uint32_t first = static_cast<uint32_t>(block << shift);
    const char* data = numeric_.bytes.data() + DecodeFixed64(entry + 16);
    switch (kind) {
      case kConstant:
        if (min >= lo && min <= hi) return ord;
        break;
      case kPacked:
      case kSparse: {
        // The range as offsets from the block's base (min, or min - 1 in a
        // sparse block whose offset 0 is no value): lo <= max and hi >= min
        // here, and both are integers below 2^62 in magnitude.
        const int64_t base = static_cast<int64_t>(min) - (kind == kSparse ? 1 : 0);
        const uint64_t lo_offset =
            lo <= min ? static_cast<uint64_t>(static_cast<int64_t>(min) - base)
                      : static_cast<uint64_t>(static_cast<int64_t>(std::ceil(lo)) - base);
        const uint64_t hi_offset =
            hi >= max ? static_cast<uint64_t>(static_cast<int64_t>(max) - base)
                      : static_cast<uint64_t>(static_cast<int64_t>(std::floor(hi)) - base);
        if (kind == kPacked && lo <= min && max <= hi) return ord;  // every doc has a value
        const uint32_t width = static_cast<uint8_t>(entry[25]);
        const size_t readable = static_cast<size_t>(numeric_.bytes.end() - data);
        for (; ord < end; ++ord) {
          const uint64_t offset = PackedValueWithin(data, readable, ord - first, width);
          if (offset >= lo_offset && offset <= hi_offset) return ord;
        }
        break;
      }
      case kRaw:
        for (; ord < end; ++ord) {
          const double v = DecodeDouble(data + size_t{ord - first} * 8);
          if (v >= lo && v <= hi) return ord;
        }
        break;
      default:
        for (; ord < end; ++ord) {
          const double v = DecimalInBlock(entry, data, ord - first);
          if (v >= lo && v <= hi) return ord;
        }
        break;
    }
    ord = end;
  }
  return kNoMoreDocs;
}

std::optional<uint32_t> DocValueBlocks::FieldLength(size_t field, uint32_t ord) const {
  const Column* c = ColumnOf(lengths_, field);
  if (!c) return std::nullopt;
  const uint32_t shift = lengths_.shift;
  const char* entry = c->table + size_t{ord >> shift} * kLengthEntryBytes;
  const uint32_t base = static_cast<uint8_t>(entry[8]) | (static_cast<uint8_t>(entry[9]) << 8);
  const char* data = lengths_.bytes.data() + DecodeFixed64(entry);
  return base + static_cast<uint32_t>(PackedValueWithin(
                    data, static_cast<size_t>(lengths_.bytes.end() - data),
                    ord & ((uint32_t{1} << shift) - 1), static_cast<uint8_t>(entry[10])));
}

std::optional<uint64_t> DocValueBlocks::TotalFieldLength(size_t field) const {
  const Column* c = ColumnOf(lengths_, field);
  if (!c) return std::nullopt;
  return c->aggregate;
}

}  // namespace freshet
