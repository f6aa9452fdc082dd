#include "source/delta_log.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <set>

#include "common/parallel.h"
#include "format/parquet/parquet_reader.h"
#include "storage/s3_signing.h"

namespace freshet {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Rows of a checkpoint decoded at a time.
constexpr int64_t kCheckpointBatchRows = 4096;

// One line of a commit file, for errors.
struct LineRef {
  std::string_view file;
  uint64_t line = 0;
  uint64_t offset = 0;
  Status Bad(std::string_view action, std::string_view why) const {
    return Status::Corruption(fmt::format("{}: line {} (byte offset {}): {} action: {}", file, line,
                                          offset, action, why));
  }
};

Status GetString(const LineRef& at, std::string_view action, object o, std::string_view field,
                 std::string* out, bool required) {
  element e;
  if (o[field].get(e) || e.is_null()) {
    if (!required) return Status::OK();
    return at.Bad(action, fmt::format("'{}' is missing", field));
  }
  std::string_view s;
  if (e.get(s)) return at.Bad(action, fmt::format("'{}' is not a string", field));
  *out = std::string(s);
  return Status::OK();
}

Status GetInt(const LineRef& at, std::string_view action, object o, std::string_view field,
              int64_t* out, bool required) {
  element e;
  if (o[field].get(e) || e.is_null()) {
    if (!required) return Status::OK();
    return at.Bad(action, fmt::format("'{}' is missing", field));
  }
  if (e.get(*out)) return at.Bad(action, fmt::format("'{}' is not an integer", field));
  return Status::OK();
}

Status GetBool(const LineRef& at, std::string_view action, object o, std::string_view field,
               bool* out) {
  element e;
  if (o[field].get(e) || e.is_null()) return Status::OK();
  if (e.get(*out)) return at.Bad(action, fmt::format("'{}' is not a boolean", field));
  return Status::OK();
}

Status GetStrings(const LineRef& at, std::string_view action, object o, std::string_view field,
                  std::vector<std::string>* out) {
  element e;
  if (o[field].get(e) || e.is_null()) return Status::OK();
  simdjson::dom::array arr;
  if (e.get(arr)) return at.Bad(action, fmt::format("'{}' is not an array", field));
  for (element item : arr) {
    std::string_view s;
    if (item.get(s)) return at.Bad(action, fmt::format("'{}' holds a non-string", field));
    out->emplace_back(s);
  }
  return Status::OK();
}

// A JSON object of strings (nulls allowed when `nulls`).
Status GetStringMap(const LineRef& at, std::string_view action, object o, std::string_view field,
                    bool required, std::map<std::string, std::optional<std::string>>* out) {
  element e;
  if (o[field].get(e) || e.is_null()) {
    if (!required) return Status::OK();
    return at.Bad(action, fmt::format("'{}' is missing", field));
  }
  object m;
  if (e.get(m)) return at.Bad(action, fmt::format("'{}' is not an object", field));
  for (auto [key, value] : m) {
    if (value.is_null()) {
      (*out)[std::string(key)] = std::nullopt;
      continue;
    }
    std::string_view s;
    if (value.get(s)) {
      return at.Bad(action, fmt::format("'{}' holds a non-string value for '{}'", field, key));
    }
    (*out)[std::string(key)] = std::string(s);
  }
  return Status::OK();
}

Status ParseFileAction(const LineRef& at, std::string_view action, element e, bool is_add,
                       DeltaFileAction* f) {
  object o;
  if (e.get(o)) return at.Bad(action, "not an object");
  std::string path;
  RETURN_IF_ERROR(GetString(at, action, o, "path", &path, true));
  f->path = UriDecode(path, /*plus_is_space=*/false);
  RETURN_IF_ERROR(GetStringMap(at, action, o, "partitionValues", is_add, &f->partition_values));
  int64_t size = 0;
  RETURN_IF_ERROR(GetInt(at, action, o, "size", &size, is_add));
  if (size < 0) return at.Bad(action, fmt::format("'size' {} is negative", size));
  f->size = static_cast<uint64_t>(size);
  RETURN_IF_ERROR(GetInt(at, action, o, "modificationTime", &f->modification_time, is_add));
  RETURN_IF_ERROR(GetBool(at, action, o, "dataChange", &f->data_change));
  element dv;
  f->has_deletion_vector = !o["deletionVector"].get(dv) && !dv.is_null();
  return Status::OK();
}

Status ParseProtocol(const LineRef& at, element e, DeltaProtocol* p) {
  object o;
  if (e.get(o)) return at.Bad("protocol", "not an object");
  RETURN_IF_ERROR(GetInt(at, "protocol", o, "minReaderVersion", &p->min_reader_version, true));
  RETURN_IF_ERROR(GetInt(at, "protocol", o, "minWriterVersion", &p->min_writer_version, false));
  return GetStrings(at, "protocol", o, "readerFeatures", &p->reader_features);
}

Status ParseMetadata(const LineRef& at, element e, DeltaMetadata* m) {
  object o;
  if (e.get(o)) return at.Bad("metaData", "not an object");
  RETURN_IF_ERROR(GetString(at, "metaData", o, "id", &m->id, true));
  element format;
  if (!o["format"].get(format) && !format.is_null()) {
    object fo;
    if (format.get(fo)) return at.Bad("metaData", "'format' is not an object");
    RETURN_IF_ERROR(GetString(at, "metaData", fo, "provider", &m->provider, false));
  }
  RETURN_IF_ERROR(GetStrings(at, "metaData", o, "partitionColumns", &m->partition_columns));
  std::map<std::string, std::optional<std::string>> configuration;
  RETURN_IF_ERROR(GetStringMap(at, "metaData", o, "configuration", false, &configuration));
  for (auto& [k, v] : configuration) {
    if (v) m->configuration[k] = std::move(*v);
  }
  return Status::OK();
}

void Apply(DeltaCommit commit, DeltaSnapshot* s) {
  if (commit.protocol) s->protocol = std::move(*commit.protocol);
  if (commit.metadata) s->metadata = std::move(*commit.metadata);
  // Removes first: a commit may remove a path and add it again (e.g. with
  // a new deletion vector).
  for (const DeltaFileAction& f : commit.removed) s->files.erase(f.path);
  for (DeltaFileAction& f : commit.added) {
    std::string path = f.path;
    s->files.insert_or_assign(std::move(path), std::move(f));
  }
  s->version = commit.version;
  ++s->commits_read;
}

// What _delta_log/ holds: commit versions and whole checkpoints.
struct LogListing {
  std::set<int64_t> commits;
  // Checkpoint version -> the keys of one whole set of parts, in part order.
  std::map<int64_t, std::vector<std::string>> checkpoints;
};

// Parses a run of exactly `n` digits at `*s`, advancing it.
bool TakeDigits(std::string_view* s, size_t n, int64_t* out) {
  if (s->size() < n) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = (*s)[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  s->remove_prefix(n);
  *out = v;
  return true;
}

bool TakeLiteral(std::string_view* s, std::string_view lit) {
  if (!s->starts_with(lit)) return false;
  s->remove_prefix(lit.size());
  return true;
}

Result<LogListing> ListLog(ObjectStore& table) {
  ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, table.List(kDeltaLogFolder));
  LogListing out;
  // Multi-part checkpoints: version -> parts announced -> part -> key.
  std::map<int64_t, std::map<int64_t, std::map<int64_t, std::string>>> parts;
  for (const ObjectInfo& o : objects) {
    std::string_view name(o.key);
    if (!TakeLiteral(&name, kDeltaLogFolder)) continue;
    int64_t version = 0;
    if (!TakeDigits(&name, 20, &version)) continue;  // _last_checkpoint, _commits/, ...
    if (name == ".json") {
      out.commits.insert(version);
    } else if (name == ".checkpoint.parquet") {
      out.checkpoints[version] = {o.key};
    } else if (int64_t part = 0, of = 0; TakeLiteral(&name, ".checkpoint.") &&
                                         TakeDigits(&name, 10, &part) && TakeLiteral(&name, ".") &&
                                         TakeDigits(&name, 10, &of) && name == ".parquet" &&
                                         part >= 1 && part <= of) {
      parts[version][of][part] = o.key;
    }
    // Others (.crc, log compactions, V2 checkpoints' UUID names) are not read.
  }
  for (auto& [version, by_count] : parts) {
    for (auto& [of, keys] : by_count) {
      if (static_cast<int64_t>(keys.size()) != of || out.checkpoints.count(version)) continue;
      std::vector<std::string>& whole = out.checkpoints[version];
      for (auto& [part, key] : keys) whole.push_back(std::move(key));
    }
  }
  return out;
}

// The checkpoint version _last_checkpoint names, if it is readable.
std::optional<int64_t> LastCheckpointHint(ObjectStore& table) {
  auto text = table.Get(std::string(kDeltaLogFolder) + "_last_checkpoint");
  if (!text.ok()) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(*text);
  element doc;
  int64_t version = 0;
  if (parser.parse(padded).get(doc) || doc["version"].get(version)) return std::nullopt;
  return version;
}

// The dotted path of the first leaf under `prefix` ending with `suffix`.
std::optional<std::string> FindLeaf(const parquet::ParquetSchema& schema, std::string_view prefix,
                                    std::string_view suffix) {
  for (const parquet::LeafColumn& leaf : schema.leaves()) {
    if (leaf.path.starts_with(prefix) && leaf.path.ends_with(suffix)) return leaf.path;
  }
  return std::nullopt;
}

// Reads one checkpoint part into `s`: its protocol, metadata and files.
Status ReadCheckpointPart(ObjectStore& table, const std::string& key, DeltaSnapshot* s) {
  ASSIGN_OR_RETURN(ObjectInfo info, table.Head(key));
  ASSIGN_OR_RETURN(std::unique_ptr<parquet::ParquetFile> file,
                   parquet::ParquetFile::Open(table, info));
  const parquet::ParquetSchema& schema = file->schema();
  enum Col {
    kReaderVersion,
    kWriterVersion,
    kReaderFeatures,
    kMetadataId,
    kProvider,
    kPartitionColumns,
    kConfigKeys,
    kConfigValues,
    kAddPath,
    kAddPartitionKeys,
    kAddPartitionValues,
    kAddSize,
    kAddModificationTime,
    kAddDeletionVector,
    kColumns
  };
  struct Wanted {
    std::string_view prefix, suffix;  // of the leaf's dotted path
    bool required;
  };
  static constexpr Wanted kWanted[kColumns] = {
      {"protocol.minReaderVersion", "", true},
      {"protocol.minWriterVersion", "", false},
      {"protocol.readerFeatures.", "", false},
      {"metaData.id", "", true},
      {"metaData.format.provider", "", false},
      {"metaData.partitionColumns.", "", false},
      {"metaData.configuration.", ".key", false},
      {"metaData.configuration.", ".value", false},
      {"add.path", "", true},
      {"add.partitionValues.", ".key", false},
      {"add.partitionValues.", ".value", false},
      {"add.size", "", true},
      {"add.modificationTime", "", false},
      {"add.deletionVector.storageType", "", false},
  };
  std::optional<std::string> paths[kColumns];
  for (int c = 0; c < kColumns; ++c) {
    paths[c] = FindLeaf(schema, kWanted[c].prefix, kWanted[c].suffix);
    if (!paths[c] && kWanted[c].required) {
      return Status::Corruption(fmt::format("checkpoint '{}': no column {}{}", key,
                                            kWanted[c].prefix, kWanted[c].suffix));
    }
  }
  std::vector<std::optional<parquet::ColumnDescriptor>> columns(kColumns);
  for (int c = 0; c < kColumns; ++c) {
    if (!paths[c]) continue;
    auto d = schema.DescribeLeaf(file->metadata(), *paths[c]);
    if (!d.ok()) return d.status().WithContext(fmt::format("checkpoint '{}'", key));
    columns[c] = std::move(*d);
  }
  const auto& groups = file->metadata().row_groups;
  std::vector<ColumnBatch> batch(kColumns);
  auto text = [&](int c, size_t row) -> std::optional<std::string> {
    if (!columns[c] || batch[c].types[row] != ValueType::kString) return std::nullopt;
    return std::string(batch[c].strings[row]);
  };
  auto number = [&](int c, size_t row) -> std::optional<int64_t> {
    if (!columns[c] || batch[c].types[row] != ValueType::kInt64) return std::nullopt;
    return batch[c].ints[row];
  };
  auto list = [&](int c, size_t row) -> std::vector<std::string> {
    if (!columns[c] || batch[c].types[row] != ValueType::kStringList) return {};
    return batch[c].lists[row];
  };
  // Takes the actions of rows [0, rows) of the batch.
  auto take_rows = [&](size_t rows) -> Status {
    for (size_t r = 0; r < rows; ++r) {
      if (auto v = number(kReaderVersion, r)) {
        s->protocol =
            DeltaProtocol{*v, number(kWriterVersion, r).value_or(0), list(kReaderFeatures, r)};
      }
      if (auto id = text(kMetadataId, r)) {
        DeltaMetadata m;
        m.id = *id;
        m.provider = text(kProvider, r).value_or("parquet");
        m.partition_columns = list(kPartitionColumns, r);
        std::vector<std::string> keys = list(kConfigKeys, r), values = list(kConfigValues, r);
        for (size_t i = 0; i < keys.size() && i < values.size(); ++i) {
          m.configuration[keys[i]] = values[i];
        }
        s->metadata = std::move(m);
      }
      std::optional<std::string> path = text(kAddPath, r);
      if (!path) continue;
      DeltaFileAction f;
      f.path = UriDecode(*path, /*plus_is_space=*/false);
      std::vector<std::string> keys = list(kAddPartitionKeys, r);
      std::vector<std::string> values = list(kAddPartitionValues, r);
      // Null values are left out of the list: then which key they belong to
      // is unknown, and every value of the file reads as null.
      for (size_t i = 0; i < keys.size(); ++i) {
        f.partition_values[keys[i]] =
            values.size() == keys.size() ? std::optional<std::string>(values[i]) : std::nullopt;
      }
      f.size = static_cast<uint64_t>(std::max<int64_t>(number(kAddSize, r).value_or(0), 0));
      f.modification_time = number(kAddModificationTime, r).value_or(0);
      f.has_deletion_vector = text(kAddDeletionVector, r).has_value();
      std::string p = f.path;
      s->files.insert_or_assign(std::move(p), std::move(f));
    }
    return Status::OK();
  };
  for (size_t g = 0; g < groups.size(); ++g) {
    if (groups[g].num_rows < 0) {
      return Status::Corruption(
          fmt::format("checkpoint '{}': row group {} has {} rows", key, g, groups[g].num_rows));
    }
    std::vector<std::unique_ptr<parquet::ColumnChunkReader>> readers(kColumns);
    for (int c = 0; c < kColumns; ++c) {
      if (!columns[c]) continue;
      ASSIGN_OR_RETURN(readers[c], file->OpenColumn(g, *columns[c], {}));
    }
    // A batch at a time: the row count is the footer's word, not checked yet.
    for (int64_t left = groups[g].num_rows; left > 0;) {
      const size_t rows = static_cast<size_t>(std::min<int64_t>(left, kCheckpointBatchRows));
      left -= static_cast<int64_t>(rows);
      for (int c = 0; c < kColumns; ++c) {
        if (readers[c]) RETURN_IF_ERROR(readers[c]->Read(rows, &batch[c]));
      }
      RETURN_IF_ERROR(take_rows(rows));
    }
  }
  return Status::OK();
}

}  // namespace

std::string DeltaCommitKey(int64_t version) {
  return fmt::format("{}{:020d}.json", kDeltaLogFolder, version);
}

Result<DeltaCommit> ParseDeltaCommit(std::string_view name, std::string_view text) {
  DeltaCommit out;
  simdjson::dom::parser parser;
  LineRef at{name, 0, 0};
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    ++at.line;
    at.offset = pos;
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    element doc;
    if (auto err = parser.parse(line.data(), line.size()).get(doc)) {
      return Status::Corruption(fmt::format("{}: line {} (byte offset {}): not JSON: {}", name,
                                            at.line, at.offset, simdjson::error_message(err)));
    }
    object actions;
    if (doc.get(actions)) {
      return Status::Corruption(
          fmt::format("{}: line {} (byte offset {}): not a JSON object", name, at.line, at.offset));
    }
    for (auto [key, value] : actions) {
      if (key == "add" || key == "remove") {
        DeltaFileAction f;
        RETURN_IF_ERROR(ParseFileAction(at, key, value, key == "add", &f));
        (key == "add" ? out.added : out.removed).push_back(std::move(f));
      } else if (key == "protocol") {
        RETURN_IF_ERROR(ParseProtocol(at, value, &out.protocol.emplace()));
      } else if (key == "metaData") {
        RETURN_IF_ERROR(ParseMetadata(at, value, &out.metadata.emplace()));
      }
      // commitInfo, txn, cdc, domainMetadata and actions added later do not
      // change which files hold the table's rows.
    }
  }
  return out;
}

const std::vector<std::string>& DeltaReaderFeatures() {
  // Features that change nothing for a reader of Parquet rows by column
  // name: timestamps without a time zone read as any timestamp does; the
  // vacuum check only guards writers that VACUUM.
  static const std::vector<std::string> kSupported = {"timestampNtz", "vacuumProtocolCheck"};
  return kSupported;
}

Status CheckDeltaReadable(std::string_view table, const DeltaProtocol& protocol,
                          const DeltaMetadata& metadata) {
  auto refuse = [&](std::string_view what) {
    return Status::NotSupported(
        fmt::format("Delta table {}: needs what freshet does not implement: reader feature "
                    "{} (the table is not read)",
                    table, what));
  };
  if (protocol.min_reader_version < 1 || protocol.min_reader_version > 3) {
    return Status::NotSupported(fmt::format(
        "Delta table {}: reader version {} is not supported (freshet reads versions 1 to 3)", table,
        protocol.min_reader_version));
  }
  if (protocol.min_reader_version == 3) {
    std::string missing;
    for (const std::string& f : protocol.reader_features) {
      const auto& ok = DeltaReaderFeatures();
      if (std::find(ok.begin(), ok.end(), f) != ok.end()) continue;
      missing += (missing.empty() ? "" : ", ") + f;
    }
    if (!missing.empty()) return refuse(missing);
  }
  auto mode = metadata.configuration.find("delta.columnMapping.mode");
  if (mode != metadata.configuration.end() && mode->second != "none") {
    return refuse(fmt::format("columnMapping (mode '{}')", mode->second));
  }
  if (metadata.provider != "parquet") {
    return Status::NotSupported(fmt::format(
        "Delta table {}: data files in format '{}', not parquet", table, metadata.provider));
  }
  return Status::OK();
}

Result<std::vector<DeltaCommit>> ReadDeltaCommits(ObjectStore& table, int64_t first, int64_t last) {
  if (first > last) return std::vector<DeltaCommit>{};
  const size_t n = static_cast<size_t>(last - first + 1);
  std::vector<Result<DeltaCommit>> read(n, Status::NotFound(""));
  // Each commit is one small GET: kRemoteReadsInFlight at a time.
  ParallelFor(n, kRemoteReadsInFlight, [&](size_t i) {
    const int64_t version = first + static_cast<int64_t>(i);
    const std::string key = DeltaCommitKey(version);
    auto text = table.Get(key);
    if (!text.ok()) {
      read[i] = text.status().WithContext(
          fmt::format("Delta table {}: commit {}", table.Describe(), version));
      return;
    }
    read[i] = ParseDeltaCommit(JoinKey(table.Describe(), key), *text);
    if (read[i].ok()) read[i]->version = version;
  });
  std::vector<DeltaCommit> out;
  out.reserve(n);
  for (auto& r : read) {
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  return out;
}

Result<DeltaSnapshot> LoadDeltaSnapshot(ObjectStore& table, std::optional<DeltaSnapshot> previous) {
  ASSIGN_OR_RETURN(LogListing log, ListLog(table));
  int64_t latest = -1;
  if (!log.commits.empty()) latest = *log.commits.rbegin();
  if (!log.checkpoints.empty()) latest = std::max(latest, log.checkpoints.rbegin()->first);
  if (latest < 0) {
    return Status::NotFound(fmt::format("{}: not a Delta table: {} holds no commit",
                                        table.Describe(), kDeltaLogFolder));
  }
  if (previous && previous->version > latest) {
    return Status::FailedPrecondition(fmt::format(
        "Delta table {}: its newest version is {}, older than version {} read before (was the "
        "table replaced?)",
        table.Describe(), latest, previous->version));
  }
  // Whether the commits first..latest are all listed.
  auto listed_from = [&](int64_t first) {
    for (int64_t v = first; v <= latest; ++v) {
      if (!log.commits.count(v)) return v;
    }
    return int64_t{-1};
  };
  DeltaSnapshot s;
  int64_t first = 0;
  if (previous && listed_from(previous->version + 1) < 0) {
    first = previous->version + 1;
    s = std::move(*previous);
  } else {
    std::optional<int64_t> checkpoint;
    std::optional<int64_t> hint = LastCheckpointHint(table);
    if (hint && *hint <= latest && log.checkpoints.count(*hint)) {
      checkpoint = hint;
    } else {
      for (auto it = log.checkpoints.rbegin(); it != log.checkpoints.rend(); ++it) {
        if (it->first <= latest) {
          checkpoint = it->first;
          break;
        }
      }
    }
    if (checkpoint) {
      for (const std::string& key : log.checkpoints[*checkpoint]) {
        RETURN_IF_ERROR(ReadCheckpointPart(table, key, &s)
                            .WithContext(fmt::format("Delta table {}", table.Describe())));
      }
      s.version = *checkpoint;
      s.checkpoint_version = *checkpoint;
      first = *checkpoint + 1;
    }
  }
  s.commits_read = 0;
  if (int64_t missing = listed_from(first); missing >= 0) {
    return Status::Corruption(
        fmt::format("Delta table {}: commit {} is missing from {} (versions {} to {} are needed{})",
                    table.Describe(), DeltaCommitKey(missing), kDeltaLogFolder, first, latest,
                    s.checkpoint_version < 0 ? ", no checkpoint was found" : ""));
  }
  ASSIGN_OR_RETURN(std::vector<DeltaCommit> commits, ReadDeltaCommits(table, first, latest));
  for (DeltaCommit& c : commits) Apply(std::move(c), &s);
  if (s.metadata.id.empty()) {
    return Status::Corruption(fmt::format("Delta table {}: no metaData action up to version {}",
                                          table.Describe(), latest));
  }
  RETURN_IF_ERROR(CheckDeltaReadable(table.Describe(), s.protocol, s.metadata));
  for (const auto& [path, f] : s.files) {
    if (f.has_deletion_vector) {
      return Status::NotSupported(fmt::format(
          "Delta table {}: file '{}' has a deletion vector (reader feature deletionVectors), "
          "which freshet does not implement (the table is not read)",
          table.Describe(), path));
    }
  }
  return s;
}

}  // namespace freshet
