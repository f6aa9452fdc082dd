// Segments: immutable index files. One segment holds whole groups: every doc
// of each group it lists, sorted by (group key, doc id), the group-level
// record and aggregates, a term dictionary with postings, numeric columns,
// field lengths and a doc-id index. A delta segment also lists the groups
// whose docs were all deleted (with no docs): listing a group is what
// supersedes it in the base.
//
// Format version 2 (frozen; version 1 had no FIELD_LENGTHS); each on-disk
// structure is a module of segment/, whose header documents its bytes:
//   section_container  header, section table with a checksum per section, trailer
//   segment_schema     META: kind, counts, columns and roles
//   stored_docs        DOCS: each doc's id, group, version and stored row
//   group_table        GROUPS: each group's key, docs, record and aggregates
//   term_dictionary    TERMS: (field, term) -> postings range, doc freq
//   postings           POSTINGS: doc deltas and term frequencies
//   doc_values         NUMERIC columns and FIELD_LENGTHS (BM25's norms)
//   doc_id_index       DOC_ID_INDEX: doc ordinals sorted by id
// with their shared pieces: offset_table (how DOCS, GROUPS and TERMS address
// entries), row_coding (stored values), term_table (the build-time term map).
//
// Format version 3 keeps META (with the analyzer id), GROUPS and
// DOC_ID_INDEX and replaces the others: doc_headers (DOC_HEADERS),
// stored_blocks (STORED_BLOCKS, zstd), term_blocks (TERM_BLOCKS,
// prefix-compressed), block_postings (BLOCK_POSTINGS, 128-doc blocks with
// skip data and score bounds), doc_value_blocks (NUMERIC_BLOCKS and
// LENGTH_BLOCKS, blocks with min/max).
//
// Format version 4 (current) has format 3's sections, which then hold the
// doc fields only, and stores the group fields (group columns and
// aggregates) once per group, in four sections of the same structures
// indexed by group ordinal: GROUP_TERM_BLOCKS, GROUP_POSTINGS,
// GROUP_NUMERIC_BLOCKS, GROUP_LENGTH_BLOCKS. Formats 2 and 3 copied them
// onto every doc of the group. The reader presents both alike, a doc
// holding its group's fields (group_docs_iterator expands a group posting
// list to the docs of its groups).
//
// segment_writer.h writes a file, segment_reader.h reads one (versions 1
// to 4; a version-1 segment ranks every doc as of average length). All
// integers little-endian; readers verify every checksum before use.
#pragma once

#include "index/segment/section_container.h"
#include "index/segment/segment_data.h"
#include "index/segment/segment_reader.h"
#include "index/segment/segment_schema.h"
#include "index/segment/segment_writer.h"
