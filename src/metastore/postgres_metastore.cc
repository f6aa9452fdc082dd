#include "metastore/postgres_metastore.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <utility>

#include "common/clock.h"
#include "common/crash_point.h"
#include "common/log.h"
#include "metastore/database_url.h"
#include "metastore/metastore_schema.h"
#include "metastore/pipeline_rules.h"

namespace freshet {
namespace {

// Session settings: how long a call waits for another process's row lock,
// how long one statement may run, and how long the server keeps a
// transaction whose client went silent (its row lock blocks every runner).
constexpr std::string_view kSessionSetup =
    "SET lock_timeout = '10s'; SET statement_timeout = '60s'; "
    "SET idle_in_transaction_session_timeout = '60s'; SET client_min_messages = warning";

// Server notices ("relation ... already exists, skipping") are not errors;
// libpq would print them on stderr.
void IgnoreNotice(void*, const char*) {}

// Key of the advisory lock that serializes concurrent migrations. Frozen.
constexpr int64_t kMigrationLockKey = 0x6672657368657401;  // "freshet" 01

struct ConnectionDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnectionPtr = std::unique_ptr<PGconn, ConnectionDeleter>;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// Whether a failed call's retry is safe once its COMMIT may have reached the
// server: kAlways for idempotent calls and reads.
enum class Retry { kIfNotCommitted, kAlways };

const std::string& SelectPipelineSql(bool for_update) {
  static const std::string plain = fmt::format("SELECT {} FROM freshet_pipelines WHERE name = $1",
                                               ColumnList(PipelineColumns()));
  static const std::string locking = plain + " FOR UPDATE";
  return for_update ? locking : plain;
}

const std::string& UpdatePipelineSql() {
  static const std::string sql = fmt::format("UPDATE freshet_pipelines SET {} WHERE name = $1",
                                             AssignmentsAfterKey(PipelineColumns(), "$"));
  return sql;
}

const std::string& InsertBatchSql() {
  static const std::string sql =
      fmt::format("INSERT INTO freshet_batches ({}) VALUES ({})", ColumnList(BatchColumns()),
                  Placeholders("$", 1, static_cast<int>(BatchColumns().size())));
  return sql;
}

const std::string& RecentBatchesSql() {
  static const std::string sql = fmt::format(
      "SELECT {} FROM freshet_batches WHERE pipeline = $1 ORDER BY batch_id DESC LIMIT $2",
      ColumnList(BatchColumns()));
  return sql;
}

// libpq's multi-line messages ("ERROR:  x\nDETAIL:  y\n") on one line.
std::string OneLine(std::string_view text) {
  std::string out;
  bool line_break = false;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      line_break = true;
      continue;
    }
    if (line_break && (c == ' ' || c == '\t')) continue;
    if (line_break && !out.empty()) out += "; ";
    line_break = false;
    out += c == '\t' ? ' ' : c;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == ';')) out.pop_back();
  return out;
}

// Removes every known secret from text shown to users.
class Scrubber {
 public:
  void Add(std::string_view secret) {
    if (!secret.empty()) secrets_.emplace_back(secret);
  }

  std::string Scrub(std::string text) const {
    if (SafeguardDisabled("secret_redaction")) return text;
    for (const std::string& secret : secrets_) {
      for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
        text.replace(at, secret.size(), "***");
      }
    }
    return text;
  }

 private:
  std::vector<std::string> secrets_;
};

Status Scrubbed(const Scrubber& scrubber, StatusCode code, std::string message) {
  return Status(code, scrubber.Scrub(std::move(message)));
}

}  // namespace

// One libpq connection, its reconnect-once policy and the queries every call
// uses. Errors name the database by its redacted URL and are scrubbed of the
// password.
class PostgresMetastore::Connection {
 public:
  Connection(ConnectionPtr conn, std::string redacted_url, Scrubber scrubber)
      : conn_(std::move(conn)),
        redacted_url_(std::move(redacted_url)),
        scrubber_(std::move(scrubber)) {}

  void InjectFault(PostgresFault fault) { fault_ = fault; }

  // Settings every session needs; run after each (re)connect.
  Status SetUpSession() {
    ResultPtr result(PQexec(conn_.get(), std::string(kSessionSetup).c_str()));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return Fail(StatusCode::kUnavailable, "setting up the session",
                  OneLine(PQerrorMessage(conn_.get())));
    }
    return Status::OK();
  }

  // Runs `body(commit_outcome_unknown)`, which returns Status or Result<T>.
  // If the connection is lost the call reconnects once and runs `body` again
  // when `retry` allows it; `commit_outcome_unknown` then tells the body that
  // its first run's COMMIT may have been applied.
  template <typename Body>
  auto Call(std::string_view what, Retry retry, Body&& body) -> decltype(body(false)) {
    bool reconnected = false;
    bool commit_outcome_unknown = false;
    for (;;) {
      if (broken_ || PQstatus(conn_.get()) != CONNECTION_OK) {
        RETURN_IF_ERROR(Reconnect(what, commit_outcome_unknown));
        reconnected = true;
      }
      lost_ = false;
      commit_sent_ = false;
      in_transaction_ = false;
      lost_cause_.clear();
      auto result = body(commit_outcome_unknown);
      if (!lost_) {
        if (in_transaction_) Rollback();
        return result;
      }
      broken_ = true;
      const std::string& cause = lost_cause_;
      if (commit_sent_ && retry == Retry::kIfNotCommitted) {
        return Fail(StatusCode::kUnavailable, what,
                    fmt::format("lost the connection after sending COMMIT, so the change may or "
                                "may not have been applied (read the state to find out): {}",
                                cause));
      }
      if (reconnected) {
        return Fail(StatusCode::kUnavailable, what,
                    fmt::format("lost the connection again after reconnecting{}: {}",
                                commit_sent_ || commit_outcome_unknown
                                    ? "; the change may or may not have been applied (read the "
                                      "state to find out)"
                                    : "; nothing was changed",
                                cause));
      }
      commit_outcome_unknown = commit_outcome_unknown || commit_sent_;
      Log(LogLevel::kWarn, "metastore_reconnecting",
          {{"error", Fail(StatusCode::kUnavailable, what,
                          "lost the connection, reconnecting and retrying once: " + cause)
                         .message()}});
    }
  }

  // Runs one statement; `params` are sent as text ($1, $2, ...). A
  // parameterless statement may hold several commands.
  Result<ResultPtr> Exec(std::string_view what, const std::string& sql,
                         std::span<const SqlValue> params = {}) {
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* v = std::get_if<int64_t>(&params[i])) {
        texts[i] = std::to_string(*v);
        values[i] = texts[i].c_str();
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        values[i] = s->c_str();
      }
    }
    ResultPtr result(params.empty()
                         ? PQexec(conn_.get(), sql.c_str())
                         : PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()),
                                        nullptr, values.data(), nullptr, nullptr, 0));
    ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    return ErrorOf(result.get(), what);
  }

  Status Begin(std::string_view what) {
    ASSIGN_OR_RETURN(ResultPtr result, Exec(what, "BEGIN"));
    in_transaction_ = true;
    return Status::OK();
  }

  Status Commit(std::string_view what) {
    PostgresFault fault = std::exchange(fault_, PostgresFault::kNone);
    if (fault == PostgresFault::kConnectionLostBeforeCommit) {
      (void)Exec(what, "SELECT pg_terminate_backend(pg_backend_pid())");
      lost_ = true;
      lost_cause_ = "injected fault: connection lost before COMMIT";
      return Status::Unavailable(lost_cause_);
    }
    commit_sent_ = true;
    ASSIGN_OR_RETURN(ResultPtr result, Exec(what, "COMMIT"));
    in_transaction_ = false;
    if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
      return Fail(StatusCode::kIOError, what, "the server rolled the transaction back");
    }
    if (fault == PostgresFault::kCommitReplyLost) {
      (void)Exec(what, "SELECT pg_terminate_backend(pg_backend_pid())");
      lost_ = true;
      lost_cause_ = "injected fault: the reply to COMMIT was lost";
      return Status::Unavailable(lost_cause_);
    }
    return Status::OK();
  }

  void Rollback() {
    in_transaction_ = false;
    ResultPtr result(PQexec(conn_.get(), "ROLLBACK"));
    if (PQstatus(conn_.get()) != CONNECTION_OK) broken_ = true;
  }

  // Values of row `row` of `result`, read as `columns` say.
  static std::vector<SqlValue> ReadRow(const PGresult* result, int row,
                                       std::span<const Column> columns) {
    std::vector<SqlValue> values;
    values.reserve(columns.size());
    for (int i = 0; i < static_cast<int>(columns.size()); ++i) {
      if (PQgetisnull(result, row, i)) {
        values.emplace_back(std::monostate{});
        continue;
      }
      std::string_view text(PQgetvalue(result, row, i),
                            static_cast<size_t>(PQgetlength(result, row, i)));
      if (columns[i].type == ColumnType::kText) {
        values.emplace_back(std::string(text));
        continue;
      }
      int64_t number = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (ec == std::errc() && end == text.data() + text.size()) {
        values.emplace_back(number);
      } else {
        values.emplace_back(std::string(text));  // reported as Corruption by the caller
      }
    }
    return values;
  }

  // The pipeline's row, locked until the transaction ends (FOR UPDATE), or
  // nullopt. REQUIRES: in a transaction.
  Result<std::optional<PipelineRow>> ReadPipeline(std::string_view pipeline, bool for_update,
                                                  std::string_view what) {
    std::vector<SqlValue> key{std::string(pipeline)};
    ASSIGN_OR_RETURN(ResultPtr result, Exec(what, SelectPipelineSql(for_update), key));
    if (PQntuples(result.get()) == 0) return std::optional<PipelineRow>();
    auto row = PipelineRowFromValues(ReadRow(result.get(), 0, PipelineColumns()));
    if (!row.ok()) return WithUrl(row.status());
    return std::optional<PipelineRow>(std::move(row).value());
  }

  // The pipeline's row, inserted first if missing, locked. Two processes
  // creating the same pipeline: the second INSERT waits for the first's
  // transaction and then does nothing, and its SELECT sees the first's row.
  Result<PipelineRow> LockOrCreatePipeline(std::string_view pipeline, std::string_view what) {
    static const std::string insert =
        "INSERT INTO freshet_pipelines (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";
    std::vector<SqlValue> key{std::string(pipeline)};
    ASSIGN_OR_RETURN(ResultPtr inserted, Exec(what, insert, key));
    ASSIGN_OR_RETURN(std::optional<PipelineRow> row, ReadPipeline(pipeline, true, what));
    if (!row) {
      return Fail(StatusCode::kIOError, what, "the pipeline's row vanished after its insertion");
    }
    return std::move(*row);
  }

  Status WritePipeline(const PipelineRow& row, std::string_view what) {
    std::vector<SqlValue> values = PipelineRowValues(row);
    ASSIGN_OR_RETURN(ResultPtr result, Exec(what, UpdatePipelineSql(), values));
    return Status::OK();
  }

  Status InsertBatch(std::string_view pipeline, const BatchRecord& batch, std::string_view what) {
    std::vector<SqlValue> values = BatchValues(pipeline, batch);
    ASSIGN_OR_RETURN(ResultPtr result, Exec(what, InsertBatchSql(), values));
    return Status::OK();
  }

  // The id of the batch committed at `epoch` with `manifest_version`, if any.
  Result<std::optional<int64_t>> FindCommittedBatch(std::string_view pipeline, int64_t epoch,
                                                    int64_t manifest_version,
                                                    std::string_view what) {
    static const std::string sql =
        "SELECT batch_id FROM freshet_batches WHERE pipeline = $1 AND epoch = $2 AND "
        "manifest_version = $3 AND kind <> 'admin'";
    std::vector<SqlValue> values{std::string(pipeline), epoch, manifest_version};
    ASSIGN_OR_RETURN(ResultPtr result, Exec(what, sql, values));
    if (PQntuples(result.get()) == 0) return std::optional<int64_t>();
    std::vector<SqlValue> row =
        ReadRow(result.get(), 0, std::array{Column{"batch_id", ColumnType::kInt64}});
    if (const auto* id = std::get_if<int64_t>(&row[0])) return std::optional<int64_t>(*id);
    return Fail(StatusCode::kCorruption, what, "freshet_batches: batch_id is not an integer");
  }

  Result<int> ReadSchemaVersion(std::string_view what) {
    ASSIGN_OR_RETURN(ResultPtr result,
                     Exec(what, "SELECT COALESCE(MAX(version), 0) FROM freshet_schema_version"));
    return std::atoi(PQgetvalue(result.get(), 0, 0));
  }

  Status Migrate() {
    constexpr std::string_view what = "migrating the schema";
    return Call(what, Retry::kIfNotCommitted, [&](bool) -> Status {
      RETURN_IF_ERROR(Begin(what));
      std::vector<SqlValue> key{kMigrationLockKey};
      ASSIGN_OR_RETURN(ResultPtr locked, Exec(what, "SELECT pg_advisory_xact_lock($1)", key));
      ASSIGN_OR_RETURN(ResultPtr created, Exec(what, std::string(kCreateSchemaVersionTable)));
      ASSIGN_OR_RETURN(int current, ReadSchemaVersion(what));
      if (current > LatestSchemaVersion()) {
        return Fail(StatusCode::kFailedPrecondition, what,
                    fmt::format("schema version {} is newer than this build of freshet "
                                "supports ({}); upgrade freshet",
                                current, LatestSchemaVersion()));
      }
      for (const Migration& migration : SchemaMigrations()) {
        if (migration.version <= current) continue;
        std::string step = fmt::format("applying schema migration {} ({})", migration.version,
                                       migration.description);
        ASSIGN_OR_RETURN(ResultPtr applied, Exec(step, std::string(migration.postgres_sql)));
        std::vector<SqlValue> values{int64_t{migration.version}, std::string(migration.description),
                                     SystemClock().Now()};
        ASSIGN_OR_RETURN(ResultPtr recorded,
                         Exec(step,
                              "INSERT INTO freshet_schema_version (version, description, "
                              "applied_at) VALUES ($1, $2, $3)",
                              values));
      }
      return Commit(what);
    });
  }

  Status WithUrl(const Status& status) const {
    return Status(
        status.code(), status.subcode(),
        scrubber_.Scrub(fmt::format("postgres metastore {}: {}", redacted_url_, status.message())));
  }

  Status Fail(StatusCode code, std::string_view what, std::string_view detail) const {
    return Scrubbed(scrubber_, code,
                    fmt::format("postgres metastore {}: {}: {}", redacted_url_, what, detail));
  }

 private:
  Status Reconnect(std::string_view what, bool commit_outcome_unknown) {
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      return Fail(StatusCode::kUnavailable, what,
                  fmt::format("the connection was lost and reconnecting failed; {}: {}",
                              commit_outcome_unknown
                                  ? "the change may or may not have been applied (read the "
                                    "state to find out)"
                                  : "nothing was changed",
                              OneLine(PQerrorMessage(conn_.get()))));
    }
    RETURN_IF_ERROR(SetUpSession());
    broken_ = false;
    Log(LogLevel::kInfo, "metastore_reconnected", {{"url", scrubber_.Scrub(redacted_url_)}});
    return Status::OK();
  }

  // The Status of a failed statement; notes whether the connection is lost.
  Status ErrorOf(const PGresult* result, std::string_view what) {
    const char* field = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string_view sqlstate = field ? field : "";
    std::string message = OneLine(result ? PQresultErrorMessage(result) : "");
    if (message.empty()) message = OneLine(PQerrorMessage(conn_.get()));
    if (PQstatus(conn_.get()) != CONNECTION_OK || sqlstate.starts_with("08") ||
        sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
      lost_ = true;
      lost_cause_ = message;
      return Fail(StatusCode::kUnavailable, what, message);
    }
    StatusCode code = StatusCode::kIOError;
    if (sqlstate == "55P03") {
      code = StatusCode::kUnavailable;
      message += " (another process held the pipeline's lock for more than 10 s)";
    } else if (sqlstate == "57014" || sqlstate == "40001" || sqlstate == "40P01" ||
               sqlstate.starts_with("53")) {
      code = StatusCode::kUnavailable;
    } else if (sqlstate.starts_with("22")) {
      code = StatusCode::kInvalidArgument;
    }
    return Fail(code, what, message);
  }

  ConnectionPtr conn_;
  std::string redacted_url_;
  Scrubber scrubber_;
  PostgresFault fault_ = PostgresFault::kNone;
  bool broken_ = false;          // lost: reconnect before the next statement
  bool lost_ = false;            // lost during the current run of a call's body
  bool commit_sent_ = false;     // the current run sent COMMIT
  bool in_transaction_ = false;  // the current run is inside BEGIN ... COMMIT
  std::string lost_cause_;       // why the current run lost the connection
};

PostgresMetastore::PostgresMetastore(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)) {}

PostgresMetastore::~PostgresMetastore() = default;

Result<std::unique_ptr<PostgresMetastore>> PostgresMetastore::Open(std::string_view url) {
  std::string scheme = UrlScheme(url);
  std::string redacted_url = RedactUrl(url);
  if ((scheme != "postgres" && scheme != "postgresql") || url.find("://") == std::string::npos) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a postgres:// or postgresql:// URL", redacted_url));
  }
  const std::string conninfo(url);

  Scrubber scrubber;
  scrubber.Add(UrlUserInfoPassword(url));
  if (const char* env = std::getenv("PGPASSWORD")) scrubber.Add(env);
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    std::string detail = parse_error ? OneLine(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return Scrubbed(scrubber, StatusCode::kInvalidArgument,
                    fmt::format("invalid PostgreSQL URL {}: {}", redacted_url, detail));
  }
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) == "password" && option->val != nullptr) {
      scrubber.Add(option->val);
    }
  }
  PQconninfoFree(options);

  // Defaults first: the URL's own parameters override them.
  const char* keywords[] = {"connect_timeout",
                            "fallback_application_name",
                            "client_encoding",
                            "keepalives_idle",
                            "tcp_user_timeout",
                            "dbname",
                            nullptr};
  const char* values[] = {"10", "freshet", "UTF8", "30", "30000", conninfo.c_str(), nullptr};
  ConnectionPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr) {
    return Status::Unavailable(
        fmt::format("cannot connect to PostgreSQL at {}: out of memory", redacted_url));
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Scrubbed(scrubber, StatusCode::kUnavailable,
                    fmt::format("cannot connect to PostgreSQL at {}: {}", redacted_url,
                                OneLine(PQerrorMessage(conn.get()))));
  }
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);  // kept across PQreset
  auto connection =
      std::make_unique<Connection>(std::move(conn), std::move(redacted_url), std::move(scrubber));
  RETURN_IF_ERROR(connection->SetUpSession());
  RETURN_IF_ERROR(connection->Migrate());
  return std::unique_ptr<PostgresMetastore>(new PostgresMetastore(std::move(connection)));
}

void PostgresMetastore::InjectFaultForTesting(PostgresFault fault) {
  connection_->InjectFault(fault);
}

Result<int64_t> PostgresMetastore::AcquireLease(std::string_view pipeline, std::string_view holder,
                                                TimeMicros now, TimeMicros ttl,
                                                const LeaseTakeover* takeover) {
  RETURN_IF_ERROR(ValidatePipelineName(pipeline));
  const std::string what = fmt::format("acquiring the lease of pipeline {}", pipeline);
  Connection& c = *connection_;
  return c.Call(what, Retry::kIfNotCommitted, [&](bool) -> Result<int64_t> {
    RETURN_IF_ERROR(c.Begin(what));
    ASSIGN_OR_RETURN(PipelineRow row, c.LockOrCreatePipeline(pipeline, what));
    ASSIGN_OR_RETURN(PipelineRow next, AcquireLeaseRule(row, holder, now, ttl, takeover));
    RETURN_IF_ERROR(c.WritePipeline(next, what));
    RETURN_IF_ERROR(c.Commit(what));
    return next.state.epoch;
  });
}

Status PostgresMetastore::RenewLease(std::string_view pipeline, int64_t epoch, TimeMicros now,
                                     TimeMicros ttl) {
  const std::string what = fmt::format("renewing the lease of pipeline {}", pipeline);
  Connection& c = *connection_;
  // Idempotent: a second run after a lost COMMIT extends to the same expiry.
  return c.Call(what, Retry::kAlways, [&](bool) -> Status {
    RETURN_IF_ERROR(c.Begin(what));
    ASSIGN_OR_RETURN(std::optional<PipelineRow> row, c.ReadPipeline(pipeline, true, what));
    if (!row) return Status::NotFound(fmt::format("pipeline {} not found", pipeline));
    ASSIGN_OR_RETURN(PipelineRow next, RenewLeaseRule(*row, epoch, now, ttl));
    RETURN_IF_ERROR(c.WritePipeline(next, what));
    return c.Commit(what);
  });
}

Status PostgresMetastore::ReleaseLease(std::string_view pipeline, int64_t epoch) {
  const std::string what = fmt::format("releasing the lease of pipeline {}", pipeline);
  Connection& c = *connection_;
  // Idempotent: a second run after a lost COMMIT finds the lease released.
  return c.Call(what, Retry::kAlways, [&](bool) -> Status {
    RETURN_IF_ERROR(c.Begin(what));
    ASSIGN_OR_RETURN(std::optional<PipelineRow> row, c.ReadPipeline(pipeline, true, what));
    if (!row) return Status::OK();
    std::optional<PipelineRow> next = ReleaseLeaseRule(*row, epoch);
    if (!next) return Status::OK();
    RETURN_IF_ERROR(c.WritePipeline(*next, what));
    return c.Commit(what);
  });
}

Result<PipelineState> PostgresMetastore::GetState(std::string_view pipeline) {
  const std::string what = fmt::format("reading the state of pipeline {}", pipeline);
  Connection& c = *connection_;
  return c.Call(what, Retry::kAlways, [&](bool) -> Result<PipelineState> {
    ASSIGN_OR_RETURN(std::optional<PipelineRow> row, c.ReadPipeline(pipeline, false, what));
    if (!row) return Status::NotFound(fmt::format("pipeline {} not found", pipeline));
    return std::move(row->state);
  });
}

Result<int64_t> PostgresMetastore::CommitBatch(std::string_view pipeline, int64_t epoch,
                                               const Commit& commit) {
  const std::string what = fmt::format("committing manifest version {} of pipeline {}",
                                       commit.manifest_version, pipeline);
  Connection& c = *connection_;
  return c.Call(what, Retry::kAlways, [&](bool commit_outcome_unknown) -> Result<int64_t> {
    RETURN_IF_ERROR(c.Begin(what));
    ASSIGN_OR_RETURN(std::optional<PipelineRow> row, c.ReadPipeline(pipeline, true, what));
    if (!row) return Status::NotFound(fmt::format("pipeline {} not found", pipeline));
    if (commit_outcome_unknown) {
      // The row lock orders this run after the first run's transaction,
      // whether it committed or not: its batch is visible here if it did.
      ASSIGN_OR_RETURN(std::optional<int64_t> committed,
                       c.FindCommittedBatch(pipeline, epoch, commit.manifest_version, what));
      if (committed) {
        c.Rollback();
        return *committed;
      }
    }
    ASSIGN_OR_RETURN(RowAndBatch next, CommitBatchRule(*row, epoch, commit));
    RETURN_IF_ERROR(c.WritePipeline(next.row, what));
    RETURN_IF_ERROR(c.InsertBatch(pipeline, next.batch, what));
    RETURN_IF_ERROR(c.Commit(what));
    return next.batch.batch_id;
  });
}

Result<std::vector<BatchRecord>> PostgresMetastore::RecentBatches(std::string_view pipeline,
                                                                  int limit) {
  const std::string what = fmt::format("reading the batch log of pipeline {}", pipeline);
  Connection& c = *connection_;
  return c.Call(what, Retry::kAlways, [&](bool) -> Result<std::vector<BatchRecord>> {
    std::vector<BatchRecord> batches;
    if (limit <= 0) return batches;
    std::vector<SqlValue> values{std::string(pipeline), int64_t{limit}};
    ASSIGN_OR_RETURN(ResultPtr result, c.Exec(what, RecentBatchesSql(), values));
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      auto batch = BatchFromValues(Connection::ReadRow(result.get(), i, BatchColumns()));
      if (!batch.ok()) return c.WithUrl(batch.status());
      batches.push_back(std::move(batch).value());
    }
    return batches;
  });
}

Result<std::vector<std::string>> PostgresMetastore::ListPipelines() {
  constexpr std::string_view what = "listing pipelines";
  Connection& c = *connection_;
  return c.Call(what, Retry::kAlways, [&](bool) -> Result<std::vector<std::string>> {
    // COLLATE "C": byte order, as SQLite sorts.
    ASSIGN_OR_RETURN(
        ResultPtr result,
        c.Exec(what, "SELECT name FROM freshet_pipelines ORDER BY name COLLATE \"C\""));
    std::vector<std::string> names;
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      names.emplace_back(PQgetvalue(result.get(), i, 0),
                         static_cast<size_t>(PQgetlength(result.get(), i, 0)));
    }
    return names;
  });
}

Status PostgresMetastore::SetWatermark(std::string_view pipeline,
                                       std::optional<TimeMicros> watermark, TimeMicros now,
                                       bool force) {
  RETURN_IF_ERROR(ValidatePipelineName(pipeline));
  const std::string what = fmt::format("setting the watermark of pipeline {}", pipeline);
  Connection& c = *connection_;
  return c.Call(what, Retry::kIfNotCommitted, [&](bool) -> Status {
    RETURN_IF_ERROR(c.Begin(what));
    ASSIGN_OR_RETURN(PipelineRow row, c.LockOrCreatePipeline(pipeline, what));
    ASSIGN_OR_RETURN(RowAndBatch next, SetWatermarkRule(row, watermark, now, force));
    RETURN_IF_ERROR(c.WritePipeline(next.row, what));
    RETURN_IF_ERROR(c.InsertBatch(pipeline, next.batch, what));
    return c.Commit(what);
  });
}

Result<int> PostgresMetastore::SchemaVersion() {
  constexpr std::string_view what = "reading the schema version";
  Connection& c = *connection_;
  return c.Call(what, Retry::kAlways,
                [&](bool) -> Result<int> { return c.ReadSchemaVersion(what); });
}

}  // namespace freshet
