// BatchRunner::Compact (batch_runner.h): the committed base and delta folded
// into a new base by a segment merge, published and committed as a base
// generation is.
#include <fmt/format.h>

#include <mutex>

#include "common/crash_point.h"
#include "common/log.h"
#include "index/segment/segment_merger.h"
#include "pipeline/batch_runner.h"
#include "pipeline/phase_timer.h"

namespace freshet {
namespace {

// Memory a merge needs per byte of the decoded groups and docs of a part in
// flight (the part, the segment laid out from it and its bytes). Measured:
// compacting an ads-1m --scale 0.2 base and a 3-partition delta on one
// thread under budgets of 16, 32 and 64 MiB (parts of 4, 8 and 16 MiB at a
// factor of 4) peaked at 41, 49 and 64 MiB of RSS: about 34 MiB for the
// program and the generation's maps, plus 1.9 bytes per byte of the part.
constexpr uint64_t kMergeFactor = 2;

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

Result<BatchOutcome> BatchRunner::Compact(CompactWhen when) {
  BatchOutcome out;
  BatchRecord& rec = out.record;
  rec.kind = "compact";
  rec.started_at = clock_.Now();
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
  std::vector<MergeSource> sources;
  const size_t num_base = committed.base().size();
  for (size_t i = 0; i < num_base + committed.delta().size(); ++i) {
    const auto& segment = i < num_base ? committed.base()[i] : committed.delta()[i - num_base];
    sources.push_back(
        MergeSource{segment.get(), &committed.HiddenGroups(i), &committed.HiddenDocs(i)});
  }
  // Each shard's merged groups are written a part at a time, each part
  // within its shard's share of the budget (at most one part per shard is
  // in flight). Shared by shards, not threads: the same generation and
  // budget give the same segments on any machine.
  const uint64_t part_bytes =
      config_.memory_budget / (static_cast<uint64_t>(config_.shards) * kMergeFactor);
  std::vector<std::vector<SegmentRef>> written(static_cast<size_t>(config_.shards));
  std::mutex written_mu;
  MergeStats stats;
  Status merged = MergeSegmentsInParts(sources, MakeSegmentSchema(config_), config_.shards,
                                       config_.threads, part_bytes, &stats,
                                       [&](size_t shard, size_t part, SegmentData data) -> Status {
                                         ASSIGN_OR_RETURN(SegmentRef ref, WriteSegmentFile(&data));
                                         std::lock_guard lock(written_mu);
                                         if (written[shard].size() <= part)
                                           written[shard].resize(part + 1);
                                         written[shard][part] = std::move(ref);
                                         return Status::OK();
                                       });
  if (!merged.ok()) {
    return merged.WithContext(fmt::format("compacting '{}'", state.manifest_key));
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
  RETURN_IF_ERROR(CommitAndPoint(state, manifest, key, std::nullopt, "", &rec));
  out.published = true;
  chain_.reset();
  Log(LogLevel::kInfo, "compaction_committed",
      {{"pipeline", config_.name},
       {"version", manifest.version},
       {"cut", FormatTimestamp(cut)},
       {"from", state.manifest_key},
       {"reason", reason},
       {"base_segments", num_base},
       {"segments", static_cast<int64_t>(manifest.base.size())},
       {"delta_segments", committed.delta().size()},
       {"delta_layers", previous.DeltaLayers()},
       {"docs", rec.docs},
       {"groups", rec.groups},
       {"superseded_groups", stats.superseded_groups},
       {"emptied_groups", stats.emptied_groups},
       {"bytes", rec.bytes_written},
       {"merge_ms", rec.build_micros / 1000},
       {"publish_ms", rec.publish_micros / 1000},
       {"commit_ms", rec.commit_micros / 1000}});
  return out;
}

}  // namespace freshet
