#include "serve/output.h"

#include <fmt/format.h>

namespace freshet {

std::optional<std::string> OptionalTimestamp(std::optional<TimeMicros> t) {
  if (!t) return std::nullopt;
  return FormatTimestamp(*t);
}

void WriteValue(JsonWriter& w, const Value& v) {
  switch (v.type) {
    case ValueType::kNull:
      w.Null();
      return;
    case ValueType::kBool:
      w.Bool(v.b);
      return;
    case ValueType::kInt64:
      w.Value(v.i);
      return;
    case ValueType::kDouble:
      w.Number(v.d);
      return;
    case ValueType::kString:
      w.String(v.s);
      return;
    case ValueType::kStringList:
      w.BeginArray();
      for (const std::string& s : v.list) w.String(s);
      w.EndArray();
      return;
  }
  w.Null();
}

void WriteDoc(JsonWriter& w, const DocOut& doc, bool with_score) {
  w.BeginObject().Field("id", doc.id).Field("group", doc.group).Field("version", doc.version);
  if (with_score) w.Field("score", doc.score);
  w.Key("fields").BeginObject();
  for (const auto& [name, value] : doc.fields) WriteValue(w.Key(name), value);
  w.EndObject().EndObject();
}

void WriteGenerationFields(JsonWriter& w, std::string_view manifest_key, const Manifest& m) {
  w.Field("manifest", manifest_key)
      .Field("version", m.version)
      .Field("base_cut", FormatTimestamp(m.base_cut))
      .Field("target", OptionalTimestamp(m.has_delta ? std::optional(m.target) : std::nullopt));
}

void WriteHitsField(JsonWriter& w, const SearchResults& results, bool scored) {
  w.Key("hits").BeginArray();
  for (const DocOut& doc : results.docs) WriteDoc(w, doc, scored);
  w.EndArray();
}

void WriteBatch(JsonWriter& w, const BatchRecord& b) {
  auto time = [](TimeMicros t) { return FormatTimestamp(t); };
  w.BeginObject()
      .Field("batch_id", b.batch_id)
      .Field("epoch", b.epoch)
      .Field("kind", b.kind)
      .Field("started_at", time(b.started_at))
      .Field("finished_at", time(b.finished_at))
      .Field("target_partition", OptionalTimestamp(b.target_partition))
      .Field("window_start", time(b.window_start))
      .Field("lag_policy", b.lag_policy)
      .Field("manifest_version", b.manifest_version)
      .Field("manifest_key", b.manifest_key)
      .Field("partitions_read", b.partitions_read)
      .Field("partitions_empty", b.partitions_empty)
      .Field("publications_skipped", b.publications_skipped)
      .Field("files_read", b.files_read)
      .Field("files_cached", b.files_cached)
      .Field("records", b.records)
      .Field("docs", b.docs)
      .Field("deleted_docs", b.deleted_docs)
      .Field("groups", b.groups)
      .Field("bad_records", b.bad_records)
      .Field("bytes_written", b.bytes_written)
      .Field("source_version", b.source_version)
      .Field("group_source_version", b.group_source_version);
  w.Key("phases_ms")
      .BeginObject()
      .Field("list", b.list_micros / 1000.0)
      .Field("read", b.read_micros / 1000.0)
      .Field("build", b.build_micros / 1000.0)
      .Field("publish", b.publish_micros / 1000.0)
      .Field("commit", b.commit_micros / 1000.0)
      .EndObject();
  w.Key("quarantine").BeginArray();
  for (const std::string& q : b.quarantine) w.String(q);
  w.EndArray().EndObject();
}

std::string ValueToJson(const Value& v) {
  JsonWriter w;
  WriteValue(w, v);
  return w.Take();
}

std::string DocToJson(const DocOut& doc, bool with_score) {
  JsonWriter w;
  WriteDoc(w, doc, with_score);
  return w.Take();
}

std::string DocToText(const DocOut& doc) {
  std::string out = fmt::format("{}  group={}", doc.id, doc.group);
  for (const auto& [name, v] : doc.fields) {
    if (v.is_null()) continue;
    std::string text = v.type == ValueType::kString || v.type == ValueType::kStringList
                           ? ValueToJson(v)
                           : ValueToText(v);
    out += fmt::format("  {}={}", name, text);
  }
  return out;
}

void WriteTotalFields(JsonWriter& w, const SearchResults& results, bool bounded) {
  w.Field("total", results.total);
  if (bounded) w.Field("total_relation", results.total_is_lower_bound ? "gte" : "eq");
}

std::string QueryResultJson(const IndexView& view, const SearchResults& results, bool scored,
                            bool bounded) {
  JsonWriter w;
  w.BeginObject();
  WriteTotalFields(w, results, bounded);
  WriteGenerationFields(w, view.manifest_key(), view.manifest());
  WriteHitsField(w, results, scored);
  return w.EndObject().Take();
}

}  // namespace freshet
