// The named reference workloads and the records they are made of.
//
// The record model is a contract with every reader of generated data (the
// engine, its tests, benchmarks); docs/workload.md describes it for users.
// Field names, id formats and op names reach disk and are frozen.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace freshet::gen {

// A reference workload (DESIGN.md, "Reference workloads"). Frozen: benchmark
// figures are compared across versions, so a change here is a new workload.
struct WorkloadSpec {
  std::string_view name;
  uint32_t items = 0;                       // in the snapshot
  uint32_t ads = 0;                         // in the snapshot
  uint32_t ad_updates_per_partition = 0;    // lines per partition, late files aside
  uint32_t item_updates_per_partition = 0;  // lines per partition, late files aside
  TimeMicros period = 0;
  uint32_t partitions = 0;           // default --partitions
  uint32_t files_per_partition = 0;  // default --files-per-partition

  uint32_t vocabulary_words = 0;  // synthetic terms, built from the seed
  uint32_t brands = 0;
  uint32_t campaigns = 0;

  // Ads per item (group sizes): P(size = k) ~ k^-exponent on [1, max], then
  // adjusted so that the sizes add up to `ads` exactly.
  double group_size_exponent = 0;
  uint32_t max_group_size = 0;

  // Zipf exponents: which ads and items an update touches, which terms,
  // brands and categories text uses.
  double ad_update_skew = 0;
  double item_update_skew = 0;
  double term_skew = 0;
  double brand_skew = 0;
  double category_skew = 0;

  // Shares of ad updates (deletes come from the --delete-rate option).
  double new_ad_rate = 0;  // creates an ad with an id beyond the snapshot's
  double move_rate = 0;    // moves an existing ad to another item
  // Snapshot records carry updated_at in [cut - snapshot_age, cut].
  TimeMicros snapshot_age = 0;
};

// The built-in workloads, in a fixed order ("tiny", "ads-1m", "ads-10m").
std::span<const WorkloadSpec> Workloads();

// nullptr if no workload has that name.
const WorkloadSpec* FindWorkload(std::string_view name);

// `spec` with its counts multiplied by `scale` (`freshet gen --scale`), each
// rounded and at least 1: items, ads, ad and item updates per partition,
// campaigns. What makes the workload's shape stays: group sizes (the power
// law and its maximum), vocabulary, brands, skews, rates, period.
// REQUIRES: scale > 0 and every scaled count fits in uint32_t.
WorkloadSpec ScaleWorkload(const WorkloadSpec& spec, double scale);

// Frozen: written as "upsert" / "delete".
enum class Op : uint8_t { kUpsert = 0, kDelete = 1 };
std::string_view OpName(Op op);

// One ad line. A delete carries ad_id, item_id, updated_at and op only; the
// other fields are then empty and not written.
struct AdRecord {
  std::string ad_id;        // "ad-0000123"
  std::string item_id;      // "item-000045": the ad's group
  std::string campaign_id;  // "camp-00012"
  std::string title;
  std::string description;
  std::vector<std::string> keywords;
  int64_t bid_cents = 0;   // written as a number with 2 decimals
  bool active = true;      // status "active" / "paused"
  int64_t updated_at = 0;  // epoch milliseconds: the record's version
  Op op = Op::kUpsert;
};

// One item line; items are never deleted.
struct ItemRecord {
  std::string item_id;
  std::string title;
  std::string brand;
  std::string category;     // "home/kitchen"
  int64_t price_cents = 0;  // written as a number with 2 decimals
  int64_t popularity = 0;
  int rating_tenths = 0;   // 10..50, written as 1.0..5.0
  int64_t updated_at = 0;  // epoch milliseconds
};

// Fixed-width ids: "ad-0000123" (7 digits), "item-000045" (6), "camp-00012"
// (5). Indexes beyond the width get more digits, never a collision.
std::string AdId(uint64_t index);
std::string ItemId(uint64_t index);
std::string CampaignId(uint64_t index);

// Ways a generated ad line is broken on purpose (--malformed). Frozen:
// names appear in summaries and tests.
enum class MalformedKind : uint8_t {
  kTruncated = 0,            // the line is cut short: invalid JSON
  kInvalidUtf8 = 1,          // bytes that are not UTF-8 inside the title
  kUpdatedAtNotNumber = 2,   // valid JSON, "updated_at" is a text date
  kMissingAdId = 3,          // valid JSON, no "ad_id"
  kArrayInsteadOfObject = 4  // valid JSON, but an array of the values
};
inline constexpr int kMalformedKindCount = 5;
std::string_view MalformedKindName(MalformedKind kind);

}  // namespace freshet::gen
