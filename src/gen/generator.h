// The workload generator: writes a workload's snapshot and its time
// partitions into an ObjectStore, all at once or live, one partition per
// period. The layout and the records are specified in docs/workload.md.
//
// Every file goes through ObjectStore::Put, one atomic write per object, so
// any store works. Same options and seed => byte-identical files, in batch
// and live mode alike.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "format/row_reader.h"
#include "gen/workload.h"
#include "storage/object_store.h"

namespace freshet::gen {

// The options of `freshet gen`; each field names its flag.
struct GenOptions {
  std::string workload = "tiny";  // --workload
  double scale = 1;               // --scale: multiplies the workload's counts
  uint64_t seed = 42;             // --seed
  TimeMicros start = 0;           // --start: the cut, and partition 0's start
  // --partitions: default the workload's; 0 = until stopped (live mode only).
  std::optional<uint64_t> partitions;
  FileFormat format = FileFormat::kJsonLines;   // --format
  std::optional<uint32_t> files_per_partition;  // --files-per-partition
  double late_file_rate = 0;                    // --late-files
  double missing_marker_rate = 0;               // --missing-markers
  double malformed_rate = 0;                    // --malformed
  double delete_rate = 0.02;                    // --delete-rate
  bool item_updates = true;                     // --no-item-updates clears it
  bool snapshot = true;                         // --no-snapshot clears it
  bool live = false;                            // --live
  bool overwrite = false;                       // --overwrite
};

// "2026-05-04T10:00:00Z" (the default --start).
inline constexpr std::string_view kDefaultStart = "2026-05-04T10:00:00Z";
inline constexpr uint32_t kMaxFilesPerPartition = 1024;
// --scale may not make a workload of more ads than this.
inline constexpr double kMaxScaledAds = 1e9;
// Snapshot files hold at most this many records each.
inline constexpr uint64_t kSnapshotRecordsPerFile = 100'000;

// What a run wrote.
struct GenSummary {
  std::string workload;
  double scale = 1;
  uint64_t seed = 0;
  TimeMicros cut = 0;
  TimeMicros period = 0;
  uint64_t partitions = 0;  // written (data files and marker, if any)
  uint64_t snapshot_files = 0;
  uint64_t snapshot_ads = 0;
  uint64_t snapshot_items = 0;
  uint64_t data_files = 0;  // partition data files, late files included
  uint64_t late_files = 0;
  uint64_t markers = 0;
  uint64_t missing_markers = 0;
  uint64_t ad_lines = 0;    // partition ad lines, malformed ones included
  uint64_t item_lines = 0;  // partition item lines
  // Well-formed ad lines by what they do.
  uint64_t ad_updates = 0;
  uint64_t ads_created = 0;
  uint64_t ads_deleted = 0;
  uint64_t ads_restored = 0;
  uint64_t ads_moved = 0;  // updates that changed the ad's item (among ad_updates)
  std::array<uint64_t, kMalformedKindCount> malformed_by_kind{};
  uint64_t bytes = 0;    // all files, snapshot included
  bool stopped = false;  // ended early on request

  uint64_t malformed() const;
};

// Checks every option; InvalidArgument naming the flag ("--late-files: ...").
Status ValidateGenOptions(const GenOptions& options);

// The folder of the partition starting at `start`:
// "ads/dt=2026-05-04/hour=10/minute=05".
std::string PartitionPrefix(std::string_view source, TimeMicros start);

// Called with one line of progress (live mode: one per partition and late file).
using GenProgress = std::function<void(std::string_view line)>;

// Writes the workload into `store`.
//
// Batch mode (!options.live): the snapshot, then partitions in order, each
// as its data files, its _SUCCESS marker, then its late file; `clock` is not
// used and may be null.
// Live mode: the snapshot at once, then partition k's files and marker as
// soon as clock->Now() reaches its end, and its late file one period later.
// REQUIRES (live): clock != nullptr.
//
// `stop` is checked between partitions and while waiting: a partition being
// written is finished (files and marker) first; then the run returns with
// summary.stopped, and queued late files are not written.
// Refuses (FailedPrecondition) to write over an earlier workload unless
// options.overwrite. On an error, files written so far stay.
Result<GenSummary> GenerateWorkload(const GenOptions& options, ObjectStore& store, Clock* clock,
                                    const std::atomic<bool>& stop,
                                    const GenProgress& progress = {});

// A few lines for people: partitions, files, records, deletes, malformed, bytes.
std::string FormatGenSummary(const GenSummary& summary);

}  // namespace freshet::gen
