#include "pipeline/chain_record.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "common/hash.h"
#include "common/json.h"
#include "common/parallel.h"
#include "index/analyzer.h"
#include "index/manifest.h"

namespace freshet {
namespace {

// The format written; format 1 is still read (chain_record.h).
constexpr int64_t kChainRecordFormat = 2;
// The checksum member, last in the object.
constexpr TrailingChecksum kChecksum{",\"checksum\":\"", "\"}\n"};

void WriteRoles(JsonWriter& w, std::string_view name, const ColumnRoles& roles) {
  w.Key(name).BeginObject();
  w.Field("id", roles.id).Field("version", roles.version);
  w.Field("version_format",
          roles.version_format == ColumnRoles::VersionFormat::kTimestamp ? "timestamp" : "integer");
  w.Field("op", roles.op).Key("delete_values").BeginArray();
  for (const auto& v : roles.delete_values) w.Value(v);
  w.EndArray().EndObject();
}

void WriteStream(JsonWriter& w, std::string_view name, const StreamConfig& stream) {
  w.Key(name).BeginObject();
  w.Field("layout", stream.layout).Field("period", stream.period);
  w.Field("format", FileFormatName(stream.format)).EndObject();
}

void WriteFiles(JsonWriter& w, std::string_view name, const std::vector<InputFile>& files) {
  w.Key(name).BeginArray();
  for (const InputFile& f : files) {
    w.BeginObject().Field("key", f.key).Field("fingerprint", f.fingerprint);
    w.Field("partition", FormatTimestamp(f.partition));
    w.Field("records", f.records).Field("bad_records", f.bad_records);
    if (!f.deletes.empty()) {
      w.Key("deletes").BeginArray();
      for (const auto& [id, version] : f.deletes) {
        w.BeginArray().Value(id).Value(version).EndArray();
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string ConfigFingerprint(const PipelineConfig& config) {
  const SegmentSchema schema = MakeSegmentSchema(config);
  JsonWriter w;
  w.BeginObject();
  auto strings = [&](std::string_view name, const std::vector<std::string>& v) {
    w.Key(name).BeginArray();
    for (const auto& s : v) w.Value(s);
    w.EndArray();
  };
  auto roles = [&](std::string_view name, const std::vector<uint8_t>& v) {
    w.Key(name).BeginArray();
    for (uint8_t r : v) w.Value(static_cast<int>(r));
    w.EndArray();
  };
  strings("doc_columns", schema.doc_columns);
  roles("doc_roles", schema.doc_roles);
  strings("group_columns", schema.group_columns);
  roles("group_roles", schema.group_roles);
  w.Field("group_prefix", schema.group_prefix);
  strings("aggregate_names", schema.aggregate_names);
  if (!schema.AllAscii()) {
    // Only then: the fingerprints of configs from before analyzers stay.
    w.Key("analyzers").BeginArray();
    for (size_t f = 0; f < schema.field_count(); ++f)
      w.Value(AnalyzerName(schema.FieldAnalyzer(f)));
    w.EndArray();
  }
  // Text fields with positions, when there are some (as analyzers).
  std::vector<std::string> with_positions;
  for (size_t f = 0; f < schema.field_count(); ++f) {
    if (schema.FieldPositions(f)) with_positions.push_back(schema.FieldName(f));
  }
  if (!with_positions.empty()) strings("positions", with_positions);
  w.Field("shards", config.shards).Field("group_key", config.group_key);
  WriteRoles(w, "columns", config.columns);
  WriteStream(w, "source", config.source);
  w.Field("has_group", config.has_group);
  if (config.has_group) {
    WriteRoles(w, "group_columns", config.group_columns);
    WriteStream(w, "group_source", config.group_source);
  }
  w.Key("aggregates").BeginArray();
  for (const Aggregate& a : config.aggregates) {
    w.BeginObject().Field("function", a.function).Field("column", a.column).EndObject();
  }
  w.EndArray();
  w.Field("bad_records", config.bad_records == BadRecordPolicy::kStop ? "stop" : "skip");
  w.EndObject();
  return Hex64(Hash64(w.text()));
}

std::vector<InputFile> InputFilesOf(const std::vector<std::shared_ptr<const ParsedFile>>& files) {
  std::vector<InputFile> out;
  out.reserve(files.size());
  for (const auto& f : files) {
    InputFile& in = out.emplace_back(InputFile{f->key, f->fingerprint, f->partition});
    in.records = f->records;
    in.bad_records = f->bad_records;
    for (const auto& [id, version] : f->deletes) in.deletes.emplace_back(std::string(id), version);
  }
  return out;
}

std::string SerializeChainRecord(const ChainRecord& record) {
  JsonWriter w;
  w.BeginObject().Field("format", kChainRecordFormat);
  w.Field("base_cut", FormatTimestamp(record.base_cut));
  w.Field("window_start", FormatTimestamp(record.window_start));
  w.Field("target", FormatTimestamp(record.target));
  w.Field("config", record.config_fingerprint);
  WriteFiles(w, "doc_files", record.doc_files);
  WriteFiles(w, "group_files", record.group_files);
  w.EndObject();
  std::string out = w.Take();
  out.pop_back();  // the closing brace: the checksum member comes last
  return kChecksum.Seal(std::move(out));
}

std::string ChainRecordKey(std::string_view json) {
  return fmt::format("{}{}.json", kInputsPrefix, ContentHash(json));
}

Result<ChainRecord> ParseChainRecord(std::string_view key, std::string_view json) {
  auto bad = [&](std::string_view what) {
    return Status::Corruption(fmt::format("chain record '{}': {}", key, what));
  };
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc)) {
    return bad(fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  }
  std::string_view recorded;
  if (doc["checksum"].get(recorded)) return bad("no 'checksum' member");
  if (auto problem = kChecksum.Problem(json, recorded, "'checksum' is not the last member")) {
    return bad(*problem);
  }
  int64_t format;
  if (doc["format"].get(format)) return bad("missing 'format'");
  if (format != 1 && format != kChainRecordFormat) {
    return Status::NotSupported(
        fmt::format("chain record '{}': format {} is not one this freshet reads (1 to {})", key,
                    format, kChainRecordFormat));
  }
  ChainRecord r;
  r.deletes_known = format >= 2;
  auto get_time = [&](simdjson::dom::element e, std::string_view name, TimeMicros* out) -> Status {
    std::string_view t;
    if (e[name].get(t)) return bad(fmt::format("missing '{}'", name));
    auto parsed = ParseTimestamp(t);
    if (!parsed.ok()) return bad(fmt::format("'{}': {}", name, parsed.status().message()));
    *out = *parsed;
    return Status::OK();
  };
  RETURN_IF_ERROR(get_time(doc, "base_cut", &r.base_cut));
  RETURN_IF_ERROR(get_time(doc, "window_start", &r.window_start));
  RETURN_IF_ERROR(get_time(doc, "target", &r.target));
  std::string_view config;
  if (doc["config"].get(config)) return bad("missing 'config'");
  r.config_fingerprint = std::string(config);
  auto get_files = [&](std::string_view name, std::vector<InputFile>* out) -> Status {
    simdjson::dom::array arr;
    if (doc[name].get(arr)) return bad(fmt::format("missing '{}'", name));
    for (simdjson::dom::element e : arr) {
      InputFile f;
      std::string_view k, fp;
      if (e["key"].get(k) || e["fingerprint"].get(fp)) {
        return bad(fmt::format("malformed entry in '{}'", name));
      }
      f.key = std::string(k);
      f.fingerprint = std::string(fp);
      RETURN_IF_ERROR(get_time(e, "partition", &f.partition));
      if (r.deletes_known) {
        if (e["records"].get(f.records) || e["bad_records"].get(f.bad_records)) {
          return bad(fmt::format("entry '{}' of '{}' has no record counts", f.key, name));
        }
        simdjson::dom::array deletes;
        if (!e["deletes"].get(deletes)) {
          for (simdjson::dom::element d : deletes) {
            simdjson::dom::array pair;
            std::string_view id;
            int64_t version;
            if (d.get(pair) || pair.size() != 2 || pair.at(0).get(id) || pair.at(1).get(version)) {
              return bad(fmt::format("malformed delete in entry '{}' of '{}'", f.key, name));
            }
            f.deletes.emplace_back(std::string(id), version);
          }
        }
      }
      out->push_back(std::move(f));
    }
    return Status::OK();
  };
  RETURN_IF_ERROR(get_files("doc_files", &r.doc_files));
  RETURN_IF_ERROR(get_files("group_files", &r.group_files));
  return r;
}

ChainContinuation ContinueFromRecord(
    const ChainRecord& record, TimeMicros base_cut, TimeMicros window_start,
    const std::string& config_fingerprint,
    const std::vector<std::shared_ptr<const ParsedFile>>& doc_files,
    const std::vector<std::shared_ptr<const ParsedFile>>& group_files,
    const NewestRecords& newest_docs, const IndexView& view, bool want_groups) {
  ChainContinuation out;
  if (record.base_cut != base_cut) {
    out.reason = "base_cut";
  } else if (record.window_start != window_start) {
    out.reason = "window_start";
  } else if (record.config_fingerprint != config_fingerprint) {
    out.reason = "config";
  }
  if (!out.reason.empty()) return out;
  // The files of each stream added since the record; a file of the record
  // that is gone or changed ends the chain.
  auto added = [&](const std::vector<InputFile>& before,
                   const std::vector<std::shared_ptr<const ParsedFile>>& now,
                   std::vector<const ParsedFile*>* files) {
    std::map<std::string_view, std::string_view> fingerprints;  // by key
    for (const InputFile& f : before) fingerprints.emplace(f.key, f.fingerprint);
    size_t kept = 0;
    for (const auto& f : now) {
      auto it = fingerprints.find(f->key);
      if (it == fingerprints.end()) {
        files->push_back(f.get());
      } else if (it->second != f->fingerprint) {
        out.reason = "rewritten_files";
      } else {
        ++kept;
      }
    }
    if (out.reason.empty() && kept < fingerprints.size()) out.reason = "removed_files";
  };
  std::vector<const ParsedFile*> added_docs, added_groups;
  added(record.doc_files, doc_files, &added_docs);
  if (out.reason.empty()) added(record.group_files, group_files, &added_groups);
  if (!out.reason.empty()) return out;

  out.ids = IdsOfFiles(added_docs, added_groups);
  out.continued = true;
  if (!want_groups) return out;
  std::vector<const SegmentReader*> base;
  for (const auto& s : view.base()) base.push_back(s.get());
  out.groups = GroupsOfChanges(added_docs, added_groups, newest_docs, base,
                               [&](std::string_view id) -> std::optional<std::string_view> {
                                 auto live = view.FindLive(id);
                                 if (!live) return std::nullopt;
                                 return live->segment->GroupKey(live->segment->DocGroup(live->ord));
                               });
  return out;
}

std::optional<size_t> FilesAfterRecord(const std::vector<InputFile>& recorded,
                                       const std::vector<WindowObject>& listed) {
  if (listed.size() < recorded.size()) return std::nullopt;
  for (size_t i = 0; i < recorded.size(); ++i) {
    if (listed[i].info->key != recorded[i].key ||
        listed[i].info->fingerprint != recorded[i].fingerprint) {
      return std::nullopt;
    }
  }
  std::unordered_set<std::string_view> keys;
  for (const InputFile& f : recorded) keys.insert(f.key);
  for (size_t i = recorded.size(); i < listed.size(); ++i) {
    if (keys.count(listed[i].info->key)) return std::nullopt;
  }
  return listed.size() - recorded.size();
}

Result<ChangedIds> IdsDecidedOverGeneration(const ChainRecord& record, const IndexView& view,
                                            const NewestRecords& docs, const NewestRecords& groups,
                                            int threads) {
  // The newest delete of each id in the recorded files: the version an
  // added record must reach where the generation serves nothing.
  auto deleted = [](const std::vector<InputFile>& files) {
    std::unordered_map<std::string_view, int64_t> out;
    for (const InputFile& f : files) {
      for (const auto& [id, version] : f.deletes) {
        auto [it, added] = out.emplace(id, version);
        if (!added) it->second = std::max(it->second, version);
      }
    }
    return out;
  };
  auto beats_deletes = [](const std::unordered_map<std::string_view, int64_t>& deletes,
                          const KeyedRecord& rec) {
    auto it = deletes.find(rec.id);
    return it == deletes.end() || rec.version >= it->second;
  };
  ChangedIds out;
  const auto deleted_docs = deleted(record.doc_files);
  // A look-up in each segment of the generation (from the highest) per
  // added id: tens of thousands of searches a restart, on every core.
  const std::vector<const KeyedRecord*> added(docs.begin(), docs.end());
  std::vector<uint8_t> decided(added.size(), 0);
  ParallelForChunked(added.size(), 1024, threads, [&](size_t i) {
    const KeyedRecord& rec = *added[i];
    const auto live = view.FindLive(rec.id);
    decided[i] = live ? rec.version >= live->segment->DocVersion(live->ord)
                      : beats_deletes(deleted_docs, rec);
  });
  for (size_t i = 0; i < added.size(); ++i) {
    if (decided[i]) out.docs.emplace_back(added[i]->id);
  }
  const auto deleted_groups = deleted(record.group_files);
  const std::vector<LowerSegment> layers = ServedSegments(view);
  for (const KeyedRecord* rec : groups) {
    ASSIGN_OR_RETURN(const std::optional<GroupRecord> top, TopRecord(layers, rec->id));
    if ((top && top->has_record) ? rec->version >= top->version
                                 : beats_deletes(deleted_groups, *rec)) {
      out.groups.emplace_back(rec->id);
    }
  }
  std::sort(out.docs.begin(), out.docs.end());
  std::sort(out.groups.begin(), out.groups.end());
  return out;
}

std::set<std::string> GroupsOfChanges(
    const std::vector<const ParsedFile*>& doc_files,
    const std::vector<const ParsedFile*>& group_files, const NewestRecords& newest_docs,
    const std::vector<const SegmentReader*>& base,
    const std::function<std::optional<std::string_view>(std::string_view id)>& previous_group) {
  std::set<std::string> groups;
  for (const ParsedFile* f : doc_files) {
    for (const KeyedRecord& r : f->reduced) {
      if (const KeyedRecord* newest = newest_docs.Find(r.id); newest && !newest->deleted) {
        groups.emplace(newest->group);
      }
      if (auto previous = previous_group(r.id)) groups.emplace(*previous);
      if (auto loc = FindBaseDoc(base, r.id)) groups.emplace(loc->group());
    }
  }
  for (const ParsedFile* f : group_files) {
    for (const KeyedRecord& r : f->reduced) groups.emplace(r.id);
  }
  return groups;
}

}  // namespace freshet
