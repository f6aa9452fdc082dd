#include "pipeline/records.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/crash_point.h"

namespace freshet {
namespace {

int IndexOf(const std::vector<std::string>& cols, const std::string& name) {
  if (name.empty()) return -1;
  auto it = std::find(cols.begin(), cols.end(), name);
  return it == cols.end() ? -1 : static_cast<int>(it - cols.begin());
}

// Sets `*out` to the text of a key (a non-empty string or an integer), or
// returns false with `*why` saying what is wrong, naming the column and, for
// a value of another type, the type (`what` is "key" or "group key").
bool KeyText(const Value& v, std::string_view what, std::string_view column, std::string* out,
             std::string* why) {
  switch (v.type) {
    case ValueType::kString:
      if (!v.s.empty()) {
        *out = v.s;
        return true;
      }
      break;
    case ValueType::kInt64:
      *out = fmt::format("{}", v.i);
      return true;
    case ValueType::kNull:
      break;
    default:
      *why = fmt::format("{} column '{}' holds a {} ({}); a {} must be a string or an integer",
                         what, column, ValueTypeName(v.type), ValueToText(v), what);
      return false;
  }
  *why = fmt::format("missing or empty {} column '{}'", what, column);
  return false;
}

class ReducingSink final : public RowSink {
 public:
  ReducingSink(const RecordSchema& schema, BadRecordPolicy policy, ParsedFile* out)
      : schema_(schema), policy_(policy), out_(out) {}

  Status OnRow(Row& row, uint64_t line) override {
    KeyedRecord rec;
    std::string why;
    if (!KeyText(row[schema_.id_column], "key", schema_.columns[schema_.id_column], &rec.id,
                 &why)) {
      return Bad(line, 0, std::move(why));
    }
    auto version = VersionOf(row[schema_.version_column], schema_.version_format);
    if (!version.ok()) {
      return Bad(line, 0,
                 fmt::format("column '{}': {}", schema_.columns[schema_.version_column],
                             version.status().message()));
    }
    rec.version = *version;
    if (schema_.op_column >= 0) {
      const Value& op = row[schema_.op_column];
      if (op.type == ValueType::kString) {
        rec.deleted = std::find(schema_.delete_values.begin(), schema_.delete_values.end(), op.s) !=
                      schema_.delete_values.end();
      }
    }
    if (schema_.group_column >= 0 &&
        !KeyText(row[schema_.group_column], "group key", schema_.columns[schema_.group_column],
                 &rec.group, &why) &&
        !rec.deleted) {
      return Bad(line, 0, std::move(why));
    }
    ++out_->records;
    auto [it, inserted] = latest_.try_emplace(rec.id, out_->reduced.size());
    if (inserted) {
      rec.row = std::move(row);
      out_->reduced.push_back(std::move(rec));
      row.assign(schema_.columns.size(), Value());
    } else if (rec.version >= out_->reduced[it->second].version) {
      rec.row = std::move(row);
      out_->reduced[it->second] = std::move(rec);
      row.assign(schema_.columns.size(), Value());
    }
    return Status::OK();
  }

  Status OnBadRow(uint64_t line, uint64_t offset, std::string reason) override {
    return Bad(line, offset, std::move(reason));
  }

 private:
  Status Bad(uint64_t line, uint64_t offset, std::string reason) {
    std::string where = offset ? fmt::format("{}:{} (byte {})", out_->key, line, offset)
                               : fmt::format("{}:{}", out_->key, line);
    if (policy_ == BadRecordPolicy::kStop) {
      return Status::Corruption(fmt::format("bad record at {}: {}", where, reason));
    }
    if (SafeguardDisabled("bad_record_accounting")) return Status::OK();
    ++out_->bad_records;
    if (out_->bad.size() < kMaxBadListed) out_->bad.push_back(where + ": " + reason);
    return Status::OK();
  }

  const RecordSchema& schema_;
  BadRecordPolicy policy_;
  ParsedFile* out_;
  std::unordered_map<std::string, size_t> latest_;
};

RecordSchema MakeSchema(std::vector<std::string> cols, const ColumnRoles& roles,
                        const std::string& group_key) {
  RecordSchema s;
  s.columns = std::move(cols);
  s.id_column = IndexOf(s.columns, roles.id);
  s.group_column = IndexOf(s.columns, group_key);
  s.version_column = IndexOf(s.columns, roles.version);
  s.op_column = IndexOf(s.columns, roles.op);
  s.delete_values = roles.delete_values;
  s.version_format = roles.version_format;
  return s;
}

}  // namespace

RecordSchema RecordSchema::ForDocs(const PipelineConfig& c) {
  RecordSchema s = MakeSchema(c.DocProjection(), c.columns, c.group_key);
  s.require_group = true;
  return s;
}

RecordSchema RecordSchema::ForGroups(const PipelineConfig& c) {
  return MakeSchema(c.GroupProjection(), c.group_columns, "");
}

Result<int64_t> VersionOf(const Value& v, ColumnRoles::VersionFormat format) {
  const bool timestamp = format == ColumnRoles::VersionFormat::kTimestamp;
  switch (v.type) {
    case ValueType::kInt64:
      return v.i;
    case ValueType::kDouble:
      if (!timestamp && std::isfinite(v.d) && std::fabs(v.d) < 9.0e18 && v.d == std::floor(v.d)) {
        return static_cast<int64_t>(v.d);
      }
      break;
    case ValueType::kString:
      if (timestamp) {
        auto t = ParseTimestamp(v.s);
        if (t.ok()) return *t;
      }
      break;
    default:
      break;
  }
  return Status::InvalidArgument(timestamp ? "expected an RFC 3339 timestamp"
                                           : "expected an integer (version_format = \"integer\")");
}

Result<ParsedFile> ReadKeyedFile(ObjectStore& store, const ObjectInfo& file, TimeMicros partition,
                                 FileFormat format, const RecordSchema& schema,
                                 BadRecordPolicy policy) {
  ParsedFile out;
  out.key = file.key;
  out.fingerprint = file.fingerprint;
  out.partition = partition;
  auto reader = RowReader::Create(format);
  if (!reader) {
    return Status::NotSupported(fmt::format("file '{}': format {} is not supported by this build",
                                            file.key, FileFormatName(format)));
  }
  ReducingSink sink(schema, policy, &out);
  Status st = reader->Read(store, file, schema.columns, sink);
  if (!st.ok()) {
    bool damaged = st.code() == StatusCode::kCorruption;
    if ((damaged || st.code() == StatusCode::kNotSupported) && policy == BadRecordPolicy::kSkip) {
      // A file that cannot be decoded at all, because it is damaged or uses
      // what the reader does not support, is quarantined whole.
      ++out.bad_records;
      out.bad.push_back(fmt::format("{}: {} file: {}", file.key,
                                    damaged ? "unreadable" : "unsupported", st.message()));
      return out;
    }
    return st;
  }
  return out;
}

std::unordered_map<std::string_view, const KeyedRecord*> ReduceNewest(
    const std::vector<std::shared_ptr<const ParsedFile>>& files) {
  std::unordered_map<std::string_view, const KeyedRecord*> newest;
  size_t total = 0;
  for (const auto& f : files) total += f->reduced.size();
  newest.reserve(total);
  for (const auto& f : files) {
    for (const KeyedRecord& r : f->reduced) {
      auto [it, inserted] = newest.try_emplace(r.id, &r);
      if (!inserted && r.version >= it->second->version) it->second = &r;
    }
  }
  return newest;
}

}  // namespace freshet
