// Doc values: per-doc columns of a field, in doc ordinal order.
//
// NUMERIC (frozen): varint column count, then per column varint field and
// num_docs f64 (NaN: no value).
// FIELD_LENGTHS (frozen, since format version 2): varint column count, then
// per text field varint field and num_docs u16 token counts (saturated at
// 65535): BM25's length normalization.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/segment/section_container.h"

namespace freshet {

struct NumericColumn {
  size_t field = 0;
  std::vector<double> values;  // one per doc
};

struct FieldLengthColumn {
  size_t field = 0;
  std::vector<uint16_t> lengths;  // one per doc
};

// A token count as FIELD_LENGTHS stores it.
inline uint16_t SaturatedFieldLength(uint64_t tokens) {
  return tokens > UINT16_MAX ? UINT16_MAX : static_cast<uint16_t>(tokens);
}

std::string EncodeNumericColumns(const std::vector<NumericColumn>& columns);
std::string EncodeFieldLengths(const std::vector<FieldLengthColumn>& columns);

// Read access to the NUMERIC and FIELD_LENGTHS sections. Thread-safe after
// Open (read-only); the sections' bytes must outlive the object.
class DocValues {
 public:
  // `field_lengths`: nullopt for a format-1 segment (no lengths). Corruption
  // naming the segment and the section when a column is truncated or names a
  // field at or past `field_count`.
  Status Open(std::string_view segment_name, SectionView numeric,
              std::optional<SectionView> field_lengths, uint32_t num_docs, size_t field_count);

  // The value of `field` for doc `ord`; NaN when the field has no column.
  // REQUIRES: ord < num_docs.
  double Numeric(size_t field, uint32_t ord) const;
  // The first doc at or after `target` whose value of `field` is in
  // [lo, hi] (NaN never matches), by a linear scan; kNoMoreDocs
  // (postings_iterator.h) if none.
  uint32_t NextInRange(size_t field, uint32_t target, double lo, double hi) const;
  // Token count of `field` in doc `ord`, and the sum over every doc; nullopt
  // when the field has no length column.
  std::optional<uint32_t> FieldLength(size_t field, uint32_t ord) const;
  std::optional<uint64_t> TotalFieldLength(size_t field) const;

 private:
  struct LengthColumn {
    size_t field;
    std::string_view column;  // num_docs little-endian u16
    uint64_t total;
  };
  const LengthColumn* FindLengthColumn(size_t field) const;
  // The column of `field` (num_docs little-endian doubles), or nullptr.
  const std::string_view* FindNumericColumn(size_t field) const;

  // (field id, column of num_docs little-endian doubles)
  std::vector<std::pair<size_t, std::string_view>> numeric_columns_;
  std::vector<LengthColumn> length_columns_;
  uint32_t num_docs_ = 0;
};

}  // namespace freshet
