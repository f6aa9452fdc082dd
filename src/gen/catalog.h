// Catalog: the synthetic ads catalogue that a workload evolves, and the
// update stream that evolves it.
//
// Every value is a pure function of (workload, seed, cut) and of the calls
// made so far: the same calls in the same order give the same records, bit
// for bit. Each partition draws from its own random streams, so options that
// touch one partition (late files, for instance) do not reshuffle the others.
//
// The catalogue always equals the snapshot plus every well-formed update
// line drawn so far: a line drawn malformed is not applied, exactly as a
// reader that skips it would see the data.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "gen/random.h"
#include "gen/vocabulary.h"
#include "gen/workload.h"

namespace freshet::gen {

// What an ad update line does.
enum class AdChange : uint8_t {
  kUpdate = 0,   // edits a live ad (text, bid, status, sometimes its item)
  kCreate = 1,   // a new ad, with an id beyond every earlier one
  kDelete = 2,   // deletes a live ad
  kRestore = 3,  // a deleted ad comes back (upsert)
};

struct AdEvent {
  uint64_t ad_index = 0;
  AdChange change = AdChange::kUpdate;
  bool moved = false;  // kUpdate that changed the ad's item
  // Set when the line is to be written broken; the event was then not applied.
  std::optional<MalformedKind> malformed;
  AdRecord record;
};

struct ItemEvent {
  uint64_t item_index = 0;
  ItemRecord record;
};

struct AdStreamOptions {
  double delete_rate = 0.02;    // share of lines that delete an ad
  double malformed_rate = 0.0;  // share of lines written broken
};

class Catalog {
 public:
  // Builds the catalogue as of `cut` (the snapshot): spec.items items and
  // spec.ads ads, every record with updated_at in [cut - snapshot_age, cut].
  Catalog(const WorkloadSpec& spec, uint64_t seed, TimeMicros cut);
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Ad ids handed out so far (snapshot and created), live or deleted.
  uint64_t ad_count() const { return ads_.size(); }
  uint64_t item_count() const { return items_.size(); }
  // REQUIRES: ad < ad_count().
  bool IsLive(uint64_t ad) const { return !ads_[ad].deleted; }

  // The current state as an upsert record. REQUIRES: index < count.
  AdRecord Ad(uint64_t ad) const;
  ItemRecord Item(uint64_t item) const;

  // Live ads per item (group sizes), indexed by item.
  std::vector<uint32_t> GroupSizes() const;

  // Draws `count` ad update lines of partition number `partition`, with
  // updated_at in [start, end), in time order, and applies the well-formed
  // ones. A given ad's updated_at strictly increases from line to line and
  // from the snapshot on.
  // REQUIRES: cut <= start < end; calls in increasing time order.
  std::vector<AdEvent> NextAdEvents(int64_t partition, TimeMicros start, TimeMicros end,
                                    uint32_t count, const AdStreamOptions& options);

  // The same for item updates (always upserts, never malformed).
  std::vector<ItemEvent> NextItemEvents(int64_t partition, TimeMicros start, TimeMicros end,
                                        uint32_t count);

 private:
  struct AdState {
    uint32_t item = 0;
    uint32_t campaign = 0;
    uint32_t content_version = 0;  // text is a function of (ad, item, content_version)
    int32_t bid_cents = 0;
    int64_t updated_at = 0;  // epoch ms
    bool active = true;
    bool deleted = false;
  };
  struct ItemState {
    uint32_t brand = 0;
    uint16_t category = 0;
    uint16_t noun = 0;
    uint32_t content_version = 0;
    int32_t rating_tenths = 0;
    int64_t price_cents = 0;
    int64_t popularity = 0;
    int64_t updated_at = 0;  // epoch ms
  };

  AdRecord MakeAdRecord(uint64_t ad, const AdState& state) const;
  uint64_t PickAd(Random& rng) const;
  uint64_t PickItem(Random& rng) const;
  uint32_t PickCampaign(uint32_t brand, Random& rng) const;
  static int32_t NewBid(Random& rng);
  static int32_t ChangeBid(int32_t bid, Random& rng);

  const WorkloadSpec spec_;
  const uint64_t seed_;
  Vocabulary vocabulary_;
  ZipfDistribution brand_zipf_;
  ZipfDistribution category_zipf_;
  ZipfDistribution ad_zipf_;         // over hot_ads_
  ZipfDistribution item_zipf_;       // over hot_items_
  std::vector<uint32_t> hot_ads_;    // Zipf rank -> snapshot ad
  std::vector<uint32_t> hot_items_;  // Zipf rank -> item; biggest groups first
  std::vector<ItemState> items_;
  std::vector<AdState> ads_;
};

}  // namespace freshet::gen
