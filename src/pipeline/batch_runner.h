// BatchRunner: one pipeline's engine. Each batch: lease, discover, plan,
// read, build, publish, commit (DESIGN.md, "Flow of one batch").
//
// Crash safety: segments and the manifest are written under names no reader
// follows until the metastore commit names them; CURRENT moves only after a
// commit and is repaired from the metastore at start. Any crash leaves the
// last committed generation served and the next batch redoes the work.
//
// Not thread-safe: one thread drives a runner.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "index/index_view.h"
#include "metastore/metastore.h"
#include "pipeline/chain_record.h"
#include "pipeline/collapse_guard.h"
#include "pipeline/config.h"
#include "pipeline/group_build.h"
#include "pipeline/planner.h"
#include "pipeline/records.h"
#include "source/discovery.h"
#include "storage/object_store.h"

namespace freshet {

struct MergeStats;  // index/segment/segment_merger.h

// Whether a batch's delta added a layer to the committed delta (continued
// the chain) or rebuilt the whole window into one layer, and why. Logged in
// `batch_committed` as chain=continued chain_from=... or chain=rebuilt
// chain_reason=...; the names are frozen.
struct ChainDecision {
  bool continued = false;
  // Continued: "memory" (this runner's previous batch), "generation" (after
  // a restart or a takeover: the committed generation stands for the files
  // its chain record lists, and only the files added since are read; see
  // RecordOverGeneration) or "record" (the committed manifest's chain
  // record, the whole window read again).
  std::string from;
  // Rebuilt: "requested" (RequestRebuild), "no_delta", "layers_full"
  // (pipeline.delta_layers reached), "no_record", "unreadable_record", or a
  // reason of ContinueFromRecord (pipeline/chain_record.h).
  std::string reason;
};

// The committed manifest's chain record as a batch loaded it (unset until
// loaded): a batch fetches, checks and parses it at most once.
using LoadedChainRecord = std::optional<Result<ChainRecord>>;

struct BatchOutcome {
  bool published = false;
  Plan plan;
  BatchRecord record;
  ChainDecision chain;  // when published
};

// What a delta was built from: the manifest it was published in, the base
// cut and window start, and the window's files and newest records.
struct DeltaInputs {
  std::string manifest_key;
  TimeMicros base_cut = 0;
  TimeMicros window_start = 0;
  std::vector<std::shared_ptr<const ParsedFile>> doc_files;
  std::vector<std::shared_ptr<const ParsedFile>> group_files;
  NewestRecords newest_docs;    // points into doc_files
  NewestRecords newest_groups;  // points into group_files
};

// What a runner works with, borrowed: each must outlive the runner. Tests
// pass memory stores, stores that inject faults and a ManualClock.
struct BatchRunnerOptions {
  ObjectStore* source = nullptr;        // the docs' source; required
  ObjectStore* group_source = nullptr;  // required iff the config has a group source
  ObjectStore* output = nullptr;        // where generations are published; required
  ObjectStore* snapshot = nullptr;      // BuildFull's input; null: opened from the config's URL
  Metastore* metastore = nullptr;       // required
  Clock* clock = nullptr;               // required
  std::string holder;                   // the lease holder's name
};

// What the builders of a base published with PublishBase read: the good and
// bad records of each stream, the bad ones listed ("SOURCE:ROW: reason"), and
// how many files (or sources) they came from.
struct BaseInputs {
  StreamRecordCounts docs;
  StreamRecordCounts groups;
  std::vector<std::string> quarantine;
  int64_t files_read = 0;
};

class BatchRunner {
 public:
  // A runner over the given parts. InvalidArgument if a required one is
  // missing, or if the config's sources cannot be laid out.
  static Result<std::unique_ptr<BatchRunner>> Open(const PipelineConfig& config,
                                                   BatchRunnerOptions options);
  // Opens (and owns) the stores and the metastore named by `config`'s URLs.
  static Result<std::unique_ptr<BatchRunner>> Open(const PipelineConfig& config, Clock& clock,
                                                   std::string holder);

  // Takes the writer lease (new epoch) and repairs CURRENT from the
  // metastore. LeaseHeld (FailedPrecondition) if another live holder has the
  // lease, unless it is a holder of this host whose process is gone
  // (pipeline/lease_holder.h): that lease is taken over at once, logged.
  Status Start();
  // Gives the lease up.
  Status Stop();

  // One batch. Returns whether something was published and its figures.
  // Fenced (FailedPrecondition) when another runner took over;
  // CollapseRefused, with nothing published, for a delta that only bad
  // records built or that drops more than max_shrink of the live docs. Unavailable
  // when the metastore (or a store) cannot be reached: the batch is failed as
  // a whole, nothing is committed unless the metastore says so, and the
  // runner stays usable: the next RunBatch() retries from the committed
  // watermark (after ResolveFailedCommit() if the failure came at commit).
  Result<BatchOutcome> RunBatch();

  // Builds a base generation from the snapshot (cut time from `cut`, else the
  // snapshot's CUT object) and commits a manifest serving it. CollapseRefused,
  // with nothing published, as for RunBatch(). REQUIRES: Start().
  Result<BatchOutcome> BuildFull(std::optional<TimeMicros> cut);

  // Publishes and commits, as BuildFull does once it has built its segments,
  // a base generation cut at `cut` made of segments built elsewhere (shards
  // built by other processes, e.g. the tasks of a Spark job, with the Python
  // binding) and already written to the output under their content names:
  // `base`, in shard order. Checks that each is there with its size
  // (NotFound, Corruption otherwise), keeps the committed delta when it is at
  // least as new as the cut, refuses a collapse from `inputs` and the live
  // docs (CollapseRefused, nothing published), writes the manifest and
  // commits it under this runner's epoch (Fenced when another runner took
  // over). InvalidArgument for a cut not aligned to the source period or an
  // empty base. REQUIRES: Start().
  Result<BatchOutcome> PublishBase(TimeMicros cut, std::vector<SegmentRef> base,
                                   const BaseInputs& inputs);

  // Folds the committed generation (base + delta layers) into a new base by
  // merging its segments (index/segment/segment_merger.h), reading neither
  // the snapshot nor the window's files, and commits a manifest serving that
  // base alone (pipeline/compaction.cc). The new base's cut is the end of
  // the delta's newest partition (its target + the period): the base holds
  // every partition up to the watermark, the watermark stays, and the delta
  // window restarts at the cut, empty until the next partition is ready.
  // Returns published = false, with nothing written, when the committed
  // generation has no delta, or, with kIfDue, when pipeline.compact_after
  // does not find it due (`run` asks so after each commit). FailedPrecondition
  // with no base yet; Fenced as for RunBatch(); Corruption if the merge does
  // not serve exactly the generation's live docs. REQUIRES: Start().
  enum class CompactWhen { kAlways, kIfDue };
  Result<BatchOutcome> Compact(CompactWhen when = CompactWhen::kAlways);

  // Publishes and commits, as Compact does once it has merged, the
  // compaction of the committed generation `from` (a manifest key) made
  // elsewhere, shard by shard (pipeline/compaction.h's CompactShard, e.g. in
  // the tasks of a Spark job): `base`, one segment per shard in shard order,
  // already written to the output; `stats`, the shards' merge figures
  // summed, for the log. FailedPrecondition, with nothing published, when
  // the committed generation is no longer `from` or has no delta;
  // InvalidArgument unless there are pipeline.shards segments; NotFound or
  // Corruption if a segment is not there whole; Fenced as for RunBatch().
  // REQUIRES: Start().
  Result<BatchOutcome> PublishCompaction(const std::string& from, std::vector<SegmentRef> base,
                                         const MergeStats& stats);

  // Lets the following batches and builds publish a generation that the
  // collapse guard refuses otherwise (pipeline/collapse_guard.h), logged.
  void AllowShrink(bool allow) { allow_shrink_ = allow; }

  // Makes the next published batch rebuild its whole window into one layer
  // (chain_reason=requested) instead of adding a layer to the committed
  // delta; the request holds until a batch commits.
  void RequestRebuild() { rebuild_requested_ = true; }

  // Deletes the manifests that stopped being served more than `retention`
  // ago (at least kMinRetention; a manifest stopped being served when the
  // next version was created), then the segments no remaining manifest
  // references. Never deletes the manifest CURRENT names, the one the
  // metastore says is committed, the one CURRENT named before (the newest of
  // a lower version), nor their segments; keeps every segment if a kept
  // manifest cannot be read. Chain records (inputs/) go as segments do: those
  // no kept manifest names are deleted, all are kept if a kept manifest
  // cannot be read. Only under a live lease (renewed first; without
  // it, nothing is deleted and `gc_skipped` is logged). Returns the number
  // of objects deleted.
  Result<int64_t> CollectGarbage();

  int64_t epoch() const { return epoch_; }
  const PipelineConfig& config() const { return config_; }
  ObjectStore& output() { return *output_; }
  Metastore& metastore() { return *metastore_; }

 private:
  BatchRunner(PipelineConfig config, const BatchRunnerOptions& options)
      : config_(std::move(config)),
        clock_(*options.clock),
        holder_(options.holder),
        source_(options.source),
        group_source_(options.group_source),
        output_(options.output),
        snapshot_(options.snapshot),
        metastore_(options.metastore) {
    // The runner owns the index: the supersessions it computes are kept there.
    segments_.supersessions()->set_writes(true);
  }

  Status RenewLease();
  // After a batch that failed between writing its manifest and pointing
  // CURRENT (the commit failed, its reply was lost, or CURRENT's write
  // failed): takes a new epoch for the same holder, then repairs CURRENT
  // from the metastore. The new epoch fences a commit of ours that may still
  // be in flight (or makes it visible in the state read after it), and gives
  // the retried batch a manifest key of its own: manifests are written once,
  // and the failed batch's manifest, never committed, is collected later.
  // FailedPrecondition ("fenced: ...") if another runner took the lease.
  Status ResolveFailedCommit();
  // Points CURRENT at the metastore's committed manifest unless it already
  // names it or a newer one.
  Status RepairCurrent(const PipelineState& state);
  // Points CURRENT at `manifest_key`, forward only (AdvanceCurrent); a
  // `repair` also replaces another manifest of the same version. Logs
  // `current_repaired` (repair) and `current_not_moved` (CURRENT was newer).
  Status PointCurrent(const std::string& manifest_key, bool repair);
  Result<std::shared_ptr<IndexView>> CommittedView(const PipelineState& state);
  // Whether this batch continues the chain of `committed` (the committed
  // generation, `committed_key`) and with which groups and ids: from this
  // runner's previous batch if it published `committed`, else from its chain
  // record. A delta that `folds` (format 5) continues when its layers are
  // full: the batch's layer then replaces the top ones (FoldFrom).
  // Fails only when the record cannot be fetched for now (Unavailable): a
  // missing or damaged record is logged (`chain_record_unreadable`) and
  // decides a rebuild. The record is taken from `*loaded` when the batch
  // loaded it already, else loaded into it.
  Result<ChainDecision> DecideChain(
      const IndexView& committed, const std::string& committed_key, const Plan& plan,
      const std::vector<std::shared_ptr<const ParsedFile>>& doc_files,
      const std::vector<std::shared_ptr<const ParsedFile>>& group_files,
      const NewestRecords& newest_docs, bool folds, LoadedChainRecord* loaded,
      std::set<std::string>* groups, ChangedIds* ids);
  // Reads the data files of `d`'s partitions in [from, to] but the first
  // `skip` of them (in window order), through the cache.
  Status ReadWindow(ObjectStore& store, const Discovery& d, const SourceSpec& spec,
                    const RecordSchema& schema, TimeMicros from, TimeMicros to, size_t skip,
                    std::vector<std::shared_ptr<const ParsedFile>>* files, BatchRecord* record);
  // Whether this batch can take the recorded window's state from the
  // committed generation `committed` (`committed_key`) instead of re-reading
  // its files: no rebuild is requested, this runner did not publish
  // `committed` itself (its in-memory chain serves then), the delta is of
  // format 5, its chain record is of format 2 and matches the batch's base
  // cut, window start and config, and each stream's files in the window are
  // the recorded ones followed by files added since. The record, once
  // loaded, is left in `*loaded` (for DecideChain when this declines): when
  // this returns true, it holds it. Fails only when the record cannot be
  // fetched for now (Unavailable).
  Result<bool> RecordOverGeneration(const IndexView& committed, const std::string& committed_key,
                                    const Plan& plan, const Discovery& docs,
                                    const Discovery& groups, bool by_id, LoadedChainRecord* loaded);
  // The committed manifest's chain record: Unavailable when it cannot be
  // fetched for now, Corruption when damaged.
  Result<ChainRecord> LoadChainRecord(const Manifest& previous, const std::string& committed_key);
  // InvalidArgument unless `cut` is aligned to the source period.
  Status CheckCut(TimeMicros cut) const;
  // The outcome of a batch of kind `kind` ("delta", "base", "compact")
  // starting now.
  BatchOutcome NewOutcome(std::string kind) const;
  // Checks that each of `refs` is in the output whole (NotFound, Corruption
  // naming it otherwise) and adds its docs and groups to `record`.
  Status CheckWritten(const std::vector<SegmentRef>& refs, BatchRecord* record);
  // Commits `manifest` (written under `key`), the compaction of `previous`
  // (committed as `state`), and logs `compaction_committed`.
  Status CommitCompaction(const PipelineState& state, const Manifest& previous,
                          const Manifest& manifest, const std::string& key,
                          const std::string& reason, const MergeStats& stats, BatchRecord* record);
  // The manifest of a base cut at `cut` after `state`'s committed generation
  // `committed` (may be null), keeping its delta if it is at least as new.
  Manifest BaseManifest(const PipelineState& state, const IndexView* committed,
                        TimeMicros cut) const;
  // Commits a base's manifest (written under `key`), points CURRENT at it
  // and logs `base_committed`.
  Status CommitBase(const PipelineState& state, const Manifest& manifest, const std::string& key,
                    TimeMicros cut, BatchRecord* record);
  // Writes `manifest` once under its key (again only over one this runner
  // wrote in an earlier try of the batch); returns the key.
  Result<std::string> WriteManifest(const Manifest& manifest, BatchRecord* record);
  // The manifest of the version after `state`'s, of this epoch, created
  // now, over a base cut at `base_cut`; no segments yet.
  Manifest NextManifest(const PipelineState& state, TimeMicros base_cut) const;
  // Writes segments, then the manifest; returns the manifest's key. Base
  // segments replace `manifest->base`; delta segments are appended to
  // `manifest->delta` as layer `layer`. Segments are written in `format`
  // (0: pipeline.segment_format).
  Result<std::string> Publish(Manifest* manifest, std::vector<SegmentData>* delta_or_base,
                              bool is_base, uint32_t layer, BatchRecord* record,
                              uint32_t format = 0);
  // Writes one segment under its content-derived name (freeing `data`), in
  // segment format `format` (0: pipeline.segment_format).
  Result<SegmentRef> WriteSegmentFile(SegmentData* data, uint32_t format = 0);
  // Publish() of segments already written: `refs` in manifest order.
  Result<std::string> PublishWritten(Manifest* manifest, std::vector<SegmentRef> refs, bool is_base,
                                     uint32_t layer, BatchRecord* record);
  // The committed state, after resolving a failed commit and renewing the
  // lease. Fenced if this runner's epoch is not the current one;
  // FailedPrecondition if nothing was published yet (no manifest key).
  Result<PipelineState> FencedState();
  // FencedState() and its generation, opened.
  Result<std::pair<PipelineState, std::shared_ptr<IndexView>>> CommittedState();
  Status CommitAndPoint(const PipelineState& state, const Manifest& manifest,
                        const std::string& manifest_key, std::optional<TimeMicros> watermark,
                        const std::string& fingerprint, BatchRecord* record);

  PipelineConfig config_;
  Clock& clock_;
  std::string holder_;
  ObjectStore* source_;
  ObjectStore* group_source_;  // null without a group source
  ObjectStore* output_;
  ObjectStore* snapshot_;  // null: BuildFull opens the config's snapshot URL
  Metastore* metastore_;
  // What the URL constructor opened, for the pointers above.
  std::vector<std::unique_ptr<ObjectStore>> owned_stores_;
  std::unique_ptr<Metastore> owned_metastore_;
  SourceSpec doc_spec_;
  SourceSpec group_spec_;
  // The Delta tables' states read last (source/delta_log.h), so that the
  // next discovery reads only the commits after them.
  std::optional<DeltaSnapshot> doc_table_;
  std::optional<DeltaSnapshot> group_table_;
  int64_t epoch_ = 0;
  TimeMicros lease_expires_ = 0;  // as of our last acquisition or renewal
  // A commit was attempted and CURRENT not yet written after it.
  bool commit_unresolved_ = false;
  bool retention_raised_logged_ = false;
  bool allow_shrink_ = false;
  bool rebuild_requested_ = false;
  std::string config_fingerprint_;  // ConfigFingerprint(config_)
  SegmentCache segments_;
  // The key of the last manifest this runner wrote: an earlier try's, when
  // the batch failed before its commit.
  std::string last_manifest_written_;
  // Parsed files by (key, fingerprint): unchanged files are not read again.
  std::map<std::string, std::shared_ptr<const ParsedFile>> file_cache_;
  // What this runner's last committed delta was built from, so that the next
  // batch can add a layer holding only the groups whose records changed
  // since. Absent after a start, a failed commit or another runner's commit:
  // the next batch then continues from the committed manifest's chain record.
  std::optional<DeltaInputs> chain_;
};

}  // namespace freshet
