#include "index/segment/segment_writer.h"

#include <algorithm>
#include <functional>
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
#include "index/segment/positions.h"
#include "index/segment/postings.h"
#include "index/segment/section_container.h"
#include "index/segment/stored_blocks.h"
#include "index/segment/stored_docs.h"
#include "index/segment/term_blocks.h"
#include "index/segment/term_dictionary.h"
#include "index/segment/term_table.h"
#include "index/segment/tombstones.h"

namespace freshet {
namespace {

constexpr size_t kNoColumn = std::numeric_limits<size_t>::max();
// Where the positions of keyword values start (AnalyzeValue).
constexpr uint32_t kKeywordPositions = uint32_t{1} << 31;

// Calls emit(term, position) for each term `v` holds in a field with
// `roles`: the tokens of `analyzer` at their positions (positions.h) when the
// field is text, the whole value when it is a keyword. A keyword value of a
// field that is also text shares its posting list with the text's terms, so
// it takes a position too, past every text position and two apart from the
// next: no phrase of two terms or more reaches it. Returns the number of
// text tokens (the field length).
template <typename Emit>
uint64_t AnalyzeValue(uint8_t roles, uint32_t analyzer, const Value& v, std::string& scratch,
                      Emit&& emit) {
  uint64_t tokens = 0;
  if (v.is_null()) return tokens;
  if (roles & kRoleText) tokens = ForEachPositionedTerm(analyzer, v, scratch, emit);
  if (roles & kRoleKeyword) {
    uint32_t position = kKeywordPositions;
    if (v.type == ValueType::kStringList) {
      for (const auto& s : v.list) emit(std::string_view(s), position += 2);
    } else {
      emit(v.type == ValueType::kString ? std::string_view(v.s) : ValueToText(v), position);
    }
  }
  return tokens;
}

// Calls emit(field, term, position) for each term of group `g`'s record
// (nothing without one) and length(field, tokens) for each of its text
// fields.
template <typename Emit, typename Length>
void AnalyzeGroupRecord(const SegmentSchema& schema, const SegmentGroup& g, std::string& scratch,
                        Emit&& emit, Length&& length) {
  if (!g.has_record) return;
  const size_t num_doc_cols = schema.doc_columns.size();
  for (size_t c = 0; c < schema.group_columns.size() && c < g.row.size(); ++c) {
    const size_t field = num_doc_cols + c;
    const uint64_t tokens =
        AnalyzeValue(schema.group_roles[c], schema.FieldAnalyzer(field), g.row[c], scratch,
                     [&](std::string_view t, uint32_t position) { emit(field, t, position); });
    if (schema.group_roles[c] & kRoleText) length(field, SaturatedFieldLength(tokens));
  }
}

// A length column of `ordinals` zeros for each text field in [begin, end),
// in field order: the columns LENGTH_BLOCKS (GROUP_LENGTH_BLOCKS) holds.
std::vector<FieldLengthColumn> LengthColumns(const SegmentSchema& schema, size_t begin, size_t end,
                                             size_t ordinals) {
  std::vector<FieldLengthColumn> columns;
  for (size_t f = begin; f < end; ++f) {
    if (schema.FieldRoles(f) & kRoleText)
      columns.push_back({f, std::vector<uint16_t>(ordinals, 0)});
  }
  return columns;
}

// One pass over the docs: every term of every doc field into `table` and
// every text field's token count into `lengths` (one column per text field,
// in field order). With `denormalize`, each doc also gets its group's fields
// (formats 2 and 3): the group's posting lists (the same terms, so the same
// tf) and the group's field lengths.
void IndexFields(const SegmentData& data, bool denormalize, TermTable* table,
                 std::vector<FieldLengthColumn>* lengths) {
  const SegmentSchema& schema = data.schema;
  const size_t num_doc_cols = schema.doc_columns.size();
  const size_t num_group_cols = denormalize ? schema.group_columns.size() : 0;
  *lengths = LengthColumns(schema, 0, num_doc_cols + num_group_cols, data.docs.size());
  std::vector<size_t> length_column(num_doc_cols + num_group_cols, kNoColumn);
  for (size_t i = 0; i < lengths->size(); ++i) length_column[(*lengths)[i].field] = i;
  // Positions in format 4 only (formats 2 and 3 predate them).
  std::vector<bool> positions(num_doc_cols, false);
  for (size_t c = 0; c < num_doc_cols && !denormalize; ++c) positions[c] = schema.FieldPositions(c);
  std::string scratch;
  // Group fields are analyzed once per group: its docs are consecutive.
  uint32_t cached_group = UINT32_MAX;
  std::vector<uint32_t> group_terms;
  std::vector<std::pair<size_t, uint16_t>> group_lengths;  // (column, length)
  for (uint32_t ord = 0; ord < data.docs.size(); ++ord) {
    const SegmentDoc& d = data.docs[ord];
    for (size_t c = 0; c < num_doc_cols && c < d.row.size(); ++c) {
      const uint64_t tokens = AnalyzeValue(schema.doc_roles[c], schema.FieldAnalyzer(c), d.row[c],
                                           scratch, [&](std::string_view t, uint32_t position) {
                                             table->Add(c, t, ord, position, positions[c]);
                                           });
      if (length_column[c] != kNoColumn) {
        (*lengths)[length_column[c]].lengths[ord] = SaturatedFieldLength(tokens);
      }
    }
    if (!denormalize) continue;
    if (d.group != cached_group) {
      cached_group = d.group;
      group_terms.clear();
      group_lengths.clear();
      AnalyzeGroupRecord(
          schema, data.groups[d.group], scratch,
          [&](size_t field, std::string_view t, uint32_t) {
            group_terms.push_back(table->Id(field, t, /*positions=*/false));
          },
          [&](size_t field, uint16_t length) {
            group_lengths.emplace_back(length_column[field], length);
          });
    }
    for (const uint32_t id : group_terms) table->Add(id, ord);
    for (const auto& [column, length] : group_lengths) (*lengths)[column].lengths[ord] = length;
  }
}

// Format 4's group space: every term of every group record's fields into
// `table` and each group text field's token count into `lengths`, by group
// ordinal. A group without a record holds no term and length 0. In format
// 4 neither does a group without docs (its record is kept for later deltas,
// but no query can match it), so the dictionary is the denormalized
// formats' one; in format 5 (`records_without_docs`) its record serves the
// docs lower layers hold of the group, and is indexed.
void IndexGroupFields(const SegmentData& data, bool records_without_docs, TermTable* table,
                      std::vector<FieldLengthColumn>* lengths) {
  const SegmentSchema& schema = data.schema;
  const size_t num_doc_cols = schema.doc_columns.size();
  const size_t num_group_cols = schema.group_columns.size();
  *lengths = LengthColumns(schema, num_doc_cols, num_doc_cols + num_group_cols, data.groups.size());
  std::vector<size_t> length_column(num_group_cols, kNoColumn);
  for (size_t i = 0; i < lengths->size(); ++i) {
    length_column[(*lengths)[i].field - num_doc_cols] = i;
  }
  std::string scratch;
  for (uint32_t g = 0; g < data.groups.size(); ++g) {
    if (data.groups[g].doc_count == 0 && !records_without_docs) continue;
    AnalyzeGroupRecord(
        schema, data.groups[g], scratch,
        [&](size_t field, std::string_view t, uint32_t position) {
          table->Add(field, t, g, position, schema.FieldPositions(field));
        },
        [&](size_t field, uint16_t length) {
          (*lengths)[length_column[field - num_doc_cols]].lengths[g] = length;
        });
  }
}

// The value of numeric field `f` that group `g` holds for its docs: its
// record's (format/number.h's rule) or its aggregate's; NaN when absent.
double GroupNumber(const SegmentSchema& schema, const SegmentGroup& g, size_t f) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const size_t c = f - schema.doc_columns.size();
  if (c < schema.group_columns.size()) {
    return g.has_record && c < g.row.size() ? NumberOf(g.row[c]).value_or(kNaN) : kNaN;
  }
  const size_t a = c - schema.group_columns.size();
  return a < g.aggregates.size() ? g.aggregates[a] : kNaN;
}

// Each numeric field's value per doc: the doc's own (from its row, or from
// `copied` when given), or with `denormalize` (formats 2 and 3) also its
// group's (GroupNumber) for group fields.
std::vector<NumericColumn> NumericColumns(const SegmentData& data, bool denormalize,
                                          const CopiedContent* copied = nullptr) {
  const SegmentSchema& schema = data.schema;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::vector<NumericColumn> columns;
  for (size_t f = 0; f < schema.field_count(); ++f) {
    if (!(schema.FieldRoles(f) & kRoleNumeric)) continue;
    if (schema.IsGroupField(f) && !denormalize) continue;
    NumericColumn column{f, {}};
    column.values.reserve(data.docs.size());
    for (uint32_t ord = 0; ord < data.docs.size(); ++ord) {
      const SegmentDoc& d = data.docs[ord];
      double v = kNaN;
      if (copied && copied->doc_numeric && !schema.IsGroupField(f)) {
        v = copied->doc_numeric(f, ord);
      } else if (!schema.IsGroupField(f)) {
        if (f < d.row.size()) v = NumberOf(d.row[f]).value_or(kNaN);
      } else {
        v = GroupNumber(schema, data.groups[d.group], f);
      }
      column.values.push_back(v);
    }
    columns.push_back(std::move(column));
  }
  return columns;
}

// Format 4: each numeric group field's value by group ordinal.
std::vector<NumericColumn> GroupNumericColumns(const SegmentData& data) {
  const SegmentSchema& schema = data.schema;
  std::vector<NumericColumn> columns;
  for (size_t f = schema.doc_columns.size(); f < schema.field_count(); ++f) {
    if (!(schema.FieldRoles(f) & kRoleNumeric)) continue;
    NumericColumn column{f, {}};
    column.values.reserve(data.groups.size());
    for (const SegmentGroup& g : data.groups) column.values.push_back(GroupNumber(schema, g, f));
    columns.push_back(std::move(column));
  }
  return columns;
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
  IndexFields(data, /*denormalize=*/true, &table, &lengths);
  TermDictionaryWriter terms;
  PostingsWriter postings;
  table.Drain([&](std::string_view key, const PostingList& list) {
    uint64_t offset, length;
    postings.Add(list, &offset, &length);
    terms.Add(TermTable::KeyField(key), TermTable::KeyTerm(key), offset, length, list.docs.size());
  });
  file.Add(SectionId::kTerms, terms.Finish());
  file.Add(SectionId::kPostings, postings.Finish());
  file.Add(SectionId::kNumeric, EncodeNumericColumns(NumericColumns(data, /*denormalize=*/true)));
  file.Add(SectionId::kFieldLengths, EncodeFieldLengths(lengths));
  file.Add(SectionId::kDocIdIndex, EncodeDocIdIndex(DocIds(data)));
  return file.Finish();
}

using ForEachList = std::function<void(const CopiedContent::ListVisitor&)>;

// The posting lists of `table`, drained (in key order).
ForEachList ListsOf(TermTable* table) {
  return [table](const CopiedContent::ListVisitor& visit) {
    table->Drain([&](std::string_view key, const PostingList& list) {
      visit(TermTable::KeyField(key), TermTable::KeyTerm(key), list);
    });
  };
}

// A dictionary and its posting lists: every list `lists` yields, sorted by
// field then term; `lengths` gives each text field's lengths by ordinal
// (the blocks' min_length).
// With `positions_section`, also the positions of the lists that have
// them: empty when none has.
void WriteTerms(const ForEachList& lists, const std::vector<FieldLengthColumn>& lengths,
                size_t field_count, std::string* term_section, std::string* postings_section,
                std::string* positions_section = nullptr) {
  std::vector<const uint16_t*> lengths_of(field_count, nullptr);
  for (const FieldLengthColumn& c : lengths) lengths_of[c.field] = c.lengths.data();
  TermBlocksWriter terms;
  BlockPostingsWriter postings;
  PositionsWriter positions;
  std::vector<size_t> position_fields;
  lists([&](size_t field, std::string_view term, const PostingList& list) {
    uint64_t offset, length;
    postings.Add(list, lengths_of[field], &offset, &length);
    terms.Add(field, term, offset, length, list.docs.size());
    if (list.positions.empty()) return;
    positions.Add(offset, list);
    if (position_fields.empty() || position_fields.back() != field)
      position_fields.push_back(field);
  });
  *term_section = terms.Finish();
  *postings_section = postings.Finish();
  if (positions_section == nullptr) return;
  positions_section->clear();
  if (!position_fields.empty()) *positions_section = positions.Finish(position_fields);
}

// The lengths of the text fields in [begin, end) for `ordinals` ordinals, as
// `length` gives them.
std::vector<FieldLengthColumn> LengthsOf(
    const SegmentSchema& schema, size_t begin, size_t end, uint32_t ordinals,
    const std::function<uint16_t(size_t field, uint32_t ord)>& length) {
  std::vector<FieldLengthColumn> columns = LengthColumns(schema, begin, end, ordinals);
  for (FieldLengthColumn& c : columns) {
    for (uint32_t ord = 0; ord < ordinals; ++ord) c.lengths[ord] = length(c.field, ord);
  }
  return columns;
}

// Formats 3 and later; what `copied` gives taken from it, the rest computed
// from data's rows (all of it when `copied` is null).
std::string WriteBlockFormat(const SegmentData& data, uint32_t format_version,
                             const CopiedContent* copied) {
  // Format 3 copies the group fields onto every doc; format 4 keeps them
  // once per group.
  const bool group_space = format_version >= 4;
  const auto num_docs = static_cast<uint32_t>(data.docs.size());
  const auto num_groups = static_cast<uint32_t>(data.groups.size());
  const size_t field_count = data.schema.field_count();
  SectionContainerWriter file(format_version);
  SegmentMeta meta;
  meta.kind = data.kind;
  meta.num_docs = num_docs;
  meta.num_groups = num_groups;
  meta.schema = data.schema;
  file.Add(SectionId::kMeta, EncodeSegmentMeta(meta));
  file.Add(SectionId::kDocHeaders, EncodeDocHeaders(data.docs));
  file.Add(SectionId::kStoredBlocks, copied && copied->stored_row
                                         ? EncodeStoredRows(num_docs, copied->stored_row)
                                         : EncodeStoredBlocks(data.docs));
  file.Add(SectionId::kGroups, EncodeGroupTable(data.groups));

  std::string terms, postings_section, positions, group_positions;
  const size_t num_doc_cols = data.schema.doc_columns.size();
  TermTable table;
  std::vector<FieldLengthColumn> lengths;
  if (copied) {
    lengths = LengthsOf(data.schema, 0, num_doc_cols, num_docs, copied->doc_length);
    WriteTerms(copied->doc_lists, lengths, field_count, &terms, &postings_section, &positions);
  } else {
    IndexFields(data, /*denormalize=*/!group_space, &table, &lengths);
    WriteTerms(ListsOf(&table), lengths, field_count, &terms, &postings_section, &positions);
  }
  file.Add(SectionId::kTermBlocks, std::move(terms));
  file.Add(SectionId::kBlockPostings, std::move(postings_section));
  file.Add(
      SectionId::kNumericBlocks,
      EncodeNumericBlocks(NumericColumns(data, /*denormalize=*/!group_space, copied), num_docs));
  file.Add(SectionId::kLengthBlocks, EncodeLengthBlocks(lengths, num_docs));

  if (group_space) {
    TermTable group_table;
    std::vector<FieldLengthColumn> group_lengths;
    if (copied) {
      group_lengths =
          LengthsOf(data.schema, num_doc_cols, field_count, num_groups, copied->group_length);
      WriteTerms(copied->group_lists, group_lengths, field_count, &terms, &postings_section,
                 &group_positions);
    } else {
      IndexGroupFields(data, /*records_without_docs=*/format_version >= 5, &group_table,
                       &group_lengths);
      WriteTerms(ListsOf(&group_table), group_lengths, field_count, &terms, &postings_section,
                 &group_positions);
    }
    file.Add(SectionId::kGroupTermBlocks, std::move(terms));
    file.Add(SectionId::kGroupPostings, std::move(postings_section));
    file.Add(SectionId::kGroupNumericBlocks,
             EncodeNumericBlocks(GroupNumericColumns(data), num_groups));
    file.Add(SectionId::kGroupLengthBlocks, EncodeLengthBlocks(group_lengths, num_groups));
  }

  if (format_version >= 5) file.Add(SectionId::kTombstones, EncodeTombstones(data.tombstones));
  file.Add(SectionId::kDocIdIndex, EncodeDocIdIndex(DocIds(data)));
  // Optional, last: a segment without positions has the same bytes as
  // before they existed.
  if (!positions.empty()) file.Add(SectionId::kPositions, std::move(positions));
  if (!group_positions.empty()) file.Add(SectionId::kGroupPositions, std::move(group_positions));
  return file.Finish();
}

}  // namespace

std::string WriteSegment(const SegmentData& data, uint32_t format_version) {
  if (format_version == 2) return WriteFormatTwo(data);
  return WriteBlockFormat(data, format_version, nullptr);
}

std::string WriteSegment(const SegmentData& data, uint32_t format_version,
                         const CopiedContent& copied) {
  return WriteBlockFormat(data, format_version, &copied);
}

}  // namespace freshet
