#include "index/segment/segment_schema.h"

#include <fmt/format.h>

#include "common/coding.h"
#include "index/analyzer.h"
#include "index/segment/section_container.h"

namespace freshet {
namespace {

// Bounds the column and aggregate counts a reader accepts.
constexpr uint64_t kMaxColumns = 4096;

void PutColumns(std::string* out, const std::vector<std::string>& names,
                const std::vector<uint8_t>& roles) {
  PutVarint(out, names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    PutLengthPrefixed(out, names[i]);
    out->push_back(static_cast<char>(roles[i]));
  }
}

bool GetColumns(Cursor& c, std::vector<std::string>* names, std::vector<uint8_t>* roles) {
  uint64_t n;
  if (!c.GetVarint(&n) || n > kMaxColumns) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view s;
    uint8_t r;
    if (!c.GetLengthPrefixed(&s) || !c.GetByte(&r)) return false;
    names->emplace_back(s);
    roles->push_back(r);
  }
  return true;
}

}  // namespace

std::string SegmentSchema::FieldName(size_t field) const {
  if (field < doc_columns.size()) return doc_columns[field];
  field -= doc_columns.size();
  if (field < group_columns.size()) return group_prefix + group_columns[field];
  field -= group_columns.size();
  return aggregate_names[field];
}

uint8_t SegmentSchema::FieldRoles(size_t field) const {
  if (field < doc_columns.size()) return doc_roles[field];
  field -= doc_columns.size();
  if (field < group_columns.size()) return group_roles[field];
  return kRoleNumeric | kRoleStored;
}

uint32_t SegmentSchema::FieldAnalyzer(size_t field) const {
  if (!(FieldRoles(field) & kRoleText)) return kAsciiAnalyzer;
  if (field < doc_columns.size()) {
    return field < doc_analyzers.size() ? doc_analyzers[field] : kAsciiAnalyzer;
  }
  field -= doc_columns.size();
  return field < group_analyzers.size() ? group_analyzers[field] : kAsciiAnalyzer;
}

bool SegmentSchema::FieldPositions(size_t field) const {
  if (!(FieldRoles(field) & kRoleText)) return false;
  if (field < doc_columns.size()) return field < doc_positions.size() && doc_positions[field];
  field -= doc_columns.size();
  return field < group_positions.size() && group_positions[field];
}

bool SegmentSchema::AllAscii() const {
  for (size_t f = 0; f < field_count(); ++f) {
    if (FieldAnalyzer(f) != kAsciiAnalyzer) return false;
  }
  return true;
}

bool SegmentSchema::SameColumns(const SegmentSchema& other) const {
  return doc_columns == other.doc_columns && doc_roles == other.doc_roles &&
         group_columns == other.group_columns && group_roles == other.group_roles &&
         group_prefix == other.group_prefix && aggregate_names == other.aggregate_names;
}

bool SegmentSchema::operator==(const SegmentSchema& other) const {
  if (!SameColumns(other)) return false;
  for (size_t f = 0; f < field_count(); ++f) {
    if (FieldAnalyzer(f) != other.FieldAnalyzer(f)) return false;
  }
  return true;
}

std::optional<size_t> SegmentSchema::FindField(std::string_view name) const {
  for (size_t f = 0; f < field_count(); ++f) {
    if (FieldName(f) == name) return f;
  }
  return std::nullopt;
}

std::string EncodeSegmentMeta(const SegmentMeta& meta) {
  const SegmentSchema& schema = meta.schema;
  std::string out;
  out.push_back(static_cast<char>(meta.kind));
  PutVarint(&out, meta.num_docs);
  PutVarint(&out, meta.num_groups);
  PutColumns(&out, schema.doc_columns, schema.doc_roles);
  PutColumns(&out, schema.group_columns, schema.group_roles);
  PutLengthPrefixed(&out, schema.group_prefix);
  PutVarint(&out, schema.aggregate_names.size());
  for (const auto& a : schema.aggregate_names) PutLengthPrefixed(&out, a);
  if (schema.AllAscii()) {
    PutVarint(&out, kAsciiAnalyzer);
    return out;
  }
  PutVarint(&out, kPerFieldAnalyzers);
  const size_t columns = schema.doc_columns.size() + schema.group_columns.size();
  for (size_t f = 0; f < columns; ++f) PutVarint(&out, schema.FieldAnalyzer(f));
  return out;
}

Result<SegmentMeta> DecodeSegmentMeta(std::string_view segment_name, SectionView section,
                                      uint32_t format_version) {
  if (section.bytes.empty()) return SegmentCorruption(segment_name, "missing META section", 0);
  Cursor c(section.bytes);
  uint8_t kind;
  uint64_t nd, ng;
  if (!c.GetByte(&kind) || (kind != 1 && kind != 2) || !c.GetVarint(&nd) || !c.GetVarint(&ng) ||
      nd > UINT32_MAX || ng > UINT32_MAX) {
    return SegmentCorruption(segment_name, "bad META", section.offset);
  }
  SegmentMeta meta;
  meta.kind = static_cast<SegmentKind>(kind);
  meta.num_docs = static_cast<uint32_t>(nd);
  meta.num_groups = static_cast<uint32_t>(ng);
  SegmentSchema& schema = meta.schema;
  std::string_view prefix;
  uint64_t na;
  if (!GetColumns(c, &schema.doc_columns, &schema.doc_roles) ||
      !GetColumns(c, &schema.group_columns, &schema.group_roles) || !c.GetLengthPrefixed(&prefix) ||
      !c.GetVarint(&na) || na > kMaxColumns) {
    return SegmentCorruption(segment_name, "bad schema in META", section.offset + c.position());
  }
  schema.group_prefix = std::string(prefix);
  for (uint64_t i = 0; i < na; ++i) {
    std::string_view s;
    if (!c.GetLengthPrefixed(&s)) {
      return SegmentCorruption(segment_name, "bad aggregate names in META",
                               section.offset + c.position());
    }
    schema.aggregate_names.emplace_back(s);
  }
  if (format_version >= 3) {
    uint64_t analyzer;
    if (!c.GetVarint(&analyzer)) {
      return SegmentCorruption(segment_name, "bad analyzer in META", section.offset + c.position());
    }
    if (analyzer != kPerFieldAnalyzers && !IsKnownAnalyzer(analyzer)) {
      return Status::NotSupported(fmt::format(
          "segment '{}': made by analyzer {}, which this freshet does not know (known: {})",
          segment_name, analyzer, KnownAnalyzers()));
    }
    meta.analyzer = static_cast<uint32_t>(analyzer);
    if (analyzer == kPerFieldAnalyzers) {
      const size_t columns = schema.doc_columns.size() + schema.group_columns.size();
      for (size_t f = 0; f < columns; ++f) {
        uint64_t id;
        if (!c.GetVarint(&id)) {
          return SegmentCorruption(segment_name, "bad field analyzers in META",
                                   section.offset + c.position());
        }
        if (!IsKnownAnalyzer(id)) {
          return Status::NotSupported(fmt::format(
              "segment '{}': field '{}' made by analyzer {}, which this freshet does not know "
              "(known: {})",
              segment_name, schema.FieldName(f), id, KnownAnalyzers()));
        }
        auto& ids = f < schema.doc_columns.size() ? schema.doc_analyzers : schema.group_analyzers;
        ids.push_back(static_cast<uint32_t>(id));
      }
    }
  }
  return meta;
}

}  // namespace freshet
