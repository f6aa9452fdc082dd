#include "index/segment/doc_values.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <utility>

#include "common/coding.h"
#include "index/segment/postings_iterator.h"
#include "index/segment/section_container.h"

namespace freshet {
namespace {

uint16_t DecodeU16(const char* p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8));
}

// Splits a NUMERIC or FIELD_LENGTHS section (named `what`) into its
// (field, column of num_docs values of `value_bytes` each).
Result<std::vector<std::pair<size_t, std::string_view>>> SplitColumns(
    std::string_view segment_name, SectionView section, std::string_view what, size_t value_bytes,
    uint32_t num_docs, size_t field_count) {
  Cursor c(section.bytes);
  uint64_t n;
  if (!c.GetVarint(&n) || n > field_count) {
    return SegmentCorruption(segment_name, fmt::format("bad {}", what), section.offset);
  }
  std::vector<std::pair<size_t, std::string_view>> columns;
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t at = section.offset + c.position();
    uint64_t f;
    std::string_view column;
    if (!c.GetVarint(&f) || f >= field_count ||
        !c.GetBytes(uint64_t{num_docs} * value_bytes, &column)) {
      return SegmentCorruption(segment_name, fmt::format("bad {} column", what), at);
    }
    columns.emplace_back(static_cast<size_t>(f), column);
  }
  return columns;
}

}  // namespace

std::string EncodeNumericColumns(const std::vector<NumericColumn>& columns) {
  std::string section;
  PutVarint(&section, columns.size());
  for (const NumericColumn& c : columns) {
    PutVarint(&section, c.field);
    for (double v : c.values) PutDouble(&section, v);
  }
  return section;
}

std::string EncodeFieldLengths(const std::vector<FieldLengthColumn>& columns) {
  std::string section;
  PutVarint(&section, columns.size());
  for (const FieldLengthColumn& c : columns) {
    PutVarint(&section, c.field);
    for (uint16_t n : c.lengths) {
      section.push_back(static_cast<char>(n & 0xff));
      section.push_back(static_cast<char>(n >> 8));
    }
  }
  return section;
}

Status DocValues::Open(std::string_view segment_name, SectionView numeric,
                       std::optional<SectionView> field_lengths, uint32_t num_docs,
                       size_t field_count) {
  num_docs_ = num_docs;
  ASSIGN_OR_RETURN(numeric_columns_,
                   SplitColumns(segment_name, numeric, "NUMERIC", 8, num_docs, field_count));
  if (!field_lengths) return Status::OK();
  ASSIGN_OR_RETURN(auto columns, SplitColumns(segment_name, *field_lengths, "FIELD_LENGTHS", 2,
                                              num_docs, field_count));
  for (const auto& [field, column] : columns) {
    uint64_t total = 0;
    for (uint32_t d = 0; d < num_docs; ++d) total += DecodeU16(column.data() + size_t{d} * 2);
    length_columns_.push_back({field, column, total});
  }
  return Status::OK();
}

const std::string_view* DocValues::FindNumericColumn(size_t field) const {
  for (const auto& [f, col] : numeric_columns_) {
    if (f == field) return &col;
  }
  return nullptr;
}

double DocValues::Numeric(size_t field, uint32_t ord) const {
  const std::string_view* col = FindNumericColumn(field);
  if (!col) return std::numeric_limits<double>::quiet_NaN();
  return DecodeDouble(col->data() + size_t{ord} * 8);
}

uint32_t DocValues::NextInRange(size_t field, uint32_t target, double lo, double hi) const {
  const std::string_view* col = FindNumericColumn(field);
  if (!col) return kNoMoreDocs;
  for (uint32_t ord = target; ord < num_docs_; ++ord) {
    const double v = DecodeDouble(col->data() + size_t{ord} * 8);
    if (v >= lo && v <= hi) return ord;
  }
  return kNoMoreDocs;
}

const DocValues::LengthColumn* DocValues::FindLengthColumn(size_t field) const {
  for (const LengthColumn& c : length_columns_) {
    if (c.field == field) return &c;
  }
  return nullptr;
}

std::optional<uint32_t> DocValues::FieldLength(size_t field, uint32_t ord) const {
  const LengthColumn* c = FindLengthColumn(field);
  if (!c) return std::nullopt;
  return DecodeU16(c->column.data() + size_t{ord} * 2);
}

std::optional<uint64_t> DocValues::TotalFieldLength(size_t field) const {
  const LengthColumn* c = FindLengthColumn(field);
  if (!c) return std::nullopt;
  return c->total;
}

}  // namespace freshet
