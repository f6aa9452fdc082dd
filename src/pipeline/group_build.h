// The grouped build: from the newest records of a window (or of a snapshot)
// and the base generation, the full state of every touched group, laid out
// as sharded segments.
//
// A group is touched when a window record upserts one of its docs, deletes
// or moves away a doc it held in the base, or updates its group record. A
// touched group is recomputed in full: its untouched siblings come from the
// base, its group record and aggregates are recomputed, and every doc gets
// the group-level fields. Identical inputs give identical segments.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/index_view.h"
#include "index/segment.h"
#include "pipeline/config.h"
#include "pipeline/records.h"

namespace freshet {

// Where a doc id lives in the base: its segment and ordinal.
struct BaseDocLocation {
  const SegmentReader* segment;
  uint32_t ord;
  std::string_view group() const { return segment->GroupKey(segment->DocGroup(ord)); }
  int64_t version() const { return segment->DocVersion(ord); }
};
std::optional<BaseDocLocation> FindBaseDoc(const std::vector<const SegmentReader*>& base,
                                           std::string_view id);

// The aggregates of `config` over a group's `n` docs in id order, where
// number(i, column) is doc i's number in doc column `column` (nullopt:
// none; a column not among `doc_columns` is passed as doc_columns.size()).
std::vector<double> AggregateOver(
    const PipelineConfig& config, const std::vector<std::string>& doc_columns, size_t n,
    const std::function<std::optional<double>(size_t doc, size_t column)>& number);

// A group's record once window record `rec` (may be null) is applied to it:
// `rec` replaces it unless the record held is newer; a deleting `rec`
// leaves none.
void ApplyGroupRecord(const KeyedRecord* rec, bool* has_record, int64_t* version, Row* row);

// The segment schema a pipeline's segments are built with.
SegmentSchema MakeSegmentSchema(const PipelineConfig& config);

struct BuildStats {
  int64_t docs = 0;
  int64_t groups = 0;
  int64_t deleted_docs = 0;  // docs removed by deletions
  int64_t moved_docs = 0;    // docs whose group changed
  // Adds the figures of another part of the same build.
  void Add(const BuildStats& part) {
    docs += part.docs;
    groups += part.groups;
    deleted_docs += part.deleted_docs;
    moved_docs += part.moved_docs;
  }
};

// Segments of a delta over `base` (may be empty: no base yet), from the
// window's newest records. Without `only_groups`: every group the window
// touches. With it: exactly those groups, each recomputed in full from the
// base and the window (kept even when it comes out empty, so that it
// supersedes its copy in a lower delta layer); segments without groups are
// left out. Corruption if a base segment cannot be decoded; InvalidArgument
// if the base was built with other columns than `config` now names.
Result<std::vector<SegmentData>> BuildDelta(const PipelineConfig& config,
                                            const std::vector<const SegmentReader*>& base,
                                            const NewestRecords& docs, const NewestRecords& groups,
                                            int shards, BuildStats* stats,
                                            const std::set<std::string>* only_groups = nullptr);

// Segments of a base generation from a snapshot's newest records, one per
// shard. With `only_shard` (0 <= only_shard < shards), only the groups of
// that shard (ShardOfGroup) are built, the other segments are empty: a shard
// built alone, from any superset of its records, is the segment the whole
// build gives it.
Result<std::vector<SegmentData>> BuildBase(const PipelineConfig& config, const NewestRecords& docs,
                                           const NewestRecords& groups, int shards,
                                           BuildStats* stats, int only_shard = -1);

}  // namespace freshet
