#include "format/row_reader.h"

#include <fmt/format.h>

#include "format/jsonl_reader.h"
#include "format/parquet/parquet_reader.h"

namespace freshet {

Status RowSink::OnBatch(const RecordBatch& batch, uint64_t first_row_number) {
  Row row;
  for (size_t r = 0; r < batch.rows; ++r) {
    batch.RowInto(r, &row);
    RETURN_IF_ERROR(OnRow(row, first_row_number + r));
  }
  return Status::OK();
}

Result<FileFormat> ParseFileFormat(std::string_view name) {
  if (name == "jsonl" || name == "json" || name == "ndjson") return FileFormat::kJsonLines;
  if (name == "parquet") return FileFormat::kParquet;
  return Status::InvalidArgument(
      fmt::format("format '{}' is not supported (supported: jsonl, parquet)", name));
}

std::string_view FileFormatName(FileFormat format) {
  return format == FileFormat::kParquet ? "parquet" : "jsonl";
}

bool IsDataFile(FileFormat format, std::string_view key) {
  size_t slash = key.rfind('/');
  std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  if (name.starts_with('_') || name.starts_with('.')) return false;
  switch (format) {
    case FileFormat::kJsonLines:
      return name.ends_with(".jsonl") || name.ends_with(".json") || name.ends_with(".ndjson");
    case FileFormat::kParquet:
      return name.ends_with(".parquet");
  }
  return false;
}

std::unique_ptr<RowReader> RowReader::Create(FileFormat format, int threads) {
  switch (format) {
    case FileFormat::kJsonLines:
      return std::make_unique<JsonLinesReader>();
    case FileFormat::kParquet:
      return std::make_unique<parquet::ParquetReader>(
          parquet::ParquetReadOptions{.threads = threads});
  }
  return nullptr;
}

}  // namespace freshet
