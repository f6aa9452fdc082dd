#include "cli/gen_command.h"

#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/exit_code.h"
#include "common/clock.h"
#include "gen/generator.h"
#include "storage/object_store.h"

namespace freshet {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnStopSignal(int) { g_stop.store(true); }

// Installs SIGINT/SIGTERM handlers for its lifetime.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction action {};
    action.sa_handler = OnStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

struct GenFlags {
  std::string workload = "tiny";
  double scale = 1;
  std::string out;
  uint64_t seed = 42;
  std::string start = std::string(gen::kDefaultStart);
  uint64_t partitions = 0;
  std::string format = "parquet";
  uint32_t files_per_partition = 0;
  double late_files = 0;
  double missing_markers = 0;
  double malformed = 0;
  double delete_rate = 0.02;
  bool no_item_updates = false;
  bool no_snapshot = false;
  bool live = false;
  double speed = 1;
  bool overwrite = false;
  CLI::Option* partitions_option = nullptr;
  CLI::Option* files_option = nullptr;
};

// CLI11 2.1 silently wraps "-1" into a huge unsigned value.
const CLI::Validator kNotNegative(
    [](std::string& text) -> std::string {
      return !text.empty() && text[0] == '-' ? "must not be negative, got " + text : "";
    },
    "", "not negative");

[[noreturn]] void Fail(const Status& status) { throw CLI::RuntimeError(ReportFailure(status)); }

std::string LayoutHelp() {
  std::string text =
      "Output layout under --out (records: docs/workload.md):\n"
      "  snapshot/ads/part-N.jsonl      every live ad as of the cut (at most 100000 lines each)\n"
      "  snapshot/items/part-N.jsonl    every item as of the cut\n"
      "  snapshot/CUT                   the cut (= --start) in RFC 3339, written last\n"
      "  ads/dt=YYYY-MM-DD/hour=HH/minute=MM/part-N.jsonl\n"
      "                                 ad updates with updated_at in partition k's\n"
      "                                 [start + k*period, start + (k+1)*period)\n"
      "  ads/dt=.../_SUCCESS            empty marker, written after the partition's files\n"
      "  ads/dt=.../part-late-0.jsonl   more updates of that partition, written after the\n"
      "                                 marker (live: one period later)\n"
      "  items/dt=...                   item updates, same layout\n"
      "Ad lines: ad_id, item_id, campaign_id, title, description, keywords, bid, status,\n"
      "updated_at (epoch ms), op (upsert|delete). Item lines: item_id, title, brand, category,\n"
      "price, popularity, rating, updated_at, op. Same seed and options => same bytes.\n"
      "Workloads:\n";
  for (const gen::WorkloadSpec& w : gen::Workloads()) {
    text += fmt::format(
        "  {:<7} {} items, {} ads; per {} partition {} ad + {} item updates; {} partitions, {} "
        "file(s) each\n",
        w.name, w.items, w.ads, FormatDuration(w.period), w.ad_updates_per_partition,
        w.item_updates_per_partition, w.partitions, w.files_per_partition);
  }
  return text;
}

void RunGen(const GenFlags& flags) {
  gen::GenOptions options;
  options.workload = flags.workload;
  options.scale = flags.scale;
  options.seed = flags.seed;
  const gen::WorkloadSpec* spec = gen::FindWorkload(flags.workload);
  TimeMicros clock_start = 0;
  if (flags.start == "now") {
    clock_start = SystemClock().Now();
    const TimeMicros period = spec != nullptr ? spec->period : kMicrosPerMinute;
    options.start = clock_start - clock_start % period;
  } else {
    Result<TimeMicros> start = ParseTimestamp(flags.start);
    if (!start.ok()) Fail(start.status().WithContext("--start"));
    options.start = *start;
    clock_start = *start;
  }
  if (flags.partitions_option->count() > 0) options.partitions = flags.partitions;
  if (flags.files_option->count() > 0) options.files_per_partition = flags.files_per_partition;
  Result<FileFormat> format = ParseFileFormat(flags.format);
  if (!format.ok()) Fail(format.status().WithContext("--format"));
  options.format = *format;
  options.late_file_rate = flags.late_files;
  options.missing_marker_rate = flags.missing_markers;
  options.malformed_rate = flags.malformed;
  options.delete_rate = flags.delete_rate;
  options.item_updates = !flags.no_item_updates;
  options.snapshot = !flags.no_snapshot;
  options.live = flags.live;
  options.overwrite = flags.overwrite;
  if (!(flags.speed > 0 && flags.speed <= 1e6)) {
    Fail(Status::InvalidArgument(fmt::format("--speed: {} is outside (0, 1000000]", flags.speed)));
  }
  if (Status st = gen::ValidateGenOptions(options); !st.ok()) Fail(st);

  Result<std::unique_ptr<ObjectStore>> store = ObjectStore::Open(flags.out);
  if (!store.ok()) Fail(store.status().WithContext("--out"));

  std::unique_ptr<Clock> clock;
  gen::GenProgress progress;
  if (options.live) {
    clock = std::make_unique<ScaledClock>(clock_start, flags.speed);
    progress = [](std::string_view line) {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    };
    std::printf(
        "live: writing to %s; clock starts at %s and runs %gx (engine clock: sim:%s:%g); "
        "Ctrl-C stops\n",
        (*store)->Describe().c_str(), FormatTimestamp(clock_start).c_str(), flags.speed,
        FormatTimestamp(clock_start).c_str(), flags.speed);
    std::fflush(stdout);
  }

  g_stop.store(false);
  StopSignals signals;
  auto began = std::chrono::steady_clock::now();
  Result<gen::GenSummary> summary =
      gen::GenerateWorkload(options, **store, clock.get(), g_stop, progress);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  if (!summary.ok()) Fail(summary.status());
  std::string text = gen::FormatGenSummary(*summary);
  text += fmt::format("elapsed    {:.2f} s, output {}\n", seconds, (*store)->Describe());
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

void AddGenCommand(CLI::App& app) {
  auto flags = std::make_shared<GenFlags>();
  CLI::App* cmd = app.add_subcommand(
      "gen", "Write a synthetic ads workload: a catalogue snapshot and time-partitioned updates");
  cmd->add_option("--workload", flags->workload,
                  "Workload: tiny (tests), ads-1m or ads-10m (benchmarks)")
      ->capture_default_str();
  cmd->add_option("--scale", flags->scale,
                  "Multiply the workload's items, ads, updates per partition and campaigns by "
                  "this factor (0.1 = a tenth); its shape (group sizes, vocabulary, skews) stays")
      ->capture_default_str();
  cmd->add_option("--out", flags->out, "Output store URL or folder (file:///abs/dir, a path)")
      ->required();
  cmd->add_option("--seed", flags->seed, "Random seed; same seed and options give the same bytes")
      ->capture_default_str()
      ->check(kNotNegative);
  cmd->add_option("--start", flags->start,
                  "Cut time and start of partition 0, RFC 3339 on a whole minute, or 'now' "
                  "(rounded down to the period)")
      ->capture_default_str();
  flags->partitions_option = cmd->add_option("--partitions", flags->partitions,
                                             "Partitions to write (default: the workload's, 12 for "
                                             "tiny, 60 for ads-1m, 12 for ads-10m); with --live, "
                                             "0 runs until stopped")
                                 ->check(kNotNegative);
  cmd->add_option("--format", flags->format,
                  "Data file format: parquet (snappy; keywords as one string) or jsonl")
      ->capture_default_str();
  flags->files_option =
      cmd->add_option("--files-per-partition", flags->files_per_partition,
                      "Data files per partition and source (default: 1 for tiny, 2 for ads-1m, "
                      "4 for ads-10m)");
  cmd->add_option("--late-files", flags->late_files,
                  "Fraction of partitions that also get part-late-0.jsonl after their marker")
      ->capture_default_str();
  cmd->add_option("--missing-markers", flags->missing_markers,
                  "Fraction of partitions written without _SUCCESS")
      ->capture_default_str();
  cmd->add_option("--malformed", flags->malformed,
                  "Fraction of ad update lines replaced by broken ones (truncated JSON, invalid "
                  "UTF-8, text updated_at, no ad_id, array)")
      ->capture_default_str();
  cmd->add_option("--delete-rate", flags->delete_rate, "Fraction of ad update lines that delete")
      ->capture_default_str();
  cmd->add_flag("--no-item-updates", flags->no_item_updates, "Write no items/ partitions");
  cmd->add_flag("--no-snapshot", flags->no_snapshot, "Write no snapshot/");
  CLI::Option* live = cmd->add_flag(
      "--live", flags->live,
      "Act as a producer: write each partition when its period ends, on a clock starting at "
      "--start; stop after --partitions or on SIGINT/SIGTERM");
  cmd->add_option("--speed", flags->speed, "With --live: clock speed-up (60 = one hour a minute)")
      ->capture_default_str()
      ->needs(live);
  cmd->add_flag("--overwrite", flags->overwrite,
                "Write even if --out already holds generated data (nothing is deleted)");
  cmd->footer(LayoutHelp());
  cmd->callback([flags]() { RunGen(*flags); });
}

}  // namespace freshet
