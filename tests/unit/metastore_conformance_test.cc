// The metastore's contract, run unchanged against every backend: SQLite (a
// temporary file) and PostgreSQL (a fresh schema in the database named by
// FRESHET_TEST_POSTGRES_URL, which scripts/with-postgres.sh provides; without
// it the PostgreSQL cases are skipped). PostgreSQL's reconnection is tested
// at the end, against a terminated backend and an unreachable server.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <latch>
#include <mutex>
#include <ostream>
#include <thread>

#include "common/clock.h"
#include "metastore/database_url.h"
#include "metastore/metastore.h"
#include "metastore/metastore_schema.h"
#include "metastore/postgres_metastore.h"

namespace freshet {
namespace {

constexpr std::string_view kPostgresUrlVariable = "FRESHET_TEST_POSTGRES_URL";
constexpr TimeMicros kTtl = 5 * kMicrosPerMinute;

std::string StatusText(const Status& status) { return status.ToString(); }
template <typename T>
std::string StatusText(const Result<T>& result) {
  return result.ok() ? "OK" : result.status().ToString();
}
const Status& StatusOf(const Status& status) { return status; }
template <typename T>
Status StatusOf(const Result<T>& result) {
  return result.ok() ? Status::OK() : result.status();
}

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    const auto& _assert_ok = (expr);                        \
    ASSERT_TRUE(_assert_ok.ok()) << StatusText(_assert_ok); \
  } while (0)

#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  ASSERT_TRUE(tmp.ok()) << StatusText(tmp);       \
  lhs = std::move(tmp).value()

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(FRESHET_CONCAT(_assert_result_, __LINE__), lhs, expr)

// Asserts the code and the exact message a user reads.
#define EXPECT_STATUS(expr, status_code, text)                                  \
  do {                                                                          \
    Status _expect_status = StatusOf(expr);                                     \
    EXPECT_EQ(_expect_status.code(), status_code) << _expect_status.ToString(); \
    EXPECT_EQ(_expect_status.message(), text);                                  \
  } while (0)

TimeMicros At(std::string_view text) {
  auto t = ParseTimestamp(text);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : 0;
}

const TimeMicros kT0 = At("2026-05-04T10:00:00Z");

std::string UniqueSuffix() {
  static std::atomic<int> counter{0};
  return std::to_string(getpid()) + "_" + std::to_string(counter++);
}

std::string PostgresBaseUrl() {
  const char* url = std::getenv(std::string(kPostgresUrlVariable).c_str());
  return url ? url : "";
}

std::string WithQueryParam(std::string url, std::string_view param) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += param;
  return url;
}

// Runs `child(index, wait_for_start)` in `count` forked processes and returns
// their exit codes. Each child calls wait_for_start() once it is ready (for
// example, has opened its own metastore); all are released together when
// every child is ready. REQUIRES: no metastore open in this process (SQLite
// connections must not cross a fork).
std::vector<int> RunInProcesses(
    int count, const std::function<int(int, const std::function<void()>&)>& child) {
  int ready[2];
  int gate[2];
  if (pipe(ready) != 0 || pipe(gate) != 0) return {};
  std::vector<pid_t> pids;
  for (int i = 0; i < count; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      close(ready[0]);
      close(gate[1]);
      auto wait_for_start = [&] {
        char byte = 'r';
        if (write(ready[1], &byte, 1) != 1) _exit(90);
        while (read(gate[0], &byte, 1) > 0) {
        }  // EOF: the parent released everyone
      };
      _exit(child(i, wait_for_start));
    }
    pids.push_back(pid);
  }
  close(ready[1]);
  close(gate[0]);
  char byte;
  for (int i = 0; i < count && read(ready[0], &byte, 1) == 1; ++i) {
  }
  close(gate[1]);
  close(ready[0]);
  std::vector<int> codes;
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  return codes;
}

// ----------------------------------------------------------------------------
// Test databases: a fresh, empty database per test, and raw SQL access to it.

class TestDatabase {
 public:
  virtual ~TestDatabase() = default;
  // The URL Metastore::Open takes.
  virtual std::string url(std::string_view application_name = "") const = 0;
  // Runs SQL directly; returns the first column of the first row, if any.
  virtual Result<std::string> Query(const std::string& sql) = 0;
};

class SqliteTestDatabase final : public TestDatabase {
 public:
  SqliteTestDatabase()
      : dir_(std::filesystem::temp_directory_path() / ("freshet-metastore-" + UniqueSuffix())) {}
  ~SqliteTestDatabase() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // "sqlite:///abs/...": the parent folder "state" does not exist yet.
  std::string url(std::string_view = "") const override {
    return "sqlite://" + (dir_ / "state" / "freshet.db").string();
  }

  Result<std::string> Query(const std::string& sql) override {
    sqlite3* db = nullptr;
    std::string path = (dir_ / "state" / "freshet.db").string();
    int rc = sqlite3_open(path.c_str(), &db);
    std::string first;
    char* error = nullptr;
    if (rc == SQLITE_OK) {
      rc = sqlite3_exec(
          db, sql.c_str(),
          [](void* out, int columns, char** values, char**) {
            auto* text = static_cast<std::string*>(out);
            if (text->empty() && columns > 0 && values[0] != nullptr) *text = values[0];
            return 0;
          },
          &first, &error);
    }
    std::string message = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    sqlite3_close(db);
    if (rc != SQLITE_OK) return Status::IOError(message);
    return first;
  }

 private:
  std::filesystem::path dir_;
};

// A schema of its own in the server's database, dropped at the end; the
// metastore reaches it through search_path.
class PostgresTestDatabase final : public TestDatabase {
 public:
  static Result<std::unique_ptr<PostgresTestDatabase>> Create(const std::string& base_url) {
    auto db = std::unique_ptr<PostgresTestDatabase>(new PostgresTestDatabase(base_url));
    PQsetNoticeProcessor(
        db->admin_, [](void*, const char*) {}, nullptr);
    if (PQstatus(db->admin_) != CONNECTION_OK) {
      return Status::Unavailable("cannot connect to " + RedactUrl(base_url) + ": " +
                                 PQerrorMessage(db->admin_));
    }
    auto created =
        db->Query("CREATE SCHEMA " + db->schema_ + "; SET search_path TO " + db->schema_);
    if (!created.ok()) return created.status();
    return db;
  }

  ~PostgresTestDatabase() override {
    PQclear(PQexec(admin_, ("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").c_str()));
    PQfinish(admin_);
  }

  std::string url(std::string_view application_name = "") const override {
    std::string url = WithQueryParam(base_url_, "options=-c%20search_path%3D" + schema_);
    if (!application_name.empty()) {
      url = WithQueryParam(url, "application_name=" + std::string(application_name));
    }
    return url;
  }

  Result<std::string> Query(const std::string& sql) override {
    PGresult* result = PQexec(admin_, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    std::string first;
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) first = PQgetvalue(result, 0, 0);
    std::string error = PQresultErrorMessage(result);
    PQclear(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      return Status::IOError(error);
    }
    return first;
  }

  // Ends the server processes of every session named `application_name` and
  // waits until they are gone, as a database restart would.
  Status TerminateSessions(const std::string& application_name) {
    std::string name_literal = "'" + application_name + "'";
    auto terminated = Query(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = " +
        name_literal);
    if (!terminated.ok()) return terminated.status();
    if (*terminated == "0") return Status::NotFound("no session named " + application_name);
    for (int i = 0; i < 500; ++i) {
      auto left =
          Query("SELECT count(*) FROM pg_stat_activity WHERE application_name = " + name_literal);
      if (!left.ok()) return left.status();
      if (*left == "0") return Status::OK();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Status::Unavailable("sessions named " + application_name + " did not end");
  }

 private:
  explicit PostgresTestDatabase(std::string base_url)
      : base_url_(std::move(base_url)),
        schema_("freshet_test_" + UniqueSuffix()),
        admin_(PQconnectdb(base_url_.c_str())) {}

  std::string base_url_;
  std::string schema_;
  PGconn* admin_;
};

enum class Backend { kSqlite, kPostgres };

std::string BackendName(const testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

// Fills `database` with a fresh database of `backend`, or skips the test.
void MakeDatabase(Backend backend, std::unique_ptr<TestDatabase>* database) {
  if (backend == Backend::kSqlite) {
    *database = std::make_unique<SqliteTestDatabase>();
    return;
  }
  std::string base = PostgresBaseUrl();
  if (base.empty()) {
    GTEST_SKIP() << kPostgresUrlVariable
                 << " is not set, so the PostgreSQL backend is not tested here; run the suite "
                    "under scripts/with-postgres.sh to start a server and set it";
  }
  ASSERT_OK_AND_ASSIGN(*database, PostgresTestDatabase::Create(base));
}

// ----------------------------------------------------------------------------
// The conformance suite.

class MetastoreConformanceTest : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    MakeDatabase(GetParam(), &database_);
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(store_, Metastore::Open(database_->url()));
  }

  // A commit of the next manifest version `version` with a distinct batch.
  static Commit MakeCommit(int64_t version, std::optional<TimeMicros> watermark) {
    Commit commit;
    commit.watermark = watermark;
    commit.manifest_version = version;
    commit.manifest_key = "manifests/" + std::to_string(version) + ".json";
    commit.window_fingerprint = "fp-" + std::to_string(version);
    commit.batch.kind = "delta";
    commit.batch.started_at = kT0 + version * kMicrosPerMinute;
    commit.batch.finished_at = commit.batch.started_at + 3 * kMicrosPerSecond;
    commit.batch.target_partition = watermark;
    commit.batch.window_start = kT0 - kMicrosPerHour;
    commit.batch.lag_policy = "latest";
    commit.batch.docs = 100 * version;
    return commit;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Metastore> store_;
};

TEST_P(MetastoreConformanceTest, AcquireLeaseCreatesThePipelineAtEpochOne) {
  EXPECT_STATUS(store_->GetState("ads"), StatusCode::kNotFound, "pipeline ads not found");
  ASSERT_OK_AND_ASSIGN(int64_t epoch, store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  EXPECT_EQ(epoch, 1);

  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.pipeline, "ads");
  EXPECT_FALSE(state.watermark.has_value());
  EXPECT_EQ(state.manifest_version, 0);
  EXPECT_EQ(state.manifest_key, "");
  EXPECT_EQ(state.epoch, 1);
  EXPECT_EQ(state.lease_holder, "runner-a");
  EXPECT_EQ(state.lease_expires, kT0 + kTtl);
  EXPECT_EQ(state.window_fingerprint, "");
  ASSERT_OK_AND_ASSIGN(auto pipelines, store_->ListPipelines());
  EXPECT_EQ(pipelines, std::vector<std::string>{"ads"});
}

TEST_P(MetastoreConformanceTest, LiveLeaseRefusesAnotherHolderNamingHolderAndExpiry) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  EXPECT_STATUS(store_->AcquireLease("ads", "runner-b", kT0 + kTtl - 1, kTtl),
                StatusCode::kFailedPrecondition,
                "pipeline ads is leased by runner-a until 2026-05-04T10:05:00Z (epoch 1)");
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.epoch, 1);
  EXPECT_EQ(state.lease_holder, "runner-a");
}

TEST_P(MetastoreConformanceTest, LeaseAndFencingErrorsCarryTheirSubCodes) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  Status held = StatusOf(store_->AcquireLease("ads", "runner-b", kT0 + 1, kTtl));
  EXPECT_TRUE(held.IsLeaseHeld()) << held.ToString();
  EXPECT_TRUE(StatusOf(store_->SetWatermark("ads", kT0, kT0 + 1, false)).IsLeaseHeld());
  ASSERT_OK(store_->AcquireLease("ads", "runner-b", kT0 + kTtl, kTtl));
  Status fenced = StatusOf(store_->RenewLease("ads", 1, kT0 + kTtl, kTtl));
  EXPECT_TRUE(fenced.IsFenced()) << fenced.ToString();
  EXPECT_TRUE(StatusOf(store_->CommitBatch("ads", 1, MakeCommit(1, kT0))).IsFenced());
  Status out_of_order = StatusOf(store_->CommitBatch("ads", 2, MakeCommit(5, kT0)));
  EXPECT_EQ(out_of_order.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(out_of_order.subcode(), StatusSubCode::kNone);
}

TEST_P(MetastoreConformanceTest, LiveLeaseOfAGoneHolderIsTakenOverOnlyAtTheEpochSeen) {
  ASSERT_OK(store_->AcquireLease("ads", "host:100", kT0, kTtl));
  // Another holder, or the same one at another epoch, is not the one found gone.
  LeaseTakeover other_holder{"host:200", 1};
  EXPECT_STATUS(store_->AcquireLease("ads", "host:300", kT0 + 1, kTtl, &other_holder),
                StatusCode::kFailedPrecondition,
                "pipeline ads is leased by host:100 until 2026-05-04T10:05:00Z (epoch 1)");
  LeaseTakeover other_epoch{"host:100", 7};
  EXPECT_TRUE(
      StatusOf(store_->AcquireLease("ads", "host:300", kT0 + 1, kTtl, &other_epoch)).IsLeaseHeld());
  LeaseTakeover gone{"host:100", 1};
  ASSERT_OK_AND_ASSIGN(int64_t epoch,
                       store_->AcquireLease("ads", "host:300", kT0 + 1, kTtl, &gone));
  EXPECT_EQ(epoch, 2);
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.lease_holder, "host:300");
  EXPECT_EQ(state.lease_expires, kT0 + 1 + kTtl);
  // The gone holder's epoch is fenced; a second takeover from the same sighting fails.
  EXPECT_TRUE(StatusOf(store_->CommitBatch("ads", 1, MakeCommit(1, kT0))).IsFenced());
  EXPECT_TRUE(
      StatusOf(store_->AcquireLease("ads", "host:400", kT0 + 2, kTtl, &gone)).IsLeaseHeld());
}

TEST_P(MetastoreConformanceTest, ExpiredLeaseIsTakenOverWithTheNextEpoch) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  ASSERT_OK_AND_ASSIGN(int64_t epoch, store_->AcquireLease("ads", "runner-b", kT0 + kTtl, kTtl));
  EXPECT_EQ(epoch, 2);
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.lease_holder, "runner-b");
  EXPECT_EQ(state.lease_expires, kT0 + 2 * kTtl);
}

TEST_P(MetastoreConformanceTest, HolderReacquiringItsLiveLeaseGetsANewEpoch) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  ASSERT_OK_AND_ASSIGN(int64_t epoch,
                       store_->AcquireLease("ads", "runner-a", kT0 + kMicrosPerMinute, kTtl));
  EXPECT_EQ(epoch, 2);
  // The runner's previous incarnation is fenced.
  EXPECT_STATUS(store_->CommitBatch("ads", 1, MakeCommit(1, kT0)), StatusCode::kFailedPrecondition,
                "fenced: epoch 1 is not the current epoch 2 of pipeline ads");
}

TEST_P(MetastoreConformanceTest, RenewLeaseExtendsTheLeaseUntilSomeoneTakesOver) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  ASSERT_OK(store_->RenewLease("ads", 1, kT0 + 4 * kMicrosPerMinute, kTtl));
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.lease_expires, kT0 + 9 * kMicrosPerMinute);
  EXPECT_EQ(state.epoch, 1);

  EXPECT_STATUS(store_->AcquireLease("ads", "runner-b", kT0 + 8 * kMicrosPerMinute, kTtl),
                StatusCode::kFailedPrecondition,
                "pipeline ads is leased by runner-a until 2026-05-04T10:09:00Z (epoch 1)");
  // A lease that expired without a takeover can still be renewed.
  ASSERT_OK(store_->RenewLease("ads", 1, kT0 + 10 * kMicrosPerMinute, kTtl));
  ASSERT_OK_AND_ASSIGN(int64_t epoch,
                       store_->AcquireLease("ads", "runner-b", kT0 + 15 * kMicrosPerMinute, kTtl));
  EXPECT_EQ(epoch, 2);
  EXPECT_STATUS(store_->RenewLease("ads", 1, kT0 + 16 * kMicrosPerMinute, kTtl),
                StatusCode::kFailedPrecondition,
                "fenced: epoch 1 is not the current epoch 2 of pipeline ads");
  EXPECT_STATUS(store_->RenewLease("items", 1, kT0, kTtl), StatusCode::kNotFound,
                "pipeline items not found");
}

TEST_P(MetastoreConformanceTest, ReleasedLeaseLetsTheNextHolderInAtOnceAndFencesItsEpoch) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  ASSERT_OK(store_->ReleaseLease("ads", 1));
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.lease_holder, "");
  EXPECT_EQ(state.epoch, 1);
  EXPECT_STATUS(store_->CommitBatch("ads", 1, MakeCommit(1, kT0)), StatusCode::kFailedPrecondition,
                "fenced: the lease of pipeline ads at epoch 1 was released");
  EXPECT_STATUS(store_->RenewLease("ads", 1, kT0, kTtl), StatusCode::kFailedPrecondition,
                "fenced: the lease of pipeline ads at epoch 1 was released");

  ASSERT_OK_AND_ASSIGN(int64_t epoch,
                       store_->AcquireLease("ads", "runner-b", kT0 + kMicrosPerSecond, kTtl));
  EXPECT_EQ(epoch, 2);
  // A stale release is a no-op: runner-b keeps its lease.
  ASSERT_OK(store_->ReleaseLease("ads", 1));
  ASSERT_OK(store_->ReleaseLease("never-seen", 1));
  ASSERT_OK_AND_ASSIGN(state, store_->GetState("ads"));
  EXPECT_EQ(state.lease_holder, "runner-b");
  EXPECT_EQ(state.epoch, 2);
}

TEST_P(MetastoreConformanceTest, OldEpochIsFencedAfterTakeoverAndWritesNothing) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(1, At("2026-05-04T09:55:00Z"))));
  ASSERT_OK(store_->AcquireLease("ads", "runner-b", kT0 + kTtl, kTtl));

  EXPECT_STATUS(store_->CommitBatch("ads", 1, MakeCommit(2, At("2026-05-04T10:00:00Z"))),
                StatusCode::kFailedPrecondition,
                "fenced: epoch 1 is not the current epoch 2 of pipeline ads");
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.manifest_version, 1);
  EXPECT_EQ(state.manifest_key, "manifests/1.json");
  EXPECT_EQ(state.watermark, At("2026-05-04T09:55:00Z"));
  ASSERT_OK_AND_ASSIGN(auto batches, store_->RecentBatches("ads", 10));
  EXPECT_EQ(batches.size(), 1u);

  ASSERT_OK_AND_ASSIGN(int64_t batch_id,
                       store_->CommitBatch("ads", 2, MakeCommit(2, At("2026-05-04T10:00:00Z"))));
  EXPECT_EQ(batch_id, 2);
}

TEST_P(MetastoreConformanceTest, CommitRecordsManifestWatermarkAndFingerprint) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  for (int64_t version = 1; version <= 3; ++version) {
    TimeMicros watermark = kT0 + version * 5 * kMicrosPerMinute;
    ASSERT_OK_AND_ASSIGN(int64_t batch_id,
                         store_->CommitBatch("ads", 1, MakeCommit(version, watermark)));
    EXPECT_EQ(batch_id, version);
    ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
    EXPECT_EQ(state.manifest_version, version);
    EXPECT_EQ(state.manifest_key, "manifests/" + std::to_string(version) + ".json");
    EXPECT_EQ(state.window_fingerprint, "fp-" + std::to_string(version));
    EXPECT_EQ(state.watermark, watermark);
    EXPECT_EQ(state.epoch, 1);
    EXPECT_EQ(state.lease_holder, "runner-a");
  }
}

TEST_P(MetastoreConformanceTest, CommitMustBeTheNextManifestVersion) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  EXPECT_STATUS(store_->CommitBatch("ads", 1, MakeCommit(2, kT0)), StatusCode::kFailedPrecondition,
                "out of order: manifest version 2 is not the next version 1 of pipeline ads");
  ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(1, kT0)));
  // A replayed commit (a retry after a crash) is refused, not applied twice.
  EXPECT_STATUS(store_->CommitBatch("ads", 1, MakeCommit(1, kT0)), StatusCode::kFailedPrecondition,
                "out of order: manifest version 1 is not the next version 2 of pipeline ads");
  ASSERT_OK_AND_ASSIGN(auto batches, store_->RecentBatches("ads", 10));
  EXPECT_EQ(batches.size(), 1u);
  EXPECT_STATUS(store_->CommitBatch("unknown", 1, MakeCommit(1, kT0)), StatusCode::kNotFound,
                "pipeline unknown not found");
}

TEST_P(MetastoreConformanceTest, WatermarkNeverMovesBackwardsThroughCommits) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(1, At("2026-05-04T10:30:00Z"))));
  EXPECT_STATUS(store_->CommitBatch("ads", 1, MakeCommit(2, At("2026-05-04T10:25:00Z"))),
                StatusCode::kFailedPrecondition,
                "watermark of pipeline ads would move backwards, from 2026-05-04T10:30:00Z to "
                "2026-05-04T10:25:00Z");
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.watermark, At("2026-05-04T10:30:00Z"));
  EXPECT_EQ(state.manifest_version, 1);

  // The same partition again (late files) is fine; nullopt leaves it alone.
  ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(2, At("2026-05-04T10:30:00Z"))));
  ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(3, std::nullopt)));
  ASSERT_OK_AND_ASSIGN(state, store_->GetState("ads"));
  EXPECT_EQ(state.watermark, At("2026-05-04T10:30:00Z"));
  EXPECT_EQ(state.manifest_version, 3);
}

TEST_P(MetastoreConformanceTest, SetWatermarkIsRefusedWhileLeasedUnlessForcedAndFencesTheRunner) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(1, At("2026-05-04T10:30:00Z"))));

  TimeMicros now = kT0 + kMicrosPerMinute;
  EXPECT_STATUS(store_->SetWatermark("ads", At("2026-05-04T09:00:00Z"), now, /*force=*/false),
                StatusCode::kFailedPrecondition,
                "pipeline ads is leased by runner-a until 2026-05-04T10:05:00Z (epoch 1): stop "
                "its runner first, or force the change");
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.watermark, At("2026-05-04T10:30:00Z"));

  ASSERT_OK(store_->SetWatermark("ads", At("2026-05-04T09:00:00Z"), now, /*force=*/true));
  ASSERT_OK_AND_ASSIGN(state, store_->GetState("ads"));
  EXPECT_EQ(state.watermark, At("2026-05-04T09:00:00Z"));  // backwards, by an admin
  EXPECT_EQ(state.epoch, 2);
  EXPECT_EQ(state.lease_holder, "");
  EXPECT_EQ(state.manifest_version, 1);

  ASSERT_OK_AND_ASSIGN(auto batches, store_->RecentBatches("ads", 1));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].kind, "admin");
  EXPECT_EQ(batches[0].batch_id, 2);
  EXPECT_EQ(batches[0].epoch, 2);
  EXPECT_EQ(batches[0].target_partition, At("2026-05-04T09:00:00Z"));
  EXPECT_EQ(batches[0].started_at, now);
  EXPECT_EQ(batches[0].manifest_version, 1);

  // The runner cannot undo the admin's change with a batch planned before it.
  EXPECT_STATUS(store_->CommitBatch("ads", 1, MakeCommit(2, At("2026-05-04T10:35:00Z"))),
                StatusCode::kFailedPrecondition,
                "fenced: epoch 1 is not the current epoch 2 of pipeline ads");
  EXPECT_EQ(store_->RenewLease("ads", 1, now, kTtl).code(), StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(int64_t epoch, store_->AcquireLease("ads", "runner-a", now, kTtl));
  EXPECT_EQ(epoch, 3);
  ASSERT_OK(store_->CommitBatch("ads", 3, MakeCommit(2, At("2026-05-04T09:05:00Z"))));
}

TEST_P(MetastoreConformanceTest, SetWatermarkWithoutLiveLeaseMovesBackwardsOrClears) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(1, At("2026-05-04T10:30:00Z"))));

  ASSERT_OK(store_->SetWatermark("ads", At("2026-05-04T10:00:00Z"), kT0 + kTtl, false));
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.watermark, At("2026-05-04T10:00:00Z"));

  ASSERT_OK(store_->SetWatermark("ads", std::nullopt, kT0 + kTtl, false));
  ASSERT_OK_AND_ASSIGN(state, store_->GetState("ads"));
  EXPECT_FALSE(state.watermark.has_value());
  ASSERT_OK_AND_ASSIGN(auto batches, store_->RecentBatches("ads", 1));
  EXPECT_EQ(batches[0].kind, "admin");
  EXPECT_FALSE(batches[0].target_partition.has_value());

  // An admin may set the starting point of a pipeline no runner has seen.
  ASSERT_OK(store_->SetWatermark("items", At("2026-05-01T00:00:00Z"), kT0, false));
  ASSERT_OK_AND_ASSIGN(state, store_->GetState("items"));
  EXPECT_EQ(state.watermark, At("2026-05-01T00:00:00Z"));
  EXPECT_EQ(state.manifest_version, 0);
}

TEST_P(MetastoreConformanceTest, BatchLogRoundTripsEveryField) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  Commit commit;
  commit.watermark = At("2026-05-04T10:05:00Z");
  commit.manifest_version = 1;
  commit.manifest_key = "ads/manifests/000001-3f2a.json";
  commit.window_fingerprint = "xxh3:0123456789abcdef";
  BatchRecord& b = commit.batch;
  b.batch_id = 777;  // assigned by the metastore: ignored
  b.epoch = 1;
  b.kind = "base";
  b.started_at = At("2026-05-04T10:06:00.123456Z");
  b.finished_at = At("2026-05-04T10:06:42.5Z");
  b.target_partition = At("2026-05-04T10:05:00Z");
  b.window_start = At("2026-05-04T09:05:00Z");
  b.lag_policy = "bounded";
  b.manifest_version = 1;
  b.manifest_key = commit.manifest_key;
  b.window_fingerprint = commit.window_fingerprint;
  b.partitions_read = 12;
  b.partitions_empty = 3;
  b.publications_skipped = 4;
  b.files_read = 56;
  b.files_cached = 7;
  b.records = 8'000'000'001;
  b.docs = 9'001;
  b.deleted_docs = 10;
  b.groups = 11;
  b.bad_records = 12;
  b.bytes_written = 13'000'000'000;
  b.list_micros = 14;
  b.read_micros = 15;
  b.build_micros = 16;
  b.publish_micros = 17;
  b.commit_micros = 18;
  b.source_version = 19;
  b.group_source_version = 20;
  b.quarantine = {"ads/dt=2026-05-04/part-0.jsonl:3: expected \"}\"",
                  "back\\slash: and a tab\there",
                  "two\nlines",
                  "unicode: caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9D\x84\x9E",
                  "control \x01 byte",
                  ""};
  ASSERT_OK_AND_ASSIGN(int64_t batch_id, store_->CommitBatch("ads", 1, commit));
  EXPECT_EQ(batch_id, 1);

  Commit second = MakeCommit(2, std::nullopt);
  second.batch.target_partition = std::nullopt;
  ASSERT_OK(store_->CommitBatch("ads", 1, second));

  ASSERT_OK_AND_ASSIGN(auto batches, store_->RecentBatches("ads", 2));
  ASSERT_EQ(batches.size(), 2u);
  const BatchRecord& got = batches[1];
  EXPECT_EQ(got.batch_id, 1);
  EXPECT_EQ(got.epoch, b.epoch);
  EXPECT_EQ(got.kind, b.kind);
  EXPECT_EQ(got.started_at, b.started_at);
  EXPECT_EQ(got.finished_at, b.finished_at);
  EXPECT_EQ(got.target_partition, b.target_partition);
  EXPECT_EQ(got.window_start, b.window_start);
  EXPECT_EQ(got.lag_policy, b.lag_policy);
  EXPECT_EQ(got.manifest_version, b.manifest_version);
  EXPECT_EQ(got.manifest_key, b.manifest_key);
  EXPECT_EQ(got.window_fingerprint, b.window_fingerprint);
  EXPECT_EQ(got.partitions_read, b.partitions_read);
  EXPECT_EQ(got.partitions_empty, b.partitions_empty);
  EXPECT_EQ(got.publications_skipped, b.publications_skipped);
  EXPECT_EQ(got.files_read, b.files_read);
  EXPECT_EQ(got.files_cached, b.files_cached);
  EXPECT_EQ(got.records, b.records);
  EXPECT_EQ(got.docs, b.docs);
  EXPECT_EQ(got.deleted_docs, b.deleted_docs);
  EXPECT_EQ(got.groups, b.groups);
  EXPECT_EQ(got.bad_records, b.bad_records);
  EXPECT_EQ(got.bytes_written, b.bytes_written);
  EXPECT_EQ(got.list_micros, b.list_micros);
  EXPECT_EQ(got.read_micros, b.read_micros);
  EXPECT_EQ(got.build_micros, b.build_micros);
  EXPECT_EQ(got.publish_micros, b.publish_micros);
  EXPECT_EQ(got.commit_micros, b.commit_micros);
  EXPECT_EQ(got.source_version, b.source_version);
  EXPECT_EQ(got.group_source_version, b.group_source_version);
  EXPECT_EQ(got.quarantine, b.quarantine);

  EXPECT_EQ(batches[0].batch_id, 2);
  EXPECT_FALSE(batches[0].target_partition.has_value());
  EXPECT_TRUE(batches[0].quarantine.empty());
  EXPECT_EQ(batches[0].docs, 200);
  EXPECT_FALSE(batches[0].source_version.has_value());
}

TEST_P(MetastoreConformanceTest, CommitRecordsTheDeltaTableVersionsReadWithTheWatermark) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  ASSERT_OK_AND_ASSIGN(PipelineState before, store_->GetState("ads"));
  EXPECT_FALSE(before.source_version.has_value());
  EXPECT_FALSE(before.group_source_version.has_value());
  Commit first = MakeCommit(1, kT0);
  first.batch.source_version = 5;
  first.batch.group_source_version = 2;
  ASSERT_OK(store_->CommitBatch("ads", 1, first));
  ASSERT_OK_AND_ASSIGN(PipelineState one, store_->GetState("ads"));
  EXPECT_EQ(one.source_version, 5);
  EXPECT_EQ(one.group_source_version, 2);
  // A batch that read no table (a base, a compaction) leaves them.
  ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(2, kT0)));
  ASSERT_OK_AND_ASSIGN(PipelineState two, store_->GetState("ads"));
  EXPECT_EQ(two.source_version, 5);
  EXPECT_EQ(two.group_source_version, 2);
  Commit third = MakeCommit(3, kT0 + 5 * kMicrosPerMinute);
  third.batch.source_version = 9;
  ASSERT_OK(store_->CommitBatch("ads", 1, third));
  ASSERT_OK_AND_ASSIGN(PipelineState three, store_->GetState("ads"));
  EXPECT_EQ(three.source_version, 9);
  EXPECT_EQ(three.group_source_version, 2);
  EXPECT_EQ(three.watermark, kT0 + 5 * kMicrosPerMinute);
}

TEST_P(MetastoreConformanceTest, ADatabaseOfTheFirstSchemaIsMigratedKeepingItsRows) {
  std::unique_ptr<TestDatabase> old;
  MakeDatabase(GetParam(), &old);
  if (const std::string url = old->url(); url.starts_with("sqlite://")) {
    // The file's folder is made by Open, which is not called yet.
    std::filesystem::create_directories(std::filesystem::path(url.substr(9)).parent_path());
  }
  ASSERT_OK(old->Query(std::string(kCreateSchemaVersionTable)));
  std::string_view initial = SchemaMigrations()[0].sqlite_sql;  // both dialects
  for (size_t pos = 0; pos < initial.size();) {
    size_t end = std::min(initial.find(';', pos), initial.size());
    std::string statement(initial.substr(pos, end - pos));
    pos = end + 1;
    if (statement.find_first_not_of(" \n") == std::string::npos) continue;
    ASSERT_OK(old->Query(statement));
  }
  ASSERT_OK(old->Query(
      "INSERT INTO freshet_schema_version (version, description, applied_at) VALUES (1, 'x', 0)"));
  ASSERT_OK(
      old->Query("INSERT INTO freshet_pipelines (name, watermark, manifest_version) "
                 "VALUES ('ads', 123, 4)"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Metastore> store, Metastore::Open(old->url()));
  ASSERT_OK_AND_ASSIGN(int version, store->SchemaVersion());
  EXPECT_EQ(version, LatestSchemaVersion());
  ASSERT_OK_AND_ASSIGN(PipelineState state, store->GetState("ads"));
  EXPECT_EQ(state.watermark, 123);
  EXPECT_EQ(state.manifest_version, 4);
  EXPECT_FALSE(state.source_version.has_value());
}

TEST_P(MetastoreConformanceTest, BatchLogTakesEpochAndManifestFromTheCommit) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  Commit commit = MakeCommit(1, kT0);
  commit.batch.epoch = 0;  // left unset by the caller
  commit.batch.quarantine.assign(1500, "f.jsonl:1: bad");
  commit.batch.quarantine[999] = "the 1000th";
  ASSERT_OK(store_->CommitBatch("ads", 1, commit));
  ASSERT_OK_AND_ASSIGN(auto batches, store_->RecentBatches("ads", 1));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].epoch, 1);
  EXPECT_EQ(batches[0].manifest_version, 1);
  EXPECT_EQ(batches[0].manifest_key, "manifests/1.json");
  EXPECT_EQ(batches[0].window_fingerprint, "fp-1");
  ASSERT_EQ(batches[0].quarantine.size(), 1000u);
  EXPECT_EQ(batches[0].quarantine.back(), "the 1000th");
}

TEST_P(MetastoreConformanceTest, RecentBatchesAreNewestFirst) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  for (int64_t version = 1; version <= 5; ++version) {
    ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(version, kT0 + version)));
  }
  ASSERT_OK_AND_ASSIGN(auto batches, store_->RecentBatches("ads", 3));
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].batch_id, 5);
  EXPECT_EQ(batches[1].batch_id, 4);
  EXPECT_EQ(batches[2].batch_id, 3);
  EXPECT_EQ(batches[0].manifest_version, 5);
  ASSERT_OK_AND_ASSIGN(batches, store_->RecentBatches("ads", 100));
  EXPECT_EQ(batches.size(), 5u);
  ASSERT_OK_AND_ASSIGN(batches, store_->RecentBatches("ads", 0));
  EXPECT_TRUE(batches.empty());
  ASSERT_OK_AND_ASSIGN(batches, store_->RecentBatches("never-seen", 10));
  EXPECT_TRUE(batches.empty());
}

TEST_P(MetastoreConformanceTest, PipelinesInOneDatabaseNeverInterfere) {
  ASSERT_OK_AND_ASSIGN(int64_t items_epoch, store_->AcquireLease("items", "runner-b", kT0, kTtl));
  ASSERT_OK_AND_ASSIGN(int64_t ads_epoch, store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  EXPECT_EQ(items_epoch, 1);
  EXPECT_EQ(ads_epoch, 1);

  ASSERT_OK_AND_ASSIGN(int64_t ads_batch,
                       store_->CommitBatch("ads", 1, MakeCommit(1, At("2026-05-04T10:30:00Z"))));
  ASSERT_OK_AND_ASSIGN(int64_t items_batch,
                       store_->CommitBatch("items", 1, MakeCommit(1, At("2026-05-04T08:00:00Z"))));
  EXPECT_EQ(ads_batch, 1);
  EXPECT_EQ(items_batch, 1);

  // A takeover and an admin change of "ads" leave "items" alone.
  ASSERT_OK(store_->AcquireLease("ads", "runner-c", kT0 + kTtl, kTtl));
  ASSERT_OK(store_->SetWatermark("ads", At("2026-05-04T07:00:00Z"), kT0 + kTtl, true));
  ASSERT_OK(store_->CommitBatch("items", 1, MakeCommit(2, At("2026-05-04T08:05:00Z"))));

  ASSERT_OK_AND_ASSIGN(PipelineState items, store_->GetState("items"));
  EXPECT_EQ(items.epoch, 1);
  EXPECT_EQ(items.lease_holder, "runner-b");
  EXPECT_EQ(items.watermark, At("2026-05-04T08:05:00Z"));
  EXPECT_EQ(items.manifest_version, 2);
  ASSERT_OK_AND_ASSIGN(PipelineState ads, store_->GetState("ads"));
  EXPECT_EQ(ads.watermark, At("2026-05-04T07:00:00Z"));
  EXPECT_EQ(ads.manifest_version, 1);

  ASSERT_OK_AND_ASSIGN(auto item_batches, store_->RecentBatches("items", 10));
  EXPECT_EQ(item_batches.size(), 2u);
  ASSERT_OK_AND_ASSIGN(auto pipelines, store_->ListPipelines());
  EXPECT_EQ(pipelines, (std::vector<std::string>{"ads", "items"}));
}

TEST_P(MetastoreConformanceTest, ConcurrentAcquirersWithTheirOwnInstancesExactlyOneWins) {
  constexpr int kThreads = 6;
  for (int round = 0; round < 3; ++round) {
    std::string pipeline = "race-" + std::to_string(round);
    std::latch start(kThreads);
    std::mutex mu;
    std::vector<std::string> winners;
    std::vector<Status> refusals;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto store = Metastore::Open(database_->url());
        start.arrive_and_wait();
        if (!store.ok()) {
          std::lock_guard lock(mu);
          refusals.push_back(store.status());
          return;
        }
        std::string holder = "runner-" + std::to_string(i);
        auto epoch = (*store)->AcquireLease(pipeline, holder, kT0, kTtl);
        std::lock_guard lock(mu);
        if (epoch.ok()) {
          winners.push_back(holder);
        } else {
          refusals.push_back(epoch.status());
        }
      });
    }
    for (auto& thread : threads) thread.join();
    ASSERT_EQ(winners.size(), 1u) << "round " << round;
    for (const Status& refusal : refusals) {
      EXPECT_EQ(refusal.code(), StatusCode::kFailedPrecondition) << refusal.ToString();
      EXPECT_NE(refusal.message().find("leased by " + winners[0]), std::string::npos)
          << refusal.ToString();
    }
    ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState(pipeline));
    EXPECT_EQ(state.epoch, 1);
    EXPECT_EQ(state.lease_holder, winners[0]);
  }
}

TEST_P(MetastoreConformanceTest, ConcurrentCommitsOfOneVersionLandExactlyOnce) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  constexpr int kThreads = 4;
  std::latch start(kThreads);
  std::atomic<int> committed{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto store = Metastore::Open(database_->url());
      start.arrive_and_wait();
      if (!store.ok()) return;
      auto batch = (*store)->CommitBatch("ads", 1, MakeCommit(1, kT0 + i * kMicrosPerMinute));
      if (batch.ok()) {
        ++committed;
      } else if (batch.status().code() == StatusCode::kFailedPrecondition) {
        ++refused;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(committed.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  ASSERT_OK_AND_ASSIGN(auto batches, store_->RecentBatches("ads", 10));
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.manifest_version, 1);
  EXPECT_EQ(state.watermark, batches[0].target_partition);
}

// The deployment case: a runner, a second runner and the status command are
// separate processes sharing the database.
TEST_P(MetastoreConformanceTest, SeparateProcessesLeaseAndCommitExactlyOnce) {
  store_.reset();
  constexpr int kProcesses = 4;
  constexpr int kWon = 0;
  constexpr int kRefused = 1;
  std::string url = database_->url();
  auto acquire = [&](int i, const std::function<void()>& wait_for_start) {
    auto store = Metastore::Open(url);
    wait_for_start();
    if (!store.ok()) return 2;
    auto epoch = (*store)->AcquireLease("ads", "process-" + std::to_string(i), kT0, kTtl);
    if (epoch.ok()) return *epoch == 1 ? kWon : 3;
    return epoch.status().code() == StatusCode::kFailedPrecondition ? kRefused : 4;
  };
  std::vector<int> codes = RunInProcesses(kProcesses, acquire);
  ASSERT_EQ(codes.size(), static_cast<size_t>(kProcesses));
  EXPECT_EQ(std::count(codes.begin(), codes.end(), kWon), 1);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), kRefused), kProcesses - 1);

  auto commit = [&](int i, const std::function<void()>& wait_for_start) {
    auto store = Metastore::Open(url);
    wait_for_start();
    if (!store.ok()) return 2;
    auto batch = (*store)->CommitBatch("ads", 1, MakeCommit(1, kT0 + i * kMicrosPerMinute));
    if (batch.ok()) return *batch == 1 ? kWon : 3;
    return batch.status().code() == StatusCode::kFailedPrecondition ? kRefused : 4;
  };
  codes = RunInProcesses(kProcesses, commit);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), kWon), 1);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), kRefused), kProcesses - 1);

  ASSERT_OK_AND_ASSIGN(store_, Metastore::Open(url));
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.epoch, 1);
  EXPECT_EQ(state.manifest_version, 1);
  ASSERT_OK_AND_ASSIGN(auto batches, store_->RecentBatches("ads", 10));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(state.watermark, batches[0].target_partition);
}

TEST_P(MetastoreConformanceTest, ReopeningKeepsStateAndBatchLog) {
  ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(1, At("2026-05-04T10:05:00Z"))));
  ASSERT_OK(store_->CommitBatch("ads", 1, MakeCommit(2, At("2026-05-04T10:10:00Z"))));
  store_.reset();

  ASSERT_OK_AND_ASSIGN(store_, Metastore::Open(database_->url()));
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.watermark, At("2026-05-04T10:10:00Z"));
  EXPECT_EQ(state.manifest_version, 2);
  EXPECT_EQ(state.manifest_key, "manifests/2.json");
  EXPECT_EQ(state.window_fingerprint, "fp-2");
  EXPECT_EQ(state.epoch, 1);
  EXPECT_EQ(state.lease_holder, "runner-a");
  EXPECT_EQ(state.lease_expires, kT0 + kTtl);
  ASSERT_OK_AND_ASSIGN(auto batches, store_->RecentBatches("ads", 10));
  EXPECT_EQ(batches.size(), 2u);

  // A restarted runner continues: next epoch, next version, next batch id.
  ASSERT_OK_AND_ASSIGN(int64_t epoch, store_->AcquireLease("ads", "runner-a", kT0 + 1, kTtl));
  EXPECT_EQ(epoch, 2);
  ASSERT_OK_AND_ASSIGN(int64_t batch_id,
                       store_->CommitBatch("ads", 2, MakeCommit(3, At("2026-05-04T10:15:00Z"))));
  EXPECT_EQ(batch_id, 3);
}

TEST_P(MetastoreConformanceTest, SchemaVersionIsRecordedOncePerMigration) {
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  EXPECT_EQ(version, LatestSchemaVersion());
  EXPECT_GE(version, 1);
  store_.reset();
  ASSERT_OK_AND_ASSIGN(store_, Metastore::Open(database_->url()));
  ASSERT_OK_AND_ASSIGN(version, store_->SchemaVersion());
  EXPECT_EQ(version, LatestSchemaVersion());
  ASSERT_OK_AND_ASSIGN(std::string rows,
                       database_->Query("SELECT count(*) FROM freshet_schema_version"));
  EXPECT_EQ(rows, std::to_string(SchemaMigrations().size()));
  ASSERT_OK_AND_ASSIGN(std::string first,
                       database_->Query("SELECT description FROM freshet_schema_version "
                                        "WHERE version = 1"));
  EXPECT_EQ(first, SchemaMigrations()[0].description);
}

TEST_P(MetastoreConformanceTest, ConcurrentOpensOfANewDatabaseMigrateItOnce) {
  std::unique_ptr<TestDatabase> fresh;
  MakeDatabase(GetParam(), &fresh);
  constexpr int kThreads = 4;
  std::latch start(kThreads);
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto store = Metastore::Open(fresh->url());
      results[i] = store.ok() ? Status::OK() : store.status();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const Status& result : results) EXPECT_TRUE(result.ok()) << result.ToString();
  ASSERT_OK_AND_ASSIGN(std::string rows,
                       fresh->Query("SELECT count(*) FROM freshet_schema_version"));
  EXPECT_EQ(rows, std::to_string(SchemaMigrations().size()));
}

TEST_P(MetastoreConformanceTest, DatabaseMigratedByANewerBuildIsRefused) {
  store_.reset();
  ASSERT_OK(
      database_->Query("INSERT INTO freshet_schema_version (version, description, applied_at) "
                       "VALUES (999, 'from a newer build', 0)"));
  auto reopened = Metastore::Open(database_->url());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(reopened.status().message().find(
                fmt::format("schema version 999 is newer than this build of freshet supports ({}); "
                            "upgrade freshet",
                            LatestSchemaVersion())),
            std::string::npos)
      << reopened.status().ToString();
}

TEST_P(MetastoreConformanceTest, InvalidArgumentsAreRefusedBeforeAnyWrite) {
  EXPECT_STATUS(store_->AcquireLease("", "runner-a", kT0, kTtl), StatusCode::kInvalidArgument,
                "empty pipeline name");
  EXPECT_STATUS(store_->AcquireLease("ads", "", kT0, kTtl), StatusCode::kInvalidArgument,
                "empty lease holder");
  EXPECT_STATUS(store_->AcquireLease("ads", "runner-a", kT0, 0), StatusCode::kInvalidArgument,
                "lease ttl must be positive, got 0 us");
  EXPECT_STATUS(store_->AcquireLease("a\nb", "runner-a", kT0, kTtl), StatusCode::kInvalidArgument,
                "pipeline name contains a control character");
  ASSERT_OK_AND_ASSIGN(auto pipelines, store_->ListPipelines());
  EXPECT_TRUE(pipelines.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, MetastoreConformanceTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

// ----------------------------------------------------------------------------
// Opening: URL forms, unknown schemes, and passwords kept out of errors.

TEST(MetastoreOpenTest, UnknownSchemeIsInvalidArgumentListingTheSupportedOnes) {
  auto store = Metastore::Open("mysql://freshet:hunter2-secret@db.example:3306/freshet");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.status().message(),
            "metastore URL 'mysql://freshet:***@db.example:3306/freshet': unsupported scheme "
            "'mysql:'; supported: sqlite:path/to/file.db, sqlite:///abs/path.db, "
            "postgres://user@host:port/db, postgresql://user@host:port/db");
  EXPECT_EQ(Metastore::Open("state.db").status().code(), StatusCode::kInvalidArgument);
}

TEST(MetastoreOpenTest, SqliteUrlWithoutAFileIsInvalidArgument) {
  EXPECT_STATUS(Metastore::Open("sqlite:"), StatusCode::kInvalidArgument,
                "metastore URL 'sqlite:' names no file (expected sqlite:path/to/file.db)");
}

TEST(MetastoreOpenTest, SqliteRelativePathIsUnderTheWorkingDirectory) {
  auto dir = std::filesystem::temp_directory_path() / ("freshet-relative-" + UniqueSuffix());
  std::filesystem::create_directories(dir);
  auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  {
    auto store = Metastore::Open("sqlite:state/freshet.db");
    EXPECT_TRUE(store.ok()) << store.status().ToString();
  }
  std::filesystem::current_path(previous);
  EXPECT_TRUE(std::filesystem::exists(dir / "state" / "freshet.db"));
  std::filesystem::remove_all(dir);
}

TEST(MetastoreOpenTest, UnreachablePostgresIsUnavailableWithoutThePassword) {
  auto store = Metastore::Open(
      "postgres://freshet:hunter2-secret@127.0.0.1:1/freshet?connect_timeout=5&sslmode=disable");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.status().message().find("hunter2"), std::string::npos)
      << store.status().ToString();
  EXPECT_NE(store.status().message().find(
                "cannot connect to PostgreSQL at "
                "postgres://freshet:***@127.0.0.1:1/freshet?connect_timeout=5&sslmode=disable"),
            std::string::npos)
      << store.status().ToString();
}

TEST(MetastoreOpenTest, MalformedPostgresUrlIsInvalidArgumentWithoutThePassword) {
  auto store = Metastore::Open("postgresql://freshet:hunter2-secret@127.0.0.1:1/db?nosuch=1");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << store.status().ToString();
  EXPECT_EQ(store.status().message().find("hunter2"), std::string::npos)
      << store.status().ToString();
}

// ----------------------------------------------------------------------------
// PostgreSQL only: a wrong password, and connections that drop.

// Forwards TCP connections from a loopback port to the server, and can cut
// them all and refuse new ones, as a network partition or a server that is
// down would.
class TcpProxy {
 public:
  TcpProxy(std::string target_host, int target_port)
      : target_host_(std::move(target_host)), target_port_(target_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(listener_, 16);
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }

  ~TcpProxy() {
    stop_ = true;
    thread_.join();
    for (auto& [a, b] : pairs_) {
      close(a);
      close(b);
    }
    close(listener_);
  }

  int port() const { return port_; }

  // While down, open connections are cut and new ones are closed at once.
  void SetDown(bool down) {
    cut_done_ = false;
    down_ = down;
    while (down && !cut_done_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

 private:
  int ConnectToTarget() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(target_port_));
    inet_pton(AF_INET, target_host_.c_str(), &address.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

  void Loop() {
    while (!stop_) {
      if (down_) {
        for (auto& [a, b] : pairs_) {
          close(a);
          close(b);
        }
        pairs_.clear();
        cut_done_ = true;
      }
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (auto& [a, b] : pairs_) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (poll(fds.data(), fds.size(), 5) <= 0) continue;
      std::vector<std::pair<int, int>> alive;
      if (fds[0].revents & POLLIN) {
        int client = accept(listener_, nullptr, nullptr);
        int server = down_ ? -1 : ConnectToTarget();
        if (server < 0) {
          close(client);
        } else {
          alive.emplace_back(client, server);
        }
      }
      for (size_t i = 0; i < pairs_.size(); ++i) {
        auto [a, b] = pairs_[i];
        bool open = Pump(fds[1 + 2 * i], b) && Pump(fds[2 + 2 * i], a);
        if (open) {
          alive.emplace_back(a, b);
        } else {
          close(a);
          close(b);
        }
      }
      pairs_ = std::move(alive);
    }
  }

  // Copies what `from` has to `to`; false once either side is closed.
  static bool Pump(const pollfd& from, int to) {
    if (!(from.revents & (POLLIN | POLLHUP | POLLERR))) return true;
    char buffer[16384];
    ssize_t n = read(from.fd, buffer, sizeof(buffer));
    if (n <= 0) return false;
    for (ssize_t sent = 0; sent < n;) {
      ssize_t k = write(to, buffer + sent, static_cast<size_t>(n - sent));
      if (k <= 0) return false;
      sent += k;
    }
    return true;
  }

  std::string target_host_;
  int target_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> down_{false};
  std::atomic<bool> cut_done_{false};
  std::vector<std::pair<int, int>> pairs_;  // (client, server), owned by the loop
  std::thread thread_;
};

class PostgresMetastoreTest : public testing::Test {
 protected:
  void SetUp() override {
    std::unique_ptr<TestDatabase> database;
    MakeDatabase(Backend::kPostgres, &database);
    if (IsSkipped() || HasFatalFailure()) return;
    database_.reset(static_cast<PostgresTestDatabase*>(database.release()));
    application_name_ = "freshet_victim_" + UniqueSuffix();
    auto opened = PostgresMetastore::Open(database_->url(application_name_));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    ASSERT_OK(store_->AcquireLease("ads", "runner-a", kT0, kTtl));
  }

  static Commit CommitOf(int64_t version, TimeMicros watermark) {
    Commit commit;
    commit.watermark = watermark;
    commit.manifest_version = version;
    commit.manifest_key = "manifests/" + std::to_string(version) + ".json";
    commit.batch.kind = "delta";
    commit.batch.target_partition = watermark;
    return commit;
  }

  void ExpectCommitted(int64_t manifest_version, TimeMicros watermark, size_t batches) {
    auto state = store_->GetState("ads");
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    EXPECT_EQ(state->manifest_version, manifest_version);
    EXPECT_EQ(state->watermark, watermark);
    auto log = store_->RecentBatches("ads", 100);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ(log->size(), batches);
  }

  std::unique_ptr<PostgresTestDatabase> database_;
  std::string application_name_;
  std::unique_ptr<PostgresMetastore> store_;
};

TEST_F(PostgresMetastoreTest, WrongPasswordIsRefusedWithoutEchoingIt) {
  std::string url = database_->url();
  size_t at = url.find('@');
  size_t colon = url.rfind(':', at);
  ASSERT_NE(at, std::string::npos);
  std::string wrong = url.substr(0, colon + 1) + "Wrong-Pa55word" + url.substr(at);
  auto store = Metastore::Open(wrong);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.status().message().find("Wrong-Pa55word"), std::string::npos)
      << store.status().ToString();
  EXPECT_NE(store.status().message().find("password authentication failed"), std::string::npos)
      << store.status().ToString();
  // Nor does the real one appear in errors of a working connection.
  std::string real(UrlUserInfoPassword(url));
  ASSERT_FALSE(real.empty()) << "the test server's URL should carry a password";
  Status fenced = StatusOf(store_->CommitBatch("ads", 7, CommitOf(1, kT0)));
  EXPECT_EQ(fenced.message().find(real), std::string::npos);
}

TEST_F(PostgresMetastoreTest, ReconnectsAfterItsServerProcessIsTerminatedBetweenCalls) {
  ASSERT_OK(store_->CommitBatch("ads", 1, CommitOf(1, At("2026-05-04T10:00:00Z"))));

  ASSERT_OK(database_->TerminateSessions(application_name_));
  ExpectCommitted(1, At("2026-05-04T10:00:00Z"), 1);  // a read reconnects

  ASSERT_OK(database_->TerminateSessions(application_name_));
  ASSERT_OK_AND_ASSIGN(int64_t batch_id,
                       store_->CommitBatch("ads", 1, CommitOf(2, At("2026-05-04T10:05:00Z"))));
  EXPECT_EQ(batch_id, 2);
  ExpectCommitted(2, At("2026-05-04T10:05:00Z"), 2);

  ASSERT_OK(database_->TerminateSessions(application_name_));
  ASSERT_OK(store_->RenewLease("ads", 1, kT0 + kMicrosPerMinute, kTtl));
  ASSERT_OK(database_->TerminateSessions(application_name_));
  EXPECT_EQ(store_->AcquireLease("ads", "runner-b", kT0 + kMicrosPerMinute, kTtl).status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.epoch, 1);
  EXPECT_EQ(state.lease_expires, kT0 + kMicrosPerMinute + kTtl);
}

TEST_F(PostgresMetastoreTest, CommitWhoseConnectionDiesBeforeCommitIsRetriedOnce) {
  store_->InjectFaultForTesting(PostgresFault::kConnectionLostBeforeCommit);
  ASSERT_OK_AND_ASSIGN(int64_t batch_id,
                       store_->CommitBatch("ads", 1, CommitOf(1, At("2026-05-04T10:00:00Z"))));
  EXPECT_EQ(batch_id, 1);
  ExpectCommitted(1, At("2026-05-04T10:00:00Z"), 1);
}

TEST_F(PostgresMetastoreTest, CommitWhoseReplyIsLostIsFoundNotAppliedTwice) {
  store_->InjectFaultForTesting(PostgresFault::kCommitReplyLost);
  ASSERT_OK_AND_ASSIGN(int64_t batch_id,
                       store_->CommitBatch("ads", 1, CommitOf(1, At("2026-05-04T10:00:00Z"))));
  EXPECT_EQ(batch_id, 1);
  ExpectCommitted(1, At("2026-05-04T10:00:00Z"), 1);
  ASSERT_OK_AND_ASSIGN(batch_id,
                       store_->CommitBatch("ads", 1, CommitOf(2, At("2026-05-04T10:05:00Z"))));
  EXPECT_EQ(batch_id, 2);
}

TEST_F(PostgresMetastoreTest, LeaseWhoseCommitReplyIsLostFailsWithUnavailable) {
  store_->InjectFaultForTesting(PostgresFault::kCommitReplyLost);
  auto epoch = store_->AcquireLease("ads", "runner-a", kT0 + kMicrosPerMinute, kTtl);
  ASSERT_FALSE(epoch.ok());
  EXPECT_EQ(epoch.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(epoch.status().message().find(
                "acquiring the lease of pipeline ads: lost the connection after sending COMMIT, "
                "so the change may or may not have been applied (read the state to find out)"),
            std::string::npos)
      << epoch.status().ToString();
  // The caller can find out: it was applied, and it is the caller's lease.
  ASSERT_OK_AND_ASSIGN(PipelineState state, store_->GetState("ads"));
  EXPECT_EQ(state.epoch, 2);
  EXPECT_EQ(state.lease_holder, "runner-a");
}

TEST_F(PostgresMetastoreTest, UnreachableServerFailsCleanlyAndNeverAdvancesTheWatermark) {
  // The same database, reached through a proxy that can cut the connection.
  std::string url = database_->url();
  size_t at = url.find('@');
  size_t slash = url.find('/', at);
  size_t colon = url.rfind(':', slash);
  int server_port = std::stoi(url.substr(colon + 1, slash - colon - 1));
  TcpProxy proxy(url.substr(at + 1, colon - at - 1), server_port);
  std::string proxied = url.substr(0, colon + 1) + std::to_string(proxy.port()) + url.substr(slash);
  ASSERT_OK_AND_ASSIGN(auto store, Metastore::Open(WithQueryParam(proxied, "connect_timeout=5")));
  ASSERT_OK(store->CommitBatch("ads", 1, CommitOf(1, At("2026-05-04T10:00:00Z"))));

  proxy.SetDown(true);
  auto failed = store->CommitBatch("ads", 1, CommitOf(2, At("2026-05-04T10:05:00Z")));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable) << failed.status().ToString();
  EXPECT_NE(failed.status().message().find(
                "committing manifest version 2 of pipeline ads: the connection was lost and "
                "reconnecting failed; nothing was changed: "),
            std::string::npos)
      << failed.status().ToString();
  EXPECT_EQ(failed.status().message().find(std::string(UrlUserInfoPassword(url))),
            std::string::npos);
  EXPECT_EQ(store->GetState("ads").status().code(), StatusCode::kUnavailable);
  ExpectCommitted(1, At("2026-05-04T10:00:00Z"), 1);  // seen by another connection

  proxy.SetDown(false);
  ASSERT_OK_AND_ASSIGN(PipelineState state, store->GetState("ads"));
  EXPECT_EQ(state.watermark, At("2026-05-04T10:00:00Z"));
  EXPECT_EQ(state.manifest_version, 1);
  ASSERT_OK_AND_ASSIGN(int64_t batch_id,
                       store->CommitBatch("ads", 1, CommitOf(2, At("2026-05-04T10:05:00Z"))));
  EXPECT_EQ(batch_id, 2);
  ExpectCommitted(2, At("2026-05-04T10:05:00Z"), 2);
}

}  // namespace
}  // namespace freshet
