#include "gen/workload.h"

#include <fmt/format.h>

#include <array>

namespace freshet::gen {
namespace {

constexpr TimeMicros kDay = 24 * kMicrosPerHour;

constexpr std::array<WorkloadSpec, 2> kWorkloads = {{
    {
        .name = "tiny",
        .items = 2'000,
        .ads = 10'000,
        .ad_updates_per_partition = 500,
        .item_updates_per_partition = 50,
        .period = 5 * kMicrosPerMinute,
        .partitions = 12,
        .files_per_partition = 1,
        .vocabulary_words = 2'000,
        .brands = 50,
        .campaigns = 500,
        .group_size_exponent = 1.9,
        .max_group_size = 500,
        .ad_update_skew = 0.8,
        .item_update_skew = 0.8,
        .term_skew = 1.0,
        .brand_skew = 0.9,
        .category_skew = 0.7,
        .new_ad_rate = 0.01,
        .move_rate = 0.01,
        .snapshot_age = 30 * kDay,
    },
    {
        .name = "ads-1m",
        .items = 100'000,
        .ads = 1'000'000,
        .ad_updates_per_partition = 20'000,
        .item_updates_per_partition = 2'000,
        .period = 5 * kMicrosPerMinute,
        .partitions = 60,
        .files_per_partition = 2,
        .vocabulary_words = 5'000,
        .brands = 400,
        .campaigns = 20'000,
        .group_size_exponent = 1.75,
        .max_group_size = 1'000,
        .ad_update_skew = 0.8,
        .item_update_skew = 0.8,
        .term_skew = 1.0,
        .brand_skew = 0.9,
        .category_skew = 0.7,
        .new_ad_rate = 0.01,
        .move_rate = 0.01,
        .snapshot_age = 30 * kDay,
    },
}};

}  // namespace

std::span<const WorkloadSpec> Workloads() { return kWorkloads; }

const WorkloadSpec* FindWorkload(std::string_view name) {
  for (const WorkloadSpec& spec : kWorkloads) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string_view OpName(Op op) { return op == Op::kDelete ? "delete" : "upsert"; }

std::string AdId(uint64_t index) { return fmt::format("ad-{:07}", index); }
std::string ItemId(uint64_t index) { return fmt::format("item-{:06}", index); }
std::string CampaignId(uint64_t index) { return fmt::format("camp-{:05}", index); }

std::string_view MalformedKindName(MalformedKind kind) {
  switch (kind) {
    case MalformedKind::kTruncated:
      return "truncated";
    case MalformedKind::kInvalidUtf8:
      return "invalid-utf8";
    case MalformedKind::kUpdatedAtNotNumber:
      return "updated-at-not-number";
    case MalformedKind::kMissingAdId:
      return "missing-ad-id";
    case MalformedKind::kArrayInsteadOfObject:
      return "array-not-object";
  }
  return "unknown";
}

}  // namespace freshet::gen
