#include "pipeline/snapshot_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <filesystem>

#include "common/byte_size.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/progress.h"

namespace freshet {
namespace {

// The smallest power of two >= n, within [lo, hi].
size_t PowerOfTwo(double n, size_t lo, size_t hi) {
  size_t p = std::bit_ceil(static_cast<size_t>(std::max(1.0, std::min(n, double(hi)))));
  return std::clamp(p, lo, hi);
}

}  // namespace

SnapshotInput::SnapshotInput(const PipelineConfig& config, uint64_t doc_input_bytes)
    : config_(config),
      doc_input_bytes_(doc_input_bytes),
      threads_(config.threads > 0 ? config.threads : DefaultThreads()) {}

uint64_t SnapshotInput::HeldNeeds() const {
  return static_cast<uint64_t>(double(held_bytes_) * kBuildFactor);
}

size_t SnapshotInput::FileBytes(const ParsedFile& f) {
  return (f.table ? f.table->MemoryBytes() : 0) + f.reduced.capacity() * sizeof(KeyedRecord);
}

uint64_t SnapshotInput::Reserve(uint64_t input_bytes) {
  std::unique_lock lock(mu_);
  const uint64_t estimate =
      input_bytes + static_cast<uint64_t>(double(input_bytes) * records_per_input_byte_);
  // Until a file has been added, its records per input byte are unknown:
  // one read at a time.
  read_done_.wait(lock, [&] {
    return reading_bytes_ == 0 ||
           (records_per_input_byte_ > 0 &&
            HeldNeeds() + reading_bytes_ + estimate <= config_.memory_budget);
  });
  reading_bytes_ += estimate;
  return estimate;
}

void SnapshotInput::Release(uint64_t reserved) {
  {
    std::lock_guard lock(mu_);
    reading_bytes_ -= reserved;
  }
  read_done_.notify_all();
}

Status SnapshotInput::Add(Stream stream, size_t index, uint64_t input_bytes, uint64_t reserved,
                          ParsedFile file) {
  struct Held {
    Stream stream;
    size_t index;
    std::shared_ptr<const ParsedFile> file;
  };
  std::vector<Held> held;
  // The read's reservation is given back once its records are held or
  // spilled, whichever way this returns.
  struct Released {
    SnapshotInput* input;
    uint64_t reserved;
    ~Released() { input->Release(reserved); }
  } released{this, reserved};
  {
    std::lock_guard lock(mu_);
    if (stream == Stream::kDocs) doc_bytes_read_ += input_bytes;
    const uint64_t file_bytes = FileBytes(file);
    if (input_bytes > 0) {
      records_per_input_byte_ =
          std::max(records_per_input_byte_, double(file_bytes) / double(input_bytes));
    }
    if (!spilled()) {
      auto& files = stream == Stream::kDocs ? docs_ : groups_;
      if (files.size() <= index) files.resize(index + 1);
      held_bytes_ += file_bytes;
      files[index] = std::make_shared<const ParsedFile>(std::move(file));
      // The other reads in flight will be held too.
      if (HeldNeeds() + (reading_bytes_ - reserved) <= config_.memory_budget) {
        return Status::OK();
      }
      RETURN_IF_ERROR(StartSpilling());
      // What was held goes to the runs, outside the lock.
      for (size_t i = 0; i < docs_.size(); ++i) {
        if (docs_[i]) held.push_back({Stream::kDocs, i, std::move(docs_[i])});
      }
      for (size_t i = 0; i < groups_.size(); ++i) {
        if (groups_[i]) held.push_back({Stream::kGroups, i, std::move(groups_[i])});
      }
      docs_.clear();
      groups_.clear();
      held_bytes_ = 0;
    }
  }
  if (held.empty()) return Spill(stream, index, file);
  for (Held& h : held) {
    RETURN_IF_ERROR(Spill(h.stream, h.index, *h.file));
    h.file.reset();
  }
  return Status::OK();
}

Status SnapshotInput::StartSpilling() {
  std::string parent = config_.spill_dir.empty() ? std::filesystem::temp_directory_path().string()
                                                 : config_.spill_dir;
  ASSIGN_OR_RETURN(folder_, SpillFolder::Create(parent));
  // The whole snapshot's records, estimated from the share of the doc input
  // read so far (a quarter more for the group stream).
  const double read_share = doc_input_bytes_ > 0 && doc_bytes_read_ > 0
                                ? std::min(1.0, double(doc_bytes_read_) / double(doc_input_bytes_))
                                : 1.0;
  const double records = double(held_bytes_) / read_share * 1.25;
  const double budget = double(config_.memory_budget);
  // Pass 2 holds one id bucket per thread; pass 3 one part per thread.
  const size_t id_buckets = PowerOfTwo(records * 4 * threads_ / budget, 4, 1024);
  const size_t shards = static_cast<size_t>(config_.shards);
  group_buckets_ =
      shards * PowerOfTwo(records * kBuildFactor * 4 * threads_ / budget / double(shards), 4, 256);
  const size_t doc_columns = config_.DocProjection().size();
  doc_ids_ = std::make_unique<BucketRuns>(*folder_, "docs-by-id", id_buckets, doc_columns);
  doc_groups_ =
      std::make_unique<BucketRuns>(*folder_, "docs-by-group", group_buckets_, doc_columns);
  group_records_ = std::make_unique<BucketRuns>(*folder_, "groups", group_buckets_,
                                                config_.GroupProjection().size());
  Log(LogLevel::kInfo, "spill_started",
      {{"pipeline", config_.name},
       {"memory_budget", FormatByteSize(config_.memory_budget)},
       {"records_held", FormatByteSize(held_bytes_)},
       {"records_estimated", FormatByteSize(static_cast<uint64_t>(records))},
       {"id_buckets", static_cast<int64_t>(id_buckets)},
       {"group_buckets", static_cast<int64_t>(group_buckets_)},
       {"folder", folder_->path()}});
  return Status::OK();
}

Status SnapshotInput::Spill(Stream stream, size_t index, const ParsedFile& file) {
  const uint32_t file_index = static_cast<uint32_t>(index);
  for (const KeyedRecord& rec : file.reduced) {
    if (stream == Stream::kDocs) {
      RETURN_IF_ERROR(doc_ids_->Append(rec.hash % doc_ids_->buckets(), file_index, rec));
    } else {
      // A group record's id is its group key.
      RETURN_IF_ERROR(group_records_->Append(rec.hash % group_buckets_, file_index, rec));
    }
  }
  return Status::OK();
}

Status SnapshotInput::BuildShards(BuildStats* stats,
                                  const std::function<Status(size_t, SegmentData)>& emit) {
  NewestRecords docs = ReduceNewest(docs_);
  NewestRecords groups = ReduceNewest(groups_);
  const auto shards = static_cast<size_t>(config_.shards);
  const auto wave = static_cast<size_t>(threads_);
  std::vector<BuildStats> shard_stats(shards);
  std::vector<Status> errors(shards);
  for (size_t first = 0; first < shards; first += wave) {
    const size_t n = std::min(wave, shards - first);
    std::vector<SegmentData> built(n);
    ParallelFor(n, threads_, [&](size_t i) {
      const size_t s = first + i;
      auto segments =
          BuildBase(config_, docs, groups, config_.shards, &shard_stats[s], static_cast<int>(s));
      if (segments.ok()) {
        built[i] = std::move((*segments)[s]);
      } else {
        errors[s] = segments.status();
      }
    });
    for (size_t s = first; s < first + n; ++s) RETURN_IF_ERROR(errors[s]);
    if (first + n == shards) {
      // Every shard holds its docs' values now: the records can go.
      docs = NewestRecords();
      groups = NewestRecords();
      docs_.clear();
      groups_.clear();
      held_bytes_ = 0;
    }
    ParallelFor(n, threads_,
                [&](size_t i) { errors[first + i] = emit(first + i, std::move(built[i])); });
    for (size_t s = first; s < first + n; ++s) RETURN_IF_ERROR(errors[s]);
  }
  for (const BuildStats& s : shard_stats) stats->Add(s);
  return Status::OK();
}

Status SnapshotInput::BuildParts(BuildStats* stats,
                                 const std::function<Status(size_t, SegmentData)>& emit) {
  RETURN_IF_ERROR(doc_ids_->Flush());
  RETURN_IF_ERROR(group_records_->Flush());

  // Pass 2: the newest record per id, one id bucket at a time per thread.
  const size_t id_buckets = doc_ids_->buckets();
  uint64_t id_bytes = 0;
  for (size_t b = 0; b < id_buckets; ++b) id_bytes += doc_ids_->bytes(b);
  std::vector<Status> errors(id_buckets);
  std::atomic<int64_t> deleted{0};
  {
    Progress progress("build-full", "reduce spilled", id_bytes, "docs");
    ParallelFor(id_buckets, threads_, [&](size_t b) {
      const size_t bucket[] = {b};
      auto loaded = doc_ids_->Load(bucket);
      if (!loaded.ok()) {
        errors[b] = loaded.status();
        return;
      }
      const NewestRecords newest = loaded->Newest();
      for (const KeyedRecord* rec : newest) {
        if (rec->deleted) {
          deleted.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        Status st = doc_groups_->Append(Hash64(rec->group) % group_buckets_, 0, *rec);
        if (!st.ok()) {
          errors[b] = st;
          return;
        }
      }
      progress.Add(doc_ids_->bytes(b), newest.size());
    });
  }
  for (const Status& st : errors) RETURN_IF_ERROR(st);
  RETURN_IF_ERROR(doc_groups_->Flush());
  stats->deleted_docs += deleted.load();

  // Pass 3: parts of consecutive group buckets of one shard, each within
  // its share of the budget, built into one segment each.
  const size_t shards = static_cast<size_t>(config_.shards);
  const uint64_t part_bytes = std::max<uint64_t>(
      1, static_cast<uint64_t>(double(config_.memory_budget) / (threads_ * kBuildFactor * 2)));
  std::vector<std::vector<size_t>> parts;
  uint64_t total_bytes = 0;
  for (size_t s = 0; s < shards; ++s) {
    std::vector<size_t> part;
    uint64_t bytes = 0;
    for (size_t b = s; b < group_buckets_; b += shards) {
      const uint64_t add = doc_groups_->bytes(b) + group_records_->bytes(b);
      if (add == 0) continue;
      if (!part.empty() && bytes + add > part_bytes) {
        parts.push_back(std::move(part));
        part.clear();
        bytes = 0;
      }
      part.push_back(b);
      bytes += add;
      total_bytes += add;
    }
    if (!part.empty()) parts.push_back(std::move(part));
  }
  parts_ = parts.size();
  std::vector<BuildStats> part_stats(parts.size());
  errors.assign(parts.size(), Status::OK());
  Progress progress("build-full", "build spilled", total_bytes, "docs");
  ParallelFor(parts.size(), threads_, [&](size_t p) {
    errors[p] = [&]() -> Status {
      ASSIGN_OR_RETURN(LoadedRecords docs, doc_groups_->Load(parts[p]));
      ASSIGN_OR_RETURN(LoadedRecords groups, group_records_->Load(parts[p]));
      ASSIGN_OR_RETURN(auto segments, BuildBase(config_, docs.Newest(), groups.Newest(),
                                                config_.shards, &part_stats[p]));
      uint64_t bytes = 0;
      for (size_t b : parts[p]) bytes += doc_groups_->bytes(b) + group_records_->bytes(b);
      progress.Add(bytes, static_cast<uint64_t>(part_stats[p].docs));
      return emit(p, std::move(segments[parts[p][0] % shards]));
    }();
  });
  for (const Status& st : errors) RETURN_IF_ERROR(st);
  for (const BuildStats& s : part_stats) stats->Add(s);
  return Status::OK();
}

}  // namespace freshet
