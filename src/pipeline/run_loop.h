// RunPipeline: `freshet run`'s loop around a BatchRunner. Takes the writer
// lease (standing by while another live runner holds it), runs a batch every
// `cadence`, after each commit compacts when pipeline.compact_after finds it
// due (a failed compaction is logged, `compaction_failed`, and the loop goes
// on) and collects garbage, reports to a RunObserver and ends on `stop`,
// after --once, --max-batches or --max-uptime.
//
// The loop outlives a metastore that cannot be reached for a while (server
// restart, connections cut, network partition): Unavailable while opening
// the runner, taking the lease or running a batch is logged
// (`metastore_unavailable`, `batch_failed`) and retried every
// min(cadence, lease_ttl / 2); the loop never ends for it. Nothing is lost by
// retrying: the watermark and the manifest move together in one metastore
// transaction, so a failed batch leaves the last committed state as it was
// (or committed, if the reply alone was lost), and the next batch starts from
// what the metastore says. With `once` Unavailable ends the loop instead.
// Other errors while opening or taking the lease end it; a batch that fails
// for a reason other than a failed precondition (fenced, no base yet, a
// collapse refused) is retried at the next cadence too.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "pipeline/batch_runner.h"
#include "pipeline/config.h"

namespace freshet {

struct RunLoopOptions {
  bool once = false;            // one batch, then end; no error is retried
  int64_t max_batches = 0;      // end after this many commits (0: no limit)
  TimeMicros max_uptime = 0;    // end after the first batch ending past it (0: no limit)
  bool wait_for_lease = true;   // stand by while another live runner holds the lease
  bool collect_garbage = true;  // BatchRunner::CollectGarbage() after each commit
  bool allow_shrink = false;    // BatchRunner::AllowShrink()
  bool rebuild = false;         // BatchRunner::RequestRebuild(): the first batch rebuilds
};

// What the loop did, for metrics. Called from the loop's thread only.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // "held" (the lease was taken) or "released" (given up on a clean stop),
  // with the epoch; "lost" when fenced.
  virtual void SetLease(std::string state, int64_t epoch) = 0;
  // After the lease was taken: the committed state the runner starts from.
  virtual void SetWatermark(std::optional<TimeMicros> watermark, int64_t manifest_version) = 0;
  // A batch that ended (published or not).
  virtual void RecordBatch(const BatchRecord& record, bool published) = 0;
  // A batch that failed.
  virtual void RecordFailure(const Status& status) = 0;
};

// Opens the runner; called again after an Unavailable error.
using BatchRunnerFactory = std::function<Result<std::unique_ptr<BatchRunner>>()>;

// Runs until the loop ends (see above). OK when it ended as asked (stop,
// once, max_batches, max_uptime); otherwise the error that ended it: the
// lease is released first when it was held. `stop` is typically set by a
// signal handler; a sleep wakes up at once. `observer` may be null.
Status RunPipeline(const PipelineConfig& config, const RunLoopOptions& options,
                   const BatchRunnerFactory& open_runner, Clock& clock,
                   const std::atomic<bool>& stop, RunObserver* observer);

}  // namespace freshet
