// Reading Parquet files: ParquetFile (footer, schema, column chunks) and
// ParquetReader, the RowReader for FileFormat::kParquet.
//
// Access pattern: the footer is read first through ObjectStore::Head /
// GetRange (one ranged read of the file's tail, a second one only for very
// large footers), then only the column chunks of projected columns, one
// ranged read per chunk. This works unchanged on object stores such as S3.
//
// Flat and list columns (see parquet_schema.h for the value mapping); other
// nested top-level fields are skipped and reported by ParquetSchema::skipped(),
// and projecting one is NotSupported. Errors name the file (and where it applies
// the column, row group and byte offset).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/parquet/parquet_column_reader.h"
#include "format/parquet/parquet_metadata.h"
#include "format/parquet/parquet_schema.h"
#include "format/row_reader.h"
#include "storage/object_store.h"

namespace freshet::parquet {

struct ParquetReadOptions {
  // Threads decoding ahead of the caller; 1 decodes inline. Each decodes a
  // row group when the file has at least as many row groups as threads,
  // else a share of the columns of one (so that threads help on a file of
  // one row group). Rows are still delivered strictly in file order.
  int threads = 2;
  // Verify page CRCs when the writer stored them.
  bool verify_checksums = true;
  // Rows per decoded batch (fewer for very wide rows).
  size_t batch_rows = 4096;
  // See ColumnReadOptions.
  uint64_t max_list_batch_bytes = ColumnReadOptions().max_list_batch_bytes;
};

// An open Parquet file: its decoded footer and flat schema. Immutable after
// Open; thread-safe for concurrent OpenColumn calls. The store must outlive it.
class ParquetFile {
 public:
  // The footer may not exceed this many bytes.
  static constexpr uint64_t kMaxFooterBytes = 256 << 20;

  // Reads and validates the footer. Corruption for a file that is too short,
  // lacks the PAR1 magic, or has an inconsistent footer; NotSupported for
  // encrypted files.
  static Result<std::unique_ptr<ParquetFile>> Open(ObjectStore& store, const ObjectInfo& file);

  const std::string& name() const { return name_; }
  uint64_t size() const { return size_; }
  const FileMetaData& metadata() const { return metadata_; }
  const ParquetSchema& schema() const { return schema_; }

  // A column chunk's bytes and where they start in the file.
  struct ChunkBytes {
    std::shared_ptr<const std::string> bytes;
    uint64_t offset = 0;
  };
  // Validates the chunk's metadata and fetches its bytes (one ranged read).
  // `leaf_index` indexes schema().leaves(); `physical_type` is what the
  // schema says the chunk holds.
  Result<ChunkBytes> FetchChunk(size_t row_group, size_t leaf_index, std::string_view column_name,
                                PhysicalType physical_type) const;

  // Fetches the chunk of `column` (one of schema().columns()) in row group
  // `row_group` and returns a reader over it.
  Result<std::unique_ptr<ColumnChunkReader>> OpenColumn(size_t row_group,
                                                        const ColumnDescriptor& column,
                                                        ColumnReadOptions options) const;

 private:
  ParquetFile(ObjectStore& store, std::string name, uint64_t size)
      : store_(store), name_(std::move(name)), size_(size) {}

  ObjectStore& store_;
  std::string name_;
  uint64_t size_;
  uint64_t data_end_ = 0;  // first byte of the footer
  FileMetaData metadata_;
  ParquetSchema schema_;
};

class ParquetReader final : public RowReader {
 public:
  explicit ParquetReader(ParquetReadOptions options = {}) : options_(options) {}

  // RowReader: rows in file order, row_number = row index + 1, handed to
  // the sink in batches (RowSink::OnBatch) after the footer's row count
  // (RowSink::OnRowCountHint). A projected column the file lacks reads as
  // null; a projected nested field is NotSupported naming the column and
  // file.
  Status Read(ObjectStore& store, const ObjectInfo& file, const std::vector<std::string>& columns,
              RowSink& sink) override;

  // Same, on an already opened file.
  Status ReadFile(const ParquetFile& file, const std::vector<std::string>& columns, RowSink& sink);

 private:
  ParquetReadOptions options_;
};

// Writes a human-readable description of the Parquet object `key`: schema
// (with skipped nested fields), row count, and per row group each column
// chunk's codec, encodings, sizes and null count. For `freshet inspect`.
Status DescribeParquet(ObjectStore& store, std::string_view key, std::ostream& out);

}  // namespace freshet::parquet
