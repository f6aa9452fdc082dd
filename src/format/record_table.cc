#include "format/record_table.h"

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

uint32_t RecordTable::Append(const RecordBatch& batch, size_t row) {
  uint32_t index = static_cast<uint32_t>(rows_++);
  for (size_t c = 0; c < columns_; ++c) Put(batch.View(c, row));
  return index;
}

uint32_t RecordTable::Append(const Row& values) {
  uint32_t index = static_cast<uint32_t>(rows_++);
  for (size_t c = 0; c < columns_; ++c) Put(ViewOf(values[c]));
  return index;
}

ValueView RecordTable::View(uint32_t row, size_t column) const {
  const Cell& c = cells_[static_cast<size_t>(row) * columns_ + column];
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
  Row out(columns_);
  for (size_t col = 0; col < columns_; ++col) {
    const Cell& c = cells_[static_cast<size_t>(row) * columns_ + col];
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
         arena_.total();
}

}  // namespace freshet
