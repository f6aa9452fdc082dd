// PipelineConfig: one pipeline's configuration, read from TOML.
//
// Every key is documented in the README ("Configuration reference"). Unknown
// keys and bad values are rejected with a message naming the file (the
// origin) and the key ("ads.toml: columns.text[2]: expected a string").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "format/row_reader.h"
#include "index/analyzer.h"
#include "index/segment/section_container.h"
#include "source/discovery.h"

namespace freshet {

// Frozen: appears in configs, logs and the batch log.
enum class LagPolicy { kLatest, kSequential, kBounded };
std::string_view LagPolicyName(LagPolicy policy);

enum class BadRecordPolicy { kSkip, kStop };

// Which input columns play which role. Column names are input names.
struct ColumnRoles {
  std::string id;       // doc id (or group key, for the group stream)
  std::string version;  // newest wins
  // How version values are written; a value of the other kind is a bad record
  // (mixing them would compare milliseconds with timestamps).
  enum class VersionFormat { kInteger, kTimestamp };
  VersionFormat version_format = VersionFormat::kInteger;
  std::string op;  // optional; a value in delete_values marks a deletion
  std::vector<std::string> delete_values = {"delete"};
  std::vector<std::string> text;     // tokenized, searchable
  std::vector<std::string> keyword;  // exact terms, for filters
  std::vector<std::string> numeric;  // numbers: range filters, aggregates
  std::vector<std::string> stored;   // returned with results
  // The analyzer of the text columns (index/analyzer.h), and per column the
  // ones that use another.
  uint32_t analyzer = kAsciiAnalyzer;
  std::map<std::string, uint32_t> analyzers;
  uint32_t AnalyzerOf(const std::string& column) const {
    auto it = analyzers.find(column);
    return it == analyzers.end() ? analyzer : it->second;
  }
  // Whether the text columns keep token positions (phrase queries without
  // re-reading stored text), and per column the ones that differ.
  bool positions = true;
  std::map<std::string, bool> positions_by_column;
  bool PositionsOf(const std::string& column) const {
    auto it = positions_by_column.find(column);
    return it == positions_by_column.end() ? positions : it->second;
  }
};

struct StreamConfig {
  std::string url;  // store URL of the stream's root (a Delta table's root)
  SourceKind kind = SourceKind::kFolders;
  std::string layout = "dt={yyyy}-{MM}-{dd}/hour={HH}/minute={mm}";
  TimeMicros period = 5 * kMicrosPerMinute;
  FileFormat format = FileFormat::kJsonLines;  // kParquet for a Delta table
};

// One aggregate over the docs of a group, e.g. {"min", "bid"} -> field
// "<prefix>min_bid"; {"count", ""} -> "<prefix>count".
struct Aggregate {
  std::string function;  // count | min | max | sum | avg
  std::string column;    // a numeric doc column; empty for count
  std::string FieldName(std::string_view prefix) const;
};

// The retention floor: a reader that has read CURRENT less than this long
// ago still finds the generation it names, whatever `retention` says.
inline constexpr TimeMicros kMinRetention = 60 * kMicrosPerSecond;

struct PipelineConfig {
  std::string name;
  std::string metastore = "sqlite:freshet.db";
  std::string output;
  LagPolicy lag_policy = LagPolicy::kLatest;
  TimeMicros max_lag = 30 * kMicrosPerMinute;  // bounded only
  TimeMicros cadence = 60 * kMicrosPerSecond;
  TimeMicros lease_ttl = 2 * kMicrosPerMinute;
  // How long a generation stays collectable-proof after it stopped being
  // served; below kMinRetention, collection uses kMinRetention (see
  // BatchRunner::CollectGarbage).
  TimeMicros retention = kMicrosPerHour;
  BadRecordPolicy bad_records = BadRecordPolicy::kSkip;
  int threads = 0;  // 0: one per core
  int shards = 2;   // segments per generation (by hash of the group key)
  // The segment format written (3 to 5, kDefaultWrittenSegmentFormatVersion
  // by default): 5 writes delta layers that hold only the changed docs, the
  // tombstones of the docs that left a group and the touched groups'
  // records (pipeline/layer_build.h); 4 rewrites every touched group whole;
  // 3 copies the group's fields onto its docs, while readers of an older
  // build still serve the output.
  int segment_format = static_cast<int>(kDefaultWrittenSegmentFormatVersion);
  // Most layers a delta may have. Beyond, in format 5, a batch's layer
  // replaces the top layers (FoldFrom in pipeline/layer_build.h); in formats
  // 3 and 4 a batch rebuilds the whole window into one layer (1: every
  // batch does).
  int delta_layers = 8;
  // Most of the live docs a new generation may drop (0.5: half of them);
  // beyond, it is refused unless the operator allows it (--allow-shrink).
  double max_shrink = 0.5;
  // pipeline.compact_after: when `run` compacts between batches
  // (BatchRunner::Compact). A number: once the delta's segments come to
  // this fraction of the base's bytes; a duration: once the delta spans this
  // much data time (from the base's cut to the end of its newest partition).
  // Neither (0, the default): `run` never compacts.
  double compact_after_ratio = 0;
  TimeMicros compact_after_age = 0;
  // pipeline.memory_budget: what build-full's records and the segments laid
  // out from them may take; past it, records spill to `spill_dir` and the
  // base is built a part at a time (pipeline/snapshot_input.h).
  uint64_t memory_budget = 4ull << 30;
  // pipeline.spill_dir: where build-full spills (a fresh folder inside it,
  // removed after); empty: the system's temporary folder.
  std::string spill_dir;

  StreamConfig source;
  std::string marker = "_SUCCESS";  // empty: markers ignored
  TimeMicros delay = 2 * kMicrosPerMinute;
  ColumnRoles columns;
  std::string group_key;  // doc column holding the group key

  // Optional group-level stream (e.g. items), keyed by group key.
  bool has_group = false;
  StreamConfig group_source;
  ColumnRoles group_columns;
  std::string group_prefix = "group_";
  std::vector<Aggregate> aggregates;

  // Snapshot for `build-full`.
  std::string snapshot_url;
  std::string snapshot_docs = "docs";
  std::string snapshot_groups = "groups";

  // The input columns of the doc stream to project (ids, roles, stored).
  std::vector<std::string> DocProjection() const;
  std::vector<std::string> GroupProjection() const;
};

// Parses TOML text; `origin` names the file in errors. Relative paths in
// store URLs are resolved against `base_dir` (the config file's folder).
Result<PipelineConfig> ParsePipelineConfig(std::string_view toml_text, std::string_view origin,
                                           std::string_view base_dir);
Result<PipelineConfig> LoadPipelineConfig(const std::string& path);

}  // namespace freshet
