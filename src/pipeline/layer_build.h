// A delta layer of segment format 5 that holds only what changed: the docs
// whose served copy differs from what the window says (upserts, reverts,
// moves between groups), a tombstone for every served doc the window
// deletes or moves out of a group, and one group entry per touched group
// (its record as the window says, its aggregates over every doc it serves
// once the layer lies over the generation). Untouched siblings are neither
// read as rows nor written: a reader serves them from the lower layers with
// the new entry's record (group_directory.h).
//
// The same code folds layers: given the top layers of a delta (a suffix),
// it writes one layer that replaces them, holding what they hold that still
// differs from the layers below, plus the batch's changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/index_view.h"
#include "index/segment/segment_data.h"
#include "index/segment/segment_reader.h"
#include "pipeline/config.h"
#include "pipeline/group_build.h"
#include "pipeline/records.h"

namespace freshet {

// The ids a batch's input changed: the keys of the records of every file
// added to (or removed from) the window since the layers below were built.
struct ChangedIds {
  std::vector<std::string> docs;    // doc ids, sorted, unique
  std::vector<std::string> groups;  // group keys, sorted, unique
};
// The doc ids and group keys of `doc_files` and `group_files`.
ChangedIds IdsOfFiles(const std::vector<const ParsedFile*>& doc_files,
                      const std::vector<const ParsedFile*>& group_files);

// A segment a new delta layer lies over, with its docs a higher layer
// already supersedes (null: none).
struct LowerSegment {
  const SegmentReader* segment = nullptr;
  const std::vector<bool>* hidden = nullptr;
};

// The segments of generation `view` in serving order (the base first), each
// with what the layers above it supersede; they borrow from `view`.
std::vector<LowerSegment> ServedSegments(const IndexView& view);

// The highest group entry for `key` among `layers` (in serving order),
// decoded; nullopt if none. Corruption naming the segment if that entry
// cannot be decoded.
Result<std::optional<GroupRecord>> TopRecord(const std::vector<LowerSegment>& layers,
                                             std::string_view key);

struct LayerInput {
  // The base generation's segments: with `docs` and `groups`, the window's
  // newest records, they say what is served after the batch (BuildDelta's
  // rule: a window record beats a base copy unless the base's is newer).
  std::vector<const SegmentReader*> base;
  const NewestRecords* docs = nullptr;
  const NewestRecords* groups = nullptr;
  // The ids the batch decides from the window; null: every id of `docs` and
  // `groups` (a whole-window layer).
  const ChangedIds* changed = nullptr;
  // What the layer lies over, in serving order (the base first), each with
  // what the segments after it in this list supersede.
  std::vector<LowerSegment> below;
  // Layers the new one replaces (a fold; empty otherwise): the segments of
  // the committed generation above `below`, with what the committed
  // generation supersedes of them. `committed` is the whole committed
  // generation (`below`'s segments with the committed generation's
  // supersession, then `folded`'s): the state served before the batch,
  // for the ids the batch does not decide.
  std::vector<LowerSegment> folded;
  std::vector<LowerSegment> committed;
};

struct LayerStats {
  int64_t docs = 0;        // doc copies written
  int64_t tombstones = 0;  // docs deleted or moved out of a group
  int64_t groups = 0;      // group entries written
  int64_t deleted_docs = 0;
  int64_t moved_docs = 0;
  int64_t live_change = 0;  // served docs after the layer minus before
  int64_t live_below = 0;   // docs served by what the layer lies over
  // Groups whose aggregates were updated from their record below rather
  // than recomputed over their docs (see BuildChangedLayer).
  int64_t aggregates_updated = 0;
};

// The layer, as `shards` format-5 segments (a group's shard: ShardOfGroup),
// segments without groups left out. Corruption naming the segment if a
// row or a group record below cannot be decoded.
Result<std::vector<SegmentData>> BuildChangedLayer(const PipelineConfig& config,
                                                   const LayerInput& input, int shards,
                                                   LayerStats* stats);

// The layer a batch adds to committed generation `view`, replacing its
// delta layers from `fold_from` up (none when fold_from is the number of
// its layers): it lies over the base and the layers below `fold_from`. With
// `changed` null, the window decides every id: fold_from 0 then gives the
// whole-window layer over the base alone. A fold takes what the kept
// layers supersede of one another from `supersessions` when given (a
// runner's segment cache holds them: they were served together).
Result<std::vector<SegmentData>> BuildLayerOver(const PipelineConfig& config, const IndexView& view,
                                                uint32_t fold_from, const NewestRecords& docs,
                                                const NewestRecords& groups,
                                                const ChangedIds* changed, int shards,
                                                LayerStats* stats,
                                                SupersessionCache* supersessions = nullptr);

// The first layer of `m`'s delta that a batch's layer replaces: none
// (m.DeltaLayers()) while the delta has fewer than `max_layers` layers;
// else the top layer and each one below it that holds no more docs than
// those above it and the batch's `new_docs` together, so that layer sizes
// grow geometrically and a doc is rewritten O(log batches) times.
uint32_t FoldFrom(const Manifest& m, uint32_t max_layers, uint64_t new_docs);

}  // namespace freshet
