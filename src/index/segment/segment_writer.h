// Writes a segment file (format version kSegmentFormatVersion) from a
// SegmentData: one pass over the docs tokenizes each text field once,
// filling the posting lists and the field lengths together.
#pragma once

#include <string>

#include "index/segment/segment_data.h"

namespace freshet {

// Serializes `data`. Deterministic: the same data gives the same bytes.
// Sections, in file order: META, DOCS, GROUPS, TERMS, POSTINGS, NUMERIC,
// FIELD_LENGTHS, DOC_ID_INDEX.
std::string WriteSegment(const SegmentData& data);

}  // namespace freshet
