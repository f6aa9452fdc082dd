#include "gen/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace freshet::gen {
namespace {

constexpr TimeMicros kDay = 24 * kMicrosPerHour;

constexpr WorkloadSpec kAds1m = {
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
};

constexpr WorkloadSpec kTiny = {
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
};

// ads-1m at ten times the size; one hour of partitions by default, since
// each already holds ten times ads-1m's lines.
WorkloadSpec Ads10m() {
  WorkloadSpec w = ScaleWorkload(kAds1m, 10);
  w.name = "ads-10m";
  w.partitions = 12;
  w.files_per_partition = 4;
  return w;
}

}  // namespace

std::span<const WorkloadSpec> Workloads() {
  static const std::array<WorkloadSpec, 3> workloads = {kTiny, kAds1m, Ads10m()};
  return workloads;
}

const WorkloadSpec* FindWorkload(std::string_view name) {
  for (const WorkloadSpec& spec : Workloads()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

WorkloadSpec ScaleWorkload(const WorkloadSpec& spec, double scale) {
  WorkloadSpec scaled = spec;
  auto times = [scale](uint32_t n) {
    return static_cast<uint32_t>(std::max(1.0, std::round(static_cast<double>(n) * scale)));
  };
  scaled.items = times(spec.items);
  scaled.ads = times(spec.ads);
  scaled.ad_updates_per_partition = times(spec.ad_updates_per_partition);
  scaled.item_updates_per_partition = times(spec.item_updates_per_partition);
  scaled.campaigns = times(spec.campaigns);
  return scaled;
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
