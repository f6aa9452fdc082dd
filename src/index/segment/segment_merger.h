// Segment merge: the segments of a new base from the segments of a
// generation (a base and its delta layers), by a k-way merge of their groups
// in key order. Which copy of a group record and of a doc is served is
// decided before, by the caller (IndexView::HiddenGroups and HiddenDocs):
// the merge takes each group's record and aggregates from the one source
// that serves them and its docs from every source that serves some (format
// 5 layers hold only a group's changed docs; whole-group layers all of
// them), so deletions, moves and group-record updates carry over as the
// serving layers hold them. Tombstones are dropped: a base has none.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "index/segment/postings_merge.h"
#include "index/segment/segment_data.h"
#include "index/segment/segment_reader.h"

namespace freshet {

// Everything a reader decodes of a segment, as the writer's input:
// WriteSegment(DecodeSegment(r), r.format_version()) writes r's bytes again.
// Corruption naming the segment if a group record or a row cannot be decoded.
Result<SegmentData> DecodeSegment(const SegmentReader& reader);

// Appends group `g` of `reader`, with `record` (its decoded record) and its
// docs, to the end of `out`. REQUIRES: g < reader.num_groups(); every group
// of `out` sorts before the group's key. Corruption naming the segment if a
// doc's row cannot be decoded.
Status AppendGroup(const SegmentReader& reader, uint32_t g, GroupRecord record, SegmentData* out);

struct MergeSource {
  const SegmentReader* segment = nullptr;
  // Per group of `segment`: true if another source serves its record (a
  // higher layer); null: every record is served from here. Borrowed; must
  // outlive the merge.
  const std::vector<bool>* superseded = nullptr;
  // Per doc of `segment`: true if another source serves it (format 5: a
  // copy or a tombstone in a higher layer). Null: the docs of the groups
  // whose record is served from here, and only those (formats 1 to 4
  // supersede whole groups). Borrowed; must outlive the merge.
  const std::vector<bool>* hidden_docs = nullptr;
};

struct MergeStats {
  int64_t docs = 0;
  int64_t groups = 0;
  int64_t superseded_groups = 0;  // copies another source serves
  int64_t emptied_groups = 0;     // served groups with no doc and no record: left out
  // WriteMergedSegments: why it analyzed the merged rows instead of merging
  // the sources' postings; empty when it merged them.
  std::string rows_merged_because;
};

// The served groups of `sources`, as `shards` base segments of `schema`: a
// group goes to shard ShardOfGroup(key, shards), each segment's groups
// sorted by key and docs by (group key, id), as a build lays them out, so
// that the same groups give the same bytes as a build from their records.
// A group without a record has version 0 and no row (a build from a
// snapshot knows no version for a record it does not hold). Decodes up to
// `threads` shards at a time (0: one per core). InvalidArgument naming the
// segment if one's schema is not `schema`; Corruption naming both segments
// if two sources serve one group, or the segment if its groups are not
// sorted or cannot be decoded.
Result<std::vector<SegmentData>> MergeSegments(std::span<const MergeSource> sources,
                                               const SegmentSchema& schema, int shards, int threads,
                                               MergeStats* stats);

// Takes part `part` of shard `shard` of a merge (see MergeSegmentsInParts).
using MergeEmit = std::function<Status(size_t shard, size_t part, SegmentData data)>;

// MergeSegments in bounded memory: each shard's groups, in key order, are
// cut into parts of whole groups, a part ending with the group that brings
// its groups and docs (each counted by its stored row's encoded bytes and
// its id) to `part_bytes` or more, and each part is
// handed to `emit` as soon as it is complete (every shard has at least one
// part, an empty segment if no group lies in it). The merge then holds one
// part per shard in flight, whatever the size of the sources. `emit` is
// called from up to `threads` threads at once, the parts of one shard in
// order; an error it returns ends the merge with that error. The same
// sources, schema, shard count and `part_bytes` give the same parts; with
// one part per shard, the segments MergeSegments returns.
Status MergeSegmentsInParts(std::span<const MergeSource> sources, const SegmentSchema& schema,
                            int shards, int threads, uint64_t part_bytes, MergeStats* stats,
                            const MergeEmit& emit);

// A part of a merge, written: the segment file and its counts.
struct MergedPart {
  std::string bytes;
  uint32_t docs = 0;
  uint32_t groups = 0;
};
// Takes part `part` of shard `shard` of a merge (see MergeSegmentsInParts).
using MergeWrite = std::function<Status(size_t shard, size_t part, MergedPart written)>;

// How WriteMergedSegments lays out the text of the merged segments.
enum class MergeMethod {
  // From the sources' posting lists, positions and field lengths
  // (postings_merge.h) when every source allows it (PostingsMergeRefusal:
  // format 5 sources of the same columns and analyzers, written in format
  // 5), else as kRows.
  kPostings,
  // By analyzing the merged rows again, as a build does.
  kRows,
};

// MergeSegmentsInParts, each part written in segment format `format` and
// handed to `write` (from up to `threads` threads at once, the parts of one
// shard in order). Both methods write the same bytes, those WriteSegment
// writes of the parts MergeSegmentsInParts gives; kPostings does not
// tokenize. stats->rows_merged_because says why the rows were analyzed, if
// they were. The errors of MergeSegmentsInParts, and Corruption naming a
// source whose posting lists cannot be read.
Status WriteMergedSegments(std::span<const MergeSource> sources, const SegmentSchema& schema,
                           int shards, int threads, uint64_t part_bytes, uint32_t format,
                           MergeMethod method, MergeStats* stats, const MergeWrite& write);

}  // namespace freshet
