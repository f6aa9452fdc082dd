#include "pipeline/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace freshet
