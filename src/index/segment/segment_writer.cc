#include "index/segment/segment_writer.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "format/number.h"
#include "index/analyzer.h"
#include "index/segment/block_postings.h"
#include "index/segment/doc_headers.h"
#include "index/segment/doc_id_index.h"
#include "index/segment/doc_value_blocks.h"
#include "index/segment/doc_values.h"
#include "index/segment/group_table.h"
#include "index/segment/postings.h"
#include "index/segment/section_container.h"
#include "index/segment/stored_blocks.h"
#include "index/segment/stored_docs.h"
#include "index/segment/term_blocks.h"
#include "index/segment/term_dictionary.h"
#include "index/segment/term_table.h"

namespace freshet {
namespace {

constexpr size_t kNoColumn = std::numeric_limits<size_t>::max();

// Calls emit(term) for each term `v` holds in a field with `roles`: the
// analyzer's tokens when the field is text, the whole value when it is a
// keyword. Returns the number of text tokens (the field length).
template <typename Emit>
uint64_t AnalyzeValue(uint8_t roles, const Value& v, std::string& scratch, Emit&& emit) {
  uint64_t tokens = 0;
  if (v.is_null()) return tokens;
  if (roles & kRoleText) {
    auto add = [&](std::string_view text) {
      ForEachToken(text, scratch, [&](std::string_view t) {
        ++tokens;
        emit(t);
      });
    };
    if (v.type == ValueType::kStringList) {
      for (const auto& s : v.list) add(s);
    } else {
      add(v.type == ValueType::kString ? std::string_view(v.s) : ValueToText(v));
    }
  }
  if (roles & kRoleKeyword) {
    if (v.type == ValueType::kStringList) {
      for (const auto& s : v.list) emit(std::string_view(s));
    } else {
      emit(v.type == ValueType::kString ? std::string_view(v.s) : ValueToText(v));
    }
  }
  return tokens;
}

// One pass over the docs: every term of every doc and group field into
// `table`, every text field's token count into `lengths` (one column per
// text field of the docs and the groups, in field order).
void IndexFields(const SegmentData& data, TermTable* table,
                 std::vector<FieldLengthColumn>* lengths) {
  const SegmentSchema& schema = data.schema;
  const size_t num_doc_cols = schema.doc_columns.size();
  const size_t num_group_cols = schema.group_columns.size();
  std::vector<size_t> length_column(num_doc_cols + num_group_cols, kNoColumn);
  for (size_t f = 0; f < length_column.size(); ++f) {
    if (!(schema.FieldRoles(f) & kRoleText)) continue;
    length_column[f] = lengths->size();
    lengths->push_back({f, std::vector<uint16_t>(data.docs.size(), 0)});
  }
  std::string scratch;
  // Group fields are analyzed once per group: its docs are consecutive, and
  // each gets the group's posting lists (the same terms, so the same tf) and
  // the group's field lengths.
  uint32_t cached_group = UINT32_MAX;
  std::vector<PostingList*> group_lists;
  std::vector<std::pair<size_t, uint16_t>> group_lengths;  // (column, length)
  for (uint32_t ord = 0; ord < data.docs.size(); ++ord) {
    const SegmentDoc& d = data.docs[ord];
    for (size_t c = 0; c < num_doc_cols && c < d.row.size(); ++c) {
      const uint64_t tokens = AnalyzeValue(schema.doc_roles[c], d.row[c], scratch,
                                           [&](std::string_view t) { table->Get(c, t)->Add(ord); });
      if (length_column[c] != kNoColumn) {
        (*lengths)[length_column[c]].lengths[ord] = SaturatedFieldLength(tokens);
      }
    }
    if (d.group != cached_group) {
      cached_group = d.group;
      group_lists.clear();
      group_lengths.clear();
      const SegmentGroup& g = data.groups[d.group];
      if (g.has_record) {
        for (size_t c = 0; c < num_group_cols && c < g.row.size(); ++c) {
          const size_t field = num_doc_cols + c;
          const uint64_t tokens = AnalyzeValue(
              schema.group_roles[c], g.row[c], scratch,
              [&](std::string_view t) { group_lists.push_back(table->Get(field, t)); });
          if (length_column[field] != kNoColumn) {
            group_lengths.emplace_back(length_column[field], SaturatedFieldLength(tokens));
          }
        }
      }
    }
    for (PostingList* list : group_lists) list->Add(ord);
    for (const auto& [column, length] : group_lengths) (*lengths)[column].lengths[ord] = length;
  }
}

// Each numeric field's value per doc: the doc's own, its group record's, or
// its group's aggregate (format/number.h's rule; NaN when absent).
std::vector<NumericColumn> NumericColumns(const SegmentData& data) {
  const SegmentSchema& schema = data.schema;
  const size_t num_doc_cols = schema.doc_columns.size();
  const size_t num_group_cols = schema.group_columns.size();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::vector<NumericColumn> columns;
  for (size_t f = 0; f < schema.field_count(); ++f) {
    if (!(schema.FieldRoles(f) & kRoleNumeric)) continue;
    NumericColumn column{f, {}};
    column.values.reserve(data.docs.size());
    for (const SegmentDoc& d : data.docs) {
      double v = kNaN;
      const SegmentGroup& g = data.groups[d.group];
      if (f < num_doc_cols) {
        if (f < d.row.size()) v = NumberOf(d.row[f]).value_or(kNaN);
      } else if (f < num_doc_cols + num_group_cols) {
        const size_t c = f - num_doc_cols;
        if (g.has_record && c < g.row.size()) v = NumberOf(g.row[c]).value_or(kNaN);
      } else {
        const size_t a = f - num_doc_cols - num_group_cols;
        if (a < g.aggregates.size()) v = g.aggregates[a];
      }
      column.values.push_back(v);
    }
    columns.push_back(std::move(column));
  }
  return columns;
}

// Every (field, term) of `table` with its list, sorted by field then term.
std::vector<std::pair<std::string_view, const PostingList*>> SortedTerms(const TermTable& table) {
  std::vector<std::pair<std::string_view, const PostingList*>> sorted;
  sorted.reserve(table.size());
  for (size_t i = 0; i < table.size(); ++i) sorted.emplace_back(table.key(i), &table.list(i));
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

std::vector<std::string_view> DocIds(const SegmentData& data) {
  std::vector<std::string_view> ids;
  ids.reserve(data.docs.size());
  for (const SegmentDoc& d : data.docs) ids.push_back(d.id);
  return ids;
}

// Format 2's sections (frozen), for tests of its reader.
std::string WriteFormatTwo(const SegmentData& data) {
  SectionContainerWriter file(2);
  SegmentMeta meta;
  meta.kind = data.kind;
  meta.num_docs = static_cast<uint32_t>(data.docs.size());
  meta.num_groups = static_cast<uint32_t>(data.groups.size());
  meta.schema = data.schema;
  std::string meta_bytes = EncodeSegmentMeta(meta);
  meta_bytes.pop_back();  // format 2's META has no analyzer id (analyzer 1: one byte)
  file.Add(SectionId::kMeta, std::move(meta_bytes));
  file.Add(SectionId::kDocs, EncodeStoredDocs(data.docs));
  file.Add(SectionId::kGroups, EncodeGroupTable(data.groups));
  TermTable table;
  std::vector<FieldLengthColumn> lengths;
  IndexFields(data, &table, &lengths);
  TermDictionaryWriter terms;
  PostingsWriter postings;
  for (const auto& [key, list] : SortedTerms(table)) {
    uint64_t offset, length;
    postings.Add(*list, &offset, &length);
    terms.Add(TermTable::KeyField(key), TermTable::KeyTerm(key), offset, length, list->docs.size());
  }
  file.Add(SectionId::kTerms, terms.Finish());
  file.Add(SectionId::kPostings, postings.Finish());
  file.Add(SectionId::kNumeric, EncodeNumericColumns(NumericColumns(data)));
  file.Add(SectionId::kFieldLengths, EncodeFieldLengths(lengths));
  file.Add(SectionId::kDocIdIndex, EncodeDocIdIndex(DocIds(data)));
  return file.Finish();
}

}  // namespace

std::string WriteSegment(const SegmentData& data, uint32_t format_version) {
  if (format_version == 2) return WriteFormatTwo(data);
  const auto num_docs = static_cast<uint32_t>(data.docs.size());
  SectionContainerWriter file;
  SegmentMeta meta;
  meta.kind = data.kind;
  meta.analyzer = kAsciiAnalyzer;
  meta.num_docs = num_docs;
  meta.num_groups = static_cast<uint32_t>(data.groups.size());
  meta.schema = data.schema;
  file.Add(SectionId::kMeta, EncodeSegmentMeta(meta));
  file.Add(SectionId::kDocHeaders, EncodeDocHeaders(data.docs));
  file.Add(SectionId::kStoredBlocks, EncodeStoredBlocks(data.docs));
  file.Add(SectionId::kGroups, EncodeGroupTable(data.groups));

  TermTable table;
  std::vector<FieldLengthColumn> lengths;
  IndexFields(data, &table, &lengths);
  std::vector<const uint16_t*> lengths_of(data.schema.field_count(), nullptr);
  for (const FieldLengthColumn& c : lengths) lengths_of[c.field] = c.lengths.data();
  TermBlocksWriter terms;
  BlockPostingsWriter postings;
  for (const auto& [key, list] : SortedTerms(table)) {
    const size_t field = TermTable::KeyField(key);
    uint64_t offset, length;
    postings.Add(*list, lengths_of[field], &offset, &length);
    terms.Add(field, TermTable::KeyTerm(key), offset, length, list->docs.size());
  }
  file.Add(SectionId::kTermBlocks, terms.Finish());
  file.Add(SectionId::kBlockPostings, postings.Finish());

  file.Add(SectionId::kNumericBlocks, EncodeNumericBlocks(NumericColumns(data), num_docs));
  file.Add(SectionId::kLengthBlocks, EncodeLengthBlocks(lengths, num_docs));

  file.Add(SectionId::kDocIdIndex, EncodeDocIdIndex(DocIds(data)));
  return file.Finish();
}

}  // namespace freshet
