// Column batches: the values of consecutive rows, column by column, as a
// reader decodes them (no heap allocation per scalar value), and the view of
// one batch of a projection that a RowSink receives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/row.h"

namespace freshet {

// Values of one column for a run of consecutive rows. Row i is null when
// types[i] == kNull; otherwise its value is ints[i] (kBool, kInt64, and the
// day number of a DATE column), doubles[i] (kDouble) or strings[i]
// (kString) or lists[i] (kStringList, list columns only). String views stay
// valid while the batch (its pins) lives.
struct ColumnBatch {
  std::vector<ValueType> types;
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<std::string_view> strings;
  std::vector<std::vector<std::string>> lists;
  std::vector<std::shared_ptr<const void>> pins;
  // Bytes of the buffers in `pins` that this batch was the first to pin
  // (so that summing over the batches of a column counts each buffer once).
  size_t pinned_bytes = 0;

  size_t size() const { return types.size(); }
  // About how much memory holding this batch keeps: its vectors and
  // pinned_bytes.
  size_t MemoryBytes() const;
};

// One value without its storage: `s` (kString) and `list` (kStringList)
// point into the batch or row it was taken from and stay valid as long as
// that does. kBool is held in `i` (0 or 1).
struct ValueView {
  ValueType type = ValueType::kNull;
  int64_t i = 0;
  double d = 0;
  std::string_view s;
  const std::vector<std::string>* list = nullptr;

  bool is_null() const { return type == ValueType::kNull; }
  // The value as an owned Value.
  Value ToValue() const;
};

// The view of a Value; valid as long as `v` is.
ValueView ViewOf(const Value& v);

// Consecutive rows of a projection, column by column: columns[c] holds the
// values of projected column c, or is nullptr when the file lacks that
// column (every row reads as null there). The batches are borrowed: a batch
// is valid only during the RowSink::OnBatch call that receives it, unless
// `owner` is set: holding `owner` keeps every column (and the strings they
// view) valid and unchanged, so that a sink may keep the batch's values
// without copying them (RecordTable::Adopt).
struct RecordBatch {
  size_t rows = 0;
  std::vector<const ColumnBatch*> columns;
  std::shared_ptr<const void> owner;
  size_t owner_bytes = 0;  // about how much memory holding `owner` keeps

  // REQUIRES: column < columns.size(), row < rows.
  ValueView View(size_t column, size_t row) const;
  // Row `row` into `*out` (resized to columns.size()), reusing the storage
  // of its values.
  void RowInto(size_t row, Row* out) const;
};

// Inline: the reduction views a few columns of every row.
inline ValueView RecordBatch::View(size_t column, size_t row) const {
  ValueView out;
  const ColumnBatch* col = columns[column];
  if (col == nullptr) return out;
  out.type = col->types[row];
  switch (out.type) {
    case ValueType::kBool:
    case ValueType::kInt64:
      out.i = col->ints[row];
      break;
    case ValueType::kDouble:
      out.d = col->doubles[row];
      break;
    case ValueType::kString:
      out.s = col->strings[row];
      break;
    case ValueType::kStringList:
      out.list = &col->lists[row];
      break;
    case ValueType::kNull:
      break;
  }
  return out;
}

}  // namespace freshet
