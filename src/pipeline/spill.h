// Spilling keyed records to local disk, for builds whose records outgrow
// pipeline.memory_budget: records are appended to hash-partitioned runs (one
// file per bucket) in a private spill folder, and read back a few buckets at
// a time, so that only those buckets' records are in memory at once.
//
// Run files are private to one build and deleted with their folder, so
// their layout is not an on-disk format: blocks of [fixed32 payload bytes]
// [fixed64 xxh3-64 of the payload][payload], the payload a sequence of
// records: varint file index, zigzag varint version, byte deleted,
// length-prefixed id and group, then one value per column, encoded as
// stored rows encode them (index/segment/row_coding.h). A block that does
// not check out is reported as Corruption naming the run file and the
// block's offset; a write that fails (a full disk) as IOError naming the
// file and the folder.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "format/record_table.h"
#include "pipeline/records.h"

namespace freshet {

// A fresh folder "freshet-spill-XXXXXX" under `parent`, removed with
// everything in it when destroyed.
class SpillFolder {
 public:
  static Result<std::unique_ptr<SpillFolder>> Create(const std::string& parent);
  ~SpillFolder();
  SpillFolder(const SpillFolder&) = delete;
  SpillFolder& operator=(const SpillFolder&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit SpillFolder(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Records read back from runs: in the order of their file index (the
// order of the files they were read from), stable within one index.
struct LoadedRecords {
  std::unique_ptr<RecordTable> table;  // their values, ids and groups
  std::vector<KeyedRecord> records;
  std::vector<uint32_t> file_index;  // of records[i]

  // The newest record per id, offered in file order as ReduceNewest does.
  // Points into this: keep it alive.
  NewestRecords Newest() const;
};

// `buckets` runs named "<name>-<bucket>.run" in a spill folder, for records
// of `columns` values.
class BucketRuns {
 public:
  BucketRuns(const SpillFolder& folder, std::string name, size_t buckets, size_t columns);
  ~BucketRuns();
  BucketRuns(const BucketRuns&) = delete;
  BucketRuns& operator=(const BucketRuns&) = delete;

  size_t buckets() const { return runs_.size(); }
  // Appends `rec` (read from the stream's file `file_index`) to the run of
  // `bucket`. Thread-safe.
  Status Append(size_t bucket, uint32_t file_index, const KeyedRecord& rec);
  // Writes out what is buffered. Thread-safe.
  Status Flush();
  // Bytes of bucket `bucket`'s run, buffered ones included.
  uint64_t bytes(size_t bucket) const;
  // The records of `buckets`. REQUIRES: Flush() since the last Append.
  Result<LoadedRecords> Load(std::span<const size_t> buckets) const;

 private:
  struct Run {
    std::string path;
    int fd = -1;
    std::string block;     // records not yet written
    uint64_t written = 0;  // bytes in the file
  };
  Status WriteBlock(Run& run);

  const std::string folder_;
  const size_t columns_;
  mutable std::mutex mu_;
  std::vector<Run> runs_;
};

}  // namespace freshet
