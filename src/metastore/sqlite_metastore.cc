#include "metastore/sqlite_metastore.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

#include "common/clock.h"
#include "metastore/metastore_schema.h"
#include "metastore/pipeline_rules.h"

namespace freshet {
namespace {

constexpr int kBusyTimeoutMillis = 10'000;

struct StatementDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

const std::string& SelectPipelineSql() {
  static const std::string sql = fmt::format("SELECT {} FROM freshet_pipelines WHERE name = ?1",
                                             ColumnList(PipelineColumns()));
  return sql;
}

const std::string& UpdatePipelineSql() {
  static const std::string sql = fmt::format("UPDATE freshet_pipelines SET {} WHERE name = ?1",
                                             AssignmentsAfterKey(PipelineColumns(), "?"));
  return sql;
}

const std::string& InsertBatchSql() {
  static const std::string sql =
      fmt::format("INSERT INTO freshet_batches ({}) VALUES ({})", ColumnList(BatchColumns()),
                  Placeholders("?", 1, static_cast<int>(BatchColumns().size())));
  return sql;
}

const std::string& RecentBatchesSql() {
  static const std::string sql = fmt::format(
      "SELECT {} FROM freshet_batches WHERE pipeline = ?1 ORDER BY batch_id DESC LIMIT ?2",
      ColumnList(BatchColumns()));
  return sql;
}

// The file named by a "sqlite:" URL.
Result<std::string> SqlitePath(std::string_view url) {
  constexpr std::string_view kPrefix = "sqlite:";
  if (!url.starts_with(kPrefix)) {
    return Status::InvalidArgument(fmt::format("'{}' is not a sqlite: URL", url));
  }
  std::string_view path = url.substr(kPrefix.size());
  if (path.starts_with("//")) path.remove_prefix(2);  // "sqlite:///abs" -> "/abs"
  if (path.empty()) {
    return Status::InvalidArgument(
        fmt::format("metastore URL '{}' names no file (expected sqlite:path/to/file.db)", url));
  }
  return std::string(path);
}

}  // namespace

// One sqlite3 handle and the helpers every call uses. Errors name the file.
class SqliteMetastore::Connection {
 public:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~Connection() { sqlite3_close_v2(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& path() const { return path_; }

  Status Error(int rc, std::string_view what) const {
    std::string message =
        fmt::format("sqlite metastore {}: {}: {}", path_, what, sqlite3_errmsg(db_));
    switch (rc & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return Status::Unavailable(
            message + fmt::format(" (another connection held the database; waited up to {} s)",
                                  kBusyTimeoutMillis / 1000));
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
        return Status::Corruption(std::move(message));
      default:
        return Status::IOError(std::move(message));
    }
  }

  // Runs statements without parameters or results.
  Status Exec(std::string_view sql, std::string_view what) {
    int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return Error(rc, what);
    return Status::OK();
  }

  Result<StatementPtr> Prepare(const std::string& sql, std::string_view what) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
    StatementPtr owned(stmt);
    if (rc != SQLITE_OK) return Error(rc, what);
    return owned;
  }

  // Binds `values` to ?1, ?2, ...
  Status Bind(sqlite3_stmt* stmt, std::span<const SqlValue> values, std::string_view what) {
    for (size_t i = 0; i < values.size(); ++i) {
      int index = static_cast<int>(i + 1);
      int rc;
      if (const auto* v = std::get_if<int64_t>(&values[i])) {
        rc = sqlite3_bind_int64(stmt, index, *v);
      } else if (const auto* s = std::get_if<std::string>(&values[i])) {
        rc = sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(stmt, index);
      }
      if (rc != SQLITE_OK) return Error(rc, what);
    }
    return Status::OK();
  }

  // True with a row to read, false when done.
  Result<bool> Step(sqlite3_stmt* stmt, std::string_view what) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Error(rc, what);
  }

  // Runs a statement that returns no rows.
  Status Run(const std::string& sql, std::span<const SqlValue> values, std::string_view what) {
    ASSIGN_OR_RETURN(StatementPtr stmt, Prepare(sql, what));
    RETURN_IF_ERROR(Bind(stmt.get(), values, what));
    ASSIGN_OR_RETURN(bool row, Step(stmt.get(), what));
    (void)row;
    return Status::OK();
  }

  static std::vector<SqlValue> ReadRow(sqlite3_stmt* stmt, size_t columns) {
    std::vector<SqlValue> values;
    values.reserve(columns);
    for (int i = 0; i < static_cast<int>(columns); ++i) {
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_NULL:
          values.emplace_back(std::monostate{});
          break;
        case SQLITE_INTEGER:
          values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, i)));
          break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
          int bytes = sqlite3_column_bytes(stmt, i);
          values.emplace_back(std::string(text ? text : "", static_cast<size_t>(bytes)));
          break;
        }
      }
    }
    return values;
  }

  // Runs `body` (returning Status or Result<T>) in a BEGIN IMMEDIATE
  // transaction: committed if it succeeds, rolled back otherwise.
  template <typename Body>
  auto WriteTransaction(std::string_view what, Body&& body) -> decltype(body()) {
    RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", what));
    auto result = body();
    if (!result.ok()) {
      Rollback();
      return result;
    }
    Status committed = Exec("COMMIT", what);
    if (!committed.ok()) {
      Rollback();
      return committed;
    }
    return result;
  }

  void Rollback() {
    if (sqlite3_get_autocommit(db_) == 0) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }

  Result<std::optional<PipelineRow>> ReadPipeline(std::string_view pipeline,
                                                  std::string_view what) {
    ASSIGN_OR_RETURN(StatementPtr stmt, Prepare(SelectPipelineSql(), what));
    std::vector<SqlValue> key{std::string(pipeline)};
    RETURN_IF_ERROR(Bind(stmt.get(), key, what));
    ASSIGN_OR_RETURN(bool found, Step(stmt.get(), what));
    if (!found) return std::optional<PipelineRow>();
    auto row = PipelineRowFromValues(ReadRow(stmt.get(), PipelineColumns().size()));
    if (!row.ok()) return row.status().WithContext(fmt::format("sqlite metastore {}", path_));
    return std::optional<PipelineRow>(std::move(row).value());
  }

  // The pipeline's row, inserted first if missing.
  Result<PipelineRow> ReadOrCreatePipeline(std::string_view pipeline, std::string_view what) {
    ASSIGN_OR_RETURN(std::optional<PipelineRow> row, ReadPipeline(pipeline, what));
    if (row) return std::move(*row);
    static const std::string insert = "INSERT INTO freshet_pipelines (name) VALUES (?1)";
    std::vector<SqlValue> key{std::string(pipeline)};
    RETURN_IF_ERROR(Run(insert, key, what));
    return NewPipelineRow(pipeline);
  }

  Status WritePipeline(const PipelineRow& row, std::string_view what) {
    return Run(UpdatePipelineSql(), PipelineRowValues(row), what);
  }

  Status InsertBatch(std::string_view pipeline, const BatchRecord& batch, std::string_view what) {
    return Run(InsertBatchSql(), BatchValues(pipeline, batch), what);
  }

  // WAL mode is stored in the file: only the first Open of a new file
  // switches. SQLite answers SQLITE_BUSY at once, without waiting, while
  // another connection is switching the same new file: retry until the busy
  // timeout.
  Status SwitchToWal() {
    constexpr std::string_view what = "switching to WAL mode";
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMillis);
    for (;;) {
      ASSIGN_OR_RETURN(StatementPtr stmt, Prepare("PRAGMA journal_mode = WAL", what));
      int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_ROW) {
        const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
        if (mode != nullptr && std::string_view(mode) == "wal") return Status::OK();
        return Status::IOError(fmt::format(
            "sqlite metastore {}: the file system does not support WAL mode (journal mode is {})",
            path_, mode ? mode : "unknown"));
      }
      if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
        return Error(rc, what);
      }
      stmt.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  Status Migrate() {
    constexpr std::string_view what = "migrating the schema";
    return WriteTransaction(what, [&]() -> Status {
      RETURN_IF_ERROR(Exec(kCreateSchemaVersionTable, what));
      ASSIGN_OR_RETURN(int current, ReadSchemaVersion(what));
      if (current > LatestSchemaVersion()) {
        return Status::FailedPrecondition(fmt::format(
            "sqlite metastore {}: schema version {} is newer than this build of freshet "
            "supports ({}); upgrade freshet",
            path_, current, LatestSchemaVersion()));
      }
      for (const Migration& migration : SchemaMigrations()) {
        if (migration.version <= current) continue;
        std::string step = fmt::format("applying schema migration {} ({})", migration.version,
                                       migration.description);
        RETURN_IF_ERROR(Exec(migration.sqlite_sql, step));
        std::vector<SqlValue> values{int64_t{migration.version}, std::string(migration.description),
                                     SystemClock().Now()};
        RETURN_IF_ERROR(
            Run("INSERT INTO freshet_schema_version (version, description, "
                "applied_at) VALUES (?1, ?2, ?3)",
                values, step));
      }
      return Status::OK();
    });
  }

  Result<int> ReadSchemaVersion(std::string_view what) {
    ASSIGN_OR_RETURN(StatementPtr stmt,
                     Prepare("SELECT COALESCE(MAX(version), 0) FROM freshet_schema_version", what));
    ASSIGN_OR_RETURN(bool found, Step(stmt.get(), what));
    if (!found) return 0;
    return static_cast<int>(sqlite3_column_int64(stmt.get(), 0));
  }

 private:
  sqlite3* db_;
  std::string path_;
};

SqliteMetastore::SqliteMetastore(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)) {}

SqliteMetastore::~SqliteMetastore() = default;

Result<std::unique_ptr<SqliteMetastore>> SqliteMetastore::Open(std::string_view url) {
  ASSIGN_OR_RETURN(std::string path, SqlitePath(url));
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Status::IOError(fmt::format("sqlite metastore {}: cannot create folder {}: {}", path,
                                         parent.string(), ec.message()));
    }
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  auto connection = std::make_unique<Connection>(db, path);  // closes `db` on every path
  if (rc != SQLITE_OK) return connection->Error(rc, "opening");
  sqlite3_busy_timeout(db, kBusyTimeoutMillis);

  RETURN_IF_ERROR(connection->SwitchToWal());
  RETURN_IF_ERROR(connection->Exec("PRAGMA synchronous = FULL", "setting synchronous=FULL"));
  RETURN_IF_ERROR(connection->Exec("PRAGMA foreign_keys = ON", "enabling foreign keys"));
  RETURN_IF_ERROR(connection->Migrate());
  return std::unique_ptr<SqliteMetastore>(new SqliteMetastore(std::move(connection)));
}

Result<int64_t> SqliteMetastore::AcquireLease(std::string_view pipeline, std::string_view holder,
                                              TimeMicros now, TimeMicros ttl,
                                              const LeaseTakeover* takeover) {
  RETURN_IF_ERROR(ValidatePipelineName(pipeline));
  const std::string what = fmt::format("acquiring the lease of pipeline {}", pipeline);
  return connection_->WriteTransaction(what, [&]() -> Result<int64_t> {
    ASSIGN_OR_RETURN(PipelineRow row, connection_->ReadOrCreatePipeline(pipeline, what));
    ASSIGN_OR_RETURN(PipelineRow next, AcquireLeaseRule(row, holder, now, ttl, takeover));
    RETURN_IF_ERROR(connection_->WritePipeline(next, what));
    return next.state.epoch;
  });
}

Status SqliteMetastore::RenewLease(std::string_view pipeline, int64_t epoch, TimeMicros now,
                                   TimeMicros ttl) {
  const std::string what = fmt::format("renewing the lease of pipeline {}", pipeline);
  return connection_->WriteTransaction(what, [&]() -> Status {
    ASSIGN_OR_RETURN(std::optional<PipelineRow> row, connection_->ReadPipeline(pipeline, what));
    if (!row) return Status::NotFound(fmt::format("pipeline {} not found", pipeline));
    ASSIGN_OR_RETURN(PipelineRow next, RenewLeaseRule(*row, epoch, now, ttl));
    return connection_->WritePipeline(next, what);
  });
}

Status SqliteMetastore::ReleaseLease(std::string_view pipeline, int64_t epoch) {
  const std::string what = fmt::format("releasing the lease of pipeline {}", pipeline);
  return connection_->WriteTransaction(what, [&]() -> Status {
    ASSIGN_OR_RETURN(std::optional<PipelineRow> row, connection_->ReadPipeline(pipeline, what));
    if (!row) return Status::OK();
    std::optional<PipelineRow> next = ReleaseLeaseRule(*row, epoch);
    if (!next) return Status::OK();
    return connection_->WritePipeline(*next, what);
  });
}

Result<PipelineState> SqliteMetastore::GetState(std::string_view pipeline) {
  const std::string what = fmt::format("reading the state of pipeline {}", pipeline);
  ASSIGN_OR_RETURN(std::optional<PipelineRow> row, connection_->ReadPipeline(pipeline, what));
  if (!row) return Status::NotFound(fmt::format("pipeline {} not found", pipeline));
  return std::move(row->state);
}

Result<int64_t> SqliteMetastore::CommitBatch(std::string_view pipeline, int64_t epoch,
                                             const Commit& commit) {
  const std::string what = fmt::format("committing manifest version {} of pipeline {}",
                                       commit.manifest_version, pipeline);
  return connection_->WriteTransaction(what, [&]() -> Result<int64_t> {
    ASSIGN_OR_RETURN(std::optional<PipelineRow> row, connection_->ReadPipeline(pipeline, what));
    if (!row) return Status::NotFound(fmt::format("pipeline {} not found", pipeline));
    ASSIGN_OR_RETURN(RowAndBatch next, CommitBatchRule(*row, epoch, commit));
    RETURN_IF_ERROR(connection_->WritePipeline(next.row, what));
    RETURN_IF_ERROR(connection_->InsertBatch(pipeline, next.batch, what));
    return next.batch.batch_id;
  });
}

Result<std::vector<BatchRecord>> SqliteMetastore::RecentBatches(std::string_view pipeline,
                                                                int limit) {
  const std::string what = fmt::format("reading the batch log of pipeline {}", pipeline);
  std::vector<BatchRecord> batches;
  if (limit <= 0) return batches;
  ASSIGN_OR_RETURN(StatementPtr stmt, connection_->Prepare(RecentBatchesSql(), what));
  std::vector<SqlValue> values{std::string(pipeline), int64_t{limit}};
  RETURN_IF_ERROR(connection_->Bind(stmt.get(), values, what));
  for (;;) {
    ASSIGN_OR_RETURN(bool found, connection_->Step(stmt.get(), what));
    if (!found) break;
    auto batch = BatchFromValues(Connection::ReadRow(stmt.get(), BatchColumns().size()));
    if (!batch.ok()) {
      return batch.status().WithContext(fmt::format("sqlite metastore {}", connection_->path()));
    }
    batches.push_back(std::move(batch).value());
  }
  return batches;
}

Result<std::vector<std::string>> SqliteMetastore::ListPipelines() {
  constexpr std::string_view what = "listing pipelines";
  ASSIGN_OR_RETURN(StatementPtr stmt,
                   connection_->Prepare("SELECT name FROM freshet_pipelines ORDER BY name", what));
  std::vector<std::string> names;
  for (;;) {
    ASSIGN_OR_RETURN(bool found, connection_->Step(stmt.get(), what));
    if (!found) break;
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    names.emplace_back(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(stmt.get(), 0)));
  }
  return names;
}

Status SqliteMetastore::SetWatermark(std::string_view pipeline, std::optional<TimeMicros> watermark,
                                     TimeMicros now, bool force) {
  RETURN_IF_ERROR(ValidatePipelineName(pipeline));
  const std::string what = fmt::format("setting the watermark of pipeline {}", pipeline);
  return connection_->WriteTransaction(what, [&]() -> Status {
    ASSIGN_OR_RETURN(PipelineRow row, connection_->ReadOrCreatePipeline(pipeline, what));
    ASSIGN_OR_RETURN(RowAndBatch next, SetWatermarkRule(row, watermark, now, force));
    RETURN_IF_ERROR(connection_->WritePipeline(next.row, what));
    return connection_->InsertBatch(pipeline, next.batch, what);
  });
}

Result<int> SqliteMetastore::SchemaVersion() {
  return connection_->ReadSchemaVersion("reading the schema version");
}

}  // namespace freshet
