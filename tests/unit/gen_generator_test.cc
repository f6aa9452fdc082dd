#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "format/jsonl_reader.h"
#include "gen/catalog.h"
#include "gen/generator.h"
#include "gen/record_writer.h"
#include "storage/memory_store.h"

namespace freshet::gen {
namespace {

namespace fs = std::filesystem;

constexpr TimeMicros kPeriod = 5 * kMicrosPerMinute;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "freshet-gen-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TimeMicros DefaultStart() { return *ParseTimestamp(kDefaultStart); }

GenOptions TinyOptions() {
  GenOptions o;
  o.workload = "tiny";
  o.start = DefaultStart();
  return o;
}

struct Output {
  std::unique_ptr<ObjectStore> store;
  GenSummary summary;
  std::vector<std::string> progress;

  std::map<std::string, std::string> Files() const {
    std::map<std::string, std::string> files;
    std::vector<ObjectInfo> listing = store->List("").value();
    for (const ObjectInfo& info : listing) files[info.key] = store->Get(info.key).value();
    return files;
  }
  bool Exists(const std::string& key) const { return store->Head(key).ok(); }
};

// Generates into `store` (default: a fresh memory store).
std::unique_ptr<Output> Generate(const GenOptions& options, Clock* clock = nullptr,
                                 std::unique_ptr<ObjectStore> store = nullptr) {
  auto out = std::make_unique<Output>();
  out->store = store ? std::move(store) : NewMemoryStore();
  std::atomic<bool> stop{false};
  auto summary = GenerateWorkload(options, *out->store, clock, stop,
                                  [&](std::string_view line) { out->progress.emplace_back(line); });
  EXPECT_TRUE(summary.ok()) << summary.status().ToString();
  if (summary.ok()) out->summary = *summary;
  return out;
}

// Collects decoded rows and rejected lines.
class CollectingSink final : public RowSink {
 public:
  Status OnRow(Row& row, uint64_t) override {
    rows.push_back(row);
    return Status::OK();
  }
  Status OnBadRow(uint64_t row_number, uint64_t, std::string reason) override {
    bad.emplace_back(row_number, std::move(reason));
    return Status::OK();
  }
  std::vector<Row> rows;
  std::vector<std::pair<uint64_t, std::string>> bad;
};

const std::vector<std::string> kAdColumns = {"ad_id",       "item_id",  "campaign_id", "title",
                                             "description", "keywords", "bid",         "status",
                                             "updated_at",  "op"};
const std::vector<std::string> kItemColumns = {
    "item_id", "title", "brand", "category", "price", "popularity", "rating", "updated_at", "op"};

CollectingSink Parse(const std::string& name, const std::string& bytes,
                     const std::vector<std::string>& columns) {
  CollectingSink sink;
  Status st = JsonLinesReader::Parse(name, bytes, columns, sink);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return sink;
}

size_t CountLines(const std::string& bytes) { return std::count(bytes.begin(), bytes.end(), '\n'); }

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// True if `s` is `prefix` and exactly `digits` decimal digits: "ad-0000123".
bool IsId(std::string_view s, std::string_view prefix, size_t digits) {
  return s.starts_with(prefix) && s.size() == prefix.size() + digits &&
         IsDigits(s.substr(prefix.size()));
}

// Number of `"field":` values in `bytes`; fails if one is not "D+.DD".
size_t CheckTwoDecimals(std::string_view bytes, std::string_view field) {
  const std::string needle = "\"" + std::string(field) + "\":";
  size_t found = 0;
  for (size_t pos = bytes.find(needle); pos != std::string_view::npos;
       pos = bytes.find(needle, pos + 1)) {
    ++found;
    std::string_view value = bytes.substr(pos + needle.size());
    value = value.substr(0, value.find_first_of(",}"));
    size_t dot = value.find('.');
    EXPECT_TRUE(dot != std::string_view::npos && IsDigits(value.substr(0, dot)) &&
                value.size() == dot + 3 && IsDigits(value.substr(dot + 1)))
        << field << ": " << value;
  }
  return found;
}

// Checks one well-formed ad row; returns its updated_at.
int64_t CheckAdRow(const Row& r, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(r[0].type, ValueType::kString);
  EXPECT_TRUE(IsId(r[0].s, "ad-", 7)) << r[0].s;
  EXPECT_TRUE(IsId(r[1].s, "item-", 6)) << r[1].s;
  EXPECT_EQ(r[8].type, ValueType::kInt64);
  EXPECT_EQ(r[9].type, ValueType::kString);
  if (r[9].s == "delete") return r[8].i;
  EXPECT_EQ(r[9].s, "upsert");
  EXPECT_TRUE(IsId(r[2].s, "camp-", 5)) << r[2].s;
  EXPECT_EQ(r[3].type, ValueType::kString);
  EXPECT_FALSE(r[3].s.empty());
  EXPECT_EQ(r[4].type, ValueType::kString);
  EXPECT_FALSE(r[4].s.empty());
  EXPECT_EQ(r[5].type, ValueType::kStringList);
  EXPECT_GE(r[5].list.size(), 2u);
  EXPECT_EQ(r[6].type, ValueType::kDouble);
  EXPECT_GT(r[6].d, 0.0);
  EXPECT_TRUE(r[7].s == "active" || r[7].s == "paused") << r[7].s;
  return r[8].i;
}

int64_t CheckItemRow(const Row& r, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_TRUE(IsId(r[0].s, "item-", 6)) << r[0].s;
  for (int i : {1, 2, 3}) {
    EXPECT_EQ(r[i].type, ValueType::kString);
    EXPECT_FALSE(r[i].s.empty());
  }
  EXPECT_EQ(r[4].type, ValueType::kDouble);
  EXPECT_EQ(r[5].type, ValueType::kInt64);
  EXPECT_GE(r[5].i, 1);
  EXPECT_EQ(r[6].type, ValueType::kDouble);
  EXPECT_GE(r[6].d, 1.0);
  EXPECT_LE(r[6].d, 5.0);
  EXPECT_EQ(r[7].type, ValueType::kInt64);
  EXPECT_EQ(r[8].s, "upsert");
  return r[7].i;
}

TEST(GenGeneratorTest, SameSeedGivesIdenticalBytesAndAnotherSeedDiffers) {
  GenOptions o = TinyOptions();
  o.partitions = 3;
  o.late_file_rate = 0.5;
  o.missing_marker_rate = 0.3;
  o.malformed_rate = 0.05;
  auto a = Generate(o);
  auto b = Generate(o);
  auto files_a = a->Files();
  EXPECT_EQ(files_a, b->Files());
  EXPECT_GT(files_a.size(), 8u);

  o.seed = 43;
  auto c = Generate(o);
  auto files_c = c->Files();
  ASSERT_TRUE(files_c.count("snapshot/ads/part-0.jsonl"));
  EXPECT_NE(files_a["snapshot/ads/part-0.jsonl"], files_c["snapshot/ads/part-0.jsonl"]);
  const std::string p0 = PartitionPrefix("ads", DefaultStart()) + "/part-0.jsonl";
  EXPECT_NE(files_a[p0], files_c[p0]);
}

// Pins the tiny workload's bytes: benchmarks and tests compare figures across
// versions, so a change to the generated data must be deliberate. If this
// fails after an intended change, update the constant and say so in the
// commit message.
TEST(GenGeneratorTest, TinyWorkloadIsFrozen) {
  GenOptions o = TinyOptions();
  o.partitions = 3;
  o.late_file_rate = 0.5;
  o.missing_marker_rate = 0.3;
  o.malformed_rate = 0.05;
  auto out = Generate(o);
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64 over keys and contents
  for (const auto& [key, bytes] : out->Files()) {
    for (std::string_view part :
         {std::string_view(key), std::string_view("\0", 1), std::string_view(bytes)}) {
      for (unsigned char c : part) hash = (hash ^ c) * 0x100000001b3ULL;
    }
  }
  EXPECT_EQ(hash, 0xccdb407bc329171ULL) << std::hex << hash;
}

TEST(GenGeneratorTest, WritesTheDocumentedLayoutAndCountsIntoAFolder) {
  TempDir dir;
  auto out = Generate(TinyOptions(), nullptr, std::move(ObjectStore::Open(dir.path())).value());
  const GenSummary& s = out->summary;
  EXPECT_EQ(s.partitions, 12u);
  EXPECT_EQ(s.snapshot_ads, 10'000u);
  EXPECT_EQ(s.snapshot_items, 2'000u);
  EXPECT_EQ(s.ad_lines, 12u * 500);
  EXPECT_EQ(s.item_lines, 12u * 50);
  EXPECT_EQ(s.markers, 24u);
  EXPECT_EQ(s.data_files, 24u);
  EXPECT_GT(s.ads_deleted, 0u);
  EXPECT_GT(s.ads_created, 0u);
  EXPECT_GT(s.ads_moved, 0u);
  EXPECT_EQ(s.ad_updates + s.ads_created + s.ads_deleted + s.ads_restored, s.ad_lines);

  auto files = out->Files();
  EXPECT_EQ(files["snapshot/CUT"], "2026-05-04T10:00:00Z\n");
  EXPECT_EQ(CountLines(files["snapshot/ads/part-0.jsonl"]), 10'000u);
  EXPECT_EQ(CountLines(files["snapshot/items/part-0.jsonl"]), 2'000u);
  uint64_t bytes = 0;
  for (const auto& [key, data] : files) bytes += data.size();
  EXPECT_EQ(bytes, s.bytes);
  EXPECT_EQ(PartitionPrefix("ads", DefaultStart() + 11 * kPeriod),
            "ads/dt=2026-05-04/hour=10/minute=55");
  for (int k = 0; k < 12; ++k) {
    for (std::string source : {"ads", "items"}) {
      std::string prefix = PartitionPrefix(source, DefaultStart() + k * kPeriod);
      ASSERT_TRUE(files.count(prefix + "/part-0.jsonl")) << prefix;
      EXPECT_EQ(files[prefix + "/_SUCCESS"], "");
      EXPECT_EQ(CountLines(files[prefix + "/part-0.jsonl"]), source == "ads" ? 500u : 50u);
    }
  }
  EXPECT_EQ(files.size(), 3u + 12 * 4);
}

TEST(GenGeneratorTest, LinesParseWithTheDocumentedFieldsAndTimes) {
  GenOptions o = TinyOptions();
  o.partitions = 4;
  o.files_per_partition = 2;
  auto out = Generate(o);
  const int64_t cut_ms = DefaultStart() / 1000;
  std::map<std::string, std::vector<int64_t>> versions;  // ad_id -> updated_at, in write order

  auto files = out->Files();
  for (const auto& [key, bytes] : files) {
    if (!key.ends_with(".jsonl")) continue;
    const bool ads = key.find("ads/") != std::string::npos;
    CollectingSink sink = Parse(key, bytes, ads ? kAdColumns : kItemColumns);
    EXPECT_TRUE(sink.bad.empty()) << key << ": " << sink.bad.front().second;
    EXPECT_EQ(sink.rows.size(), CountLines(bytes)) << key;
    int64_t lo = 0, hi = cut_ms;  // snapshot: <= cut
    if (!key.starts_with("snapshot/")) {
      int k = -1;
      for (int i = 0; i < 4; ++i) {
        if (key.starts_with(PartitionPrefix(ads ? "ads" : "items", DefaultStart() + i * kPeriod)))
          k = i;
      }
      ASSERT_GE(k, 0) << key;
      lo = cut_ms + k * kPeriod / 1000;
      hi = lo + kPeriod / 1000 - 1;
    }
    for (const Row& row : sink.rows) {
      int64_t t = ads ? CheckAdRow(row, key) : CheckItemRow(row, key);
      EXPECT_GE(t, lo) << key;
      EXPECT_LE(t, hi) << key;
      if (ads) versions[row[0].s].push_back(t);
    }
    // Raw text: money with exactly two decimals.
    EXPECT_GT(CheckTwoDecimals(bytes, ads ? "bid" : "price"), 0u) << key;
  }
  // Versions are unique per ad: "newest wins" never needs a tie-break.
  for (auto& [ad, times] : versions) {
    std::set<int64_t> unique(times.begin(), times.end());
    EXPECT_EQ(unique.size(), times.size()) << ad;
  }
}

TEST(GenGeneratorTest, MissingMarkersAtTheRequestedRate) {
  GenOptions o = TinyOptions();
  o.snapshot = false;
  o.missing_marker_rate = 0.25;
  auto out = Generate(o);
  EXPECT_EQ(out->summary.missing_markers, 6u);  // 12 partitions x 2 sources x 0.25
  EXPECT_EQ(out->summary.markers, 18u);
  for (std::string source : {"ads", "items"}) {
    int missing = 0;
    for (int k = 0; k < 12; ++k) {
      std::string prefix = PartitionPrefix(source, DefaultStart() + k * kPeriod);
      EXPECT_TRUE(out->Exists(prefix + "/part-0.jsonl"));
      if (!out->Exists(prefix + "/_SUCCESS")) ++missing;
    }
    EXPECT_EQ(missing, 3) << source;
  }
}

TEST(GenGeneratorTest, MalformedLinesAtAboutTheRateAndRejected) {
  GenOptions o = TinyOptions();
  o.snapshot = false;
  o.item_updates = false;
  o.malformed_rate = 0.1;
  auto out = Generate(o);
  const GenSummary& s = out->summary;
  // 6000 lines at 10%: about 600.
  EXPECT_GT(s.malformed(), 480u);
  EXPECT_LT(s.malformed(), 720u);
  for (uint64_t count : s.malformed_by_kind) EXPECT_GT(count, 60u);

  uint64_t rejected = 0, missing_id = 0, text_time = 0, good = 0;
  for (const auto& [key, bytes] : out->Files()) {
    if (!key.ends_with(".jsonl")) continue;
    CollectingSink sink = Parse(key, bytes, kAdColumns);
    rejected += sink.bad.size();
    for (const Row& row : sink.rows) {
      if (row[0].is_null()) {
        ++missing_id;
      } else if (row[8].type == ValueType::kString) {
        ++text_time;
      } else {
        CheckAdRow(row, key);
        ++good;
      }
    }
  }
  using K = MalformedKind;
  auto kind = [&](K k) { return s.malformed_by_kind[static_cast<size_t>(k)]; };
  // Broken JSON, bad UTF-8 and arrays are rejected by the reader itself...
  EXPECT_EQ(rejected, kind(K::kTruncated) + kind(K::kInvalidUtf8) + kind(K::kArrayInsteadOfObject));
  // ...the others parse but break the schema.
  EXPECT_EQ(missing_id, kind(K::kMissingAdId));
  EXPECT_EQ(text_time, kind(K::kUpdatedAtNotNumber));
  EXPECT_EQ(good + s.malformed(), s.ad_lines);
}

TEST(GenGeneratorTest, EveryMalformedKindIsBrokenForEveryOp) {
  AdRecord upsert;
  upsert.ad_id = "ad-0000001";
  upsert.item_id = "item-000002";
  upsert.campaign_id = "camp-00003";
  upsert.title = "Brand \"phone\"";
  upsert.description = "Line\nbreak\\";
  upsert.keywords = {"brand", "phone"};
  upsert.bid_cents = 105;
  upsert.updated_at = 1777888800123;
  AdRecord del;
  del.ad_id = "ad-0000001";
  del.item_id = "item-000002";
  del.updated_at = 1777888800124;
  del.op = Op::kDelete;
  for (const AdRecord& record : {upsert, del}) {
    JsonLinesRecordWriter writer;
    writer.AppendAd(record);
    CollectingSink good = Parse("good", writer.Finish(), kAdColumns);
    ASSERT_EQ(good.rows.size(), 1u);
    CheckAdRow(good.rows[0], "good");
    if (record.op == Op::kUpsert) {
      EXPECT_EQ(good.rows[0][3].s, "Brand \"phone\"");
      EXPECT_EQ(good.rows[0][4].s, "Line\nbreak\\");
      EXPECT_EQ(good.rows[0][6].d, 1.05);
    }
    for (int i = 0; i < kMalformedKindCount; ++i) {
      auto kind = static_cast<MalformedKind>(i);
      SCOPED_TRACE(MalformedKindName(kind));
      writer.AppendMalformedAd(record, kind);
      EXPECT_EQ(writer.records(), 1u);
      CollectingSink sink = Parse("bad", writer.Finish(), kAdColumns);
      bool reader_rejects = kind == MalformedKind::kTruncated ||
                            kind == MalformedKind::kInvalidUtf8 ||
                            kind == MalformedKind::kArrayInsteadOfObject;
      EXPECT_EQ(sink.bad.size(), reader_rejects ? 1u : 0u);
      if (kind == MalformedKind::kMissingAdId) {
        EXPECT_TRUE(sink.rows.at(0)[0].is_null());
      }
      if (kind == MalformedKind::kUpdatedAtNotNumber) {
        EXPECT_EQ(sink.rows.at(0)[8].type, ValueType::kString);
      }
    }
  }
}

TEST(GenGeneratorTest, GroupSizesAreSkewed) {
  Catalog catalog(*FindWorkload("tiny"), 42, DefaultStart());
  std::vector<uint32_t> sizes = catalog.GroupSizes();
  ASSERT_EQ(sizes.size(), 2'000u);
  uint64_t total = 0, small = 0;
  for (uint32_t s : sizes) {
    total += s;
    small += s >= 1 && s <= 5;
  }
  EXPECT_EQ(total, 10'000u);
  std::sort(sizes.begin(), sizes.end());
  const uint32_t median = sizes[sizes.size() / 2];
  EXPECT_LE(median, 5u);
  EXPECT_GE(sizes.back(), 100u);  // "a few with hundreds"
  EXPECT_GE(sizes.back(), 30 * median);
  EXPECT_GT(small, 1'400u);  // most items have 1-5 ads
}

TEST(GenGeneratorTest, UpdatesFavourHotAds) {
  Catalog catalog(*FindWorkload("tiny"), 42, DefaultStart());
  std::map<uint64_t, int> touched;
  for (int k = 0; k < 4; ++k) {
    TimeMicros start = DefaultStart() + k * kPeriod;
    for (const AdEvent& ev : catalog.NextAdEvents(k, start, start + kPeriod, 500, {})) {
      ++touched[ev.ad_index];
    }
  }
  int max_touches = 0;
  for (auto& [ad, n] : touched) max_touches = std::max(max_touches, n);
  EXPECT_GE(max_touches, 20);       // hot ads get many of the 2000 updates
  EXPECT_GT(touched.size(), 500u);  // yet many ads are touched
}

TEST(GenGeneratorTest, LateFilesFollowTheirPartition) {
  GenOptions o = TinyOptions();
  o.snapshot = false;
  o.partitions = 4;
  o.late_file_rate = 0.5;
  auto out = Generate(o);
  EXPECT_EQ(out->summary.late_files, 4u);  // 2 of 4 partitions, ads and items
  int late_ads = 0;
  for (int k = 0; k < 4; ++k) {
    std::string prefix = PartitionPrefix("ads", DefaultStart() + k * kPeriod);
    auto late = out->store->Get(prefix + "/part-late-0.jsonl");
    if (!late.ok()) continue;
    ++late_ads;
    CollectingSink sink = Parse(prefix, *late, kAdColumns);
    EXPECT_EQ(sink.rows.size(), 25u);  // 5% of 500
    for (const Row& row : sink.rows) {
      int64_t t = CheckAdRow(row, prefix);
      EXPECT_GE(t, (DefaultStart() + k * kPeriod) / 1000);
      EXPECT_LT(t, (DefaultStart() + (k + 1) * kPeriod) / 1000);
    }
    // The regular files keep the workload's count.
    EXPECT_EQ(CountLines(*out->store->Get(prefix + "/part-0.jsonl")), 500u);
  }
  EXPECT_EQ(late_ads, 2);
}

TEST(GenGeneratorTest, LiveModeWritesOnePartitionPerPeriodWithTheSameBytes) {
  GenOptions o = TinyOptions();
  o.partitions = 3;
  o.late_file_rate = 1;
  o.missing_marker_rate = 0.5;
  auto batch = Generate(o);

  o.live = true;
  ManualClock clock(DefaultStart());
  auto live = Generate(o, &clock);
  EXPECT_EQ(batch->Files(), live->Files());
  // Partition 2 ends at +15m; its late file is due a period later.
  EXPECT_EQ(clock.Now(), DefaultStart() + 4 * kPeriod);
  ASSERT_EQ(live->progress.size(), 3u + 3 * 2);
  EXPECT_TRUE(live->progress[0].starts_with("2026-05-04T10:00:00Z: ads 500 lines"))
      << live->progress[0];
  EXPECT_TRUE(live->progress[1].starts_with("2026-05-04T10:05:00Z")) << live->progress[1];
  // Partition 0's late files come after partition 1's files.
  EXPECT_TRUE(live->progress[2].starts_with("late file ads/dt=2026-05-04/hour=10/minute=00/"))
      << live->progress[2];
}

TEST(GenGeneratorTest, LiveModeStopsOnRequest) {
  GenOptions o = TinyOptions();
  o.snapshot = false;
  o.live = true;
  o.partitions = 0;  // until stopped
  std::unique_ptr<ObjectStore> memory = NewMemoryStore();
  ObjectStore& store = *memory;
  ManualClock clock(DefaultStart());
  std::atomic<bool> stop{false};
  int lines = 0;
  auto summary = GenerateWorkload(o, store, &clock, stop, [&](std::string_view) {
    if (++lines == 5) stop = true;
  });
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_TRUE(summary->stopped);
  EXPECT_EQ(summary->partitions, 5u);
}

TEST(GenGeneratorTest, RefusesToWriteOverAnEarlierWorkload) {
  GenOptions o = TinyOptions();
  o.partitions = 1;
  auto out = Generate(o);
  std::atomic<bool> stop{false};
  auto again = GenerateWorkload(o, *out->store, nullptr, stop);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("--overwrite"), std::string::npos);
  o.overwrite = true;
  EXPECT_TRUE(GenerateWorkload(o, *out->store, nullptr, stop).ok());
}

TEST(GenGeneratorTest, ScaleMultipliesTheCountsAndKeepsTheShape) {
  GenOptions o = TinyOptions();
  o.scale = 0.25;
  o.partitions = 2;
  auto out = Generate(o);
  const GenSummary& s = out->summary;
  EXPECT_EQ(s.snapshot_ads, 2'500u);
  EXPECT_EQ(s.snapshot_items, 500u);
  EXPECT_EQ(s.ad_lines, 2u * 125);
  EXPECT_EQ(s.item_lines, 2u * 13);  // 12.5 rounds to 13
  EXPECT_TRUE(FormatGenSummary(s).starts_with("workload   tiny at scale 0.25 (seed 42)"))
      << FormatGenSummary(s);
  // Counts scale, the shape does not: the power law's maximum and the
  // vocabulary stay those of the workload.
  const WorkloadSpec& tiny = *FindWorkload("tiny");
  const WorkloadSpec big = ScaleWorkload(tiny, 10);
  EXPECT_EQ(big.ads, 100'000u);
  EXPECT_EQ(big.items, 20'000u);
  EXPECT_EQ(big.campaigns, 5'000u);
  EXPECT_EQ(big.max_group_size, tiny.max_group_size);
  EXPECT_EQ(big.vocabulary_words, tiny.vocabulary_words);
  EXPECT_EQ(ScaleWorkload(tiny, 1e-9).items, 1u);  // never zero
}

TEST(GenGeneratorTest, Ads10mIsTheIssuedReferenceWorkload) {
  // docs/workload.md: 10 M ads over 1 M items, 200 k ad and 20 k item
  // updates per 5-minute partition, ads-1m's skews.
  const WorkloadSpec& w = *FindWorkload("ads-10m");
  const WorkloadSpec& m = *FindWorkload("ads-1m");
  EXPECT_EQ(w.ads, 10'000'000u);
  EXPECT_EQ(w.items, 1'000'000u);
  EXPECT_EQ(w.ad_updates_per_partition, 200'000u);
  EXPECT_EQ(w.item_updates_per_partition, 20'000u);
  EXPECT_EQ(w.period, 5 * kMicrosPerMinute);
  EXPECT_EQ(w.group_size_exponent, m.group_size_exponent);
  EXPECT_EQ(w.ad_update_skew, m.ad_update_skew);
  EXPECT_EQ(w.item_update_skew, m.item_update_skew);
  EXPECT_EQ(w.term_skew, m.term_skew);
}

TEST(GenGeneratorTest, BadOptionsNameTheFlag) {
  auto message = [](GenOptions o) { return ValidateGenOptions(o).message(); };
  GenOptions o = TinyOptions();
  EXPECT_TRUE(ValidateGenOptions(o).ok());
  o.workload = "huge";
  EXPECT_EQ(message(o), "--workload: unknown workload 'huge' (known: tiny, ads-1m, ads-10m)");
  for (double scale : {0.0, -1.0, std::nan(""), 1e6}) {
    o = TinyOptions();
    o.scale = scale;
    EXPECT_TRUE(message(o).starts_with("--scale: ")) << scale << ": " << message(o);
  }
  o = TinyOptions();
  o.scale = 2e5;
  EXPECT_EQ(message(o),
            "--scale: 200000 is not a factor in (0, 100000] for 'tiny' (at most 1000000000 ads)");
  o = TinyOptions();
  o.late_file_rate = 1.5;
  EXPECT_TRUE(message(o).starts_with("--late-files: rate 1.5 is outside [0, 1]")) << message(o);
  o = TinyOptions();
  o.malformed_rate = -0.1;
  EXPECT_TRUE(message(o).starts_with("--malformed:")) << message(o);
  o = TinyOptions();
  o.format = FileFormat::kParquet;
  EXPECT_TRUE(ValidateGenOptions(o).ok());
  o.malformed_rate = 0.1;
  EXPECT_EQ(message(o),
            "--malformed: Parquet files cannot hold malformed records; use --format jsonl");
  o = TinyOptions();
  o.start += kMicrosPerSecond;
  EXPECT_TRUE(message(o).starts_with("--start: 2026-05-04T10:00:01Z is not on a whole minute"));
  o = TinyOptions();
  o.partitions = 0;
  EXPECT_TRUE(message(o).starts_with("--partitions: 0")) << message(o);
  o.live = true;
  EXPECT_TRUE(ValidateGenOptions(o).ok());
  o = TinyOptions();
  o.files_per_partition = 0;
  EXPECT_TRUE(message(o).starts_with("--files-per-partition: 0")) << message(o);
  EXPECT_EQ((*RecordWriter::Create(FileFormat::kParquet))->extension(), ".parquet");
}

}  // namespace
}  // namespace freshet::gen
