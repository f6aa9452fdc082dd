// What build-full reads, kept within pipeline.memory_budget.
//
// The snapshot's files are read in parallel and handed here one by one.
// While their records fit the budget they stay in memory and the base is
// built as before: one segment per shard. Once they would not (their bytes
// times kBuildFactor, what a build needs beside its records, and the files
// being read pass the budget), every record goes to a spill folder instead,
// and the base is
// built in three bounded passes, as Lucene flushes its RAM buffer into
// segments that merges combine later:
//   1. doc records go to runs by hash of their id, group records to runs by
//      hash of their group key;
//   2. each id bucket in turn is reduced to the newest record per id (so a
//      doc that moved between groups, or was deleted, is resolved over every
//      file), and the surviving docs go to runs by hash of their group key;
//   3. the group buckets are built a few at a time ("parts", sized to the
//      budget) into one segment each. A group bucket b lies in shard
//      b % shards, so a part is a slice of one shard: the base then has more
//      segments than shards, each holding whole groups.
// Files being read count against the budget too: a read waits while it
// would not fit beside the records held and the other reads (Reserve).
// The output answers every query as the in-memory build does; a build that
// fits the budget writes exactly the segments it wrote before (BuildShards).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "index/segment.h"
#include "pipeline/config.h"
#include "pipeline/group_build.h"
#include "pipeline/records.h"
#include "pipeline/spill.h"

namespace freshet {

class SnapshotInput {
 public:
  // Resident memory a build needs per byte of its records held (the
  // records, the segments laid out from them and the bytes written).
  // Measured: build-full of ads-1m --scale 0.05 and 0.2 snapshots (JSON
  // Lines, one thread, in memory) held 32.8 and 131.2 MB of records and
  // peaked at 124.9 and 449.4 MB of RSS: 3.3 bytes per byte held, beside
  // about 17 MB for the program.
  static constexpr double kBuildFactor = 3.3;

  enum class Stream { kDocs, kGroups };

  // `doc_input_bytes`: the bytes of the doc stream's files, to estimate the
  // whole snapshot's records when spilling starts.
  SnapshotInput(const PipelineConfig& config, uint64_t doc_input_bytes);

  // Reading a file takes memory before Add counts it: its bytes and the
  // records parsed from them. Reserve waits until a file of `input_bytes`
  // fits the budget beside the records held and the other reads in flight
  // (estimated from the largest records per input byte seen so far; a read
  // always starts when no other is in flight), and returns the reservation
  // that Add or Release gives back. Thread-safe.
  uint64_t Reserve(uint64_t input_bytes);
  void Release(uint64_t reserved);

  // Takes file `index` of `stream` (its position in the stream's sorted
  // listing), read from `input_bytes` bytes under `reserved` (Reserve's
  // answer, given back). Thread-safe. IOError if spilling it fails.
  Status Add(Stream stream, size_t index, uint64_t input_bytes, uint64_t reserved, ParsedFile file);

  bool spilled() const { return folder_ != nullptr; }
  // Where the runs are (empty unless spilled).
  std::string spill_path() const { return folder_ ? folder_->path() : ""; }

  // Unless spilled: builds the base one segment per shard, handing each to
  // `emit` (called concurrently) with its shard number. Shards go in waves
  // of config.threads: a wave's shards are laid out in parallel, then
  // emitted in parallel; the records are freed once the last wave is laid
  // out, before its segments are emitted (written).
  Status BuildShards(BuildStats* stats, const std::function<Status(size_t, SegmentData)>& emit);

  // If spilled: builds the base part by part, passes 2 and 3 above, on up to
  // config.threads threads, handing each part's segment to `emit` (called
  // concurrently, from several threads) with the part's number; part numbers
  // follow the order of the shards, then of the buckets.
  Status BuildParts(BuildStats* stats, const std::function<Status(size_t, SegmentData)>& emit);
  // The number of parts BuildParts made (0 before).
  size_t parts() const { return parts_; }

 private:
  static size_t FileBytes(const ParsedFile& f);
  // What building the records held would take. REQUIRES: mu_ held.
  uint64_t HeldNeeds() const;
  Status StartSpilling();  // REQUIRES: mu_ held
  Status Spill(Stream stream, size_t index, const ParsedFile& file);

  const PipelineConfig& config_;
  const uint64_t doc_input_bytes_;
  const int threads_;
  std::mutex mu_;
  std::condition_variable read_done_;
  uint64_t held_bytes_ = 0;
  uint64_t reading_bytes_ = 0;  // reserved by the reads in flight
  double records_per_input_byte_ = 0;
  uint64_t doc_bytes_read_ = 0;
  std::vector<std::shared_ptr<const ParsedFile>> docs_, groups_;
  std::unique_ptr<SpillFolder> folder_;
  size_t group_buckets_ = 0;
  std::unique_ptr<BucketRuns> doc_ids_;     // pass 1: docs by id
  std::unique_ptr<BucketRuns> doc_groups_;  // pass 2: newest docs by group
  std::unique_ptr<BucketRuns> group_records_;
  size_t parts_ = 0;
};

}  // namespace freshet
