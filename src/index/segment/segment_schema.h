// What a segment was built with, stored in its META section: the kind, the
// doc and group counts, and the schema (columns, their roles, the group
// prefix, the aggregates).
//
// META layout (frozen): u8 kind, varint num_docs, varint num_groups, doc
// columns, group columns (each: varint count, then per column a
// length-prefixed name and a u8 role mask), length-prefixed group prefix,
// varint aggregate count, length-prefixed aggregate names; since format
// version 3, varint analyzer id (index/analyzer.h; format 1 and 2 segments
// were all written by analyzer 1). Analyzer id 1 means every text field was
// analyzed by analyzer 1. kPerFieldAnalyzers (0, never an analyzer) means
// the analyzer ids follow, one varint per doc column then one per group
// column, in column order; a reader that predates per-field analyzers refuses
// such a segment as made by an analyzer it does not know.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/segment/section_container.h"

namespace freshet {

// Frozen: column role bits on disk.
enum ColumnRole : uint8_t {
  kRoleText = 1,
  kRoleKeyword = 2,
  kRoleNumeric = 4,
  kRoleStored = 8,
};

// Frozen: META's analyzer id saying "one analyzer per column, listed next".
inline constexpr uint32_t kPerFieldAnalyzers = 0;

// Frozen: segment kinds on disk.
enum class SegmentKind : uint8_t { kBase = 1, kDelta = 2 };

// The columns a segment was built with. Searchable fields are numbered:
// doc columns first, then group columns (named prefix + column), then
// aggregates (numeric only).
struct SegmentSchema {
  std::vector<std::string> doc_columns;
  std::vector<uint8_t> doc_roles;
  std::vector<std::string> group_columns;
  std::vector<uint8_t> group_roles;
  std::string group_prefix;
  std::vector<std::string> aggregate_names;
  // The analyzer of each doc column and of each group column (ids of
  // index/analyzer.h; only a text column's matters). Empty: every column's
  // is 1 (ascii); otherwise one per column.
  std::vector<uint32_t> doc_analyzers;
  std::vector<uint32_t> group_analyzers;
  // Whether each doc column and each group column keeps token positions
  // (positions.h; only a text column's matters). Not in META: a segment
  // names the fields with positions in its POSITIONS and GROUP_POSITIONS
  // sections, and the reader fills these from them. Empty: none.
  std::vector<bool> doc_positions;
  std::vector<bool> group_positions;

  size_t field_count() const {
    return doc_columns.size() + group_columns.size() + aggregate_names.size();
  }
  std::string FieldName(size_t field) const;
  uint8_t FieldRoles(size_t field) const;
  std::optional<size_t> FindField(std::string_view name) const;
  // True for group columns and aggregates: fields a group holds for its docs.
  bool IsGroupField(size_t field) const { return field >= doc_columns.size(); }
  // The analyzer of `field`'s text (1 for a field that is not text).
  uint32_t FieldAnalyzer(size_t field) const;
  // True when text field `field` keeps token positions.
  bool FieldPositions(size_t field) const;
  // True when every text field is analyzed by analyzer 1 (ascii).
  bool AllAscii() const;
  // The same columns, roles, prefix and aggregates; analyzers aside.
  bool SameColumns(const SegmentSchema& other) const;
  // The same columns and the same analyzer for every text field.
  bool operator==(const SegmentSchema& other) const;
};

// The decoded META section.
struct SegmentMeta {
  SegmentKind kind = SegmentKind::kBase;
  // META's analyzer id: 1, or kPerFieldAnalyzers (schema holds the
  // analyzers). EncodeSegmentMeta derives it from the schema.
  uint32_t analyzer = 1;
  uint32_t num_docs = 0;
  uint32_t num_groups = 0;
  SegmentSchema schema;
};

// META as format version 3 writes it (analyzer id from schema.AllAscii()).
std::string EncodeSegmentMeta(const SegmentMeta& meta);

// The META of a segment of `format_version`. Corruption naming
// `segment_name` and META when `section` is missing, truncated or
// malformed; NotSupported naming an analyzer this build does not know.
Result<SegmentMeta> DecodeSegmentMeta(std::string_view segment_name, SectionView section,
                                      uint32_t format_version);

}  // namespace freshet
