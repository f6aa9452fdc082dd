#include "pipeline/run_loop.h"

#include <algorithm>

#include "common/log.h"

namespace freshet {

Status RunPipeline(const PipelineConfig& config, const RunLoopOptions& options,
                   const BatchRunnerFactory& open_runner, Clock& clock,
                   const std::atomic<bool>& stop, RunObserver* observer) {
  const TimeMicros started = clock.Now();
  const TimeMicros retry_delay = std::min(config.cadence, config.lease_ttl / 2);
  auto transient = [&](const Status& st) {
    return st.code() == StatusCode::kUnavailable && !options.once;
  };
  auto log_unavailable = [&](std::string_view while_doing, const Status& st) {
    Log(LogLevel::kWarn, "metastore_unavailable",
        {{"pipeline", config.name},
         {"while", while_doing},
         {"retry_in", FormatDuration(retry_delay)},
         {"error", st.ToString()}});
  };

  auto runner = open_runner();
  while (!runner.ok() && transient(runner.status())) {
    log_unavailable("opening", runner.status());
    clock.SleepUntil(clock.Now() + retry_delay, stop);
    if (stop) return Status::OK();
    runner = open_runner();
  }
  if (!runner.ok()) return runner.status();
  BatchRunner& r = **runner;
  r.AllowShrink(options.allow_shrink);
  if (options.rebuild) r.RequestRebuild();

  // Take the lease; a standby runner waits for the holder to go away.
  bool logged_standby = false;
  while (true) {
    Status st = r.Start();
    if (st.ok()) {
      if (observer) {
        observer->SetLease("held", r.epoch());
        if (auto state = r.metastore().GetState(config.name); state.ok()) {
          observer->SetWatermark(state->watermark, state->manifest_version);
        }
      }
      break;
    }
    if (transient(st)) {
      log_unavailable("taking the lease", st);
    } else if (!st.IsLeaseHeld() || options.once || !options.wait_for_lease) {
      return st;
    } else if (!logged_standby) {
      Log(LogLevel::kInfo, "standby", {{"pipeline", config.name}, {"reason", st.message()}});
      logged_standby = true;
    }
    clock.SleepUntil(clock.Now() + retry_delay, stop);
    if (stop) return Status::OK();
  }

  int64_t committed = 0;
  Status result;
  while (!stop) {
    const TimeMicros batch_start = clock.Now();
    auto outcome = r.RunBatch();
    if (observer) {
      if (outcome.ok()) {
        observer->RecordBatch(outcome->record, outcome->published);
      } else {
        observer->RecordFailure(outcome.status());
        if (outcome.status().IsFenced()) observer->SetLease("lost", r.epoch());
      }
    }
    if (!outcome.ok()) {
      const Status& st = outcome.status();
      Log(LogLevel::kError, "batch_failed", {{"pipeline", config.name}, {"error", st.ToString()}});
      // Retried at the next cadence unless a failed precondition or `once`
      // (see run_loop.h).
      if (st.code() == StatusCode::kFailedPrecondition || options.once) {
        result = st;
        break;
      }
    } else if (outcome->published) {
      ++committed;
      if (config.compact_after_ratio > 0 || config.compact_after_age > 0) {
        // A failed compaction costs nothing but its retry after the next batch.
        auto compacted = r.Compact(BatchRunner::CompactWhen::kIfDue);
        if (!compacted.ok()) {
          Log(LogLevel::kWarn, "compaction_failed",
              {{"pipeline", config.name}, {"error", compacted.status().ToString()}});
        }
      }
      if (options.collect_garbage) {
        auto gc = r.CollectGarbage();
        if (!gc.ok()) {
          Log(LogLevel::kWarn, "gc_failed", {{"error", gc.status().ToString()}});
        }
      }
    }
    if (options.once) break;
    if (options.max_batches > 0 && committed >= options.max_batches) break;
    if (options.max_uptime > 0 && clock.Now() - started >= options.max_uptime) break;
    clock.SleepUntil(batch_start + config.cadence, stop);
  }
  if (stop) Log(LogLevel::kInfo, "stopping", {{"pipeline", config.name}, {"reason", "signal"}});
  Status released = r.Stop();
  if (observer && released.ok()) observer->SetLease("released", r.epoch());
  return result.ok() ? released : result;
}

}  // namespace freshet
