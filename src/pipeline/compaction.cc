// BatchRunner::Compact (batch_runner.h): the committed base and delta folded
// into a new base by a segment merge, published and committed as a base
// generation is; and the same merge shard by shard (compaction.h).
#include "pipeline/compaction.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>

#include "common/crash_point.h"
#include "common/log.h"
#include "index/index_view.h"
#include "pipeline/batch_runner.h"
#include "pipeline/phase_timer.h"
#include "pipeline/segment_object.h"

namespace freshet {
namespace {

// Memory a merge needs per byte of a part in flight, counted as its docs'
// stored rows (encoded) and ids (segment_merger.h): the rows copied or
// decoded, the posting lists read or analyzed, the segment laid out from
// them and its bytes. Measured: compacting the ads-1m base and a
// 60-partition delta under a 256 MiB budget (2 shards) at a factor of 2
// peaked at 531 MiB of RSS merging postings and 698 MiB analyzing rows (the
// fallback), of which about 50 MiB for the program and the generation's
// maps; a factor of 6 keeps both near the budget.
constexpr uint64_t kMergeFactor = 6;

// Why pipeline.compact_after finds `m`'s delta due; empty if it does not.
// Its age is the span of data time it covers, from the base's cut to the end
// of its newest partition (not the wall clock: a runner catching up a
// backlog compacts as often as one that keeps up).
std::string CompactionDue(const PipelineConfig& config, const Manifest& m) {
  const TimeMicros span = m.target + config.source.period - m.base_cut;
  if (config.compact_after_age > 0 && span >= config.compact_after_age) {
    return fmt::format("the delta spans {} (compact_after {})", FormatDuration(span),
                       FormatDuration(config.compact_after_age));
  }
  uint64_t base = 0, delta = 0;
  for (const SegmentRef& r : m.base) base += r.bytes;
  for (const SegmentRef& r : m.delta) delta += r.bytes;
  const double ratio = base ? static_cast<double>(delta) / static_cast<double>(base) : 0;
  if (config.compact_after_ratio > 0 && ratio >= config.compact_after_ratio) {
    return fmt::format("the delta is {:.3f} of the base's bytes (compact_after {})", ratio,
                       config.compact_after_ratio);
  }
  return "";
}

}  // namespace

std::vector<MergeSource> ServedSources(const GroupDirectory& directory) {
  std::vector<MergeSource> sources;
  for (size_t i = 0; i < directory.size(); ++i) {
    sources.push_back(MergeSource{&directory.segment(i), &directory.SupersededRecords(i),
                                  &directory.HiddenDocs(i)});
  }
  return sources;
}

std::vector<SegmentRef> GenerationSegments(const Manifest& manifest) {
  std::vector<SegmentRef> refs = manifest.base;
  refs.insert(refs.end(), manifest.delta.begin(), manifest.delta.end());
  return refs;
}

namespace {

// Segment `segment` of the generation `manifest`, loaded through `cache`.
Result<std::shared_ptr<const SegmentReader>> LoadGenerationSegment(ObjectStore& output,
                                                                   SegmentCache& cache,
                                                                   const std::string& manifest_key,
                                                                   const Manifest& manifest,
                                                                   size_t segment) {
  const size_t count = manifest.base.size() + manifest.delta.size();
  if (segment >= count) {
    return Status::InvalidArgument(fmt::format("manifest '{}' has {} segments, not a segment {}",
                                               manifest_key, count, segment));
  }
  const SegmentRef& ref = segment < manifest.base.size()
                              ? manifest.base[segment]
                              : manifest.delta[segment - manifest.base.size()];
  auto loaded = cache.Load(output, ref);
  if (!loaded.ok()) return loaded.status().WithContext(fmt::format("manifest '{}'", manifest_key));
  return loaded;
}

}  // namespace

Result<std::vector<int>> SegmentShards(ObjectStore& output, const std::string& manifest_key,
                                       size_t segment, int shards) {
  if (shards < 1) return Status::InvalidArgument(fmt::format("{} shards", shards));
  ASSIGN_OR_RETURN(const Manifest manifest, IndexView::ReadManifest(output, manifest_key));
  SegmentCache cache;
  ASSIGN_OR_RETURN(auto reader,
                   LoadGenerationSegment(output, cache, manifest_key, manifest, segment));
  std::vector<bool> holds(static_cast<size_t>(shards), false);
  for (uint32_t g = 0; g < reader->num_groups(); ++g) {
    holds[ShardOfGroup(reader->GroupKey(g), holds.size())] = true;
  }
  std::vector<int> out;
  for (size_t s = 0; s < holds.size(); ++s) {
    if (holds[s]) out.push_back(static_cast<int>(s));
  }
  return out;
}

Result<ShardCompaction> CompactShard(const PipelineConfig& config, ObjectStore& output,
                                     const std::string& manifest_key,
                                     const std::vector<size_t>& segments, int shard) {
  if (shard < 0 || shard >= config.shards) {
    return Status::InvalidArgument(
        fmt::format("shard {} out of range: the pipeline has {} shards (0 to {})", shard,
                    config.shards, config.shards - 1));
  }
  ASSIGN_OR_RETURN(const Manifest manifest, IndexView::ReadManifest(output, manifest_key));
  const size_t num_base = manifest.base.size();
  // The shard's segments in serving order, with their layers, and what the
  // higher ones among them supersede.
  std::vector<size_t> order(segments);
  std::sort(order.begin(), order.end());
  order.erase(std::unique(order.begin(), order.end()), order.end());
  SegmentCache cache;
  std::vector<std::shared_ptr<const SegmentReader>> readers;  // owns what `borrowed` points at
  std::vector<const SegmentReader*> borrowed;
  std::vector<uint32_t> layers;
  for (size_t i : order) {
    ASSIGN_OR_RETURN(auto reader, LoadGenerationSegment(output, cache, manifest_key, manifest, i));
    borrowed.push_back(reader.get());
    readers.push_back(std::move(reader));
    layers.push_back(i < num_base ? 0 : manifest.delta[i - num_base].layer + 1);
  }
  ASSIGN_OR_RETURN(auto directory, GroupDirectory::Build(borrowed, layers, manifest_key));
  const std::vector<MergeSource> sources = ServedSources(*directory);
  const auto in_shard = [&](std::string_view key) {
    return ShardOfGroup(key, static_cast<size_t>(config.shards)) == static_cast<size_t>(shard);
  };
  uint64_t live = 0;
  for (size_t i = 0; i < directory->size(); ++i) {
    const SegmentReader& seg = directory->segment(i);
    const std::vector<bool>& hidden = directory->HiddenDocs(i);
    for (uint32_t g = 0; g < seg.num_groups(); ++g) {
      if (!in_shard(seg.GroupKey(g))) continue;
      const uint32_t first = seg.GroupFirstDoc(g);
      for (uint32_t d = first; d < first + seg.GroupDocCount(g); ++d) live += hidden[d] ? 0 : 1;
    }
  }
  const std::string context = fmt::format("compacting shard {} of '{}'", shard, manifest_key);
  ShardCompaction out;
  MergedPart part;
  Status merged = WriteMergedSegments(
      sources, MakeSegmentSchema(config), config.shards, config.threads,
      std::numeric_limits<uint64_t>::max(), static_cast<uint32_t>(config.segment_format),
      MergeMethod::kPostings, &out.stats, [&](size_t s, size_t, MergedPart written) {
        if (s == static_cast<size_t>(shard)) part = std::move(written);
        return Status::OK();
      });
  if (!merged.ok()) return merged.WithContext(context);
  out.stats.docs = part.docs;
  out.stats.groups = part.groups;
  if (part.docs != live) {
    return Status::Corruption(
        fmt::format("{}: the merged segment holds {} docs, the shard's segments serve {}; "
                    "nothing written",
                    context, part.docs, live));
  }
  SegmentObject object = NameSegment(std::move(part.bytes), part.docs, part.groups);
  RETURN_IF_ERROR(PutContentAddressed(output, object.ref.key, object.bytes));
  out.ref = std::move(object.ref);
  return out;
}

Result<BatchOutcome> BatchRunner::Compact(CompactWhen when) {
  BatchOutcome out = NewOutcome("compact");
  BatchRecord& rec = out.record;
  PhaseTimer timer;
  // The policy reads the manifest alone (segment bytes, the delta's span):
  // `run` asks after every commit, and most answers open no segment.
  ASSIGN_OR_RETURN(const PipelineState state, FencedState());
  ASSIGN_OR_RETURN(const Manifest previous, IndexView::ReadManifest(*output_, state.manifest_key));
  if (!previous.has_delta) {
    Log(LogLevel::kInfo, "compaction_skipped",
        {{"pipeline", config_.name},
         {"manifest", state.manifest_key},
         {"reason", "the committed generation has no delta"}});
    return out;
  }
  std::string reason = "requested";
  if (when == CompactWhen::kIfDue) {
    reason = CompactionDue(config_, previous);
    if (reason.empty()) return out;
  }
  const TimeMicros cut = previous.target + config_.source.period;
  ASSIGN_OR_RETURN(std::shared_ptr<IndexView> view, CommittedView(state));
  const IndexView& committed = *view;

  // Merge: each group record and each doc from the layer that serves it.
  const std::vector<MergeSource> sources = ServedSources(committed.directory());
  // Each shard's merged groups are written a part at a time, each part
  // within its shard's share of the budget (at most one part per shard is
  // in flight). Shared by shards, not threads: the same generation and
  // budget give the same segments on any machine.
  const uint64_t part_bytes =
      config_.memory_budget / (static_cast<uint64_t>(config_.shards) * kMergeFactor);
  std::vector<std::vector<SegmentRef>> written(static_cast<size_t>(config_.shards));
  std::mutex written_mu;
  MergeStats stats;
  // The sources' postings are merged (no text is analyzed again) unless a
  // source was indexed otherwise than the new base (segment_merger.h).
  Status merged = WriteMergedSegments(
      sources, MakeSegmentSchema(config_), config_.shards, config_.threads, part_bytes,
      static_cast<uint32_t>(config_.segment_format), MergeMethod::kPostings, &stats,
      [&](size_t shard, size_t part, MergedPart data) -> Status {
        SegmentObject object = NameSegment(std::move(data.bytes), data.docs, data.groups);
        RETURN_IF_ERROR(PutContentAddressed(*output_, object.ref.key, object.bytes));
        std::lock_guard lock(written_mu);
        if (written[shard].size() <= part) written[shard].resize(part + 1);
        written[shard][part] = std::move(object.ref);
        return Status::OK();
      });
  if (!merged.ok()) {
    return merged.WithContext(fmt::format("compacting '{}'", state.manifest_key));
  }
  if (!stats.rows_merged_because.empty()) {
    Log(LogLevel::kInfo, "compaction_analyzes_rows",
        {{"pipeline", config_.name},
         {"from", state.manifest_key},
         {"reason", stats.rows_merged_because}});
  }
  // The manifest lists the segments by shard, then part, as build-full does.
  std::vector<SegmentRef> refs;
  for (std::vector<SegmentRef>& shard : written) {
    for (SegmentRef& ref : shard) refs.push_back(std::move(ref));
  }
  if (static_cast<uint64_t>(stats.docs) != committed.LiveDocs()) {
    return Status::Corruption(fmt::format(
        "compacting '{}': the merged base holds {} docs, the generation serves {}; nothing "
        "published",
        state.manifest_key, stats.docs, committed.LiveDocs()));
  }
  rec.docs = stats.docs;
  rec.groups = stats.groups;
  rec.window_start = cut;
  rec.build_micros = timer.Lap();
  CrashPoint("after_merge");
  RETURN_IF_ERROR(RenewLease());

  // Publish and commit: a base generation with no delta; the watermark stays.
  Manifest manifest = NextManifest(state, cut);
  ASSIGN_OR_RETURN(std::string key, PublishWritten(&manifest, std::move(refs), true, 0, &rec));
  rec.publish_micros = timer.Lap();
  RETURN_IF_ERROR(CommitCompaction(state, previous, manifest, key, reason, stats, &rec));
  out.published = true;
  return out;
}

Result<BatchOutcome> BatchRunner::PublishCompaction(const std::string& from,
                                                    std::vector<SegmentRef> base,
                                                    const MergeStats& stats) {
  BatchOutcome out = NewOutcome("compact");
  BatchRecord& rec = out.record;
  PhaseTimer timer;
  ASSIGN_OR_RETURN(const PipelineState state, FencedState());
  if (state.manifest_key != from) {
    return Status::FailedPrecondition(
        fmt::format("the committed generation is '{}', not '{}' whose compaction was given; "
                    "nothing published",
                    state.manifest_key, from));
  }
  ASSIGN_OR_RETURN(const Manifest previous, IndexView::ReadManifest(*output_, from));
  if (!previous.has_delta) {
    return Status::FailedPrecondition(
        fmt::format("'{}' has no delta: there is nothing to compact", from));
  }
  if (base.size() != static_cast<size_t>(config_.shards)) {
    return Status::InvalidArgument(
        fmt::format("a compacted base has one segment per shard: {} given, pipeline.shards is {}",
                    base.size(), config_.shards));
  }
  RETURN_IF_ERROR(CheckWritten(base, &rec));
  const TimeMicros cut = previous.target + config_.source.period;
  rec.window_start = cut;
  RETURN_IF_ERROR(RenewLease());
  Manifest manifest = NextManifest(state, cut);
  ASSIGN_OR_RETURN(std::string key, PublishWritten(&manifest, std::move(base), true, 0, &rec));
  rec.publish_micros = timer.Lap();
  RETURN_IF_ERROR(CommitCompaction(state, previous, manifest, key, "requested", stats, &rec));
  out.published = true;
  return out;
}

Status BatchRunner::CommitCompaction(const PipelineState& state, const Manifest& previous,
                                     const Manifest& manifest, const std::string& key,
                                     const std::string& reason, const MergeStats& stats,
                                     BatchRecord* rec) {
  RETURN_IF_ERROR(CommitAndPoint(state, manifest, key, std::nullopt, "", rec));
  chain_.reset();
  Log(LogLevel::kInfo, "compaction_committed",
      {{"pipeline", config_.name},
       {"version", manifest.version},
       {"cut", FormatTimestamp(manifest.base_cut)},
       {"from", state.manifest_key},
       {"reason", reason},
       {"base_segments", previous.base.size()},
       {"segments", static_cast<int64_t>(manifest.base.size())},
       {"delta_segments", previous.delta.size()},
       {"delta_layers", previous.DeltaLayers()},
       {"docs", rec->docs},
       {"groups", rec->groups},
       {"superseded_groups", stats.superseded_groups},
       {"emptied_groups", stats.emptied_groups},
       {"bytes", rec->bytes_written},
       {"merge_ms", rec->build_micros / 1000},
       {"publish_ms", rec->publish_micros / 1000},
       {"commit_ms", rec->commit_micros / 1000}});
  return Status::OK();
}

}  // namespace freshet
