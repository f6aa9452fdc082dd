#include "gen/generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "gen/catalog.h"
#include "gen/random.h"
#include "gen/record_writer.h"

namespace freshet::gen {
namespace {

// Stream ids for DeriveSeed. Frozen: changing one changes every workload.
constexpr uint64_t kStreamFiles = 40;
constexpr uint64_t kStreamLateLines = 41;
constexpr uint64_t kStreamLatePartitions = 42;
constexpr uint64_t kStreamMissingMarkers = 43;

enum Source : uint64_t { kAds = 0, kItems = 1 };
constexpr std::string_view kSourceNames[] = {"ads", "items"};
constexpr std::string_view kMarker = "_SUCCESS";

// Spreads a rate evenly: over any n consecutive partitions, the number of
// hits is within one of rate * n. `phase` in [0, 1) decorrelates sources.
bool RateHit(double rate, double phase, uint64_t k) {
  return std::floor(static_cast<double>(k + 1) * rate + phase) >
         std::floor(static_cast<double>(k) * rate + phase);
}

double Phase(uint64_t seed, uint64_t stream, uint64_t source) {
  return Random(DeriveSeed(seed, stream, source)).UniformDouble();
}

// Marks `late` of the first `total` positions, uniformly.
std::vector<bool> ChooseLate(uint64_t seed, uint64_t source, uint64_t partition, uint32_t total,
                             uint32_t late) {
  std::vector<bool> marks(total, false);
  std::vector<uint32_t> order(total);
  std::iota(order.begin(), order.end(), 0u);
  Random rng(DeriveSeed(seed, kStreamLateLines, source, partition));
  for (uint32_t i = 0; i < late && i < total; ++i) {
    uint32_t j = i + static_cast<uint32_t>(rng.Uniform(total - i));
    std::swap(order[i], order[j]);
    marks[order[i]] = true;
  }
  return marks;
}

uint32_t LateLines(uint32_t per_partition) {
  return per_partition == 0 ? 0 : std::max<uint32_t>(1, per_partition / 20);
}

class Run {
 public:
  Run(const GenOptions& options, const WorkloadSpec& spec, ObjectStore& store, Clock* clock,
      const std::atomic<bool>& stop, const GenProgress& progress)
      : options_(options),
        spec_(spec),
        store_(store),
        clock_(clock),
        stop_(stop),
        progress_(progress),
        files_(options.files_per_partition.value_or(spec.files_per_partition)),
        file_salt_(DeriveSeed(options.seed, kStreamFiles)) {
    for (uint64_t source : {kAds, kItems}) {
      late_phase_[source] = Phase(options.seed, kStreamLatePartitions, source);
      marker_phase_[source] = Phase(options.seed, kStreamMissingMarkers, source);
    }
  }

  Result<GenSummary> Go() {
    summary_.workload = std::string(spec_.name);
    summary_.scale = options_.scale;
    summary_.seed = options_.seed;
    summary_.cut = options_.start;
    summary_.period = spec_.period;
    if (!options_.overwrite) RETURN_IF_ERROR(CheckNoEarlierWorkload());
    ASSIGN_OR_RETURN(auto probe, RecordWriter::Create(options_.format));
    extension_ = std::string(probe->extension());

    catalog_ = std::make_unique<Catalog>(spec_, options_.seed, options_.start);
    if (options_.snapshot) RETURN_IF_ERROR(WriteSnapshot());

    const uint64_t partitions = options_.partitions.value_or(spec_.partitions);
    for (uint64_t k = 0; partitions == 0 || k < partitions; ++k) {
      const TimeMicros end = PartitionStart(k) + spec_.period;
      if (options_.live) clock_->SleepUntil(end, stop_);
      if (stop_.load()) {
        summary_.stopped = true;
        return summary_;
      }
      RETURN_IF_ERROR(WritePartition(k));
      RETURN_IF_ERROR(WriteDueLateFiles(options_.live ? end : INT64_MAX));
    }
    while (!pending_.empty()) {  // live mode: the last partitions' late files
      clock_->SleepUntil(pending_.front().due, stop_);
      if (stop_.load()) {
        summary_.stopped = true;
        return summary_;
      }
      RETURN_IF_ERROR(WriteDueLateFiles(pending_.front().due));
    }
    return summary_;
  }

 private:
  struct PendingFile {
    std::string key;
    std::string bytes;
    TimeMicros due = 0;
  };

  TimeMicros PartitionStart(uint64_t k) const {
    return options_.start + static_cast<TimeMicros>(k) * spec_.period;
  }

  void Progress(std::string_view line) {
    if (progress_) progress_(line);
  }

  Status CheckNoEarlierWorkload() {
    for (std::string_view prefix : {"snapshot/", "ads/", "items/"}) {
      ASSIGN_OR_RETURN(std::vector<ObjectInfo> found, store_.List(prefix));
      if (!found.empty()) {
        return Status::FailedPrecondition(fmt::format(
            "--out {}: already holds generated data ('{}'); choose an empty location or pass "
            "--overwrite",
            store_.Describe(), found.front().key));
      }
    }
    return Status::OK();
  }

  Status Put(const std::string& key, std::string_view bytes) {
    RETURN_IF_ERROR(store_.Put(key, bytes));
    summary_.bytes += bytes.size();
    return Status::OK();
  }

  Status WriteSnapshot() {
    ASSIGN_OR_RETURN(auto writer, RecordWriter::Create(options_.format));
    uint64_t part = 0;
    for (uint64_t begin = 0; begin < catalog_->ad_count(); begin += kSnapshotRecordsPerFile) {
      uint64_t end = std::min(catalog_->ad_count(), begin + kSnapshotRecordsPerFile);
      for (uint64_t ad = begin; ad < end; ++ad) {
        if (catalog_->IsLive(ad)) writer->AppendAd(catalog_->Ad(ad));
      }
      summary_.snapshot_ads += writer->records();
      RETURN_IF_ERROR(
          Put(fmt::format("snapshot/ads/part-{}{}", part++, extension_), writer->Finish()));
      ++summary_.snapshot_files;
    }
    part = 0;
    for (uint64_t begin = 0; begin < catalog_->item_count(); begin += kSnapshotRecordsPerFile) {
      uint64_t end = std::min(catalog_->item_count(), begin + kSnapshotRecordsPerFile);
      for (uint64_t item = begin; item < end; ++item) writer->AppendItem(catalog_->Item(item));
      summary_.snapshot_items += writer->records();
      RETURN_IF_ERROR(
          Put(fmt::format("snapshot/items/part-{}{}", part++, extension_), writer->Finish()));
      ++summary_.snapshot_files;
    }
    // Last: its presence says the snapshot is complete.
    RETURN_IF_ERROR(Put("snapshot/CUT", FormatTimestamp(options_.start) + "\n"));
    return Status::OK();
  }

  uint32_t FileOf(uint64_t index) const {
    return static_cast<uint32_t>(Mix64(index ^ file_salt_) % files_);
  }

  // Writes one source's files of partition k; the late file is queued.
  // Appends a short description to `report`.
  template <typename Event, typename AppendFn>
  Status WriteSource(Source source, uint64_t k, const std::vector<Event>& events,
                     const std::vector<bool>& late, AppendFn append, std::string* report) {
    const TimeMicros start = PartitionStart(k);
    const std::string prefix = PartitionPrefix(kSourceNames[source], start);
    std::vector<std::unique_ptr<RecordWriter>> writers;
    for (uint32_t i = 0; i <= files_; ++i) {  // the last one is the late file
      ASSIGN_OR_RETURN(auto writer, RecordWriter::Create(options_.format));
      writers.push_back(std::move(writer));
    }
    for (size_t i = 0; i < events.size(); ++i) {
      RecordWriter& writer = late[i] ? *writers[files_] : *writers[FileOf(events[i].index())];
      append(writer, events[i]);
    }
    for (uint32_t i = 0; i < files_; ++i) {
      RETURN_IF_ERROR(
          Put(fmt::format("{}/part-{}{}", prefix, i, extension_), writers[i]->Finish()));
      ++summary_.data_files;
    }
    const bool marker = !RateHit(options_.missing_marker_rate, marker_phase_[source], k);
    if (marker) {
      RETURN_IF_ERROR(Put(fmt::format("{}/{}", prefix, kMarker), ""));
      ++summary_.markers;
    } else {
      ++summary_.missing_markers;
    }
    *report +=
        fmt::format("{} {} lines in {} file{}{}", kSourceNames[source],
                    events.size() - static_cast<size_t>(std::count(late.begin(), late.end(), true)),
                    files_, files_ == 1 ? "" : "s", marker ? " + _SUCCESS" : ", no _SUCCESS");
    if (writers[files_]->records() > 0) {
      PendingFile file;
      file.key = fmt::format("{}/part-late-0{}", prefix, extension_);
      file.bytes = writers[files_]->Finish();
      file.due = start + 2 * spec_.period;
      *report += fmt::format(" (late file: {} lines)", std::count(late.begin(), late.end(), true));
      pending_.push_back(std::move(file));
    }
    return Status::OK();
  }

  Status WritePartition(uint64_t k) {
    const TimeMicros start = PartitionStart(k);
    const TimeMicros end = start + spec_.period;
    std::string report = FormatTimestamp(start) + ": ";

    // Ads.
    const uint32_t ad_lines = spec_.ad_updates_per_partition;
    const uint32_t ad_late =
        RateHit(options_.late_file_rate, late_phase_[kAds], k) ? LateLines(ad_lines) : 0;
    AdStreamOptions stream;
    stream.delete_rate = options_.delete_rate;
    stream.malformed_rate = options_.malformed_rate;
    struct IndexedAd {
      const AdEvent* event;
      uint64_t index() const { return event->ad_index; }
    };
    std::vector<AdEvent> ad_events =
        catalog_->NextAdEvents(static_cast<int64_t>(k), start, end, ad_lines + ad_late, stream);
    std::vector<IndexedAd> ads;
    ads.reserve(ad_events.size());
    for (const AdEvent& ev : ad_events) {
      ads.push_back({&ev});
      Count(ev);
    }
    summary_.ad_lines += ad_events.size();
    RETURN_IF_ERROR(WriteSource(
        kAds, k, ads, ChooseLate(options_.seed, kAds, k, ad_lines + ad_late, ad_late),
        [](RecordWriter& writer, const IndexedAd& ad) {
          if (ad.event->malformed) {
            writer.AppendMalformedAd(ad.event->record, *ad.event->malformed);
          } else {
            writer.AppendAd(ad.event->record);
          }
        },
        &report));

    // Items.
    if (options_.item_updates && spec_.item_updates_per_partition > 0) {
      const uint32_t item_lines = spec_.item_updates_per_partition;
      const uint32_t item_late =
          RateHit(options_.late_file_rate, late_phase_[kItems], k) ? LateLines(item_lines) : 0;
      struct IndexedItem {
        const ItemEvent* event;
        uint64_t index() const { return event->item_index; }
      };
      std::vector<ItemEvent> item_events =
          catalog_->NextItemEvents(static_cast<int64_t>(k), start, end, item_lines + item_late);
      std::vector<IndexedItem> items;
      items.reserve(item_events.size());
      for (const ItemEvent& ev : item_events) items.push_back({&ev});
      summary_.item_lines += item_events.size();
      report += "; ";
      RETURN_IF_ERROR(WriteSource(
          kItems, k, items, ChooseLate(options_.seed, kItems, k, item_lines + item_late, item_late),
          [](RecordWriter& writer, const IndexedItem& item) {
            writer.AppendItem(item.event->record);
          },
          &report));
    }
    ++summary_.partitions;
    Progress(report);
    return Status::OK();
  }

  void Count(const AdEvent& ev) {
    if (ev.malformed) {
      ++summary_.malformed_by_kind[static_cast<size_t>(*ev.malformed)];
      return;
    }
    switch (ev.change) {
      case AdChange::kUpdate:
        ++summary_.ad_updates;
        if (ev.moved) ++summary_.ads_moved;
        break;
      case AdChange::kCreate:
        ++summary_.ads_created;
        break;
      case AdChange::kDelete:
        ++summary_.ads_deleted;
        break;
      case AdChange::kRestore:
        ++summary_.ads_restored;
        break;
    }
  }

  // Writes the queued late files due at or before `now`, oldest first.
  Status WriteDueLateFiles(TimeMicros now) {
    size_t done = 0;
    for (; done < pending_.size() && pending_[done].due <= now; ++done) {
      RETURN_IF_ERROR(Put(pending_[done].key, pending_[done].bytes));
      ++summary_.data_files;
      ++summary_.late_files;
      if (options_.live) Progress(fmt::format("late file {}", pending_[done].key));
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(done));
    return Status::OK();
  }

  const GenOptions& options_;
  const WorkloadSpec& spec_;
  ObjectStore& store_;
  Clock* clock_;
  const std::atomic<bool>& stop_;
  const GenProgress& progress_;
  const uint32_t files_;
  const uint64_t file_salt_;
  double late_phase_[2] = {};
  double marker_phase_[2] = {};
  std::string extension_;
  std::unique_ptr<Catalog> catalog_;
  std::vector<PendingFile> pending_;  // late files, in due order
  GenSummary summary_;
};

Status CheckRate(std::string_view flag, double rate) {
  if (!(rate >= 0 && rate <= 1)) {
    return Status::InvalidArgument(
        fmt::format("{}: rate {} is outside [0, 1] (a fraction: 0.05 means 5%)", flag, rate));
  }
  return Status::OK();
}

}  // namespace

uint64_t GenSummary::malformed() const {
  uint64_t n = 0;
  for (uint64_t c : malformed_by_kind) n += c;
  return n;
}

Status ValidateGenOptions(const GenOptions& o) {
  const WorkloadSpec* spec = FindWorkload(o.workload);
  if (spec == nullptr) {
    std::string names;
    for (const WorkloadSpec& w : Workloads())
      names += (names.empty() ? "" : ", ") + std::string(w.name);
    return Status::InvalidArgument(
        fmt::format("--workload: unknown workload '{}' (known: {})", o.workload, names));
  }
  if (!(o.scale > 0) || !std::isfinite(o.scale) ||
      std::round(static_cast<double>(spec->ads) * o.scale) > kMaxScaledAds) {
    return Status::InvalidArgument(fmt::format(
        "--scale: {} is not a factor in (0, {:g}] for '{}' (at most {:.0f} ads)", o.scale,
        kMaxScaledAds / static_cast<double>(spec->ads), spec->name, kMaxScaledAds));
  }
  if (o.format == FileFormat::kParquet && o.malformed_rate > 0) {
    return Status::InvalidArgument(
        "--malformed: Parquet files cannot hold malformed records; use --format jsonl");
  }
  if (o.start % kMicrosPerMinute != 0) {
    return Status::InvalidArgument(
        fmt::format("--start: {} is not on a whole minute (partition folders name the minute)",
                    FormatTimestamp(o.start)));
  }
  if (o.start < 0 || o.start >= *ParseTimestamp("9000-01-01T00:00:00Z")) {
    return Status::InvalidArgument(
        fmt::format("--start: {} is outside 1970..9000", FormatTimestamp(o.start)));
  }
  if (o.partitions && *o.partitions == 0 && !o.live) {
    return Status::InvalidArgument(
        "--partitions: 0 (run until stopped) is only allowed with --live");
  }
  if (o.partitions && *o.partitions > 1'000'000) {
    return Status::InvalidArgument(
        fmt::format("--partitions: {} is more than 1000000", *o.partitions));
  }
  if (o.files_per_partition &&
      (*o.files_per_partition < 1 || *o.files_per_partition > kMaxFilesPerPartition)) {
    return Status::InvalidArgument(fmt::format("--files-per-partition: {} is outside [1, {}]",
                                               *o.files_per_partition, kMaxFilesPerPartition));
  }
  RETURN_IF_ERROR(CheckRate("--late-files", o.late_file_rate));
  RETURN_IF_ERROR(CheckRate("--missing-markers", o.missing_marker_rate));
  RETURN_IF_ERROR(CheckRate("--malformed", o.malformed_rate));
  RETURN_IF_ERROR(CheckRate("--delete-rate", o.delete_rate));
  return Status::OK();
}

std::string PartitionPrefix(std::string_view source, TimeMicros start) {
  const TimeMicros secs = start / kMicrosPerSecond;
  const int64_t days = secs / 86400;
  const int64_t rem = secs % 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return fmt::format("{}/dt={:04}-{:02}-{:02}/hour={:02}/minute={:02}", source, y, m, d, rem / 3600,
                     (rem / 60) % 60);
}

Result<GenSummary> GenerateWorkload(const GenOptions& options, ObjectStore& store, Clock* clock,
                                    const std::atomic<bool>& stop, const GenProgress& progress) {
  RETURN_IF_ERROR(ValidateGenOptions(options));
  if (options.live && clock == nullptr) {
    return Status::InvalidArgument("live generation needs a clock");
  }
  const WorkloadSpec spec = ScaleWorkload(*FindWorkload(options.workload), options.scale);
  Run run(options, spec, store, clock, stop, progress);
  return run.Go();
}

std::string FormatGenSummary(const GenSummary& s) {
  std::string out;
  auto mb = [](uint64_t bytes) { return static_cast<double>(bytes) / 1e6; };
  const std::string scaled = s.scale == 1 ? "" : fmt::format(" at scale {:g}", s.scale);
  out += fmt::format("workload   {}{} (seed {}), cut {}, period {}{}\n", s.workload, scaled, s.seed,
                     FormatTimestamp(s.cut), FormatDuration(s.period),
                     s.stopped ? " (stopped early)" : "");
  if (s.snapshot_files > 0) {
    out += fmt::format("snapshot   {} ads, {} items in {} files + CUT\n", s.snapshot_ads,
                       s.snapshot_items, s.snapshot_files);
  }
  if (s.partitions > 0) {
    out += fmt::format("partitions {} ({} .. {}), {} _SUCCESS markers, {} missing\n", s.partitions,
                       FormatTimestamp(s.cut),
                       FormatTimestamp(s.cut + static_cast<TimeMicros>(s.partitions) * s.period),
                       s.markers, s.missing_markers);
  } else {
    out += "partitions 0\n";
  }
  out += fmt::format("files      {} data files ({} late)\n", s.data_files, s.late_files);
  out += fmt::format(
      "records    {} ad lines: {} updates ({} moved item), {} new, {} deletes, {} restores, {} "
      "malformed; {} item lines\n",
      s.ad_lines, s.ad_updates, s.ads_moved, s.ads_created, s.ads_deleted, s.ads_restored,
      s.malformed(), s.item_lines);
  if (s.malformed() > 0) {
    std::string kinds;
    for (int i = 0; i < kMalformedKindCount; ++i) {
      if (!kinds.empty()) kinds += ", ";
      kinds += fmt::format("{} {}", MalformedKindName(static_cast<MalformedKind>(i)),
                           s.malformed_by_kind[static_cast<size_t>(i)]);
    }
    out += fmt::format("malformed  {}\n", kinds);
  }
  out += fmt::format("bytes      {} ({:.1f} MB)\n", s.bytes, mb(s.bytes));
  return out;
}

}  // namespace freshet::gen
