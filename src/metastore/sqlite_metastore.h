// SqliteMetastore: the embedded metastore, one SQLite file.
//
// Several processes (a runner, the status command, a second runner) may open
// the same file at once: the file is in WAL mode, every read-modify-write is
// one BEGIN IMMEDIATE transaction (writers take turns, readers never block),
// and a writer waits up to 10 s for another before failing with Unavailable.
// Commits are durable (synchronous=FULL) before a call returns OK.
//
// Thread-safety: as Metastore (one thread at a time per instance; open one
// instance per thread).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "metastore/metastore.h"

namespace freshet {

class SqliteMetastore final : public Metastore {
 public:
  // `url`: "sqlite:path/to/file.db" (relative to the working directory) or
  // "sqlite:///abs/path.db". Creates the file and its parent folder if
  // missing, then applies pending schema migrations.
  static Result<std::unique_ptr<SqliteMetastore>> Open(std::string_view url);

  ~SqliteMetastore() override;
  SqliteMetastore(const SqliteMetastore&) = delete;
  SqliteMetastore& operator=(const SqliteMetastore&) = delete;

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

 private:
  class Connection;
  explicit SqliteMetastore(std::unique_ptr<Connection> connection);

  std::unique_ptr<Connection> connection_;
};

}  // namespace freshet
