// Building blocks of the Parquet unit tests: schema elements and the file
// framing of hand-made files, and a sink collecting the rows a reader gives.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/parquet/parquet_metadata.h"
#include "format/row_reader.h"

namespace freshet::parquet {

// Keeps every row and its number; a bad row fails the read.
class CollectingSink final : public RowSink {
 public:
  Status OnRow(Row& row, uint64_t row_number) override {
    rows.push_back(row);
    numbers.push_back(row_number);
    return Status::OK();
  }
  Status OnBadRow(uint64_t, uint64_t, std::string reason) override {
    return Status::Corruption(reason);
  }
  std::vector<Row> rows;
  std::vector<uint64_t> numbers;
};

inline SchemaElement RootElement(int32_t children) {
  SchemaElement e;
  e.name = "schema";
  e.num_children = children;
  return e;
}

inline SchemaElement LeafElement(std::string name, PhysicalType type, Repetition repetition) {
  SchemaElement e;
  e.name = std::move(name);
  e.type = type;
  e.repetition = repetition;
  return e;
}

// A group; `list` annotates it LIST.
inline SchemaElement GroupElement(std::string name, Repetition repetition, int32_t children,
                                  bool list = false) {
  SchemaElement e;
  e.name = std::move(name);
  e.repetition = repetition;
  e.num_children = children;
  if (list) e.logical_type.kind = LogicalType::Kind::kList;
  return e;
}

// "PAR1", the column chunks (which `md` must place from byte 4), the footer.
inline std::string ParquetFileBytes(std::string_view chunks, const FileMetaData& md) {
  std::string footer = SerializeFileMetaData(md);
  uint32_t len = static_cast<uint32_t>(footer.size());
  std::string file = "PAR1";
  file.append(chunks);
  file += footer;
  file.append(reinterpret_cast<const char*>(&len), 4);
  return file + "PAR1";
}

}  // namespace freshet::parquet
