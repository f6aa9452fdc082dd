// A segment in memory: what SegmentWriter serializes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash.h"
#include "format/row.h"
#include "index/segment/segment_schema.h"
#include "index/segment/tombstones.h"

namespace freshet {

struct SegmentDoc {
  std::string id;
  uint32_t group = 0;  // index into SegmentData::groups
  int64_t version = 0;
  Row row;  // values of schema.doc_columns
};

struct SegmentGroup {
  std::string key;
  bool has_record = false;         // a group-level record exists
  int64_t version = 0;             // of the group record
  Row row;                         // values of schema.group_columns (when has_record)
  std::vector<double> aggregates;  // one per schema.aggregate_names (NaN: none)
  uint32_t first_doc = 0;
  uint32_t doc_count = 0;
};

// Everything a segment holds, in memory.
// REQUIRES: groups sorted by key; docs sorted by (group key, id); each
// group's [first_doc, first_doc + doc_count) covers exactly its docs;
// tombstones (format 5 only) sorted by (group, id).
struct SegmentData {
  SegmentKind kind = SegmentKind::kBase;
  SegmentSchema schema;
  std::vector<SegmentGroup> groups;
  std::vector<SegmentDoc> docs;
  std::vector<SegmentTombstone> tombstones;
};

// The shard of a generation of `shards` segments that holds group `key`.
// Frozen: builds and merges lay groups out by it (a merge of segments
// built with the same shard count keeps every group in its shard).
inline size_t ShardOfGroup(std::string_view key, size_t shards) {
  return static_cast<size_t>(Hash64(key) % shards);
}

}  // namespace freshet
