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
// segment_writer.h writes a file, segment_reader.h reads one (versions 1
// and 2; a version-1 segment ranks every doc as of average length). All
// integers little-endian; readers verify every checksum before use.
#pragma once

#include "index/segment/section_container.h"
#include "index/segment/segment_data.h"
#include "index/segment/segment_reader.h"
#include "index/segment/segment_schema.h"
#include "index/segment/segment_writer.h"
