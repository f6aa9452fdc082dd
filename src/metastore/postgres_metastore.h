// PostgresMetastore: the metastore in a PostgreSQL database, for pipelines
// whose runners move between machines.
//
// Every read-modify-write is one transaction that first locks the
// pipeline's row (SELECT ... FOR UPDATE), so that leases and commits of one
// pipeline are serialized across processes and machines; other pipelines are
// not blocked. Reads are single statements. A lock held by another process
// for more than 10 s fails the call with Unavailable.
//
// Dropped connections (server restart, backend terminated, network cut):
// the next call reconnects, and a call that loses its connection reconnects
// once and runs again when that is safe: reads, transactions that certainly
// did not commit, RenewLease and ReleaseLease (idempotent), and CommitBatch,
// which on its second run finds out whether the first one committed (the
// batch logged with its epoch and manifest version) and then returns that
// batch's id instead of committing twice. Otherwise, or if the connection is
// lost again, the call fails with Unavailable and a message saying whether
// the change may have been applied.
//
// The password (from the URL, PGPASSWORD or ~/.pgpass) never appears in
// errors or logs.
//
// Thread-safety: as Metastore (one thread at a time per instance; open one
// instance per thread).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "metastore/metastore.h"

namespace freshet {

// Faults a test can make the next read-modify-write meet, once.
enum class PostgresFault {
  kNone,
  // The server ends the session just before COMMIT is sent: the transaction
  // certainly did not commit.
  kConnectionLostBeforeCommit,
  // COMMIT succeeds on the server but its reply never arrives.
  kCommitReplyLost,
};

class PostgresMetastore final : public Metastore {
 public:
  // `url`: "postgres://user[:password]@host[:port]/db[?param=value&...]" or
  // "postgresql://...", with libpq's query parameters (sslmode, ...).
  // Connects (Unavailable if the server cannot be reached) and applies
  // pending schema migrations.
  static Result<std::unique_ptr<PostgresMetastore>> Open(std::string_view url);

  ~PostgresMetastore() override;
  PostgresMetastore(const PostgresMetastore&) = delete;
  PostgresMetastore& operator=(const PostgresMetastore&) = delete;

  Result<int64_t> AcquireLease(std::string_view pipeline, std::string_view holder, TimeMicros now,
                               TimeMicros ttl, const LeaseTakeover* takeover = nullptr) override;
  Status RenewLease(std::string_view pipeline, int64_t epoch, TimeMicros now,
                    TimeMicros ttl) override;
  Status ReleaseLease(std::string_view pipeline, int64_t epoch) override;
  Result<PipelineState> GetState(std::string_view pipeline) override;
  Result<int64_t> CommitBatch(std::string_view pipeline, int64_t epoch,
                              const Commit& commit) override;
  Result<std::vector<BatchRecord>> RecentBatches(std::string_view pipeline, int limit) override;
  Result<std::vector<std::string>> ListPipelines() override;
  Status SetWatermark(std::string_view pipeline, std::optional<TimeMicros> watermark,
                      TimeMicros now, bool force) override;
  Result<int> SchemaVersion() override;

  // For tests: the next read-modify-write meets `fault`.
  void InjectFaultForTesting(PostgresFault fault);

 private:
  class Connection;
  explicit PostgresMetastore(std::unique_ptr<Connection> connection);

  std::unique_ptr<Connection> connection_;
};

}  // namespace freshet
