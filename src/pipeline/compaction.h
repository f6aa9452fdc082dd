// Compaction shard by shard: what the tasks of a cluster run so that each
// folds one shard of a committed generation into that shard's new base
// segment (freshet-spark compact, through the Python binding), the same bytes
// as BatchRunner::Compact writes for it on one machine.
//
// A generation's segments are sharded as its builds wrote them: every group
// in segment ShardOfGroup(key, shards) of its layer (a base built under a
// memory budget has several segments a shard, a delta layer leaves out its
// empty ones). A doc moved to a group of another shard leaves a tombstone in
// its old group (format 5), so that what supersedes a shard's docs and
// records lies in segments of the same shard: the segments holding groups of
// a shard are enough to compact it.
//
// Thread-safe (functions of their arguments; the store's calls are).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "index/group_directory.h"
#include "index/manifest.h"
#include "index/segment/segment_merger.h"
#include "pipeline/config.h"
#include "storage/object_store.h"

namespace freshet {

// The sources of a merge of every segment of `directory`, in its serving
// order, each with what higher layers supersede (borrowed from `directory`,
// which must outlive them).
std::vector<MergeSource> ServedSources(const GroupDirectory& directory);

// The segments of `manifest`, base first then delta (the serving order of
// IndexView: segment `i` of the delta is `base.size() + i`).
std::vector<SegmentRef> GenerationSegments(const Manifest& manifest);

// The shards (of `shards`) that segment `segment` of the generation
// `manifest_key` of `output` holds groups of, ascending. Loads the segment,
// verifying its checksums (Corruption, NotFound naming it and the manifest);
// InvalidArgument if `segment` is not one of the manifest's.
Result<std::vector<int>> SegmentShards(ObjectStore& output, const std::string& manifest_key,
                                       size_t segment, int shards);

struct ShardCompaction {
  SegmentRef ref;    // the new base segment of the shard, written
  MergeStats stats;  // of this shard's groups and the copies they replace
};

// Compacts shard `shard` (of config.shards) of the committed generation
// `manifest_key` of `output`: merges `segments` (indexes as in
// GenerationSegments: every segment holding a group of the shard; segments
// also holding other shards' groups are allowed, their other groups are not
// written) and writes the shard's new base segment, in
// pipeline.segment_format, under its content-derived name unless it is
// there (a retried task writes the same bytes). Corruption, with nothing
// written, if the merged segment does not hold exactly the live docs of the
// shard's groups; the errors of MergeSegments and of loading a segment.
// InvalidArgument for a shard out of range or an index not in the manifest.
Result<ShardCompaction> CompactShard(const PipelineConfig& config, ObjectStore& output,
                                     const std::string& manifest_key,
                                     const std::vector<size_t>& segments, int shard);

}  // namespace freshet
