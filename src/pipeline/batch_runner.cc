#include "pipeline/batch_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_set>

#include "common/crash_point.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/progress.h"
#include "index/current_pointer.h"
#include "index/supersession_object.h"
#include "metastore/pipeline_rules.h"
#include "pipeline/collapse_guard.h"
#include "pipeline/group_build.h"
#include "pipeline/lease_holder.h"
#include "pipeline/phase_timer.h"
#include "pipeline/segment_object.h"
#include "pipeline/snapshot_input.h"

namespace freshet {
namespace {

Result<SourceSpec> MakeSpec(const StreamConfig& s, const PipelineConfig& c) {
  SourceSpec spec;
  auto layout = PartitionLayout::Parse(s.layout);
  if (!layout.ok()) return layout.status();
  spec.layout = std::move(*layout);
  spec.period = s.period;
  spec.kind = s.kind;
  spec.format = s.format;
  // A Delta table's files appear by commits: no markers.
  if (s.kind == SourceKind::kFolders) spec.marker = c.marker;
  spec.delay = c.delay;
  return spec;
}

// FailedPrecondition when a Delta table's version read is older than the one
// a committed batch read: the table was replaced, and what is published
// cannot be told apart from what is not.
Status CheckTableVersion(const ObjectStore& table, std::optional<int64_t> committed,
                         std::optional<int64_t> read) {
  if (!committed || !read || *read >= *committed) return Status::OK();
  return Status::FailedPrecondition(fmt::format(
      "Delta table {}: its newest version is {}, older than version {} that the metastore "
      "records as read (was the table replaced?)",
      table.Describe(), *read, *committed));
}

void AddQuarantine(BatchRecord* record, const ParsedFile& f) {
  record->bad_records += f.bad_records;
  for (const auto& b : f.bad) {
    if (record->quarantine.size() >= kMaxBadListed) break;
    record->quarantine.push_back(b);
  }
}

// The records of a window's files, good and bad.
StreamRecordCounts CountRecords(const std::vector<InputFile>& files) {
  StreamRecordCounts c;
  for (const InputFile& f : files) {
    c.good += f.records;
    c.bad += f.bad_records;
  }
  return c;
}

// Files in one list and not the other, compared by identity: the file cache
// hands out the same object for a file whose fingerprint did not change.
std::vector<const ParsedFile*> ChangedFiles(
    const std::vector<std::shared_ptr<const ParsedFile>>& before,
    const std::vector<std::shared_ptr<const ParsedFile>>& now) {
  std::unordered_set<const ParsedFile*> in_before, in_now;
  for (const auto& f : before) in_before.insert(f.get());
  for (const auto& f : now) in_now.insert(f.get());
  std::vector<const ParsedFile*> out;
  for (const auto& f : before) {
    if (!in_now.count(f.get())) out.push_back(f.get());
  }
  for (const auto& f : now) {
    if (!in_before.count(f.get())) out.push_back(f.get());
  }
  return out;
}

// The groups whose state may differ between the window a runner built its
// previous delta from and this batch's: every group that a doc of a changed
// doc file belonged to before, belongs to now or belongs to in the base, and
// every group of a changed group file.
std::set<std::string> ChangedGroups(
    const DeltaInputs& before, const std::vector<std::shared_ptr<const ParsedFile>>& doc_files,
    const std::vector<std::shared_ptr<const ParsedFile>>& group_files,
    const NewestRecords& newest_docs, const std::vector<const SegmentReader*>& base) {
  return GroupsOfChanges(ChangedFiles(before.doc_files, doc_files),
                         ChangedFiles(before.group_files, group_files), newest_docs, base,
                         [&](std::string_view id) -> std::optional<std::string_view> {
                           const KeyedRecord* rec = before.newest_docs.Find(id);
                           if (!rec || rec->deleted) return std::nullopt;
                           return rec->group;
                         });
}

}  // namespace

Result<std::unique_ptr<BatchRunner>> BatchRunner::Open(const PipelineConfig& config,
                                                       BatchRunnerOptions options) {
  auto missing = [&](std::string_view part) {
    return Status::InvalidArgument(
        fmt::format("pipeline '{}': the runner has no {}", config.name, part));
  };
  if (options.source == nullptr) return missing("source store");
  if (config.has_group && options.group_source == nullptr) return missing("group source store");
  if (options.output == nullptr) return missing("output store");
  if (options.metastore == nullptr) return missing("metastore");
  if (options.clock == nullptr) return missing("clock");
  std::unique_ptr<BatchRunner> r(new BatchRunner(config, options));
  if (config.has_group) {
    ASSIGN_OR_RETURN(r->group_spec_, MakeSpec(config.group_source, config));
  }
  ASSIGN_OR_RETURN(r->doc_spec_, MakeSpec(config.source, config));
  r->config_fingerprint_ = ConfigFingerprint(config);
  return r;
}

Result<std::unique_ptr<BatchRunner>> BatchRunner::Open(const PipelineConfig& config, Clock& clock,
                                                       std::string holder) {
  std::vector<std::unique_ptr<ObjectStore>> stores;
  BatchRunnerOptions options;
  options.clock = &clock;
  options.holder = std::move(holder);
  ASSIGN_OR_RETURN(stores.emplace_back(), ObjectStore::Open(config.source.url));
  options.source = stores.back().get();
  if (config.has_group) {
    ASSIGN_OR_RETURN(stores.emplace_back(), ObjectStore::Open(config.group_source.url));
    options.group_source = stores.back().get();
  }
  ASSIGN_OR_RETURN(stores.emplace_back(), ObjectStore::Open(config.output));
  options.output = stores.back().get();
  ASSIGN_OR_RETURN(std::unique_ptr<Metastore> metastore, Metastore::Open(config.metastore));
  options.metastore = metastore.get();
  ASSIGN_OR_RETURN(std::unique_ptr<BatchRunner> r, Open(config, std::move(options)));
  r->owned_stores_ = std::move(stores);
  r->owned_metastore_ = std::move(metastore);
  return r;
}

Status BatchRunner::Start() {
  const TimeMicros now = clock_.Now();
  // A live lease of a runner of this host whose process is gone (kill -9) is
  // taken over at once rather than waited out. The metastore takes it only
  // if that holder still has it at the epoch seen here.
  std::optional<LeaseTakeover> takeover;
  if (auto seen = metastore_->GetState(config_.name); seen.ok()) {
    if (LeaseIsLive(*seen, now) && seen->lease_holder != holder_ &&
        LocalHolderIsGone(seen->lease_holder)) {
      takeover = LeaseTakeover{seen->lease_holder, seen->epoch};
    }
  } else if (!seen.status().IsNotFound()) {
    return seen.status();
  }
  ASSIGN_OR_RETURN(epoch_, metastore_->AcquireLease(config_.name, holder_, now, config_.lease_ttl,
                                                    takeover ? &*takeover : nullptr));
  lease_expires_ = now + config_.lease_ttl;
  if (takeover) {
    Log(LogLevel::kWarn, "lease_taken_over",
        {{"pipeline", config_.name},
         {"holder", holder_},
         {"epoch", epoch_},
         {"previous_holder", takeover->holder},
         {"reason", "the previous holder's process no longer exists on this host"}});
  }
  Log(LogLevel::kInfo, "lease_acquired",
      {{"pipeline", config_.name}, {"holder", holder_}, {"epoch", epoch_}});
  ASSIGN_OR_RETURN(PipelineState state, metastore_->GetState(config_.name));
  if (SafeguardDisabled("current_repair")) return Status::OK();
  return RepairCurrent(state);
}

Status BatchRunner::Stop() {
  if (epoch_ == 0) return Status::OK();
  Status st = metastore_->ReleaseLease(config_.name, epoch_);
  Log(LogLevel::kInfo, "lease_released", {{"pipeline", config_.name}, {"epoch", epoch_}});
  epoch_ = 0;
  return st;
}

Status BatchRunner::RenewLease() {
  const TimeMicros now = clock_.Now();
  Status st = metastore_->RenewLease(config_.name, epoch_, now, config_.lease_ttl);
  if (st.ok()) {
    lease_expires_ = now + config_.lease_ttl;
  } else if (st.code() == StatusCode::kFailedPrecondition) {
    Log(LogLevel::kError, "lease_lost",
        {{"pipeline", config_.name}, {"epoch", epoch_}, {"error", st.ToString()}});
  } else {
    // Not lost: the metastore did not answer. The lease still runs until
    // lease_expires_; a later renewal may succeed.
    Log(LogLevel::kWarn, "lease_not_renewed",
        {{"pipeline", config_.name}, {"epoch", epoch_}, {"error", st.ToString()}});
  }
  return st;
}

Status BatchRunner::ResolveFailedCommit() {
  const TimeMicros now = clock_.Now();
  auto epoch = metastore_->AcquireLease(config_.name, holder_, now, config_.lease_ttl);
  if (!epoch.ok()) {
    if (!epoch.status().IsLeaseHeld()) return epoch.status();
    // Our lease ran out while the commit was unresolved and another runner
    // took over: that is being fenced.
    return Status::Fenced(fmt::format("fenced: epoch {} lost the lease after a failed commit: {}",
                                      epoch_, epoch.status().message()));
  }
  Log(LogLevel::kInfo, "lease_acquired",
      {{"pipeline", config_.name},
       {"holder", holder_},
       {"epoch", *epoch},
       {"previous_epoch", epoch_},
       {"reason", "new epoch after a failed commit"}});
  epoch_ = *epoch;
  lease_expires_ = now + config_.lease_ttl;
  ASSIGN_OR_RETURN(PipelineState state, metastore_->GetState(config_.name));
  RETURN_IF_ERROR(RepairCurrent(state));
  commit_unresolved_ = false;
  return Status::OK();
}

Status BatchRunner::RepairCurrent(const PipelineState& state) {
  if (state.manifest_key.empty()) return Status::OK();
  return PointCurrent(state.manifest_key, /*repair=*/true);
}

Status BatchRunner::PointCurrent(const std::string& manifest_key, bool repair) {
  ASSIGN_OR_RETURN(CurrentAdvance advance,
                   AdvanceCurrent(*output_, manifest_key, /*replace_same_version=*/repair));
  const std::string before = advance.before.empty() ? "(none)" : advance.before;
  if (advance.move == CurrentMove::kMoved && repair) {
    Log(LogLevel::kWarn, "current_repaired",
        {{"pipeline", config_.name}, {"was", before}, {"now", manifest_key}});
  } else if (advance.move == CurrentMove::kNewer) {
    // Another writer already pointed CURRENT further (a successor after our
    // lease ran out, or a metastore older than the output): never backwards.
    Log(LogLevel::kWarn, "current_not_moved",
        {{"pipeline", config_.name},
         {"reason", "CURRENT names a newer manifest"},
         {"current", before},
         {"manifest", manifest_key}});
  }
  return Status::OK();
}

Result<std::shared_ptr<IndexView>> BatchRunner::CommittedView(const PipelineState& state) {
  if (state.manifest_key.empty()) return std::shared_ptr<IndexView>();
  return IndexView::OpenManifest(*output_, state.manifest_key, &segments_);
}

Result<PipelineState> BatchRunner::FencedState() {
  if (commit_unresolved_) RETURN_IF_ERROR(ResolveFailedCommit());
  RETURN_IF_ERROR(RenewLease());
  ASSIGN_OR_RETURN(PipelineState state, metastore_->GetState(config_.name));
  if (state.epoch != epoch_ && !SafeguardDisabled("epoch_fencing")) {
    return Status::Fenced(
        fmt::format("fenced: epoch {} is not the current epoch {} of pipeline '{}'", epoch_,
                    state.epoch, config_.name));
  }
  if (state.manifest_key.empty()) {
    return Status::FailedPrecondition(fmt::format(
        "pipeline '{}' has no base generation yet: run `freshet build-full` first", config_.name));
  }
  return state;
}

Result<std::pair<PipelineState, std::shared_ptr<IndexView>>> BatchRunner::CommittedState() {
  ASSIGN_OR_RETURN(PipelineState state, FencedState());
  ASSIGN_OR_RETURN(std::shared_ptr<IndexView> committed, CommittedView(state));
  return std::make_pair(std::move(state), std::move(committed));
}

Result<ChainDecision> BatchRunner::DecideChain(
    const IndexView& committed, const std::string& committed_key, const Plan& plan,
    const std::vector<std::shared_ptr<const ParsedFile>>& doc_files,
    const std::vector<std::shared_ptr<const ParsedFile>>& group_files,
    const NewestRecords& newest_docs, bool folds, LoadedChainRecord* loaded,
    std::set<std::string>* groups, ChangedIds* ids) {
  ChainDecision d;
  const Manifest& previous = committed.manifest();
  if (rebuild_requested_) {
    d.reason = "requested";
  } else if (!previous.has_delta) {
    d.reason = "no_delta";
  } else if (!folds && previous.DeltaLayers() >= static_cast<uint32_t>(config_.delta_layers)) {
    d.reason = "layers_full";
  } else if (chain_ && chain_->manifest_key == committed_key &&
             chain_->base_cut == previous.base_cut && chain_->window_start == plan.window_start) {
    std::vector<const SegmentReader*> base;
    for (const auto& s : committed.base()) base.push_back(s.get());
    if (!folds) *groups = ChangedGroups(*chain_, doc_files, group_files, newest_docs, base);
    *ids = IdsOfFiles(ChangedFiles(chain_->doc_files, doc_files),
                      ChangedFiles(chain_->group_files, group_files));
    d.continued = true;
    d.from = "memory";
  } else if (previous.inputs_key.empty()) {
    d.reason = "no_record";
  } else {
    if (!*loaded) *loaded = LoadChainRecord(previous, committed_key);
    const Result<ChainRecord>& record = **loaded;
    if (!record.ok() && record.status().code() == StatusCode::kUnavailable) {
      return record.status();
    }
    if (!record.ok()) {
      // A damaged record costs a rebuild, never the service.
      Log(LogLevel::kWarn, "chain_record_unreadable",
          {{"pipeline", config_.name},
           {"manifest", committed_key},
           {"key", previous.inputs_key},
           {"error", record.status().ToString()},
           {"action", "rebuilding the whole window"}});
      d.reason = "unreadable_record";
    } else {
      ChainContinuation c =
          ContinueFromRecord(*record, previous.base_cut, plan.window_start, config_fingerprint_,
                             doc_files, group_files, newest_docs, committed, !folds);
      d.continued = c.continued;
      d.reason = std::move(c.reason);
      if (c.continued) {
        d.from = "record";
        *groups = std::move(c.groups);
        *ids = std::move(c.ids);
      }
    }
  }
  return d;
}

Result<ChainRecord> BatchRunner::LoadChainRecord(const Manifest& previous,
                                                 const std::string& committed_key) {
  ASSIGN_OR_RETURN(std::string json, output_->Get(previous.inputs_key));
  if (const std::string sum = Hex64(Hash64(json)); sum != previous.inputs_checksum) {
    return Status::Corruption(fmt::format(
        "chain record '{}': checksum mismatch: manifest '{}' records {}, content hashes to {}",
        previous.inputs_key, committed_key, previous.inputs_checksum, sum));
  }
  return ParseChainRecord(previous.inputs_key, json);
}

Result<bool> BatchRunner::RecordOverGeneration(const IndexView& committed,
                                               const std::string& committed_key, const Plan& plan,
                                               const Discovery& docs, const Discovery& groups,
                                               bool by_id, LoadedChainRecord* loaded) {
  const Manifest& previous = committed.manifest();
  if (!by_id || rebuild_requested_ || !previous.has_delta || previous.inputs_key.empty()) {
    return false;
  }
  if (chain_ && chain_->manifest_key == committed_key) return false;
  *loaded = LoadChainRecord(previous, committed_key);
  const Result<ChainRecord>& record = **loaded;
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kUnavailable) return record.status();
    return false;  // DecideChain logs it and rebuilds
  }
  if (!record->deletes_known || record->base_cut != previous.base_cut ||
      record->window_start != plan.window_start ||
      record->config_fingerprint != config_fingerprint_) {
    return false;
  }
  return FilesAfterRecord(record->doc_files, WindowObjects(docs, plan.window_start, plan.target)) &&
         FilesAfterRecord(record->group_files,
                          WindowObjects(groups, plan.window_start, plan.target));
}

Status BatchRunner::ReadWindow(ObjectStore& store, const Discovery& d, const SourceSpec& spec,
                               const RecordSchema& schema, TimeMicros from, TimeMicros to,
                               size_t skip, std::vector<std::shared_ptr<const ParsedFile>>* files,
                               BatchRecord* record) {
  struct Task {
    const ObjectInfo* info;
    TimeMicros partition;
    std::string cache_key;
  };
  std::vector<Task> tasks;
  const std::vector<WindowObject> window = WindowObjects(d, from, to);
  for (size_t i = std::min(skip, window.size()); i < window.size(); ++i) {
    const ObjectInfo& f = *window[i].info;
    if (tasks.empty() || tasks.back().partition != window[i].partition) ++record->partitions_read;
    tasks.push_back(
        {&f, window[i].partition, store.Describe() + "\n" + f.key + "\n" + f.fingerprint});
  }
  files->assign(tasks.size(), nullptr);
  std::vector<Status> errors(tasks.size());
  std::vector<size_t> to_read;
  for (size_t i = 0; i < tasks.size(); ++i) {
    auto it = file_cache_.find(tasks[i].cache_key);
    if (it != file_cache_.end()) {
      (*files)[i] = it->second;
      ++record->files_cached;
    } else {
      to_read.push_back(i);
    }
  }
  ParallelFor(to_read.size(), config_.threads, [&](size_t j) {
    size_t i = to_read[j];
    auto parsed = ReadKeyedFile(store, *tasks[i].info, tasks[i].partition, spec.format, schema,
                                config_.bad_records);
    if (!parsed.ok()) {
      errors[i] = parsed.status();
      return;
    }
    (*files)[i] = std::make_shared<const ParsedFile>(std::move(*parsed));
    CrashPoint("mid_read");
  });
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!errors[i].ok()) return errors[i];
  }
  // Keep only this window's files in the cache: older ones left the window.
  std::map<std::string, std::shared_ptr<const ParsedFile>> keep;
  for (size_t i = 0; i < tasks.size(); ++i) {
    keep.emplace(tasks[i].cache_key, (*files)[i]);
    record->records += (*files)[i]->records;
    AddQuarantine(record, *(*files)[i]);
  }
  record->files_read += static_cast<int64_t>(to_read.size());
  for (auto& [k, v] : file_cache_) {
    if (k.starts_with(store.Describe() + "\n") && !keep.count(k)) continue;
    keep.emplace(k, v);
  }
  file_cache_ = std::move(keep);
  return Status::OK();
}

Result<SegmentRef> BatchRunner::WriteSegmentFile(SegmentData* data, uint32_t format) {
  if (format == 0) format = static_cast<uint32_t>(config_.segment_format);
  SegmentObject object = EncodeSegment(*data, format);
  *data = SegmentData();  // release memory early
  RETURN_IF_ERROR(PutContentAddressed(*output_, object.ref.key, object.bytes));
  // The open before the commit computes this segment's pairs: no object of
  // them is worth a read first.
  segments_.supersessions()->NoteWritten(object.ref.key);
  return object.ref;
}

Result<std::string> BatchRunner::Publish(Manifest* manifest, std::vector<SegmentData>* segments,
                                         bool is_base, uint32_t layer, BatchRecord* record,
                                         uint32_t format) {
  std::vector<SegmentRef> refs(segments->size());
  std::vector<Status> errors(segments->size());
  ParallelFor(segments->size(), config_.threads, [&](size_t i) {
    auto ref = WriteSegmentFile(&(*segments)[i], format);
    if (ref.ok()) {
      refs[i] = std::move(*ref);
    } else {
      errors[i] = ref.status();
    }
  });
  for (const Status& st : errors) RETURN_IF_ERROR(st);
  return PublishWritten(manifest, std::move(refs), is_base, layer, record);
}

Result<std::string> BatchRunner::PublishWritten(Manifest* manifest, std::vector<SegmentRef> refs,
                                                bool is_base, uint32_t layer, BatchRecord* record) {
  for (const SegmentRef& r : refs) record->bytes_written += static_cast<int64_t>(r.bytes);
  CrashPoint("after_segments");
  if (is_base) {
    manifest->base = std::move(refs);
  } else {
    for (SegmentRef& r : refs) {
      r.layer = layer;
      manifest->delta.push_back(std::move(r));
    }
  }
  return WriteManifest(*manifest, record);
}

Result<std::string> BatchRunner::WriteManifest(const Manifest& manifest, BatchRecord* record) {
  std::string key = ManifestKey(manifest.version, manifest.epoch);
  std::string json = SerializeManifest(manifest);
  Status put = output_->PutIfAbsent(key, json);
  if (put.IsAlreadyExists() && key == last_manifest_written_) {
    // This runner's own, from an earlier try of the batch that failed
    // before its commit (a generation that did not read back, a metastore
    // that did not answer): nothing references it. Any other manifest under
    // the key (one published before a metastore was lost and started over)
    // is never replaced.
    put = output_->Put(key, json);
  }
  RETURN_IF_ERROR(put);
  last_manifest_written_ = key;
  record->bytes_written += static_cast<int64_t>(json.size());
  CrashPoint("after_manifest");
  if (!manifest.delta.empty()) {
    // Before the commit, what each new segment supersedes of the lower ones
    // is kept with the index (opening the generation computes and writes the
    // pairs the cache lacks), so that a process opening it cold reads them.
    // This open is also the generation's first read: one that readers could
    // not open (a damaged or missing segment, layers no reader serves) is
    // not committed. Any other failure (the store unreachable) costs only
    // the cache: it is logged and the next open recomputes.
    auto view = IndexView::OpenManifest(*output_, key, &segments_);
    if (!view.ok()) {
      const StatusCode code = view.status().code();
      if (code == StatusCode::kCorruption || code == StatusCode::kNotFound ||
          code == StatusCode::kNotSupported) {
        return Status(code,
                      fmt::format("manifest '{}' not committed: {}", key, view.status().message()));
      }
      Log(LogLevel::kWarn, "supersessions_not_kept",
          {{"manifest", key}, {"error", view.status().ToString()}});
    }
    CrashPoint("after_supersessions");
  }
  return key;
}

Manifest BatchRunner::NextManifest(const PipelineState& state, TimeMicros base_cut) const {
  Manifest m;
  m.pipeline = config_.name;
  m.version = state.manifest_version + 1;
  m.epoch = epoch_;
  m.created_at = clock_.Now();
  m.base_cut = base_cut;
  return m;
}

Status BatchRunner::CommitAndPoint(const PipelineState& state, const Manifest& manifest,
                                   const std::string& manifest_key,
                                   std::optional<TimeMicros> watermark,
                                   const std::string& fingerprint, BatchRecord* record) {
  PhaseTimer timer;
  Commit commit;
  commit.watermark = watermark;
  commit.manifest_version = manifest.version;
  commit.manifest_key = manifest_key;
  commit.window_fingerprint = fingerprint;
  record->manifest_version = manifest.version;
  record->manifest_key = manifest_key;
  record->epoch = epoch_;
  if (SafeguardDisabled("commit_before_current")) {
    RETURN_IF_ERROR(output_->Put(kCurrentKey, manifest_key + "\n"));
  }
  CrashPoint("before_commit");
  record->finished_at = clock_.Now();
  record->commit_micros = 0;
  commit.batch = *record;
  // Until CURRENT is written, this commit is unresolved: see
  // ResolveFailedCommit(), which the next batch runs if we return early.
  commit_unresolved_ = true;
  ASSIGN_OR_RETURN(record->batch_id, metastore_->CommitBatch(config_.name, epoch_, commit));
  CrashPoint("after_commit");
  // CURRENT follows the metastore; if this write is lost, the next start (or
  // the next batch, see ResolveFailedCommit) repairs it.
  if (clock_.Now() >= lease_expires_) {
    // Our lease ran out during the batch, yet the commit was ours: it is
    // fenced by the epoch. The metastore is the truth: while it still names
    // our manifest as the committed one, pointing CURRENT at it is safe
    // (compare-and-swap, forward only) and keeps readers on the newest
    // committed generation. Once a successor has committed after us,
    // CURRENT is its to move.
    ASSIGN_OR_RETURN(PipelineState after, metastore_->GetState(config_.name));
    if (after.manifest_key != manifest_key) {
      Log(LogLevel::kWarn, "current_not_moved",
          {{"pipeline", config_.name},
           {"reason", "lease expired and a newer batch committed"},
           {"manifest", manifest_key},
           {"committed", after.manifest_key}});
      commit_unresolved_ = false;
      record->commit_micros = timer.Lap();
      return Status::OK();
    }
    Log(LogLevel::kWarn, "lease_expired_in_batch",
        {{"pipeline", config_.name},
         {"epoch", epoch_},
         {"manifest", manifest_key},
         {"action", "pointing CURRENT at our committed manifest"}});
  }
  RETURN_IF_ERROR(PointCurrent(manifest_key, /*repair=*/false));
  commit_unresolved_ = false;
  record->commit_micros = timer.Lap();
  (void)state;
  return Status::OK();
}

Result<BatchOutcome> BatchRunner::RunBatch() {
  BatchOutcome out;
  BatchRecord& rec = out.record;
  rec.kind = "delta";
  rec.started_at = clock_.Now();
  rec.lag_policy = std::string(LagPolicyName(config_.lag_policy));
  PhaseTimer timer;
  ASSIGN_OR_RETURN(auto committed_state, CommittedState());
  const PipelineState& state = committed_state.first;
  const std::shared_ptr<IndexView>& committed = committed_state.second;
  const TimeMicros cut = committed->manifest().base_cut;
  const TimeMicros now = clock_.Now();

  // Discover.
  ASSIGN_OR_RETURN(Discovery docs_d,
                   DiscoverSource(*source_, doc_spec_, &doc_table_, cut, now + 1));
  rec.source_version = docs_d.table_version;
  RETURN_IF_ERROR(CheckTableVersion(*source_, state.source_version, rec.source_version));
  for (const auto& r : docs_d.rejected) {
    if (rec.quarantine.size() < kMaxBadListed) rec.quarantine.push_back(r);
  }
  if (!docs_d.rejected.empty()) {
    Log(LogLevel::kWarn, "paths_rejected",
        {{"pipeline", config_.name},
         {"count", docs_d.rejected.size()},
         {"first", docs_d.rejected.front()}});
  }
  PlanInput in;
  in.watermark = state.watermark;
  if (SafeguardDisabled("watermark_monotonic")) in.watermark.reset();
  in.base_cut = cut;
  in.now = now;
  in.policy = config_.lag_policy;
  in.max_lag = config_.max_lag;
  in.last_fingerprint = state.window_fingerprint;
  // The fingerprint also covers the group stream's files.
  Discovery groups_d;
  if (config_.has_group) {
    ASSIGN_OR_RETURN(groups_d,
                     DiscoverSource(*group_source_, group_spec_, &group_table_, cut, now + 1));
    rec.group_source_version = groups_d.table_version;
    RETURN_IF_ERROR(
        CheckTableVersion(*group_source_, state.group_source_version, rec.group_source_version));
  }
  out.plan = PlanBatch(in, doc_spec_, docs_d);
  if (config_.has_group && out.plan.target >= cut) {
    std::string combined = out.plan.fingerprint + WindowFingerprint(groups_d, cut, out.plan.target);
    out.plan.fingerprint = ContentHash(combined);
    if (!out.plan.advances) {
      out.plan.action = out.plan.fingerprint != state.window_fingerprint ? Plan::Action::kPublish
                                                                         : Plan::Action::kIdle;
    }
  }
  rec.list_micros = timer.Lap();
  CrashPoint("after_listing");
  if (out.plan.action == Plan::Action::kIdle) {
    Log(LogLevel::kDebug, "batch_idle", {{"pipeline", config_.name}, {"reason", out.plan.reason}});
    return out;
  }
  const Plan& plan = out.plan;
  rec.target_partition = plan.target;
  rec.window_start = plan.window_start;
  rec.lag_policy = std::string(LagPolicyName(plan.effective_policy));
  rec.publications_skipped = plan.publications_skipped;
  rec.partitions_empty = plan.partitions_empty;
  rec.window_fingerprint = plan.fingerprint;

  std::vector<const SegmentReader*> base;
  for (const auto& s : committed->base()) base.push_back(s.get());
  const Manifest& previous = committed->manifest();
  // Format 5 supersedes lower docs by id, so a layer holds only what
  // changed. A base whose docs carry their group's fields (format 3)
  // cannot lie under format 5: such a delta is written in format 4, whole
  // groups, until a new base.
  uint32_t delta_format = static_cast<uint32_t>(config_.segment_format);
  for (const SegmentReader* seg : base) {
    if (delta_format >= 5 && !seg->HasGroupSpace()) delta_format = 4;
  }
  const bool by_id = delta_format >= 5;
  // After a restart or a takeover, the committed generation stands for the
  // files its chain record lists, when it can: only the files added since
  // are read.
  LoadedChainRecord loaded_record;
  ASSIGN_OR_RETURN(const bool from_generation,
                   RecordOverGeneration(*committed, state.manifest_key, plan, docs_d, groups_d,
                                        by_id, &loaded_record));
  ChainRecord* const over_generation = from_generation ? &**loaded_record : nullptr;

  // Read.
  std::vector<std::shared_ptr<const ParsedFile>> doc_files, group_files;
  RETURN_IF_ERROR(ReadWindow(
      *source_, docs_d, doc_spec_, RecordSchema::ForDocs(config_), plan.window_start, plan.target,
      over_generation ? over_generation->doc_files.size() : 0, &doc_files, &rec));
  if (config_.has_group) {
    RETURN_IF_ERROR(ReadWindow(*group_source_, groups_d, group_spec_,
                               RecordSchema::ForGroups(config_), plan.window_start, plan.target,
                               over_generation ? over_generation->group_files.size() : 0,
                               &group_files, &rec));
  }
  rec.read_micros = timer.Lap();
  CrashPoint("after_read");
  RETURN_IF_ERROR(RenewLease());

  // Build: a new layer with what changed since the committed delta was
  // built, or the whole window into one layer.
  int64_t tombstones = 0;
  // The newest records: in a running loop, the previous batch's plus the
  // files added after its files (over the generation: of the added files
  // alone). Copied, not taken: the chain must stay whole until DecideChain
  // has used it, and a batch that fails before then leaves it to the next.
  NewestRecords newest_docs, newest_groups;
  if (chain_ && !over_generation) {
    newest_docs = ReduceNewestFrom(chain_->newest_docs, chain_->doc_files, doc_files);
    newest_groups = ReduceNewestFrom(chain_->newest_groups, chain_->group_files, group_files);
  } else {
    newest_docs = ReduceNewest(doc_files);
    newest_groups = ReduceNewest(group_files);
  }
  std::set<std::string> changed;
  ChangedIds changed_ids;
  if (over_generation) {
    ASSIGN_OR_RETURN(changed_ids,
                     IdsDecidedOverGeneration(*over_generation, *committed, newest_docs,
                                              newest_groups, config_.threads));
    out.chain.continued = true;
    out.chain.from = "generation";
  } else {
    ASSIGN_OR_RETURN(out.chain,
                     DecideChain(*committed, state.manifest_key, plan, doc_files, group_files,
                                 newest_docs, by_id, &loaded_record, &changed, &changed_ids));
  }
  const bool incremental = out.chain.continued;
  chain_.reset();
  std::vector<SegmentData> segments;
  uint64_t live_after = 0;
  // The first layer the new one replaces (a fold), or the number of layers.
  uint32_t layer = 0;
  if (by_id) {
    // Folds are sized by the ids of the added files, as a runner that read
    // them all counts them (over the generation, the layer decides fewer).
    const size_t added_ids = over_generation ? newest_docs.size() : changed_ids.docs.size();
    layer = incremental ? FoldFrom(previous, static_cast<uint32_t>(config_.delta_layers), added_ids)
                        : 0;
    LayerStats stats;
    ASSIGN_OR_RETURN(segments, BuildLayerOver(config_, *committed, layer, newest_docs,
                                              newest_groups, incremental ? &changed_ids : nullptr,
                                              config_.shards, &stats, segments_.supersessions()));
    rec.docs = stats.docs;
    rec.groups = stats.groups;
    rec.deleted_docs = stats.deleted_docs;
    tombstones = stats.tombstones;
    live_after = static_cast<uint64_t>(std::max<int64_t>(stats.live_below + stats.live_change, 0));
  } else {
    BuildStats stats;
    ASSIGN_OR_RETURN(segments, BuildDelta(config_, base, newest_docs, newest_groups, config_.shards,
                                          &stats, incremental ? &changed : nullptr));
    if (incremental) layer = previous.DeltaLayers();
    rec.docs = stats.docs;
    rec.groups = stats.groups;
    rec.deleted_docs = stats.deleted_docs;
    live_after = LiveDocsWithDelta(*committed, incremental, segments);
  }
  rec.build_micros = timer.Lap();
  // The window's files: over the generation, the recorded ones, then those read.
  std::vector<InputFile> window_docs, window_groups;
  if (over_generation) {
    window_docs = std::move(over_generation->doc_files);
    window_groups = std::move(over_generation->group_files);
  }
  for (InputFile& f : InputFilesOf(doc_files)) window_docs.push_back(std::move(f));
  for (InputFile& f : InputFilesOf(group_files)) window_groups.push_back(std::move(f));
  RETURN_IF_ERROR(CheckNoCollapse(config_,
                                  {"delta", CountRecords(window_docs), CountRecords(window_groups),
                                   committed->LiveDocs(), live_after},
                                  allow_shrink_));
  RETURN_IF_ERROR(RenewLease());

  // Publish: the chain record, then the segments and the manifest naming both.
  Manifest manifest = NextManifest(state, cut);
  manifest.base = previous.base;
  manifest.has_delta = true;
  manifest.window_start = plan.window_start;
  manifest.target = plan.target;
  if (incremental) {
    // The layers below the new one; those from `layer` up are folded into it.
    for (const SegmentRef& r : previous.delta) {
      if (r.layer < layer) manifest.delta.push_back(r);
    }
  }
  {
    const std::string json =
        SerializeChainRecord(ChainRecord{cut, plan.window_start, plan.target, config_fingerprint_,
                                         std::move(window_docs), std::move(window_groups)});
    manifest.inputs_key = ChainRecordKey(json);
    manifest.inputs_checksum = Hex64(Hash64(json));
    RETURN_IF_ERROR(PutContentAddressed(*output_, manifest.inputs_key, json));
    rec.bytes_written += static_cast<int64_t>(json.size());
  }
  CrashPoint("after_inputs");
  ASSIGN_OR_RETURN(std::string key,
                   Publish(&manifest, &segments, false, layer, &rec, delta_format));
  rec.publish_micros = timer.Lap();

  // Commit.
  std::optional<TimeMicros> watermark;
  if (plan.advances) watermark = plan.target;
  RETURN_IF_ERROR(CommitAndPoint(state, manifest, key, watermark, plan.fingerprint, &rec));
  out.published = true;
  rebuild_requested_ = false;
  // Over the generation, this runner holds only the files it read: its next
  // batch continues from the generation again.
  if (!over_generation) {
    chain_ = DeltaInputs{key,
                         cut,
                         plan.window_start,
                         std::move(doc_files),
                         std::move(group_files),
                         std::move(newest_docs),
                         std::move(newest_groups)};
  }
  Log(LogLevel::kInfo, "batch_committed",
      {{"pipeline", config_.name},
       {"batch", rec.batch_id},
       {"version", manifest.version},
       {"watermark", FormatTimestamp(plan.advances ? plan.target : *state.watermark)},
       {"policy", rec.lag_policy},
       {"skipped", rec.publications_skipped},
       {"partitions", rec.partitions_read},
       {"files_read", rec.files_read},
       {"files_cached", rec.files_cached},
       {"records", rec.records},
       {"docs", rec.docs},
       {"groups", rec.groups},
       {"deleted", rec.deleted_docs},
       {"bad_records", rec.bad_records},
       {"tombstones", tombstones},
       {"delta_layers", manifest.DeltaLayers()},
       {"folded_layers", incremental ? previous.DeltaLayers() - layer : 0},
       {"incremental", incremental},
       {"chain", incremental ? "continued" : "rebuilt"},
       {incremental ? "chain_from" : "chain_reason",
        incremental ? out.chain.from : out.chain.reason},
       {"list_ms", rec.list_micros / 1000},
       {"read_ms", rec.read_micros / 1000},
       {"build_ms", rec.build_micros / 1000},
       {"publish_ms", rec.publish_micros / 1000},
       {"commit_ms", rec.commit_micros / 1000},
       {"reason", plan.reason}});
  return out;
}

Result<BatchOutcome> BatchRunner::BuildFull(std::optional<TimeMicros> cut) {
  BatchOutcome out;
  BatchRecord& rec = out.record;
  rec.kind = "base";
  rec.started_at = clock_.Now();
  PhaseTimer timer;
  std::unique_ptr<ObjectStore> opened;
  ObjectStore* snapshot = snapshot_;
  if (snapshot == nullptr) {
    if (config_.snapshot_url.empty()) {
      return Status::InvalidArgument("base.snapshot: required by build-full but not set");
    }
    ASSIGN_OR_RETURN(opened, ObjectStore::Open(config_.snapshot_url));
    snapshot = opened.get();
  }
  if (!cut) {
    auto text = snapshot->Get("CUT");
    if (!text.ok()) {
      return Status::InvalidArgument(
          fmt::format("no cut time: pass --cut or write it to {}/CUT ({})", snapshot->Describe(),
                      text.status().message()));
    }
    std::string t = *text;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    ASSIGN_OR_RETURN(TimeMicros parsed, ParseTimestamp(t));
    cut = parsed;
  }
  RETURN_IF_ERROR(CheckCut(*cut));
  // Both streams are listed first: the spill estimate needs the input's size.
  auto list = [&](const std::string& prefix, FileFormat format) -> Result<std::vector<ObjectInfo>> {
    ASSIGN_OR_RETURN(auto objects, snapshot->List(prefix.empty() ? "" : prefix + "/"));
    std::vector<ObjectInfo> data;
    for (auto& o : objects) {
      if (IsDataFile(format, o.key)) data.push_back(std::move(o));
    }
    return data;
  };
  ASSIGN_OR_RETURN(std::vector<ObjectInfo> doc_objects,
                   list(config_.snapshot_docs, config_.source.format));
  if (doc_objects.empty()) {
    return Status::NotFound(fmt::format("snapshot {}: no {} files under '{}/'",
                                        snapshot->Describe(), FileFormatName(config_.source.format),
                                        config_.snapshot_docs));
  }
  std::vector<ObjectInfo> group_objects;
  if (config_.has_group) {
    ASSIGN_OR_RETURN(group_objects, list(config_.snapshot_groups, config_.group_source.format));
  }
  uint64_t doc_bytes = 0;
  for (const ObjectInfo& o : doc_objects) doc_bytes += o.size;
  // The records, in memory while they fit pipeline.memory_budget, else spilled.
  auto input = std::make_unique<SnapshotInput>(config_, doc_bytes);
  auto read_all = [&](const std::vector<ObjectInfo>& data, const std::string& prefix,
                      FileFormat format, const RecordSchema& schema, SnapshotInput::Stream stream,
                      StreamRecordCounts* counts) -> Status {
    std::vector<Status> errors(data.size());
    // What the batch record lists of each file, in listing order.
    std::vector<ParsedFile> summaries(data.size());
    uint64_t total_bytes = 0;
    for (const ObjectInfo& o : data) total_bytes += o.size;
    // A snapshot of millions of records takes a while: say how far it is.
    Progress progress("build-full", "read " + (prefix.empty() ? "the snapshot" : prefix),
                      total_bytes, "records");
    ParallelFor(data.size(), config_.threads, [&](size_t i) {
      const uint64_t reserved = input->Reserve(data[i].size);
      auto parsed = ReadKeyedFile(*snapshot, data[i], 0, format, schema, config_.bad_records);
      if (!parsed.ok()) {
        input->Release(reserved);
        errors[i] = parsed.status();
        return;
      }
      progress.Add(data[i].size, static_cast<uint64_t>(parsed->records));
      ParsedFile& summary = summaries[i];
      summary.records = parsed->records;
      summary.bad_records = parsed->bad_records;
      summary.bad = std::move(parsed->bad);
      errors[i] = input->Add(stream, i, data[i].size, reserved, std::move(*parsed));
    });
    for (const Status& st : errors) RETURN_IF_ERROR(st);
    for (const ParsedFile& f : summaries) {
      rec.records += f.records;
      ++rec.files_read;
      AddQuarantine(&rec, f);
      counts->good += f.records;
      counts->bad += f.bad_records;
    }
    return Status::OK();
  };
  StreamRecordCounts doc_counts, group_counts;
  RETURN_IF_ERROR(read_all(doc_objects, config_.snapshot_docs, config_.source.format,
                           RecordSchema::ForDocs(config_), SnapshotInput::Stream::kDocs,
                           &doc_counts));
  if (config_.has_group) {
    RETURN_IF_ERROR(read_all(group_objects, config_.snapshot_groups, config_.group_source.format,
                             RecordSchema::ForGroups(config_), SnapshotInput::Stream::kGroups,
                             &group_counts));
  }
  rec.read_micros = timer.Lap();
  RETURN_IF_ERROR(RenewLease());

  ASSIGN_OR_RETURN(PipelineState state, metastore_->GetState(config_.name));
  ASSIGN_OR_RETURN(std::shared_ptr<IndexView> committed, CommittedView(state));
  Manifest manifest = BaseManifest(state, committed.get(), *cut);
  BaseLiveDocs live_after(manifest.has_delta ? committed.get() : nullptr);
  BuildStats stats;
  std::vector<SegmentRef> written;  // one segment per shard, or per part when spilled
  std::mutex written_mu;
  // Each segment is written (and its memory freed) as soon as it is laid out.
  const auto write = [&](size_t part, SegmentData seg) -> Status {
    live_after.Add(seg);
    ASSIGN_OR_RETURN(SegmentRef ref, WriteSegmentFile(&seg));
    std::lock_guard lock(written_mu);
    if (written.size() <= part) written.resize(part + 1);
    written[part] = std::move(ref);
    return Status::OK();
  };
  if (!input->spilled()) {
    RETURN_IF_ERROR(input->BuildShards(&stats, write));
  } else {
    RETURN_IF_ERROR(input->BuildParts(&stats, write));
    Log(LogLevel::kInfo, "spill_finished",
        {{"pipeline", config_.name},
         {"parts", static_cast<int64_t>(input->parts())},
         {"docs", stats.docs}});
  }
  input.reset();  // the records (and the spill folder) are no longer needed
  rec.docs = stats.docs;
  rec.groups = stats.groups;
  rec.build_micros = timer.Lap();
  RETURN_IF_ERROR(RenewLease());

  RETURN_IF_ERROR(CheckNoCollapse(
      config_,
      {"base", doc_counts, group_counts, committed ? committed->LiveDocs() : 0, live_after.live()},
      allow_shrink_));
  ASSIGN_OR_RETURN(std::string key, PublishWritten(&manifest, std::move(written), true, 0, &rec));
  rec.publish_micros = timer.Lap();
  RETURN_IF_ERROR(CommitBase(state, manifest, key, *cut, &rec));
  out.published = true;
  return out;
}

Result<BatchOutcome> BatchRunner::PublishBase(TimeMicros cut, std::vector<SegmentRef> base,
                                              const BaseInputs& inputs) {
  BatchOutcome out = NewOutcome("base");
  BatchRecord& rec = out.record;
  PhaseTimer timer;
  RETURN_IF_ERROR(CheckCut(cut));
  if (base.empty()) return Status::InvalidArgument("a base generation needs at least one segment");
  rec.records = inputs.docs.good + inputs.groups.good;
  rec.bad_records = inputs.docs.bad + inputs.groups.bad;
  rec.files_read = inputs.files_read;
  for (const std::string& b : inputs.quarantine) {
    if (rec.quarantine.size() < kMaxBadListed) rec.quarantine.push_back(b);
  }
  RETURN_IF_ERROR(RenewLease());
  // Nothing is published over a segment that is not there whole.
  RETURN_IF_ERROR(CheckWritten(base, &rec));
  ASSIGN_OR_RETURN(PipelineState state, metastore_->GetState(config_.name));
  ASSIGN_OR_RETURN(std::shared_ptr<IndexView> committed, CommittedView(state));
  Manifest manifest = BaseManifest(state, committed.get(), cut);
  uint64_t live_after = static_cast<uint64_t>(rec.docs);
  if (manifest.has_delta) {
    // The kept delta supersedes some of the base's groups: their docs are
    // counted from the segments' group tables.
    std::vector<std::shared_ptr<const SegmentReader>> segments;
    for (const SegmentRef& ref : base) {
      ASSIGN_OR_RETURN(auto segment, segments_.Load(*output_, ref));
      segments.push_back(std::move(segment));
    }
    live_after = LiveDocsWithBase(segments, committed.get());
  }
  RETURN_IF_ERROR(CheckNoCollapse(
      config_,
      {"base", inputs.docs, inputs.groups, committed ? committed->LiveDocs() : 0, live_after},
      allow_shrink_));
  for (const SegmentRef& ref : base) rec.bytes_written += static_cast<int64_t>(ref.bytes);
  manifest.base = std::move(base);
  ASSIGN_OR_RETURN(std::string key, WriteManifest(manifest, &rec));
  rec.publish_micros = timer.Lap();
  RETURN_IF_ERROR(CommitBase(state, manifest, key, cut, &rec));
  out.published = true;
  return out;
}

BatchOutcome BatchRunner::NewOutcome(std::string kind) const {
  BatchOutcome out;
  out.record.kind = std::move(kind);
  out.record.started_at = clock_.Now();
  return out;
}

Status BatchRunner::CheckWritten(const std::vector<SegmentRef>& refs, BatchRecord* record) {
  for (const SegmentRef& ref : refs) {
    auto head = output_->Head(ref.key);
    if (!head.ok()) {
      return head.status().WithContext(
          fmt::format("base segment '{}' is not in {}", ref.key, output_->Describe()));
    }
    if (head->size != ref.bytes) {
      return Status::Corruption(fmt::format("base segment '{}' has {} bytes in {}, {} expected",
                                            ref.key, head->size, output_->Describe(), ref.bytes));
    }
    record->docs += ref.docs;
    record->groups += ref.groups;
  }
  return Status::OK();
}

Status BatchRunner::CheckCut(TimeMicros cut) const {
  if (cut % config_.source.period == 0) return Status::OK();
  return Status::InvalidArgument(fmt::format("cut {} is not aligned to the source period {}",
                                             FormatTimestamp(cut),
                                             FormatDuration(config_.source.period)));
}

Manifest BatchRunner::BaseManifest(const PipelineState& state, const IndexView* committed,
                                   TimeMicros cut) const {
  Manifest manifest = NextManifest(state, cut);
  // The current delta stays valid over a newer base when it is at least as
  // new: it holds the full state of every group it touched as of its target.
  if (committed && committed->manifest().has_delta && committed->manifest().target >= cut) {
    manifest.has_delta = true;
    manifest.window_start = committed->manifest().window_start;
    manifest.target = committed->manifest().target;
    manifest.delta = committed->manifest().delta;
    // Its record too: the next batch then finds it built over another base
    // (chain_reason=base_cut) rather than no record.
    manifest.inputs_key = committed->manifest().inputs_key;
    manifest.inputs_checksum = committed->manifest().inputs_checksum;
  }
  return manifest;
}

Status BatchRunner::CommitBase(const PipelineState& state, const Manifest& manifest,
                               const std::string& key, TimeMicros cut, BatchRecord* rec) {
  rec->window_start = cut;
  // The next batch re-reads its window from the new cut.
  RETURN_IF_ERROR(CommitAndPoint(state, manifest, key, std::nullopt, "", rec));
  Log(LogLevel::kInfo, "base_committed",
      {{"pipeline", config_.name},
       {"version", manifest.version},
       {"cut", FormatTimestamp(cut)},
       {"docs", rec->docs},
       {"groups", rec->groups},
       {"records", rec->records},
       {"bad_records", rec->bad_records},
       {"bytes", rec->bytes_written},
       {"read_ms", rec->read_micros / 1000},
       {"build_ms", rec->build_micros / 1000},
       {"publish_ms", rec->publish_micros / 1000}});
  return Status::OK();
}

Result<int64_t> BatchRunner::CollectGarbage() {
  // Only the lease holder collects: a runner whose lease another one took
  // could delete the segments its successor is publishing.
  if (Status st = RenewLease(); !st.ok()) {
    Log(LogLevel::kWarn, "gc_skipped", {{"pipeline", config_.name}, {"reason", st.ToString()}});
    return st.code() == StatusCode::kFailedPrecondition ? Result<int64_t>(int64_t{0}) : st;
  }
  ASSIGN_OR_RETURN(PipelineState state, metastore_->GetState(config_.name));
  if (state.manifest_key.empty()) return int64_t{0};
  // What readers follow now: never collected, whatever the metastore says.
  std::string current;
  if (auto key = IndexView::ReadCurrent(*output_); key.ok()) {
    current = *key;
  } else if (!key.status().IsNotFound()) {
    return key.status().WithContext("collection needs CURRENT");
  }
  TimeMicros retention = config_.retention;
  if (retention < kMinRetention) {
    if (!retention_raised_logged_) {
      Log(LogLevel::kWarn, "retention_raised",
          {{"pipeline", config_.name},
           {"retention", FormatDuration(config_.retention)},
           {"used", FormatDuration(kMinRetention)}});
      retention_raised_logged_ = true;
    }
    retention = kMinRetention;
  }
  const TimeMicros horizon = clock_.Now() - retention;

  struct Entry {
    std::string key;
    ManifestKeyParts parts{-1, -1};  // {-1, -1}: not a manifest key
    std::optional<Manifest> manifest;
    bool keep = false;
  };
  ASSIGN_OR_RETURN(auto listed, output_->List(kManifestsPrefix));
  std::vector<Entry> entries;
  for (const ObjectInfo& m : listed) {
    Entry e{m.key};
    if (auto parts = ParseManifestKey(m.key); parts.ok()) e.parts = *parts;
    auto json = output_->Get(m.key);
    if (json.ok()) {
      auto parsed = ParseManifest(m.key, *json);
      if (parsed.ok()) {
        e.manifest = std::move(*parsed);
      } else {
        Log(LogLevel::kWarn, "gc_unreadable_manifest",
            {{"key", m.key}, {"error", parsed.status().message()}});
      }
    } else if (!json.status().IsNotFound()) {
      return json.status().WithContext("collection");
    }
    entries.push_back(std::move(e));
  }
  // In publication order: by version, then epoch.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.parts < b.parts; });
  const int64_t current_version = [&] {
    auto parts = ParseManifestKey(current);
    return parts.ok() ? parts->version : int64_t{-1};
  }();
  // When a manifest stopped being served: when the next version was created.
  // Of several manifests of one version (a failed commit and its retry) the
  // one of the highest epoch, the retry, is the one that can have been
  // committed. A manifest with no newer version counts from its own creation.
  std::map<int64_t, TimeMicros> created_by_version;
  for (const Entry& e : entries) {
    if (e.manifest && e.parts.version >= 0) {
      created_by_version[e.parts.version] = e.manifest->created_at;
    }
  }
  // The one CURRENT named before its present manifest (as far as the output
  // shows): a reader may still be opening it, however old its successor.
  std::string previous;
  for (const Entry& e : entries) {
    if (e.parts.version >= 0 && e.parts.version < current_version) previous = e.key;
  }
  for (Entry& e : entries) {
    if (e.key == current || e.key == state.manifest_key || e.key == previous) {
      e.keep = true;
      continue;
    }
    if (!e.manifest) continue;  // unreadable and not served: collected
    auto next = created_by_version.upper_bound(e.parts.version);
    TimeMicros superseded =
        next == created_by_version.end() ? e.manifest->created_at : next->second;
    e.keep = superseded >= horizon;
  }

  int64_t deleted = 0;
  std::set<std::string> referenced;
  bool references_known = true;
  for (const Entry& e : entries) {
    if (e.keep) {
      if (!e.manifest) {
        references_known = false;  // its segments cannot be told apart: keep them all
        continue;
      }
      for (const auto* list : {&e.manifest->base, &e.manifest->delta}) {
        for (const SegmentRef& r : *list) referenced.insert(r.key);
      }
      if (!e.manifest->inputs_key.empty()) referenced.insert(e.manifest->inputs_key);
      continue;
    }
    CrashPoint("during_gc");
    RETURN_IF_ERROR(output_->Delete(e.key));
    ++deleted;
  }
  if (!references_known) {
    Log(LogLevel::kWarn, "gc_segments_kept",
        {{"pipeline", config_.name},
         {"reason",
          "a manifest that is kept cannot be read: its segments and chain record are unknown"}});
  } else {
    for (std::string_view prefix : {kSegmentsPrefix, kInputsPrefix}) {
      ASSIGN_OR_RETURN(auto objects, output_->List(prefix));
      for (const ObjectInfo& o : objects) {
        if (referenced.count(o.key)) continue;
        RETURN_IF_ERROR(output_->Delete(o.key));
        ++deleted;
      }
    }
    // A supersession object goes with either segment it names.
    ASSIGN_OR_RETURN(auto pairs, output_->List(kSupersessionsPrefix));
    for (const ObjectInfo& o : pairs) {
      auto named = SegmentsOfSupersessionKey(o.key);
      if (named && referenced.count(named->first) && referenced.count(named->second)) continue;
      RETURN_IF_ERROR(output_->Delete(o.key));
      ++deleted;
    }
    std::vector<std::string> keep(referenced.begin(), referenced.end());
    segments_.Retain(keep);
  }
  if (deleted) Log(LogLevel::kInfo, "gc", {{"pipeline", config_.name}, {"deleted", deleted}});
  return deleted;
}

}  // namespace freshet
