#include "pipeline/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/byte_size.h"

namespace freshet {
namespace {

// Reads typed values out of one TOML table, remembering which keys were used
// so that the rest can be rejected as unknown.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string path) : table_(table), path_(std::move(path)) {}

  bool present() const { return table_ != nullptr; }

  Status String(std::string_view key, std::string* out, bool required = false) {
    const toml::node* node = Find(key);
    if (!node) return required ? Missing(key) : Status::OK();
    if (!node->is_string()) return Bad(key, "expected a string");
    *out = node->as_string()->get();
    return Status::OK();
  }

  Status Duration(std::string_view key, TimeMicros* out) {
    const toml::node* node = Find(key);
    if (!node) return Status::OK();
    if (node->is_integer()) {
      int64_t v = node->as_integer()->get();
      if (v < 0) return Bad(key, "must not be negative");
      *out = v * kMicrosPerSecond;
      return Status::OK();
    }
    if (!node->is_string()) return Bad(key, "expected a duration such as \"5m\"");
    auto d = ParseDuration(node->as_string()->get());
    if (!d.ok()) return Bad(key, d.status().message());
    *out = *d;
    return Status::OK();
  }

  Status Int(std::string_view key, int* out, int min, int max) {
    const toml::node* node = Find(key);
    if (!node) return Status::OK();
    if (!node->is_integer()) return Bad(key, "expected an integer");
    int64_t v = node->as_integer()->get();
    if (v < min || v > max) return Bad(key, fmt::format("must be between {} and {}", min, max));
    *out = static_cast<int>(v);
    return Status::OK();
  }

  // A number in [0, 1], written as an integer or a float.
  Status Fraction(std::string_view key, double* out) {
    const toml::node* node = Find(key);
    if (!node) return Status::OK();
    std::optional<double> v = node->value<double>();
    if (!node->is_number() || !v) return Bad(key, "expected a number between 0 and 1");
    if (!(*v >= 0 && *v <= 1)) return Bad(key, fmt::format("{} is not between 0 and 1", *v));
    *out = *v;
    return Status::OK();
  }

  // A byte count, or a size such as "512MiB" (common/byte_size.h), at least `min`.
  Status ByteSize(std::string_view key, uint64_t* out, uint64_t min) {
    const toml::node* node = Find(key);
    if (!node) return Status::OK();
    uint64_t v = 0;
    if (node->is_integer() && node->as_integer()->get() >= 0) {
      v = static_cast<uint64_t>(node->as_integer()->get());
    } else if (!node->is_string() || !ParseByteSize(node->as_string()->get(), &v)) {
      return Bad(key, "expected a size such as \"1GiB\" or \"512MiB\"");
    }
    if (v < min) return Bad(key, fmt::format("must be at least {}", FormatByteSize(min)));
    *out = v;
    return Status::OK();
  }

  // A positive number, into `ratio`, or a duration, into `duration`.
  Status RatioOrDuration(std::string_view key, double* ratio, TimeMicros* duration) {
    const toml::node* node = Find(key);
    if (!node || node->is_string()) return Duration(key, duration);
    std::optional<double> v = node->value<double>();
    if (!node->is_number() || !v || !(*v > 0) || !std::isfinite(*v)) {
      return Bad(key, "expected a positive number (a fraction) or a duration such as \"6h\"");
    }
    *ratio = *v;
    return Status::OK();
  }

  Status StringList(std::string_view key, std::vector<std::string>* out) {
    const toml::node* node = Find(key);
    if (!node) return Status::OK();
    const toml::array* arr = node->as_array();
    if (!arr) return Bad(key, "expected an array of strings");
    out->clear();
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::node& item = *arr->get(i);
      if (!item.is_string()) {
        return Status::InvalidArgument(fmt::format("{}[{}]: expected a string", Name(key), i));
      }
      out->push_back(item.as_string()->get());
    }
    return Status::OK();
  }

  Status Bool(std::string_view key, bool* out) {
    const toml::node* node = Find(key);
    if (!node) return Status::OK();
    if (!node->is_boolean()) return Bad(key, "expected true or false");
    *out = node->as_boolean()->get();
    return Status::OK();
  }

  // An analyzer's name (index/analyzer.h) as its id.
  Status Analyzer(std::string_view key, uint32_t* out) {
    std::string name;
    RETURN_IF_ERROR(String(key, &name));
    if (name.empty() && !Find(key)) return Status::OK();
    auto id = AnalyzerByName(name);
    if (!id) {
      return Bad(key,
                 fmt::format("'{}' is not an analyzer (known: {})", name, KnownAnalyzerNames()));
    }
    *out = *id;
    return Status::OK();
  }

  // The table's keys, in order.
  std::vector<std::string> Keys() const {
    std::vector<std::string> keys;
    if (table_) {
      for (const auto& [k, v] : *table_) keys.emplace_back(k.str());
    }
    return keys;
  }

  const toml::table* SubTable(std::string_view key, Status* st) {
    const toml::node* node = Find(key);
    if (!node) return nullptr;
    if (!node->is_table()) {
      *st = Bad(key, "expected a table");
      return nullptr;
    }
    return node->as_table();
  }

  // InvalidArgument naming the first key that was never asked for.
  Status RejectUnknown() const {
    if (!table_) return Status::OK();
    for (const auto& [k, v] : *table_) {
      if (!used_.count(std::string(k.str()))) {
        return Status::InvalidArgument(fmt::format("unknown key '{}'", Name(k.str())));
      }
    }
    return Status::OK();
  }

  std::string Name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  Status Bad(std::string_view key, std::string_view why) const {
    return Status::InvalidArgument(fmt::format("{}: {}", Name(key), why));
  }
  Status Missing(std::string_view key) const {
    return Status::InvalidArgument(fmt::format("{}: required key is missing", Name(key)));
  }

 private:
  const toml::node* Find(std::string_view key) {
    used_.insert(std::string(key));
    return table_ ? table_->get(key) : nullptr;
  }
  const toml::table* table_;
  std::string path_;
  std::set<std::string> used_;
};

// A store URL whose path is relative is resolved against the config's folder.
std::string ResolveUrl(const std::string& url, std::string_view base_dir) {
  if (url.empty() || base_dir.empty()) return url;
  std::string scheme, path = url;
  if (url.starts_with("file://")) {
    scheme = "file://";
    path = url.substr(7);
  } else if (url.starts_with("sqlite:") && !url.starts_with("sqlite://")) {
    scheme = "sqlite:";
    path = url.substr(7);
  } else if (url.find("://") != std::string::npos) {
    return url;
  }
  if (path.empty() || path.front() == '/' || path == ":memory:") return url;
  return scheme + (std::filesystem::path(std::string(base_dir)) / path).lexically_normal().string();
}

Status ReadStream(TableReader& t, StreamConfig* s, const StreamConfig* defaults) {
  if (defaults) *s = *defaults;
  RETURN_IF_ERROR(t.String("url", &s->url, true));
  RETURN_IF_ERROR(t.String("layout", &s->layout));
  RETURN_IF_ERROR(t.Duration("period", &s->period));
  if (s->period <= 0 || s->period % kMicrosPerMinute != 0) {
    return t.Bad("period", "must be a positive whole number of minutes");
  }
  std::string format;
  RETURN_IF_ERROR(t.String("format", &format));
  if (format == "delta") {
    // A Delta Lake table: its log names its files, which are Parquet.
    s->kind = SourceKind::kDeltaTable;
    s->format = FileFormat::kParquet;
  } else if (!format.empty()) {
    auto f = ParseFileFormat(format);
    if (!f.ok()) {
      return t.Bad("format", fmt::format("'{}' is not one of jsonl, parquet, delta", format));
    }
    s->kind = SourceKind::kFolders;
    s->format = *f;
  }
  return Status::OK();
}

// Reads sub-table `key` of `t`, one key per text column (`text`), each by
// read(table, column); InvalidArgument naming a key that is not a text column.
template <typename Read>
Status ReadTextColumnOverrides(TableReader& t, std::string_view key,
                               const std::vector<std::string>& text, Read&& read) {
  Status st;
  TableReader overrides(t.SubTable(key, &st), t.Name(key));
  RETURN_IF_ERROR(st);
  for (const std::string& column : overrides.Keys()) {
    if (std::find(text.begin(), text.end(), column) == text.end()) {
      return overrides.Bad(
          column, fmt::format("'{}' is not one of the text columns ({})", column, t.Name("text")));
    }
    RETURN_IF_ERROR(read(overrides, column));
  }
  return Status::OK();
}

Status ReadRoles(TableReader& t, ColumnRoles* r, std::string_view id_key) {
  RETURN_IF_ERROR(t.String(id_key, &r->id, true));
  RETURN_IF_ERROR(t.String("version", &r->version, true));
  std::string version_format;
  RETURN_IF_ERROR(t.String("version_format", &version_format));
  if (version_format == "integer" || version_format.empty()) {
    r->version_format = ColumnRoles::VersionFormat::kInteger;
  } else if (version_format == "timestamp") {
    r->version_format = ColumnRoles::VersionFormat::kTimestamp;
  } else {
    return t.Bad("version_format",
                 fmt::format("'{}' is not one of integer, timestamp", version_format));
  }
  RETURN_IF_ERROR(t.String("op", &r->op));
  RETURN_IF_ERROR(t.StringList("delete_values", &r->delete_values));
  RETURN_IF_ERROR(t.StringList("text", &r->text));
  RETURN_IF_ERROR(t.StringList("keyword", &r->keyword));
  RETURN_IF_ERROR(t.StringList("numeric", &r->numeric));
  RETURN_IF_ERROR(t.StringList("stored", &r->stored));
  RETURN_IF_ERROR(t.Analyzer("analyzer", &r->analyzer));
  RETURN_IF_ERROR(ReadTextColumnOverrides(t, "analyzers", r->text,
                                          [&](TableReader& o, const std::string& column) {
                                            return o.Analyzer(column, &r->analyzers[column]);
                                          }));
  RETURN_IF_ERROR(t.Bool("positions", &r->positions));
  RETURN_IF_ERROR(ReadTextColumnOverrides(t, "positions_by_column", r->text,
                                          [&](TableReader& o, const std::string& column) {
                                            bool keep = r->positions;
                                            RETURN_IF_ERROR(o.Bool(column, &keep));
                                            r->positions_by_column[column] = keep;
                                            return Status::OK();
                                          }));
  return Status::OK();
}

void AddUnique(std::vector<std::string>* out, const std::string& name) {
  if (name.empty()) return;
  for (const auto& n : *out) {
    if (n == name) return;
  }
  out->push_back(name);
}

std::vector<std::string> Projection(const ColumnRoles& r, const std::string& extra) {
  std::vector<std::string> out;
  AddUnique(&out, r.id);
  AddUnique(&out, extra);
  AddUnique(&out, r.version);
  AddUnique(&out, r.op);
  for (const auto* list : {&r.text, &r.keyword, &r.numeric, &r.stored}) {
    for (const auto& c : *list) AddUnique(&out, c);
  }
  return out;
}

}  // namespace

std::string_view LagPolicyName(LagPolicy policy) {
  switch (policy) {
    case LagPolicy::kLatest:
      return "latest";
    case LagPolicy::kSequential:
      return "sequential";
    case LagPolicy::kBounded:
      return "bounded";
  }
  return "?";
}

std::string Aggregate::FieldName(std::string_view prefix) const {
  if (column.empty()) return fmt::format("{}{}", prefix, function);
  return fmt::format("{}{}_{}", prefix, function, column);
}

std::vector<std::string> PipelineConfig::DocProjection() const {
  return Projection(columns, group_key);
}

std::vector<std::string> PipelineConfig::GroupProjection() const {
  return Projection(group_columns, "");
}

namespace {

// The config a parsed TOML document describes; errors name the key.
Result<PipelineConfig> ConfigFromToml(const toml::table& root, std::string_view base_dir) {
  PipelineConfig c;
  Status st;
  TableReader top(&root, "");
  TableReader pipeline(top.SubTable("pipeline", &st), "pipeline");
  RETURN_IF_ERROR(st);
  if (!pipeline.present()) return top.Missing("pipeline");
  RETURN_IF_ERROR(pipeline.String("name", &c.name, true));
  if (c.name.empty() || c.name.find_first_of("/ \t\n") != std::string::npos) {
    return pipeline.Bad("name", "must be non-empty, without spaces or '/'");
  }
  RETURN_IF_ERROR(pipeline.String("metastore", &c.metastore));
  RETURN_IF_ERROR(pipeline.String("output", &c.output, true));
  std::string policy;
  RETURN_IF_ERROR(pipeline.String("lag_policy", &policy));
  if (policy == "latest" || policy.empty()) {
    c.lag_policy = LagPolicy::kLatest;
  } else if (policy == "sequential") {
    c.lag_policy = LagPolicy::kSequential;
  } else if (policy == "bounded") {
    c.lag_policy = LagPolicy::kBounded;
  } else {
    return pipeline.Bad("lag_policy",
                        fmt::format("'{}' is not one of latest, sequential, bounded", policy));
  }
  RETURN_IF_ERROR(pipeline.Duration("max_lag", &c.max_lag));
  RETURN_IF_ERROR(pipeline.Duration("cadence", &c.cadence));
  if (c.cadence <= 0) return pipeline.Bad("cadence", "must be positive");
  RETURN_IF_ERROR(pipeline.Duration("lease_ttl", &c.lease_ttl));
  if (c.lease_ttl < kMicrosPerSecond) return pipeline.Bad("lease_ttl", "must be at least 1s");
  RETURN_IF_ERROR(pipeline.Duration("retention", &c.retention));
  std::string bad;
  RETURN_IF_ERROR(pipeline.String("bad_records", &bad));
  if (bad == "skip" || bad.empty()) {
    c.bad_records = BadRecordPolicy::kSkip;
  } else if (bad == "stop") {
    c.bad_records = BadRecordPolicy::kStop;
  } else {
    return pipeline.Bad("bad_records", fmt::format("'{}' is not one of skip, stop", bad));
  }
  RETURN_IF_ERROR(pipeline.Int("threads", &c.threads, 0, 256));
  RETURN_IF_ERROR(pipeline.Int("shards", &c.shards, 1, 256));
  RETURN_IF_ERROR(pipeline.Int("segment_format", &c.segment_format, 3,
                               static_cast<int>(kSegmentFormatVersion)));
  RETURN_IF_ERROR(pipeline.Int("delta_layers", &c.delta_layers, 1, 1000));
  RETURN_IF_ERROR(pipeline.Fraction("max_shrink", &c.max_shrink));
  RETURN_IF_ERROR(
      pipeline.RatioOrDuration("compact_after", &c.compact_after_ratio, &c.compact_after_age));
  RETURN_IF_ERROR(pipeline.ByteSize("memory_budget", &c.memory_budget, 16ull << 20));
  RETURN_IF_ERROR(pipeline.String("spill_dir", &c.spill_dir));
  if (!c.spill_dir.empty() && !base_dir.empty() && c.spill_dir.front() != '/') {
    c.spill_dir =
        (std::filesystem::path(std::string(base_dir)) / c.spill_dir).lexically_normal().string();
  }
  RETURN_IF_ERROR(pipeline.RejectUnknown());

  TableReader source(top.SubTable("source", &st), "source");
  RETURN_IF_ERROR(st);
  if (!source.present()) return top.Missing("source");
  RETURN_IF_ERROR(ReadStream(source, &c.source, nullptr));
  RETURN_IF_ERROR(source.RejectUnknown());

  TableReader readiness(top.SubTable("readiness", &st), "readiness");
  RETURN_IF_ERROR(st);
  RETURN_IF_ERROR(readiness.String("marker", &c.marker));
  RETURN_IF_ERROR(readiness.Duration("delay", &c.delay));
  RETURN_IF_ERROR(readiness.RejectUnknown());

  TableReader columns(top.SubTable("columns", &st), "columns");
  RETURN_IF_ERROR(st);
  if (!columns.present()) return top.Missing("columns");
  RETURN_IF_ERROR(ReadRoles(columns, &c.columns, "doc_id"));
  RETURN_IF_ERROR(columns.String("group_key", &c.group_key, true));
  RETURN_IF_ERROR(columns.RejectUnknown());

  TableReader group(top.SubTable("group", &st), "group");
  RETURN_IF_ERROR(st);
  if (group.present()) {
    c.has_group = true;
    RETURN_IF_ERROR(ReadStream(group, &c.group_source, &c.source));
    RETURN_IF_ERROR(ReadRoles(group, &c.group_columns, "key"));
    RETURN_IF_ERROR(group.String("prefix", &c.group_prefix));
    std::vector<std::string> aggs;
    RETURN_IF_ERROR(group.StringList("aggregates", &aggs));
    for (size_t i = 0; i < aggs.size(); ++i) {
      const std::string& a = aggs[i];
      Aggregate agg;
      size_t colon = a.find(':');
      agg.function = a.substr(0, colon);
      if (colon != std::string::npos) agg.column = a.substr(colon + 1);
      bool known = agg.function == "count" || agg.function == "min" || agg.function == "max" ||
                   agg.function == "sum" || agg.function == "avg";
      bool column_ok = agg.function == "count"
                           ? agg.column.empty()
                           : std::find(c.columns.numeric.begin(), c.columns.numeric.end(),
                                       agg.column) != c.columns.numeric.end();
      if (!known || !column_ok) {
        return Status::InvalidArgument(fmt::format(
            "group.aggregates[{}]: '{}' is not count, or min|max|sum|avg:COLUMN with a column "
            "listed in columns.numeric",
            i, a));
      }
      c.aggregates.push_back(agg);
    }
    RETURN_IF_ERROR(group.RejectUnknown());
  }

  TableReader base(top.SubTable("base", &st), "base");
  RETURN_IF_ERROR(st);
  RETURN_IF_ERROR(base.String("snapshot", &c.snapshot_url));
  RETURN_IF_ERROR(base.String("docs", &c.snapshot_docs));
  RETURN_IF_ERROR(base.String("groups", &c.snapshot_groups));
  RETURN_IF_ERROR(base.RejectUnknown());
  RETURN_IF_ERROR(top.RejectUnknown());

  c.metastore = ResolveUrl(c.metastore, base_dir);
  c.output = ResolveUrl(c.output, base_dir);
  c.source.url = ResolveUrl(c.source.url, base_dir);
  c.group_source.url = ResolveUrl(c.group_source.url, base_dir);
  c.snapshot_url = ResolveUrl(c.snapshot_url, base_dir);
  return c;
}

}  // namespace

Result<PipelineConfig> ParsePipelineConfig(std::string_view text, std::string_view origin,
                                           std::string_view base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(fmt::format("{}:{}:{}: {}", origin, e.source().begin.line,
                                               e.source().begin.column, e.description()));
  }
  auto config = ConfigFromToml(root, base_dir);
  if (!config.ok()) return config.status().WithContext(origin);  // "FILE: KEY: what is wrong"
  return config;
}

Result<PipelineConfig> LoadPipelineConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("config file '{}' cannot be read", path));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  return ParsePipelineConfig(ss.str(), path, dir.empty() ? std::string_view(".") : dir.native());
}

}  // namespace freshet
