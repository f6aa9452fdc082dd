// Segments: immutable index files. One segment holds whole groups: every doc
// of each group it lists, sorted by (group key, doc id), the group-level
// record and aggregates, a term dictionary with postings, numeric columns,
// and a doc-id index. A delta segment also lists the groups whose docs were
// all deleted (with no docs): listing a group is what supersedes it in the
// base.
//
// File layout (format version 2, frozen; version 1 had no FIELD_LENGTHS):
//   header   "FRSHSEG1" u32 format_version u32 reserved
//   sections (ids below), each a byte range; DOCS, GROUPS and TERMS start with
//            an offset table (u64 per entry + 1), TERMS preceded by its u64 count
//   table    per section: u32 id, u64 offset, u64 length, u64 xxh3_64
//   trailer  u32 section_count, u64 table_offset, u64 xxh3_64(table), "FRSHEND1"
// FIELD_LENGTHS (version 2) holds, per text field, each doc's token count
// (u16, saturated at 65535): BM25's length normalization. Readers accept
// versions 1 and 2; a version-1 segment ranks every doc as of average length.
// All integers little-endian; readers verify every checksum before use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/row.h"

namespace freshet {

inline constexpr std::string_view kSegmentMagic = "FRSHSEG1";
inline constexpr std::string_view kSegmentEndMagic = "FRSHEND1";
inline constexpr uint32_t kSegmentFormatVersion = 2;
inline constexpr uint32_t kOldestSegmentFormatVersion = 1;

// Frozen: section ids on disk.
enum class SectionId : uint32_t {
  kMeta = 1,
  kDocs = 2,
  kGroups = 3,
  kTerms = 4,
  kPostings = 5,
  kNumeric = 6,
  kDocIdIndex = 7,
  kFieldLengths = 8,  // since format version 2
};

// Frozen: column role bits on disk.
enum ColumnRole : uint8_t {
  kRoleText = 1,
  kRoleKeyword = 2,
  kRoleNumeric = 4,
  kRoleStored = 8,
};

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

  size_t field_count() const {
    return doc_columns.size() + group_columns.size() + aggregate_names.size();
  }
  std::string FieldName(size_t field) const;
  uint8_t FieldRoles(size_t field) const;
  std::optional<size_t> FindField(std::string_view name) const;
  bool operator==(const SegmentSchema&) const = default;
};

struct SegmentDoc {
  std::string id;
  uint32_t group = 0;  // index into SegmentData::groups
  int64_t version = 0;
  Row row;  // values of schema.doc_columns
};

struct SegmentGroup {
  std::string key;
  bool has_record = false;         // a group-level record exists
  int64_t version = 0;             // of the group record
  Row row;                         // values of schema.group_columns (when has_record)
  std::vector<double> aggregates;  // one per schema.aggregate_names (NaN: none)
  uint32_t first_doc = 0;
  uint32_t doc_count = 0;
};

// Everything a segment holds, in memory.
// REQUIRES: groups sorted by key; docs sorted by (group key, id); each
// group's [first_doc, first_doc + doc_count) covers exactly its docs.
struct SegmentData {
  SegmentKind kind = SegmentKind::kBase;
  SegmentSchema schema;
  std::vector<SegmentGroup> groups;
  std::vector<SegmentDoc> docs;
};

// Serializes `data`. Deterministic: the same data gives the same bytes.
std::string WriteSegment(const SegmentData& data);

// Read access to one segment's bytes. Thread-safe after Open (read-only).
class SegmentReader {
 public:
  // Verifies magic, version and every checksum. Corruption naming `name`,
  // the section and the offset on any mismatch or truncation.
  static Result<std::unique_ptr<SegmentReader>> Open(std::string name, std::string bytes);
  // The same over bytes someone else owns (e.g. a mapped file), kept alive
  // by `owner` for the reader's life.
  static Result<std::unique_ptr<SegmentReader>> Open(std::string name, std::string_view bytes,
                                                     std::shared_ptr<const void> owner);

  const std::string& name() const { return name_; }
  SegmentKind kind() const { return kind_; }
  const SegmentSchema& schema() const { return schema_; }
  uint32_t num_docs() const { return num_docs_; }
  uint32_t num_groups() const { return num_groups_; }
  size_t size_bytes() const { return bytes_.size(); }

  // REQUIRES: ord < num_docs(). Views are valid while the reader lives.
  std::string_view DocId(uint32_t ord) const;
  uint32_t DocGroup(uint32_t ord) const;
  int64_t DocVersion(uint32_t ord) const;
  Result<Row> DocRow(uint32_t ord) const;

  // REQUIRES: g < num_groups().
  std::string_view GroupKey(uint32_t g) const;
  uint32_t GroupFirstDoc(uint32_t g) const;
  uint32_t GroupDocCount(uint32_t g) const;
  struct GroupRecord {
    bool has_record = false;
    int64_t version = 0;
    Row row;
    std::vector<double> aggregates;
  };
  Result<GroupRecord> Group(uint32_t g) const;

  std::optional<uint32_t> FindGroup(std::string_view key) const;
  std::optional<uint32_t> FindDoc(std::string_view id) const;

  // Sorted doc ordinals holding `term` in searchable field `field`; with
  // `freqs`, also each doc's occurrence count of the term (same order).
  Result<std::vector<uint32_t>> Postings(size_t field, std::string_view term,
                                         std::vector<uint32_t>* freqs = nullptr) const;
  // Number of docs holding `term` in `field` (0 if none).
  uint32_t DocFreq(size_t field, std::string_view term) const;
  size_t num_terms() const { return num_terms_; }
  // The i-th term of the dictionary (sorted by field, then term bytes).
  void TermAt(size_t i, size_t* field, std::string_view* term, uint32_t* doc_freq) const;

  // The value of numeric field `field` for doc `ord` (format/number.h's
  // rule, applied when the segment was written); NaN when absent.
  // REQUIRES: field is numeric (FieldRoles has kRoleNumeric).
  double Numeric(size_t field, uint32_t ord) const;

  // Token count of text field `field` in doc `ord` (saturated at 65535), and
  // the sum over every doc. nullopt when the segment has no lengths for the
  // field (format version 1, or not a text field).
  std::optional<uint32_t> FieldLength(size_t field, uint32_t ord) const;
  std::optional<uint64_t> TotalFieldLength(size_t field) const;
  uint32_t format_version() const { return format_version_; }

 private:
  SegmentReader() = default;
  Status Parse();
  std::string_view DocEntry(uint32_t ord) const;
  std::string_view GroupEntry(uint32_t g) const;
  std::string_view TermEntry(size_t i) const;
  std::optional<size_t> FindTerm(size_t field, std::string_view term) const;

  std::string name_;
  std::string owned_;                  // the bytes, unless `owner_` holds them
  std::shared_ptr<const void> owner_;  // keeps `bytes_` alive when not owned_
  std::string_view bytes_;
  SegmentKind kind_ = SegmentKind::kBase;
  SegmentSchema schema_;
  uint32_t num_docs_ = 0;
  uint32_t num_groups_ = 0;
  size_t num_terms_ = 0;
  std::string_view docs_, groups_, terms_, postings_, numeric_, doc_index_, field_lengths_;
  // Per doc: cached id view and group ordinal (decoded once at Open).
  std::vector<std::string_view> doc_ids_;
  std::vector<uint32_t> doc_groups_;
  std::vector<int64_t> doc_versions_;
  // (field id, column of num_docs little-endian doubles)
  std::vector<std::pair<size_t, std::string_view>> numeric_columns_;
  // (field id, column of num_docs little-endian u16, sum of the column)
  struct LengthColumn {
    size_t field;
    std::string_view column;
    uint64_t total;
  };
  const LengthColumn* FindLengthColumn(size_t field) const;
  std::vector<LengthColumn> length_columns_;
  uint32_t format_version_ = 0;
};

}  // namespace freshet
