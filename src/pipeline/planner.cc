#include "pipeline/planner.h"

#include <fmt/format.h>

#include <algorithm>

namespace freshet {

Plan PlanBatch(const PlanInput& in, const SourceSpec& spec, const Discovery& d) {
  Plan plan;
  plan.window_start = in.base_cut;
  const TimeMicros period = spec.period;
  // The first partition not yet published.
  TimeMicros next = in.base_cut;
  if (in.watermark && *in.watermark + period > next) next = *in.watermark + period;
  // Partitions are published in order: the ready run must be contiguous.
  TimeMicros newest_ready = next - period;  // none yet
  for (TimeMicros s = next; s <= in.now && IsReady(spec, d, s, in.now); s += period) {
    newest_ready = s;
  }
  const bool any_ready = newest_ready >= next;
  TimeMicros published_end =
      in.watermark ? std::max(*in.watermark, in.base_cut - period) + period : in.base_cut;

  LagPolicy policy = in.policy;
  if (policy == LagPolicy::kBounded) {
    TimeMicros lag = any_ready ? newest_ready + period - published_end : 0;
    policy = lag > in.max_lag ? LagPolicy::kLatest : LagPolicy::kSequential;
  }
  plan.effective_policy = policy;

  if (any_ready) {
    plan.action = Plan::Action::kPublish;
    plan.advances = true;
    plan.target = policy == LagPolicy::kSequential ? next : newest_ready;
    plan.publications_skipped = (plan.target - next) / period;
    plan.reason =
        fmt::format("{} partition {}", LagPolicyName(policy), FormatTimestamp(plan.target));
  } else if (in.watermark && *in.watermark >= in.base_cut) {
    plan.target = *in.watermark;
  } else {
    plan.reason = "no ready partition";
    plan.lag = 0;
    return plan;
  }
  plan.fingerprint = WindowFingerprint(d, plan.window_start, plan.target);
  if (!plan.advances) {
    if (plan.fingerprint != in.last_fingerprint) {
      plan.action = Plan::Action::kPublish;
      plan.reason = "window files changed (late or rewritten files)";
    } else {
      plan.reason = "no new ready partition";
    }
  }
  for (TimeMicros s = plan.window_start; s <= plan.target; s += period) {
    auto it = d.partitions.find(s);
    if (it == d.partitions.end() || it->second.files.empty()) ++plan.partitions_empty;
  }
  plan.lag = any_ready ? newest_ready - plan.target : 0;
  return plan;
}

}  // namespace freshet
