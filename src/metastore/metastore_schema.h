// The metastore's tables, shared by the SQLite and PostgreSQL backends: the
// versioned migrations that create them, and the mapping between their rows
// and PipelineRow / BatchRecord, so that both backends store the same columns.
//
//   freshet_schema_version  one row per migration applied (version, description, applied_at)
//   freshet_pipelines       one row per pipeline: watermark, manifest, lease, batch id counter
//   freshet_batches         the batch log, keyed by (pipeline, batch_id)
//
// Times are microseconds since the Unix epoch (BIGINT); the quarantine list
// is a JSON array of strings (TEXT).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "metastore/metastore.h"
#include "metastore/pipeline_rules.h"

namespace freshet {

// One schema change. Open applies the pending ones in order, in one
// transaction together with their rows in freshet_schema_version, under a
// lock that makes concurrent Opens wait. Frozen once released: never edit or
// renumber a migration; add the next version at the end of the list.
struct Migration {
  int version;
  std::string_view description;
  std::string_view sqlite_sql;    // may hold several statements
  std::string_view postgres_sql;  // may hold several statements
};

// In increasing version order: 1, 2, ... without gaps.
std::span<const Migration> SchemaMigrations();

// The version of the last migration: what Open brings a database to.
int LatestSchemaVersion();

// Created by Open before any migration, in both dialects.
inline constexpr std::string_view kCreateSchemaVersionTable =
    "CREATE TABLE IF NOT EXISTS freshet_schema_version ("
    "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";

// A value read from or bound to one column.
using SqlValue = std::variant<std::monostate, int64_t, std::string>;

enum class ColumnType { kInt64, kNullableInt64, kText };

struct Column {
  std::string_view name;
  ColumnType type;
};

// '"a", "b", "c"': quoted names, in order, for SELECT and INSERT.
std::string ColumnList(std::span<const Column> columns);

// "?1, ?2, ?3" (SQLite) or "$1, $2, $3" (PostgreSQL): `count` numbered
// placeholders from `first`, with `prefix` "?" or "$".
std::string Placeholders(std::string_view prefix, int first, int count);

// '"b" = ?2, "c" = ?3': assignments of every column but the first (the
// key), numbered as in Placeholders(prefix, 1, columns.size()).
std::string AssignmentsAfterKey(std::span<const Column> columns, std::string_view prefix);

// freshet_pipelines; the first column is "name", the key.
std::span<const Column> PipelineColumns();
std::vector<SqlValue> PipelineRowValues(const PipelineRow& row);
// Corruption if a value does not have its column's type.
Result<PipelineRow> PipelineRowFromValues(std::span<const SqlValue> values);

// freshet_batches; the first column is "pipeline", the second "batch_id".
std::span<const Column> BatchColumns();
std::vector<SqlValue> BatchValues(std::string_view pipeline, const BatchRecord& batch);
// Corruption if a value does not have its column's type or the quarantine
// list is not a JSON array of strings.
Result<BatchRecord> BatchFromValues(std::span<const SqlValue> values);

}  // namespace freshet
