#include "serve/output.h"

#include <fmt/format.h>

#include "common/json.h"

namespace freshet {

std::string ValueToJson(const Value& v) {
  switch (v.type) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return v.b ? "true" : "false";
    case ValueType::kInt64:
      return fmt::format("{}", v.i);
    case ValueType::kDouble:
      return JsonNumber(v.d);
    case ValueType::kString:
      return JsonQuote(v.s);
    case ValueType::kStringList: {
      std::string out = "[";
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i) out += ",";
        out += JsonQuote(v.list[i]);
      }
      return out + "]";
    }
  }
  return "null";
}

std::string DocToJson(const DocOut& doc, bool with_score) {
  std::string out = fmt::format("{{\"id\":{},\"group\":{},\"version\":{},", JsonQuote(doc.id),
                                JsonQuote(doc.group), doc.version);
  if (with_score) out += fmt::format("\"score\":{},", JsonNumber(doc.score));
  out += "\"fields\":{";
  for (size_t i = 0; i < doc.fields.size(); ++i) {
    if (i) out += ",";
    out += JsonQuote(doc.fields[i].first) + ":" + ValueToJson(doc.fields[i].second);
  }
  return out + "}}";
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

std::string BatchToJson(const BatchRecord& b) {
  std::string q = "[";
  for (size_t i = 0; i < b.quarantine.size(); ++i) {
    if (i) q += ",";
    q += JsonQuote(b.quarantine[i]);
  }
  q += "]";
  return fmt::format(
      "{{\"batch_id\":{},\"epoch\":{},\"kind\":{},\"started_at\":{},\"finished_at\":{},"
      "\"target_partition\":{},\"window_start\":{},\"lag_policy\":{},\"manifest_version\":{},"
      "\"manifest_key\":{},\"partitions_read\":{},\"partitions_empty\":{},"
      "\"publications_skipped\":{},\"files_read\":{},\"files_cached\":{},\"records\":{},"
      "\"docs\":{},\"deleted_docs\":{},\"groups\":{},\"bad_records\":{},\"bytes_written\":{},"
      "\"phases_ms\":{{\"list\":{},\"read\":{},\"build\":{},\"publish\":{},\"commit\":{}}},"
      "\"quarantine\":{}}}",
      b.batch_id, b.epoch, JsonQuote(b.kind), JsonQuote(FormatTimestamp(b.started_at)),
      JsonQuote(FormatTimestamp(b.finished_at)),
      b.target_partition ? JsonQuote(FormatTimestamp(*b.target_partition)) : "null",
      JsonQuote(FormatTimestamp(b.window_start)), JsonQuote(b.lag_policy), b.manifest_version,
      JsonQuote(b.manifest_key), b.partitions_read, b.partitions_empty, b.publications_skipped,
      b.files_read, b.files_cached, b.records, b.docs, b.deleted_docs, b.groups, b.bad_records,
      b.bytes_written, b.list_micros / 1000.0, b.read_micros / 1000.0, b.build_micros / 1000.0,
      b.publish_micros / 1000.0, b.commit_micros / 1000.0, q);
}

}  // namespace freshet
