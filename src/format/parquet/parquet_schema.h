// ParquetSchema: the flat view of a Parquet schema that freshet reads.
//
// A flat column is a top-level primitive field that is REQUIRED or OPTIONAL.
// A list column is a top-level field holding one level of repetition over one
// primitive leaf, in any of the forms writers use:
//   <required|optional> group f (LIST) { repeated group list { <r|o> T element; } }
//   <required|optional> group f (LIST) { repeated T element; }   (legacy 2-level)
//   repeated T f;                                                 (bare repeated)
// Its rows read as kStringList: null when the list is null, the elements'
// canonical text otherwise (see ValueToText), null elements left out, as the
// JSON Lines reader does for arrays. Every other top-level field (structs,
// maps, lists of lists or of structs) is nested: it is listed in skipped()
// with the reason, and reading it is NotSupported.
//
// How Parquet values map onto freshet values (see Conversion):
//   BOOLEAN                      -> kBool
//   INT32, INT64 (signed ints)   -> kInt64; UINT_32 zero-extended
//   UINT_64                      -> kInt64, or kDouble above 2^63-1
//   FLOAT, DOUBLE, FLOAT16       -> kDouble
//   DECIMAL (any physical type)  -> kDouble (nearest double)
//   TIMESTAMP ms/us/ns, INT96    -> kInt64 microseconds since the Unix epoch
//                                   (nanoseconds rounded toward -infinity)
//   TIME ms/us/ns                -> kInt64 microseconds since midnight
//   DATE                         -> kString "YYYY-MM-DD" (proleptic Gregorian)
//   BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY (strings or raw bytes) -> kString bytes
//   logical type NULL            -> always null
// LogicalType wins over ConvertedType when both are present.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/parquet/parquet_metadata.h"
#include "format/row.h"

namespace freshet::parquet {

enum class Conversion : uint8_t {
  kBool,
  kInt,        // INT32 / INT64 as signed
  kUint32,     // INT32 holding an unsigned value
  kUint64,     // INT64 holding an unsigned value
  kFloat,      // FLOAT or DOUBLE
  kFloat16,    // FIXED_LEN_BYTE_ARRAY(2), IEEE half
  kBytes,      // BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY as kString
  kDecimal,    // `scale` applies
  kDate,       // INT32 days since the epoch
  kTimestamp,  // INT64 in `unit`
  kTime,       // INT32 / INT64 in `unit`
  kInt96,      // Impala / Spark nanosecond timestamp
  kNull,       // NullType
};

struct ColumnDescriptor {
  std::string name;
  size_t leaf_index = 0;  // position of its chunk in every row group
  PhysicalType physical_type = PhysicalType::kBoolean;
  int32_t type_length = 0;  // FIXED_LEN_BYTE_ARRAY only
  // Flat columns: 0 (REQUIRED) or 1 (OPTIONAL). List columns: the leaf's.
  int16_t max_definition_level = 0;
  // List columns only (max_repetition_level == 1): a row's first definition
  // level below list_definition_level means a null list, one below
  // element_definition_level an empty list; an element below
  // max_definition_level is null.
  int16_t max_repetition_level = 0;
  int16_t list_definition_level = 0;
  int16_t element_definition_level = 0;
  Conversion conversion = Conversion::kBytes;
  int32_t scale = 0;                  // kDecimal
  TimeUnit unit = TimeUnit::kMicros;  // kTimestamp, kTime
  std::string type_name;              // e.g. "INT64 TIMESTAMP(MICROS)" for messages

  bool is_list() const { return max_repetition_level > 0; }
};

struct SkippedField {
  std::string name;
  std::string reason;  // e.g. "nested group (LIST) with 1 leaf column"
};

// Every leaf column of the file, nested or not, in column chunk order.
struct LeafColumn {
  std::string path;  // dotted, e.g. "tags.list.element"
  PhysicalType physical_type = PhysicalType::kBoolean;
  int16_t max_definition_level = 0;
  int16_t max_repetition_level = 0;
  // The definition level of its nearest repeated ancestor (or of itself, if
  // repeated); 0 when nothing on its path repeats.
  int16_t repeated_definition_level = 0;
  size_t element = 0;  // its index in FileMetaData::schema
};

class ParquetSchema {
 public:
  static constexpr int kMaxNesting = 64;

  // Builds the flat view; Corruption for an inconsistent schema tree (bad
  // child counts, unknown physical types, FIXED_LEN_BYTE_ARRAY without a
  // length) naming the element.
  static Result<ParquetSchema> Make(const FileMetaData& metadata);

  const std::vector<ColumnDescriptor>& columns() const { return columns_; }
  const std::vector<SkippedField>& skipped() const { return skipped_; }
  size_t num_leaves() const { return num_leaves_; }
  const std::vector<LeafColumn>& leaves() const { return leaves_; }

  // The flat column called `name`, or nullptr.
  const ColumnDescriptor* Find(std::string_view name) const;
  // The skipped field called `name`, or nullptr.
  const SkippedField* FindSkipped(std::string_view name) const;

  // A reader's view of any leaf, nested or not, by its dotted path (e.g.
  // "add.partitionValues.key_value.key"): a flat column when nothing on its
  // path repeats (null unless every level is defined), a list column when
  // one level repeats (a map's keys or values, a list's elements: null when
  // a level above the repeated one is undefined). `md` is the metadata this
  // schema was made from. NotFound for no such leaf; NotSupported for a leaf
  // under two repeated levels.
  Result<ColumnDescriptor> DescribeLeaf(const FileMetaData& md, std::string_view path) const;

 private:
  std::vector<ColumnDescriptor> columns_;
  std::vector<SkippedField> skipped_;
  std::vector<LeafColumn> leaves_;
  size_t num_leaves_ = 0;
};

}  // namespace freshet::parquet
