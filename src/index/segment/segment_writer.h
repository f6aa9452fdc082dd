// Writes a segment file (format version kSegmentFormatVersion) from a
// SegmentData: one pass over the docs tokenizes each text field once,
// filling the posting lists and the field lengths together.
#pragma once

#include <string>

#include "index/segment/section_container.h"
#include "index/segment/segment_data.h"

namespace freshet {

// Serializes `data`. Deterministic: the same data gives the same bytes.
// Sections, in file order: META, DOC_HEADERS, STORED_BLOCKS, GROUPS,
// TERM_BLOCKS, BLOCK_POSTINGS, NUMERIC_BLOCKS, LENGTH_BLOCKS, DOC_ID_INDEX.
// `format_version`: 3, or 2 for tests of format 2's reader.
std::string WriteSegment(const SegmentData& data, uint32_t format_version = kSegmentFormatVersion);

}  // namespace freshet
