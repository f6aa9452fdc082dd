#include "metastore/metastore_schema.h"

#include <fmt/format.h>

#include "metastore/json_string_list.h"

namespace freshet {
namespace {

// Migration 1: the initial schema. The same text suits both dialects.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE freshet_pipelines (
  name TEXT PRIMARY KEY,
  watermark BIGINT,
  manifest_version BIGINT NOT NULL DEFAULT 0,
  manifest_key TEXT NOT NULL DEFAULT '',
  epoch BIGINT NOT NULL DEFAULT 0,
  lease_holder TEXT NOT NULL DEFAULT '',
  lease_expires BIGINT NOT NULL DEFAULT 0,
  window_fingerprint TEXT NOT NULL DEFAULT '',
  last_batch_id BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE freshet_batches (
  pipeline TEXT NOT NULL REFERENCES freshet_pipelines (name),
  batch_id BIGINT NOT NULL,
  epoch BIGINT NOT NULL,
  kind TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  target_partition BIGINT,
  window_start BIGINT NOT NULL,
  lag_policy TEXT NOT NULL,
  manifest_version BIGINT NOT NULL,
  manifest_key TEXT NOT NULL,
  window_fingerprint TEXT NOT NULL,
  partitions_read BIGINT NOT NULL,
  partitions_empty BIGINT NOT NULL,
  publications_skipped BIGINT NOT NULL,
  files_read BIGINT NOT NULL,
  files_cached BIGINT NOT NULL,
  records BIGINT NOT NULL,
  docs BIGINT NOT NULL,
  deleted_docs BIGINT NOT NULL,
  "groups" BIGINT NOT NULL,
  bad_records BIGINT NOT NULL,
  bytes_written BIGINT NOT NULL,
  list_micros BIGINT NOT NULL,
  read_micros BIGINT NOT NULL,
  build_micros BIGINT NOT NULL,
  publish_micros BIGINT NOT NULL,
  commit_micros BIGINT NOT NULL,
  quarantine TEXT NOT NULL,
  PRIMARY KEY (pipeline, batch_id)
);
)sql";

// Migration 2: the Delta table versions read, per pipeline and per batch.
constexpr std::string_view kSourceVersions = R"sql(
ALTER TABLE freshet_pipelines ADD COLUMN source_version BIGINT;
ALTER TABLE freshet_pipelines ADD COLUMN group_source_version BIGINT;
ALTER TABLE freshet_batches ADD COLUMN source_version BIGINT;
ALTER TABLE freshet_batches ADD COLUMN group_source_version BIGINT;
)sql";

constexpr Migration kMigrations[] = {
    {1, "initial schema: pipelines and batch log", kInitialSchema, kInitialSchema},
    {2, "Delta table versions read", kSourceVersions, kSourceVersions},
};

using enum ColumnType;

constexpr Column kPipelineColumns[] = {
    {"name", kText},
    {"watermark", kNullableInt64},
    {"manifest_version", kInt64},
    {"manifest_key", kText},
    {"epoch", kInt64},
    {"lease_holder", kText},
    {"lease_expires", kInt64},
    {"window_fingerprint", kText},
    {"last_batch_id", kInt64},
    {"source_version", kNullableInt64},
    {"group_source_version", kNullableInt64},
};

constexpr Column kBatchColumns[] = {
    {"pipeline", kText},
    {"batch_id", kInt64},
    {"epoch", kInt64},
    {"kind", kText},
    {"started_at", kInt64},
    {"finished_at", kInt64},
    {"target_partition", kNullableInt64},
    {"window_start", kInt64},
    {"lag_policy", kText},
    {"manifest_version", kInt64},
    {"manifest_key", kText},
    {"window_fingerprint", kText},
    {"partitions_read", kInt64},
    {"partitions_empty", kInt64},
    {"publications_skipped", kInt64},
    {"files_read", kInt64},
    {"files_cached", kInt64},
    {"records", kInt64},
    {"docs", kInt64},
    {"deleted_docs", kInt64},
    {"groups", kInt64},
    {"bad_records", kInt64},
    {"bytes_written", kInt64},
    {"list_micros", kInt64},
    {"read_micros", kInt64},
    {"build_micros", kInt64},
    {"publish_micros", kInt64},
    {"commit_micros", kInt64},
    {"quarantine", kText},
    {"source_version", kNullableInt64},
    {"group_source_version", kNullableInt64},
};

SqlValue Nullable(const std::optional<int64_t>& v) {
  return v ? SqlValue(*v) : SqlValue(std::monostate{});
}

// Reads the values of a row in column order, checking each one's type.
class RowReader {
 public:
  RowReader(std::string_view table, std::span<const Column> columns,
            std::span<const SqlValue> values)
      : table_(table), columns_(columns), values_(values) {}

  Status CheckSize() const {
    if (values_.size() == columns_.size()) return Status::OK();
    return Status::Corruption(
        fmt::format("{}: expected {} columns, read {}", table_, columns_.size(), values_.size()));
  }

  void Read(int64_t* out) {
    if (const auto* v = std::get_if<int64_t>(&Next())) {
      *out = *v;
    } else {
      Fail("an integer");
    }
  }
  void Read(std::optional<int64_t>* out) {
    const SqlValue& value = Next();
    if (const auto* v = std::get_if<int64_t>(&value)) {
      *out = *v;
    } else if (std::holds_alternative<std::monostate>(value)) {
      *out = std::nullopt;
    } else {
      Fail("an integer or NULL");
    }
  }
  void Read(std::string* out) {
    if (const auto* v = std::get_if<std::string>(&Next())) {
      *out = *v;
    } else {
      Fail("text");
    }
  }

  const Status& status() const { return status_; }

 private:
  const SqlValue& Next() { return values_[index_++]; }
  void Fail(std::string_view expected) {
    if (!status_.ok()) return;
    status_ = Status::Corruption(
        fmt::format("{}: column {} is not {}", table_, columns_[index_ - 1].name, expected));
  }

  std::string_view table_;
  std::span<const Column> columns_;
  std::span<const SqlValue> values_;
  size_t index_ = 0;
  Status status_;
};

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

int LatestSchemaVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

std::string ColumnList(std::span<const Column> columns) {
  std::string out;
  for (const Column& column : columns) {
    if (!out.empty()) out += ", ";
    out += '"';  // quoted: "groups" is a keyword in both dialects
    out += column.name;
    out += '"';
  }
  return out;
}

std::string Placeholders(std::string_view prefix, int first, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{}{}", prefix, first + i);
  }
  return out;
}

std::string AssignmentsAfterKey(std::span<const Column> columns, std::string_view prefix) {
  std::string out;
  for (size_t i = 1; i < columns.size(); ++i) {
    if (i > 1) out += ", ";
    out += fmt::format("\"{}\" = {}{}", columns[i].name, prefix, i + 1);
  }
  return out;
}

std::span<const Column> PipelineColumns() { return kPipelineColumns; }

std::vector<SqlValue> PipelineRowValues(const PipelineRow& row) {
  const PipelineState& s = row.state;
  return {s.pipeline,
          Nullable(s.watermark),
          s.manifest_version,
          s.manifest_key,
          s.epoch,
          s.lease_holder,
          s.lease_expires,
          s.window_fingerprint,
          row.last_batch_id,
          Nullable(s.source_version),
          Nullable(s.group_source_version)};
}

Result<PipelineRow> PipelineRowFromValues(std::span<const SqlValue> values) {
  RowReader reader("freshet_pipelines", kPipelineColumns, values);
  RETURN_IF_ERROR(reader.CheckSize());
  PipelineRow row;
  PipelineState& s = row.state;
  reader.Read(&s.pipeline);
  reader.Read(&s.watermark);
  reader.Read(&s.manifest_version);
  reader.Read(&s.manifest_key);
  reader.Read(&s.epoch);
  reader.Read(&s.lease_holder);
  reader.Read(&s.lease_expires);
  reader.Read(&s.window_fingerprint);
  reader.Read(&row.last_batch_id);
  reader.Read(&s.source_version);
  reader.Read(&s.group_source_version);
  RETURN_IF_ERROR(reader.status());
  return row;
}

std::span<const Column> BatchColumns() { return kBatchColumns; }

std::vector<SqlValue> BatchValues(std::string_view pipeline, const BatchRecord& b) {
  return {std::string(pipeline),
          b.batch_id,
          b.epoch,
          b.kind,
          b.started_at,
          b.finished_at,
          Nullable(b.target_partition),
          b.window_start,
          b.lag_policy,
          b.manifest_version,
          b.manifest_key,
          b.window_fingerprint,
          b.partitions_read,
          b.partitions_empty,
          b.publications_skipped,
          b.files_read,
          b.files_cached,
          b.records,
          b.docs,
          b.deleted_docs,
          b.groups,
          b.bad_records,
          b.bytes_written,
          b.list_micros,
          b.read_micros,
          b.build_micros,
          b.publish_micros,
          b.commit_micros,
          EncodeJsonStringList(b.quarantine),
          Nullable(b.source_version),
          Nullable(b.group_source_version)};
}

Result<BatchRecord> BatchFromValues(std::span<const SqlValue> values) {
  RowReader reader("freshet_batches", kBatchColumns, values);
  RETURN_IF_ERROR(reader.CheckSize());
  BatchRecord b;
  std::string pipeline;
  std::string quarantine;
  reader.Read(&pipeline);
  reader.Read(&b.batch_id);
  reader.Read(&b.epoch);
  reader.Read(&b.kind);
  reader.Read(&b.started_at);
  reader.Read(&b.finished_at);
  reader.Read(&b.target_partition);
  reader.Read(&b.window_start);
  reader.Read(&b.lag_policy);
  reader.Read(&b.manifest_version);
  reader.Read(&b.manifest_key);
  reader.Read(&b.window_fingerprint);
  reader.Read(&b.partitions_read);
  reader.Read(&b.partitions_empty);
  reader.Read(&b.publications_skipped);
  reader.Read(&b.files_read);
  reader.Read(&b.files_cached);
  reader.Read(&b.records);
  reader.Read(&b.docs);
  reader.Read(&b.deleted_docs);
  reader.Read(&b.groups);
  reader.Read(&b.bad_records);
  reader.Read(&b.bytes_written);
  reader.Read(&b.list_micros);
  reader.Read(&b.read_micros);
  reader.Read(&b.build_micros);
  reader.Read(&b.publish_micros);
  reader.Read(&b.commit_micros);
  reader.Read(&quarantine);
  reader.Read(&b.source_version);
  reader.Read(&b.group_source_version);
  RETURN_IF_ERROR(reader.status());
  auto items = DecodeJsonStringList(quarantine);
  if (!items.ok()) {
    return items.status().WithContext(fmt::format(
        "freshet_batches: quarantine of batch {} of pipeline {}", b.batch_id, pipeline));
  }
  b.quarantine = std::move(items).value();
  return b;
}

}  // namespace freshet
