#include "gen/catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>

namespace freshet::gen {
namespace {

// Stream ids for DeriveSeed. Frozen: changing one changes every workload.
constexpr uint64_t kStreamItems = 10;
constexpr uint64_t kStreamGroups = 11;
constexpr uint64_t kStreamAds = 12;
constexpr uint64_t kStreamHotAds = 13;
constexpr uint64_t kStreamHotItems = 14;
constexpr uint64_t kStreamAdEvents = 20;
constexpr uint64_t kStreamItemEvents = 21;
constexpr uint64_t kStreamMalformed = 22;
constexpr uint64_t kStreamAdText = 30;
constexpr uint64_t kStreamItemText = 31;

// Attempts at drawing an ad or item that an event may touch before falling back.
constexpr int kPickAttempts = 16;
// Share of picks that go to ads created after the snapshot.
constexpr double kNewAdPickShare = 0.05;
// A picked deleted ad comes back with this probability (else another is picked).
constexpr double kRestoreShare = 0.2;
constexpr double kInitialActiveShare = 0.9;

constexpr std::array<std::string_view, 8> kPromotions = {
    "free shipping", "sale",      "new season", "limited offer",
    "best price",    "top rated", "20% off",    "bundle deal"};

int64_t CeilMillis(TimeMicros t) { return t >= 0 ? (t + 999) / 1000 : t / 1000; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int64_t NewPriceCents(Random& rng) {
  double u = rng.UniformDouble();
  return 99 + static_cast<int64_t>(u * u * u * u * u * 200'000.0);  // median ~32.00
}

int32_t NewRatingTenths(Random& rng) {
  // Mostly 3.5 .. 5.0 (a bell around 4.2); a few products at any rating.
  if (rng.Bernoulli(0.05)) return static_cast<int32_t>(rng.UniformRange(10, 50));
  int64_t bell = 27 + rng.UniformRange(0, 10) + rng.UniformRange(0, 10) + rng.UniformRange(0, 10);
  return static_cast<int32_t>(std::min<int64_t>(bell, 50));
}

// `count` sorted times, uniform in [start_ms, end_ms).
std::vector<int64_t> DrawTimes(Random& rng, int64_t start_ms, int64_t end_ms, uint32_t count) {
  std::vector<int64_t> times(count);
  for (int64_t& t : times) t = rng.UniformRange(start_ms, end_ms - 1);
  std::sort(times.begin(), times.end());
  return times;
}

}  // namespace

Catalog::Catalog(const WorkloadSpec& spec, uint64_t seed, TimeMicros cut)
    : spec_(spec),
      seed_(seed),
      vocabulary_(seed, spec.vocabulary_words, std::max<uint32_t>(spec.brands, 1), spec.term_skew),
      brand_zipf_(std::max<uint32_t>(spec.brands, 1), spec.brand_skew),
      category_zipf_(Vocabulary::Categories().size(), spec.category_skew),
      ad_zipf_(std::max<uint32_t>(spec.ads, 1), spec.ad_update_skew),
      item_zipf_(std::max<uint32_t>(spec.items, 1), spec.item_update_skew) {
  const int64_t cut_ms = cut / 1000;
  const int64_t age_ms = spec.snapshot_age / 1000;
  const uint32_t n_items = std::max<uint32_t>(spec.items, 1);

  Random item_rng(DeriveSeed(seed, kStreamItems));
  items_.resize(n_items);
  for (ItemState& item : items_) {
    item.brand = static_cast<uint32_t>(brand_zipf_.Sample(item_rng));
    item.category = static_cast<uint16_t>(category_zipf_.Sample(item_rng));
    item.noun = static_cast<uint16_t>(
        item_rng.Uniform(Vocabulary::Categories()[item.category].nouns.size()));
    item.price_cents = NewPriceCents(item_rng);
    item.rating_tenths = NewRatingTenths(item_rng);
    item.updated_at = cut_ms - item_rng.UniformRange(0, age_ms);
  }

  // Group sizes: a truncated power law, then nudged to add up to spec.ads.
  Random group_rng(DeriveSeed(seed, kStreamGroups));
  ZipfDistribution size_zipf(std::max<uint32_t>(spec.max_group_size, 1), spec.group_size_exponent);
  std::vector<uint32_t> sizes(n_items);
  uint64_t total = 0;
  for (uint32_t& size : sizes) {
    size = 1 + static_cast<uint32_t>(size_zipf.Sample(group_rng));
    total += size;
  }
  const uint32_t min_size = spec.ads >= n_items ? 1 : 0;
  while (total > spec.ads) {
    uint32_t& size = sizes[group_rng.Uniform(n_items)];
    if (size > min_size) {
      --size;
      --total;
    }
  }
  while (total < spec.ads) {
    ++sizes[group_rng.Uniform(n_items)];
    ++total;
  }

  // The hottest items are the biggest groups (ties in random order); they
  // are also the most popular.
  Random hot_item_rng(DeriveSeed(seed, kStreamHotItems));
  std::vector<uint64_t> tie_break(n_items);
  for (uint64_t& key : tie_break) key = hot_item_rng.Next();
  hot_items_.resize(n_items);
  std::iota(hot_items_.begin(), hot_items_.end(), 0u);
  std::sort(hot_items_.begin(), hot_items_.end(), [&](uint32_t a, uint32_t b) {
    if (sizes[a] != sizes[b]) return sizes[a] > sizes[b];
    return tie_break[a] < tie_break[b];
  });
  for (uint32_t rank = 0; rank < n_items; ++rank) {
    ItemState& item = items_[hot_items_[rank]];
    item.popularity = 1 + static_cast<int64_t>(5'000'000 / (rank + 1)) *
                              (50 + static_cast<int64_t>(hot_item_rng.Uniform(101))) / 100;
  }

  // Ads: each item's share of ad ids, shuffled.
  Random ad_rng(DeriveSeed(seed, kStreamAds));
  std::vector<uint32_t> ad_items;
  ad_items.reserve(spec.ads);
  for (uint32_t item = 0; item < n_items; ++item)
    ad_items.insert(ad_items.end(), sizes[item], item);
  ad_rng.Shuffle(ad_items);
  ads_.resize(spec.ads);
  for (uint32_t i = 0; i < spec.ads; ++i) {
    AdState& ad = ads_[i];
    ad.item = ad_items[i];
    ad.campaign = PickCampaign(items_[ad.item].brand, ad_rng);
    ad.bid_cents = NewBid(ad_rng);
    ad.active = ad_rng.Bernoulli(kInitialActiveShare);
    ad.updated_at = cut_ms - ad_rng.UniformRange(0, age_ms);
  }

  Random hot_ad_rng(DeriveSeed(seed, kStreamHotAds));
  hot_ads_.resize(std::max<uint32_t>(spec.ads, 1));
  std::iota(hot_ads_.begin(), hot_ads_.end(), 0u);
  hot_ad_rng.Shuffle(hot_ads_);
}

uint32_t Catalog::PickCampaign(uint32_t brand, Random& rng) const {
  const uint32_t campaigns = std::max<uint32_t>(spec_.campaigns, 1);
  const uint32_t per_brand = std::max<uint32_t>(campaigns / std::max<uint32_t>(spec_.brands, 1), 1);
  return static_cast<uint32_t>((uint64_t{brand} * per_brand + rng.Uniform(per_brand)) % campaigns);
}

int32_t Catalog::NewBid(Random& rng) {
  double u = rng.UniformDouble();
  return 5 + static_cast<int32_t>(u * u * 495.0);  // 0.05 .. 5.00, mostly low
}

int32_t Catalog::ChangeBid(int32_t bid, Random& rng) {
  int32_t next =
      static_cast<int32_t>(int64_t{bid} * (80 + static_cast<int64_t>(rng.Uniform(41))) / 100);
  if (next == bid) next = bid + 1;
  return std::clamp(next, 5, 2000);
}

uint64_t Catalog::PickAd(Random& rng) const {
  if (ads_.size() > spec_.ads && rng.Bernoulli(kNewAdPickShare)) {
    return spec_.ads + rng.Uniform(ads_.size() - spec_.ads);
  }
  if (spec_.ads == 0) return rng.Uniform(std::max<uint64_t>(ads_.size(), 1));
  return hot_ads_[ad_zipf_.Sample(rng)];
}

uint64_t Catalog::PickItem(Random& rng) const { return hot_items_[item_zipf_.Sample(rng)]; }

AdRecord Catalog::MakeAdRecord(uint64_t ad, const AdState& state) const {
  const ItemState& item = items_[state.item];
  const Category& category = Vocabulary::Categories()[item.category];
  const std::string& brand = vocabulary_.brands()[item.brand];
  std::string_view noun = category.nouns[item.noun];
  Random rng(DeriveSeed(seed_, kStreamAdText, ad, state.content_version));

  AdRecord r;
  r.ad_id = AdId(ad);
  r.item_id = ItemId(state.item);
  r.campaign_id = CampaignId(state.campaign);
  r.title = fmt::format("{} {} {} {}", brand, noun, vocabulary_.Term(rng), vocabulary_.Term(rng));
  if (rng.Bernoulli(0.5)) {
    r.title += " - ";
    r.title += rng.Choice(std::span<const std::string_view>(kPromotions));
  }
  int words = static_cast<int>(rng.UniformRange(8, 20));
  for (int i = 0; i < words; ++i) {
    if (i > 0) r.description += ' ';
    r.description += vocabulary_.Term(rng);
  }
  r.description[0] = static_cast<char>(r.description[0] - 'a' + 'A');
  r.description +=
      fmt::format(". {} {} by {}.", rng.Bernoulli(0.5) ? "Quality" : "Genuine", noun, brand);
  r.keywords.push_back(Lower(brand));
  r.keywords.emplace_back(noun);
  int extra = static_cast<int>(rng.UniformRange(1, 5));
  for (int i = 0; i < extra; ++i) {
    std::string_view term = vocabulary_.Term(rng);
    if (std::find(r.keywords.begin(), r.keywords.end(), term) == r.keywords.end()) {
      r.keywords.emplace_back(term);
    }
  }
  r.bid_cents = state.bid_cents;
  r.active = state.active;
  r.updated_at = state.updated_at;
  r.op = Op::kUpsert;
  return r;
}

AdRecord Catalog::Ad(uint64_t ad) const { return MakeAdRecord(ad, ads_[ad]); }

ItemRecord Catalog::Item(uint64_t index) const {
  const ItemState& item = items_[index];
  const Category& category = Vocabulary::Categories()[item.category];
  const std::string& brand = vocabulary_.brands()[item.brand];
  Random rng(DeriveSeed(seed_, kStreamItemText, index, item.content_version));
  ItemRecord r;
  r.item_id = ItemId(index);
  r.title = fmt::format("{} {} {} {}", brand, vocabulary_.Term(rng), vocabulary_.Term(rng),
                        category.nouns[item.noun]);
  r.brand = brand;
  r.category = std::string(category.path);
  r.price_cents = item.price_cents;
  r.popularity = item.popularity;
  r.rating_tenths = item.rating_tenths;
  r.updated_at = item.updated_at;
  return r;
}

std::vector<uint32_t> Catalog::GroupSizes() const {
  std::vector<uint32_t> sizes(items_.size());
  for (const AdState& ad : ads_) {
    if (!ad.deleted) ++sizes[ad.item];
  }
  return sizes;
}

std::vector<AdEvent> Catalog::NextAdEvents(int64_t partition, TimeMicros start, TimeMicros end,
                                           uint32_t count, const AdStreamOptions& options) {
  Random rng(DeriveSeed(seed_, kStreamAdEvents, static_cast<uint64_t>(partition)));
  Random bad(DeriveSeed(seed_, kStreamMalformed, static_cast<uint64_t>(partition)));
  const int64_t start_ms = CeilMillis(start);
  const int64_t end_ms = CeilMillis(end);
  std::vector<int64_t> times = DrawTimes(rng, start_ms, end_ms, count);
  // An ad may be touched at `t` only if its next version still fits.
  auto fits = [&](const AdState& s) { return s.updated_at + 1 < end_ms; };

  std::vector<AdEvent> events;
  events.reserve(count);
  for (int64_t t : times) {
    AdEvent ev;
    if (bad.Bernoulli(options.malformed_rate)) {
      ev.malformed = static_cast<MalformedKind>(bad.Uniform(kMalformedKindCount));
    }
    const double u = rng.UniformDouble();
    AdState next;
    bool chosen = false;
    if (u >= spec_.new_ad_rate && u < spec_.new_ad_rate + options.delete_rate) {
      for (int i = 0; i < kPickAttempts && !chosen; ++i) {
        uint64_t ad = PickAd(rng);
        if (ads_[ad].deleted || !fits(ads_[ad])) continue;
        chosen = true;
        ev.ad_index = ad;
        ev.change = AdChange::kDelete;
        next = ads_[ad];
        next.deleted = true;
      }
    } else if (u >= spec_.new_ad_rate) {
      for (int i = 0; i < kPickAttempts && !chosen; ++i) {
        uint64_t ad = PickAd(rng);
        const AdState& cur = ads_[ad];
        if (!fits(cur)) continue;
        if (cur.deleted && !rng.Bernoulli(kRestoreShare)) continue;
        chosen = true;
        ev.ad_index = ad;
        next = cur;
        if (cur.deleted) {
          ev.change = AdChange::kRestore;
          next.deleted = false;
          next.active = true;
          next.content_version++;
          next.bid_cents = ChangeBid(cur.bid_cents, rng);
          break;
        }
        ev.change = AdChange::kUpdate;
        bool changed = false;
        if (rng.Bernoulli(0.6)) {
          next.bid_cents = ChangeBid(cur.bid_cents, rng);
          changed = true;
        }
        if (rng.Bernoulli(0.1)) {
          next.active = !cur.active;
          changed = true;
        }
        if (rng.Bernoulli(0.25)) {
          next.content_version++;
          changed = true;
        }
        if (rng.Bernoulli(spec_.move_rate)) {
          uint32_t item = static_cast<uint32_t>(PickItem(rng));
          if (item != cur.item) {
            next.item = item;
            next.content_version++;
            ev.moved = true;
            changed = true;
          }
        }
        if (!changed) next.bid_cents = ChangeBid(cur.bid_cents, rng);
      }
    }
    if (!chosen) {  // a new ad: also the fallback when no pick fits
      ev.ad_index = ads_.size();
      ev.change = AdChange::kCreate;
      next = AdState();
      next.item = static_cast<uint32_t>(PickItem(rng));
      next.campaign = PickCampaign(items_[next.item].brand, rng);
      next.bid_cents = NewBid(rng);
      next.active = true;
      next.updated_at = t - 1;
    }
    next.updated_at = std::max(t, next.updated_at + 1);

    if (ev.change == AdChange::kDelete) {
      ev.record.ad_id = AdId(ev.ad_index);
      ev.record.item_id = ItemId(next.item);
      ev.record.updated_at = next.updated_at;
      ev.record.op = Op::kDelete;
    } else {
      ev.record = MakeAdRecord(ev.ad_index, next);
    }
    if (!ev.malformed) {
      if (ev.change == AdChange::kCreate) {
        ads_.push_back(next);
      } else {
        ads_[ev.ad_index] = next;
      }
    }
    events.push_back(std::move(ev));
  }
  return events;
}

std::vector<ItemEvent> Catalog::NextItemEvents(int64_t partition, TimeMicros start, TimeMicros end,
                                               uint32_t count) {
  Random rng(DeriveSeed(seed_, kStreamItemEvents, static_cast<uint64_t>(partition)));
  const int64_t start_ms = CeilMillis(start);
  const int64_t end_ms = CeilMillis(end);
  std::vector<int64_t> times = DrawTimes(rng, start_ms, end_ms, count);

  std::vector<ItemEvent> events;
  events.reserve(count);
  for (int64_t t : times) {
    uint64_t index = PickItem(rng);
    for (int i = 1; i < kPickAttempts && items_[index].updated_at + 1 >= end_ms; ++i) {
      index = PickItem(rng);
    }
    for (size_t rank = 0; rank < hot_items_.size() && items_[index].updated_at + 1 >= end_ms;
         ++rank) {
      index = hot_items_[rank];
    }
    ItemState& item = items_[index];
    item.popularity +=
        static_cast<int64_t>(rng.Uniform(2 + static_cast<uint64_t>(item.popularity / 50)));
    if (rng.Bernoulli(0.3)) {
      item.price_cents = std::max<int64_t>(
          99, item.price_cents * (85 + static_cast<int64_t>(rng.Uniform(31))) / 100);
    }
    if (rng.Bernoulli(0.2)) {
      item.rating_tenths =
          std::clamp(item.rating_tenths + static_cast<int32_t>(rng.UniformRange(-3, 3)), 10, 50);
    }
    if (rng.Bernoulli(0.05)) item.content_version++;
    // A tie only if every item was updated in the partition's last millisecond.
    item.updated_at = std::min(std::max(t, item.updated_at + 1), end_ms - 1);
    ItemEvent ev;
    ev.item_index = index;
    ev.record = Item(index);
    events.push_back(std::move(ev));
  }
  return events;
}

}  // namespace freshet::gen
