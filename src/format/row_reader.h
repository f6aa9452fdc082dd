// Reading rows out of one input file, in any supported format.
//
// Readers never throw and never crash on bad input: a record that cannot be
// decoded is reported to the sink with its row number and byte offset, and
// reading goes on where the format allows (JSON Lines: the next line). A file
// that cannot be decoded at all returns Corruption naming the file and offset.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/record_batch.h"
#include "format/row.h"
#include "storage/object_store.h"

namespace freshet {

// Receives rows in file order, one by one (OnRow) or a batch at a time
// (OnBatch), as the format decodes them. Not called concurrently for one
// file.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // `row_number` is 1-based (a JSON Lines line number, a Parquet row index + 1).
  // Returning a non-OK status stops the read and is returned by Read. The
  // sink may take the values out of `row`.
  virtual Status OnRow(Row& row, uint64_t row_number) = 0;
  // Rows `first_row_number` .. `first_row_number + batch.rows - 1`, valid
  // only during the call. The default hands them to OnRow one by one and
  // stops at the first non-OK status; sinks that work on columns override it.
  virtual Status OnBatch(const RecordBatch& batch, uint64_t first_row_number);
  // Before the first row: how many rows the file announces (a Parquet
  // footer's count; may be wrong in a damaged file). Only a hint for
  // reservations.
  virtual void OnRowCountHint(uint64_t rows) { (void)rows; }
  // A record that could not be decoded. Returning non-OK stops the read.
  virtual Status OnBadRow(uint64_t row_number, uint64_t byte_offset, std::string reason) = 0;
};

// Frozen: appears in configs.
enum class FileFormat { kJsonLines, kParquet };

Result<FileFormat> ParseFileFormat(std::string_view name);
std::string_view FileFormatName(FileFormat format);
// True if `key` names a data file of `format` (by extension: .jsonl/.json/.ndjson, .parquet).
bool IsDataFile(FileFormat format, std::string_view key);

class RowReader {
 public:
  virtual ~RowReader() = default;
  // `threads`: threads decoding one file (Parquet; JSON Lines reads on the
  // caller's thread).
  static std::unique_ptr<RowReader> Create(FileFormat format, int threads = 2);

  // Reads `file` from `store` and delivers the values of `columns` (missing
  // columns as nulls) to `sink`. Thread-safe: one reader may serve many files
  // concurrently.
  virtual Status Read(ObjectStore& store, const ObjectInfo& file,
                      const std::vector<std::string>& columns, RowSink& sink) = 0;
};

}  // namespace freshet
