// Parquet scan throughput: writes an ads-like file with a fixed seed
// (ad_id, item_id, title, description, bid, updated_at; SNAPPY, dictionary
// on) with freshet's writer, then times one of two phases on projected
// columns and prints rows/s and MB/s (MB = uncompressed bytes of the
// projected column chunks):
//   --phase scan   ParquetReader into a sink that touches every value;
//   --phase read   the pipeline's read phase: ReadKeyedFile (keyed by ad_id,
//                  grouped by item_id, versioned by updated_at) and
//                  ReduceNewest, as a batch or build-full does; freeing the
//                  result is timed apart ("teardown"), and the CPU time of
//                  the process's threads is printed beside the wall time.
//
//   parquet_scan_bench [--rows N] [--columns a,b,...] [--iterations K]
//                      [--threads T] [--row-group-rows R] [--phase scan|read]
//                      [--dir DIR] [--keep] [--reuse]
// The last line is machine-readable ("RESULT key=value ..."); the file stays
// in DIR (default: a temporary folder, removed unless --keep). --reuse reads
// the file DIR already holds instead of writing it (for profiling the read
// alone: the caller makes sure it was written with the same arguments). Every 7th
// ad_id repeats an earlier one, so that the reduction has work to do.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "format/parquet/parquet_reader.h"
#include "format/parquet/parquet_writer.h"
#include "pipeline/records.h"
#include "storage/object_store.h"

namespace {

using namespace freshet;

const char* const kWords[] = {"red",     "running",  "shoes",   "leather", "bag",   "summer",
                              "sale",    "kids",     "organic", "coffee",  "beans", "wool",
                              "sweater", "phone",    "case",    "usb",     "cable", "garden",
                              "hose",    "lamp",     "desk",    "office",  "chair", "gaming",
                              "mouse",   "wireless", "free",    "shipping"};

std::string Words(std::mt19937_64& rng, int n) {
  std::string s;
  // Skewed word choice, as real titles are.
  std::geometric_distribution<int> pick(0.15);
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += kWords[std::min<size_t>(pick(rng), std::size(kWords) - 1)];
  }
  return s;
}

Result<std::string> MakeFile(uint64_t rows, uint64_t row_group_rows) {
  std::vector<parquet::WriterColumn> schema{
      {"ad_id", ValueType::kInt64, false}, {"item_id", ValueType::kInt64, true},
      {"title", ValueType::kString, true}, {"description", ValueType::kString, true},
      {"bid", ValueType::kDouble, true},   {"updated_at", ValueType::kInt64, true}};
  parquet::ParquetWriterOptions options;
  options.codec = parquet::Codec::kSnappy;
  // Row groups cut by rows only, as pyarrow's writer does by default (1 Mi
  // rows), so that --row-group-rows 1000000 writes one row group.
  options.row_group_rows = row_group_rows;
  options.row_group_bytes = UINT64_MAX;
  ASSIGN_OR_RETURN(auto writer, parquet::ParquetWriter::Create(schema, options));
  std::mt19937_64 rng(20240501);
  Row row(schema.size());
  for (uint64_t i = 0; i < rows; ++i) {
    row[0] = Value::Int64(static_cast<int64_t>(1000000 + (i % 7 == 6 ? rng() % (i + 1) : i)));
    row[1] = Value::Int64(static_cast<int64_t>(rng() % (rows / 10 + 1)));
    row[2] = Value::String(Words(rng, 3 + static_cast<int>(rng() % 6)));
    row[3] = rng() % 10 == 0 ? Value::Null()
                             : Value::String(Words(rng, 12 + static_cast<int>(rng() % 30)));
    row[4] = Value::Double(static_cast<double>(rng() % 100000) / 100);
    row[5] = Value::Int64(1714521600000000 + static_cast<int64_t>(rng() % 3600000000ull));
    RETURN_IF_ERROR(writer->AppendRow(row));
  }
  return writer->Finish();
}

class TouchingSink final : public RowSink {
 public:
  Status OnRow(Row& row, uint64_t) override {
    for (const Value& v : row) checksum_ += static_cast<uint64_t>(v.i) + v.s.size() + (v.d > 0);
    ++rows_;
    return Status::OK();
  }
  Status OnBadRow(uint64_t, uint64_t, std::string reason) override {
    return Status::Corruption(reason);
  }
  uint64_t rows_ = 0;
  uint64_t checksum_ = 0;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The pipeline's read phase over `file`: records kept, seconds to read and
// reduce, seconds to free the result.
struct ReadPhase {
  size_t kept = 0;
  double seconds = 0;
  double cpu_seconds =
      0;  // of every thread of the process: what a shared machine's load shifts least
  double teardown_seconds = 0;
};

double ProcessCpuSeconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

Result<ReadPhase> TimeReadPhase(ObjectStore& store, const ObjectInfo& info,
                                const std::vector<std::string>& columns, int threads) {
  RecordSchema schema;
  schema.columns = columns;
  auto index_of = [&](std::string_view name) {
    auto it = std::find(columns.begin(), columns.end(), name);
    return it == columns.end() ? -1 : static_cast<int>(it - columns.begin());
  };
  schema.id_column = index_of("ad_id");
  schema.group_column = index_of("item_id");
  schema.version_column = index_of("updated_at");
  if (schema.id_column < 0 || schema.version_column < 0) {
    return Status::InvalidArgument("--phase read needs ad_id and updated_at among the columns");
  }
  ReadPhase out;
  const double cpu_start = ProcessCpuSeconds();
  auto start = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<const ParsedFile>> files;
  {
    ASSIGN_OR_RETURN(ParsedFile parsed, ReadKeyedFile(store, info, 0, FileFormat::kParquet, schema,
                                                      BadRecordPolicy::kStop, threads));
    files.push_back(std::make_shared<const ParsedFile>(std::move(parsed)));
  }
  auto newest = std::make_unique<NewestRecords>(ReduceNewest(files));
  out.kept = newest->size();
  auto reduced = std::chrono::steady_clock::now();
  out.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  newest.reset();
  files.clear();
  auto freed = std::chrono::steady_clock::now();
  out.seconds = std::chrono::duration<double>(reduced - start).count();
  out.teardown_seconds = std::chrono::duration<double>(freed - reduced).count();
  return out;
}

int Run(int argc, char** argv) {
  uint64_t rows = 200000;
  uint64_t row_group_rows = 1 << 20;
  int iterations = 5;
  int threads = 2;
  bool keep = false;
  bool reuse = false;
  std::string phase = "scan";
  std::vector<std::string> columns{"ad_id", "title", "bid", "updated_at"};
  std::filesystem::path dir;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--rows")
      rows = std::strtoull(next().c_str(), nullptr, 10);
    else if (arg == "--iterations")
      iterations = std::max(1, std::atoi(next().c_str()));
    else if (arg == "--threads")
      threads = std::atoi(next().c_str());
    else if (arg == "--row-group-rows")
      row_group_rows = std::max<uint64_t>(1, std::strtoull(next().c_str(), nullptr, 10));
    else if (arg == "--phase")
      phase = next();
    else if (arg == "--columns")
      columns = Split(next());
    else if (arg == "--dir")
      dir = next();
    else if (arg == "--keep")
      keep = true;
    else if (arg == "--reuse")
      reuse = true;
    else {
      fmt::print(stderr, "unknown argument {}\n", arg);
      return 2;
    }
  }
  if (phase != "scan" && phase != "read") {
    fmt::print(stderr, "--phase is scan or read, not {}\n", phase);
    return 2;
  }
  bool temp = dir.empty();
  if (temp)
    dir = std::filesystem::temp_directory_path() / fmt::format("freshet-bench-{}", ::getpid());
  auto store = ObjectStore::Open(dir.string());
  if (!store.ok()) {
    fmt::print(stderr, "{}\n", store.status().ToString());
    return 1;
  }
  const std::string key = "ads.parquet";
  double write_s = 0;
  if (!reuse || !(*store)->Head(key).ok()) {
    auto t0 = std::chrono::steady_clock::now();
    auto bytes = MakeFile(rows, row_group_rows);
    if (!bytes.ok()) {
      fmt::print(stderr, "{}\n", bytes.status().ToString());
      return 1;
    }
    write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (Status st = (*store)->Put(key, *bytes); !st.ok()) {
      fmt::print(stderr, "{}\n", st.ToString());
      return 1;
    }
  }
  auto info = (*store)->Head(key);
  auto file = parquet::ParquetFile::Open(**store, *info);
  if (!file.ok()) {
    fmt::print(stderr, "{}\n", file.status().ToString());
    return 1;
  }
  uint64_t projected = 0;
  for (const auto& g : (*file)->metadata().row_groups) {
    for (const auto& name : columns) {
      if (const auto* c = (*file)->schema().Find(name)) {
        projected += g.columns[c->leaf_index].meta_data->total_uncompressed_size;
      }
    }
  }
  fmt::print("file: {} ({} rows in {} row groups, {:.1f} MB, written in {:.2f} s)\n",
             (dir / key).string(), rows, (*file)->metadata().row_groups.size(), info->size / 1e6,
             write_s);
  fmt::print("columns: {} ({:.1f} MB uncompressed), threads: {}, phase: {}\n",
             fmt::join(columns, ","), projected / 1e6, threads, phase);
  if (phase == "read") {
    std::vector<double> times, cpu_times, teardowns;
    size_t kept = 0;
    for (int it = 0; it < iterations; ++it) {
      auto r = TimeReadPhase(**store, *info, columns, threads);
      if (!r.ok()) {
        fmt::print(stderr, "read phase failed: {}\n", r.status().ToString());
        return 1;
      }
      kept = r->kept;
      times.push_back(r->seconds);
      cpu_times.push_back(r->cpu_seconds);
      teardowns.push_back(r->teardown_seconds);
    }
    std::sort(times.begin(), times.end());
    std::sort(teardowns.begin(), teardowns.end());
    std::sort(cpu_times.begin(), cpu_times.end());
    double median = times[times.size() / 2];
    double cpu = cpu_times[cpu_times.size() / 2];
    double teardown = teardowns[teardowns.size() / 2];
    fmt::print(
        "read phase: median {:.4f} s, best {:.4f} s over {} runs ({} newest records); "
        "CPU time median {:.4f} s; teardown median {:.4f} s\n",
        median, times.front(), iterations, kept, cpu, teardown);
    fmt::print(
        "RESULT file={} rows={} seconds={:.6f} best_seconds={:.6f} cpu_seconds={:.6f} "
        "teardown_seconds={:.6f} rows_per_s={:.0f} mb_per_s={:.1f}\n",
        (dir / key).string(), rows, median, times.front(), cpu, teardown, rows / median,
        projected / 1e6 / median);
    if (temp && !keep) std::filesystem::remove_all(dir);
    return 0;
  }
  parquet::ParquetReadOptions options;
  options.threads = threads;
  parquet::ParquetReader reader(options);
  std::vector<double> times;
  for (int it = 0; it < iterations; ++it) {
    TouchingSink sink;
    auto start = std::chrono::steady_clock::now();
    Status st = reader.Read(**store, *info, columns, sink);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!st.ok() || sink.rows_ != rows) {
      fmt::print(stderr, "scan failed: {} ({} rows)\n", st.ToString(), sink.rows_);
      return 1;
    }
    times.push_back(s);
  }
  std::sort(times.begin(), times.end());
  double median = times[times.size() / 2];
  fmt::print("scan: median {:.4f} s, best {:.4f} s over {} runs\n", median, times.front(),
             iterations);
  fmt::print(
      "RESULT file={} rows={} seconds={:.6f} best_seconds={:.6f} rows_per_s={:.0f} "
      "mb_per_s={:.1f}\n",
      (dir / key).string(), rows, median, times.front(), rows / median, projected / 1e6 / median);
  if (temp && !keep) std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
