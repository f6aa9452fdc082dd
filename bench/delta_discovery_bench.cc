// Discovery of a Delta table's files: from its transaction log (what
// source.format = "delta" does) against listing the same files as partition
// folders (what the folder sources do), in one run over one table.
// bench/delta_discovery_bench.py builds the table and runs this.
//
//   delta_discovery_bench --table URL [--layout L] [--period 5m] [--from T]
//                         [--to T] [--repeat K]
//
// Times, each the best of K runs (a fresh store each run, so nothing is
// cached in the process; the OS's page cache is warm after the first):
//   log_full         LoadDeltaSnapshot from scratch: the newest checkpoint
//                    if there is one, then every commit after it;
//   log_incremental  LoadDeltaSnapshot from the state at the version before
//                    the newest: one listing of _delta_log/, one commit;
//   listing          DiscoverPartitions over [from, to): one listing per hour.
// Both discoveries must find the same files in [from, to) (else exit 1).
// The last line is machine-readable ("RESULT key=value ...").
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "source/delta_log.h"
#include "source/discovery.h"
#include "storage/object_store.h"

namespace {

using namespace freshet;
using Timer = std::chrono::steady_clock;

double Seconds(Timer::time_point since) {
  return std::chrono::duration<double>(Timer::now() - since).count();
}

[[noreturn]] void Fail(const Status& st) {
  fmt::print(stderr, "delta_discovery_bench: {}\n", st.ToString());
  std::exit(1);
}

template <typename T>
T OrFail(Result<T> r) {
  if (!r.ok()) Fail(r.status());
  return std::move(*r);
}

std::set<std::string> Files(const Discovery& d) {
  std::set<std::string> out;
  for (const auto& [start, p] : d.partitions) {
    for (const ObjectInfo& f : p.files) out.insert(f.key);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string table, layout = "dt={yyyy}-{MM}-{dd}/hour={HH}/minute={mm}";
  std::string period = "5m", from = "2026-05-04T00:00:00Z", to = "2027-05-04T00:00:00Z";
  int repeat = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--table") {
      table = value;
    } else if (flag == "--layout") {
      layout = value;
    } else if (flag == "--period") {
      period = value;
    } else if (flag == "--from") {
      from = value;
    } else if (flag == "--to") {
      to = value;
    } else if (flag == "--repeat") {
      repeat = std::max(1, std::atoi(value.c_str()));
    } else {
      Fail(Status::InvalidArgument(fmt::format("unknown flag {}", flag)));
    }
  }
  if (table.empty()) Fail(Status::InvalidArgument("--table URL is required"));
  SourceSpec spec;
  spec.layout = OrFail(PartitionLayout::Parse(layout));
  spec.period = OrFail(ParseDuration(period));
  spec.format = FileFormat::kParquet;
  spec.marker = "";
  const TimeMicros t0 = OrFail(ParseTimestamp(from)), t1 = OrFail(ParseTimestamp(to));

  double log_full = 1e30, log_incremental = 1e30, listing = 1e30;
  DeltaSnapshot snapshot;
  Discovery by_log, by_listing;
  for (int r = 0; r < repeat; ++r) {
    auto store = OrFail(ObjectStore::Open(table));
    auto start = Timer::now();
    snapshot = OrFail(LoadDeltaSnapshot(*store, std::nullopt));
    by_log = DiscoverDeltaPartitions(snapshot, spec, t0, t1);
    log_full = std::min(log_full, Seconds(start));
  }
  // The state one version back, as a runner holds it between two batches.
  const std::vector<DeltaCommit> newest = [&] {
    auto store = OrFail(ObjectStore::Open(table));
    return OrFail(ReadDeltaCommits(*store, snapshot.version, snapshot.version));
  }();
  DeltaSnapshot before = snapshot;
  for (const DeltaFileAction& f : newest[0].added) before.files.erase(f.path);
  for (const DeltaFileAction& f : newest[0].removed) before.files.insert_or_assign(f.path, f);
  before.version = snapshot.version - 1;
  for (int r = 0; r < repeat; ++r) {
    auto store = OrFail(ObjectStore::Open(table));
    DeltaSnapshot previous = before;  // taken over by LoadDeltaSnapshot
    auto start = Timer::now();
    DeltaSnapshot next = OrFail(LoadDeltaSnapshot(*store, std::move(previous)));
    Discovery d = DiscoverDeltaPartitions(next, spec, t0, t1);
    log_incremental = std::min(log_incremental, Seconds(start));
    if (Files(d) != Files(by_log)) Fail(Status::Corruption("incremental state differs"));
  }
  for (int r = 0; r < repeat; ++r) {
    auto store = OrFail(ObjectStore::Open(table));
    auto start = Timer::now();
    by_listing = OrFail(DiscoverPartitions(*store, spec, t0, t1));
    listing = std::min(listing, Seconds(start));
  }
  const std::set<std::string> a = Files(by_log), b = Files(by_listing);
  if (a != b) {
    Fail(Status::Corruption(fmt::format(
        "the log finds {} files, the listing {}: they must be the same", a.size(), b.size())));
  }
  fmt::print("table {} version {}, checkpoint {}, commits read {}\n", table, snapshot.version,
             snapshot.checkpoint_version, snapshot.commits_read);
  fmt::print("files {} in {} partitions; listing made {} List calls\n", a.size(),
             by_log.partitions.size(), by_listing.listings);
  fmt::print("log_full {:.3f} s, log_incremental {:.3f} s, listing {:.3f} s (best of {})\n",
             log_full, log_incremental, listing, repeat);
  fmt::print(
      "RESULT files={} partitions={} version={} checkpoint={} commits_read={} listings={} "
      "log_full_s={:.4f} log_incremental_s={:.4f} listing_s={:.4f}\n",
      a.size(), by_log.partitions.size(), snapshot.version, snapshot.checkpoint_version,
      snapshot.commits_read, by_listing.listings, log_full, log_incremental, listing);
  return 0;
}
