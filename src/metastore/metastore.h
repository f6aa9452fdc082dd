// Metastore: the database that holds, per pipeline, the watermark, the
// committed manifest, the writer lease and the batch log. Never the output
// folder: the metastore is the single source of truth for progress.
//
// Backends: SQLite ("sqlite:path/to/file.db", the embedded default) and
// PostgreSQL ("postgres://user@host:port/db").
//
// Thread-safety: an instance may be used from one thread at a time. Several
// processes may open the same database; all guarantees below hold across them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace freshet {

struct PipelineState {
  std::string pipeline;
  // Start time of the newest partition whose data is published; nullopt
  // before the first batch. Never moves backwards except by SetWatermark.
  std::optional<TimeMicros> watermark;
  // The committed manifest readers must serve: 0 / "" before any commit.
  int64_t manifest_version = 0;
  std::string manifest_key;
  // Writer lease. epoch increases by one at every acquisition.
  int64_t epoch = 0;
  std::string lease_holder;  // empty when released
  TimeMicros lease_expires = 0;
  // Fingerprint of the window listing of the last committed batch.
  std::string window_fingerprint;
  // The Delta table versions (source and group source) the newest batch
  // that read them committed with; nullopt while none did. Recorded in the
  // same transaction as the watermark.
  std::optional<int64_t> source_version;
  std::optional<int64_t> group_source_version;
};

// One batch's figures, as recorded in the batch log.
struct BatchRecord {
  int64_t batch_id = 0;  // assigned by CommitBatch
  int64_t epoch = 0;
  std::string kind;  // "delta", "base", "compact" or "admin"
  TimeMicros started_at = 0;
  TimeMicros finished_at = 0;
  std::optional<TimeMicros> target_partition;
  TimeMicros window_start = 0;
  std::string lag_policy;
  int64_t manifest_version = 0;
  std::string manifest_key;
  std::string window_fingerprint;
  int64_t partitions_read = 0;
  int64_t partitions_empty = 0;      // ready but empty or missing
  int64_t publications_skipped = 0;  // ready partitions not published on their own
  int64_t files_read = 0;
  int64_t files_cached = 0;
  int64_t records = 0;
  int64_t docs = 0;
  int64_t deleted_docs = 0;
  int64_t groups = 0;
  int64_t bad_records = 0;
  int64_t bytes_written = 0;
  // Phase durations, microseconds.
  int64_t list_micros = 0;
  int64_t read_micros = 0;
  int64_t build_micros = 0;
  int64_t publish_micros = 0;
  int64_t commit_micros = 0;
  // The Delta table versions the batch read (nullopt: the stream is not a
  // Delta table, or the batch read none). CommitBatch records them in the
  // pipeline's state too.
  std::optional<int64_t> source_version;
  std::optional<int64_t> group_source_version;
  // Bad records and files: "file:line: reason", at most the first 1000.
  std::vector<std::string> quarantine;
};

// What one commit changes, atomically.
struct Commit {
  std::optional<TimeMicros> watermark;  // nullopt: leave unchanged
  int64_t manifest_version = 0;         // must be state.manifest_version + 1
  std::string manifest_key;
  std::string window_fingerprint;
  BatchRecord batch;
};

// A live lease whose holder is known to be gone (e.g. a runner of this host
// whose process no longer exists), named by its holder and its epoch.
struct LeaseTakeover {
  std::string holder;
  int64_t epoch = 0;
};

class Metastore {
 public:
  virtual ~Metastore() = default;

  // Opens (creating and migrating the schema if needed) the database named
  // by `url`. The password of a PostgreSQL URL never appears in errors.
  // InvalidArgument for an unknown scheme, naming the supported ones;
  // FailedPrecondition if the database's schema is newer than this build's;
  // Unavailable if the server cannot be reached.
  static Result<std::unique_ptr<Metastore>> Open(std::string_view url);

  // Takes the pipeline's writer lease for `holder` until now + ttl and returns
  // the new epoch (previous epoch + 1). Creates the pipeline row if missing.
  // LeaseHeld (FailedPrecondition), naming the current holder and expiry, if
  // another holder's lease has not expired at `now`, unless `takeover` names
  // exactly that holder and epoch: then the lease is taken over at once.
  virtual Result<int64_t> AcquireLease(std::string_view pipeline, std::string_view holder,
                                       TimeMicros now, TimeMicros ttl,
                                       const LeaseTakeover* takeover = nullptr) = 0;

  // Extends the lease to now + ttl. Fenced (FailedPrecondition) if `epoch` is
  // no longer the pipeline's epoch (someone took over).
  virtual Status RenewLease(std::string_view pipeline, int64_t epoch, TimeMicros now,
                            TimeMicros ttl) = 0;

  // Gives the lease up (expires it now) if `epoch` still holds it; OK otherwise.
  virtual Status ReleaseLease(std::string_view pipeline, int64_t epoch) = 0;

  // NotFound if the pipeline has never been seen.
  virtual Result<PipelineState> GetState(std::string_view pipeline) = 0;

  // In one transaction: checks that `epoch` is the pipeline's epoch and that
  // commit.manifest_version == state.manifest_version + 1, refuses a
  // watermark older than the stored one, then records the manifest, the
  // watermark, the fingerprint and the batch (assigning its batch_id).
  // Fenced when `epoch` is superseded, FailedPrecondition when out of order;
  // nothing is written then.
  // A lease given up with ReleaseLease fences its epoch too. The logged batch
  // takes its epoch, manifest_version, manifest_key and window_fingerprint
  // from the arguments; quarantine keeps its first 1000 entries.
  virtual Result<int64_t> CommitBatch(std::string_view pipeline, int64_t epoch,
                                      const Commit& commit) = 0;

  // Newest first.
  virtual Result<std::vector<BatchRecord>> RecentBatches(std::string_view pipeline, int limit) = 0;

  // Every pipeline known to the database, sorted by name.
  virtual Result<std::vector<std::string>> ListPipelines() = 0;

  // Admin: sets (or clears, with nullopt) the watermark, even backwards.
  // Refused with LeaseHeld while another holder's lease is live at `now`,
  // unless `force`. Logged in the batch log as kind "admin". Creates
  // the pipeline row if missing. Advances the epoch and clears the lease, so
  // that a runner still holding an older epoch is fenced: it cannot commit a
  // batch planned from the watermark the admin replaced.
  virtual Status SetWatermark(std::string_view pipeline, std::optional<TimeMicros> watermark,
                              TimeMicros now, bool force) = 0;

  // The schema version of the database (migrations applied), for status
  // pages and support. Equals the newest this build knows after Open.
  virtual Result<int> SchemaVersion() = 0;
};

}  // namespace freshet
