// Planner: from the watermark, the ready partitions and the lag policy,
// choose the batch's target partition and window. Pure function: no I/O.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "pipeline/config.h"
#include "source/discovery.h"

namespace freshet {

struct PlanInput {
  std::optional<TimeMicros> watermark;
  TimeMicros base_cut = 0;  // the window starts here
  TimeMicros now = 0;
  LagPolicy policy = LagPolicy::kLatest;
  TimeMicros max_lag = 0;        // bounded only
  std::string last_fingerprint;  // of the last committed batch's window
};

struct Plan {
  enum class Action { kIdle, kPublish };
  Action action = Action::kIdle;
  TimeMicros target = 0;        // start of the newest partition covered
  TimeMicros window_start = 0;  // == base cut
  bool advances = false;        // target > watermark (else: republish for late files)
  LagPolicy effective_policy = LagPolicy::kLatest;  // bounded resolves to one of the others
  int64_t publications_skipped = 0;                 // ready partitions passed over by this target
  int64_t partitions_empty = 0;  // ready partitions in the window with no data file
  TimeMicros lag = 0;            // newest ready partition end - published end, after this batch
  std::string fingerprint;
  std::string reason;  // one line for the logs
};

// `d` must cover [base_cut, now].
Plan PlanBatch(const PlanInput& in, const SourceSpec& spec, const Discovery& d);

}  // namespace freshet
