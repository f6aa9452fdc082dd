// Writes a segment file (format version kDefaultWrittenSegmentFormatVersion
// unless asked for another) from a
// SegmentData: one pass over the docs tokenizes each doc text field once,
// filling the posting lists and the field lengths together, and one pass
// over the groups does the same for the group fields, which format 4 indexes
// once per group (not once per doc of the group, as formats 2 and 3 did).
#pragma once

#include <string>

#include "index/segment/section_container.h"
#include "index/segment/segment_data.h"

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

}  // namespace freshet
