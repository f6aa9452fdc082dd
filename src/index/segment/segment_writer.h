// Writes a segment file (format version kSegmentFormatVersion) from a
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
// GROUP_LENGTH_BLOCKS, DOC_ID_INDEX, then (format 4, for the text fields
// whose schema keeps positions, when they hold a term) POSITIONS and
// GROUP_POSITIONS. `format_version`: 4, or 3 or 2 (group
// fields copied onto every doc, no group sections) for tests of older
// readers and for comparisons. REQUIRES: data.schema.AllAscii() for format 2
// (its META has no analyzer id).
std::string WriteSegment(const SegmentData& data, uint32_t format_version = kSegmentFormatVersion);

}  // namespace freshet
