// Writes a segment file (format version kDefaultWrittenSegmentFormatVersion
// unless asked for another) from a
// SegmentData: one pass over the docs tokenizes each doc text field once,
// filling the posting lists and the field lengths together, and one pass
// over the groups does the same for the group fields, which format 4 indexes
// once per group (not once per doc of the group, as formats 2 and 3 did).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "index/segment/postings.h"
#include "index/segment/section_container.h"
#include "index/segment/segment_data.h"
#include "index/segment/stored_blocks.h"

namespace freshet {

// Serializes `data`. Deterministic: the same data gives the same bytes.
// Sections, in file order: META, DOC_HEADERS, STORED_BLOCKS, GROUPS,
// TERM_BLOCKS, BLOCK_POSTINGS, NUMERIC_BLOCKS, LENGTH_BLOCKS (doc fields
// only), GROUP_TERM_BLOCKS, GROUP_POSTINGS, GROUP_NUMERIC_BLOCKS,
// GROUP_LENGTH_BLOCKS, then TOMBSTONES (format 5), DOC_ID_INDEX, then (format
// 4 and later, for the text fields whose schema keeps positions, when they
// hold a term) POSITIONS and GROUP_POSITIONS. `format_version`: 5 (a delta's
// entries supersede lower docs by id and tombstone, section_container.h), 4,
// or 3 or 2 (group fields copied onto every doc, no group sections) for tests
// of older readers and for comparisons. data.tombstones are written by format
// 5 only. REQUIRES: data.schema.AllAscii() for format 2 (its META has no
// analyzer id).
std::string WriteSegment(const SegmentData& data,
                         uint32_t format_version = kDefaultWrittenSegmentFormatVersion);

// What WriteSegment can take from elsewhere than data's rows: a merge
// copies its sources' posting lists, field lengths, stored rows and numeric
// values (postings_merge.h) instead of decoding and analyzing rows again.
struct CopiedContent {
  using ListVisitor =
      std::function<void(size_t field, std::string_view term, const PostingList& list)>;
  // Call visit(field, term, list) for every posting list of the doc fields
  // (of the group fields, over group ordinals), in (field, term) order, as
  // an analysis of the rows would give it: docs increasing, positions for
  // the text fields whose schema keeps them and for no other. The list is
  // valid during the call.
  std::function<void(const ListVisitor&visit)> doc_lists, group_lists;
  // The token count (saturated) of text field `field` in doc (group) `ord`.
  std::function<uint16_t(size_t field, uint32_t ord)> doc_length, group_length;
  // Doc `ord`'s stored row, encoded, and its value of numeric doc field
  // `field` (NaN when absent); null: from data's rows.
  StoredRowWriter stored_row;
  std::function<double(size_t field, uint32_t ord)> doc_numeric;
};

// WriteSegment with what `copied` gives in place of what the writer
// computes from data's rows: the same bytes when they are the same. Groups
// and doc headers are written from `data`. REQUIRES: format_version >= 4.
std::string WriteSegment(const SegmentData& data, uint32_t format_version,
                         const CopiedContent& copied);

}  // namespace freshet
