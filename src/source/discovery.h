// Discovery: which partitions of a source exist in a time range, what files
// each holds, and which are ready to be read.
//
// A source of folders is listed: only the hours that can matter (one listing
// per distinct hour prefix of the layout), never the whole history. A Delta
// Lake table is not listed: its transaction log says which files it holds
// (source/delta_log.h). Keys that do not parse with the layout, or whose
// time is not aligned to the period, are rejected and reported, never
// guessed at.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "format/row_reader.h"
#include "source/delta_log.h"
#include "source/partition_layout.h"
#include "storage/object_store.h"

namespace freshet {

// Frozen: appears in configs (format = "delta" is a Delta table of Parquet files).
enum class SourceKind { kFolders, kDeltaTable };

struct SourceSpec {
  SourceKind kind = SourceKind::kFolders;
  PartitionLayout layout;
  TimeMicros period = 0;
  FileFormat format = FileFormat::kJsonLines;
  std::string marker;  // e.g. "_SUCCESS"; empty: markers are ignored
  TimeMicros delay = 0;
};

struct PartitionListing {
  TimeMicros start = 0;
  bool has_marker = false;
  std::vector<ObjectInfo> files;  // data files, sorted by key
};

struct Discovery {
  std::map<TimeMicros, PartitionListing> partitions;  // only partitions with objects
  std::vector<std::string> rejected;                  // "key: reason"
  int64_t listings = 0;                               // List calls made
  std::optional<int64_t> table_version;               // a Delta table's version read
};

// Lists partitions with start in [from, to).
Result<Discovery> DiscoverPartitions(ObjectStore& store, const SourceSpec& spec, TimeMicros from,
                                     TimeMicros to);

// The partitions with start in [from, to) of a Delta table at the version
// `table` holds. A file's partition is parsed with the layout from its
// partition values, written as folders in the table's partition column order
// ("dt=2026-05-04/hour=10/minute=05/" for columns dt, hour, minute), or from
// its path when the table has no partition columns. Its fingerprint is its
// size and modification time (a table's files are never rewritten).
Discovery DiscoverDeltaPartitions(const DeltaSnapshot& table, const SourceSpec& spec,
                                  TimeMicros from, TimeMicros to);

// Discovers the partitions with start in [from, to) of the source `spec`
// names in `store`: DiscoverPartitions for folders; for a Delta table, its
// state read from the log (LoadDeltaSnapshot), from `*table` when it holds
// an older state of it, which is replaced by the new one (or emptied, if
// the log cannot be read: the next call starts from a checkpoint).
Result<Discovery> DiscoverSource(ObjectStore& store, const SourceSpec& spec,
                                 std::optional<DeltaSnapshot>* table, TimeMicros from,
                                 TimeMicros to);

// Ready when its marker exists, or when now >= start + period + delay.
bool IsReady(const SourceSpec& spec, const Discovery& d, TimeMicros start, TimeMicros now);

// A data file of a window, with its partition's start.
struct WindowObject {
  TimeMicros partition = 0;
  const ObjectInfo* info = nullptr;  // into the Discovery, valid as long as it is
};

// The data files of the partitions with start in [from, to], in window
// order: by partition, then as listed (by key).
std::vector<WindowObject> WindowObjects(const Discovery& d, TimeMicros from, TimeMicros to);

// A fingerprint of every data file (key, size/etag) of the partitions with
// start in [from, to]: changes when a file is added, removed or rewritten.
std::string WindowFingerprint(const Discovery& d, TimeMicros from, TimeMicros to);

}  // namespace freshet
