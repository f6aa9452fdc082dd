#include "metastore/pipeline_rules.h"

#include <fmt/format.h>

#include "common/crash_point.h"

namespace freshet {
namespace {

constexpr size_t kMaxPipelineNameBytes = 256;

std::string DescribeLease(const PipelineState& state) {
  return fmt::format("pipeline {} is leased by {} until {} (epoch {})", state.pipeline,
                     state.lease_holder, FormatTimestamp(state.lease_expires), state.epoch);
}

// FailedPrecondition unless `epoch` is the pipeline's epoch and still holds
// the lease.
Status CheckFence(const PipelineState& state, int64_t epoch) {
  if (SafeguardDisabled("epoch_fencing")) return Status::OK();
  if (epoch != state.epoch) {
    return Status::Fenced(fmt::format("fenced: epoch {} is not the current epoch {} of pipeline {}",
                                      epoch, state.epoch, state.pipeline));
  }
  if (state.lease_holder.empty()) {
    return Status::Fenced(fmt::format("fenced: the lease of pipeline {} at epoch {} was released",
                                      state.pipeline, epoch));
  }
  return Status::OK();
}

Status CheckTtl(TimeMicros now, TimeMicros ttl) {
  if (ttl <= 0) {
    return Status::InvalidArgument(fmt::format("lease ttl must be positive, got {} us", ttl));
  }
  if (now > INT64_MAX - ttl) {
    return Status::InvalidArgument(fmt::format("lease ttl {} us overflows the clock", ttl));
  }
  return Status::OK();
}

}  // namespace

PipelineRow NewPipelineRow(std::string_view pipeline) {
  PipelineRow row;
  row.state.pipeline = std::string(pipeline);
  return row;
}

Status ValidatePipelineName(std::string_view pipeline) {
  if (pipeline.empty()) return Status::InvalidArgument("empty pipeline name");
  if (pipeline.size() > kMaxPipelineNameBytes) {
    return Status::InvalidArgument(fmt::format("pipeline name '{}...' is longer than {} bytes",
                                               pipeline.substr(0, 32), kMaxPipelineNameBytes));
  }
  for (char c : pipeline) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return Status::InvalidArgument("pipeline name contains a control character");
    }
  }
  return Status::OK();
}

bool LeaseIsLive(const PipelineState& state, TimeMicros now) {
  return !state.lease_holder.empty() && now < state.lease_expires;
}

Result<PipelineRow> AcquireLeaseRule(const PipelineRow& row, std::string_view holder,
                                     TimeMicros now, TimeMicros ttl,
                                     const LeaseTakeover* takeover) {
  if (holder.empty()) return Status::InvalidArgument("empty lease holder");
  RETURN_IF_ERROR(CheckTtl(now, ttl));
  const PipelineState& state = row.state;
  const bool holder_gone = takeover != nullptr && takeover->holder == state.lease_holder &&
                           takeover->epoch == state.epoch;
  if (LeaseIsLive(state, now) && state.lease_holder != holder && !holder_gone) {
    return Status::LeaseHeld(DescribeLease(state));
  }
  PipelineRow next = row;
  next.state.epoch = state.epoch + 1;
  next.state.lease_holder = std::string(holder);
  next.state.lease_expires = now + ttl;
  return next;
}

Result<PipelineRow> RenewLeaseRule(const PipelineRow& row, int64_t epoch, TimeMicros now,
                                   TimeMicros ttl) {
  RETURN_IF_ERROR(CheckTtl(now, ttl));
  RETURN_IF_ERROR(CheckFence(row.state, epoch));
  PipelineRow next = row;
  next.state.lease_expires = now + ttl;
  return next;
}

std::optional<PipelineRow> ReleaseLeaseRule(const PipelineRow& row, int64_t epoch) {
  if (epoch != row.state.epoch || row.state.lease_holder.empty()) return std::nullopt;
  PipelineRow next = row;
  next.state.lease_holder.clear();
  next.state.lease_expires = 0;
  return next;
}

Result<RowAndBatch> CommitBatchRule(const PipelineRow& row, int64_t epoch, const Commit& commit) {
  const PipelineState& state = row.state;
  RETURN_IF_ERROR(CheckFence(state, epoch));
  if (commit.manifest_version != state.manifest_version + 1) {
    return Status::FailedPrecondition(
        fmt::format("out of order: manifest version {} is not the next version {} of pipeline {}",
                    commit.manifest_version, state.manifest_version + 1, state.pipeline));
  }
  if (commit.watermark && state.watermark && *commit.watermark < *state.watermark &&
      !SafeguardDisabled("watermark_monotonic")) {
    return Status::FailedPrecondition(
        fmt::format("watermark of pipeline {} would move backwards, from {} to {}", state.pipeline,
                    FormatTimestamp(*state.watermark), FormatTimestamp(*commit.watermark)));
  }
  RowAndBatch out{row, commit.batch};
  PipelineState& next = out.row.state;
  if (commit.watermark) next.watermark = commit.watermark;
  next.manifest_version = commit.manifest_version;
  next.manifest_key = commit.manifest_key;
  next.window_fingerprint = commit.window_fingerprint;
  if (commit.batch.source_version) next.source_version = commit.batch.source_version;
  if (commit.batch.group_source_version) {
    next.group_source_version = commit.batch.group_source_version;
  }
  out.row.last_batch_id = row.last_batch_id + 1;

  BatchRecord& batch = out.batch;
  batch.batch_id = out.row.last_batch_id;
  batch.epoch = epoch;
  batch.manifest_version = commit.manifest_version;
  batch.manifest_key = commit.manifest_key;
  batch.window_fingerprint = commit.window_fingerprint;
  if (batch.quarantine.size() > kMaxQuarantineEntries) {
    batch.quarantine.resize(kMaxQuarantineEntries);
  }
  return out;
}

Result<RowAndBatch> SetWatermarkRule(const PipelineRow& row, std::optional<TimeMicros> watermark,
                                     TimeMicros now, bool force) {
  const PipelineState& state = row.state;
  if (LeaseIsLive(state, now) && !force) {
    return Status::LeaseHeld(DescribeLease(state) + ": stop its runner first, or force the change");
  }
  RowAndBatch out{row, BatchRecord{}};
  PipelineState& next = out.row.state;
  next.watermark = watermark;
  next.epoch = state.epoch + 1;
  next.lease_holder.clear();
  next.lease_expires = 0;
  out.row.last_batch_id = row.last_batch_id + 1;

  BatchRecord& batch = out.batch;
  batch.batch_id = out.row.last_batch_id;
  batch.epoch = next.epoch;
  batch.kind = "admin";
  batch.started_at = now;
  batch.finished_at = now;
  batch.target_partition = watermark;
  batch.manifest_version = state.manifest_version;
  batch.manifest_key = state.manifest_key;
  batch.window_fingerprint = state.window_fingerprint;
  return out;
}

}  // namespace freshet
