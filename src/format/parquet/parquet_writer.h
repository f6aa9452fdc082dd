// ParquetWriter: writes rows of a flat schema as one Parquet file in memory.
//
// Layout: "PAR1", row groups (each column chunk: an optional dictionary page,
// then data pages v1), the Thrift footer, its length and "PAR1". Columns are
// string (BYTE_ARRAY + STRING), int64 (INT64), double (DOUBLE) or bool
// (BOOLEAN), each OPTIONAL or REQUIRED. Dictionary encoding (RLE_DICTIONARY)
// is used while a chunk's dictionary stays under dictionary_max_bytes; the
// rest of the chunk falls back to PLAIN pages. Chunks carry min/max/null
// count statistics (TypeDefinedOrder); pages carry CRCs.
//
// Usage: Create, AppendRow for each row, Finish for the bytes, which the
// caller Puts into an ObjectStore. Not thread-safe. The output is
// deterministic: the same rows and options give the same bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "format/parquet/parquet_metadata.h"
#include "format/row.h"

namespace freshet::parquet {

struct WriterColumn {
  std::string name;
  ValueType type = ValueType::kString;  // kString, kInt64, kDouble or kBool
  bool optional = true;
};

struct ParquetWriterOptions {
  Codec codec = Codec::kSnappy;  // UNCOMPRESSED, SNAPPY, GZIP or ZSTD
  int compression_level = 0;     // 0: the codec's default
  bool dictionary = true;
  // A chunk's dictionary grows up to this many (PLAIN-encoded) bytes.
  uint64_t dictionary_max_bytes = 1 << 20;
  // A row group ends at whichever comes first.
  uint64_t row_group_rows = 1 << 20;
  uint64_t row_group_bytes = 128 << 20;
  // A page ends at whichever comes first (estimated encoded bytes).
  uint64_t page_bytes = 1 << 20;
  uint64_t page_rows = 20000;
  std::string created_by = "freshet";
};

class ParquetWriter {
 public:
  // InvalidArgument for an empty schema, duplicate or empty names, or column
  // types other than string/int64/double/bool; NotSupported for other codecs.
  static Result<std::unique_ptr<ParquetWriter>> Create(std::vector<WriterColumn> columns,
                                                       ParquetWriterOptions options = {});
  ~ParquetWriter();

  // Buffers one row (values in schema order). InvalidArgument, naming the
  // column and the row number, for a wrong number of values, a null in a
  // required column or a value of another type (an int64 is accepted in a
  // double column). A failed row leaves the writer unchanged.
  Status AppendRow(const Row& row);

  // Flushes the last row group and returns the whole file. REQUIRES: called once.
  Result<std::string> Finish();

  uint64_t rows() const { return total_rows_; }

 private:
  struct ColumnBuffer;
  ParquetWriter(std::vector<WriterColumn> columns, ParquetWriterOptions options);
  Status FlushRowGroup();
  Status WriteChunk(ColumnBuffer& buffer, const WriterColumn& column, ColumnChunk* chunk);

  std::vector<WriterColumn> columns_;
  ParquetWriterOptions options_;
  std::vector<std::unique_ptr<ColumnBuffer>> buffers_;
  std::string out_;
  FileMetaData metadata_;
  uint64_t group_rows_ = 0;
  uint64_t group_bytes_ = 0;
  uint64_t total_rows_ = 0;
  bool finished_ = false;
};

}  // namespace freshet::parquet
