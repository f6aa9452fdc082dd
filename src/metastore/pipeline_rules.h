// The rules of the writer lease, the commit and the admin watermark, shared
// by every metastore backend so that they cannot drift apart. A backend reads
// the pipeline's row inside its transaction, under a lock that no other
// writer of that pipeline can hold at the same time (SQLite: BEGIN IMMEDIATE;
// PostgreSQL: SELECT ... FOR UPDATE), asks these functions for the row to
// write (and the batch to log), and writes them in the same transaction.
//
// Pure functions, no I/O: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "metastore/metastore.h"

namespace freshet {

// Entries of BatchRecord::quarantine kept in the batch log; the rest are
// dropped (bad_records still counts them).
inline constexpr size_t kMaxQuarantineEntries = 1000;

// One pipeline's row: the public state plus the counter that assigns batch
// ids (the id of the newest batch logged, 0 before the first).
struct PipelineRow {
  PipelineState state;
  int64_t last_batch_id = 0;
};

// The row of a pipeline never seen before: epoch 0, no lease, no watermark.
PipelineRow NewPipelineRow(std::string_view pipeline);

// InvalidArgument unless `pipeline` is a usable name (not empty, at most 256
// bytes, no control characters).
Status ValidatePipelineName(std::string_view pipeline);

// True if someone holds a lease that has not expired at `now`: a lease is
// live while now < lease_expires.
bool LeaseIsLive(const PipelineState& state, TimeMicros now);

// AcquireLease: the row with epoch + 1, `holder` and now + ttl.
// LeaseHeld (FailedPrecondition) naming the holder, expiry and epoch if
// another holder's lease is live at `now` and `takeover` (may be null) does
// not name that holder and epoch; InvalidArgument for an empty holder or
// ttl <= 0.
Result<PipelineRow> AcquireLeaseRule(const PipelineRow& row, std::string_view holder,
                                     TimeMicros now, TimeMicros ttl, const LeaseTakeover* takeover);

// RenewLease: the row with the lease extended to now + ttl. Fenced
// (FailedPrecondition, "fenced: ...") if `epoch` is not the current epoch, or
// if its lease was released.
Result<PipelineRow> RenewLeaseRule(const PipelineRow& row, int64_t epoch, TimeMicros now,
                                   TimeMicros ttl);

// ReleaseLease: the row with no lease holder, or nullopt when `epoch` no
// longer holds the lease (nothing to write).
std::optional<PipelineRow> ReleaseLeaseRule(const PipelineRow& row, int64_t epoch);

struct RowAndBatch {
  PipelineRow row;
  BatchRecord batch;  // to append to the batch log, with its batch_id
};

// CommitBatch: Fenced when `epoch` is not current or its lease was released;
// FailedPrecondition when commit.manifest_version is not the next version, or
// when the watermark would move backwards. The logged batch is
// commit.batch with batch_id, epoch, manifest_version, manifest_key and
// window_fingerprint taken from the commit, and the quarantine list capped.
Result<RowAndBatch> CommitBatchRule(const PipelineRow& row, int64_t epoch, const Commit& commit);

// SetWatermark: LeaseHeld while a lease is live at `now`, unless `force`.
// The new row has the watermark set and the epoch advanced with the lease
// cleared, so that a runner still holding an older epoch is fenced and cannot
// overwrite the admin's watermark with a batch planned before it. The logged
// batch has kind "admin" and target_partition = the new watermark.
Result<RowAndBatch> SetWatermarkRule(const PipelineRow& row, std::optional<TimeMicros> watermark,
                                     TimeMicros now, bool force);

}  // namespace freshet
