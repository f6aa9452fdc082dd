#include "format/record_table.h"

#include <algorithm>
#include <string>

#include "common/huge_pages.h"

namespace freshet {

void RecordTable::Put(const ValueView& v) {
  Cell c;
  c.i = 0;
  c.size = 0;
  c.type = v.type;
  switch (v.type) {
    case ValueType::kNull:
      break;
    case ValueType::kBool:
    case ValueType::kInt64:
      c.i = v.i;
      break;
    case ValueType::kDouble:
      c.d = v.d;
      break;
    case ValueType::kString: {
      std::string_view s = arena_.Append(v.s);
      c.s = s.data();
      c.size = static_cast<uint32_t>(s.size());
      break;
    }
    case ValueType::kStringList:
      c.first = items_.size();
      if (v.list) {
        for (const std::string& e : *v.list) items_.push_back(arena_.Append(e));
        c.size = static_cast<uint32_t>(v.list->size());
      }
      break;
  }
  cells_.push_back(c);
}

void RecordTable::Reserve(size_t rows) {
  cells_.reserve(rows * columns_);
  AdviseHugePages(cells_.data(), cells_.capacity() * sizeof(Cell));
}

void RecordTable::StartCopiedRow() {
  if (segments_.empty() || segments_.back().batch.owner != nullptr) {
    Segment s;
    s.first_row = static_cast<uint32_t>(rows_);
    s.first_cell_row = cells_.size() / columns_;
    segments_.push_back(std::move(s));
  }
}

uint32_t RecordTable::Append(const RecordBatch& batch, size_t row) {
  StartCopiedRow();
  uint32_t index = static_cast<uint32_t>(rows_++);
  for (size_t c = 0; c < columns_; ++c) Put(batch.View(c, row));
  return index;
}

uint32_t RecordTable::Append(const Row& values) {
  StartCopiedRow();
  uint32_t index = static_cast<uint32_t>(rows_++);
  for (size_t c = 0; c < columns_; ++c) Put(ViewOf(values[c]));
  return index;
}

uint32_t RecordTable::Adopt(const RecordBatch& batch) {
  Segment s;
  s.first_row = static_cast<uint32_t>(rows_);
  s.batch = batch;
  segments_.push_back(std::move(s));
  rows_ += batch.rows;
  adopted_bytes_ += batch.owner_bytes;
  return segments_.back().first_row;
}

const RecordTable::Segment& RecordTable::SegmentOf(uint32_t row) const {
  if (segments_.size() == 1) return segments_[0];
  auto it = std::upper_bound(segments_.begin(), segments_.end(), row,
                             [](uint32_t r, const Segment& s) { return r < s.first_row; });
  return *(it - 1);
}

ValueView RecordTable::View(uint32_t row, size_t column) const {
  const Segment& segment = SegmentOf(row);
  if (segment.batch.owner) return segment.batch.View(column, row - segment.first_row);
  const Cell& c = CellAt(segment, row, column);
  ValueView out;
  out.type = c.type;
  switch (c.type) {
    case ValueType::kBool:
    case ValueType::kInt64:
      out.i = c.i;
      break;
    case ValueType::kDouble:
      out.d = c.d;
      break;
    case ValueType::kString:
      out.s = std::string_view(c.s, c.size);
      break;
    case ValueType::kStringList:  // elements: see RowAt
    case ValueType::kNull:
      break;
  }
  return out;
}

Row RecordTable::RowAt(uint32_t row) const {
  const Segment& segment = SegmentOf(row);
  Row out(columns_);
  if (segment.batch.owner) {
    segment.batch.RowInto(row - segment.first_row, &out);
    return out;
  }
  for (size_t col = 0; col < columns_; ++col) {
    const Cell& c = CellAt(segment, row, col);
    if (c.type == ValueType::kStringList) {
      Value& v = out[col];
      v.type = ValueType::kStringList;
      v.list.reserve(c.size);
      for (uint32_t e = 0; e < c.size; ++e) v.list.emplace_back(items_[c.first + e]);
      continue;
    }
    out[col] = View(row, col).ToValue();
  }
  return out;
}

size_t RecordTable::MemoryBytes() const {
  return cells_.capacity() * sizeof(Cell) + items_.capacity() * sizeof(std::string_view) +
         arena_.total() + adopted_bytes_ + segments_.capacity() * sizeof(Segment);
}

}  // namespace freshet
