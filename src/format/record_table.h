// RecordTable: rows of a fixed number of columns kept compactly: one 16-byte
// cell per value, string bytes and list elements in an arena the table
// owns. Appending a row copies its values in without a heap allocation per
// value; destroying the table frees everything in a few bulk frees. A batch
// whose reader lets it be kept (RecordBatch::owner) is adopted whole
// instead: its rows become rows of the table without a copy.
//
// Row indexes and the views the table returns stay valid until the table is
// destroyed (hold it by unique_ptr to move its owner). Not thread-safe while
// it grows; concurrent reads of a table no one appends to are safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "format/byte_arena.h"
#include "format/record_batch.h"
#include "format/row.h"

namespace freshet {

class RecordTable {
 public:
  explicit RecordTable(size_t columns) : columns_(columns) {}
  RecordTable(const RecordTable&) = delete;
  RecordTable& operator=(const RecordTable&) = delete;

  size_t columns() const { return columns_; }
  size_t rows() const { return rows_; }

  // Room for `rows` rows without regrowing the cells.
  void Reserve(size_t rows);

  // Appends row `row` of `batch` (REQUIRES: batch.columns.size() ==
  // columns()) or `values` (REQUIRES: values.size() == columns()); returns
  // the new row's index.
  uint32_t Append(const RecordBatch& batch, size_t row);
  uint32_t Append(const Row& values);
  // Makes the batch's rows the table's next batch.rows rows, holding
  // batch.owner (no value is copied); returns the index of its first row.
  // REQUIRES: batch.owner != nullptr, batch.columns.size() == columns().
  uint32_t Adopt(const RecordBatch& batch);

  // Copies `bytes` into the table's arena.
  std::string_view Store(std::string_view bytes) { return arena_.Append(bytes); }

  // REQUIRES: row < rows(), column < columns(). A list's view holds only
  // its type (list == nullptr) unless the row was adopted; RowAt has its
  // elements.
  ValueView View(uint32_t row, size_t column) const;
  Row RowAt(uint32_t row) const;

  // Bytes held (cells, list elements and arena), for memory accounting.
  size_t MemoryBytes() const;

 private:
  struct Cell {
    union {
      int64_t i;
      double d;
      const char* s;
      uint64_t first;  // kStringList: index of its first element in items_
    };
    uint32_t size;  // kString: bytes; kStringList: elements
    ValueType type;
  };
  static_assert(sizeof(Cell) == 16);
  // Consecutive rows of the table: adopted from a batch (batch.owner set)
  // or copied into cells_ from row `first_cell_row` of it on.
  struct Segment {
    uint32_t first_row = 0;
    RecordBatch batch;
    size_t first_cell_row = 0;
  };

  void Put(const ValueView& v);
  // The segment holding `row`. REQUIRES: row < rows().
  const Segment& SegmentOf(uint32_t row) const;
  const Cell& CellAt(const Segment& segment, uint32_t row, size_t column) const {
    return cells_[(segment.first_cell_row + (row - segment.first_row)) * columns_ + column];
  }
  // Starts a segment of copied rows unless the last one is.
  void StartCopiedRow();

  size_t columns_;
  size_t rows_ = 0;
  std::vector<Segment> segments_;
  size_t adopted_bytes_ = 0;
  std::vector<Cell> cells_;  // row-major
  std::vector<std::string_view> items_;
  ByteArena arena_;
};

}  // namespace freshet
