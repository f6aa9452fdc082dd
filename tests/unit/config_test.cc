#include "pipeline/config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "index/segment/section_container.h"

namespace freshet {
namespace {

constexpr const char* kValid = R"(
[pipeline]
name = "ads"
output = "out"
metastore = "sqlite:meta.db"
lag_policy = "bounded"
max_lag = "15m"
cadence = "30s"

[source]
url = "data/ads"
period = "5m"

[columns]
doc_id = "ad_id"
group_key = "item_id"
version = "updated_at"
op = "op"
text = ["title"]
keyword = ["status"]
numeric = ["bid"]
stored = ["title", "bid"]

[group]
url = "data/items"
key = "item_id"
version = "updated_at"
prefix = "item_"
text = ["brand"]
aggregates = ["count", "min:bid"]
)";

Result<PipelineConfig> Parse(std::string text) {
  return ParsePipelineConfig(text, "p.toml", "/cfg");
}

TEST(ConfigTest, ParsesEveryRoleAndResolvesRelativePaths) {
  auto c = Parse(kValid);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "ads");
  EXPECT_EQ(c->output, "/cfg/out");
  EXPECT_EQ(c->metastore, "sqlite:/cfg/meta.db");
  EXPECT_EQ(c->source.url, "/cfg/data/ads");
  EXPECT_EQ(c->lag_policy, LagPolicy::kBounded);
  EXPECT_EQ(c->max_lag, 15 * kMicrosPerMinute);
  EXPECT_EQ(c->cadence, 30 * kMicrosPerSecond);
  EXPECT_TRUE(c->has_group);
  EXPECT_EQ(c->group_source.period, 5 * kMicrosPerMinute);  // defaults to the source's
  EXPECT_EQ(c->aggregates[1].FieldName("item_"), "item_min_bid");
  EXPECT_EQ(c->DocProjection(), (std::vector<std::string>{"ad_id", "item_id", "updated_at", "op",
                                                          "title", "status", "bid"}));
}

// A config file named with its folder resolves relative URLs against that
// folder; one named alone (`--config pipeline.toml`), against the current one.
TEST(ConfigTest, LoadResolvesRelativePathsAgainstTheConfigFolder) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "config_folder_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "pipeline.toml") << kValid;
  auto c = LoadPipelineConfig((dir / "pipeline.toml").string());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->output, (dir / "out").string());
  EXPECT_EQ(c->metastore, "sqlite:" + (dir / "meta.db").string());

  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  auto bare = LoadPipelineConfig("pipeline.toml");
  std::filesystem::current_path(previous);
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->output, "out");
  EXPECT_EQ(bare->source.url, "data/ads");
  EXPECT_EQ(bare->metastore, "sqlite:meta.db");
}

void ExpectError(std::string text, std::string_view expected) {
  auto c = Parse(std::move(text));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(expected), std::string::npos) << c.status().message();
}

TEST(ConfigTest, RejectsUnknownKeysAndBadValuesNamingTheKey) {
  std::string base = kValid;
  ExpectError(base + "\n[readiness]\nmarkr = \"x\"\n", "unknown key 'readiness.markr'");
  ExpectError(base + "\n[extra]\n", "unknown key 'extra'");
  std::string bad_policy = base;
  bad_policy.replace(bad_policy.find("\"bounded\""), 9, "\"eventual\"");
  ExpectError(bad_policy, "pipeline.lag_policy: 'eventual' is not one of");
  std::string bad_period = base;
  bad_period.replace(bad_period.find("\"5m\""), 4, "\"90s\"");
  ExpectError(bad_period, "source.period: must be a positive whole number of minutes");
  std::string bad_list = base;
  bad_list.replace(bad_list.find("[\"title\"]"), 9, "[\"title\", 3]");
  ExpectError(bad_list, "columns.text[1]: expected a string");
  std::string bad_agg = base;
  bad_agg.replace(bad_agg.find("\"min:bid\""), 9, "\"min:title\"");
  ExpectError(bad_agg, "group.aggregates[1]");
  ExpectError("[pipeline]\nname = \"x\"\n", "pipeline.output: required key is missing");
  ExpectError("[pipeline\n", "p.toml:1");
}

// kValid with `key = value` in its [pipeline] table.
std::string WithPipelineKey(std::string_view key, std::string_view value) {
  std::string text = kValid;
  text.insert(text.find("cadence"), fmt::format("{} = {}\n", key, value));
  return text;
}

// pipeline.max_shrink: a fraction of the live docs, 0.5 unless set.
TEST(ConfigTest, MaxShrinkIsAFractionWrittenAsAnIntegerOrAFloat) {
  auto with = [](std::string_view value) { return WithPipelineKey("max_shrink", value); };
  auto c = Parse(kValid);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->max_shrink, 0.5);
  c = Parse(with("0.25"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->max_shrink, 0.25);
  c = Parse(with("1"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->max_shrink, 1.0);
  c = Parse(with("0"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->max_shrink, 0.0);
  ExpectError(with("1.5"), "pipeline.max_shrink: 1.5 is not between 0 and 1");
  ExpectError(with("-0.1"), "pipeline.max_shrink: -0.1 is not between 0 and 1");
  ExpectError(with("nan"), "pipeline.max_shrink: nan is not between 0 and 1");
  ExpectError(with("\"half\""), "pipeline.max_shrink: expected a number between 0 and 1");
}

// pipeline.compact_after: off unless set; a number is a fraction of the
// base's bytes, a string a duration.
TEST(ConfigTest, CompactAfterIsAFractionOrADurationAndOffByDefault) {
  auto with = [](std::string_view value) { return WithPipelineKey("compact_after", value); };
  auto c = Parse(kValid);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->compact_after_ratio, 0.0);
  EXPECT_EQ(c->compact_after_age, 0);
  c = Parse(with("0.5"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->compact_after_ratio, 0.5);
  EXPECT_EQ(c->compact_after_age, 0);
  c = Parse(with("2"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->compact_after_ratio, 2.0);
  c = Parse(with("\"6h\""));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->compact_after_ratio, 0.0);
  EXPECT_EQ(c->compact_after_age, 6 * kMicrosPerHour);
  const char* expected =
      "pipeline.compact_after: expected a positive number (a fraction) or a duration such as "
      "\"6h\"";
  ExpectError(with("0"), expected);
  ExpectError(with("-0.5"), expected);
  ExpectError(with("true"), expected);
  ExpectError(with("\"soon\""), "pipeline.compact_after:");
}

// pipeline.memory_budget: 4 GiB unless set, as bytes or a size with a unit;
// pipeline.spill_dir relative to the config's folder.
TEST(ConfigTest, MemoryBudgetIsASizeAndSpillDirIsRelativeToTheConfig) {
  auto with = [](std::string_view value) { return WithPipelineKey("memory_budget", value); };
  auto c = Parse(kValid);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->memory_budget, 4ull << 30);
  EXPECT_EQ(c->spill_dir, "");
  c = Parse(with("\"256MiB\""));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->memory_budget, 256ull << 20);
  c = Parse(with("\"2GB\""));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->memory_budget, 2ull << 30);
  c = Parse(with("33554432"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->memory_budget, 32ull << 20);
  ExpectError(with("\"1MiB\""), "pipeline.memory_budget: must be at least 16.0 MiB");
  ExpectError(with("\"lots\""),
              "pipeline.memory_budget: expected a size such as \"1GiB\" or \"512MiB\"");
  ExpectError(with("-1"), "pipeline.memory_budget: expected a size");

  auto spill = ParsePipelineConfig(WithPipelineKey("spill_dir", "\"scratch/spill\""), "conf/p.toml",
                                   "/etc/freshet");
  ASSERT_TRUE(spill.ok()) << spill.status().ToString();
  EXPECT_EQ(spill->spill_dir, "/etc/freshet/scratch/spill");
}

TEST(ConfigTest, FormatDeltaReadsATableOfParquetFilesForTheSourceAndTheGroupStream) {
  std::string text = kValid;
  text.insert(text.find("period = \"5m\""), "format = \"delta\"\n");
  auto c = Parse(text);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->source.kind, SourceKind::kDeltaTable);
  EXPECT_EQ(c->source.format, FileFormat::kParquet);
  // The group stream takes the source's format unless it names its own.
  EXPECT_EQ(c->group_source.kind, SourceKind::kDeltaTable);
  text.insert(text.find("[group]\n") + 8, "format = \"jsonl\"\n");
  c = Parse(text);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->source.kind, SourceKind::kDeltaTable);
  EXPECT_EQ(c->group_source.kind, SourceKind::kFolders);
  EXPECT_EQ(c->group_source.format, FileFormat::kJsonLines);
  std::string bad = kValid;
  bad.insert(bad.find("period = \"5m\""), "format = \"iceberg\"\n");
  ExpectError(bad, "source.format: 'iceberg' is not one of jsonl, parquet, delta");
}

// pipeline.segment_format: the newest format unless an upgrade needs the
// one older readers read.
TEST(ConfigTest, SegmentFormatIsTheDefaultUnlessSetToOneThisBuildWrites) {
  auto with = [](std::string_view value) { return WithPipelineKey("segment_format", value); };
  auto c = Parse(kValid);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->segment_format, static_cast<int>(kDefaultWrittenSegmentFormatVersion));
  c = Parse(with("3"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->segment_format, 3);
  c = Parse(with("5"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->segment_format, 5);
  ExpectError(with("2"), "pipeline.segment_format: must be between 3 and 5");
  ExpectError(with("6"), "pipeline.segment_format: must be between 3 and 5");
}

// columns.analyzer / group.analyzer: the analyzer of every text column
// (ascii unless set), columns.analyzers / group.analyzers: per column.
TEST(ConfigTest, AnalyzersAreChosenPerStreamAndPerTextColumn) {
  const std::string base = kValid;
  auto c = Parse(base);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->columns.AnalyzerOf("title"), kAsciiAnalyzer);
  EXPECT_EQ(c->group_columns.AnalyzerOf("brand"), kAsciiAnalyzer);

  std::string text = base;
  text.insert(text.find("[group]"), "analyzer = \"unicode\"\n");
  text.insert(text.find("[group]"), "[columns.analyzers]\ntitle = \"unicode_fold\"\n");
  text += "analyzer = \"unicode\"\n";
  c = Parse(text);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->columns.AnalyzerOf("title"), kUnicodeFoldAnalyzer);
  EXPECT_EQ(c->columns.AnalyzerOf("description"), kUnicodeAnalyzer);
  EXPECT_EQ(c->group_columns.AnalyzerOf("brand"), kUnicodeAnalyzer);
}

TEST(ConfigTest, UnknownAnalyzersAndOverridesOfNonTextColumnsAreRefusedNamingTheKey) {
  const std::string base = kValid;
  std::string text = base;
  text.insert(text.find("[group]"), "analyzer = \"icu\"\n");
  ExpectError(text,
              "columns.analyzer: 'icu' is not an analyzer (known: ascii, unicode, unicode_fold)");
  text = base + "analyzer = \"Unicode\"\n";
  ExpectError(text,
              "group.analyzer: 'Unicode' is not an analyzer (known: ascii, unicode, unicode_fold)");
  text = base;
  text.insert(text.find("[group]"), "[columns.analyzers]\ntitle = \"stemmed\"\n");
  ExpectError(text,
              "columns.analyzers.title: 'stemmed' is not an analyzer (known: ascii, "
              "unicode, unicode_fold)");
  text = base;
  text.insert(text.find("[group]"), "[columns.analyzers]\nstatus = \"unicode\"\n");
  ExpectError(text,
              "columns.analyzers.status: 'status' is not one of the text columns (columns.text)");
  text = base;
  text.insert(text.find("[group]"), "analyzer = 2\n");
  ExpectError(text, "columns.analyzer: expected a string");
}

// columns.positions / group.positions: on unless set; positions_by_column:
// per text column.
TEST(ConfigTest, PositionsAreOnByDefaultAndChosenPerTextColumn) {
  const std::string base = kValid;
  auto c = Parse(base);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->columns.PositionsOf("title"));
  EXPECT_TRUE(c->group_columns.PositionsOf("brand"));

  std::string text = base;
  text.insert(text.find("[group]"), "positions = false\n");
  text.insert(text.find("[group]"), "[columns.positions_by_column]\ntitle = true\n");
  text += "positions = false\n";
  c = Parse(text);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->columns.PositionsOf("title"));
  EXPECT_FALSE(c->columns.PositionsOf("description"));
  EXPECT_FALSE(c->group_columns.PositionsOf("brand"));

  text = base;
  text.insert(text.find("[group]"), "positions = \"yes\"\n");
  ExpectError(text, "columns.positions: expected true or false");
  text = base;
  text.insert(text.find("[group]"), "[columns.positions_by_column]\nstatus = false\n");
  ExpectError(text,
              "columns.positions_by_column.status: 'status' is not one of the text columns "
              "(columns.text)");
  text = base;
  text.insert(text.find("[group]"), "[columns.positions_by_column]\ntitle = 1\n");
  ExpectError(text, "columns.positions_by_column.title: expected true or false");
}

}  // namespace
}  // namespace freshet
